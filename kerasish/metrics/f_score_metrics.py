"""F-scores: `FBetaScore` and `F1Score`, per class or averaged."""

from kerasish import config, ops
from kerasish.metrics.metric import Metric
from kerasish.serialization import register_builtin


@register_builtin("metrics")
class FBetaScore(Metric):
    """F-beta score `(1 + b^2) p r / (b^2 p + r)` for multi-class or multi-label data.

    Inputs are `(batch, num_classes)`: one-hot or multi-hot labels and scores.

    Args:
        average: None (one score per class), "micro" (counts pooled over classes),
            "macro" (unweighted mean of class scores) or "weighted" (mean weighted
            by each class's number of true instances).
        beta: Weight of recall relative to precision, a float > 0. Defaults to 1.0.
        threshold: Scores above it count as positive; None (default) takes the
            highest score of each sample.
        name: Defaults to "fbeta_score".
        dtype: Dtype of the result.
    """

    _AVERAGES = (None, "micro", "macro", "weighted")

    def __init__(
        self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if average not in self._AVERAGES:
            raise ValueError(
                f"{owner}: invalid `average` {average!r}; expected one of None, "
                "'micro', 'macro', 'weighted'."
            )
        if not isinstance(beta, float):
            raise ValueError(
                f"{owner}: `beta` must be a Python float, received {beta!r} of type "
                f"{type(beta).__name__}."
            )
        if beta <= 0.0:
            raise ValueError(f"{owner}: `beta` must be > 0, received {beta!r}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    f"{owner}: `threshold` must be a Python float, received "
                    f"{threshold!r} of type {type(threshold).__name__}."
                )
            if not 0.0 < threshold <= 1.0:
                raise ValueError(
                    f"{owner}: `threshold` must satisfy 0 < threshold <= 1, received "
                    f"{threshold!r}."
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._num_classes = None
        self.built = False

    def build(self, y_true_shape, y_pred_shape):
        if (
            len(y_pred_shape) != 2
            or len(y_true_shape) != 2
            or (y_pred_shape[-1] is None or y_true_shape[-1] is None)
        ):
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs of shape (batch_size, "
                f"output_dim) with output_dim known, received y_true of shape "
                f"{tuple(y_true_shape)} and y_pred of shape {tuple(y_pred_shape)}."
            )
        self._num_classes = y_pred_shape[-1]
        self.built = True

    def init(self):
        self._require_built()
        shape = () if self.average == "micro" else (self._num_classes,)
        keys = ("true_positives", "false_positives", "false_negatives", "weights")
        return {k: self._zeros(shape) for k in keys}

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, self.dtype)
        if self.threshold is None:
            top = ops.max(y_pred, axis=-1, keepdims=True)
            y_pred = ops.logical_and(y_pred >= top, ops.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = ops.cast(y_pred, self.dtype)
        y_true = ops.cast(y_true, self.dtype)
        if sample_weight is not None:
            sample_weight = ops.convert_to_tensor(sample_weight, self.dtype)
            batch = tuple(y_true.shape[:1])
            if tuple(sample_weight.shape) not in (batch, batch + (1,)):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' takes one weight per "
                    f"sample: `sample_weight` of shape {batch} or {batch + (1,)}, "
                    f"got {tuple(sample_weight.shape)} (labels "
                    f"{tuple(y_true.shape)})."
                )
            sample_weight = ops.reshape(sample_weight, (-1, 1))

        def weighted_sum(value):
            if sample_weight is not None:
                value = ops.where(sample_weight != 0, value * sample_weight, 0.0)
            return ops.sum(value, axis=self.axis)

        return {
            "true_positives": state["true_positives"] + weighted_sum(y_pred * y_true),
            "false_positives": state["false_positives"]
            + weighted_sum(y_pred * (1.0 - y_true)),
            "false_negatives": state["false_negatives"]
            + weighted_sum((1.0 - y_pred) * y_true),
            "weights": state["weights"] + weighted_sum(y_true),
        }

    def compute(self, state):
        eps = config.epsilon()
        tp = state["true_positives"]
        precision = tp / (tp + state["false_positives"] + eps)
        recall = tp / (tp + state["false_negatives"] + eps)
        b2 = self.beta**2
        score = (1.0 + b2) * (precision * recall) / (b2 * precision + recall + eps)
        if self.average == "weighted":
            weights = state["weights"] / (ops.sum(state["weights"]) + eps)
            return ops.sum(score * weights)
        if self.average is not None:
            return ops.mean(score)
        return score

    def get_config(self):
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


@register_builtin("metrics")
class F1Score(FBetaScore):
    """F1 score `2 p r / (p + r)`: `FBetaScore` with `beta=1.0`.

    Args:
        average: None, "micro", "macro" or "weighted" (see `FBetaScore`).
        threshold: Scores above it count as positive; None takes the top score.
        name: Defaults to "f1_score".
        dtype: Dtype of the result.

    Example:
    >>> m = kerasish.metrics.F1Score(average="micro", threshold=0.5)
    >>> round(float(m([[1, 0], [0, 1]], [[0.9, 0.2], [0.6, 0.4]])), 4)
    0.5
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(
            average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype
        )

    def get_config(self):
        config_ = super().get_config()
        del config_["beta"]
        return config_
