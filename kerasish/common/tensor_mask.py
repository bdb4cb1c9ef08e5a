"""Keras's `_keras_mask`: the mask an array carries (`backend.set_keras_mask`).

As in Keras's JAX backend, the mask is an attribute of the array itself: the
arrays of the JAX engine accept attributes, so
`Embedding(10, 4, mask_zero=True)(ids)._keras_mask` reads as in Keras. Tracers
(inside `jit`, `grad`, `eval_shape`) refuse attributes: their masks go into a
side table keyed by the tensor's `id`, and a `weakref.finalize` drops the entry
when the tensor dies (so a reused `id` never sees a stale mask). That keeps masks
flowing between layers in a subclassed model's `call` while it is compiled, and
into the losses and metrics of a compiled step, as in Keras. A type that can be
neither tagged nor weakly referenced carries none. Read masks with
`get_keras_mask(x)`, which looks in both places.

It sits in `common` because layers set masks and losses and metrics read them.
"""

import weakref

_SIDE_TABLE: dict[int, object] = {}


def _forget(key):
    _SIDE_TABLE.pop(key, None)


def set_keras_mask(x, mask):
    """Attaches `mask` to `x` (or clears it when `mask` is None)."""
    try:
        x._keras_mask = mask
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    if mask is None:
        _SIDE_TABLE.pop(key, None)
        return
    try:
        weakref.finalize(x, _forget, key)
    except TypeError:
        return
    _SIDE_TABLE[key] = mask


def get_keras_mask(x):
    """The mask attached to `x`, or None."""
    mask = getattr(x, "_keras_mask", None)
    if mask is not None:
        return mask
    return _SIDE_TABLE.get(id(x)) if _SIDE_TABLE else None
