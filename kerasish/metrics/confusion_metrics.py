"""Threshold metrics: TP/FP/TN/FN counts, Precision and Recall.

Built on `confusion_counts` (`metrics/threshold_counts.py`): a prediction is
positive at threshold `t` when `y_pred > t`; a label is positive when nonzero; each
entry counts with its sample weight. The `...AtRecall`-style metrics are in
`operating_point_metrics.py`, AUC in `auc_metrics.py`.
"""

from kerasish.losses.loss import divide_no_nan
from kerasish.metrics.threshold_counts import (
    NEG_INF,
    _ThresholdMetric,
    is_evenly_distributed,
    parse_thresholds,
)
from kerasish.serialization import register_builtin


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
