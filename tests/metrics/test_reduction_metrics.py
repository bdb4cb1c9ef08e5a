"""Mean, Sum and MeanMetricWrapper: the stateless core, weights and padding rows."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import losses, metrics

RNG = np.random.default_rng(1)


def test_mean_stateless_core_is_pure_and_jittable():
    m = metrics.Mean()
    state0 = m.init()
    update = jax.jit(m.update)
    values = [RNG.normal(size=(4,)).astype("float32") for _ in range(3)]
    weights = [RNG.uniform(size=(4,)).astype("float32") for _ in range(3)]
    state = state0
    for v, w in zip(values, weights):
        state = update(state, v, w)
    np.testing.assert_allclose(float(state0["total"]), 0.0)  # init state untouched
    v, w = np.concatenate(values), np.concatenate(weights)
    np.testing.assert_allclose(m.compute(state), np.sum(v * w) / np.sum(w), rtol=1e-5)
    assert m.result() == 0.0  # the stateless path never touches the object's state


def test_mean_and_sum_stateful_api():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state(5.0)
    np.testing.assert_allclose(m.result(), 11.0 / 4)
    m.reset_state()
    assert float(m.result()) == 0.0
    s = metrics.Sum()
    s.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.5])
    np.testing.assert_allclose(s.result(), 3.0 + 3.5)
    assert m.name == "mean" and s.name == "sum" and m.dtype == "float32"
    assert len(m.variables) == 2


def test_mean_matches_keras_weighted_rules():
    # values (b, t) with per-sample weights: per-sample means weighted.
    v = RNG.normal(size=(5, 3)).astype("float32")
    w = RNG.uniform(size=(5,)).astype("float32")
    m = metrics.Mean()
    m.update_state(v, sample_weight=w)
    np.testing.assert_allclose(m.result(), np.sum(v.mean(1) * w) / w.sum(), rtol=1e-6)
    # per-entry weights (b, t).
    w2 = RNG.uniform(size=(5, 3)).astype("float32")
    m = metrics.Mean()
    m.update_state(v, sample_weight=w2)
    ref = np.sum((v * w2).mean(1)) / np.sum(w2.mean(1))
    np.testing.assert_allclose(m.result(), ref, rtol=1e-5, atol=1e-7)


def test_zero_weight_rows_are_ignored_even_when_nan():
    v = np.array([1.0, 2.0, np.nan, np.inf], "float32")
    w = np.array([1.0, 3.0, 0.0, 0.0], "float32")
    m = metrics.Mean()
    m.update_state(v, sample_weight=w)
    np.testing.assert_allclose(m.result(), (1.0 + 6.0) / 4.0)
    s = metrics.Sum()
    s.update_state(v, sample_weight=w)
    np.testing.assert_allclose(s.result(), 7.0)


def test_mean_metric_wrapper_over_function_and_loss_instance():
    t = RNG.normal(size=(6, 3)).astype("float32")
    p = RNG.normal(size=(6, 3)).astype("float32")
    w = RNG.uniform(size=(6,)).astype("float32")
    per = np.mean((t - p) ** 2, -1)
    m = metrics.MeanMetricWrapper(losses.mean_squared_error)
    assert m.name.startswith("mean_metric_wrapper")  # Keras's default name
    m.update_state(t[:3], p[:3], sample_weight=w[:3])
    m.update_state(t[3:], p[3:], sample_weight=w[3:])
    np.testing.assert_allclose(m.result(), np.sum(per * w) / w.sum(), rtol=1e-6)
    # A Loss instance: per-sample values, so weights count per sample.
    m = metrics.MeanMetricWrapper(losses.MeanSquaredError(), name="my_mse")
    assert m.name == "my_mse"
    m.update_state(t, p, sample_weight=w)
    np.testing.assert_allclose(m.result(), np.sum(per * w) / w.sum(), rtol=1e-6)
    # Keyword arguments reach the function.
    m = metrics.MeanMetricWrapper(losses.huber, delta=0.1)
    m.update_state(t, p)
    e = np.abs(p - t)
    ref = np.mean(np.where(e <= 0.1, 0.5 * e**2, 0.1 * e - 0.005), -1).mean()
    np.testing.assert_allclose(m.result(), ref, rtol=1e-5)


def test_wrapped_sparse_crossentropy_ignore_class():
    logits = RNG.normal(size=(6, 4)).astype("float32")
    labels = np.array([0, 1, 2, 3, 0, 1])
    m = metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    m.update_state(labels, logits)
    per = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    np.testing.assert_allclose(
        m.result(), np.asarray(per)[labels != 0].mean(), rtol=1e-5
    )


def test_config_round_trip():
    m = metrics.MeanMetricWrapper(losses.huber, name="hub", delta=0.3)
    clone = metrics.deserialize(metrics.serialize(m))
    assert clone.get_config() == m.get_config()
    assert clone._fn is losses.huber and clone._fn_kwargs == {"delta": 0.3}
    for obj in (metrics.Mean(name="m"), metrics.Sum(dtype="float16")):
        clone = metrics.deserialize(metrics.serialize(obj))
        assert type(clone) is type(obj) and clone.get_config() == obj.get_config()


def test_errors():
    with pytest.raises(TypeError, match="MeanMetricWrapper expects a callable"):
        metrics.MeanMetricWrapper("mse")
    with pytest.raises(NotImplementedError, match="must implement init"):
        metrics.Metric().init()


@pytest.mark.compat
def test_matches_keras():
    keras = pytest.importorskip("keras")
    batches = [
        (
            RNG.normal(size=(4, 3)).astype("float32"),
            RNG.uniform(size=(4,)).astype("float32"),
        )
        for _ in range(3)
    ]
    for name in ("Mean", "Sum"):
        ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
        for v, w in batches:
            ours.update_state(v, sample_weight=w)
            theirs.update_state(v, sample_weight=w)
        np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-6)


def test_mean_metric_wrapper_skips_steps_the_prediction_mask_leaves_out():
    """Keras's MeanMetricWrapper: `y_pred._keras_mask` joins the sample weight,
    eagerly (`update_state`, whose compiled update sees no mask) and in a pure
    `update` (the compiled step's path)."""
    from kerasish.common.tensor_mask import set_keras_mask

    rng = np.random.default_rng(3)
    probs = jax.numpy.asarray(rng.uniform(size=(3, 4, 2)).astype("float32"))
    labels = rng.integers(0, 2, size=(3, 4))
    mask = np.array([[1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, 0]], bool)
    set_keras_mask(probs, jax.numpy.asarray(mask))
    hits = (np.argmax(np.asarray(probs), -1) == labels).astype("float32")
    weight = np.array([1.0, 2.0, 0.5], "float32")

    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state(labels, probs)
    np.testing.assert_allclose(metric.result(), hits[mask].mean(), rtol=1e-6)
    metric.reset_state()
    metric.update_state(labels, probs, sample_weight=weight)
    w = np.broadcast_to(weight[:, None], mask.shape)[mask]
    np.testing.assert_allclose(
        metric.result(), (hits[mask] * w).sum() / w.sum(), rtol=1e-6
    )
    state = metric.update(metric.init(), labels, probs)
    np.testing.assert_allclose(metric.compute(state), hits[mask].mean(), rtol=1e-6)
