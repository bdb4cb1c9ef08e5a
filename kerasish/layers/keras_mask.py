"""Keras's `_keras_mask`: the mask a layer's output carries to the next layer.

As in Keras's JAX backend (`backend.set_keras_mask`), the mask is an attribute of
the output array itself: the arrays of the JAX engine accept attributes, so
`Embedding(10, 4, mask_zero=True)(ids)._keras_mask` reads as in Keras. Tracers
(inside `jit`, `grad`, `eval_shape`) refuse attributes: their masks go into a
side table keyed by the tensor's `id`, and a `weakref.finalize` drops the entry
when the tensor dies (so a reused `id` never sees a stale mask). That keeps masks
flowing between layers in a subclassed model's `call` while it is compiled, as
in Keras. A type that can be neither tagged nor weakly referenced carries none.
Read masks with `get_keras_mask(x)`, which looks in both places.

`populate_masks` and `set_output_masks` are how `Layer.__call__` moves masks
through an eager call: into `call(mask=...)` from the inputs, and onto the outputs
from `compute_mask`.
"""

import weakref

from kerasish.common import tree
from kerasish.layers.keras_tensor import KerasTensor

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


def populate_masks(call_params, takes_mask, args, kwargs, input_masks):
    """Fills `mask` (or `<arg>_mask`) from the inputs' `_keras_mask`, as Keras
    does, for a `call` with parameters `call_params`; returns the kwargs and the
    mask of the first input (`None` when no input carries one)."""
    bound = dict(zip(call_params, args)) | kwargs
    tensors = {
        name: value
        for name, value in bound.items()
        if name not in ("mask", "training")
        and any(_is_array(leaf) for leaf in tree.flatten(value))
    }
    if takes_mask and kwargs.get("mask") is None and len(tensors) <= 1:
        if any(m is not None for m in tree.flatten(input_masks)):
            kwargs = {**kwargs, "mask": input_masks}
    elif len(tensors) > 1:
        for name, value in tensors.items():
            mask_name = f"{name}_mask"
            if mask_name in call_params and bound.get(mask_name) is None:
                masks = tree.map_structure(get_keras_mask, value)
                if any(m is not None for m in tree.flatten(masks)):
                    kwargs = {**kwargs, mask_name: masks}
    if kwargs.get("mask") is not None:
        return kwargs, kwargs["mask"]
    if all(m is None for m in tree.flatten(input_masks)):
        input_masks = None
    return kwargs, input_masks


def set_output_masks(layer, inputs, outputs, previous_mask):
    """Attaches `layer.compute_mask(inputs, previous_mask)` to the outputs that
    carry no mask yet (a layer's `call` may have set its own)."""
    flat_outputs = tree.flatten(outputs)
    if all(get_keras_mask(x) is not None for x in flat_outputs):
        return
    output_masks = layer.compute_mask(inputs, previous_mask)
    if output_masks is None:
        return
    for tensor, mask in zip(flat_outputs, tree.flatten(output_masks)):
        if mask is not None and get_keras_mask(tensor) is None:
            set_keras_mask(tensor, mask)


def _is_array(x):
    """A concrete array (not a symbolic `KerasTensor`)."""
    return (
        hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, KerasTensor)
    )
