"""Threshold metrics vs scikit-learn and numpy over weighted batches, and Keras 3."""

import functools
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest
from sklearn import metrics as skm

from kerasish import metrics
from tests import recorded
from tests.metrics import confusion_cases

RECORD = Path(__file__).parent / "keras_confusion_metrics.json.gz"

RNG = np.random.default_rng(3)


def run(metric, batches):
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


def pad(batches, rows=3):
    out = []
    for y, p, w in batches:
        gy = np.ones((rows,) + y.shape[1:], y.dtype)
        gp = np.full((rows,) + p.shape[1:], np.nan, p.dtype)
        out.append(
            (
                np.concatenate([y, gy]),
                np.concatenate([p, gp]),
                np.concatenate([w, np.zeros(rows, w.dtype)]),
            )
        )
    return out


def make_binary(n=4, b=25):
    out = []
    for _ in range(n):
        y = (RNG.uniform(size=(b, 1)) > 0.4).astype("float32")
        # Scores correlated with the labels so the AUC is informative.
        p = np.clip(0.35 * y + RNG.uniform(size=(b, 1)) * 0.65, 0, 1).astype("float32")
        w = RNG.uniform(0.2, 2, size=(b,)).astype("float32")
        out.append((y, p, w))
    return out


def flat(batches):
    y = np.concatenate([b[0].reshape(len(b[2]), -1) for b in batches])
    p = np.concatenate([b[1].reshape(len(b[2]), -1) for b in batches])
    w = np.concatenate([b[2] for b in batches])
    return y, p, w


def test_counts_precision_recall_vs_sklearn():
    batches = make_binary()
    y, p, w = flat(batches)
    for threshold in (0.5, 0.7):
        pred = (p[:, 0] > threshold).astype(int)
        tn, fp, fn, tp = skm.confusion_matrix(y[:, 0], pred, sample_weight=w).ravel()
        for cls, ref in [
            (metrics.TruePositives, tp),
            (metrics.FalsePositives, fp),
            (metrics.TrueNegatives, tn),
            (metrics.FalseNegatives, fn),
        ]:
            np.testing.assert_allclose(
                run(cls(thresholds=threshold), batches), ref, rtol=1e-5
            )
            np.testing.assert_allclose(
                run(cls(thresholds=threshold), pad(batches)), ref, rtol=1e-5
            )
        prec = skm.precision_score(y[:, 0], pred, sample_weight=w)
        rec = skm.recall_score(y[:, 0], pred, sample_weight=w)
        np.testing.assert_allclose(
            run(metrics.Precision(thresholds=threshold), batches), prec, rtol=1e-5
        )
        np.testing.assert_allclose(
            run(metrics.Recall(thresholds=threshold), batches), rec, rtol=1e-5
        )
        np.testing.assert_allclose(
            run(metrics.Precision(thresholds=threshold), pad(batches)), prec, rtol=1e-5
        )


def test_several_thresholds_give_one_value_each():
    batches = make_binary()
    y, p, w = flat(batches)
    thresholds = [0.0, 0.25, 0.5, 0.75, 1.0]  # evenly spaced: the bucket method
    ref_tp = [np.sum(w * ((p[:, 0] > t) & (y[:, 0] == 1))) for t in thresholds]
    ref_fp = [np.sum(w * ((p[:, 0] > t) & (y[:, 0] == 0))) for t in thresholds]
    np.testing.assert_allclose(
        run(metrics.TruePositives(thresholds), batches), ref_tp, rtol=1e-5
    )
    np.testing.assert_allclose(
        run(metrics.FalsePositives(thresholds), batches), ref_fp, rtol=1e-5
    )
    uneven = [0.1, 0.3, 0.9]  # the comparison method
    ref = [np.sum(w * ((p[:, 0] > t) & (y[:, 0] == 1))) for t in uneven]
    np.testing.assert_allclose(
        run(metrics.TruePositives(uneven), batches), ref, rtol=1e-5
    )
    prec = run(metrics.Precision(thresholds), pad(batches))
    np.testing.assert_allclose(
        prec,
        np.array(ref_tp) / np.maximum(np.add(ref_tp, ref_fp), 1e-12),
        rtol=1e-5,
    )


def test_precision_recall_top_k_and_class_id():
    y = (RNG.uniform(size=(20, 5)) > 0.6).astype("float32")
    p = RNG.uniform(size=(20, 5)).astype("float32")
    w = RNG.uniform(size=(20,)).astype("float32")
    # class_id: the binary problem of one column.
    pred = (p[:, 2] > 0.5).astype(int)
    np.testing.assert_allclose(
        metrics.Precision(class_id=2)(y, p, sample_weight=w),
        skm.precision_score(y[:, 2], pred, sample_weight=w),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        metrics.Recall(class_id=2)(y, p, sample_weight=w),
        skm.recall_score(y[:, 2], pred, sample_weight=w),
        rtol=1e-5,
    )
    # top_k: the 2 highest scores of each row are the positive predictions.
    top = np.zeros_like(p, dtype=bool)
    np.put_along_axis(top, np.argsort(-p, -1)[:, :2], True, -1)
    tp = np.sum((top & (y == 1)) * w[:, None])
    np.testing.assert_allclose(
        metrics.Precision(top_k=2)(y, p, sample_weight=w),
        tp / np.sum(top * w[:, None]),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        metrics.Recall(top_k=2)(y, p, sample_weight=w),
        tp / np.sum((y == 1) * w[:, None]),
        rtol=1e-5,
    )


def test_auc_roc_vs_sklearn():
    batches = make_binary()
    y, p, w = flat(batches)
    ref = skm.roc_auc_score(y[:, 0], p[:, 0], sample_weight=w)
    # 200 thresholds discretize the curve: within ~1e-2 of the exact area.
    got = run(metrics.AUC(), batches)
    np.testing.assert_allclose(got, ref, atol=1e-2)
    np.testing.assert_allclose(
        run(metrics.AUC(num_thresholds=2000), batches), ref, atol=2e-3
    )
    np.testing.assert_allclose(run(metrics.AUC(), pad(batches)), got, rtol=1e-6)


def test_auc_exact_when_scores_sit_on_thresholds():
    # Scores on the threshold grid: the trapezoidal ROC area is exact.
    y = np.array([0, 0, 1, 1, 0, 1, 1, 0], "float32")
    p = np.array([0.1, 0.4, 0.35, 0.8, 0.6, 0.9, 0.5, 0.2], "float32")
    grid = np.round(p * 10) / 10
    got = metrics.AUC(num_thresholds=11)(y, grid)
    np.testing.assert_allclose(got, skm.roc_auc_score(y, grid), rtol=1e-6)


def test_auc_pr_vs_sklearn_average_precision():
    batches = make_binary(n=4, b=60)
    y, p, w = flat(batches)
    ap = skm.average_precision_score(y[:, 0], p[:, 0], sample_weight=w)
    for method in ("interpolation", "majoring", "minoring"):
        got = run(
            metrics.AUC(curve="PR", summation_method=method, num_thresholds=500),
            batches,
        )
        np.testing.assert_allclose(got, ap, atol=3e-2, err_msg=method)


def test_auc_riemann_sum_by_hand():
    y = np.array([0, 0, 1, 1], "float32")
    p = np.array([0.0, 0.5, 0.3, 0.9], "float32")
    # thresholds [-eps, 0.5, 1 + eps]: (tp, fp) = (2, 2), (1, 0), (0, 0)
    # ROC points (fpr, tpr): (1, 1), (0, .5), (0, 0): area (1 - 0) * (1 + .5) / 2 = .75
    np.testing.assert_allclose(metrics.AUC(num_thresholds=3)(y, p), 0.75)
    np.testing.assert_allclose(
        metrics.AUC(num_thresholds=3, summation_method="minoring")(y, p), 0.5
    )
    np.testing.assert_allclose(
        metrics.AUC(num_thresholds=3, summation_method="majoring")(y, p), 1.0
    )
    # Explicit (uneven) thresholds use the comparison method; same points here.
    np.testing.assert_allclose(metrics.AUC(thresholds=[0.5])(y, p), 0.75)


def test_auc_multi_label_and_label_weights():
    y = (RNG.uniform(size=(40, 3)) > 0.5).astype("float32")
    p = np.clip(0.3 * y + 0.7 * RNG.uniform(size=(40, 3)), 0, 1).astype("float32")
    per_label = [skm.roc_auc_score(y[:, i], p[:, i]) for i in range(3)]
    m = metrics.AUC(multi_label=True, num_thresholds=1000)
    np.testing.assert_allclose(m(y, p), np.mean(per_label), atol=5e-3)
    m = metrics.AUC(
        multi_label=True, num_labels=3, num_thresholds=1000, label_weights=[1, 2, 0]
    )
    np.testing.assert_allclose(
        m(y, p), (per_label[0] + 2 * per_label[1]) / 3, atol=5e-3
    )
    # Not multi-label: all entries pooled into one curve.
    pooled = skm.roc_auc_score(y.ravel(), p.ravel())
    np.testing.assert_allclose(
        metrics.AUC(num_thresholds=1000)(y, p), pooled, atol=5e-3
    )


def test_auc_from_logits():
    y = np.array([0, 1, 1, 0, 1], "float32")
    logits = np.array([-2.0, 1.5, -0.5, 0.3, 3.0], "float32")
    a = metrics.AUC(from_logits=True)(y, logits)
    b = metrics.AUC()(y, 1 / (1 + np.exp(-logits)))
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sensitivity_specificity_family():
    y = np.array([0, 0, 0, 1, 1, 1, 1, 0], "float32")
    p = np.array([0.1, 0.4, 0.7, 0.2, 0.6, 0.8, 0.9, 0.3], "float32")
    thresholds = np.linspace(0, 1, 200)

    def rates(t):
        pred = p > t
        tp = np.sum(pred & (y == 1))
        fp = np.sum(pred & (y == 0))
        fn = np.sum(~pred & (y == 1))
        tn = np.sum(~pred & (y == 0))
        sens = tp / max(tp + fn, 1e-12)
        spec = tn / max(tn + fp, 1e-12)
        prec = tp / (tp + fp) if tp + fp else 0.0
        return sens, spec, prec

    r = np.array([rates(t) for t in thresholds])
    sens, spec, prec = r[:, 0], r[:, 1], r[:, 2]
    np.testing.assert_allclose(
        metrics.SensitivityAtSpecificity(0.7)(y, p),
        np.max(np.where(spec >= 0.7, sens, 0)),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        metrics.SpecificityAtSensitivity(0.7)(y, p),
        np.max(np.where(sens >= 0.7, spec, 0)),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        metrics.PrecisionAtRecall(0.7)(y, p),
        np.max(np.where(sens >= 0.7, prec, 0)),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        metrics.RecallAtPrecision(0.7)(y, p),
        np.max(np.where(prec >= 0.7, sens, 0)),
        rtol=1e-6,
    )


def test_names_and_config_round_trip():
    assert metrics.AUC(name="auc_x").name == "auc_x"
    assert metrics.Precision().name.startswith("precision")
    for m in [
        metrics.AUC(curve="PR", num_thresholds=50, multi_label=True, num_labels=2),
        metrics.AUC(thresholds=[0.2, 0.6]),
        metrics.Precision(thresholds=[0.3, 0.6], class_id=1),
        metrics.Recall(top_k=2),
        metrics.TruePositives(thresholds=0.3),
        metrics.PrecisionAtRecall(0.4, num_thresholds=20),
    ]:
        clone = metrics.deserialize(metrics.serialize(m))
        assert type(clone) is type(m) and clone.get_config() == m.get_config()


def test_errors():
    with pytest.raises(ValueError, match=r"threshold values must be in \[0, 1\]"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match="`top_k` must be a positive int"):
        metrics.Recall(top_k=0)
    with pytest.raises(ValueError, match="invalid `curve` 'XY'"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="invalid `summation_method`"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="`num_thresholds` must be an int > 1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="`num_labels` is needed only when"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="multi_label=True expects y_pred of rank 2"):
        metrics.AUC(multi_label=True).update_state(
            np.zeros((2, 2, 2)), np.zeros((2, 2, 2))
        )
    with pytest.raises(ValueError, match="call metric.build"):
        metrics.AUC(multi_label=True).init()
    with pytest.raises(ValueError, match="When `class_id` is given"):
        metrics.Precision(class_id=1)(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"`recall` must be in \[0, 1\]"):
        metrics.PrecisionAtRecall(1.2)
    with pytest.raises(ValueError, match="`num_thresholds` must be an int > 0"):
        metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)


@functools.cache
def keras_record():
    fingerprint = recorded.digest(confusion_cases.__file__)
    return recorded.load(RECORD, "source", fingerprint, "confusion_metrics")["cases"]


def test_matches_keras():
    """Each case's result after the same weighted batches equals Keras's, as
    `tools/record_keras.py confusion_metrics` recorded it."""
    record = keras_record()
    assert sorted(record) == sorted(confusion_cases.COMPAT_IDS)
    # `confusion_cases.result` (update_state per batch, then result), with every
    # case's updates and result compiled as one program instead of one per case.
    data = confusion_cases.compat_data()
    cases = []
    for name, kwargs, key in confusion_cases.COMPAT_CASES:
        metric = getattr(metrics, name)(**kwargs)
        y, p, _ = data[key][0]
        metric.build(y.shape, p.shape)
        cases.append((metric, key))

    @jax.jit
    def results(data):
        out = []
        for metric, key in cases:
            state = metric.init()
            for y, p, w in data[key]:
                state = metric.update(state, y, p, w)
            out.append(metric.compute(state))
        return out

    for case_id, got in zip(confusion_cases.COMPAT_IDS, results(data), strict=True):
        np.testing.assert_allclose(
            got, record[case_id], rtol=1e-5, atol=1e-6, err_msg=case_id
        )


@pytest.mark.slow
@pytest.mark.compat
@pytest.mark.parametrize(
    "case_id, case",
    list(zip(confusion_cases.COMPAT_IDS, confusion_cases.COMPAT_CASES)),
    ids=confusion_cases.COMPAT_IDS,
)
def test_matches_keras_live(case_id, case):
    """Keras run live: kerasish equals it, and the record is still what it gives."""
    keras = pytest.importorskip("keras")
    theirs = confusion_cases.result(keras.metrics, *case)
    np.testing.assert_allclose(
        confusion_cases.result(metrics, *case), theirs, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(keras_record()[case_id], theirs, rtol=recorded.LIVE_RTOL)
