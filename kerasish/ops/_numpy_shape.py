"""Shape manipulation, joining, splitting and indexing: `kerasish.ops.numpy`.

Re-exported by `kerasish.ops.numpy` (and `kerasish.ops`); import them from there.
"""

import numpy as np

from kerasish.engine import get_engine
from kerasish.ops._forward import is_host_strings, unwrap


def _host_strings(x):
    """Whether `x` (or the first of a list) is host text: a text input moved
    between axes before a StringLookup, as Keras's graphs allow; numpy does
    those ops (the engine's arrays hold no strings)."""
    return is_host_strings(x[0] if isinstance(x, list | tuple) and x else x)


def append(x1, x2, axis=None):
    """Concatenates `x2` after `x1` along `axis` (flattening both if `None`)."""
    return get_engine().numpy.append(unwrap(x1), unwrap(x2), axis)


def array_split(x, indices_or_sections, axis=0):
    """Splits `x` into parts along `axis`; sections may be unequal."""
    return get_engine().numpy.array_split(unwrap(x), indices_or_sections, axis)


def broadcast_to(x, shape):
    """Broadcasts `x` to `shape`."""
    return get_engine().numpy.broadcast_to(unwrap(x), shape)


def concatenate(xs, axis=0):
    """Joins the tensors `xs` along an existing `axis`."""
    if _host_strings(xs):
        return np.concatenate(xs, axis)
    return get_engine().numpy.concatenate(unwrap(xs), axis)


def copy(x):
    """A copy of `x`."""
    return get_engine().numpy.copy(unwrap(x))


def diag(x, k=0):
    """Diagonal `k` of a 2-D `x`, or a 2-D tensor with 1-D `x` on diagonal `k`."""
    return get_engine().numpy.diag(unwrap(x), k)


def diagflat(x, k=0):
    """2-D tensor with the flattened `x` on diagonal `k`."""
    return get_engine().numpy.diagflat(unwrap(x), k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonal `offset` of `x` in the plane of `axis1` and `axis2`."""
    return get_engine().numpy.diagonal(unwrap(x), offset, axis1, axis2)


def diff(a, n=1, axis=-1):
    """`n`-th discrete difference of `a` along `axis`."""
    return get_engine().numpy.diff(unwrap(a), n, axis)


def dsplit(x, indices_or_sections):
    """Splits `x` along its third axis."""
    return get_engine().numpy.dsplit(unwrap(x), indices_or_sections)


def dstack(xs):
    """Stacks the tensors `xs` along a third axis."""
    return get_engine().numpy.dstack(unwrap(xs))


def expand_dims(x, axis):
    """Inserts a length-1 axis into `x` at `axis`."""
    if _host_strings(x):
        return np.expand_dims(x, axis)
    return get_engine().numpy.expand_dims(unwrap(x), axis)


def flip(x, axis=None):
    """Reverses `x` along `axis` (all axes if `None`)."""
    return get_engine().numpy.flip(unwrap(x), axis)


def fliplr(x):
    """Reverses `x` along axis 1."""
    return get_engine().numpy.fliplr(unwrap(x))


def flipud(x):
    """Reverses `x` along axis 0."""
    return get_engine().numpy.flipud(unwrap(x))


def get_item(x, key):
    """`x[key]`."""
    if _host_strings(x):
        key = unwrap(key)
        return x[tuple(key) if isinstance(key, list) else key]
    return get_engine().numpy.get_item(unwrap(x), unwrap(key))


def hsplit(x, indices_or_sections):
    """Splits `x` along axis 1 (axis 0 for 1-D `x`)."""
    return get_engine().numpy.hsplit(unwrap(x), indices_or_sections)


def hstack(xs):
    """Stacks the tensors `xs` horizontally (along axis 1, or 0 for 1-D)."""
    return get_engine().numpy.hstack(unwrap(xs))


def moveaxis(x, source, destination):
    """Moves axes `source` of `x` to positions `destination`."""
    return get_engine().numpy.moveaxis(unwrap(x), source, destination)


def ndim(x):
    """Number of axes of `x`."""
    return get_engine().numpy.ndim(unwrap(x))


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads `x` by `pad_width` using `mode` ("constant", "reflect", "symmetric")."""
    return get_engine().numpy.pad(unwrap(x), pad_width, mode, unwrap(constant_values))


def ravel(x):
    """`x` flattened to 1-D."""
    return get_engine().numpy.ravel(unwrap(x))


def repeat(x, repeats, axis=None):
    """Repeats each element of `x` `repeats` times along `axis`."""
    return get_engine().numpy.repeat(unwrap(x), unwrap(repeats), axis)


def reshape(x, newshape):
    """`x` with the shape `newshape` (one entry may be -1)."""
    if _host_strings(x):
        return np.reshape(x, newshape)
    return get_engine().numpy.reshape(unwrap(x), newshape)


def roll(x, shift, axis=None):
    """Rolls the elements of `x` by `shift` along `axis`."""
    return get_engine().numpy.roll(unwrap(x), unwrap(shift), axis)


def rot90(array, k=1, axes=(0, 1)):
    """Rotates `array` by `k` quarter turns in the plane of `axes`."""
    return get_engine().numpy.rot90(unwrap(array), k, axes)


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices`."""
    return get_engine().core.scatter(unwrap(indices), unwrap(values), shape)


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written (or reduced) at `indices`."""
    return get_engine().core.scatter_update(
        unwrap(inputs), unwrap(indices), unwrap(updates), reduction
    )


def size(x):
    """Number of elements of `x`."""
    return get_engine().numpy.size(unwrap(x))


def slice(inputs, start_indices, shape):
    """The block of `inputs` of `shape` starting at `start_indices`."""
    return get_engine().core.slice(unwrap(inputs), unwrap(start_indices), shape)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates`."""
    return get_engine().core.slice_update(
        unwrap(inputs), unwrap(start_indices), unwrap(updates)
    )


def split(x, indices_or_sections, axis=0):
    """Splits `x` into equal parts (or at indices) along `axis`."""
    return get_engine().numpy.split(unwrap(x), indices_or_sections, axis)


def squeeze(x, axis=None):
    """Removes length-1 axes of `x` (all of them if `axis` is `None`)."""
    if _host_strings(x):
        return np.squeeze(x, axis)
    return get_engine().numpy.squeeze(unwrap(x), axis)


def stack(x, axis=0):
    """Joins the tensors `x` along a new `axis`."""
    if _host_strings(x):
        return np.stack(x, axis)
    return get_engine().numpy.stack(unwrap(x), axis)


def swapaxes(x, axis1, axis2):
    """Interchanges axes `axis1` and `axis2` of `x`."""
    return get_engine().numpy.swapaxes(unwrap(x), axis1, axis2)


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (flattened if `None`)."""
    return get_engine().numpy.take(unwrap(x), unwrap(indices), axis)


def take_along_axis(x, indices, axis=None):
    """Elements of `x` at matching `indices` along `axis`."""
    return get_engine().numpy.take_along_axis(unwrap(x), unwrap(indices), axis)


def tile(x, repeats):
    """Repeats the whole of `x` `repeats` times along each axis."""
    return get_engine().numpy.tile(unwrap(x), unwrap(repeats))


def transpose(x, axes=None):
    """`x` with its axes permuted by `axes` (reversed if `None`)."""
    if _host_strings(x):
        return np.transpose(x, axes)
    return get_engine().numpy.transpose(unwrap(x), axes)


def tril(x, k=0):
    """Lower triangle of `x` (zeros above diagonal `k`)."""
    return get_engine().numpy.tril(unwrap(x), k)


def triu(x, k=0):
    """Upper triangle of `x` (zeros below diagonal `k`)."""
    return get_engine().numpy.triu(unwrap(x), k)


def unravel_index(indices, shape):
    """Coordinates in `shape` of the flat `indices`."""
    return get_engine().numpy.unravel_index(unwrap(indices), shape)


def view(x, dtype=None):
    """The bits of `x` reinterpreted as `dtype`."""
    return get_engine().numpy.view(unwrap(x), dtype)


def vsplit(x, indices_or_sections):
    """Splits `x` along axis 0."""
    return get_engine().numpy.vsplit(unwrap(x), indices_or_sections)


def vstack(xs):
    """Stacks the tensors `xs` vertically (along axis 0)."""
    return get_engine().numpy.vstack(unwrap(xs))


__all__ = [
    "append",
    "array_split",
    "broadcast_to",
    "concatenate",
    "copy",
    "diag",
    "diagflat",
    "diagonal",
    "diff",
    "dsplit",
    "dstack",
    "expand_dims",
    "flip",
    "fliplr",
    "flipud",
    "get_item",
    "hsplit",
    "hstack",
    "moveaxis",
    "ndim",
    "pad",
    "ravel",
    "repeat",
    "reshape",
    "roll",
    "rot90",
    "scatter",
    "scatter_update",
    "size",
    "slice",
    "slice_update",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "take",
    "take_along_axis",
    "tile",
    "transpose",
    "tril",
    "triu",
    "unravel_index",
    "view",
    "vsplit",
    "vstack",
]
