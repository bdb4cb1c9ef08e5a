"""Thresholded confusion counts, the core every threshold metric shares.

`confusion_counts`: a prediction is positive at threshold `t` when `y_pred > t`; a
label is positive when nonzero; each entry counts with its sample weight (so padded
rows, of weight 0, never count). Evenly spaced thresholds (AUC's) use Keras's bucket
algorithm, `O(n + thresholds)` instead of `O(n * thresholds)`. `_ThresholdMetric`
accumulates the counts; the metrics are in `confusion_metrics.py` (TP/FP/TN/FN,
Precision, Recall), `operating_point_metrics.py` and `auc_metrics.py`.
"""

import numpy as np

from kerasish import config, ops
from kerasish.losses.loss import (
    _expand_trailing,
    squeeze_or_expand_to_same_rank,
)
from kerasish.metrics.metric import Metric

NEG_INF = -1e10
_KEYS = ("tp", "fp", "tn", "fn")


def _to_list(x):
    return list(x) if isinstance(x, list | tuple | np.ndarray) else [x]


def parse_thresholds(owner, thresholds, default):
    """A list of thresholds in [0, 1] (or `[default]` when `thresholds` is None)."""
    if thresholds is None:
        return [default]
    values = _to_list(thresholds)
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if bad or not values:
        raise ValueError(
            f"{owner}: threshold values must be in [0, 1], received {thresholds!r}."
        )
    return [float(t) for t in values]


def is_evenly_distributed(thresholds):
    """Whether `thresholds` are `i / (n - 1)` for `i = 0..n-1` (n >= 3)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def _filter_top_k(x, k):
    _, idx = ops.top_k(x, k)
    mask = ops.sum(ops.one_hot(idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * mask + NEG_INF * (1.0 - mask)


def _reverse_cumsum(x, axis=0):
    return ops.flip(ops.cumsum(ops.flip(x, axis=axis), axis=axis), axis=axis)


def confusion_counts(
    y_true,
    y_pred,
    thresholds,
    sample_weight=None,
    top_k=None,
    class_id=None,
    multi_label=False,
    label_weights=None,
    evenly=False,
    dtype="float32",
):
    """Weighted TP, FP, TN and FN counts at each threshold (pure, jittable).

    Args:
        y_true: Labels; nonzero counts as positive.
        y_pred: Scores; positive at threshold `t` when `y_pred > t`.
        thresholds: Python list of floats.
        sample_weight: Optional weights, broadcast to `y_pred`'s shape.
        top_k: Keep only the `k` highest scores per sample (others never positive).
        class_id: Count only this class (last axis index).
        multi_label: Keep the last axis apart: counts of shape `(thresholds, labels)`.
        label_weights: Optional per-class weights (not with `multi_label`).
        evenly: Whether `thresholds` are evenly spaced (enables the bucket method).
        dtype: Dtype of the counts.

    Returns:
        Dict with "tp", "fp", "tn", "fn" of shape `(len(thresholds),)` (or
        `(len(thresholds), labels)` for `multi_label`).
    """
    y_true = ops.cast(ops.convert_to_tensor(y_true), dtype)
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = ops.expand_dims(
            ops.cast(ops.convert_to_tensor(sample_weight), dtype), -1
        )
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight, expand_rank_1=False
        )
        if len(sample_weight.shape) < len(y_pred.shape):
            sample_weight = _expand_trailing(sample_weight, len(y_pred.shape))
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError(
                f"When `class_id` is given, y_pred must have shape (num_samples, "
                f"num_classes), received shape {tuple(y_pred.shape)}."
            )
        y_true = y_true[..., class_id : class_id + 1]
        y_pred = y_pred[..., class_id : class_id + 1]
        if sample_weight is not None and sample_weight.shape[-1] not in (1,):
            sample_weight = sample_weight[..., class_id : class_id + 1]

    weights = ops.ones_like(y_pred)
    if sample_weight is not None:
        weights = weights * ops.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        lw = ops.convert_to_tensor(label_weights, dtype)
        weights = weights * ops.broadcast_to(ops.expand_dims(lw, 0), y_pred.shape)
    positive = ops.cast(ops.not_equal(y_true, 0), dtype)
    if not multi_label:
        positive = ops.reshape(positive, (-1,))
        weights = ops.reshape(weights, (-1,))
        y_pred = ops.reshape(y_pred, (-1,))
    # A zero weight (padding) must give exactly 0, whatever the prediction holds.
    true_w = ops.where(weights != 0, positive * weights, 0.0)
    false_w = ops.where(weights != 0, (1.0 - positive) * weights, 0.0)
    n = len(thresholds)

    if evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        pred = ops.clip(ops.where(weights != 0, y_pred, 0.0), 0.0, 1.0)
        bucket = ops.ceil(pred * (n - 1)) - 1.0
        if with_epsilon:
            bucket = ops.maximum(bucket, 0.0)
        # Bucket -1 (a score of exactly 0 with a threshold at 0) is below every
        # threshold: it counts nowhere.
        valid = bucket >= 0
        bucket = ops.cast(ops.maximum(bucket, 0.0), "int32")
        tw = ops.where(valid, true_w, 0.0)
        fw = ops.where(valid, false_w, 0.0)
        if multi_label:
            labels = y_pred.shape[-1]
            offsets = ops.arange(labels, dtype="int32") * n
            ids = ops.reshape(bucket + offsets, (-1,))
            tp_b = ops.segment_sum(ops.reshape(tw, (-1,)), ids, num_segments=n * labels)
            fp_b = ops.segment_sum(ops.reshape(fw, (-1,)), ids, num_segments=n * labels)
            tp_b = ops.transpose(ops.reshape(tp_b, (labels, n)))
            fp_b = ops.transpose(ops.reshape(fp_b, (labels, n)))
        else:
            tp_b = ops.segment_sum(tw, bucket, num_segments=n)
            fp_b = ops.segment_sum(fw, bucket, num_segments=n)
        tp = _reverse_cumsum(tp_b)
        fp = _reverse_cumsum(fp_b)
    else:
        t = ops.convert_to_tensor(np.asarray(thresholds, dtype=dtype))
        t = ops.reshape(t, (n,) + (1,) * len(y_pred.shape))
        pred_pos = ops.cast(ops.greater(ops.expand_dims(y_pred, 0), t), dtype)
        # (thresholds, entries[, labels]) summed over the entries.
        tp = ops.sum(pred_pos * ops.expand_dims(true_w, 0), axis=1)
        fp = ops.sum(pred_pos * ops.expand_dims(false_w, 0), axis=1)
    total_true = ops.sum(true_w, axis=0)
    total_false = ops.sum(false_w, axis=0)
    if multi_label:
        total_true = ops.reshape(total_true, (1, -1))
        total_false = ops.reshape(total_false, (1, -1))
    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


class _ThresholdMetric(Metric):
    """Accumulates some of TP/FP/TN/FN at fixed thresholds."""

    _keys: tuple = _KEYS

    def _setup(self, thresholds, evenly, top_k=None, class_id=None):
        self.thresholds = thresholds
        self._evenly = evenly
        self._top_k = top_k
        self._class_id = class_id

    def init(self):
        return {k: self._zeros((len(self.thresholds),)) for k in self._keys}

    def update(self, state, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight=sample_weight,
            top_k=self._top_k,
            class_id=self._class_id,
            evenly=self._evenly,
            dtype=self.dtype,
        )
        return {k: state[k] + counts[k] for k in self._keys}

    def _single(self, x):
        return x[0] if len(self.thresholds) == 1 else x
