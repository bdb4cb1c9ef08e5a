"""Small adaptations of configs written by Keras 3 before kerasish rebuilds them.

Keras adds arguments kerasish may not have (such as `Dense(quantization_config=
None)`). An argument whose value is `None` (its default: feature off) and that the
kerasish class does not accept is dropped; any other unknown argument is kept, so
the class's own error names it.
"""

import functools
import inspect

from kerasish.layers.layer import Layer
from kerasish.serialization import builtin_objects, get_registered_object

_LAYER_KWARGS = {"input_shape", "input_dim", "batch_size", "input_length"}


@functools.cache
def _accepted(cls):
    """The keyword names `cls(**config)` accepts, or None if it takes any."""
    names = set()
    for klass in cls.__mro__:
        if klass is object:
            return None
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names |= {
            p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
        # Layer.__init__ refuses unknown keywords despite its **kwargs.
        if klass is Layer or not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    else:
        return None
    return names | _LAYER_KWARGS


def adapt_keras_config(config):
    """Returns `config` (a serialized object, nested) with the adaptations above."""
    if isinstance(config, list):
        return [adapt_keras_config(c) for c in config]
    if not isinstance(config, dict):
        return config
    out = {k: adapt_keras_config(v) for k, v in config.items()}
    inner = out.get("config")
    class_name = out.get("class_name")
    if isinstance(inner, dict) and isinstance(class_name, str):
        cls = None
        for kind in ("layers", "models"):
            cls = builtin_objects(kind).get(class_name)
            if cls is not None:
                break
        if cls is None and out.get("registered_name"):
            # A user's class (a subclass of a built-in gets Keras's new args).
            found = get_registered_object(out["registered_name"])
            cls = found if isinstance(found, type) else None
        if cls is not None:
            accepted = _accepted(cls)
            if accepted is not None:
                out["config"] = {
                    k: v for k, v in inner.items() if v is not None or k in accepted
                }
    return out
