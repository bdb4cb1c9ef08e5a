"""`Activation`: applies an activation function."""

from kerasish import activations
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Activation(Layer):
    """Applies `activation` elementwise.

    Args:
        activation: Activation name (e.g. "relu") or callable.

    Input shape: any. Output shape: same as input.

    Example:
    >>> kerasish.layers.Activation("relu")(np.array([-1.0, 2.0]))
    Array([0., 2.], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "activation": activations.serialize(self.activation),
        }
