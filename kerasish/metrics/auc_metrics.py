"""`AUC`: area under the ROC or precision-recall curve, by Riemann sum over
thresholds accumulated with `confusion_counts`."""

from enum import StrEnum

import numpy as np

from kerasish import config, ops
from kerasish.losses.loss import divide_no_nan
from kerasish.metrics.metric import Metric
from kerasish.metrics.threshold_counts import (
    _KEYS,
    confusion_counts,
    is_evenly_distributed,
    parse_thresholds,
)
from kerasish.serialization import register_builtin


class AUCCurve(StrEnum):
    """`AUC.curve`, an enum as in Keras (`auc.curve.value`); it also equals its
    string (`auc.curve == "PR"`)."""

    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"


class AUCSummationMethod(StrEnum):
    """`AUC.summation_method`, an enum as in Keras."""

    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"


_CURVES = {c.value.lower(): c for c in AUCCurve}
_SUMMATIONS = tuple(m.value for m in AUCSummationMethod)


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
        curve = getattr(curve, "value", curve)  # an AUCCurve is accepted too
        summation_method = getattr(summation_method, "value", summation_method)
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
        self.summation_method = AUCSummationMethod(str(summation_method).lower())
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
            "curve": self.curve.value,
            "summation_method": self.summation_method.value,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config_["thresholds"] = self.thresholds[1:-1]
        return config_
