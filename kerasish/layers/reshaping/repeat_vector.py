"""`RepeatVector`: repeats each sample's vector `n` times along a new axis."""

from kerasish import ops
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RepeatVector(Layer):
    """Repeats the input `n` times: `(batch, features) -> (batch, n, features)`.

    Args:
        n: Positive int, the number of repetitions.

    Example:
    >>> kerasish.layers.RepeatVector(3)(np.ones((2, 5))).shape
    (2, 3, 5)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"RepeatVector: `n` must be a positive int, got {n!r}.")
        if n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive int, got {n!r}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
