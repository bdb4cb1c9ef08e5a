"""`ELU`: exponential linear unit."""

from kerasish import activations
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class ELU(Layer):
    """Exponential Linear Unit layer.

    `f(x) = alpha * (exp(x) - 1)` for `x < 0`, `f(x) = x` for `x >= 0`.

    Args:
        alpha: Float, the scale of the negative section. Defaults to `1.0`.

    Input shape: any. Output shape: same as input.

    Example:
    >>> kerasish.layers.ELU()(np.array([0.0, 2.0]))
    Array([0., 2.], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, int | float):
            raise TypeError(f"ELU: `alpha` must be a number, got {alpha!r}.")
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        # Keras's order (its config comes from the constructor's arguments).
        return {"name": self.name, "alpha": self.alpha, **super().get_config()}
