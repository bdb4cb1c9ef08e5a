"""Threshold metrics: TP/FP/TN/FN counts, Precision, Recall, AUC and friends.

All share `confusion_counts`: a prediction is positive at threshold `t` when
`y_pred > t`; a label is positive when nonzero; each entry counts with its sample
weight (so padded rows, of weight 0, never count). Evenly spaced thresholds (AUC's)
use Keras's bucket algorithm, `O(n + thresholds)` instead of `O(n * thresholds)`.
"""

import numpy as np

from kerasish import config, ops
from kerasish.losses.loss import (
    _expand_trailing,
    divide_no_nan,
    squeeze_or_expand_to_same_rank,
)
from kerasish.metrics.metric import Metric
from kerasish.serialization import register_builtin

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


class _ConfusionMatrixConditionCount(_ThresholdMetric):
    _key = "tp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        values = parse_thresholds(type(self).__name__, thresholds, 0.5)
        self._setup(values, is_evenly_distributed(values))
        self._keys = (self._key,)
        self._variable_names = {self._key: "accumulator"}  # Keras's name

    def compute(self, state):
        return self._single(state[self._key])

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@register_builtin("metrics")
class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives (`y_pred > threshold` and label nonzero).

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5; with a
            list the result has one count per threshold.
        name: Defaults to "true_positives".
        dtype: Dtype of the result.

    Example:
    >>> float(kerasish.metrics.TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]))
    2.0
    """

    _key = "tp"


@register_builtin("metrics")
class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives.

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5.
        name: Defaults to "false_positives".
        dtype: Dtype of the result.
    """

    _key = "fp"


@register_builtin("metrics")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives.

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5.
        name: Defaults to "true_negatives".
        dtype: Dtype of the result.
    """

    _key = "tn"


@register_builtin("metrics")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives.

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5.
        name: Defaults to "false_negatives".
        dtype: Dtype of the result.
    """

    _key = "fn"


class _PrecisionRecall(_ThresholdMetric):
    def __init__(
        self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if top_k is not None and (
            isinstance(top_k, bool) or not isinstance(top_k, int) or top_k <= 0
        ):
            raise ValueError(
                f"{owner}: `top_k` must be a positive int, received {top_k!r}."
            )
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        values = (
            [default]
            if thresholds is None
            else parse_thresholds(owner, thresholds, 0.5)
        )
        self._setup(values, is_evenly_distributed(values), top_k, class_id)

    def get_config(self):
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


@register_builtin("metrics")
class Precision(_PrecisionRecall):
    """Precision `tp / (tp + fp)` of binary (or per-class) predictions.

    Args:
        thresholds: A float or list of floats in [0, 1]: `y_pred > t` is a positive
            prediction. Defaults to 0.5 (or "the top k" when `top_k` is set).
        top_k: Only the `k` highest scores of each sample count as positive.
        class_id: Only this class (last-axis index) is scored.
        name: Defaults to "precision".
        dtype: Dtype of the result.

    Example:
    >>> float(kerasish.metrics.Precision()([0, 1, 1, 1], [1, 0, 1, 1]))
    0.6666667
    """

    _keys = ("tp", "fp")

    def compute(self, state):
        return self._single(divide_no_nan(state["tp"], state["tp"] + state["fp"]))


@register_builtin("metrics")
class Recall(_PrecisionRecall):
    """Recall `tp / (tp + fn)` of binary (or per-class) predictions.

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5.
        top_k: Only the `k` highest scores of each sample count as positive.
        class_id: Only this class (last-axis index) is scored.
        name: Defaults to "recall".
        dtype: Dtype of the result.

    Example:
    >>> float(kerasish.metrics.Recall()([0, 1, 1, 1], [1, 0, 1, 1]))
    0.6666667
    """

    _keys = ("tp", "fn")

    def compute(self, state):
        return self._single(divide_no_nan(state["tp"], state["tp"] + state["fn"]))


class SensitivitySpecificityBase(_ThresholdMetric):
    """Shared machinery of the "X at Y" metrics (num_thresholds evenly spaced)."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if (
            isinstance(num_thresholds, bool)
            or not isinstance(num_thresholds, int)
            or (num_thresholds <= 0)
        ):
            raise ValueError(
                f"{owner}: `num_thresholds` must be an int > 0, received "
                f"{num_thresholds!r}."
            )
        self.value = value
        self.class_id = class_id
        self.num_thresholds = num_thresholds
        if num_thresholds == 1:
            values, evenly = [0.5], False
        else:
            values = [0.0]
            values += [
                (i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)
            ]
            values += [1.0]
            evenly = True
        self._setup(values, evenly, None, class_id)

    def _max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        return ops.maximum(ops.max(ops.where(feasible, dependent, 0.0)), 0.0)

    def get_config(self):
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
        }


def _check_unit(owner, arg, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0 <= value <= 1)
    ):
        raise ValueError(f"{owner}: `{arg}` must be in [0, 1], received {value!r}.")


def _rate(a, b):
    return divide_no_nan(a, a + b)


@register_builtin("metrics")
class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Best sensitivity (recall) over thresholds where specificity >= `specificity`.

    Args:
        specificity: In [0, 1].
        num_thresholds: Number of evenly spaced thresholds. Defaults to 200.
        class_id: Optional class to score.
        name: Defaults to "sensitivity_at_specificity".
        dtype: Dtype of the result.
    """

    def __init__(
        self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        _check_unit("SensitivityAtSpecificity", "specificity", specificity)
        self.specificity = specificity
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def compute(self, state):
        sens = _rate(state["tp"], state["fn"])
        spec = _rate(state["tn"], state["fp"])
        return self._max_under_constraint(spec, sens)

    def get_config(self):
        return {**super().get_config(), "specificity": self.specificity}


@register_builtin("metrics")
class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Best specificity over thresholds where sensitivity >= `sensitivity`.

    Args:
        sensitivity: In [0, 1].
        num_thresholds: Number of evenly spaced thresholds. Defaults to 200.
        class_id: Optional class to score.
        name: Defaults to "specificity_at_sensitivity".
        dtype: Dtype of the result.
    """

    def __init__(
        self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        _check_unit("SpecificityAtSensitivity", "sensitivity", sensitivity)
        self.sensitivity = sensitivity
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def compute(self, state):
        sens = _rate(state["tp"], state["fn"])
        spec = _rate(state["tn"], state["fp"])
        return self._max_under_constraint(sens, spec)

    def get_config(self):
        return {**super().get_config(), "sensitivity": self.sensitivity}


@register_builtin("metrics")
class PrecisionAtRecall(SensitivitySpecificityBase):
    """Best precision over thresholds where recall >= `recall`.

    Args:
        recall: In [0, 1].
        num_thresholds: Number of evenly spaced thresholds. Defaults to 200.
        class_id: Optional class to score.
        name: Defaults to "precision_at_recall".
        dtype: Dtype of the result.
    """

    def __init__(
        self, recall, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        _check_unit("PrecisionAtRecall", "recall", recall)
        self.recall = recall
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def compute(self, state):
        recalls = _rate(state["tp"], state["fn"])
        precisions = _rate(state["tp"], state["fp"])
        return self._max_under_constraint(recalls, precisions)

    def get_config(self):
        return {**super().get_config(), "recall": self.recall}


@register_builtin("metrics")
class RecallAtPrecision(SensitivitySpecificityBase):
    """Best recall over thresholds where precision >= `precision`.

    Args:
        precision: In [0, 1].
        num_thresholds: Number of evenly spaced thresholds. Defaults to 200.
        class_id: Optional class to score.
        name: Defaults to "recall_at_precision".
        dtype: Dtype of the result.
    """

    def __init__(
        self, precision, num_thresholds=200, class_id=None, name=None, dtype=None
    ):
        _check_unit("RecallAtPrecision", "precision", precision)
        self.precision = precision
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def compute(self, state):
        recalls = _rate(state["tp"], state["fn"])
        precisions = _rate(state["tp"], state["fp"])
        return self._max_under_constraint(precisions, recalls)

    def get_config(self):
        return {**super().get_config(), "precision": self.precision}


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


@register_builtin("metrics")
class AUC(Metric):
    """Area under the ROC or precision-recall curve, by Riemann sum over thresholds.

    Args:
        num_thresholds: Number of thresholds (> 1) to discretize the curve with.
            Defaults to 200.
        curve: "ROC" (default), "PR" or "PRGAIN".
        summation_method: "interpolation" (default; for PR, Davis & Goadrich's
            interpolation), "majoring" or "minoring".
        name: Defaults to "auc".
        dtype: Dtype of the result.
        thresholds: Optional explicit thresholds in [0, 1]; overrides
            `num_thresholds` (0 - epsilon and 1 + epsilon are added).
        multi_label: Whether each label (last axis) gets its own curve, the AUCs
            then averaged (weighted by `label_weights`).
        num_labels: Number of labels with `multi_label` (otherwise found from the
            first batch).
        label_weights: Optional per-label weights.
        from_logits: Whether `y_pred` holds logits (a sigmoid is applied).

    Example:
    >>> float(kerasish.metrics.AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
    0.75
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name=name, dtype=dtype)
        if str(curve).lower() not in _CURVES:
            raise ValueError(
                f"AUC: invalid `curve` {curve!r}; expected one of 'ROC', 'PR', "
                "'PRGAIN'."
            )
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f"AUC: invalid `summation_method` {summation_method!r}; expected "
                f"one of {', '.join(repr(s) for s in _SUMMATIONS)}."
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_thresholds("AUC", thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
            self._evenly = is_evenly_distributed(np.array([0.0] + inner + [1.0]))
        else:
            if (
                isinstance(num_thresholds, bool)
                or not isinstance(num_thresholds, int)
                or (num_thresholds <= 1)
            ):
                raise ValueError(
                    f"AUC: `num_thresholds` must be an int > 1, received "
                    f"{num_thresholds!r}."
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = config.epsilon()
        self._thresholds = [0.0 - eps] + list(inner) + [1.0 + eps]
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else list(label_weights)
        self._from_logits = from_logits
        self._num_labels = None
        if multi_label:
            self.built = False
            if num_labels:
                self.build(None, (None, num_labels))
        elif num_labels:
            raise ValueError(
                "AUC: `num_labels` is needed only when `multi_label` is True."
            )

    @property
    def thresholds(self):
        return list(self._thresholds)

    def build(self, y_true_shape, y_pred_shape):
        if self.multi_label:
            if len(y_pred_shape) != 2 or y_pred_shape[-1] is None:
                raise ValueError(
                    f"AUC with multi_label=True expects y_pred of rank 2 (batch, "
                    f"num_labels), received shape {tuple(y_pred_shape)}."
                )
            self._num_labels = y_pred_shape[-1]
        self.built = True

    def init(self):
        self._require_built()
        shape = (self.num_thresholds,)
        if self.multi_label:
            shape += (self._num_labels,)
        return {k: self._zeros(shape) for k in _KEYS}

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred)
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        counts = confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            evenly=self._evenly,
            dtype=self.dtype,
        )
        return {k: state[k] + counts[k] for k in _KEYS}

    def _aggregate(self, per_threshold):
        if not self.multi_label:
            return ops.sum(per_threshold)
        by_label = ops.sum(per_threshold, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        lw = ops.convert_to_tensor(np.asarray(self.label_weights), self.dtype)
        return divide_no_nan(ops.sum(by_label * lw), ops.sum(lw))

    def _interpolate_pr_auc(self, s):
        # Davis & Goadrich (2006): precision interpolated between thresholds.
        tp, fp, fn = s["tp"], s["fp"], s["fn"]
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = tp[1:] - slope * p[1:]
        both = ops.logical_and(p[:-1] > 0, p[1:] > 0)
        ratio = ops.where(
            both, divide_no_nan(p[:-1], ops.maximum(p[1:], 0.0)), ops.ones_like(p[1:])
        )
        increment = divide_no_nan(
            slope * (dtp + intercept * ops.log(ratio)),
            ops.maximum(tp[1:] + fn[1:], 0.0),
        )
        return self._aggregate(increment)

    def compute(self, state):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc(state)
        tp, fp, tn, fn = (state[k] for k in _KEYS)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            recall_gain = ops.maximum(ops.where(tp == 0, 0.0, recall_gain), 0.0)
            precision_gain = ops.where(tp == 0, 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[:-1], y[1:])
        else:
            heights = ops.maximum(y[:-1], y[1:])
        return self._aggregate((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config_ = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config_["thresholds"] = self.thresholds[1:-1]
        return config_
