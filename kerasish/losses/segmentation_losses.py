"""Overlap losses for segmentation: Dice and Tversky (soft counts over `axis`)."""

from kerasish import config, ops
from kerasish.losses.loss_wrapper import _CatalogueLoss, _pair
from kerasish.serialization import register_builtin


def dice(y_true, y_pred, axis=None):
    """`1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred) + epsilon)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    denominator = (
        ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + config.epsilon()
    )
    return 1.0 - 2.0 * intersection / denominator


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """`1 - tp / (tp + alpha fp + beta fn + epsilon)` with soft counts."""
    y_true, y_pred = _pair(y_true, y_pred)
    tp = ops.sum(y_true * y_pred, axis=axis)
    fp = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - tp / (tp + fp * alpha + fn * beta + config.epsilon())


@register_builtin("losses")
class Dice(_CatalogueLoss):
    """Dice loss: `1 - 2 |y_true * y_pred| / (|y_true| + |y_pred|)`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "dice".
        axis: Axes the sums run over; `None` (default) sums over everything.
        dtype: Computation dtype.
    """

    _config_keys = ("axis",)

    def __init__(
        self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None
    ):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


@register_builtin("losses")
class Tversky(_CatalogueLoss):
    """Tversky loss: Dice with false positives and negatives weighted by alpha, beta.

    Args:
        alpha: Weight of false positives. Defaults to 0.5.
        beta: Weight of false negatives. Defaults to 0.5.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "tversky".
        axis: Axes the sums run over; `None` sums over everything.
        dtype: Computation dtype.
    """

    _config_keys = ("alpha", "beta", "axis")

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(
            tversky,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            axis=axis,
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis
