"""`UnitNormalization`: scales each example to unit L2 norm over `axis`."""

from kerasish import ops
from kerasish.layers.layer import Layer
from kerasish.layers.normalization._axes import check_axis_arg, resolve_axes
from kerasish.serialization import register_builtin


@register_builtin("layers")
class UnitNormalization(Layer):
    """Divides each example by its L2 norm over `axis`:
    `y = x / max(sqrt(sum(x**2, axis)), 1e-12)` (computed as `x * min(1 /
    sqrt(sum(x**2)), 1e12)`, as Keras does). No weights.

    Args:
        axis: Int or list/tuple of ints, the axes the norm is taken over.
            Defaults to `-1`.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> kerasish.layers.UnitNormalization()(np.array([[3.0, 4.0]]))
    Array([[0.6, 0.8]], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = check_axis_arg("UnitNormalization", axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        axes = resolve_axes(self.name, "UnitNormalization", self.axis, inputs.shape)
        x = inputs
        if "float" not in str(x.dtype):
            x = ops.cast(x, self.compute_dtype)
        square_sum = ops.sum(ops.square(x), axis=tuple(axes), keepdims=True)
        inv_norm = ops.minimum(1.0 / ops.sqrt(square_sum), 1.0 / 1e-12)
        return x * inv_norm

    def compute_output_shape(self, input_shape):
        resolve_axes(self.name, "UnitNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
