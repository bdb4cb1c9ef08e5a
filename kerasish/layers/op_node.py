"""Graph nodes of `kerasish.ops` calls on symbolic tensors (`ops/_symbolic.py`).

Each op class (`Add`, `Relu`, `Concatenate`, ...) is a weightless Layer subclass
named as Keras names the Operation, so the functional machinery (output specs by
`eval_shape`, nodes, replay, summary) serves ops and layers alike; functional
models list these in `operations`, not in `layers`.
"""

from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.ops import _symbolic


def make_node_class(fn, spec):
    """The Layer subclass named as Keras's op class that records `fn`'s calls."""

    keras_module, class_name, config_map, call_params, call_kwargs = spec

    class OpNode(Layer):
        _is_op_node = True
        _allow_non_tensor_positional_args = True  # an op, as Keras's: `x + 1.0`
        _op_function = staticmethod(fn)
        _keras_module = keras_module

        def __init__(self, name=None, **config):
            unknown = sorted(set(config) - set(config_map))
            if unknown:
                raise ValueError(
                    f"Operation {class_name}: unexpected config key(s) {unknown}; "
                    f"it takes {sorted(config_map)}."
                )
            super().__init__(name=name, autocast=False)
            self._op_config = dict(config)
            self.built = True

        def call(self, *args, **kwargs):
            if len(args) > len(call_params):
                raise TypeError(
                    f"Operation {class_name} ('{self.name}') takes "
                    f"{len(call_params)} positional argument(s) {call_params}, "
                    f"got {len(args)}."
                )
            bound = dict(zip(call_params, args))
            for key, value in kwargs.items():
                if key in ("training", "mask") and key not in call_kwargs:
                    continue  # a model passes these to every node; ops take neither
                bound[call_kwargs.get(key, key)] = value
            for key, param in config_map.items():
                if key in self._op_config:
                    bound[param] = self._op_config[key]
            if class_name == "GetItem" and isinstance(bound.get("key"), list):
                bound["key"] = tuple(bound["key"])  # a JSON list is a tuple key
            return fn(**bound)

        def compute_output_spec(self, *args, **kwargs):
            if class_name == "Reshape":
                spec = _reshape_spec(args[0], self._op_config.get("newshape"))
                if spec is not None:
                    return spec
            try:
                return super().compute_output_spec(*args, **kwargs)
            except Exception as error:
                shapes = [
                    getattr(a, "shape", a)
                    for a in args
                    if not isinstance(a, list | tuple) or len(a) < 8
                ]
                raise type(error)(
                    f"ops.{fn.__name__} ({class_name}, '{self.name}') cannot be "
                    f"applied to symbolic arguments with shapes {shapes}: {error}. "
                    "Check that the shapes broadcast / match along the axes this "
                    "op combines (unknown sizes are `None`)."
                ) from error

        def get_config(self):
            return {"name": self.name, **self._op_config}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

        def __repr__(self):
            return f"<Operation name={self.name}>"

    OpNode.__name__ = OpNode.__qualname__ = class_name
    OpNode.__module__ = keras_module
    return OpNode


def _reshape_spec(x, newshape):
    """Keras's output of a symbolic reshape whose `-1` meets an unknown size:
    that axis is unknown too (`(None, 4)` to `(-1, 3, 4)` is `(None, 3, 4)`),
    which no probe batch size could show. None where tracing answers."""
    shape = getattr(x, "shape", None)
    if shape is None or None not in shape or not isinstance(newshape, list | tuple):
        return None
    if list(newshape).count(-1) != 1:
        return None
    return KerasTensor(tuple(None if d == -1 else d for d in newshape), x.dtype)


_symbolic.set_node_factory(make_node_class)
