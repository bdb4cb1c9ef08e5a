"""Sorting, searching and set functions of `kerasish.ops.numpy`.

Re-exported by `kerasish.ops.numpy` (and `kerasish.ops`); import them from there.
"""

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap


def argpartition(x, kth, axis=-1):
    """Indices that partition `x` along `axis` around its `kth` element."""
    return get_engine().numpy.argpartition(unwrap(x), kth, axis)


def argsort(x, axis=-1):
    """Indices that sort `x` along `axis`."""
    return get_engine().numpy.argsort(unwrap(x), axis)


def digitize(x, bins):
    """Index of the bin of `bins` that each element of `x` falls into."""
    return get_engine().numpy.digitize(unwrap(x), unwrap(bins))


def in_top_k(targets, predictions, k):
    """Whether each `targets[i]` is among the `k` largest of `predictions[i]`."""
    return get_engine().math.in_top_k(unwrap(targets), unwrap(predictions), k)


def nonzero(x):
    """Indices of the non-zero elements of `x`, one tensor per axis."""
    return get_engine().numpy.nonzero(unwrap(x))


def searchsorted(sorted_sequence, values, side="left"):
    """Indices at which `values` would be inserted into `sorted_sequence`."""
    return get_engine().numpy.searchsorted(
        unwrap(sorted_sequence), unwrap(values), side
    )


def sort(x, axis=-1):
    """`x` sorted along `axis`."""
    return get_engine().numpy.sort(unwrap(x), axis)


def top_k(x, k, sorted=True):
    """The `k` largest values of `x` along its last axis, and their indices."""
    return get_engine().math.top_k(unwrap(x), k, sorted)


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
    """Sorted unique elements of `x`, with optional indices and counts."""
    return get_engine().numpy.unique(
        unwrap(x),
        sorted,
        return_index,
        return_inverse,
        return_counts,
        axis,
        size,
        unwrap(fill_value),
    )


__all__ = [
    "argpartition",
    "argsort",
    "digitize",
    "in_top_k",
    "nonzero",
    "searchsorted",
    "sort",
    "top_k",
    "unique",
]
