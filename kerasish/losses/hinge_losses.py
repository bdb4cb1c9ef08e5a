"""Hinge losses: hinge, squared hinge and categorical hinge (maximum-margin).

Each function returns one value per sample; each class wraps its function for
weighting and reduction, as Keras 3's.
"""

from kerasish import ops
from kerasish.losses.loss import register_shape_kind
from kerasish.losses.loss_wrapper import _pair, _simple
from kerasish.serialization import register_builtin


def _hinge_labels(y_true):
    # Keras: labels that are all 0/1 become -1/1; other labels are used as given.
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`, 0/1 labels mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


for _fn in (hinge, squared_hinge):
    register_shape_kind(_fn, "elementwise")
register_shape_kind(categorical_hinge, "categorical")


@register_builtin("losses")
class Hinge(_simple(hinge, "hinge", "Hinge loss.")):
    """`mean(maximum(1 - y_true * y_pred, 0))`; 0/1 labels are mapped to -1/1.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "hinge".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class SquaredHinge(_simple(squared_hinge, "squared_hinge", "Squared hinge loss.")):
    """`mean(square(maximum(1 - y_true * y_pred, 0)))`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "squared_hinge".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class CategoricalHinge(
    _simple(categorical_hinge, "categorical_hinge", "Categorical hinge loss.")
):
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "categorical_hinge".
        dtype: Computation dtype.
    """
