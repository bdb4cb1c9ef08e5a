"""`Flatten`: collapses all axes but the batch axis."""

import math

from kerasish import config, ops
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Flatten(Layer):
    """Flattens each sample to one axis: `(batch, d1, d2, ...) -> (batch, d1*d2*...)`.

    Args:
        data_format: "channels_last" (default) or "channels_first"; with
            channels_first the channel axis is moved last before flattening, so
            weights stay compatible across layouts, as in Keras.

    Example:
    >>> kerasish.layers.Flatten()(np.ones((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.moveaxis(inputs, 1, -1)
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
