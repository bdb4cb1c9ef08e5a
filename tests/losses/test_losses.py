"""Every loss against a numpy formula, each reduction, weights, masks and errors."""

import functools
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import losses
from tests import recorded
from tests.losses import losses_cases

RECORD = Path(__file__).parent / "keras_losses.json.gz"

EPS = 1e-7
RNG = np.random.default_rng(0)


# -- numpy references (per sample, last axis reduced) ------------------------------


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_mse(t, p):
    return np.mean((t - p) ** 2, -1)


def np_mae(t, p):
    return np.mean(np.abs(t - p), -1)


def np_mape(t, p):
    return 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), -1)


def np_msle(t, p):
    return np.mean(
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1
    )


def np_cosine(t, p):
    tn = t / np.linalg.norm(t, axis=-1, keepdims=True)
    pn = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return -np.sum(tn * pn, -1)


def np_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2), -1)


def np_logcosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), -1)


def np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), -1)


def np_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), -1)


def np_bce_elem(t, p, from_logits=False):
    if from_logits:
        # -log(sigmoid(x)) = logaddexp(0, -x)
        return t * np.logaddexp(0, -p) + (1 - t) * np.logaddexp(0, p)
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def np_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    return np.mean(np_bce_elem(t, p, from_logits), -1)


def np_cce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        logp = _log_softmax(p)
    else:
        logp = np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))
    return -np.sum(t * logp, -1)


def np_scce(t, p, from_logits=False):
    onehot = np.eye(p.shape[-1])[t.astype(int)]
    return np_cce(onehot, p, from_logits)


def np_binary_focal(t, p, gamma=2.0, alpha=0.25, balance=False, from_logits=False):
    if from_logits:
        p = _sigmoid(p)
    bce = np_bce_elem(t, p)
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if balance:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return np.mean(out, -1)


def np_cat_focal(t, p, alpha=0.25, gamma=2.0, from_logits=False):
    if from_logits:
        p = _softmax(p)
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return np.sum(alpha * (1 - q) ** gamma * -t * np.log(q), -1)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0), -1)


def np_squared_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0) ** 2, -1)


def np_cat_hinge(t, p):
    pos = np.sum(t * p, -1)
    neg = np.max((1 - t) * p, -1)
    return np.maximum(neg - pos + 1, 0)


# -- data ---------------------------------------------------------------------------


def _regression(shape):
    return RNG.normal(size=shape).astype("float32"), RNG.normal(size=shape).astype(
        "float32"
    )


def _positive(shape):
    return RNG.uniform(0.1, 2, size=shape).astype("float32"), RNG.uniform(
        0.1, 2, size=shape
    ).astype("float32")


def _binary(shape):
    return (RNG.uniform(size=shape) > 0.5).astype("float32"), RNG.uniform(
        0.01, 0.99, size=shape
    ).astype("float32")


def _binary_logits(shape):
    return (RNG.uniform(size=shape) > 0.5).astype("float32"), (
        3 * RNG.normal(size=shape)
    ).astype("float32")


def _probs(shape):
    t = _softmax(RNG.normal(size=shape)).astype("float32")
    p = _softmax(RNG.normal(size=shape)).astype("float32")
    return t, p


def _onehot(shape):
    t = np.eye(shape[-1], dtype="float32")[RNG.integers(0, shape[-1], shape[:-1])]
    return t, _softmax(RNG.normal(size=shape)).astype("float32")


def _onehot_logits(shape):
    t = np.eye(shape[-1], dtype="float32")[RNG.integers(0, shape[-1], shape[:-1])]
    return t, (2 * RNG.normal(size=shape)).astype("float32")


# (Loss class, kwargs, per-sample numpy reference, data maker)
CASES = [
    (losses.MeanSquaredError, {}, np_mse, _regression),
    (losses.MeanAbsoluteError, {}, np_mae, _regression),
    (losses.MeanAbsolutePercentageError, {}, np_mape, _regression),
    (losses.MeanSquaredLogarithmicError, {}, np_msle, _positive),
    (losses.CosineSimilarity, {}, np_cosine, _regression),
    (losses.Huber, {}, np_huber, _regression),
    (losses.Huber, {"delta": 0.3}, lambda t, p: np_huber(t, p, 0.3), _regression),
    (losses.LogCosh, {}, np_logcosh, _regression),
    (losses.KLDivergence, {}, np_kld, _probs),
    (losses.Poisson, {}, np_poisson, _positive),
    (losses.BinaryCrossentropy, {}, np_bce, _binary),
    (
        losses.BinaryCrossentropy,
        {"from_logits": True, "label_smoothing": 0.1},
        lambda t, p: np_bce(t, p, True, 0.1),
        _binary_logits,
    ),
    (losses.CategoricalCrossentropy, {}, np_cce, _onehot),
    (
        losses.CategoricalCrossentropy,
        {"from_logits": True, "label_smoothing": 0.2},
        lambda t, p: np_cce(t, p, True, 0.2),
        _onehot_logits,
    ),
    (losses.BinaryFocalCrossentropy, {}, np_binary_focal, _binary),
    (
        losses.BinaryFocalCrossentropy,
        {
            "apply_class_balancing": True,
            "alpha": 0.4,
            "gamma": 1.5,
            "from_logits": True,
        },
        lambda t, p: np_binary_focal(t, p, 1.5, 0.4, True, True),
        _binary_logits,
    ),
    (losses.CategoricalFocalCrossentropy, {}, np_cat_focal, _onehot),
    (
        losses.CategoricalFocalCrossentropy,
        {"from_logits": True, "alpha": 0.5, "gamma": 1.0},
        lambda t, p: np_cat_focal(t, p, 0.5, 1.0, True),
        _onehot_logits,
    ),
    (losses.Hinge, {}, np_hinge, _binary_logits),
    (losses.SquaredHinge, {}, np_squared_hinge, _binary_logits),
    (losses.CategoricalHinge, {}, np_cat_hinge, _onehot_logits),
]
IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 4)])
def test_loss_matches_numpy_each_reduction(case, shape):
    cls, kwargs, ref, make = case
    t, p = make(shape)
    w = RNG.uniform(0, 2, size=shape[:-1]).astype("float32")
    per_sample = ref(t.astype("float64"), p.astype("float64"))
    weighted = per_sample * w
    expected = {
        "sum_over_batch_size": weighted.sum() / weighted.size,
        "mean": weighted.sum() / weighted.size,
        "sum": weighted.sum(),
        "mean_with_sample_weight": weighted.sum() / w.sum(),
        "none": weighted,
        None: weighted,
    }
    for reduction, value in expected.items():
        loss = cls(reduction=reduction, **kwargs)
        np.testing.assert_allclose(
            loss(t, p, sample_weight=w), value, rtol=2e-5, atol=2e-5, err_msg=reduction
        )
    # No weights: the plain mean.
    np.testing.assert_allclose(
        cls(**kwargs)(t, p), per_sample.mean(), rtol=2e-5, atol=2e-5
    )


def test_sparse_categorical_crossentropy_matches_numpy():
    logits = RNG.normal(size=(7, 5)).astype("float32")
    labels = RNG.integers(0, 5, size=(7,))
    probs = _softmax(logits).astype("float32")
    w = RNG.uniform(size=(7,)).astype("float32")
    for y in (labels, labels[:, None], labels.astype("float32")):
        np.testing.assert_allclose(
            losses.SparseCategoricalCrossentropy()(y, probs, sample_weight=w),
            np.sum(np_scce(labels, probs) * w) / 7,
            rtol=1e-5,
        )
        np.testing.assert_allclose(
            losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits),
            np_scce(labels, logits, True).mean(),
            rtol=1e-5,
        )
    # Sequences: labels (b, t), predictions (b, t, classes).
    seq_logits = RNG.normal(size=(2, 3, 4)).astype("float32")
    seq_labels = RNG.integers(0, 4, size=(2, 3))
    np.testing.assert_allclose(
        losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(
            seq_labels, seq_logits
        ),
        np_scce(seq_labels, seq_logits, True),
        rtol=1e-5,
    )


def test_sparse_ignore_class_leaves_entries_out_of_the_mean():
    logits = RNG.normal(size=(6, 4)).astype("float32")
    labels = np.array([0, 1, 2, 3, 1, 0])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    per = np_scce(labels, logits, True)
    keep = labels != 0
    np.testing.assert_allclose(loss(labels, logits), per[keep].mean(), rtol=1e-5)
    none = losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=0, reduction="none"
    )(labels, logits)
    np.testing.assert_allclose(none, np.where(keep, per, 0), rtol=1e-5)
    # The function form returns zeros at ignored entries.
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=0),
        np.where(keep, per, 0),
        rtol=1e-5,
    )


@pytest.mark.parametrize(
    "fn, ref, make",
    [
        (
            losses.dice,
            lambda t, p: 1 - 2 * (t * p).sum() / (t.sum() + p.sum() + EPS),
            _binary,
        ),
        (
            losses.tversky,
            lambda t, p: (
                1
                - (t * p).sum()
                / (
                    (t * p).sum()
                    + 0.5 * ((1 - p) * t).sum()
                    + 0.5 * (p * (1 - t)).sum()
                    + EPS
                )
            ),
            _binary,
        ),
    ],
)
def test_dice_and_tversky_functions(fn, ref, make):
    t, p = make((4, 6))
    np.testing.assert_allclose(fn(t, p), ref(t.astype("float64"), p), rtol=1e-5)


def test_categorical_generalized_cross_entropy():
    labels = np.array([0, 2, 1])
    p = _softmax(RNG.normal(size=(3, 3))).astype("float32")
    ref = (1 - p[np.arange(3), labels] ** 0.7) / 0.7
    loss = losses.CategoricalGeneralizedCrossEntropy(q=0.7)
    np.testing.assert_allclose(loss(labels, p), ref.mean(), rtol=1e-5)


def test_rank_one_targets_are_aligned_with_single_unit_outputs():
    t = RNG.normal(size=(8,)).astype("float32")
    p = RNG.normal(size=(8, 1)).astype("float32")
    np.testing.assert_allclose(
        losses.MeanSquaredError()(t, p), np.mean((t - p[:, 0]) ** 2), rtol=1e-6
    )
    # The function form too.
    np.testing.assert_allclose(
        losses.mean_squared_error(t, p), (t - p[:, 0]) ** 2, rtol=1e-6
    )


@pytest.mark.parametrize(
    "reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight"]
)
@pytest.mark.parametrize("with_weights", [False, True])
def test_mask_excludes_padded_rows(reduction, with_weights):
    """A batch padded with garbage rows and mask 0 gives the unpadded batch's loss."""
    t, p = _onehot_logits((5, 4))
    w = RNG.uniform(0.5, 2, size=(5,)).astype("float32") if with_weights else None
    loss = losses.CategoricalCrossentropy(from_logits=True, reduction=reduction)
    expected = loss(t, p, sample_weight=w)
    pad_t = np.concatenate([t, np.full((3, 4), 7.0, "float32")])
    pad_p = np.concatenate([p, np.full((3, 4), np.nan, "float32")])
    mask = np.array([1] * 5 + [0] * 3, "float32")
    pad_w = None if w is None else np.concatenate([w, np.ones(3, "float32")])
    got = loss(pad_t, pad_p, sample_weight=pad_w, mask=mask)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_mask_on_sequence_losses_counts_real_rows_only():
    logits = RNG.normal(size=(4, 3, 5)).astype("float32")
    labels = RNG.integers(0, 5, size=(4, 3))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    mask = np.array([1, 1, 0, 0], "float32")
    np.testing.assert_allclose(
        loss(labels, logits, mask=mask), loss(labels[:2], logits[:2]), rtol=1e-6
    )


def test_mask_and_ignore_class_combine():
    logits = RNG.normal(size=(5, 3)).astype("float32")
    labels = np.array([0, 1, 2, 1, 2])
    mask = np.array([1, 1, 1, 0, 0], "float32")
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    per = np_scce(labels, logits, True)
    np.testing.assert_allclose(
        loss(labels, logits, mask=mask), per[1:3].mean(), rtol=1e-5
    )


def test_extreme_inputs_give_finite_values_and_gradients():
    """Finite values and gradients, and the value Keras's clipping or stable form
    gives (as `tools/record_keras.py losses` recorded it)."""
    record = keras_record()["extreme"]
    cases = [
        (
            getattr(losses, name)(**kwargs),
            np.asarray(y_true, "float32"),
            np.asarray(y_pred, "float32"),
        )
        for name, kwargs, y_true, y_pred in losses_cases.EXTREME_CASES
    ]

    # Every case's value and gradient in one compiled program (one compilation).
    @jax.jit
    def values_and_grads(y_trues, y_preds):
        return [
            jax.value_and_grad(lambda p, f=loss, t=t: f(t, p))(p)
            for (loss, _, _), t, p in zip(cases, y_trues, y_preds, strict=True)
        ]

    results = values_and_grads([c[1] for c in cases], [c[2] for c in cases])
    for (name, kwargs, _, _), (value, grad), theirs in zip(
        losses_cases.EXTREME_CASES, results, record, strict=True
    ):
        assert np.isfinite(value), (name, kwargs)
        assert np.all(np.isfinite(grad)), (name, kwargs)
        np.testing.assert_allclose(
            value, theirs, rtol=1e-5, atol=1e-5, err_msg=f"{name} {kwargs}"
        )


@pytest.mark.slow
@pytest.mark.compat
def test_extreme_inputs_match_keras_live():
    """Keras built from our config gives our value; the record still holds it."""
    keras = pytest.importorskip("keras")
    for (name, kwargs, y_true, y_pred), recorded_value in zip(
        losses_cases.EXTREME_CASES, keras_record()["extreme"], strict=True
    ):
        loss = getattr(losses, name)(**kwargs)
        theirs = getattr(keras.losses, name).from_config(loss.get_config())
        y_true = np.asarray(y_true, "float32")
        y_pred = np.asarray(y_pred, "float32")
        value = np.asarray(theirs(y_true, y_pred))
        np.testing.assert_allclose(loss(y_true, y_pred), value, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            recorded_value, value, rtol=recorded.LIVE_RTOL, err_msg=name
        )


def test_extreme_logits_values():
    # -log(sigmoid(-100)) = 100 exactly in float32.
    np.testing.assert_allclose(
        losses.BinaryCrossentropy(from_logits=True)([[1.0]], [[-100.0]]),
        100.0,
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        losses.CategoricalCrossentropy(from_logits=True)(
            [[1.0, 0.0]], [[-100.0, 100.0]]
        ),
        200.0,
        rtol=1e-6,
    )


def test_losses_are_jittable():
    t, p = _onehot_logits((4, 3))
    loss = losses.CategoricalCrossentropy(from_logits=True)
    mask = np.array([1, 1, 1, 0], "float32")
    jitted = jax.jit(lambda t, p, m: loss(t, p, mask=m))
    np.testing.assert_allclose(jitted(t, p, mask), loss(t, p, mask=mask), rtol=1e-6)
    hinge = jax.jit(lambda t, p: losses.Hinge()(t, p))
    np.testing.assert_allclose(hinge(t, p), np_hinge(t, p).mean(), rtol=1e-6)


def test_function_forms_and_aliases():
    t, p = _regression((3, 4))
    for name, ref in [
        ("mse", np_mse),
        ("mae", np_mae),
        ("mape", np_mape),
        ("MSE", np_mse),
        ("huber", np_huber),
        ("log_cosh", np_logcosh),
        ("mean_squared_error", np_mse),
    ]:
        fn = losses.get(name)
        np.testing.assert_allclose(fn(t, p), ref(t, p), rtol=1e-5, err_msg=name)
    tp, pp = _positive((3, 4))
    np.testing.assert_allclose(losses.get("msle")(tp, pp), np_msle(tp, pp), rtol=1e-5)
    tk, pk = _probs((3, 4))
    np.testing.assert_allclose(losses.get("kld")(tk, pk), np_kld(tk, pk), rtol=1e-5)
    tb, pb = _binary((3, 4))
    np.testing.assert_allclose(losses.get("bce")(tb, pb), np_bce(tb, pb), rtol=1e-5)


def test_get_and_resolve():
    assert losses.get("mse") is losses.mean_squared_error
    assert isinstance(
        losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy
    )
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    inst = losses.Huber(delta=2.0)
    assert losses.get(inst) is inst
    got = losses.get({"class_name": "Huber", "config": {"delta": 3.0}})
    assert got.delta == 3.0
    assert losses.get(None) is None

    wrapped = losses.resolve("mse", (None, 1), (None, 1))
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.name == "mse"
    assert losses.resolve(losses.mean_absolute_error).name == "mean_absolute_error"
    for y_true, y_pred, fn in [
        ((None, 1), (None, 1), losses.binary_crossentropy),
        ((None,), (None, 5), losses.sparse_categorical_crossentropy),
        ((None, 1), (None, 5), losses.sparse_categorical_crossentropy),
        ((None, 5), (None, 5), losses.categorical_crossentropy),
    ]:
        resolved = losses.resolve("crossentropy", y_true, y_pred)
        assert resolved.fn is fn and resolved.name == "crossentropy"
        assert losses.resolve("ce", y_true, y_pred).fn is fn


def test_config_round_trip_keeps_values():
    t, p = _onehot_logits((4, 3))
    for loss in [
        losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="x"),
        losses.Huber(delta=0.4, reduction="sum"),
        losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3.0),
        losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
        losses.CosineSimilarity(axis=-1),
        losses.LossFunctionWrapper(losses.huber, delta=0.5, name="h"),
        losses.Tversky(alpha=0.3, beta=0.7),
    ]:
        clone = losses.deserialize(losses.serialize(loss))
        assert type(clone) is type(loss)
        assert clone.get_config() == loss.get_config()
        y = (
            np.argmax(t, -1)
            if isinstance(loss, losses.SparseCategoricalCrossentropy)
            else t
        )
        y_pred = _sigmoid(p) if isinstance(loss, losses.Tversky) else p
        np.testing.assert_allclose(clone(y, y_pred), loss(y, y_pred), rtol=1e-6)
    fn = losses.deserialize(losses.serialize(losses.mean_squared_error))
    assert fn is losses.mean_squared_error


def test_custom_loss_subclass():
    class MyMSE(losses.Loss):
        def call(self, y_true, y_pred):
            return ((y_pred - y_true) ** 2).mean(axis=-1)

    t, p = _regression((4, 2))
    loss = MyMSE()
    assert loss.name == "my_mse" or loss.name.startswith("my_mse")
    np.testing.assert_allclose(loss(t, p), np_mse(t, p).mean(), rtol=1e-6)
    loss.check_shapes((None, 3), (None, 7))  # Custom losses are not checked.


def test_dtype_policy_sets_compute_dtype():
    assert losses.MeanSquaredError(dtype="mixed_bfloat16").dtype == "bfloat16"
    assert losses.MeanSquaredError().dtype == "float32"
    value = losses.MeanSquaredError(dtype="float16")([[1.0]], [[3.0]])
    assert str(value.dtype) == "float16"


# -- errors ------------------------------------------------------------------------


def test_invalid_reduction():
    with pytest.raises(
        ValueError, match="Invalid value for argument `reduction`.*'sum'"
    ):
        losses.MeanSquaredError(reduction="avg")


def test_unknown_loss_name_lists_valid_names():
    with pytest.raises(
        ValueError, match="Unknown loss 'mean_sqared_error'. Did you mean"
    ):
        losses.get("mean_sqared_error")
    with pytest.raises(ValueError, match="Valid names: .*mse"):
        losses.get("nope")


def test_uninterpretable_identifiers():
    with pytest.raises(TypeError, match="Could not interpret loss identifier 3"):
        losses.get(3)
    with pytest.raises(TypeError, match="must subclass kerasish.losses.Loss"):
        losses.get(dict)
    with pytest.raises(TypeError, match="expects a callable"):
        losses.LossFunctionWrapper("mse")


def test_constructor_argument_errors():
    with pytest.raises(ValueError, match="label_smoothing` must be in"):
        losses.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="`axis` must be an int"):
        losses.CategoricalCrossentropy(axis=True)
    with pytest.raises(ValueError, match=r"`q` must be in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)


def test_base_loss_call_not_implemented():
    with pytest.raises(NotImplementedError, match="must implement `call"):
        losses.Loss()([[1.0]], [[1.0]])


def test_resolve_crossentropy_needs_shapes():
    with pytest.raises(ValueError, match="chooses binary, categorical or sparse"):
        losses.resolve("crossentropy")


def test_one_hot_labels_with_sparse_loss_say_which_loss_to_use():
    loss = losses.SparseCategoricalCrossentropy()
    with pytest.raises(ValueError) as err:
        loss.check_shapes((None, 10), (None, 10))
    msg = str(err.value)
    assert "'sparse_categorical_crossentropy' (SparseCategoricalCrossentropy)" in msg
    assert "(None, 10)" in msg and "use CategoricalCrossentropy" in msg


def test_integer_labels_with_categorical_loss_say_which_loss_to_use():
    for y_true in [(None,), (None, 1)]:
        with pytest.raises(ValueError, match="use SparseCategoricalCrossentropy"):
            losses.CategoricalCrossentropy().check_shapes(y_true, (None, 10))
    with pytest.raises(ValueError, match="use SparseCategoricalCrossentropy"):
        losses.resolve("categorical_crossentropy", (None,), (None, 10))


def test_shape_errors_for_wrong_class_counts_and_elementwise_losses():
    with pytest.raises(ValueError, match=r"the model outputs 5"):
        losses.CategoricalCrossentropy().check_shapes((None, 10), (None, 5))
    with pytest.raises(
        ValueError, match=r"expects integer class labels of shape \(None,\)"
    ):
        losses.SparseCategoricalCrossentropy().check_shapes((None, 3), (None, 10))
    with pytest.raises(
        ValueError, match=r"Loss 'mean_squared_error'.*\(None, 3\).*\(None, 2\)"
    ):
        losses.MeanSquaredError().check_shapes((None, 3), (None, 2))
    with pytest.raises(
        ValueError, match="for integer class labels use SparseCategorical"
    ):
        losses.check_loss_shapes(losses.mean_squared_error, (None,), (None, 10))
    with pytest.raises(ValueError, match="expects y_pred with a class axis"):
        losses.SparseCategoricalCrossentropy().check_shapes((), ())


def test_binary_crossentropy_needs_equal_shapes():
    with pytest.raises(ValueError, match="use CategoricalCrossentropy"):
        losses.BinaryCrossentropy().check_shapes((None, 10), (None, 1))
    with pytest.raises(ValueError, match=r"\(None, 3\).*\(None, 2\)"):
        losses.BinaryFocalCrossentropy().check_shapes((None, 3), (None, 2))
    losses.BinaryCrossentropy().check_shapes((None,), (None, 1))
    # Elementwise losses broadcast, as in Keras.
    losses.MeanSquaredError().check_shapes((None, 10), (None, 1))


def test_compatible_shapes_pass():
    ok = [
        (losses.MeanSquaredError(), (None,), (None, 1)),
        (losses.MeanSquaredError(), (None, 1), (None,)),
        (losses.MeanSquaredError(), (None, 4), (None, 4)),
        (losses.BinaryCrossentropy(), (None, 1), (None, 1)),
        (losses.BinaryCrossentropy(), (32, 3), (32, 3)),
        (losses.SparseCategoricalCrossentropy(), (None,), (None, 10)),
        (losses.SparseCategoricalCrossentropy(), (None, 1), (None, 10)),
        (losses.SparseCategoricalCrossentropy(), (None, 7), (None, 7, 10)),
        (losses.CategoricalCrossentropy(), (None, 10), (None, 10)),
        (losses.CategoricalHinge(), (8, 3), (8, 3)),
    ]
    for loss, y_true, y_pred in ok:
        loss.check_shapes(y_true, y_pred)
    losses.check_loss_shapes(losses.sparse_categorical_crossentropy, (None,), (None, 3))
    losses.check_loss_shapes(lambda a, b: a, (None, 3), (None, 9))  # Unknown: no check.


# -- compat with Keras 3 -----------------------------------------------------------
# Keras's side is what `tools/record_keras.py losses` recorded (cases and data in
# `losses_cases.py`); the `slow` twins rerun Keras live.


@functools.cache
def keras_record():
    fingerprint = recorded.digest(losses_cases.__file__)
    return recorded.load(RECORD, "source", fingerprint, "losses")["cases"]


def test_compat_cases_are_the_numpy_cases():
    assert [(c[0].__name__, c[1]) for c in CASES] == [
        (name, kwargs) for name, kwargs, _ in losses_cases.COMPAT_CASES
    ]


def _check_case(index, theirs):
    cls, kwargs, _, _ = CASES[index]
    name, _, make = losses_cases.COMPAT_CASES[index]
    t, p, w = losses_cases.compat_data(index, make)
    ours = cls(**kwargs)
    np.testing.assert_allclose(
        ours(t, p, sample_weight=w), theirs["weighted"], rtol=2e-5, atol=1e-6
    )
    np.testing.assert_allclose(ours(t, p), theirs["plain"], rtol=2e-5, atol=1e-6)
    # Keras's config (dtype aside) is part of ours; Huber and CosineSimilarity add
    # the `delta` / `axis` Keras leaves out.
    assert theirs["config"].items() <= ours.get_config().items()


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_matches_keras(index):
    _check_case(index, keras_record()["cases"][index])


@pytest.mark.slow
@pytest.mark.compat
@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_matches_keras_live(index):
    keras = pytest.importorskip("keras")
    theirs = losses_cases.keras_case(keras, index, *losses_cases.COMPAT_CASES[index])
    _check_case(index, theirs)
    recorded_case = keras_record()["cases"][index]
    assert recorded_case["config"] == theirs["config"]
    for key in ("weighted", "plain"):
        np.testing.assert_allclose(
            recorded_case[key], theirs[key], rtol=recorded.LIVE_RTOL
        )


def _check_extra(theirs):
    ours = losses_cases.extra_values(losses)
    assert sorted(ours) == sorted(theirs)
    for key, value in theirs.items():
        np.testing.assert_allclose(ours[key], value, rtol=1e-5, err_msg=key)


def test_sparse_extra_and_named_losses_match_keras():
    """Sparse CE (ignore_class, probabilities), Dice, Tversky, generalized CE and
    the losses `get` finds by name, against Keras's recorded values."""
    _check_extra(keras_record()["extra"])


@pytest.mark.slow
@pytest.mark.compat
def test_sparse_extra_and_named_losses_match_keras_live():
    keras = pytest.importorskip("keras")
    theirs = losses_cases.extra_values(keras.losses)
    _check_extra(theirs)
    for key, value in keras_record()["extra"].items():
        np.testing.assert_allclose(
            value, theirs[key], rtol=recorded.LIVE_RTOL, err_msg=key
        )


def _masked_logits(shape, lengths):
    """Logits carrying Keras's `_keras_mask` (a row's first `lengths[i]` steps)."""
    from kerasish.common.tensor_mask import set_keras_mask

    logits = jax.numpy.asarray(RNG.normal(size=shape).astype("float32"))
    mask = np.arange(shape[1])[None, :] < np.asarray(lengths)[:, None]
    set_keras_mask(logits, jax.numpy.asarray(mask))
    return logits, mask


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_loss_skips_the_steps_y_pred_keras_mask_leaves_out(reduction):
    """As Keras's `Loss.__call__`: the prediction's mask weighs the entries; for
    the averaging reduction the mean is over the unmasked steps only."""
    logits, mask = _masked_logits((3, 5, 4), [5, 2, 3])
    labels = RNG.integers(0, 4, size=(3, 5))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)
    per = np_scce(labels.reshape(-1), np.asarray(logits).reshape(-1, 4), True)
    kept = per[mask.reshape(-1)]
    expected = kept.mean() if reduction == "sum_over_batch_size" else kept.sum()
    np.testing.assert_allclose(loss(labels, logits), expected, rtol=1e-5)


def test_prediction_mask_with_sample_weight_and_padding_mask():
    """The prediction's mask, a per-row weight and a padding mask all combine."""
    logits, mask = _masked_logits((4, 3, 4), [3, 1, 2, 3])
    labels = RNG.integers(0, 4, size=(4, 3))
    weight = np.array([2.0, 1.0, 0.5, 3.0], "float32")
    padding = np.array([1, 1, 1, 0], "float32")
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    per = np_scce(labels.reshape(-1), np.asarray(logits).reshape(-1, 4), True)
    counts = mask & padding.astype(bool)[:, None]
    weighted = (per.reshape(4, 3) * weight[:, None])[counts]
    got = loss(labels, logits, sample_weight=weight, mask=padding)
    np.testing.assert_allclose(got, weighted.sum() / counts.sum(), rtol=1e-5)


def test_prediction_mask_of_more_axes_than_the_values_is_refused():
    logits, _ = _masked_logits((2, 3, 4), [3, 1])
    loss = losses.LossFunctionWrapper(lambda t, p: jax.numpy.mean(p, axis=(1, 2)))
    with pytest.raises(ValueError, match=r"values of shape \(2,\).*mask of shape"):
        loss(np.zeros((2, 3)), logits)


def test_a_loss_that_reduces_itself_is_spread_over_the_prediction_mask():
    """keras.io's `CustomNonPaddingTokenLoss` returns a scalar; Keras broadcasts
    it over the mask's weights: the scalar itself, or with per-token weights the
    scalar times the weights' mean over the real tokens."""
    logits, mask = _masked_logits((3, 4, 2), [3, 1, 2])
    scalar = losses.LossFunctionWrapper(lambda t, p: jax.numpy.float32(1.5))
    np.testing.assert_allclose(scalar(np.zeros((3, 4)), logits), 1.5, rtol=1e-6)
    weight = np.arange(12.0, dtype="float32").reshape(3, 4)
    got = scalar(np.zeros((3, 4)), logits, sample_weight=weight)
    np.testing.assert_allclose(got, 1.5 * weight[mask].mean(), rtol=1e-6)
    padding = np.array([1, 1, 0], "float32")
    got = scalar(np.zeros((3, 4)), logits, mask=padding)
    np.testing.assert_allclose(got, 1.5, rtol=1e-6)
