"""`Merge`: the base of layers that combine a list of tensors into one."""

from kerasish import ops
from kerasish.layers.layer import Layer


def _is_dim(d):
    if d is None or (isinstance(d, int) and not isinstance(d, bool)):
        return True
    # A symbolic dimension (a shape-polymorphic export's `batch`): an integer
    # expression object, neither a number nor an array nor a container.
    return (
        not isinstance(d, bool | float | complex | str | bytes | tuple | list | dict)
        and not hasattr(d, "shape")
        and hasattr(d, "__add__")
    )


def _is_shape(x):
    return isinstance(x, tuple | list) and all(_is_dim(d) for d in x)


class Merge(Layer):
    """Combines a list of same-shaped (or broadcastable) tensors elementwise.

    Subclasses implement `_merge_function(inputs, masks)`. Inputs of lower rank
    get size-1 axes inserted after the batch axis, then shapes broadcast as in
    numpy. The output mask is the logical OR of the input masks when every input
    has one, else `None`.
    """

    _min_inputs = 1
    _max_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    # -- shapes ------------------------------------------------------------------
    def _check_shapes(self, input_shape):
        """Validates a list of shapes; returns it as a list of tuples."""
        name = f"Layer '{self.name}' ({type(self).__name__})"
        if not isinstance(input_shape, tuple | list) or not all(
            _is_shape(s) for s in input_shape
        ) or _is_shape(input_shape):  # fmt: skip
            raise ValueError(
                f"{name} should be called on a list of tensors, received input "
                f"shape {input_shape}. Pass e.g. `layer([x1, x2])`."
            )
        shapes = [tuple(s) for s in input_shape]
        count = len(shapes)
        if count < self._min_inputs or (
            self._max_inputs is not None and count > self._max_inputs
        ):
            if self._min_inputs == self._max_inputs:
                expected = f"exactly {self._min_inputs}"
            else:
                expected = f"at least {self._min_inputs}"
            raise ValueError(
                f"{name} should be called on {expected} inputs, received {count} "
                f"(shapes {shapes})."
            )
        return shapes

    def _broadcast(self, shape1, shape2, shapes):
        """Numpy broadcasting of two non-batch shapes, right-aligned."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        out = list(shape1[: len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2) :], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1 or j == 1 or i == j:
                out.append(j if i == 1 else i)
            else:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) received inputs "
                    f"with incompatible shapes {shapes}: sizes {i} and {j} do not "
                    "broadcast. Reshape the inputs to match."
                )
        return tuple(out)

    def build(self, input_shape):
        # As Keras, batch sizes are checked when the layer is built only: a
        # built layer broadcasts a batch of 1 in `call`.
        shapes = self._check_shapes(input_shape)
        name = f"Layer '{self.name}' ({type(self).__name__})"
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{name} cannot merge tensors with different batch sizes, "
                f"received shapes {shapes}."
            )
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        shapes = self._check_shapes(input_shape)
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._broadcast(out, s[1:], shapes)
        batch = {s[0] for s in shapes} - {None}
        return (batch.pop() if len(batch) == 1 else None,) + out

    # -- call --------------------------------------------------------------------
    def call(self, inputs, mask=None):
        if not isinstance(inputs, list | tuple):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) should be called on a "
                f"list of tensors, received a single tensor of shape "
                f"{tuple(inputs.shape)}."
            )
        inputs = list(inputs)
        self._check_shapes([tuple(x.shape) for x in inputs])
        rank = max(x.ndim for x in inputs)
        inputs = [
            ops.reshape(x, (x.shape[0],) + (1,) * (rank - x.ndim) + tuple(x.shape[1:]))
            if x.ndim < rank
            else x
            for x in inputs
        ]
        masks = None
        if isinstance(mask, list | tuple) and any(m is not None for m in mask):
            masks = list(mask)
        return self._merge_function(inputs, masks)

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, list | tuple):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): `mask` should be a "
                f"list with one entry per input, received {mask!r}."
            )
        if len(mask) != len(inputs):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): received "
                f"{len(inputs)} inputs but {len(mask)} masks."
            )
        if any(m is None for m in mask):
            return None
        output = mask[0]
        for m in mask[1:]:
            output = ops.logical_or(output, m)
        return output


def _masked_reduce(op, inputs, masks):
    """Keras's masked Maximum/Minimum: masked entries take the other operand.

    Folding left to right, an entry masked in `x` takes `output`'s value and one
    masked in `output` takes `x`'s, so a timestep is reduced over its unmasked
    inputs only (entries masked everywhere keep the first input's value).
    """
    output, output_mask = None, None
    for i, x in enumerate(inputs):
        mask = None if masks is None or i >= len(masks) else masks[i]
        if mask is not None:  # (batch, steps) -> the shape of x
            mask = ops.broadcast_to(
                ops.expand_dims(ops.cast(mask, "bool"), -1), x.shape
            )
        if output is None:
            output, output_mask = x, mask
            continue
        if mask is not None:
            x = ops.where(mask, x, output)
        if output_mask is not None:
            output = ops.where(output_mask, output, x)
        output_mask = (
            ops.logical_or(output_mask, mask)
            if mask is not None and output_mask is not None
            else None
        )
        output = op(output, x)
    return output
