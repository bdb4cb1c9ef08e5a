"""Probabilistic losses: crossentropies (binary, categorical, sparse, focal,
generalized), KL divergence and Poisson.

Each function returns one value per sample; each class wraps its function for
weighting and reduction. Formulas, epsilons and clipping follow Keras 3 so values
agree to float32 tolerance.
"""

import warnings

from kerasish import config, ops
from kerasish.losses.loss import register_shape_kind
from kerasish.losses.loss_wrapper import (
    _CatalogueLoss,
    _check_probability,
    _pair,
    _simple,
    register_masked_form,
)
from kerasish.serialization import register_builtin


def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), -1)`, both clipped to `[epsilon, 1]`."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = config.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + config.epsilon()), axis=-1)


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(
            f"`axis` must be an int, received axis={axis!r} of type "
            f"{type(axis).__name__}."
        )


def _warn_single_class(fn_name, y_pred):
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1, received y_pred.shape="
            f"{tuple(y_pred.shape)}. With one class this loss is always 0; consider "
            "'binary_crossentropy' for two classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _smooth_categorical(y_true, label_smoothing, dtype):
    if not label_smoothing:
        return y_true
    num_classes = ops.cast(y_true.shape[-1], dtype)
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def categorical_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
):
    """`-sum(y_true * log(p), axis)` with `p = softmax(y_pred)` if `from_logits` else
    `y_pred / sum(y_pred)` clipped to `[eps, 1 - eps]`."""
    _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred)
    _warn_single_class("categorical_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, label_smoothing, y_pred.dtype)
    return ops.categorical_crossentropy(
        y_true, y_pred, from_logits=from_logits, axis=axis
    )


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """`sum(alpha * (1 - p)^gamma * -y_true * log(p), axis)`, `p` as in
    `categorical_crossentropy`."""
    _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, label_smoothing, y_pred.dtype)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    output = ops.clip(output, eps, 1.0 - eps)
    cce = -y_true * ops.log(output)
    focal = alpha * ops.power(1.0 - output, gamma) * cce
    return ops.sum(focal, axis=axis)


def _sparse_categorical_crossentropy_masked(
    y_true, y_pred, from_logits=False, ignore_class=None, axis=-1
):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    valid = None
    if ignore_class is not None:
        valid = ops.not_equal(y_true, ops.cast(ignore_class, y_true.dtype))
        y_true = ops.where(valid, y_true, ops.zeros_like(y_true))
    y_true = ops.cast(y_true, "int32")
    res = ops.sparse_categorical_crossentropy(
        y_true, y_pred, from_logits=from_logits, axis=axis
    )
    if valid is not None:
        res = ops.where(valid, res, 0.0)
    return res, valid


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits=False, ignore_class=None, axis=-1
):
    """Categorical crossentropy with integer labels `y_true` (class indices).

    Entries whose label equals `ignore_class` give 0 (and are left out of the mean
    when used through `SparseCategoricalCrossentropy`).
    """
    return _sparse_categorical_crossentropy_masked(
        y_true, y_pred, from_logits, ignore_class, axis
    )[0]


def binary_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1
):
    """Mean over `axis` of `-(y log p + (1 - y) log(1 - p))`; with `from_logits` the
    stable form `max(x, 0) - x y + log(1 + exp(-|x|))`."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(
        ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis
    )


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Mean over `axis` of `(1 - p_t)^gamma * bce`, `p_t = y p + (1 - y)(1 - p)`,
    times `alpha` / `1 - alpha` for positives / negatives with class balancing."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """`(1 - p^q) / q` with `p` the predicted probability of the integer label."""
    y_pred = ops.convert_to_tensor(y_pred)
    one_hot = ops.one_hot(
        ops.cast(ops.convert_to_tensor(y_true), "int32"),
        y_pred.shape[-1],
        dtype=y_pred.dtype,
    )
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1.0 - ops.power(p, q)) / q


for _fn in (kl_divergence, poisson):
    register_shape_kind(_fn, "elementwise")
for _fn in (binary_crossentropy, binary_focal_crossentropy):
    register_shape_kind(_fn, "binary")
for _fn in (categorical_crossentropy, categorical_focal_crossentropy):
    register_shape_kind(_fn, "categorical")
register_shape_kind(sparse_categorical_crossentropy, "sparse")
register_shape_kind(categorical_generalized_cross_entropy, "sparse")
register_masked_form(
    sparse_categorical_crossentropy, _sparse_categorical_crossentropy_masked
)


@register_builtin("losses")
class KLDivergence(_simple(kl_divergence, "kl_divergence", "KL divergence.")):
    """Kullback-Leibler divergence: `sum(y_true * log(y_true / y_pred))`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "kl_divergence".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class Poisson(_simple(poisson, "poisson", "Poisson loss.")):
    """`mean(y_pred - y_true * log(y_pred + epsilon))`.

    Args:
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "poisson".
        dtype: Computation dtype.
    """


@register_builtin("losses")
class BinaryCrossentropy(_CatalogueLoss):
    """Crossentropy between binary labels and predicted probabilities (or logits).

    Args:
        from_logits: Whether `y_pred` holds logits (unbounded) instead of
            probabilities. Logits are more stable.
        label_smoothing: In [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: The axis the mean is taken over. Defaults to -1.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "binary_crossentropy".
        dtype: Computation dtype.

    Example:
    >>> loss = kerasish.losses.BinaryCrossentropy(from_logits=True)
    >>> round(float(loss([[1.0]], [[0.0]])), 4)
    0.6931
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _check_probability("BinaryCrossentropy", "label_smoothing", label_smoothing)
        super().__init__(
            binary_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@register_builtin("losses")
class BinaryFocalCrossentropy(_CatalogueLoss):
    """Binary crossentropy down-weighting easy examples by `(1 - p_t)^gamma`.

    Args:
        apply_class_balancing: Whether to weight positives by `alpha` and negatives
            by `1 - alpha`.
        alpha: Balancing weight, in [0, 1]. Defaults to 0.25.
        gamma: Focusing parameter, >= 0. Defaults to 2.0.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In [0, 1].
        axis: The axis the mean is taken over.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "binary_focal_crossentropy".
        dtype: Computation dtype.
    """

    _config_keys = (
        "from_logits",
        "label_smoothing",
        "axis",
        "apply_class_balancing",
        "alpha",
        "gamma",
    )

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        _check_probability(
            "BinaryFocalCrossentropy", "label_smoothing", label_smoothing
        )
        super().__init__(
            binary_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


@register_builtin("losses")
class CategoricalCrossentropy(_CatalogueLoss):
    """Crossentropy between one-hot labels and predicted class probabilities.

    For integer labels use `SparseCategoricalCrossentropy`.

    Args:
        from_logits: Whether `y_pred` holds logits instead of probabilities.
        label_smoothing: In [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: The class axis. Defaults to -1.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "categorical_crossentropy".
        dtype: Computation dtype.

    Example:
    >>> loss = kerasish.losses.CategoricalCrossentropy()
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)
    0.6931
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _check_probability(
            "CategoricalCrossentropy", "label_smoothing", label_smoothing
        )
        _check_axis(axis)
        super().__init__(
            categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@register_builtin("losses")
class CategoricalFocalCrossentropy(_CatalogueLoss):
    """Categorical crossentropy down-weighting easy examples by `(1 - p)^gamma`.

    Args:
        alpha: Weighting factor. Defaults to 0.25.
        gamma: Focusing parameter. Defaults to 2.0.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In [0, 1].
        axis: The class axis.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "categorical_focal_crossentropy".
        dtype: Computation dtype.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        _check_probability(
            "CategoricalFocalCrossentropy", "label_smoothing", label_smoothing
        )
        _check_axis(axis)
        super().__init__(
            categorical_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma


@register_builtin("losses")
class SparseCategoricalCrossentropy(_CatalogueLoss):
    """Crossentropy between integer labels and predicted class probabilities.

    For one-hot labels use `CategoricalCrossentropy`.

    Args:
        from_logits: Whether `y_pred` holds logits instead of probabilities.
        ignore_class: Optional label value to ignore (for example a padding class):
            those entries count neither in the loss nor in the mean's denominator.
        reduction: See `kerasish.losses.Loss`.
        axis: The class axis. Defaults to -1.
        name: Defaults to "sparse_categorical_crossentropy".
        dtype: Computation dtype.

    Example:
    >>> loss = kerasish.losses.SparseCategoricalCrossentropy()
    >>> round(float(loss([1], [[0.5, 0.5]])), 4)
    0.6931
    """

    _config_keys = ("from_logits", "ignore_class")

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        _check_axis(axis)
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis


@register_builtin("losses")
class CategoricalGeneralizedCrossEntropy(_CatalogueLoss):
    """Generalized crossentropy `(1 - p^q) / q` with integer labels; robust to noise.

    Args:
        q: In (0, 1): near 0 it behaves like crossentropy, at 1 like MAE.
        reduction: See `kerasish.losses.Loss`.
        name: Defaults to "categorical_generalized_cross_entropy".
        dtype: Computation dtype.
    """

    _config_keys = ("q",)

    def __init__(
        self,
        q=0.5,
        reduction="sum_over_batch_size",
        name="categorical_generalized_cross_entropy",
        dtype=None,
    ):
        if isinstance(q, bool) or not isinstance(q, int | float) or not 0 < q < 1:
            raise ValueError(
                f"CategoricalGeneralizedCrossEntropy: `q` must be in the interval "
                f"(0, 1), received q={q!r}."
            )
        super().__init__(
            categorical_generalized_cross_entropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            q=q,
        )
        self.q = q
