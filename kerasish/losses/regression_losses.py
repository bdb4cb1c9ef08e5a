"""Regression losses: mean errors, cosine similarity, Huber and log-cosh.

Each function returns one value per sample (the last axis reduced); each class wraps
its function for weighting and reduction. Formulas and epsilons follow Keras 3.
"""

from kerasish import config, ops
from kerasish.losses.loss import register_shape_kind, squeeze_or_expand_to_same_rank
from kerasish.losses.loss_wrapper import _CatalogueLoss, _pair, _simple
from kerasish.serialization import register_builtin


def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), config.epsilon()))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), -1)`."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    eps = config.epsilon()
    first = ops.log(ops.maximum(y_pred, eps) + 1.0)
    second = ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """`-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`: -1 is best."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    y_pred = ops.normalize(y_pred, axis=axis)
    y_true = ops.normalize(y_true, axis=axis)
    return -ops.sum(y_true * y_pred, axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of `0.5 e^2` if `|e| <= delta` else
    `delta |e| - 0.5 delta^2`, with `e = y_pred - y_true`."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    error = y_pred - y_true
    abs_error = ops.abs(error)
    delta = ops.cast(delta, y_pred.dtype)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * ops.square(delta)
    return ops.mean(ops.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """Mean of `log(cosh(y_pred - y_true))`, computed as `x + softplus(-2x) - log 2`
    so that large errors do not overflow."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    x = y_pred - y_true
    log2 = ops.cast(0.6931471805599453, y_pred.dtype)
    return ops.mean(x + ops.softplus(-2.0 * x) - log2, axis=-1)


for _fn in (
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    huber,
    log_cosh,
):
    register_shape_kind(_fn, "elementwise")


@register_builtin("losses")
class MeanSquaredError(
    _simple(
        mean_squared_error,
        "mean_squared_error",
        "Mean of squares of errors between labels and predictions.",
    )
):
    """Mean of squares of errors: `mean(square(y_true - y_pred))`.

    Args:
        reduction: See `kerasish.losses.Loss`. Defaults to "sum_over_batch_size".
        name: Defaults to "mean_squared_error".
        dtype: Computation dtype. Defaults to floatx.

    Example:
    >>> float(kerasish.losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
    """


@register_builtin("losses")
class MeanAbsoluteError(
    _simple(mean_absolute_error, "mean_absolute_error", "Mean absolute error.")
):
    """Mean of absolute errors: `mean(abs(y_true - y_pred))`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "mean_absolute_error".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class MeanAbsolutePercentageError(
    _simple(
        mean_absolute_percentage_error,
        "mean_absolute_percentage_error",
        "Mean absolute percentage error.",
    )
):
    """`100 * mean(abs((y_true - y_pred) / y_true))` (denominator at least epsilon).

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "mean_absolute_percentage_error".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class MeanSquaredLogarithmicError(
    _simple(
        mean_squared_logarithmic_error,
        "mean_squared_logarithmic_error",
        "Mean squared logarithmic error.",
    )
):
    """`mean(square(log(y_true + 1) - log(y_pred + 1)))`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "mean_squared_logarithmic_error".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class LogCosh(_simple(log_cosh, "log_cosh", "Logarithm of the hyperbolic cosine.")):
    """Mean of `log(cosh(y_pred - y_true))`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "log_cosh".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class CosineSimilarity(_CatalogueLoss):
    """Negative cosine similarity along `axis`: -1 for aligned vectors.

    Args:
        axis: The axis along which the similarity is computed. Defaults to -1.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "cosine_similarity".
        dtype: Computation dtype.
    """

    # Keras leaves `axis` out of the config; kept here so a round trip is exact.
    _config_keys = ("axis",)

    def __init__(
        self,
        axis=-1,
        reduction="sum_over_batch_size",
        name="cosine_similarity",
        dtype=None,
    ):
        super().__init__(
            cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis
        )
        self.axis = axis


@register_builtin("losses")
class Huber(_CatalogueLoss):
    """Quadratic for errors up to `delta`, linear beyond.

    Args:
        delta: The point where the loss changes from quadratic to linear.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "huber_loss".
        dtype: Computation dtype.

    Example:
    >>> float(kerasish.losses.Huber()([[0.0]], [[3.0]]))
    2.5
    """

    # Keras leaves `delta` out of the config; kept here so a round trip is exact.
    _config_keys = ("delta",)

    def __init__(
        self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None
    ):
        super().__init__(
            huber, name=name, reduction=reduction, dtype=dtype, delta=delta
        )
        self.delta = delta
