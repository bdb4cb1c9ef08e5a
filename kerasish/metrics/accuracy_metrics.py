"""Accuracy metrics: exact match, binary, categorical, sparse and top-k."""

from kerasish import config, ops
from kerasish.losses.loss import squeeze_or_expand_to_same_rank
from kerasish.metrics.reduction_metrics import _CatalogueMeanMetric
from kerasish.serialization import register_builtin


def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred` exactly, else 0.0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.cast(ops.equal(y_true, y_pred), config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `(y_pred > threshold) == y_true`, else 0.0 (one value per entry)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = ops.cast(ops.greater(y_pred, threshold), y_true.dtype)
    return ops.cast(ops.equal(y_true, y_pred), config.floatx())


def _argmax_matches(labels, y_pred, labels_shape, reshape):
    y_pred = ops.argmax(y_pred, axis=-1)
    matches = ops.cast(
        ops.equal(ops.cast(labels, "int32"), ops.cast(y_pred, "int32")), config.floatx()
    )
    if reshape:
        matches = ops.reshape(matches, labels_shape)
    return matches


def categorical_accuracy(y_true, y_pred):
    """1.0 where `argmax(y_true) == argmax(y_pred)` (one-hot labels)."""
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    labels_shape = tuple(labels.shape)
    reshape = len(labels.shape) == len(y_pred.shape)
    if reshape:
        labels = ops.squeeze(labels, -1)
    return _argmax_matches(labels, y_pred, labels_shape, reshape)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals `argmax(y_pred)`."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    labels_shape = tuple(y_true.shape)
    reshape = len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1
    if reshape:
        y_true = ops.squeeze(y_true, -1)
    matches = _argmax_matches(y_true, y_pred, labels_shape, reshape)
    if len(matches.shape) > 1 and matches.shape[-1] == 1:
        matches = ops.squeeze(matches, -1)
    return matches


def _in_top_k(labels, y_pred, k):
    labels = ops.cast(labels, "int32")
    labels_shape = tuple(labels.shape)
    if len(y_pred.shape) > 2:
        y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    if len(labels.shape) > 1:
        labels = ops.reshape(labels, (-1,))
    matches = ops.cast(ops.in_top_k(labels, y_pred, k), config.floatx())
    if len(labels_shape) > 1:
        matches = ops.reshape(matches, labels_shape)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the `k` highest predictions."""
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    return _in_top_k(labels, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the `k` highest predictions.

    With `from_sorted_ids=True`, `y_pred` holds class ids sorted by score (as from
    `ops.top_k`) and a label counts if it is among the first `k`.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if not from_sorted_ids:
        return _in_top_k(y_true, y_pred, k)
    labels_shape = tuple(y_true.shape)
    if len(y_pred.shape) > 2:
        y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    labels = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1,))
    matches = ops.any(ops.equal(ops.expand_dims(labels, 1), y_pred[:, :k]), axis=1)
    matches = ops.cast(matches, config.floatx())
    if len(labels_shape) > 1:
        matches = ops.reshape(matches, labels_shape)
    return matches


@register_builtin("metrics")
class Accuracy(_CatalogueMeanMetric):
    """How often predictions equal labels exactly.

    Args:
        name: Defaults to "accuracy".
        dtype: Dtype of the result.

    Example:
    >>> float(kerasish.metrics.Accuracy()([[1], [2], [3]], [[1], [2], [0]]))
    0.6666667
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


@register_builtin("metrics")
class BinaryAccuracy(_CatalogueMeanMetric):
    """How often `y_pred > threshold` matches binary labels.

    Args:
        name: Defaults to "binary_accuracy".
        dtype: Dtype of the result.
        threshold: Predictions above it count as 1. Defaults to 0.5.

    Example:
    >>> float(kerasish.metrics.BinaryAccuracy()([[1], [0]], [[0.9], [0.7]]))
    0.5
    """

    _config_keys = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise TypeError(
                f"BinaryAccuracy: `threshold` must be a float, received {threshold!r}."
            )
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


@register_builtin("metrics")
class CategoricalAccuracy(_CatalogueMeanMetric):
    """How often `argmax(y_pred)` matches one-hot labels.

    Args:
        name: Defaults to "categorical_accuracy".
        dtype: Dtype of the result.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


@register_builtin("metrics")
class SparseCategoricalAccuracy(_CatalogueMeanMetric):
    """How often `argmax(y_pred)` matches integer labels.

    Args:
        name: Defaults to "sparse_categorical_accuracy".
        dtype: Dtype of the result.

    Example:
    >>> m = kerasish.metrics.SparseCategoricalAccuracy()
    >>> float(m([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]]))
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


def _check_k(owner, k):
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
        raise ValueError(f"{owner}: `k` must be a positive int, received {k!r}.")


@register_builtin("metrics")
class TopKCategoricalAccuracy(_CatalogueMeanMetric):
    """How often the one-hot label's class is among the `k` top predictions.

    Args:
        k: How many top predictions count. Defaults to 5.
        name: Defaults to "top_k_categorical_accuracy".
        dtype: Dtype of the result.
    """

    _config_keys = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        _check_k("TopKCategoricalAccuracy", k)
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


@register_builtin("metrics")
class SparseTopKCategoricalAccuracy(_CatalogueMeanMetric):
    """How often the integer label is among the `k` top predictions.

    Args:
        k: How many top predictions count. Defaults to 5.
        name: Defaults to "sparse_top_k_categorical_accuracy".
        dtype: Dtype of the result.
        from_sorted_ids: Whether `y_pred` holds class ids sorted by score.
    """

    def __init__(
        self,
        k=5,
        name="sparse_top_k_categorical_accuracy",
        dtype=None,
        from_sorted_ids=False,
    ):
        _check_k("SparseTopKCategoricalAccuracy", k)
        super().__init__(
            sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
