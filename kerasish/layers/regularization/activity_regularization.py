"""`ActivityRegularization`: adds an L1/L2 penalty on its inputs to the loss."""

from kerasish import regularizers
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


def _non_negative(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(
            f"ActivityRegularization: `{name}` must be a float >= 0, got {value!r}."
        )
    return float(value)


@register_builtin("layers")
class ActivityRegularization(Layer):
    """Passes inputs through unchanged and adds the activity penalty
    `(l1 * sum(|x|) + l2 * sum(x**2)) / batch_size` to `layer.losses` (Keras 3
    divides activity penalties by the batch size); the trainer adds it to the
    training loss.

    Args:
        l1: L1 factor (float >= 0). Defaults to `0.0`.
        l2: L2 factor (float >= 0). Defaults to `0.0`.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> layer = kerasish.layers.ActivityRegularization(l1=0.1)
    >>> _ = layer(np.ones((2, 3)))
    >>> float(layer.losses[0])
    0.3
    """

    _built_at_init = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        l1 = _non_negative("l1", l1)
        l2 = _non_negative("l2", l2)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
