"""`kerasish.ops.nn`: every Keras name, its signature, and values vs references."""

import hashlib
import inspect
import itertools
from pathlib import Path

import jax
import numpy as np
import pytest

from kerasish import config, ops
from kerasish.variables import Variable
from tests import recorded
from tests.helpers import keras3

RNG = np.random.default_rng(0)

# `keras.ops.nn`'s public names (Keras 3.15); the compat test checks the list.
NN_NAMES = """
adaptive_average_pool adaptive_max_pool average_pool batch_normalization
binary_crossentropy categorical_crossentropy celu conv conv_transpose ctc_decode
ctc_loss depth_to_space depthwise_conv dot_product_attention elu fold gelu glu
hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh layer_normalization
leaky_relu log_sigmoid log_softmax max_pool moments multi_hot normalize one_hot
polar psnr relu relu6 rms_normalization selu separable_conv sigmoid silu
soft_shrink softmax softplus softsign space_to_depth
sparse_categorical_crossentropy sparse_plus sparse_sigmoid sparsemax squareplus
swish tanh_shrink threshold unfold
""".split()


def _params(fn):
    return [
        (p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()
    ]


@pytest.mark.compat
def test_nn_name_list_is_keras():
    keras = keras3()
    assert sorted(n for n in dir(keras.ops.nn) if not n.startswith("_")) == sorted(
        NN_NAMES
    )


@pytest.mark.compat
@pytest.mark.parametrize("name", NN_NAMES)
def test_nn_signature_matches_keras(name):
    keras = keras3()
    assert _params(getattr(ops.nn, name)) == _params(getattr(keras.ops.nn, name))
    assert getattr(ops, name) is getattr(ops.nn, name)


@pytest.mark.parametrize("name", NN_NAMES + ["mish"])
def test_nn_ops_have_docstrings(name):
    doc = getattr(ops.nn, name).__doc__
    assert doc and doc.strip()


X = RNG.normal(size=(3, 4, 6)).astype("float32") * 2


@pytest.mark.parametrize(
    "name, kwargs, reference",
    [
        ("celu", {"alpha": 2.0}, lambda x: np.where(x > 0, x, 2 * np.expm1(x / 2))),
        ("hard_shrink", {"threshold": 1.0}, lambda x: np.where(abs(x) > 1, x, 0)),
        (
            "soft_shrink",
            {"threshold": 1.0},
            lambda x: np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0)),
        ),
        ("hard_tanh", {}, lambda x: np.clip(x, -1, 1)),
        ("hard_swish", {}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
        ("tanh_shrink", {}, lambda x: x - np.tanh(x)),
        (
            "sparse_plus",
            {},
            lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
        ),
        ("sparse_sigmoid", {}, lambda x: np.clip((x + 1) / 2, 0, 1)),
        ("squareplus", {"b": 3}, lambda x: (x + np.sqrt(x * x + 3)) / 2),
        ("threshold", {"threshold": 0.5, "default_value": -2.0}, None),
    ],
)
def test_new_activations_match_numpy(name, kwargs, reference):
    if reference is None:
        reference = lambda x: np.where(x > 0.5, x, -2.0)  # noqa: E731
    out = getattr(ops, name)(x=X, **kwargs)
    np.testing.assert_allclose(out, reference(X), rtol=1e-5, atol=1e-6)


def test_glu_halves_the_axis():
    a, b = X[..., :3], X[..., 3:]
    out = ops.glu(X, axis=-1)
    np.testing.assert_allclose(out, a / (1 + np.exp(-b)), rtol=1e-5)
    with pytest.raises(ValueError, match="even size"):
        ops.glu(X, axis=0)


def _sparsemax_reference(z):
    """Sort-and-threshold projection onto the simplex, one row at a time."""
    out = np.zeros_like(z)
    for index in np.ndindex(z.shape[:-1]):
        row = z[index]
        s = np.sort(row)[::-1]
        cumsum = np.cumsum(s)
        k = np.arange(1, len(row) + 1)
        support = k[1 + k * s > cumsum].max()
        tau = (cumsum[support - 1] - 1) / support
        out[index] = np.maximum(row - tau, 0)
    return out


def test_sparsemax_is_the_simplex_projection():
    # Keras 3.15's own sparsemax sums its threshold wrongly (rows need not sum
    # to 1), so the reference is the closed form of Martins & Astudillo (2016).
    out = np.asarray(ops.sparsemax(X, axis=1))
    ref = np.moveaxis(_sparsemax_reference(np.moveaxis(X, 1, -1)), -1, 1)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    flat = np.array([0.1, 0.2, 0.3, 0.4], "float32")
    np.testing.assert_allclose(ops.sparsemax(flat), [0.1, 0.2, 0.3, 0.4], rtol=1e-5)


def _adaptive_reference(x, out_size, reduce):
    """channels_last 2-d: PyTorch's window rule, one output pixel at a time."""
    n, h, w, c = x.shape
    oh, ow = out_size
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i, j in itertools.product(range(oh), range(ow)):
        h0, h1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        w0, w1 = (j * w) // ow, -((-(j + 1) * w) // ow)
        out[:, i, j] = reduce(x[:, h0:h1, w0:w1], axis=(1, 2))
    return out


@pytest.mark.parametrize(
    "name, reduce", [("adaptive_average_pool", np.mean), ("adaptive_max_pool", np.max)]
)
def test_adaptive_pooling_matches_window_loop(name, reduce):
    x = RNG.normal(size=(2, 7, 9, 3)).astype("float32")
    out = getattr(ops, name)(x, output_size=(3, 4))
    np.testing.assert_allclose(out, _adaptive_reference(x, (3, 4), reduce), rtol=1e-5)
    first = getattr(ops, name)(
        np.moveaxis(x, -1, 1), output_size=(3, 4), data_format="channels_first"
    )
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), out, rtol=1e-5)
    with pytest.raises(ValueError, match="rank-3, 4 or 5"):
        getattr(ops, name)(x[0, 0], output_size=2)


def test_normalizations_match_formulas():
    x = RNG.normal(size=(4, 5, 6)).astype("float32")
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))
    m, v = ops.moments(x, axes=[0, 1])
    np.testing.assert_allclose(m, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v, var, rtol=1e-5)
    scale, offset = RNG.uniform(1, 2, 6), RNG.normal(size=6)
    out = ops.batch_normalization(
        x, mean, var, axis=-1, offset=offset, scale=scale, epsilon=1e-3
    )
    ref = (x - mean) / np.sqrt(var + 1e-3) * scale + offset
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)

    gamma, beta = RNG.normal(size=6), RNG.normal(size=6)
    mu, sigma2 = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    eps = config.epsilon()
    ref = (x - mu) / np.sqrt(sigma2 + eps) * gamma + beta
    out = ops.layer_normalization(x, gamma=gamma, beta=beta)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    out = ops.layer_normalization(x, axis=(1, 2), epsilon=0.1)
    mu, sigma2 = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mu) / np.sqrt(sigma2 + 0.1), rtol=1e-4)

    ms = np.mean(x * x, axis=-1, keepdims=True)
    out = ops.rms_normalization(x, scale=gamma, epsilon=1e-6)
    np.testing.assert_allclose(out, x / np.sqrt(ms + 1e-6) * gamma, rtol=1e-4)


def test_normalization_errors():
    with pytest.raises(NotImplementedError, match="synchronized"):
        ops.moments(X, axes=0, synchronized=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        ops.layer_normalization(X, centre=True)
    with pytest.warns(UserWarning, match="deprecated"):
        out = ops.layer_normalization(X, rms_scaling=True)
    np.testing.assert_allclose(
        out, X / np.sqrt(X.var(-1, keepdims=True) + config.epsilon()), rtol=1e-4
    )


def test_polar_and_psnr_closed_forms():
    r, theta = np.abs(X), X
    np.testing.assert_allclose(
        ops.polar(r, theta), r * np.exp(1j * theta), rtol=1e-5, atol=1e-5
    )
    y = X + 0.1
    ref = 20 * np.log10(3.0) - 10 * np.log10(np.mean((X - y) ** 2))
    np.testing.assert_allclose(ops.psnr(X, y, max_val=3.0), ref, rtol=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        ops.psnr(X, X[0], 1.0)


def test_depth_to_space_and_back():
    x = RNG.normal(size=(2, 3, 4, 8)).astype("float32")
    out = np.asarray(ops.depth_to_space(x, block_size=2))
    # out[n, 2h + i, 2w + j, c] = x[n, h, w, (2i + j) * 2 + c]
    ref = np.zeros((2, 6, 8, 2), "float32")
    for h, w, i, j in itertools.product(range(3), range(4), range(2), range(2)):
        ref[:, 2 * h + i, 2 * w + j] = x[:, h, w, (2 * i + j) * 2 : (2 * i + j) * 2 + 2]
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(ops.space_to_depth(out, 2), x)
    first = np.moveaxis(x, -1, 1)
    np.testing.assert_array_equal(
        ops.space_to_depth(
            ops.depth_to_space(first, 2, "channels_first"), 2, "channels_first"
        ),
        first,
    )
    with pytest.raises(ValueError, match="rank-4"):
        ops.depth_to_space(x[0], 2)
    with pytest.raises(ValueError, match="block_size"):
        ops.depth_to_space(x, 1)
    with pytest.raises(ValueError, match="multiple of block_size"):
        ops.depth_to_space(x, 3)
    with pytest.raises(ValueError, match="multiples of block_size"):
        ops.space_to_depth(x, 2)


def test_unfold_matches_loop_and_fold_is_its_adjoint():
    x = RNG.normal(size=(2, 3, 6, 7)).astype("float32")
    out = np.asarray(ops.unfold(x, kernel_size=(2, 3), padding=1, stride=2))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    rows, cols = range(0, 8 - 2 + 1, 2), range(0, 9 - 3 + 1, 2)
    ref = np.stack(
        [padded[:, :, r : r + 2, c : c + 3].reshape(2, -1) for r in rows for c in cols],
        axis=-1,
    )
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    # <unfold(x), y> == <x, fold(y)> for every y: fold is unfold's transpose.
    y = RNG.normal(size=out.shape).astype("float32")
    folded = ops.fold(y, output_size=(6, 7), kernel_size=(2, 3), padding=1, stride=2)
    np.testing.assert_allclose(np.sum(out * y), np.sum(x * folded), rtol=1e-4)
    with pytest.raises(ValueError, match="blocks"):
        ops.fold(y, output_size=(9, 9), kernel_size=(2, 3), padding=1, stride=2)


def test_attention_soft_cap_matches_numpy():
    q, k, v = (RNG.normal(size=(2, 4, 3, 5)).astype("float32") for _ in range(3))
    out = ops.dot_product_attention(q, k, v, attn_logits_soft_cap=2.0, is_causal=True)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(5)
    logits = 2.0 * np.tanh(logits / 2.0)
    logits = np.where(np.tril(np.ones((4, 4), bool)), logits, -np.inf)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(
        out, np.einsum("bnts,bsnh->btnh", p, v), rtol=1e-4, atol=1e-5
    )
    with pytest.raises(ValueError, match="rank-4"):
        ops.dot_product_attention(q[0], k[0], v[0])


def test_one_hot_and_multi_hot_keywords():
    np.testing.assert_array_equal(
        ops.multi_hot(inputs=np.array([[0, 2], [1, 1]]), num_classes=3),
        [[1, 0, 1], [0, 1, 0]],
    )
    np.testing.assert_array_equal(
        ops.multi_hot(np.array([0, 2]), num_tokens=4), [1, 0, 1, 0]
    )
    np.testing.assert_array_equal(
        ops.one_hot(x=np.array([1, 0]), num_classes=2, axis=0), [[0, 1], [1, 0]]
    )
    with pytest.raises(ValueError, match="sparse"):
        ops.one_hot(np.array([1]), 2, sparse=True)
    with pytest.raises(ValueError, match="num_classes"):
        ops.multi_hot(np.array([1]))
    with pytest.raises(TypeError, match="unexpected keyword"):
        ops.multi_hot(np.array([1]), 2, bogus=1)


def test_ops_read_variables():
    v = Variable(np.array([-2.0, 0.5, 3.0], "float32"))
    np.testing.assert_allclose(ops.hard_tanh(v), [-1.0, 0.5, 1.0])


# -- CTC -----------------------------------------------------------------------
def _log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _collapse(path, blank):
    out = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
    return tuple(out)


def _label_probabilities(logits, length, blank):
    """Sum over all alignments of the first `length` steps: {labels: prob}."""
    logp = _log_softmax(logits.astype("float64"))[:length]
    probs = {}
    for path in itertools.product(range(logits.shape[-1]), repeat=length):
        p = np.exp(sum(logp[t, c] for t, c in enumerate(path)))
        key = _collapse(path, blank)
        probs[key] = probs.get(key, 0.0) + p
    return probs


CTC_LOGITS = RNG.normal(size=(2, 5, 3)).astype("float32") * 2
CTC_LENGTHS = np.array([5, 4])


@pytest.mark.parametrize("mask_index", [0, 2])
def test_ctc_loss_is_minus_log_of_summed_alignments(mask_index):
    labels = [c for c in range(3) if c != mask_index]
    target = np.array([[labels[0], labels[0]], [labels[1], 0]])
    target_length = np.array([2, 1])
    loss = ops.ctc_loss(
        target, CTC_LOGITS, target_length, CTC_LENGTHS, mask_index=mask_index
    )
    for b in range(2):
        probs = _label_probabilities(CTC_LOGITS[b], CTC_LENGTHS[b], mask_index)
        want = -np.log(probs[tuple(target[b, : target_length[b]])])
        np.testing.assert_allclose(loss[b], want, rtol=1e-5)


def test_ctc_loss_of_a_label_too_long_for_the_output_is_finite_as_keras():
    """A label needing more steps than the output has (three equal labels need
    five steps: a blank between repeats) has no alignment. Keras (and optax,
    which it follows) charges `-log_epsilon = 1e5` once plus the best partial
    path's cost, not infinity: a batch with one such sample stays trainable.
    Reference: Keras 3.15.1's JAX backend gave 100003.1 for this case."""
    logits = np.random.default_rng(0).normal(size=(1, 6, 5)).astype("float32")
    loss = ops.ctc_loss(np.array([[1, 1, 1, 0]]), logits, [3], [4])
    np.testing.assert_allclose(loss, [1.000031e05], rtol=1e-6)


def test_ctc_greedy_decode_matches_numpy():
    paths, scores = ops.ctc_decode(CTC_LOGITS, CTC_LENGTHS, strategy="greedy")
    for b in range(2):
        best = CTC_LOGITS[b, : CTC_LENGTHS[b]].argmax(-1)
        want = list(_collapse(tuple(best), 0))
        got = np.asarray(paths[0, b])
        np.testing.assert_array_equal(got[: len(want)], want)
        assert np.all(got[len(want) :] == -1)
        np.testing.assert_allclose(
            scores[b, 0], -CTC_LOGITS[b, : CTC_LENGTHS[b]].max(-1).sum(), rtol=1e-5
        )


def test_ctc_beam_search_with_a_wide_beam_is_exact():
    paths, scores = ops.ctc_decode(
        CTC_LOGITS, CTC_LENGTHS, strategy="beam_search", beam_width=40, top_paths=3
    )
    for b in range(2):
        probs = _label_probabilities(CTC_LOGITS[b], CTC_LENGTHS[b], 0)
        best = sorted(probs.items(), key=lambda item: -item[1])[:3]
        for rank, (labels, p) in enumerate(best):
            got = np.asarray(paths[rank, b])
            np.testing.assert_array_equal(got[: len(labels)], labels)
            assert np.all(got[len(labels) :] == -1)
            np.testing.assert_allclose(scores[b, rank], np.log(p), rtol=1e-4)


def test_ctc_decode_rejects_unknown_strategy():
    with pytest.raises(ValueError, match="beam_search"):
        ops.ctc_decode(CTC_LOGITS, CTC_LENGTHS, strategy="viterbi")


CTC_MASK_INDEX = 3
CTC_DECODE_OPTIONS = [
    {"strategy": "greedy", "merge_repeated": CTC_MASK_INDEX == 0},
    {"strategy": "beam_search", "beam_width": 4, "top_paths": 3},
]
CTC_RECORD = Path(__file__).parent / "keras_ctc.json.gz"
CTC_RECORDER = "tools/record_keras.py ctc"


def _ctc_case():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 8, 5)).astype("float32")
    target = rng.integers(0, 5, size=(3, 3))
    target = np.where(target == CTC_MASK_INDEX, (CTC_MASK_INDEX + 1) % 5, target)
    target[0, 1] = target[0, 0]  # a repeated label needs a blank between
    target_length, lengths = np.array([3, 2, 1]), np.array([8, 6, 5])
    return target, logits, target_length, lengths


def ctc_results(keras=None):
    """`ctc_loss` and each `ctc_decode` of `_ctc_case`, under kerasish or `keras`."""
    target, logits, target_length, lengths = _ctc_case()
    mask = CTC_MASK_INDEX
    if keras is None:
        loss = ops.ctc_loss(target, logits, target_length, lengths, mask)
        decoded = [
            ops.ctc_decode(logits, lengths, mask_index=mask, **kw)
            for kw in CTC_DECODE_OPTIONS
        ]
    else:  # compiled whole: Keras's ctc functions run for seconds op by op
        k = keras.ops
        loss = jax.jit(lambda t, x: k.ctc_loss(t, x, target_length, lengths, mask))(
            target, logits
        )
        decoded = [
            jax.jit(lambda x, kw=kw: k.ctc_decode(x, lengths, mask_index=mask, **kw))(
                logits
            )
            for kw in CTC_DECODE_OPTIONS
        ]
    return {
        "loss": np.asarray(loss),
        "decoded": [(np.asarray(p), np.asarray(s)) for p, s in decoded],
    }


def ctc_fingerprint():
    """What defines the recorded CTC case: its inputs, options and this code."""
    text = inspect.getsource(_ctc_case) + inspect.getsource(ctc_results)
    text += repr((CTC_MASK_INDEX, CTC_DECODE_OPTIONS))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _recorded_ctc():
    record = recorded.read(CTC_RECORD)
    assert record["case"] == ctc_fingerprint(), (
        f"the CTC case changed since Keras's results were recorded; run {CTC_RECORDER}"
    )
    return record["results"]


def _assert_ctc_equal(ours, theirs):
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-4)
    for kw, (paths, scores), (want_paths, want_scores) in zip(
        CTC_DECODE_OPTIONS, ours["decoded"], theirs["decoded"]
    ):
        np.testing.assert_array_equal(paths, want_paths, err_msg=str(kw))
        np.testing.assert_allclose(scores, want_scores, rtol=1e-4, err_msg=str(kw))


@pytest.mark.compat
def test_ctc_matches_keras():
    # Keras's results as tools/record_keras.py ctc recorded them (compiling its
    # beam search alone takes seconds); the slow twin below reruns Keras.
    _assert_ctc_equal(ctc_results(), _recorded_ctc())


@pytest.mark.slow
@pytest.mark.compat
def test_ctc_record_matches_keras_live():
    live = ctc_results(keras3())
    recorded_results = _recorded_ctc()
    # The recorder compiles with XLA's defaults, the tests at the lowest level.
    np.testing.assert_allclose(live["loss"], recorded_results["loss"], rtol=1e-6)
    for (paths, scores), (want_paths, want_scores) in zip(
        live["decoded"], recorded_results["decoded"]
    ):
        np.testing.assert_array_equal(paths, want_paths, err_msg=CTC_RECORDER)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-6, err_msg=CTC_RECORDER)
    _assert_ctc_equal(ctc_results(), live)


@pytest.mark.compat
def test_new_nn_ops_match_keras():
    keras = keras3()
    k = keras.ops
    x = RNG.normal(size=(2, 7, 9, 4)).astype("float32")
    # Keras's side compiled whole: op by op it takes seconds per call.
    for name in ["adaptive_average_pool", "adaptive_max_pool"]:
        theirs = jax.jit(lambda v, n=name: getattr(k, n)(v, (3, 4)))(x)
        np.testing.assert_allclose(
            getattr(ops, name)(x, (3, 4)), theirs, rtol=1e-5, err_msg=name
        )
    first = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(
        ops.unfold(first, 3, dilation=2, stride=(1, 2)),
        jax.jit(lambda v: k.unfold(v, 3, dilation=2, stride=(1, 2)))(first),
        rtol=1e-6,
    )
    y = x[:, :6, :8]
    for fn in ["depth_to_space", "space_to_depth"]:
        theirs = jax.jit(lambda v, f=fn: getattr(k, f)(v, 2))(y)
        np.testing.assert_array_equal(getattr(ops, fn)(y, 2), theirs, err_msg=fn)


def test_numpy_engine_keeps_moments_and_names_missing_ops():
    config.set_engine("numpy")
    try:
        mean, var = ops.moments(X, axes=[0, 1])
        np.testing.assert_allclose(mean, X.mean((0, 1)), rtol=1e-5, atol=1e-6)
        with pytest.raises(NotImplementedError, match="unfold` is not .* numpy engine"):
            ops.unfold(np.ones((1, 1, 4, 4), "float32"), 2)
    finally:
        config.set_engine("jax")


# -- integer, bool and list inputs: dtypes as Keras gives them (Keras 3.15.1) --------
INTS = np.array([-2, 0, 1, 3], "int32")


def test_hard_tanh_keeps_integer_dtype():
    out = ops.hard_tanh(INTS)
    assert ops.dtype(out) == "int32"  # Keras 3.15.1: int32 [-1, 0, 1, 1]
    np.testing.assert_array_equal(out, np.clip(INTS, -1, 1))


def test_piecewise_activations_of_integers_are_floatx():
    # Keras 3.15.1 gives float32 for each; references are the closed forms.
    x = INTS.astype("float32")
    cases = {
        "hard_shrink": np.where(np.abs(x) > 0.5, x, 0.0),  # [-2, 0, 1, 3]
        "sparse_plus": np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
        "sparse_sigmoid": np.clip((x + 1) / 2, 0, 1),  # [0, .5, 1, 1]
        "soft_shrink": np.where(np.abs(x) > 0.5, x - np.sign(x) * 0.5, 0.0),
    }
    for name, expected in cases.items():
        out = getattr(ops, name)(INTS)
        assert ops.dtype(out) == "float32", name
        np.testing.assert_allclose(out, expected, err_msg=name)
    np.testing.assert_array_equal(ops.sparse_plus(INTS), [0.0, 0.25, 1.0, 3.0])


def test_shrinks_of_bools_are_floatx():
    flags = np.array([True, False])
    out = ops.soft_shrink(flags)
    assert ops.dtype(out) == "float32"
    np.testing.assert_array_equal(out, [0.5, 0.0])  # Keras 3.15.1
    out = ops.hard_shrink(flags)
    assert ops.dtype(out) == "float32"
    np.testing.assert_array_equal(out, [1.0, 0.0])  # Keras 3.15.1


def test_activations_accept_lists_and_python_scalars():
    values = [-2.0, 0.0, 1.0, 3.0]
    x = np.array(values, "float32")
    np.testing.assert_allclose(ops.leaky_relu(values), np.where(x >= 0, x, 0.2 * x))
    np.testing.assert_allclose(ops.elu(values), np.where(x > 0, x, np.expm1(x)))
    np.testing.assert_allclose(ops.hard_sigmoid(values), np.clip(x + 3, 0, 6) / 6)
    np.testing.assert_allclose(
        ops.squareplus(values), (x + np.sqrt(x * x + 4)) / 2, rtol=1e-6
    )
    np.testing.assert_allclose(
        ops.log_softmax(values), x - np.log(np.exp(x).sum()), rtol=1e-6
    )
    out = ops.relu([-2, 0, 1, 3])
    assert ops.dtype(out) == "int32"  # Keras 3.15.1: relu of int32 stays int32
    np.testing.assert_array_equal(out, [0, 0, 1, 3])
    out = ops.hard_shrink(3)
    assert ops.dtype(out) == "float32" and float(out) == 3.0


def test_sparsemax_of_unsigned_integers_is_the_simplex_projection():
    # The sort's negation used to wrap uint8 around; ints compute in float32.
    x = np.array([0, 1, 3], "uint8")
    out = ops.sparsemax(x)
    assert ops.dtype(out) == "float32"
    np.testing.assert_allclose(out, _sparsemax_reference(x.astype("float32")))
    np.testing.assert_allclose(ops.sparsemax(np.array([True, False])), [1.0, 0.0])


@pytest.mark.parametrize("dtype", ["int64", "uint8", "int8", "bool"])
def test_max_pool_of_integer_numpy_inputs(dtype):
    x = (np.arange(2 * 4 * 4 * 2) % 7).reshape(2, 4, 4, 2).astype(dtype)
    out = ops.max_pool(x, 2)
    expected = x.reshape(2, 2, 2, 2, 2, 2).max(axis=(2, 4))
    np.testing.assert_array_equal(out, expected)
    assert ops.dtype(out) == ("int32" if dtype == "int64" else dtype)


@pytest.mark.parametrize(
    "op", ["conv", "depthwise_conv", "separable_conv", "conv_transpose"]
)
def test_convolutions_name_a_wrong_rank(op):
    x = np.ones((2, 3), "float32")  # no spatial axis
    kernels = (x, x) if op == "separable_conv" else (x,)
    with pytest.raises(
        ValueError,
        match=rf"{op}: the input must have rank 3 to 5.*"
        r"input shape \(2, 3\) and kernel shape \(2, 3\)",
    ):
        getattr(ops, op)(x, *kernels)
    image = np.ones((1, 4, 4, 2), "float32")
    with pytest.raises(ValueError, match=r"kernel the same rank.*\(3, 2, 5\)"):
        getattr(ops, op)(image, np.ones((3, 2, 5), "float32"), *kernels[1:])
