"""`Dot` and its functional form `dot`: per-sample dot products of two tensors."""

from kerasish import ops
from kerasish.layers.merging.base_merge import Merge
from kerasish.serialization import register_builtin

_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def _batch_dot(x, y, axes):
    """Contracts `x` axis `axes[0]` with `y` axis `axes[1]`, sample by sample.

    Output axes: batch, then `x`'s remaining axes, then `y`'s; a result with
    only the batch axis gets a trailing axis of size 1, as in Keras.
    """
    x_sub = list(_LETTERS[: x.ndim - 1])
    y_sub = list(_LETTERS[x.ndim - 1 : x.ndim + y.ndim - 2])
    y_sub[axes[1] - 1] = x_sub[axes[0] - 1]  # the shared (contracted) letter
    out_sub = [c for c in x_sub if c != x_sub[axes[0] - 1]] + [
        c for i, c in enumerate(y_sub) if i != axes[1] - 1
    ]
    spec = f"a{''.join(x_sub)},a{''.join(y_sub)}->a{''.join(out_sub)}"
    out = ops.einsum(spec, x, y)
    return ops.expand_dims(out, -1) if out.ndim == 1 else out


@register_builtin("layers")
class Dot(Merge):
    """Dot product of two inputs along `axes`, for each sample of the batch.

    Args:
        axes: Int, or a pair of ints `(axis_of_first, axis_of_second)`; the
            contracted axes (never the batch axis 0).
        normalize: L2-normalize both inputs along their `axes` first, so the
            output is the cosine similarity.

    Output shape: `(batch,)` + the first input's other axes + the second
    input's other axes; `(batch, 1)` when nothing else remains.

    Example:
    >>> kerasish.layers.Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 1)
    """

    _min_inputs = 2
    _max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, list | tuple):
            if len(axes) != 2 or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in axes
            ):
                raise ValueError(
                    f"Dot: `axes` must be an int or a pair of ints, got {axes!r}."
                )
            axes = tuple(axes)
        elif isinstance(axes, bool) or not isinstance(axes, int):
            raise TypeError(
                f"Dot: `axes` must be an int or a pair of ints, got {axes!r}."
            )
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, shapes):
        axes = self.axes if isinstance(self.axes, tuple) else (self.axes,) * 2
        resolved = []
        for axis, shape in zip(axes, shapes):
            if not -len(shape) <= axis < len(shape):
                raise ValueError(
                    f"Layer '{self.name}' (Dot): axes={self.axes} is out of range "
                    f"for inputs of shapes {shapes}."
                )
            resolved.append(axis % len(shape))
        if 0 in resolved:
            raise ValueError(
                f"Layer '{self.name}' (Dot) cannot contract the batch axis 0 "
                f"(axes={self.axes}, input shapes {shapes}). Use axes >= 1."
            )
        return resolved

    def compute_output_shape(self, input_shape):
        shapes = self._check_shapes(input_shape)
        if any(len(s) < 2 for s in shapes):
            raise ValueError(
                f"Layer '{self.name}' (Dot) needs inputs of rank >= 2 (batch and "
                f"features), received shapes {shapes}."
            )
        a0, a1 = self._resolve_axes(shapes)
        d0, d1 = shapes[0][a0], shapes[1][a1]
        if d0 is not None and d1 is not None and d0 != d1:
            raise ValueError(
                f"Layer '{self.name}' (Dot): incompatible input shapes {shapes} for "
                f"axes={self.axes}: size {d0} (axis {a0} of the first) != {d1} "
                f"(axis {a1} of the second)."
            )
        first = [d for i, d in enumerate(shapes[0]) if i != a0]
        second = [d for i, d in enumerate(shapes[1]) if i not in (0, a1)]
        output = first + second
        return tuple(output + [1] if len(output) == 1 else output)

    def call(self, inputs):
        if not isinstance(inputs, list | tuple):
            raise ValueError(
                f"Layer '{self.name}' (Dot) should be called on a list of 2 tensors, "
                f"received a single tensor of shape {tuple(inputs.shape)}."
            )
        shapes = [tuple(x.shape) for x in inputs]
        self.compute_output_shape(shapes)
        a0, a1 = self._resolve_axes(shapes)
        x, y = inputs
        if self.normalize:
            x = ops.normalize(x, axis=a0)
            y = ops.normalize(y, axis=a1)
        return _batch_dot(x, y, (a0, a1))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        axes = list(self.axes) if isinstance(self.axes, tuple) else self.axes
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`: `Dot(axes, **kwargs)(inputs)`."""
    return Dot(axes=axes, **kwargs)(inputs)
