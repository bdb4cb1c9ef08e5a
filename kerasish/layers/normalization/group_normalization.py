"""`GroupNormalization`: normalizes each example over groups of channels."""

from kerasish import constraints, initializers, ops, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.normalization._axes import check_known, is_half, resolve_axes
from kerasish.serialization import register_builtin


@register_builtin("layers")
class GroupNormalization(Layer):
    """Splits the channels (`axis`) into `groups` groups and normalizes each group
    of each example over its channels and all other non-batch axes:
    `y = gamma * (x - mean_g) / sqrt(var_g + epsilon) + beta`, with per-channel
    `gamma` and `beta`. `groups=1` is layer normalization over all features;
    `groups=-1` (one group per channel) is instance normalization.

    Args:
        groups: Positive int dividing the number of channels, or `-1`.
            Defaults to `32`.
        axis: Int, the channels axis. Defaults to `-1`.
        epsilon: Added to the variance before the square root. Defaults to `1e-3`.
        center, scale: Whether to use the learned `beta` and `gamma`.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: As in `LayerNormalization`.

    Input shape: `(batch, ..., channels, ...)`. Output shape: same as the input.

    Example:
    >>> kerasish.layers.GroupNormalization(groups=2)(np.ones((2, 5, 4))).shape
    (2, 5, 4)
    """

    def __init__(
        self,
        groups=32,
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
        if (
            isinstance(groups, bool)
            or not isinstance(groups, int)
            or (groups <= 0 and groups != -1)
        ):
            raise ValueError(
                "GroupNormalization: `groups` must be a positive int (or -1 for "
                f"instance normalization), got {groups!r}."
            )
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"GroupNormalization: `axis` must be an int, got {axis!r}.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
            raise TypeError(
                f"GroupNormalization: `epsilon` must be a float, got {epsilon!r}."
            )
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
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
        self._axis = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        (axis,) = resolve_axes(self.name, "GroupNormalization", self.axis, input_shape)
        if axis == 0:
            raise ValueError(
                f"Layer '{self.name}' (GroupNormalization): `axis` cannot be the "
                f"batch axis 0, got axis={self.axis} for input shape {input_shape}."
            )
        check_known(self.name, "GroupNormalization", [axis], input_shape)
        dim = input_shape[axis]
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups or dim % self.groups:
            raise ValueError(
                f"Layer '{self.name}' (GroupNormalization): the {dim} channels on "
                f"axis {self.axis} cannot be split into {self.groups} equal groups. "
                "Choose `groups` dividing the number of channels (input shape "
                f"{input_shape})."
            )
        self._axis = axis
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: dim})
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=(dim,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=(dim,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )

    def call(self, inputs):
        x = inputs
        if is_half(x.dtype) or "float" not in str(x.dtype):
            x = ops.cast(x, "float32")
        shape = tuple(x.shape)
        axis, groups = self._axis, self.groups
        # (batch, ..., groups, channels // groups, ...)
        grouped_shape = (
            shape[:axis] + (groups, shape[axis] // groups) + shape[axis + 1 :]
        )
        grouped = ops.reshape(x, grouped_shape)
        reduce = tuple(i for i in range(1, len(grouped_shape)) if i != axis)
        mean, variance = ops.moments(grouped, axes=reduce, keepdims=True)
        broadcast = [1] * len(grouped_shape)
        broadcast[axis], broadcast[axis + 1] = groups, shape[axis] // groups
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * ops.reshape(ops.cast(self.gamma.value, x.dtype), broadcast)
        offset = -mean * inv
        if self.beta is not None:
            offset = offset + ops.reshape(ops.cast(self.beta.value, x.dtype), broadcast)
        outputs = ops.reshape(grouped * inv + offset, shape)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.name, "GroupNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
