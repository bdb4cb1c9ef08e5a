"""`Model.quantize`: quantize every layer that supports it, as Keras 3 does."""

import re
import warnings
from collections.abc import Callable


def should_quantize_layer(layer, filters):
    """Whether `filters` (a regex, a list of regexes or a callable taking the
    layer) selects `layer`; `None` selects every layer."""
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, list | tuple):
        return any(re.search(pattern, layer.name) for pattern in filters)
    if callable(filters):
        return filters(layer)
    return True


def quantize_model(model, mode=None, config=None, filters=None, **kwargs):
    """Calls `layer.quantize(mode, config=config)` on each leaf layer `filters`
    selects; a layer without support warns and is left as is."""
    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(
            f"Unrecognized keyword arguments passed to {type(model).__name__}: {kwargs}"
        )
    if filters is not None and not isinstance(filters, str | Callable | list | tuple):
        raise ValueError(
            "The `filters` argument must be a regex string, a list of regex "
            f"strings, or a callable. Received: {type(filters)}"
        )
    if mode in ("gptq", "awq") or getattr(config, "mode", None) in ("gptq", "awq"):
        name = mode or config.mode
        raise NotImplementedError(
            f"model.quantize('{name}'): {name.upper()} calibration is not "
            "implemented in kerasish. Use 'int8', 'int4' or 'float8'."
        )
    modified = False
    for layer in model._flatten_layers():
        if not should_quantize_layer(layer, filters):
            continue
        if len(layer._flatten_layers()) != 1:
            continue
        if getattr(layer, "_is_op_node", False):
            continue  # `x + y` is an op in Keras, not a layer to quantize
        try:
            layer.quantize(mode, type_check=type_check, config=config)
            modified = True
        except NotImplementedError as error:
            warnings.warn(str(error), stacklevel=3)
        except AttributeError:
            pass
    if modified and hasattr(model, "_step_compiler"):
        # The variables changed: compiled steps are stale.
        from kerasish.trainers.step_compiler import StepCompiler

        model._step_compiler = StepCompiler(model)
