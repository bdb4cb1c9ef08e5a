"""`Reshape`: gives each sample a new shape."""

import math

from kerasish import ops
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Reshape(Layer):
    """Reshapes each sample to `target_shape` (the batch axis is kept).

    Args:
        target_shape: Tuple of ints; one entry may be -1 to be inferred.

    Example:
    >>> kerasish.layers.Reshape((3, 4))(np.ones((2, 12))).shape
    (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if sum(1 for d in target_shape if d == -1) > 1:
            raise ValueError(
                f"Reshape: `target_shape` may contain at most one -1, got "
                f"{target_shape}."
            )
        self.target_shape = target_shape

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            known = None if any(d is None for d in rest) else math.prod(rest)
            if known is not None and known != math.prod(self.target_shape):
                raise ValueError(
                    f"Layer '{self.name}' (Reshape) cannot reshape samples of shape "
                    f"{tuple(rest)} ({known} values) to {self.target_shape} "
                    f"({math.prod(self.target_shape)} values)."
                )
            return (input_shape[0], *self.target_shape)
        if any(d is None for d in rest):
            return (
                input_shape[0],
                *(None if d == -1 else d for d in self.target_shape),
            )
        known = math.prod(d for d in self.target_shape if d != -1)
        total = math.prod(rest)
        if total % known:
            raise ValueError(
                f"Layer '{self.name}' (Reshape) cannot reshape samples of shape "
                f"{tuple(rest)} to {self.target_shape}: {total} is not divisible by "
                f"{known}."
            )
        return (
            input_shape[0],
            *(total // known if d == -1 else d for d in self.target_shape),
        )

    def compute_output_spec(self, inputs):
        # The input's dtype, as Keras's (a string input stays a string).
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def call(self, inputs):
        shape = self.compute_output_shape(tuple(inputs.shape))
        return ops.reshape(inputs, (inputs.shape[0], *shape[1:]))

    def get_config(self):
        return {**super().get_config(), "target_shape": tuple(self.target_shape)}
