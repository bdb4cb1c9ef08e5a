"""`Softmax`: softmax over one or more axes, with an optional mask."""

from kerasish import activations, ops
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


def _large_negative_number(dtype):
    return -3e4 if str(dtype) == "float16" else -1e9


@register_builtin("layers")
class Softmax(Layer):
    """Softmax layer: `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`.

    With a `mask` (1 keeps, 0 masks; broadcastable to the inputs), masked
    positions enter the softmax as -1e9 (-3e4 in float16) and come out as 0.

    Args:
        axis: Int or list of ints, the axes normalized over. Defaults to -1.

    Input shape: any. Output shape: same as input.

    Example:
    >>> kerasish.layers.Softmax()(np.array([1.0, 2.0, 1.0]))
    Array([0.21194157, 0.5761169 , 0.21194157], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask_shape, input_shape = tuple(mask.shape), tuple(inputs.shape)
            broadcastable = len(mask_shape) <= len(input_shape) and all(
                m is None or i is None or m in (1, i)
                for m, i in zip(mask_shape[::-1], input_shape[::-1])
            )
            if not broadcastable:
                raise ValueError(
                    f"Layer '{self.name}' (Softmax): the `mask` must be "
                    "broadcastable to `inputs` (each mask dimension 1 or equal "
                    f"to the input's, and no more dimensions). Received: "
                    f"inputs.shape={input_shape}, mask.shape={mask_shape}"
                )
            if str(mask.dtype) != "bool":
                mask = ops.greater(mask, ops.cast(0.5, mask.dtype))
            inputs = ops.where(mask, inputs, _large_negative_number(inputs.dtype))
        if isinstance(self.axis, list | tuple) and len(self.axis) > 1:
            outputs = ops.exp(
                inputs - ops.logsumexp(inputs, axis=self.axis, keepdims=True)
            )
        elif isinstance(self.axis, list | tuple):
            outputs = activations.softmax(inputs, axis=self.axis[0])
        else:
            outputs = activations.softmax(inputs, axis=self.axis)
        if mask is not None:
            outputs = ops.where(mask, outputs, 0.0)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
