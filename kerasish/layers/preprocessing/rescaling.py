"""`Rescaling`: `inputs * scale + offset`."""

import numpy as np

from kerasish import config, ops
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Rescaling(Layer):
    """Rescales inputs: `outputs = inputs * scale + offset` (in the compute dtype).

    Args:
        scale: A float, or a per-channel list/array of floats.
        offset: A float, or a per-channel list/array. Defaults to `0.0`.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> kerasish.layers.Rescaling(1 / 255)(np.array([[0.0, 255.0]]))
    Array([[0., 1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("scale", scale), ("offset", offset)):
            try:
                np.asarray(value, dtype="float64")
            except (TypeError, ValueError):
                raise TypeError(
                    f"Rescaling: `{name}` must be a number or a list of numbers, "
                    f"got {value!r}."
                ) from None
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = ops.convert_to_tensor(np.asarray(self.scale), dtype)
        offset = ops.convert_to_tensor(np.asarray(self.offset), dtype)
        if scale.ndim > 0 and config.image_data_format() == "channels_first":
            # A per-channel scale of shape (C,) becomes (C, 1, 1).
            scale = ops.reshape(scale, tuple(scale.shape) + (1,) * (3 - scale.ndim))
        return ops.cast(inputs, dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
