"""Keras's loss catalogue: per-sample loss functions and their `Loss` classes.

Each function returns one value per sample (the last axis reduced); each class wraps
its function in `LossFunctionWrapper`, which adds weighting and reduction. Formulas,
epsilons and clipping follow Keras 3 so values agree to float32 tolerance.
"""

import warnings

from kerasish import config, ops
from kerasish.losses.loss import (
    Loss,
    check_shapes_for,
    register_shape_kind,
    shape_kind,
    squeeze_or_expand_to_same_rank,
)
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)

# ---------------------------------------------------------------------------
# Functions


def _pair(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    return y_true, y_pred


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


for _fn in (
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    huber,
    log_cosh,
    kl_divergence,
    poisson,
    hinge,
    squared_hinge,
):
    register_shape_kind(_fn, "elementwise")
for _fn in (binary_crossentropy, binary_focal_crossentropy):
    register_shape_kind(_fn, "binary")
for _fn in (
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
):
    register_shape_kind(_fn, "categorical")
register_shape_kind(sparse_categorical_crossentropy, "sparse")
register_shape_kind(categorical_generalized_cross_entropy, "sparse")

# Functions whose Loss/metric form also leaves some entries out of the mean.
_MASKED_FORMS = {
    sparse_categorical_crossentropy: _sparse_categorical_crossentropy_masked
}


def call_with_mask(fn, y_true, y_pred, **kwargs):
    """`fn(y_true, y_pred, **kwargs)` and the mask of entries that count (or None)."""
    masked = _MASKED_FORMS.get(fn)
    if masked is not None:
        return masked(y_true, y_pred, **kwargs)
    if isinstance(fn, Loss):
        return fn.call_with_mask(y_true, y_pred)
    return fn(y_true, y_pred, **kwargs), None


def check_loss_shapes(loss, y_true_shape, y_pred_shape):
    """Checks target and prediction shapes for `loss` (a Loss or a loss function).

    Raises a ValueError naming the loss, both shapes and the likely fix. Losses and
    functions that kerasish does not know (custom ones) are not checked.
    """
    if isinstance(loss, Loss):
        loss.check_shapes(y_true_shape, y_pred_shape)
        return
    name = getattr(loss, "__name__", type(loss).__name__)
    check_shapes_for(shape_kind(loss), f"Loss '{name}'", y_true_shape, y_pred_shape)


# ---------------------------------------------------------------------------
# Classes


@register_builtin("losses")
class LossFunctionWrapper(Loss):
    """Wraps a loss function `fn(y_true, y_pred, **kwargs)` as a `Loss`.

    Args:
        fn: The per-sample loss function.
        reduction: See `Loss`.
        name: Name of the loss (defaults to the function's name).
        dtype: See `Loss`.
        **kwargs: Passed to `fn` on each call.

    Example:
    >>> loss = kerasish.losses.LossFunctionWrapper(kerasish.losses.huber, delta=0.5)
    >>> float(loss(np.zeros((1, 1)), np.full((1, 1), 2.0)))
    0.875
    """

    def __init__(
        self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs
    ):
        if not callable(fn):
            raise TypeError(
                f"LossFunctionWrapper expects a callable `fn(y_true, y_pred)`, "
                f"received {fn!r} of type {type(fn).__name__}."
            )
        super().__init__(
            name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype
        )
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.call_with_mask(y_true, y_pred)[0]

    def call_with_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return call_with_mask(self.fn, y_true, y_pred, **self._fn_kwargs)

    def check_shapes(self, y_true_shape, y_pred_shape):
        kind = shape_kind(self.fn)
        label = f"Loss '{self.name}'"
        if type(self) is not LossFunctionWrapper:
            label += f" ({type(self).__name__})"
        check_shapes_for(kind, label, y_true_shape, y_pred_shape)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from kerasish.losses import _ALL_OBJECTS

            fn = config["fn"]
            if isinstance(fn, dict) and fn.get("class_name") == "function":
                name = fn.get("config")
                fn = _ALL_OBJECTS.get(name) or deserialize_keras_object(fn, "losses")
            elif isinstance(fn, str):
                fn = _ALL_OBJECTS.get(fn) or deserialize_keras_object(fn, "losses")
            else:
                fn = deserialize_keras_object(fn, "losses")
            config["fn"] = fn
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _CatalogueLoss(LossFunctionWrapper):
    """A catalogue loss: its config is its constructor arguments, not `fn`."""

    _config_keys: tuple = ()

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _simple(fn, default_name, doc):
    class _Simple(_CatalogueLoss):
        def __init__(
            self, reduction="sum_over_batch_size", name=default_name, dtype=None
        ):
            super().__init__(fn, name=name, reduction=reduction, dtype=dtype)

    _Simple.__doc__ = doc
    return _Simple


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


def _check_probability(owner, arg, value, low=0.0, high=1.0):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{owner}: `{arg}` must be a float, received {value!r}.")
    if not low <= value <= high:
        raise ValueError(
            f"{owner}: `{arg}` must be in [{low}, {high}], received {value!r}."
        )


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
