"""Small adaptations of configs written by Keras before kerasish rebuilds them.

Keras adds arguments kerasish may not have (such as `Dense(quantization_config=
None)`). An argument whose value is `None` (its default: feature off) and that the
kerasish class does not accept is dropped; any other unknown argument is kept, so
the class's own error names it.

A layer config without `module` is tf.keras 2.x's (legacy `.h5` files, JSON from
`to_json`); as Keras 3 reads those, a layer's `batch_input_shape` becomes its
`input_shape` (without the batch axis, which Keras 3 keeps by mistake) and a
one-element `axis` list an int. Arguments tf.keras recorded that Keras 3 no
longer has are dropped where they change nothing: `time_major=False`, and the
build shapes of MultiHeadAttention.
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
        if cls is not None and "module" not in out and issubclass(cls, Layer):
            inner = _from_tf_keras(inner, class_name)
        if cls is not None:
            accepted = _accepted(cls)
            if accepted is not None:
                out["config"] = {
                    k: v for k, v in inner.items() if v is not None or k in accepted
                }
    return out


_TF_KERAS_ONLY = {
    "time_major": False,  # the RNNs' batch-major default, the only layout kept
    "query_shape": ...,  # MultiHeadAttention's build shapes: it builds on call
    "key_shape": ...,
    "value_shape": ...,
}


def _from_tf_keras(config, class_name):
    config = dict(config)
    batch_input_shape = config.pop("batch_input_shape", None)
    if batch_input_shape is not None:
        if class_name == "InputLayer":
            config["batch_shape"] = batch_input_shape
        else:
            config.setdefault("input_shape", list(batch_input_shape)[1:])
    axis = config.get("axis")
    if isinstance(axis, list) and len(axis) == 1:
        config["axis"] = int(axis[0])
    for key, default in _TF_KERAS_ONLY.items():
        if key in config and (default is ... or config[key] == default):
            del config[key]
    return config
