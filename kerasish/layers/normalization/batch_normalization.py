"""`BatchNormalization`: normalizes with batch statistics while training and with
moving averages of them at inference."""

import math

from kerasish import constraints, initializers, ops, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.normalization._axes import check_known, is_half, resolve_axes
from kerasish.serialization import register_builtin

_RENORM_KEYS = ("rmax", "rmin", "dmax")


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"BatchNormalization: `{name}` must be a float, got {value!r}.")
    return float(value)


@register_builtin("layers")
class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics (training) or moving averages
    (inference), then scales by `gamma` and shifts by `beta`.

    Training (`training=True`, and the layer is trainable):
    `y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta`, with the mean and
    (biased) variance taken over every axis but `axis`, and the moving statistics
    updated as `moving = moving * momentum + batch_statistic * (1 - momentum)`.
    Inference (`training=False`, or the layer is frozen with `trainable = False`,
    as in Keras 3): `y = gamma * (x - moving_mean) / sqrt(moving_variance +
    epsilon) + beta`; the moving statistics do not change.

    Args:
        axis: Integer, the features axis (`-1`; `1` after a channels_first conv).
        momentum: Momentum of the moving averages. Defaults to `0.99`.
        epsilon: Added to the variance before the square root. Defaults to `1e-3`.
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned `gamma`.
        beta_initializer, gamma_initializer: Defaults "zeros" and "ones".
        moving_mean_initializer, moving_variance_initializer: Defaults "zeros"
            and "ones".
        beta_regularizer, gamma_regularizer: Optional penalties.
        beta_constraint, gamma_constraint: Optional projections.
        renorm: Whether to use Batch Renormalization (adds `moving_stddev`,
            `renorm_mean`, `renorm_stddev` non-trainable weights).
        renorm_clipping: Dict with optional keys "rmax", "rmin", "dmax" clipping
            the renorm correction `r` to `[rmin, rmax]` and `d` to `[-dmax, dmax]`.
        renorm_momentum: Momentum of the renorm statistics. Defaults to `0.99`.
        synchronized: Accepted for Keras compatibility. Under a sharded (data
            parallel) step the engine already reduces the statistics over the
            global batch, so there is nothing extra to do.

    Call arguments:
        inputs: A tensor of any rank.
        training: Whether to use batch statistics and update the moving ones.
        mask: Optional boolean tensor with the shape of `inputs` minus its last
            axis; masked positions are left out of the batch statistics.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> bn = kerasish.layers.BatchNormalization()
    >>> bn(np.ones((4, 3)), training=True).shape
    (4, 3)
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"BatchNormalization: `axis` must be an int, got {axis!r}. "
                "Normalize over several axes with LayerNormalization instead."
            )
        self.axis = axis
        self.momentum = _number("momentum", momentum)
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(
                f"BatchNormalization: `momentum` must be in [0, 1], got {momentum!r}."
            )
        self.epsilon = _number("epsilon", epsilon)
        if self.epsilon < 0:
            raise ValueError(
                f"BatchNormalization: `epsilon` must be >= 0, got {epsilon!r}."
            )
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = bool(synchronized)
        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = dict(renorm_clipping or {})
            unknown = sorted(set(renorm_clipping) - set(_RENORM_KEYS))
            if unknown:
                raise ValueError(
                    f"BatchNormalization: unknown `renorm_clipping` keys {unknown}; "
                    f"valid keys are {list(_RENORM_KEYS)}."
                )
            rmax = renorm_clipping.get("rmax")
            rmin = renorm_clipping.get("rmin")
            dmax = renorm_clipping.get("dmax")
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    "BatchNormalization: `renorm_clipping` needs rmax >= rmin, got "
                    f"rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    "BatchNormalization: `renorm_clipping['dmax']` must be >= 0, "
                    f"got {dmax}."
                )
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = _number("renorm_momentum", renorm_momentum)
        self.supports_masking = True
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._axis = None
        self._reduction_axes = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        (axis,) = resolve_axes(self.name, "BatchNormalization", self.axis, input_shape)
        check_known(self.name, "BatchNormalization", [axis], input_shape)
        shape = (input_shape[axis],)
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
                autocast=False,
            )
        self.moving_mean = self.add_weight(
            name="moving_mean",
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            name="moving_variance",
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        if self.renorm:
            variance_init = self.moving_variance_initializer

            def stddev_initializer(shape, dtype=None):
                return ops.sqrt(variance_init(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(
                name="moving_stddev",
                shape=shape,
                initializer=stddev_initializer,
                trainable=False,
                autocast=False,
            )
            self.renorm_mean = self.add_weight(
                name="renorm_mean",
                shape=shape,
                initializer=self.moving_mean_initializer,
                trainable=False,
                autocast=False,
            )
            self.renorm_stddev = self.add_weight(
                name="renorm_stddev",
                shape=shape,
                initializer=stddev_initializer,
                trainable=False,
                autocast=False,
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: shape[0]})
        self._axis = axis
        self._reduction_axes = [i for i in range(len(input_shape)) if i != axis]

    # -- call --------------------------------------------------------------------
    def _broadcast(self, v, rank):
        shape = [1] * rank
        shape[self._axis] = -1
        return ops.reshape(v, shape)

    def _moments(self, inputs, mask):
        axes = self._reduction_axes
        if mask is None:
            return ops.moments(inputs, axes=axes)
        # Weighted moments over the unmasked positions; `epsilon()` in the
        # denominators keeps an all-masked batch finite (as Keras does).
        from kerasish import config

        weights = ops.cast(ops.expand_dims(mask, -1), inputs.dtype)
        weights = ops.broadcast_to(weights, inputs.shape)
        count = ops.sum(weights, axes, keepdims=True) + config.epsilon()
        mean = ops.sum(inputs * weights, axes, keepdims=True) / count
        variance = ops.sum(ops.square((inputs - mean) * weights), axes, keepdims=True)
        variance = variance / count
        return ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization): the mask must have one "
                f"axis fewer than the inputs, got mask shape {tuple(mask.shape)} "
                f"for inputs of shape {tuple(inputs.shape)}."
            )
        if is_half(inputs.dtype) or "float" not in str(inputs.dtype):
            inputs = ops.cast(inputs, "float32")
        dtype = inputs.dtype
        moving_mean = ops.cast(self.moving_mean.value, dtype)
        moving_variance = ops.cast(self.moving_variance.value, dtype)
        gamma = ops.cast(self.gamma.value, dtype) if self.scale else None
        beta = ops.cast(self.beta.value, dtype) if self.center else None
        # A frozen BatchNormalization runs in inference mode (Keras 3 semantics).
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            if self.renorm:
                gamma, beta = self._renorm_transform(mean, variance, gamma, beta)
                self._update_renorm_statistics(mean, variance)
            else:
                m = self.momentum
                self.moving_mean.assign(moving_mean * m + mean * (1.0 - m))
                self.moving_variance.assign(moving_variance * m + variance * (1.0 - m))
        else:
            mean, variance = moving_mean, moving_variance
        # y = x * inv + (beta - mean * inv), inv = gamma / sqrt(variance + epsilon)
        rank = inputs.ndim
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        offset = -mean * inv
        if beta is not None:
            offset = offset + beta
        outputs = inputs * self._broadcast(inv, rank) + self._broadcast(offset, rank)
        return ops.cast(outputs, self.compute_dtype)

    def _renorm_transform(self, mean, variance, gamma, beta):
        # Batch renormalization: normalized * r + d, with r = stddev / renorm_stddev
        # and d = (mean - renorm_mean) / renorm_stddev treated as constants.
        dtype = mean.dtype
        stddev = ops.sqrt(variance + self.epsilon)
        renorm_mean = ops.cast(self.renorm_mean.value, dtype)
        renorm_stddev = ops.maximum(
            ops.cast(self.renorm_stddev.value, dtype), math.sqrt(self.epsilon)
        )
        r = stddev / renorm_stddev
        d = (mean - renorm_mean) / renorm_stddev
        clip = self.renorm_clipping or {}
        if clip.get("rmin") is not None:
            r = ops.maximum(r, clip["rmin"])
        if clip.get("rmax") is not None:
            r = ops.minimum(r, clip["rmax"])
        if clip.get("dmax") is not None:
            d = ops.clip(d, -clip["dmax"], clip["dmax"])
        r, d = ops.stop_gradient(r), ops.stop_gradient(d)
        if gamma is not None:
            new_gamma, new_beta = r * gamma, d * gamma
        else:
            new_gamma, new_beta = r, d
        if beta is not None:
            new_beta = new_beta + beta
        return new_gamma, new_beta

    def _update_renorm_statistics(self, mean, variance):
        dtype = mean.dtype
        stddev = ops.sqrt(variance + self.epsilon)
        rm = self.renorm_momentum
        renorm_mean = ops.cast(self.renorm_mean.value, dtype)
        renorm_stddev = ops.cast(self.renorm_stddev.value, dtype)
        self.renorm_mean.assign(renorm_mean * rm + mean * (1.0 - rm))
        self.renorm_stddev.assign(renorm_stddev * rm + stddev * (1.0 - rm))
        m = self.momentum
        moving_mean = ops.cast(self.moving_mean.value, dtype)
        moving_stddev = ops.cast(self.moving_stddev.value, dtype)
        self.moving_mean.assign(moving_mean * m + mean * (1.0 - m))
        new_stddev = moving_stddev * m + stddev * (1.0 - m)
        self.moving_stddev.assign(new_stddev)
        self.moving_variance.assign(ops.relu(new_stddev * new_stddev - self.epsilon))

    def compute_output_shape(self, input_shape):
        resolve_axes(self.name, "BatchNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(
                self.moving_mean_initializer
            ),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer
            ),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
