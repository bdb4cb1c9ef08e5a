"""`rearrange`: einops-style axis reshuffling, written with `kerasish.ops`."""

import math
import re

from kerasish.ops.core import shape as _shape
from kerasish.ops.numpy import reshape, transpose

_AXIS = re.compile(r"\w+|\([^)]*\)")


def _groups(side):
    """`"b (h w) c"` -> `[["b"], ["h", "w"], ["c"]]`."""
    return [re.findall(r"\w+", token) for token in _AXIS.findall(side)]


def rearrange(tensor, pattern, **axes_lengths):
    """Reorders, splits and merges axes per an einops pattern (`"b h w c -> b c h w"`).

    Grouped input axes (`"(h w)"`) are split using the sizes in `axes_lengths` (one
    size per group may be inferred); grouped output axes are merged.
    """
    if "->" not in pattern:
        raise ValueError(
            f"rearrange: the pattern must read 'input -> output', received {pattern!r}."
        )
    left, right = (side.strip() for side in pattern.split("->"))
    inputs, outputs = _groups(left), _groups(right)
    in_shape = _shape(tensor)
    if len(inputs) != len(in_shape):
        raise ValueError(
            f"rearrange: the pattern's input side {left!r} names {len(inputs)} axes "
            f"but the tensor has shape {tuple(in_shape)}."
        )
    sizes = dict(axes_lengths)
    for group, dim in zip(inputs, in_shape, strict=True):
        unknown = [a for a in group if a not in sizes]
        if len(group) == 1 and unknown:
            sizes[group[0]] = dim
        elif unknown:
            if len(unknown) > 1:
                raise ValueError(
                    f"rearrange: cannot infer the sizes of {unknown} in group "
                    f"{group}; pass all but one of them as keyword arguments."
                )
            sizes[unknown[0]] = dim // math.prod(sizes[a] for a in group if a in sizes)
    flat_in = [a for group in inputs for a in group]
    flat_out = [a for group in outputs for a in group]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(
            f"rearrange: both sides must name the same axes, received {flat_in} and "
            f"{flat_out}."
        )
    split_shape = tuple(sizes[a] for a in flat_in)
    if split_shape != tuple(in_shape):
        tensor = reshape(tensor, split_shape)
    tensor = transpose(tensor, [flat_in.index(a) for a in flat_out])
    out_shape = tuple(math.prod(sizes[a] for a in group) for group in outputs)
    return reshape(tensor, out_shape)


__all__ = ["rearrange"]
