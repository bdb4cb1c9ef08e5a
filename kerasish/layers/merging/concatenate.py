"""`Concatenate` and its functional form `concatenate`."""

from kerasish import ops
from kerasish.layers.merging.base_merge import Merge
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Concatenate(Merge):
    """Concatenates a list of inputs along `axis`.

    All inputs have the same rank and the same sizes on every other axis. With
    masks, the output mask is Keras's: each input's mask (all-True for an input
    without one) is broadcast to the input's shape, concatenated along `axis`,
    and reduced with `any` over the last axis.

    Args:
        axis: The concatenation axis. Defaults to -1.

    Example:
    >>> kerasish.layers.Concatenate()([np.ones((2, 3)), np.ones((2, 4))]).shape
    (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"Concatenate: `axis` must be an int, got {axis!r}.")
        self.axis = axis

    def compute_output_shape(self, input_shape):
        shapes = self._check_shapes(input_shape)
        rank = len(shapes[0])
        where = f"Layer '{self.name}' (Concatenate)"
        if any(len(s) != rank for s in shapes):
            raise ValueError(
                f"{where} requires inputs of the same rank, received shapes {shapes}."
            )
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"{where}: axis={self.axis} is out of range for inputs of rank "
                f"{rank} (shapes {shapes})."
            )
        axis = self.axis % rank
        output = []
        for i in range(rank):
            sizes = [s[i] for s in shapes]
            if i == axis:
                output.append(None if None in sizes else sum(sizes))
                continue
            known = {d for d in sizes if d is not None}
            if len(known) > 1:
                raise ValueError(
                    f"{where} requires inputs with matching shapes except for the "
                    f"concatenation axis {self.axis}, received shapes {shapes} "
                    f"(axis {i} differs)."
                )
            output.append(known.pop() if known else None)
        return tuple(output)

    def call(self, inputs):
        if not isinstance(inputs, list | tuple):
            raise ValueError(
                f"Layer '{self.name}' (Concatenate) should be called on a list of "
                f"tensors, received a single tensor of shape {tuple(inputs.shape)}."
            )
        self.compute_output_shape([tuple(x.shape) for x in inputs])
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, list | tuple) or len(mask) != len(inputs):
            raise ValueError(
                f"Layer '{self.name}' (Concatenate): `mask` should be a list with "
                f"one entry per input ({len(inputs)}), received {mask!r}."
            )
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ops.ones(x.shape, dtype="bool")
            elif m.ndim < x.ndim:
                m = ops.broadcast_to(ops.expand_dims(ops.cast(m, "bool"), -1), x.shape)
            masks.append(ops.cast(m, "bool"))
        return ops.any(ops.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `Concatenate(axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
