"""Regression metrics vs numpy / scikit-learn over weighted batches, and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest
from sklearn import metrics as skm

from kerasish import metrics

RNG = np.random.default_rng(4)
EPS = 1e-7


def run(metric, batches):
    if not metric.built:
        metric.build(batches[0][0].shape, batches[0][1].shape)
    update = jax.jit(metric.update)
    state = metric.init()
    for y, p, w in batches:
        state = update(state, y, p, w)
    out = np.asarray(metric.compute(state))
    metric.reset_state()
    for y, p, w in batches:
        metric.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(np.asarray(metric.result()), out, rtol=1e-5, atol=1e-6)
    return out


def pad(batches, rows=2):
    out = []
    for y, p, w in batches:
        g = np.full((rows,) + p.shape[1:], np.nan, p.dtype)
        out.append(
            (
                np.concatenate([y, np.ones((rows,) + y.shape[1:], y.dtype)]),
                np.concatenate([p, g]),
                np.concatenate([w, np.zeros(rows, w.dtype)]),
            )
        )
    return out


def make(n=3, b=10, d=3, positive=False):
    lo = 0.1 if positive else -2
    return [
        (
            RNG.uniform(lo, 2, size=(b, d)).astype("float32"),
            RNG.uniform(lo, 2, size=(b, d)).astype("float32"),
            RNG.uniform(0.1, 2, size=(b,)).astype("float32"),
        )
        for _ in range(n)
    ]


def cat(batches):
    return [np.concatenate([b[i] for b in batches]) for i in range(3)]


def wmean(per_sample, w):
    return np.sum(per_sample * w) / np.sum(w)


CASES = [
    ("MeanSquaredError", lambda t, p: np.mean((t - p) ** 2, -1), False),
    ("MeanAbsoluteError", lambda t, p: np.mean(np.abs(t - p), -1), False),
    (
        "MeanAbsolutePercentageError",
        lambda t, p: 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), -1),
        False,
    ),
    (
        "MeanSquaredLogarithmicError",
        lambda t, p: np.mean((np.log(p + 1) - np.log(t + 1)) ** 2, -1),
        True,
    ),
    ("LogCoshError", lambda t, p: np.mean(np.log(np.cosh(p - t)), -1), False),
    (
        "CosineSimilarity",
        lambda t, p: np.sum(
            t
            / np.linalg.norm(t, axis=-1, keepdims=True)
            * p
            / np.linalg.norm(p, axis=-1, keepdims=True),
            -1,
        ),
        False,
    ),
]


@pytest.mark.parametrize("name, ref, positive", CASES, ids=[c[0] for c in CASES])
def test_mean_error_metrics(name, ref, positive):
    batches = make(positive=positive)
    t, p, w = cat(batches)
    expected = wmean(ref(t.astype("float64"), p.astype("float64")), w)
    np.testing.assert_allclose(
        run(getattr(metrics, name)(), batches), expected, rtol=1e-5
    )
    np.testing.assert_allclose(
        run(getattr(metrics, name)(), pad(batches)), expected, rtol=1e-5
    )


def test_sklearn_agrees_on_mse_mae_mape():
    batches = make(d=1, positive=True)
    t, p, w = cat(batches)
    np.testing.assert_allclose(
        run(metrics.MeanSquaredError(), batches),
        skm.mean_squared_error(t, p, sample_weight=w),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        run(metrics.MeanAbsoluteError(), batches),
        skm.mean_absolute_error(t, p, sample_weight=w),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        run(metrics.MeanAbsolutePercentageError(), batches),
        100 * skm.mean_absolute_percentage_error(t, p, sample_weight=w),
        rtol=1e-5,
    )


def test_root_mean_squared_error():
    batches = make()
    t, p, w = cat(batches)
    expected = np.sqrt(np.sum(((t - p) ** 2).mean(-1) * w) / w.sum())
    np.testing.assert_allclose(
        run(metrics.RootMeanSquaredError(), batches), expected, rtol=1e-5
    )
    np.testing.assert_allclose(
        run(metrics.RootMeanSquaredError(), pad(batches)), expected, rtol=1e-5
    )


@pytest.mark.parametrize(
    "aggregation", ["uniform_average", "variance_weighted_average", None]
)
def test_r2_score_vs_sklearn(aggregation):
    batches = make(d=3)
    t, p, w = cat(batches)
    sk = {
        "uniform_average": "uniform_average",
        "variance_weighted_average": "variance_weighted",
        None: "raw_values",
    }
    expected = skm.r2_score(t, p, sample_weight=w, multioutput=sk[aggregation])
    m = metrics.R2Score(class_aggregation=aggregation)
    np.testing.assert_allclose(run(m, batches), expected, rtol=1e-4)
    np.testing.assert_allclose(run(m, pad(batches)), expected, rtol=1e-4)


def test_r2_score_single_output_and_adjusted():
    t = RNG.normal(size=(20,)).astype("float32")
    p = (t + 0.3 * RNG.normal(size=(20,))).astype("float32")
    r2 = skm.r2_score(t, p)
    np.testing.assert_allclose(metrics.R2Score()(t[:, None], p[:, None]), r2, rtol=1e-5)
    # Rank-1 targets against (n, 1) predictions are aligned, as in Keras.
    np.testing.assert_allclose(metrics.R2Score()(t, p[:, None]), r2, rtol=1e-5)
    adjusted = 1 - (1 - r2) * (20 - 1) / (20 - 3 - 1)
    np.testing.assert_allclose(
        metrics.R2Score(num_regressors=3)(t[:, None], p[:, None]), adjusted, rtol=1e-5
    )
    with pytest.warns(UserWarning, match="adjusted R\\^2 is undefined"):
        value = metrics.R2Score(num_regressors=30)(t[:, None], p[:, None])
    np.testing.assert_allclose(value, r2, rtol=1e-5)


def test_r2_score_variables_in_keras_order():
    t = RNG.normal(size=(6, 2)).astype("float32")
    p = (t + RNG.normal(size=(6, 2))).astype("float32")
    w = np.array([1.0, 0.5, 2.0, 1.0, 1.0, 3.0], "float32")
    m = metrics.R2Score(class_aggregation=None)
    assert not hasattr(m, "total_mse")  # built by the first update, as in Keras
    m.update_state(t, p, sample_weight=w)
    # Keras 3's variables and order; `total_mse` is its attribute for "residual".
    names = [v.name for v in m.variables]
    assert names == ["num_samples", "squared_sum", "sum", "residual", "count"]
    expected = [
        t.size,
        (w[:, None] * t**2).sum(0),
        (w[:, None] * t).sum(0),
        (w[:, None] * (t - p) ** 2).sum(0),
        np.full(2, w.sum()),
    ]
    for variable, value in zip(m.variables, expected):
        np.testing.assert_allclose(variable, value, rtol=1e-5)
    assert m.total_mse is m.variables[3]


def test_correlation_metrics():
    t = RNG.normal(size=(4, 10)).astype("float32")
    p = (t + RNG.normal(size=(4, 10))).astype("float32")
    pear = [np.corrcoef(a, b)[0, 1] for a, b in zip(t, p)]
    np.testing.assert_allclose(
        metrics.PearsonCorrelation()(t, p), np.mean(pear), rtol=1e-5
    )
    tm, pm = t.mean(-1, keepdims=True), p.mean(-1, keepdims=True)
    norm = t.var(-1, keepdims=True) + p.var(-1, keepdims=True) + (tm - pm) ** 2
    ccc = np.mean(2 * (t - pm) * (p - pm) / (norm + EPS), -1)  # Keras's formula
    np.testing.assert_allclose(
        metrics.ConcordanceCorrelation()(t, p), ccc.mean(), rtol=1e-4
    )


def test_names_and_config():
    assert metrics.LogCoshError().name == "logcosh"
    assert metrics.RootMeanSquaredError().name == "root_mean_squared_error"
    for m in [
        metrics.R2Score(class_aggregation=None, num_regressors=2),
        metrics.CosineSimilarity(axis=1, name="cos"),
        metrics.MeanSquaredError(name="m"),
    ]:
        clone = metrics.deserialize(metrics.serialize(m))
        assert type(clone) is type(m) and clone.get_config() == m.get_config()


def test_errors():
    with pytest.raises(ValueError, match="invalid `class_aggregation`"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="`num_regressors` must be an int >= 0"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match=r"R2Score expects 2D inputs.*\(2, 3, 4\)"):
        metrics.R2Score().update_state(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))


@pytest.mark.compat
def test_matches_keras():
    keras = pytest.importorskip("keras")
    names = [c[0] for c in CASES] + ["RootMeanSquaredError", "R2Score"]
    for name in names:
        batches = make(positive=name == "MeanSquaredLogarithmicError")
        ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
        for y, p, w in batches:
            ours.update_state(y, p, sample_weight=w)
            theirs.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(
            ours.result(), theirs.result(), rtol=1e-5, err_msg=name
        )
        theirs_cfg = {k: v for k, v in theirs.get_config().items()}
        assert theirs_cfg.items() <= ours.get_config().items(), name
