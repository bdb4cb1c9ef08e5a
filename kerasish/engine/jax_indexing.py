"""Shapes, axes, indexing, sorting and searching for the JAX engine's `numpy`
namespace."""

import jax.numpy as jnp

from kerasish.engine.jax_arrays import (
    _axis,
    _t,
    convert_to_tensor,
)


# -- shapes, axes, indexing ----------------------------------------------------------
def reshape(x, newshape):
    # Convert first: jnp.reshape hands a numpy array to its own `.reshape`, which
    # returns numpy (float64 kept) and raises numpy's ValueError, not jax's TypeError.
    return jnp.reshape(convert_to_tensor(_t(x)), newshape)


def broadcast_to(x, shape):
    return jnp.broadcast_to(_t(x), shape)


def expand_dims(x, axis):
    return jnp.expand_dims(_t(x), _axis(axis))


def squeeze(x, axis=None):
    return jnp.squeeze(_t(x), _axis(axis))


def transpose(x, axes=None):
    return jnp.transpose(_t(x), axes)


def moveaxis(x, source, destination):
    return jnp.moveaxis(_t(x), source, destination)


def swapaxes(x, axis1, axis2):
    return jnp.swapaxes(_t(x), axis1, axis2)


def flip(x, axis=None):
    return jnp.flip(_t(x), _axis(axis))


def rot90(array, k=1, axes=(0, 1)):
    array = jnp.asarray(_t(array))
    if array.ndim < 2:
        raise ValueError(
            f"rot90 needs an input of at least 2 dimensions, received shape "
            f"{tuple(array.shape)}."
        )
    if len(axes) != 2 or axes[0] == axes[1]:
        raise ValueError(
            f"rot90: `axes` must be two different axes, received axes={axes}."
        )
    return jnp.rot90(array, k=k, axes=tuple(axes))


def roll(x, shift, axis=None):
    return jnp.roll(_t(x), shift, axis=_axis(axis))


def tile(x, repeats):
    return jnp.tile(_t(x), repeats)


def repeat(x, repeats, axis=None):
    return jnp.repeat(_t(x), repeats, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    if constant_values is not None:
        if mode != "constant":
            raise ValueError(
                "pad: `constant_values` can only be given with mode='constant', "
                f"received mode={mode!r}."
            )
        return jnp.pad(_t(x), pad_width, mode=mode, constant_values=constant_values)
    return jnp.pad(_t(x), pad_width, mode=mode)


def concatenate(xs, axis=0):
    return jnp.concatenate([_t(x) for x in xs], axis=axis)


def stack(x, axis=0):
    return jnp.stack([_t(v) for v in x], axis=axis)


def _stacker(fn):
    def op(xs):
        return fn([_t(x) for x in xs])

    op.__name__ = fn.__name__
    return op


hstack = _stacker(jnp.hstack)
vstack = _stacker(jnp.vstack)
dstack = _stacker(jnp.dstack)


def append(x1, x2, axis=None):
    return jnp.append(_t(x1), _t(x2), axis=axis)


def split(x, indices_or_sections, axis=0):
    return jnp.split(_t(x), indices_or_sections, axis=axis)


def array_split(x, indices_or_sections, axis=0):
    return jnp.array_split(_t(x), indices_or_sections, axis=axis)


def hsplit(x, indices_or_sections):
    return jnp.hsplit(_t(x), indices_or_sections)


def vsplit(x, indices_or_sections):
    return jnp.vsplit(_t(x), indices_or_sections)


def dsplit(x, indices_or_sections):
    return jnp.dsplit(_t(x), indices_or_sections)


def take(x, indices, axis=None):
    return jnp.take(_t(x), _t(indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(_t(x), _t(indices), axis=axis)


def diag(x, k=0):
    return jnp.diag(_t(x), k=k)


def diagflat(x, k=0):
    return jnp.diagflat(_t(x), k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return jnp.diagonal(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def trace(x, offset=0, axis1=0, axis2=1):
    return jnp.trace(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def tril(x, k=0):
    return jnp.tril(_t(x), k=k)


def triu(x, k=0):
    return jnp.triu(_t(x), k=k)


def diff(a, n=1, axis=-1):
    return jnp.diff(_t(a), n=n, axis=axis)


def ndim(x):
    return jnp.ndim(x)


def size(x):
    return jnp.size(x)


def unravel_index(indices, shape):
    return jnp.unravel_index(_t(indices), shape)


# -- sorting, searching, counting ----------------------------------------------------
def sort(x, axis=-1):
    return jnp.sort(_t(x), axis=axis)


def argsort(x, axis=-1):
    x = jnp.asarray(_t(x))
    return jnp.argsort(x, axis=None if x.ndim == 0 else axis)


def argpartition(x, kth, axis=-1):
    x = jnp.asarray(_t(x))
    if axis is None:
        return jnp.argpartition(jnp.ravel(x), kth, axis=0)
    return jnp.argpartition(x, kth, axis=axis)


def searchsorted(sorted_sequence, values, side="left"):
    sorted_sequence = jnp.asarray(_t(sorted_sequence))
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "searchsorted needs a 1-D `sorted_sequence`, received shape "
            f"{tuple(sorted_sequence.shape)}; map it over rows with "
            "`ops.vectorized_map` for N-D input."
        )
    return jnp.searchsorted(sorted_sequence, _t(values), side=side)


def unique(
    x,
    sorted=True,
    return_index=False,
    return_inverse=False,
    return_counts=False,
    axis=None,
    size=None,
    fill_value=None,
):
    return jnp.unique(
        _t(x),
        return_index=return_index,
        return_inverse=return_inverse,
        return_counts=return_counts,
        axis=axis,
        size=size,
        fill_value=fill_value,
        sorted=sorted,
    )


def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("bincount: `sparse=True` is not supported by kerasish.")
    x = jnp.asarray(_t(x))
    if x.ndim == 2:
        rows = weights if weights is not None else [None] * x.shape[0]
        return jnp.stack(
            [jnp.bincount(r, weights=w, minlength=minlength) for r, w in zip(x, rows)]
        )
    return jnp.bincount(x, weights=_t(weights), minlength=minlength)


def histogram(x, bins=10, range=None):
    return jnp.histogram(_t(x), bins=bins, range=range)


def slogdet(x):
    return tuple(jnp.linalg.slogdet(_t(x)))


def vectorize(pyfunc, *, excluded=None, signature=None):
    return jnp.vectorize(pyfunc, excluded=excluded or set(), signature=signature)
