"""`Permute`: reorders the non-batch axes of each sample."""

from kerasish import ops
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Permute(Layer):
    """Permutes the non-batch axes: output axis `i` is input axis `dims[i - 1]`.

    Args:
        dims: Tuple of ints, a permutation of `1..rank` (axis 0, the batch, stays).

    Input shape: `(batch, d1, ..., dn)`; output
    `(batch, d_dims[0], ..., d_dims[n - 1])`.

    Example:
    >>> kerasish.layers.Permute((2, 1))(np.ones((4, 10, 64))).shape
    (4, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise TypeError(
                f"Permute: `dims` must be a tuple of ints, got {dims!r}."
            ) from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Permute: `dims` must be a permutation of 1..n (the batch axis 0 is "
                f"never permuted), got dims={dims}."
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
