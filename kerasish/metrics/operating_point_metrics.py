"""Metrics at a fixed operating point: SensitivityAtSpecificity,
SpecificityAtSensitivity, PrecisionAtRecall and RecallAtPrecision.

Each accumulates TP/FP/TN/FN at many thresholds (`confusion_counts`) and reads the
best value of one rate where the other reaches its target, as Keras 3 does.
"""

from kerasish import ops
from kerasish.losses.loss import divide_no_nan
from kerasish.metrics.threshold_counts import _ThresholdMetric
from kerasish.serialization import register_builtin


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
