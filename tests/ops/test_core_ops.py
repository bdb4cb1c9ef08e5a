"""`kerasish.ops` core, math and einops functions, and the top-level namespace."""

import inspect
import math

import jax
import numpy as np
import pytest
import scipy.special

from kerasish import ops
from kerasish.variables import Variable
from tests.helpers import keras3

RNG = np.random.default_rng(0)

# Keras 3.15's `keras.src.ops.core`, `keras.src.ops.math` and `einops` names.
CORE_NAMES = """
associative_scan cast cond convert_to_numpy convert_to_tensor custom_gradient dtype
fori_loop is_tensor map saturate_cast scan scatter scatter_update shape slice
slice_update stop_gradient switch unstack vectorized_map while_loop
""".split()
MATH_NAMES = """
cdist erf erfc erfinv extract_sequences fft fft2 ifft2 in_top_k irfft istft logdet
logsumexp rfft rsqrt segment_max segment_min segment_prod segment_sum stft top_k
view_as_complex view_as_real
""".split()
EINOPS_NAMES = ["rearrange"]


def _params(fn):
    return [
        (p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()
    ]


@pytest.mark.compat
@pytest.mark.parametrize(
    "module, name",
    [("core", n) for n in CORE_NAMES]
    + [("math", n) for n in MATH_NAMES]
    + [("einops", n) for n in EINOPS_NAMES],
)
def test_signature_matches_keras(module, name):
    keras = keras3()
    ours = getattr(getattr(ops, module), name)
    assert getattr(ops, name) is ours
    assert _params(ours) == _params(getattr(keras.ops, name))
    assert getattr(keras.ops, name).__module__ == f"keras.src.ops.{module}"


@pytest.mark.compat
def test_every_keras_ops_name_outside_numpy_and_linalg_exists():
    # keras.ops.numpy and keras.ops.linalg names are `ops/numpy.py`'s and
    # `ops/linalg.py`'s; every other top-level name is defined here.
    keras = keras3()
    names = {n for n in dir(keras.ops) if not n.startswith("_")}
    others = names - set(dir(keras.ops.numpy)) - set(dir(keras.ops.linalg))
    assert others - {"linalg"} <= set(dir(ops))  # `ops.linalg`: other branch
    grouped = set(CORE_NAMES) | set(MATH_NAMES) | set(EINOPS_NAMES)
    assert others - set(dir(keras.ops.nn)) - {"image", "nn", "numpy", "linalg"} == (
        grouped
    )


def test_submodules_and_docstrings():
    from kerasish.ops import core, einops, image, math, nn

    assert ops.image is image and ops.nn is nn and ops.core is core
    for module in (core, einops, image, math, nn):
        for name in module.__all__:
            doc = getattr(module, name).__doc__
            assert doc and doc.strip(), f"{module.__name__}.{name}"


X = RNG.normal(size=(3, 8)).astype("float32")


def test_segment_reductions_match_loops():
    ids = np.array([0, 2, 0])
    for name, reduce, empty in [
        ("segment_sum", np.sum, 0.0),
        ("segment_max", np.max, -np.inf),
        ("segment_min", np.min, np.inf),
        ("segment_prod", np.prod, 1.0),
    ]:
        out = np.asarray(getattr(ops, name)(X, ids, num_segments=3, sorted=False))
        listed = getattr(ops, name)(X.tolist(), ids.tolist(), num_segments=3)
        np.testing.assert_allclose(listed, out, rtol=1e-6)
        for s in range(3):
            rows = X[ids == s]
            want = reduce(rows, axis=0) if len(rows) else np.full(8, empty)
            np.testing.assert_allclose(out[s], want, rtol=1e-6)
    with pytest.raises(ValueError, match="num_segments"):
        ops.segment_sum(X, ids)


@pytest.mark.parametrize("name", ["segment_sum", "segment_max", "segment_prod"])
def test_segment_ids_must_be_one_id_per_row(name):
    # 2-D ids used to give a silently wrong (4x too large) sum; Keras raises.
    reduce = getattr(ops, name)
    with pytest.raises(
        ValueError, match=rf"{name}: `segment_ids` must be a 1-D.*\(3, 8\)"
    ):
        reduce(X, np.zeros((3, 8), "int32"), num_segments=2)
    with pytest.raises(
        ValueError, match=r"shape \(2,\) needs one id per row.*\(3, 8\)"
    ):
        reduce(X, np.array([0, 1]), num_segments=2)


def test_top_k_in_top_k_cdist_logsumexp():
    values, indices = ops.top_k(X, k=3)
    np.testing.assert_array_equal(indices, np.argsort(-X, axis=1)[:, :3])
    np.testing.assert_allclose(values, -np.sort(-X, axis=1)[:, :3])
    targets = np.array([0, 5, 7])
    rank = (X > X[np.arange(3), targets][:, None]).sum(1)
    np.testing.assert_array_equal(ops.in_top_k(targets, X, k=2), rank < 2)
    y = RNG.normal(size=(5, 8)).astype("float32")
    ref = np.sqrt(((X[:, None] - y[None]) ** 2).sum(-1))
    np.testing.assert_allclose(ops.cdist(X, y), ref, rtol=1e-5)
    np.testing.assert_allclose(
        ops.logsumexp(X, axis=1, keepdims=True),
        scipy.special.logsumexp(X, axis=1, keepdims=True),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match="same last axis"):
        ops.cdist(X, y[:, :3])


def test_special_functions_match_scipy():
    u = np.tanh(X)
    np.testing.assert_allclose(ops.erf(X), scipy.special.erf(X), atol=1e-6)
    np.testing.assert_allclose(ops.erfc(X), scipy.special.erfc(X), atol=1e-6)
    np.testing.assert_allclose(ops.erfinv(u), scipy.special.erfinv(u), rtol=1e-4)
    np.testing.assert_allclose(ops.rsqrt(np.abs(X)), 1 / np.sqrt(np.abs(X)), rtol=1e-5)
    spd = X @ X.T + np.eye(3, dtype="float32")
    np.testing.assert_allclose(ops.logdet(spd), np.linalg.slogdet(spd)[1], rtol=1e-5)


def test_ffts_match_numpy():
    z = X + 1j * X[::-1]
    pair = (X, X[::-1].copy())
    for name, fn in [
        ("fft", np.fft.fft),
        ("fft2", np.fft.fft2),
        ("ifft2", np.fft.ifft2),
    ]:
        real, imag = getattr(ops, name)(pair)
        np.testing.assert_allclose(real + 1j * np.asarray(imag), fn(z), atol=1e-4)
    real, imag = ops.rfft(X, fft_length=10)
    np.testing.assert_allclose(
        real + 1j * np.asarray(imag), np.fft.rfft(X, 10), atol=1e-5
    )
    np.testing.assert_allclose(
        ops.irfft((real, imag), 10), np.fft.irfft(np.fft.rfft(X, 10), 10), atol=1e-5
    )
    np.testing.assert_allclose(ops.view_as_complex(np.stack(pair, -1)), z, rtol=1e-6)
    np.testing.assert_allclose(ops.view_as_real(z), np.stack(pair, -1), rtol=1e-6)
    with pytest.raises(ValueError, match="real, imag"):
        ops.fft(X)
    with pytest.raises(ValueError, match="same shape"):
        ops.fft((X, X[:2]))
    with pytest.raises(ValueError, match="size 2"):
        ops.view_as_complex(X)


def test_extract_sequences_stft_and_istft():
    signal = RNG.normal(size=(2, 40)).astype("float32")
    frames = np.asarray(
        ops.extract_sequences(signal, sequence_length=8, sequence_stride=3)
    )
    ref = np.stack([signal[:, i : i + 8] for i in range(0, 33, 3)], axis=1)
    np.testing.assert_array_equal(frames, ref)

    # Periodic Hann window of 8 centred in 12 points; frames of 12, hop 4.
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8)
    window = np.pad(hann, (2, 2))
    real, imag = ops.stft(signal, 8, 4, 12, center=False)
    frames = np.stack([signal[:, i : i + 12] for i in range(0, 29, 4)], axis=1)
    np.testing.assert_allclose(
        np.asarray(real) + 1j * np.asarray(imag),
        np.fft.rfft(frames * window, 12),
        atol=1e-4,
    )
    # With centring, istft inverts stft.
    spectrum = ops.stft(signal, 8, 2, 8)
    np.testing.assert_allclose(
        ops.istft(spectrum, 8, 2, 8, length=40), signal, atol=1e-4
    )
    with pytest.raises(ValueError, match="fft_length"):
        ops.stft(signal, 8, 2, 4)
    with pytest.raises(ValueError, match="hann"):
        ops.stft(signal, 8, 2, 8, window="blackman")
    with pytest.raises(TypeError, match="float32 or float64"):
        ops.stft(signal.astype("int32"), 8, 2, 8)


@pytest.mark.compat
def test_math_ops_match_keras():
    keras = keras3()
    signal = RNG.normal(size=(2, 50)).astype("float32")
    for kwargs in [{}, {"window": None}, {"window": "hamming", "center": False}]:
        ours = ops.stft(signal, 10, 4, 16, **kwargs)
        # Keras's side compiled whole: op by op it takes seconds per call.
        theirs = jax.jit(lambda s, kw=kwargs: keras.ops.stft(s, 10, 4, 16, **kw))(
            signal
        )
        np.testing.assert_allclose(ours, theirs, atol=1e-4, err_msg=str(kwargs))
        spectrum = tuple(np.asarray(s) for s in theirs)
        np.testing.assert_allclose(
            ops.istft(spectrum, 10, 4, 16, **kwargs),
            jax.jit(lambda s, kw=kwargs: keras.ops.istft(s, 10, 4, 16, **kw))(spectrum),
            atol=1e-4,
            err_msg=str(kwargs),
        )


def test_core_tensor_functions():
    np.testing.assert_array_equal(
        ops.saturate_cast(np.array([-5.0, 3.7, 300.0, np.inf]), "uint8"),
        [0, 3, 255, 255],
    )
    np.testing.assert_array_equal(
        ops.saturate_cast(np.array([70000, -70000]), "int16"), [32767, -32768]
    )
    parts = ops.unstack(X, axis=1)
    assert len(parts) == 8
    np.testing.assert_array_equal(parts[3], X[:, 3])
    with pytest.raises(ValueError, match="num"):
        ops.unstack(X, num=4, axis=1)
    np.testing.assert_array_equal(ops.slice(X, (1, 2), (-1, 3)), X[1:, 2:5])
    np.testing.assert_array_equal(
        ops.slice_update(X, (1, 2), np.zeros((2, 2), "float32")),
        np.where(np.pad(np.ones((2, 2)), ((1, 0), (2, 4))) > 0, 0, X),
    )
    indices = np.array([[0, 1], [2, 2], [0, 1]])
    out = ops.scatter(indices, np.array([1.0, 2.0, 3.0]), (3, 3))
    np.testing.assert_array_equal(out, [[0, 4, 0], [0, 0, 0], [0, 0, 2]])
    base = np.ones((3, 3), "float32")
    for reduction, want in [
        (None, 5.0),
        ("add", 6.0),
        ("max", 5.0),
        ("min", 1.0),
        ("mul", 5.0),
    ]:
        out = ops.scatter_update(
            base, indices[:2], np.array([5.0, 7.0], "float32"), reduction
        )
        assert float(out[0, 1]) == want
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(base, indices, np.ones(3), reduction="avg")
    assert ops.shape(Variable(X)) == (3, 8) and ops.shape([[1, 2]]) == (1, 2)
    assert ops.dtype(X) == "float32"
    with pytest.raises(ValueError, match="sparse or ragged"):
        ops.convert_to_tensor(X, sparse=True)
    np.testing.assert_array_equal(
        ops.convert_to_tensor(X, dtype="float16"), X.astype("float16")
    )


def test_control_flow():
    out = ops.while_loop(
        lambda i, total: i < 10,
        lambda i, total: (i + 1, total * 2),
        (0, 1.0),
        maximum_iterations=5,
    )
    assert int(out[0]) == 5 and float(out[1]) == 32.0 and isinstance(out, tuple)
    assert int(ops.while_loop(lambda i: i < 10, lambda i: i + 3, loop_vars=0)) == 12
    assert int(ops.fori_loop(0, 5, lambda i, v: v + i, 0)) == 10
    np.testing.assert_array_equal(
        ops.cond(X.sum() > 0, lambda: X, lambda: -X), X if X.sum() > 0 else -X
    )
    np.testing.assert_array_equal(
        ops.switch(1, [lambda a: a + 1, lambda a: a * 3], X), X * 3
    )
    np.testing.assert_allclose(ops.map(lambda row: row.sum(), X), X.sum(1), rtol=1e-6)
    np.testing.assert_allclose(
        ops.associative_scan(lambda a, b: a + b, X, axis=1), np.cumsum(X, 1), rtol=1e-5
    )
    np.testing.assert_allclose(
        ops.associative_scan(lambda a, b: a + b, X, reverse=True),
        np.cumsum(X[::-1], 0)[::-1],
        rtol=1e-5,
    )
    np.testing.assert_allclose(ops.vectorized_map(lambda row: row * 2, X), X * 2)
    carry, ys = ops.scan(lambda c, x: (c + x, c), 0.0, X[0])
    np.testing.assert_allclose(
        ys, np.concatenate([[0.0], np.cumsum(X[0])[:-1]]), rtol=1e-5
    )
    with pytest.raises(ValueError, match="unroll"):
        ops.scan(lambda c, x: (c, x), 0.0, X[0], unroll=0)


def test_custom_gradient_and_stop_gradient():
    @ops.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return ops.clip(upstream, -0.5, 0.5)

        return x, grad

    g = jax.grad(lambda x: ops.sum(clipped_identity(x) * 3.0))(X[0])
    np.testing.assert_allclose(g, np.full(8, 0.5))
    g = jax.grad(lambda x: ops.sum(ops.stop_gradient(x) * x))(X[0])
    np.testing.assert_allclose(g, X[0])
    np.testing.assert_allclose(clipped_identity(Variable(X)), X)


def test_rearrange_matches_numpy():
    x = RNG.normal(size=(2, 6, 4, 3)).astype("float32")
    out = ops.rearrange(x, "b (h h2) w c -> b h (w h2 c)", h2=2)
    ref = x.reshape(2, 3, 2, 4, 3).transpose(0, 1, 3, 2, 4).reshape(2, 3, 24)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(
        ops.rearrange(x, "b h w c -> c b w h"), x.transpose(3, 0, 2, 1)
    )
    with pytest.raises(ValueError, match="same axes"):
        ops.rearrange(x, "b h w c -> b h w")
    with pytest.raises(ValueError, match="names 3 axes"):
        ops.rearrange(x, "b h w -> b h w")
    with pytest.raises(ValueError, match="cannot infer"):
        ops.rearrange(x, "b (h h2) w c -> b h h2 w c")
    assert math.prod(ops.shape(ops.rearrange(x, "b h w c -> (b h w c)"))) == x.size


def test_loops_accept_variables_and_namedtuples():
    from collections import namedtuple

    State = namedtuple("State", "total count")
    carry, _ = ops.scan(
        lambda c, x: (State(c.total + x, c.count + 1), None),
        State(Variable(np.zeros((), "float32")), 0),
        X[0],
    )
    assert isinstance(carry, State) and int(carry.count) == 8
    np.testing.assert_allclose(carry.total, X[0].sum(), rtol=1e-5)


def test_cast_to_an_unknown_dtype_raises_value_error_as_keras():
    # Keras 3.15.1: ValueError "Invalid dtype: float33"; kerasish adds close names.
    x = np.array([1.5, 2.5], "float32")
    with pytest.raises(
        ValueError, match="Invalid dtype: float33.*Did you mean 'float32'"
    ):
        ops.cast(x, "float33")
    with pytest.raises(ValueError, match="Invalid dtype: fp32.*Valid dtypes: float16"):
        ops.cast(x, "fp32")
    with pytest.raises(ValueError, match="Invalid dtype: 3"):
        ops.standardize_dtype(3)
    with pytest.raises(ValueError, match="Invalid dtype: float33"):
        ops.convert_to_tensor(x, dtype="float33")
    out = ops.cast(x, "int32")  # valid names still work
    assert ops.dtype(out) == "int32"
    np.testing.assert_array_equal(out, [1, 2])


def test_switch_on_symbolic_operands_records_an_op():
    """As Keras: `ops.switch` in a functional model (its operands are
    KerasTensors) is an op of the graph, run when the model runs."""
    import kerasish

    x = kerasish.Input((3,))
    y = ops.switch(1, [ops.relu, ops.tanh], x)
    assert tuple(y.shape) == (None, 3)
    model = kerasish.Model(x, y)
    data = np.array([[-1.0, 0.0, 2.0]], "float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), np.tanh(data), rtol=1e-6)


def test_while_loop_returns_a_tuple_for_a_list_as_keras():
    out = ops.while_loop(
        lambda i, v: i < 3, lambda i, v: (i + 1, v * 2), [0, ops.ones((2,))]
    )
    assert type(out) is tuple
    np.testing.assert_allclose(out[1], [8.0, 8.0])


def test_convert_to_numpy_returns_a_writable_copy_as_keras():
    x = jax.numpy.arange(4.0)
    host = ops.convert_to_numpy(x)
    host[0] = 9.0  # Keras's is a copy a user may write to
    np.testing.assert_array_equal(host, [9.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(x), [0.0, 1.0, 2.0, 3.0])
    given = np.zeros(2, "float32")
    assert ops.convert_to_numpy(given) is not given
    bf16 = ops.convert_to_numpy(jax.numpy.ones(2, "bfloat16"))
    assert bf16.flags.writeable and str(bf16.dtype) == "bfloat16"
