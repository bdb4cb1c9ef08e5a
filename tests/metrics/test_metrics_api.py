"""get / resolve / names, every metric under jit and scan with padded rows, custom
metrics (stateless and Keras-style), losses as metrics, and errors."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import losses, metrics, ops

RNG = np.random.default_rng(7)


def test_accuracy_resolution_follows_keras_rule_and_keeps_the_name():
    cases = [
        ((None, 1), (None, 1), metrics.BinaryAccuracy),
        ((None,), (None, 1), metrics.BinaryAccuracy),
        ((None,), (None, 10), metrics.SparseCategoricalAccuracy),
        ((None, 1), (None, 10), metrics.SparseCategoricalAccuracy),
        ((None, 7), (None, 7, 10), metrics.SparseCategoricalAccuracy),
        ((None, 10), (None, 10), metrics.CategoricalAccuracy),
    ]
    for y_true, y_pred, cls in cases:
        for ident in ("accuracy", "acc", "Accuracy"):
            m = metrics.resolve(ident, y_true, y_pred)
            assert type(m) is cls and m.name == ident
    # Shapes unknown: the loss decides.
    assert isinstance(
        metrics.resolve("accuracy", loss=losses.SparseCategoricalCrossentropy()),
        metrics.SparseCategoricalAccuracy,
    )
    assert isinstance(
        metrics.resolve(
            "accuracy", loss=losses.LossFunctionWrapper(losses.binary_crossentropy)
        ),
        metrics.BinaryAccuracy,
    )
    assert isinstance(
        metrics.resolve("accuracy", loss="categorical_crossentropy"),
        metrics.CategoricalAccuracy,
    )


def test_crossentropy_resolution():
    assert (
        type(metrics.resolve("crossentropy", (None, 1), (None, 1)))
        is metrics.BinaryCrossentropy
    )
    assert (
        type(metrics.resolve("ce", (None,), (None, 3)))
        is metrics.SparseCategoricalCrossentropy
    )
    m = metrics.resolve("ce", (None, 3), (None, 3))
    assert type(m) is metrics.CategoricalCrossentropy and m.name == "ce"


def test_history_key_names_match_keras():
    assert metrics.resolve("mae", (None, 1), (None, 1)).name == "mae"
    assert metrics.resolve("mse").name == "mse"
    assert metrics.resolve(metrics.MeanAbsoluteError()).name == "mean_absolute_error"
    assert metrics.resolve("mean_absolute_error").name == "mean_absolute_error"
    assert metrics.resolve(losses.mean_squared_error).name == "mean_squared_error"
    assert metrics.resolve(losses.Huber()).name == "huber_loss"
    assert metrics.resolve("AUC").name == "AUC"
    assert metrics.get("mae").name == "mean_absolute_error"
    assert metrics.get("auc").name.startswith("auc")


def test_get_forms():
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get(metrics.Precision), metrics.Precision)
    inst = metrics.Recall()
    assert metrics.get(inst) is inst
    assert (
        metrics.get(
            {"class_name": "BinaryAccuracy", "config": {"threshold": 0.7}}
        ).threshold
        == 0.7
    )
    assert metrics.get(losses.huber) is losses.huber
    wrapped = metrics.get(losses.MeanSquaredError)
    assert isinstance(wrapped, metrics.MeanMetricWrapper)
    assert metrics.get(None) is None


def test_any_loss_as_metric():
    t = RNG.normal(size=(6, 3)).astype("float32")
    p = RNG.normal(size=(6, 3)).astype("float32")
    e = np.abs(p - t)
    huber = np.mean(np.where(e <= 1, 0.5 * e**2, e - 0.5), -1).mean()
    for ident in ("huber", losses.huber, losses.Huber(), losses.Huber):
        m = metrics.resolve(ident, (None, 3), (None, 3))
        np.testing.assert_allclose(m(t, p), huber, rtol=1e-5)
    logcosh = np.mean(np.log(np.cosh(p - t)), -1).mean()
    np.testing.assert_allclose(metrics.resolve("log_cosh")(t, p), logcosh, rtol=1e-5)


def test_probabilistic_and_hinge_metrics_vs_numpy():
    y = (RNG.uniform(size=(8, 3)) > 0.5).astype("float32")
    p = RNG.uniform(0.05, 0.95, size=(8, 3)).astype("float32")
    w = RNG.uniform(size=(8,)).astype("float32")
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), -1)
    m = metrics.BinaryCrossentropy()
    m.update_state(y[:4], p[:4], sample_weight=w[:4])
    m.update_state(y[4:], p[4:], sample_weight=w[4:])
    np.testing.assert_allclose(m.result(), np.sum(bce * w) / w.sum(), rtol=1e-5)
    hinge = np.mean(np.maximum(1 - (2 * y - 1) * p, 0), -1)
    np.testing.assert_allclose(metrics.Hinge()(y, p), hinge.mean(), rtol=1e-5)
    np.testing.assert_allclose(
        metrics.SquaredHinge()(y, p),
        np.mean(np.maximum(1 - (2 * y - 1) * p, 0) ** 2),
        rtol=1e-5,
    )
    probs = p / p.sum(-1, keepdims=True)
    onehot = np.eye(3, dtype="float32")[RNG.integers(0, 3, 8)]
    cce = -np.sum(onehot * np.log(probs), -1).mean()
    np.testing.assert_allclose(
        metrics.CategoricalCrossentropy()(onehot, probs), cce, rtol=1e-5
    )
    np.testing.assert_allclose(
        metrics.SparseCategoricalCrossentropy()(onehot.argmax(-1), probs),
        cce,
        rtol=1e-5,
    )
    kld = np.sum(onehot.clip(1e-7, 1) * np.log(onehot.clip(1e-7, 1) / probs), -1).mean()
    np.testing.assert_allclose(metrics.KLDivergence()(onehot, probs), kld, rtol=1e-4)
    np.testing.assert_allclose(
        metrics.Poisson()(y, p), np.mean(p - y * np.log(p + 1e-7)), rtol=1e-5
    )
    pos = np.sum(onehot * p, -1)
    neg = np.max((1 - onehot) * p, -1)
    np.testing.assert_allclose(
        metrics.CategoricalHinge()(onehot, p),
        np.maximum(neg - pos + 1, 0).mean(),
        rtol=1e-5,
    )


def _every_metric():
    """(metric, y_true, y_pred) for each catalogue metric."""
    n, c = 12, 4
    yb = (RNG.uniform(size=(n, 1)) > 0.5).astype("float32")
    pb = RNG.uniform(size=(n, 1)).astype("float32")
    ys = RNG.integers(0, c, size=(n,)).astype("int32")
    ps = RNG.uniform(size=(n, c)).astype("float32")
    yo = np.eye(c, dtype="float32")[ys]
    yr = RNG.normal(size=(n, c)).astype("float32")
    yp = RNG.uniform(0.1, 1, size=(n, c)).astype("float32")
    binary = (yb, pb)
    return [
        (metrics.BinaryAccuracy(), *binary),
        (metrics.CategoricalAccuracy(), yo, ps),
        (metrics.SparseCategoricalAccuracy(), ys, ps),
        (metrics.TopKCategoricalAccuracy(k=2), yo, ps),
        (metrics.SparseTopKCategoricalAccuracy(k=2), ys, ps),
        (metrics.MeanSquaredError(), yr, ps),
        (metrics.MeanAbsoluteError(), yr, ps),
        (metrics.RootMeanSquaredError(), yr, ps),
        (metrics.MeanAbsolutePercentageError(), yr, ps),
        (metrics.MeanSquaredLogarithmicError(), yp, ps),
        (metrics.LogCoshError(), yr, ps),
        (metrics.CosineSimilarity(), yr, ps),
        (metrics.Precision(), *binary),
        (metrics.Recall(thresholds=[0.2, 0.5, 0.7]), *binary),
        (metrics.AUC(), *binary),
        (metrics.AUC(curve="PR"), *binary),
        (metrics.AUC(multi_label=True, num_labels=c), (yr > 0).astype("float32"), ps),
        (metrics.F1Score(average="macro"), yo, ps),
        (metrics.FBetaScore(beta=2.0, threshold=0.5), yo, ps),
        (metrics.TruePositives(), *binary),
        (metrics.FalsePositives(), *binary),
        (metrics.TrueNegatives(), *binary),
        (metrics.FalseNegatives(), *binary),
        (metrics.MeanIoU(num_classes=c), ys, ps.argmax(-1)),
        (metrics.R2Score(), yr, ps),
        (metrics.BinaryCrossentropy(), *binary),
        (metrics.CategoricalCrossentropy(), yo, ps),
        (metrics.SparseCategoricalCrossentropy(), ys, ps),
        (metrics.KLDivergence(), yo, ps),
        (metrics.Poisson(), yp, ps),
        (metrics.Hinge(), *binary),
        (metrics.SquaredHinge(), *binary),
        (metrics.CategoricalHinge(), yo, ps),
        (metrics.SensitivityAtSpecificity(0.5), *binary),
        (metrics.PearsonCorrelation(), yr, ps),
    ]


def test_every_metric_ignores_zero_weight_rows_under_jit_and_scan():
    """The trainer's contract: sample_weight = user weight * padding mask."""
    cases = []
    for metric, y, p in _every_metric():
        metric.build(y.shape, p.shape)
        w = RNG.uniform(0.5, 2, size=(len(y),)).astype("float32")
        # Pad with garbage rows (nan predictions, weight 0), then run in a scan.
        k = 4
        y_pad = np.concatenate([y, y[:k]])
        if "IoU" in type(metric).__name__:
            p_pad = np.concatenate([p, p[:k]])  # integer class ids cannot be nan
        else:
            p_pad = np.concatenate([p, np.full((k,) + p.shape[1:], np.nan, p.dtype)])
        w_pad = np.concatenate([w, np.zeros(k, "float32")])
        xs = tuple(np.stack([a, a]) for a in (y_pad, p_pad, w_pad))
        cases.append((metric, (xs, y, p, w)))

    ms = [metric for metric, _ in cases]

    def every(args):
        # One scan steps every metric's state; one XLA compilation for them all.
        def body(states, batches):
            updated = [m.update(s, *b) for m, s, b in zip(ms, states, batches)]
            return updated, None

        scanned, _ = ops.scan(body, [m.init() for m in ms], [a[0] for a in args])
        out = []
        for m, state, (_, y, p, w) in zip(ms, scanned, args, strict=True):
            twice = m.update(m.update(m.init(), y, p, w), y, p, w)
            out.append((m.compute(state), m.compute(twice)))
        return out

    results = jax.jit(every)([a for _, a in cases])
    for (metric, _), (got, expected) in zip(cases, results, strict=True):
        np.testing.assert_allclose(
            got, expected, rtol=2e-5, atol=1e-6, err_msg=metric.name
        )
        assert np.all(np.isfinite(np.asarray(expected))), metric.name


class WeightedCount(metrics.Metric):
    """A stateless custom metric: init / update / compute."""

    def init(self):
        return {"n": self._zeros()}

    def update(self, state, y_true, y_pred, sample_weight=None):
        w = ops.ones(y_true.shape[:1]) if sample_weight is None else sample_weight
        return {"n": state["n"] + ops.sum(w)}

    def compute(self, state):
        return state["n"]


class KerasStyleTP(metrics.Metric):
    """A Keras-style custom metric: variables assigned in update_state."""

    def __init__(self, name="keras_style_tp", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), initializer="zeros", name="tp"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(ops.greater(y_pred, 0.5), "float32")
        values = ops.cast(y_true, "float32") * y_pred
        if sample_weight is not None:
            values = values * ops.cast(sample_weight, "float32")
        self.true_positives.assign(self.true_positives + ops.sum(values))

    def result(self):
        return self.true_positives.value


def test_custom_metrics():
    m = WeightedCount()
    assert m.name == "weighted_count"
    m.update_state(np.zeros((3, 1)), np.zeros((3, 1)))
    m.update_state(
        np.zeros((2, 1)), np.zeros((2, 1)), sample_weight=np.array([0.5, 0.0])
    )
    np.testing.assert_allclose(m.result(), 3.5)

    y = np.array([1, 1, 0, 1], "float32")
    p = np.array([0.9, 0.2, 0.8, 0.7], "float32")
    k = KerasStyleTP()
    k.update_state(y, p)
    np.testing.assert_allclose(k.result(), 2.0)
    k.reset_state()
    np.testing.assert_allclose(k.result(), 0.0)
    # The same metric through the stateless core, compiled.
    state = jax.jit(k.update)(k.init(), y, p, np.array([1, 1, 1, 0], "float32"))
    np.testing.assert_allclose(k.compute(state), 1.0)
    assert float(k.result()) == 0.0  # the object's variables are untouched
    assert len(k.variables) == 1


def test_custom_function_metric_runs_eagerly():
    def fraction_positive(y_true, y_pred):
        return ops.cast(y_pred > 0, "float32")[..., 0]

    m = metrics.resolve(fraction_positive, (None, 1), (None, 1))
    assert m.name == "fraction_positive"
    np.testing.assert_allclose(
        m(np.zeros((4, 1)), np.array([[1.0], [-1.0], [2.0], [3.0]])), 0.75
    )


def test_errors():
    with pytest.raises(
        ValueError, match="Unknown metric 'acuracy'. Did you mean 'accuracy'"
    ):
        metrics.get("acuracy")
    # Names only compile resolves (from the output's shape): not "valid".
    with pytest.raises(ValueError, match="'acc'.*picks the metric from the output"):
        metrics.get("acc")
    with pytest.raises(ValueError, match="Valid names: .*mae"):
        metrics.resolve("nope", (None, 1), (None, 1))
    with pytest.raises(ValueError, match="Expected a metric, received None"):
        metrics.resolve(None)
    with pytest.raises(TypeError, match="Could not interpret metric identifier 3"):
        metrics.get(3)
    with pytest.raises(TypeError, match="must subclass kerasish.metrics.Metric"):
        metrics.get(dict)
    with pytest.raises(NotImplementedError, match="must implement compute"):
        metrics.Metric().compute({})
    with pytest.raises(NotImplementedError, match="must implement update"):
        metrics.Metric().update({}, 1, 1)


@pytest.mark.compat
def test_default_names_match_keras():
    keras = pytest.importorskip("keras")
    for name in (
        "BinaryAccuracy",
        "CategoricalAccuracy",
        "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
        "Mean",
        "Sum",
        "MeanSquaredError",
        "MeanAbsoluteError",
        "RootMeanSquaredError",
        "MeanAbsolutePercentageError",
        "MeanSquaredLogarithmicError",
        "LogCoshError",
        "F1Score",
        "FBetaScore",
        "R2Score",
        "CosineSimilarity",
        "BinaryCrossentropy",
        "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy",
        "KLDivergence",
        "Poisson",
        "Hinge",
        "SquaredHinge",
        "CategoricalHinge",
        "Accuracy",
        "PearsonCorrelation",
        "ConcordanceCorrelation",
    ):
        assert getattr(metrics, name)().name == getattr(keras.metrics, name)().name, (
            name
        )
    ours = {n for n in metrics.__all__ if n[0].isupper()}
    theirs = {n for n in dir(keras.metrics) if n[0].isupper()}
    assert theirs <= ours, theirs - ours


@pytest.mark.compat
def test_probabilistic_metrics_match_keras():
    keras = pytest.importorskip("keras")
    y = (RNG.uniform(size=(2, 8, 3)) > 0.5).astype("float32")
    logits = RNG.normal(size=(2, 8, 3)).astype("float32")
    w = RNG.uniform(size=(2, 8)).astype("float32")
    labels = RNG.integers(0, 3, size=(2, 8))
    onehot = np.eye(3, dtype="float32")[labels]
    cases = [
        ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, y),
        ("CategoricalCrossentropy", {"from_logits": True}, onehot),
        ("SparseCategoricalCrossentropy", {"from_logits": True}, labels),
        ("Hinge", {}, y),
        ("SquaredHinge", {}, y),
        ("CategoricalHinge", {}, onehot),
    ]
    for name, kwargs, targets in cases:
        ours, theirs = (
            getattr(metrics, name)(**kwargs),
            getattr(keras.metrics, name)(**kwargs),
        )
        for i in range(2):
            ours.update_state(targets[i], logits[i], sample_weight=w[i])
            theirs.update_state(targets[i], logits[i], sample_weight=w[i])
        np.testing.assert_allclose(
            ours.result(), theirs.result(), rtol=1e-5, err_msg=name
        )
        assert ours.get_config() == theirs.get_config(), name


def test_auc_curve_and_summation_method_are_enums_as_in_keras():
    auc = metrics.AUC(curve="pr", summation_method="minoring")
    assert (auc.curve.value, auc.summation_method.value) == ("PR", "minoring")
    assert auc.curve == "PR"  # also equal to its string
    assert auc.get_config()["curve"] == "PR"
    assert metrics.AUC.from_config(auc.get_config()).curve is auc.curve
    assert metrics.AUC(curve=auc.curve).curve is auc.curve


def test_stateless_metric_values_can_be_donated_and_are_checked():
    """A jitted step may donate the metric's variables (Keras's trainer does):
    they are distinct arrays; a list of the wrong length is refused."""
    import jax

    import kerasish

    mean = kerasish.metrics.Mean()
    step = jax.jit(lambda mv: mean.stateless_update_state(mv, 3.0), donate_argnums=0)
    total, count = step([v.value for v in mean.variables])
    assert (float(total), float(count)) == (3.0, 1.0)
    total, count = step(mean.stateless_reset_state())
    assert (float(total), float(count)) == (3.0, 1.0)
    with pytest.raises(ValueError, match=r"1:1 to Mean\(\).variables \(2 of them\)"):
        mean.stateless_result([])


def test_a_metric_in_a_stateless_scope_reads_and_writes_the_scope():
    """A Keras-style JAX `train_step` maps `self.metrics_variables` in a
    `StatelessScope` and calls `update_state`: the values come from the scope
    and go back to it; the metric itself is untouched (as Keras 3)."""
    import kerasish

    mean = metrics.Mean()
    assert mean.variables[0] is mean.variables[0] is mean.total
    mapping = list(zip(mean.variables, [2.0, 1.0]))
    with kerasish.StatelessScope(state_mapping=mapping) as scope:
        mean.update_state(4.0)
        assert float(mean.result()) == 3.0  # (2 + 4) / (1 + 1)
        assert [float(scope.get_current_value(v)) for v in mean.variables] == [6, 2]
    assert float(mean.result()) == 0.0

    accuracy = metrics.SparseCategoricalAccuracy()
    mapping = list(zip(accuracy.variables, [1.0, 2.0]))
    with kerasish.StatelessScope(state_mapping=mapping) as scope:
        accuracy.update_state(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
        assert float(accuracy.result()) == 0.5  # (1 + 1) / (2 + 2)
    # Inside a scope that does not map the metric, it is stateful as usual.
    with kerasish.StatelessScope():
        mean.update_state(5.0)
    assert float(mean.result()) == 5.0
