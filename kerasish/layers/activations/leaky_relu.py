"""`LeakyReLU`: ReLU with a small slope for negative inputs."""

import warnings

from kerasish import activations
from kerasish.layers.activations.relu import _non_negative
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class LeakyReLU(Layer):
    """Leaky ReLU layer: `f(x) = x` for `x >= 0`, `negative_slope * x` otherwise.

    Args:
        negative_slope: Float >= 0, the slope for negative inputs. Defaults to
            `0.3` (the layer's default; `activations.leaky_relu` uses 0.2).

    Input shape: any. Output shape: same as input.

    Example:
    >>> kerasish.layers.LeakyReLU()(np.array([-10.0, 5.0]))
    Array([-3.,  5.], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "LeakyReLU: argument `alpha` is deprecated. Use `negative_slope` "
                "instead.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.negative_slope = _non_negative(
            "LeakyReLU", "negative_slope", negative_slope
        )
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
