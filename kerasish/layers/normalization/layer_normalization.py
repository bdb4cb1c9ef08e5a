"""`LayerNormalization`: normalizes each example over its feature axes."""

import warnings

from kerasish import constraints, initializers, ops, regularizers
from kerasish.layers.layer import Layer
from kerasish.layers.normalization._axes import (
    check_axis_arg,
    check_known,
    is_half,
    resolve_axes,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class LayerNormalization(Layer):
    """Normalizes each example over `axis`, then scales by `gamma` and shifts by
    `beta`, both shaped like the normalized axes:
    `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`, with the mean and the
    biased variance taken over `axis` for every example separately.

    Args:
        axis: Int or list/tuple of ints, the axes to normalize. Defaults to `-1`.
        epsilon: Added to the variance before the square root. Defaults to `1e-3`.
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned `gamma`.
        rms_scaling: Deprecated in Keras (and kept for compatibility): if True,
            `y = gamma * x / sqrt(var + epsilon)` (no centering, no `beta`). Use
            `RMSNormalization` for true root-mean-square normalization.
        beta_initializer, gamma_initializer: Defaults "zeros" and "ones".
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> kerasish.layers.LayerNormalization()(np.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn(
                "LayerNormalization: `rms_scaling=True` is deprecated in Keras: it "
                "scales by the variance, not the root mean square. Use "
                "`RMSNormalization` for RMS normalization.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = check_axis_arg("LayerNormalization", axis)
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
            raise TypeError(
                f"LayerNormalization: `epsilon` must be a float, got {epsilon!r}."
            )
        if epsilon < 0:
            raise ValueError(
                f"LayerNormalization: `epsilon` must be >= 0, got {epsilon!r}."
            )
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self.gamma = None
        self.beta = None
        self._axes = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axes = resolve_axes(self.name, "LayerNormalization", self.axis, input_shape)
        check_known(self.name, "LayerNormalization", axes, input_shape)
        self._axes = axes
        # Keras stores the axis as a sorted list once built.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in axes)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
                autocast=False,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
                autocast=False,
            )

    def call(self, inputs):
        x = inputs
        if is_half(x.dtype) or "float" not in str(x.dtype):
            x = ops.cast(x, "float32")
        rank = x.ndim
        axes = self._axes
        broadcast = [1] * rank
        for a in axes:
            broadcast[a] = x.shape[a]

        def weight(v):
            return (
                None
                if v is None
                else ops.reshape(ops.cast(v.value, x.dtype), broadcast)
            )

        gamma, beta = weight(self.gamma), weight(self.beta)
        if self.rms_scaling:
            variance = ops.var(x, axis=axes, keepdims=True)
            outputs = x / ops.sqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma
        else:
            mean, variance = ops.moments(x, axes=axes, keepdims=True)
            inv = 1.0 / ops.sqrt(variance + self.epsilon)
            if gamma is not None:
                inv = inv * gamma
            offset = -mean * inv
            if beta is not None:
                offset = offset + beta
            outputs = x * inv + offset
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.name, "LayerNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
