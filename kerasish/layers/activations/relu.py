"""`ReLU`: rectified linear unit with optional ceiling, leak and threshold."""

from kerasish import activations
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


def _non_negative(layer, name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(
            f"{layer}: `{name}` must be a number >= 0"
            f"{' or None' if allow_none else ''}. Received: {name}={value!r}"
        )
    return value


@register_builtin("layers")
class ReLU(Layer):
    """Rectified Linear Unit layer.

    `f(x) = max_value` if `x >= max_value`; `x` if `threshold <= x < max_value`;
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: Float >= 0, the ceiling of the output; `None` means unlimited.
        negative_slope: Float >= 0, slope below `threshold`. Defaults to `0.0`.
        threshold: Float >= 0, where the unit turns on. Defaults to `0.0`.

    Input shape: any. Output shape: same as input.

    Example:
    >>> kerasish.layers.ReLU(max_value=6.0)(np.array([-1.0, 2.0, 9.0]))
    Array([0., 2., 6.], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value, True)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
