"""Elementwise merges: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`,
and their functional forms `add`, `subtract`, ...`minimum`."""

from kerasish import ops
from kerasish.layers.merging.base_merge import Merge, _masked_reduce
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Add(Merge):
    """Elementwise sum of a list of inputs (shapes broadcast).

    Example:
    >>> np.asarray(kerasish.layers.Add()([np.ones((2, 3)), np.ones((2, 3))]))[0]
    array([2., 2., 2.], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output


@register_builtin("layers")
class Subtract(Merge):
    """`inputs[0] - inputs[1]`; takes exactly two inputs.

    Example:
    >>> kerasish.layers.Subtract()([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """

    _min_inputs = 2
    _max_inputs = 2

    def _merge_function(self, inputs, masks):
        return ops.subtract(inputs[0], inputs[1])


@register_builtin("layers")
class Multiply(Merge):
    """Elementwise product of a list of inputs.

    With masks, a masked entry counts as 1 in the product; when every input has a
    mask, entries masked in all inputs are 0.

    Example:
    >>> kerasish.layers.Multiply()([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """

    def _merge_function(self, inputs, masks):
        all_masked = masks is not None and all(m is not None for m in masks)
        output, output_mask = None, None
        for i, x in enumerate(inputs):
            mask = None if masks is None else masks[i]
            if mask is not None:
                mask = ops.broadcast_to(
                    ops.expand_dims(ops.cast(mask, "bool"), -1), x.shape
                )
                x = ops.where(mask, x, ops.ones_like(x))
                if all_masked:
                    output_mask = (
                        mask
                        if output_mask is None
                        else ops.logical_or(output_mask, mask)
                    )
            output = x if output is None else ops.multiply(output, x)
        if all_masked:
            output = ops.where(output_mask, output, ops.zeros_like(output))
        return output


@register_builtin("layers")
class Average(Merge):
    """Elementwise mean of a list of inputs: `sum(inputs) / len(inputs)`.

    Example:
    >>> layer = kerasish.layers.Average()
    >>> np.asarray(layer([np.zeros((2, 3)), np.ones((2, 3))]))[0]
    array([0.5, 0.5, 0.5], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output / len(inputs)


@register_builtin("layers")
class Maximum(Merge):
    """Elementwise maximum of a list of inputs (masked entries are skipped).

    Example:
    >>> layer = kerasish.layers.Maximum()
    >>> np.asarray(layer([np.zeros((2, 3)), np.ones((2, 3))]))[0]
    array([1., 1., 1.], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        return _masked_reduce(ops.maximum, inputs, masks)


@register_builtin("layers")
class Minimum(Merge):
    """Elementwise minimum of a list of inputs (masked entries are skipped).

    Example:
    >>> layer = kerasish.layers.Minimum()
    >>> np.asarray(layer([np.zeros((2, 3)), np.ones((2, 3))]))[0]
    array([0., 0., 0.], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        return _masked_reduce(ops.minimum, inputs, masks)


def add(inputs, **kwargs):
    """Functional form of `Add`: `Add(**kwargs)(inputs)`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `Subtract(**kwargs)(inputs)`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`: `Multiply(**kwargs)(inputs)`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`: `Average(**kwargs)(inputs)`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`: `Maximum(**kwargs)(inputs)`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`: `Minimum(**kwargs)(inputs)`."""
    return Minimum(**kwargs)(inputs)
