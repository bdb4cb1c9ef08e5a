"""`RMSNormalization`: divides by the root mean square over `axis`."""

from kerasish import ops
from kerasish.layers.layer import Layer
from kerasish.layers.normalization._axes import (
    check_axis_arg,
    check_known,
    is_half,
    resolve_axes,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RMSNormalization(Layer):
    """Root-mean-square normalization with a learned per-feature `scale`:
    `y = scale * x / sqrt(mean(x**2, axis) + epsilon)` (no centering, no offset).

    Args:
        axis: Int or list/tuple of ints, the axes to normalize. Defaults to `-1`.
        epsilon: Added to the mean square before the square root. Defaults to
            `1e-6`.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> kerasish.layers.RMSNormalization()(np.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = check_axis_arg("RMSNormalization", axis)
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
            raise TypeError(
                f"RMSNormalization: `epsilon` must be a float, got {epsilon!r}."
            )
        if epsilon < 0:
            raise ValueError(
                f"RMSNormalization: `epsilon` must be >= 0, got {epsilon!r}."
            )
        self.epsilon = epsilon
        self._axes = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axes = resolve_axes(self.name, "RMSNormalization", self.axis, input_shape)
        check_known(self.name, "RMSNormalization", axes, input_shape)
        self._axes = axes
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self.scale = self.add_weight(
            name="scale", shape=tuple(input_shape[a] for a in axes), initializer="ones"
        )

    def call(self, x):
        if is_half(x.dtype) or "float" not in str(x.dtype):
            x = ops.cast(x, "float32")
        broadcast = [1] * x.ndim
        for a in self._axes:
            broadcast[a] = x.shape[a]
        mean_square = ops.mean(ops.square(x), axis=tuple(self._axes), keepdims=True)
        outputs = x / ops.sqrt(mean_square + self.epsilon)
        outputs = outputs * ops.reshape(ops.cast(self.scale.value, x.dtype), broadcast)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.name, "RMSNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
