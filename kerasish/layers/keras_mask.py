"""How `Layer.__call__` moves Keras's `_keras_mask` through an eager call.

`populate_masks` fills `call(mask=...)` from the inputs' masks, and
`set_output_masks` attaches `compute_mask`'s result to the outputs. The mask
attribute itself (`get_keras_mask`, `set_keras_mask`) lives in
`kerasish.common.tensor_mask`.
"""

import warnings

from kerasish.common import tree
from kerasish.common.tensor_mask import get_keras_mask, set_keras_mask
from kerasish.layers.keras_tensor import KerasTensor

__all__ = [
    "get_keras_mask",
    "populate_masks",
    "set_keras_mask",
    "set_output_masks",
    "warn_mask_dropped",
]


def populate_masks(
    call_params, takes_mask, args, kwargs, input_masks, mask_of=get_keras_mask
):
    """Fills `mask` (or `<arg>_mask`) from the inputs' masks, as Keras does, for
    a `call` with parameters `call_params`: `mask` when the call has one tensor
    argument, else `<arg>_mask` for each tensor `<arg>` the call names so.
    `mask_of(value)` reads an argument's mask (`_keras_mask`; a Functional
    model's own record). Returns the kwargs and the mask of the first input
    (`None` when no input carries one)."""
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
                masks = tree.map_structure(mask_of, value)
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


def warn_mask_dropped(layer, mask):
    """Warns, as Keras does, that a layer without mask support was given a
    mask (its outputs carry none: the layers after it see no padding)."""
    if mask is None or all(m is None for m in tree.flatten(mask)):
        return
    warnings.warn(
        f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an "
        "input with a mask attached to it. However, this layer does not support "
        "masking and will therefore destroy the mask information. Downstream "
        "layers will not see the mask.",
        stacklevel=4,
    )


def _is_array(x):
    """A concrete array (not a symbolic `KerasTensor`)."""
    return (
        hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, KerasTensor)
    )
