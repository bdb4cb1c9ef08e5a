"""The conformance suite: the same tests on every registered engine.

Ops are checked against numpy formulas (values and Keras's result dtypes); models
of each layer family run `__call__`, `predict` and `evaluate` and must agree with
another engine, and `evaluate`'s loss and metric with a numpy formula. A new
engine passes this file before it is registered:

    PYTHONPATH=$PWD python -m pytest -p no:xdist tests/engine/test_conformance.py
"""

import re

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers, ops
from kerasish.engine import engine_names, get_engine, set_engine

ENGINES = engine_names()
_RNG = np.random.default_rng(0)


def _normal(*shape):
    return _RNG.normal(size=shape).astype("float32")


@pytest.fixture(params=ENGINES)
def engine(request):
    previous = get_engine().name
    set_engine(request.param)
    yield get_engine()
    set_engine(previous)


def _check(got, expected, dtype=None, rtol=1e-5, atol=1e-5):
    # A tuple is several outputs; anything else is one array.
    got_leaves = list(got) if isinstance(got, tuple | list) else [got]
    expected_leaves = list(expected) if isinstance(expected, tuple) else [expected]
    if not isinstance(expected, tuple):
        got_leaves = [np.asarray(ops.convert_to_numpy(got))]
    assert len(got_leaves) == len(expected_leaves)
    for g, e in zip(got_leaves, expected_leaves):
        g = ops.convert_to_numpy(g)
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
        if dtype is not None:
            assert str(g.dtype) == dtype, (g.dtype, dtype)


# -- ops against numpy formulas ------------------------------------------------------
X = _normal(3, 4)
Y = _normal(3, 4)
I32 = np.arange(12, dtype="int32").reshape(3, 4)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


OP_CASES = {
    "add": (lambda: ops.add(X, Y), X + Y, "float32"),
    "add_int_float": (lambda: ops.add(I32, X), I32 + X, "float32"),
    "add_weak_scalar": (lambda: ops.add(I32, 2), I32 + 2, "int32"),
    "sqrt_int": (lambda: ops.sqrt(I32), np.sqrt(I32), "float32"),
    "mean_int": (lambda: ops.mean(I32, axis=0), I32.mean(0), "float32"),
    "matmul": (lambda: ops.matmul(X, Y.T), X @ Y.T, "float32"),
    "sum_axis": (lambda: ops.sum(X, axis=1, keepdims=True), X.sum(1, keepdims=True)),
    "max": (lambda: ops.max(X, axis=0), X.max(0)),
    "argmax": (lambda: ops.argmax(X, axis=1), X.argmax(1)),
    "where": (lambda: ops.where(X > 0, X, Y), np.where(X > 0, X, Y)),
    "clip": (lambda: ops.clip(X, -0.5, 0.5), np.clip(X, -0.5, 0.5)),
    "reshape": (lambda: ops.reshape(X, (2, 6)), X.reshape(2, 6)),
    "transpose": (lambda: ops.transpose(X), X.T),
    "concatenate": (lambda: ops.concatenate([X, Y], axis=1), np.hstack([X, Y])),
    "take": (lambda: ops.take(X, np.array([2, 0]), axis=0), X[[2, 0]]),
    "cumsum": (lambda: ops.cumsum(X, axis=1), np.cumsum(X, 1)),
    "einsum": (lambda: ops.einsum("ij,kj->ik", X, Y), X @ Y.T),
    "pad": (lambda: ops.pad(X, [(1, 0), (0, 2)]), np.pad(X, [(1, 0), (0, 2)])),
    "softmax": (lambda: ops.softmax(X), _softmax(X), "float32"),
    "log_softmax": (lambda: ops.log_softmax(X), np.log(_softmax(X))),
    "logsumexp": (
        lambda: ops.logsumexp(X, axis=1),
        np.log(np.exp(X).sum(1)),
        "float32",
    ),
    "relu": (lambda: ops.relu(X), np.maximum(X, 0)),
    "sigmoid": (lambda: ops.sigmoid(X), 1 / (1 + np.exp(-X))),
    "gelu_tanh": (
        lambda: ops.gelu(X),
        0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X**3))),
    ),
    "celu": (lambda: ops.celu(X, 2.0), np.where(X > 0, X, 2 * np.expm1(X / 2))),
    "hard_tanh": (lambda: ops.hard_tanh(3 * X), np.clip(3 * X, -1, 1)),
    "soft_shrink": (
        lambda: ops.soft_shrink(X, 0.5),
        np.where(np.abs(X) > 0.5, X - np.sign(X) * 0.5, 0),
    ),
    "glu": (
        lambda: ops.glu(X),
        X[:, :2] / (1 + np.exp(-X[:, 2:])),
    ),
    "one_hot": (
        lambda: ops.one_hot(np.array([0, 2, 1]), 3),
        np.eye(3, dtype="float32")[[0, 2, 1]],
        "float32",
    ),
    "moments": (
        lambda: ops.moments(X, axes=[0]),
        (X.mean(0), X.var(0)),
    ),
    "batch_normalization": (
        lambda: ops.batch_normalization(
            X, X.mean(0), X.var(0), axis=-1, offset=Y[0], scale=Y[1], epsilon=1e-3
        ),
        (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-3) * Y[1] + Y[0],
    ),
    "layer_normalization": (
        lambda: ops.layer_normalization(X, gamma=Y[0], beta=Y[1], epsilon=1e-3),
        (X - X.mean(1, keepdims=True)) / np.sqrt(X.var(1, keepdims=True) + 1e-3) * Y[0]
        + Y[1],
    ),
    "rms_normalization": (
        lambda: ops.rms_normalization(X, scale=Y[0], epsilon=1e-3),
        X / np.sqrt(np.mean(X**2, axis=1, keepdims=True) + 1e-3) * Y[0],
    ),
    "top_k": (
        lambda: ops.top_k(X, 2),
        (-np.sort(-X, axis=1)[:, :2], np.argsort(-X, axis=1)[:, :2]),
    ),
    "in_top_k": (
        lambda: ops.in_top_k(np.array([0, 1, 2]), X, 2),
        np.array([(X[i] > X[i, t]).sum() < 2 for i, t in enumerate([0, 1, 2])]),
    ),
    "segment_sum": (
        lambda: ops.segment_sum(X, np.array([0, 1, 0]), num_segments=2),
        np.stack([X[0] + X[2], X[1]]),
    ),
    "segment_max": (
        lambda: ops.segment_max(X, np.array([0, 1, 0]), num_segments=2),
        np.stack([np.maximum(X[0], X[2]), X[1]]),
    ),
    "scatter": (
        lambda: ops.scatter(
            np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2, 3]), (3, 4)
        ),
        np.array([[0, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 2]], "float32"),
    ),
    "scatter_update": (
        lambda: ops.scatter_update(X, np.array([[0, 0], [2, 3]]), np.array([7.0, 8])),
        np.where(
            np.isin(np.arange(12).reshape(3, 4), [0, 11]),
            np.array([[7.0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 8.0]]),
            X,
        ),
    ),
    "scatter_update_add": (
        lambda: ops.scatter_update(
            X, np.array([[1, 1], [1, 1]]), np.array([1.0, 2.0]), reduction="add"
        ),
        X + np.pad(np.array([[3.0]]), [(1, 1), (1, 2)]),
    ),
    "slice": (lambda: ops.slice(X, (1, 1), (2, -1)), X[1:3, 1:]),
    "slice_update": (
        lambda: ops.slice_update(X, (1, 2), np.ones((2, 2), "float32")),
        np.concatenate([X[:, :2], np.vstack([X[:1, 2:], np.ones((2, 2))])], axis=1),
    ),
    "unstack": (lambda: tuple(ops.unstack(X, axis=1)), tuple(X.T)),
    "fft": (
        lambda: ops.fft((X, Y)),
        (np.fft.fft(X + 1j * Y).real, np.fft.fft(X + 1j * Y).imag),
    ),
    "rfft": (lambda: ops.rfft(X), (np.fft.rfft(X).real, np.fft.rfft(X).imag)),
    "erf": (
        lambda: ops.erf(np.array([-1.0, 0.0, 0.5], "float32")),
        np.array([-0.8427007929, 0.0, 0.5204998778]),
    ),
    "solve": (
        lambda: ops.linalg.solve(X[:, :3] + 3 * np.eye(3, dtype="float32"), Y[:, :1]),
        np.linalg.solve(X[:, :3] + 3 * np.eye(3), Y[:, :1]),
    ),
    "depth_to_space": (
        lambda: ops.depth_to_space(np.arange(16.0).reshape(1, 1, 1, 16), 2),
        np.arange(16.0).reshape(2, 2, 4)[None],
    ),
    "space_to_depth": (
        lambda: ops.space_to_depth(np.arange(8.0).reshape(1, 2, 2, 2), 2),
        np.arange(8.0).reshape(1, 1, 1, 8),
    ),
    "psnr": (
        lambda: ops.psnr(X, Y, 2.0),
        20 * np.log10(2.0) - 10 * np.log10(np.mean((X - Y) ** 2)),
    ),
    "saturate_cast": (
        lambda: ops.saturate_cast(np.array([-5.0, 100.0, 300.0]), "uint8"),
        np.array([0, 100, 255]),
        "uint8",
    ),
}


@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_op_matches_numpy(engine, case):
    fn, expected, *dtype = OP_CASES[case]
    _check(fn(), expected, dtype[0] if dtype else None, rtol=1e-4, atol=1e-5)


def test_result_type_follows_keras_promotion(engine):
    assert engine.result_type("int32", "float32") == "float32"
    assert engine.result_type("bfloat16", float) == "bfloat16"
    assert engine.result_type("int64", "int32") == "int32"
    assert engine.result_type("uint8", "int8") == "int16"
    assert engine.result_type() == "float32"
    assert keras.backend.result_type("float16", int) == "float16"


# -- convolutions and attention against direct loops ---------------------------------
def _conv_transpose_full(x, kernel, stride):
    """The transposed convolution by its definition: each input pixel scatters
    `value * kernel` into the output at `stride` steps. x: (N, H, W, C);
    kernel: (kh, kw, F, C)."""
    n, h, w, _ = x.shape
    kh, kw, f, _ = kernel.shape
    out = np.zeros((n, (h - 1) * stride + kh, (w - 1) * stride + kw, f))
    for i in range(h):
        for j in range(w):
            contribution = np.einsum("nc,abfc->nabf", x[:, i, j], kernel)
            out[:, i * stride : i * stride + kh, j * stride : j * stride + kw] += (
                contribution
            )
    return out


def test_conv_transpose_valid_matches_definition(engine):
    x, kernel = _normal(2, 4, 5, 3), _normal(3, 3, 2, 3)
    got = ops.conv_transpose(x, kernel, strides=2, padding="valid")
    _check(got, _conv_transpose_full(x, kernel, 2), "float32", rtol=1e-4, atol=1e-4)


def test_conv_transpose_same_is_the_centred_crop(engine):
    # "same" keeps `size * stride` outputs; the crop starts at (k - s) // 2.
    x, kernel = _normal(1, 3, 4, 2), _normal(3, 3, 4, 2)
    full = _conv_transpose_full(x, kernel, 2)
    expected = full[:, 0:6, 0:8]
    got = ops.conv_transpose(x, kernel, strides=2, padding="same")
    _check(got, expected, rtol=1e-4, atol=1e-4)


def test_depthwise_and_separable_conv_match_per_channel_loops(engine):
    x, depthwise = _normal(2, 5, 5, 3), _normal(3, 3, 3, 2)
    pointwise = _normal(1, 1, 6, 4)
    expected = np.zeros((2, 3, 3, 6))
    for c in range(3):
        for m in range(2):
            for i in range(3):
                for j in range(3):
                    patch = x[:, i : i + 3, j : j + 3, c]
                    expected[:, i, j, c * 2 + m] = np.sum(
                        patch * depthwise[:, :, c, m], axis=(1, 2)
                    )
    _check(ops.depthwise_conv(x, depthwise), expected, rtol=1e-4, atol=1e-4)
    _check(
        ops.separable_conv(x, depthwise, pointwise),
        expected @ pointwise[0, 0],
        rtol=1e-4,
        atol=1e-4,
    )


def test_dot_product_attention_matches_formula(engine):
    q, k, v = _normal(2, 4, 2, 3), _normal(2, 5, 2, 3), _normal(2, 5, 2, 3)
    mask = _RNG.random((2, 2, 4, 5)) > 0.3
    mask[..., 0] = True
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(3)
    logits = np.where(mask, logits, -np.inf)
    expected = np.einsum("bnts,bsnh->btnh", _softmax(logits), v)
    got = ops.dot_product_attention(q, k, v, mask=mask)
    _check(got, expected, "float32", rtol=1e-4, atol=1e-5)
    causal = np.where(np.tril(np.ones((4, 5), bool)), 0.0, -np.inf)
    logits = np.einsum("btnh,bsnh->bnts", q, k) * 0.5 + causal
    expected = np.einsum("bnts,bsnh->btnh", _softmax(logits), v)
    got = ops.dot_product_attention(q, k, v, scale=0.5, is_causal=True)
    _check(got, expected, rtol=1e-4, atol=1e-5)


def test_grouped_query_attention_shares_key_heads(engine):
    q, k, v = _normal(1, 3, 4, 2), _normal(1, 3, 2, 2), _normal(1, 3, 2, 2)
    got = ops.convert_to_numpy(ops.dot_product_attention(q, k, v))
    for head in range(4):
        kv = head // 2
        logits = q[0, :, head] @ k[0, :, kv].T / np.sqrt(2)
        np.testing.assert_allclose(
            got[0, :, head], _softmax(logits) @ v[0, :, kv], rtol=1e-4, atol=1e-5
        )


# -- control flow, trees, random -----------------------------------------------------
def test_control_flow_matches_python(engine):
    xs = np.arange(5, dtype="float32")
    carry, ys = engine.scan(lambda c, x: (c + x, c * x), np.float32(1), xs)
    _check(ys, [0, 1, 4, 12, 28])
    assert float(carry) == 11
    assert float(engine.fori_loop(0, 4, lambda i, v: v + i, np.float32(0))) == 6
    assert float(engine.while_loop(lambda v: v < 10, lambda v: v * 2, 1.0)) == 16
    assert float(engine.switch(1, [lambda v: v, lambda v: v + 1], 1.0)) == 2
    assert float(engine.cond(False, lambda: 1.0, lambda: 2.0)) == 2
    _check(engine.vmap(lambda r: r.sum())(X), X.sum(1))


def test_tree_utilities_round_trip(engine):
    tree = {"b": [np.float32(1), (np.float32(2), None)], "a": np.float32(3)}
    leaves, treedef = engine.tree_flatten(tree)
    assert [float(v) for v in leaves] == [3, 1, 2]
    doubled = engine.tree_unflatten(treedef, [v * 2 for v in leaves])
    assert float(doubled["b"][1][0]) == 4 and doubled["b"][1][1] is None
    mapped = engine.tree_map(lambda a, b: a + b, tree, tree)
    assert engine.tree_structure(mapped) == engine.tree_structure(tree)
    assert [float(v) for v in engine.tree_leaves(mapped)] == [6, 2, 4]


def test_random_draws_have_the_requested_distribution(engine):
    a, b = engine.random.key(3), engine.random.key(4)
    draws = ops.convert_to_numpy(engine.random.normal(a, (4000,)))
    assert abs(draws.mean()) < 0.1 and abs(draws.std() - 1) < 0.1
    uniform = ops.convert_to_numpy(engine.random.uniform(b, (4000,), 2.0, 3.0))
    assert uniform.min() >= 2 and uniform.max() < 3 and abs(uniform.mean() - 2.5) < 0.05
    same = ops.convert_to_numpy(engine.random.normal(a, (4000,)))
    np.testing.assert_array_equal(draws, same)


def test_eval_shape_and_shape_dtype_struct(engine):
    spec = engine.shape_dtype_struct((2, 3), "float32")
    out = engine.eval_shape(lambda a: ops.matmul(a, ops.ones((3, 5))), spec)
    assert tuple(out.shape) == (2, 5) and str(out.dtype) == "float32"


def test_compile_runs_like_the_function(engine):
    fn = engine.compile(lambda a: a * 2 + 1, np.ones(3, "float32"))
    _check(fn(np.arange(3, dtype="float32")), [1, 3, 5])


# -- models: __call__, predict, evaluate per layer family ----------------------------
def _sequential(*stack, shape):
    keras.utils.set_random_seed(7)
    return keras.Sequential([keras.Input(shape), *stack])


FAMILIES = {
    "dense": lambda: _sequential(
        layers.Dense(8, activation="gelu"),
        layers.Dropout(0.3),
        layers.Dense(3, activation="softmax"),
        shape=(6,),
    ),
    "conv_pool": lambda: _sequential(
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(4, 3, strides=2, dilation_rate=1),
        layers.AveragePooling2D(1),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3),
        shape=(8, 8, 2),
    ),
    "conv_variants": lambda: _sequential(
        layers.Conv2DTranspose(3, 3, strides=2, padding="same"),
        layers.DepthwiseConv2D(3, depth_multiplier=2),
        layers.SeparableConv2D(4, 3, padding="same"),
        layers.Flatten(),
        layers.Dense(3),
        shape=(4, 4, 2),
    ),
    "conv1d": lambda: _sequential(
        layers.Conv1D(4, 3, padding="causal"),
        layers.MaxPooling1D(2),
        layers.GlobalMaxPooling1D(),
        layers.Dense(3),
        shape=(10, 3),
    ),
    "rnn": lambda: _sequential(
        layers.LSTM(5, return_sequences=True),
        layers.GRU(4, return_sequences=True),
        layers.SimpleRNN(3),
        shape=(6, 2),
    ),
    "attention": lambda: _attention_model(),
    "normalization": lambda: _sequential(
        layers.Dense(6),
        layers.BatchNormalization(),
        layers.LayerNormalization(),
        layers.GroupNormalization(groups=2),
        layers.UnitNormalization(),
        layers.Dense(3),
        shape=(5,),
    ),
    "embedding": lambda: _sequential(
        layers.Embedding(12, 4),
        layers.GlobalAveragePooling1D(),
        layers.Dense(3),
        shape=(7,),
    ),
}


def _attention_model():
    keras.utils.set_random_seed(7)
    inputs = keras.Input((5, 4))
    x = layers.MultiHeadAttention(num_heads=2, key_dim=3)(inputs, inputs)
    x = layers.GroupedQueryAttention(
        head_dim=2, num_query_heads=4, num_key_value_heads=2
    )(x, inputs)
    x = layers.LayerNormalization()(layers.Add()([x, inputs]))
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(3)(x))


def _inputs(family, model):
    shape = (10,) + tuple(model.inputs[0].shape[1:])
    if family == "embedding":
        return np.random.default_rng(1).integers(0, 12, shape).astype("int32")
    return np.random.default_rng(1).normal(size=shape).astype("float32")


def _reference_engine(name):
    """Another engine to compare with (the JAX engine, or for it the NumPy one)."""
    return "numpy" if name == "jax" else "jax"


# One model per family for every engine's test, and each engine's `model(x)` kept:
# an engine's own output is the reference of the others' tests, so no test runs a
# model's `__call__` on another engine again (eager calls compile op by op).
_MODELS = {}
_CALLS = {}


def _model_and_inputs(family):
    if family not in _MODELS:
        model = FAMILIES[family]()
        _MODELS[family] = model, _inputs(family, model)
    return _MODELS[family]


def _call(family, engine_name):
    """`model(x)` of the family's shared model on `engine_name`, as numpy."""
    if (family, engine_name) not in _CALLS:
        model, x = _model_and_inputs(family)
        previous = get_engine().name
        set_engine(engine_name)
        try:
            _CALLS[family, engine_name] = np.asarray(ops.convert_to_numpy(model(x)))
        finally:
            set_engine(previous)
    return _CALLS[family, engine_name]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_model_call_predict_evaluate(engine, family):
    name = engine.name
    set_engine(_reference_engine(name))
    model, x = _model_and_inputs(family)
    y = np.random.default_rng(2).normal(size=(10, 3)).astype("float32")
    reference = _call(family, _reference_engine(name))

    set_engine(name)
    ours = model(x)
    _CALLS[family, name] = np.asarray(ops.convert_to_numpy(ours))
    _check(ours, reference, rtol=1e-4, atol=1e-5)
    _check(model.predict(x, batch_size=4, verbose=0), reference, rtol=1e-4, atol=1e-5)
    model.compile(loss="mse", metrics=["mae"])
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], np.mean((reference - y) ** 2), rtol=1e-4)
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(reference - y)), rtol=1e-4)


# -- what the NumPy engine refuses ---------------------------------------------------
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (
            lambda: ops.ctc_loss(np.ones((1, 2)), np.ones((1, 3, 4)), [2], [3]),
            "ops.nn.ctc_loss",
        ),
        (lambda: ops.image.resize(np.ones((4, 4, 1)), (2, 2)), "ops.image.resize"),
        (lambda: ops.erfinv(np.zeros(2)), "ops.math.erfinv"),
        (lambda: ops.unfold(np.ones((1, 1, 4, 4)), 2), "ops.nn.unfold"),
        (lambda: ops.stft(np.ones((1, 16), "float32"), 8, 4, 8), "ops.math.stft"),
    ],
)
def test_numpy_engine_names_unsupported_ops(call, name):
    set_engine("numpy")
    pattern = re.escape(f"`kerasish.{name}` is not supported by the numpy engine")
    try:
        with pytest.raises(NotImplementedError, match=pattern + r".*set_engine"):
            call()
    finally:
        set_engine("jax")


def test_numpy_engine_refuses_gradients_and_profiling():
    set_engine("numpy")
    try:
        engine = get_engine()
        with pytest.raises(NotImplementedError, match="inference only"):
            engine.value_and_grad(lambda v: v)
        with pytest.raises(NotImplementedError, match="not supported by the numpy"):
            engine.start_trace("/tmp/unused")
        assert engine.optimizers is None and engine.export is None
    finally:
        set_engine("jax")


INT_INPUT = np.array([-2, 0, 1, 3], "int32")
# Keras 3.15.1's values and dtypes for integer input (the JAX engine's own
# tests check them against Keras); every engine gives the same.
INTEGER_RULES = [
    ("floor", lambda e: e.numpy.floor(INT_INPUT), [-2.0, 0.0, 1.0, 3.0], "float32"),
    ("ceil", lambda e: e.numpy.ceil(INT_INPUT), [-2.0, 0.0, 1.0, 3.0], "float32"),
    ("full", lambda e: e.numpy.full((2,), 3), [3.0, 3.0], "float32"),
    ("hard_tanh", lambda e: e.nn.hard_tanh(INT_INPUT), [-1, 0, 1, 1], "int32"),
    (
        "sparse_plus",
        lambda e: e.nn.sparse_plus(INT_INPUT),
        [0.0, 0.25, 1.0, 3.0],
        "float32",
    ),
    (
        "sparse_sigmoid",
        lambda e: e.nn.sparse_sigmoid(INT_INPUT),
        [0.0, 0.5, 1.0, 1.0],
        "float32",
    ),
    ("hard_shrink", lambda e: e.nn.hard_shrink(INT_INPUT), [-2, 0, 1, 3], "float32"),
    (
        "soft_shrink",
        lambda e: e.nn.soft_shrink(np.array([True, False])),
        [0.5, 0.0],
        "float32",
    ),
]


@pytest.mark.parametrize("name, op, want, dtype", INTEGER_RULES)
def test_integer_inputs_follow_kerass_dtype_rules(engine, name, op, want, dtype):
    out = op(engine)
    assert str(np.asarray(out).dtype) == dtype, name
    np.testing.assert_allclose(np.asarray(out), want, rtol=1e-6)


def test_unknown_dtype_name_is_a_value_error(engine):
    with pytest.raises(ValueError, match="float33"):
        engine.standardize_dtype("float33")
