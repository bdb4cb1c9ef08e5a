"""Intersection-over-union metrics from an accumulated confusion matrix."""

from kerasish import config, ops
from kerasish.metrics.metric import Metric
from kerasish.serialization import register_builtin


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype="float32"):
    """Weighted `(num_classes, num_classes)` matrix: rows true, columns predicted.

    Entries with an id outside `[0, num_classes)` (or of weight 0) do not count.
    """
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    predictions = ops.reshape(ops.cast(predictions, "int32"), (-1,))
    if weights is None:
        weights = ops.ones(labels.shape, dtype=dtype)
    weights = ops.cast(weights, dtype)
    in_range = ops.logical_and(
        ops.logical_and(labels >= 0, labels < num_classes),
        ops.logical_and(predictions >= 0, predictions < num_classes),
    )
    weights = ops.where(in_range, weights, 0.0)
    ids = ops.where(in_range, labels * num_classes + predictions, 0)
    flat = ops.segment_sum(weights, ids, num_segments=num_classes * num_classes)
    return ops.reshape(flat, (num_classes, num_classes))


class _IoUBase(Metric):
    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        # Keras keeps an int32 matrix; float32 here so fractional weights count.
        super().__init__(name=name, dtype=dtype)
        if (
            isinstance(num_classes, bool)
            or not isinstance(num_classes, int)
            or (num_classes < 1)
        ):
            raise ValueError(
                f"{type(self).__name__}: `num_classes` must be a positive int, "
                f"received {num_classes!r}."
            )
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis

    def init(self):
        return {"total_cm": self._zeros((self.num_classes, self.num_classes))}

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        y_true = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        y_pred = ops.reshape(ops.cast(y_pred, "int32"), (-1,))
        if sample_weight is None:
            weights = ops.ones(y_true.shape, dtype=self.dtype)
        else:
            weights = ops.convert_to_tensor(sample_weight, self.dtype)
            if len(weights.shape) > 1:
                weights = ops.reshape(weights, (-1,))
            if weights.shape and weights.shape[0] != y_true.shape[0]:
                # Per-sample weights for per-pixel labels: repeat over each sample.
                weights = ops.repeat(weights, y_true.shape[0] // weights.shape[0])
            weights = ops.broadcast_to(weights, y_true.shape)
        if self.ignore_class is not None:
            weights = ops.where(y_true == self.ignore_class, 0.0, weights)
        cm = confusion_matrix(y_true, y_pred, self.num_classes, weights, self.dtype)
        return {"total_cm": state["total_cm"] + cm}

    # The config's keys, in Keras's order for each class.
    _config_keys = (
        "name",
        "dtype",
        "num_classes",
        "ignore_class",
        "sparse_y_true",
        "sparse_y_pred",
        "axis",
    )

    def get_config(self):
        values = {**super().get_config(), **vars(self)}
        return {key: values[key] for key in self._config_keys}


@register_builtin("metrics")
class IoU(_IoUBase):
    """Mean over `target_class_ids` of `tp / (tp + fp + fn)`.

    Classes that never occur (in labels or predictions) are left out of the mean.

    Args:
        num_classes: Number of classes.
        target_class_ids: The class ids whose IoU is averaged.
        name: Defaults to "io_u".
        dtype: Dtype of the result.
        ignore_class: Optional label id left out (for example a void class).
        sparse_y_true: Whether labels are integer ids (else one-hot, argmaxed).
        sparse_y_pred: Whether predictions are integer ids (else scores, argmaxed).
        axis: The class axis for argmax. Defaults to -1.
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes:
            raise ValueError(
                f"{type(self).__name__}: target class ids {target_class_ids} are out "
                f"of range [0, {num_classes})."
            )
        self.target_class_ids = target_class_ids

    def compute(self, state):
        cm = state["total_cm"]
        sum_over_row = ops.sum(cm, axis=0)
        sum_over_col = ops.sum(cm, axis=1)
        tp = ops.diagonal(cm)
        denominator = sum_over_row + sum_over_col - tp
        ids = ops.convert_to_tensor(self.target_class_ids, "int32")
        tp = ops.cast(ops.take(tp, ids), "float32")
        denominator = ops.cast(ops.take(denominator, ids), "float32")
        valid = denominator > 1e-9
        iou = ops.where(valid, tp / (denominator + config.epsilon()), 0.0)
        num_valid = ops.sum(ops.cast(valid, "float32"))
        return ops.sum(iou) / (num_valid + config.epsilon())

    _config_keys = (
        "name",
        "dtype",
        "num_classes",
        "target_class_ids",
        "ignore_class",
        "sparse_y_true",
        "sparse_y_pred",
        "axis",
    )


@register_builtin("metrics")
class MeanIoU(IoU):
    """Mean intersection-over-union over all classes (semantic segmentation).

    Args:
        num_classes: Number of classes.
        name: Defaults to "mean_io_u".
        dtype: Dtype of the result.
        ignore_class: Optional label id left out.
        sparse_y_true: Whether labels are integer ids.
        sparse_y_pred: Whether predictions are integer ids.
        axis: The class axis for argmax.

    Example:
    >>> m = kerasish.metrics.MeanIoU(num_classes=2)
    >>> round(float(m([0, 0, 1, 1], [0, 1, 0, 1])), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        if (
            isinstance(num_classes, bool)
            or not isinstance(num_classes, int)
            or (num_classes < 1)
        ):
            raise ValueError(
                f"MeanIoU: `num_classes` must be a positive int, received "
                f"{num_classes!r}."
            )
        super().__init__(
            num_classes,
            list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    _config_keys = (
        "num_classes",
        "name",
        "dtype",
        "ignore_class",
        "sparse_y_true",
        "sparse_y_pred",
        "axis",
    )


@register_builtin("metrics")
class BinaryIoU(IoU):
    """IoU of binary predictions thresholded at `threshold` (`y_pred >= threshold`).

    Args:
        target_class_ids: Which of (0, 1) to average. Defaults to both.
        threshold: Scores at or above it predict class 1. Defaults to 0.5.
        name: Defaults to "binary_io_u".
        dtype: Dtype of the result.
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(ops.convert_to_tensor(y_pred) >= self.threshold, "int32")
        return super().update(state, y_true, y_pred, sample_weight)

    _config_keys = ("target_class_ids", "threshold", "name", "dtype")


@register_builtin("metrics")
class OneHotIoU(IoU):
    """`IoU` for one-hot labels (and, by default, score predictions).

    Args:
        num_classes: Number of classes.
        target_class_ids: The class ids whose IoU is averaged.
        name: Defaults to "one_hot_io_u".
        dtype: Dtype of the result.
        ignore_class: Optional label id left out.
        sparse_y_pred: Whether predictions are integer ids. Defaults to False.
        axis: The class axis. Defaults to -1.
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    _config_keys = (
        "num_classes",
        "target_class_ids",
        "name",
        "dtype",
        "ignore_class",
        "sparse_y_pred",
        "axis",
    )


@register_builtin("metrics")
class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels (and, by default, score predictions).

    Args:
        num_classes: Number of classes.
        name: Defaults to "one_hot_mean_io_u".
        dtype: Dtype of the result.
        ignore_class: Optional label id left out.
        sparse_y_pred: Whether predictions are integer ids. Defaults to False.
        axis: The class axis. Defaults to -1.
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    _config_keys = (
        "num_classes",
        "name",
        "dtype",
        "ignore_class",
        "sparse_y_pred",
        "axis",
    )
