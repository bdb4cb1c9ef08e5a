"""`kerasish.ops` on symbolic tensors: each call records a graph node.

Every public ops function is wrapped once (`symbolic_dispatch`). Called with a
`KerasTensor` anywhere in its arguments (also inside lists and tuples), it builds
an operation node named and configured as Keras 3 records the same call (class
`Add`, `Relu`, `Concatenate(axis=...)`, `GetItem`, ...; the table is generated
from Keras's source, `_symbolic_table.py`) and calls it on the symbolic
arguments: the output spec comes from tracing the op with the engine's
`eval_shape`, exactly as for layers. Functional models replay the node;
`get_config` writes it as Keras does, and `op_from_config` rebuilds it by class
name from the registry of wrapped functions only, never from code in a file.
"""

import functools
import inspect
import sys

from kerasish.ops._symbolic_table import TABLE

# Keras's module of each op class, by kerasish ops namespace.
_KERAS_MODULE = {
    m: f"keras.src.ops.{m}"
    for m in ("numpy", "nn", "math", "core", "linalg", "image", "einops")
}
_BY_NAME = {}  # function name -> [(keras module short, spec)]
for (_mod, _fn), _spec in TABLE.items():
    _BY_NAME.setdefault(_fn, []).append((_mod, _spec))

_REGISTRY = {}  # (keras module, class name) -> node class
_WRAPPED = {}  # id(original function) -> wrapper


def _keras_tensor_class():
    module = sys.modules.get("kerasish.layers.keras_tensor")
    return None if module is None else module.KerasTensor


def _contains(value, cls, depth=0):
    if isinstance(value, cls):
        return True
    if depth < 3 and isinstance(value, list | tuple):
        return any(_contains(v, cls, depth + 1) for v in value)
    if depth < 3 and isinstance(value, dict):
        return any(_contains(v, cls, depth + 1) for v in value.values())
    return False


def _camel(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _spec_for(fn, module):
    """`(keras module, class, config map, call params, call kwarg map)` of `fn`."""
    params = inspect.signature(fn).parameters
    plain = all(
        p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params.values()
    )
    candidates = _BY_NAME.get(fn.__name__, [])
    candidates = sorted(candidates, key=lambda c: c[0] != module)
    for keras_mod, (cls, config, call_args, call_kwargs) in candidates:
        used = set(config.values()) | set(call_args) | set(call_kwargs.values())
        if plain and used <= set(params) and set(params) <= used:
            return _KERAS_MODULE[keras_mod], cls, config, call_args, call_kwargs
    # Not in Keras (or a different signature): every argument is a call argument.
    if not plain:
        return None
    return f"kerasish.ops.{module}", _camel(fn.__name__), {}, list(params), {}


_NODE_CLASSES = {}  # id(function) -> node class


def _node_class(fn, spec):
    if id(fn) not in _NODE_CLASSES:
        _NODE_CLASSES[id(fn)] = _make_node_class(fn, spec)
    return _NODE_CLASSES[id(fn)]


_FACTORY = []  # set by `kerasish.layers.op_node` (ops never import layers)


def set_node_factory(factory):
    """Installs `factory(fn, spec) -> node class` (a Layer subclass)."""
    _FACTORY[:] = [factory]


def _make_node_class(fn, spec):
    cls = _FACTORY[0](fn, spec)
    _REGISTRY.setdefault((cls._keras_module, cls.__name__), cls)
    return cls


# Ops that read a tensor's static facts: on a KerasTensor, as in Keras, they
# return them (`shape(x)` is `(None, 5, 4)`) and record no node.
_STATIC = {"shape", "dtype", "standardize_dtype", "is_tensor"}


def symbolic_dispatch(fn, module):
    """`fn`, also callable on KerasTensors (recording an op node)."""
    if fn.__name__ in _STATIC:
        return fn
    if id(fn) in _WRAPPED or getattr(fn, "_symbolic_dispatch", False):
        return _WRAPPED.get(id(fn), fn)
    spec = _spec_for(fn, module)
    if spec is None:
        return fn
    signature = inspect.signature(fn)
    node_cls = None

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        cls = _keras_tensor_class()
        if cls is None or not (
            any(_contains(a, cls) for a in args)
            or any(_contains(v, cls) for v in kwargs.values())
        ):
            return fn(*args, **kwargs)
        nonlocal node_cls
        if node_cls is None:
            node_cls = _node_class(fn, spec)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        _, _, config_map, call_params, call_kwargs = spec
        config = {key: values[param] for key, param in config_map.items()}
        config = {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}
        node = node_cls(**config)
        call_args = [values[p] for p in call_params]
        kw = {key: values[param] for key, param in call_kwargs.items()}
        return node(*call_args, **kw)

    wrapper._symbolic_dispatch = True
    wrapper._symbolic_spec = spec
    wrapper._symbolic_node_class = lambda: _node_class(fn, spec)
    _WRAPPED[id(fn)] = wrapper
    return wrapper


def wrap_module(module, short_name):
    """Wraps the public functions of an ops module in place."""
    for name in getattr(module, "__all__", []):
        value = getattr(module, name, None)
        if inspect.isfunction(value) and not name.startswith("_"):
            setattr(module, name, symbolic_dispatch(value, short_name))


def is_op_node(obj):
    return bool(getattr(type(obj), "_is_op_node", False))


def serialize_op_node(node):
    cls = type(node)
    return {
        "module": cls._keras_module,
        "class_name": cls.__name__,
        "config": node.get_config(),
        "registered_name": cls.__name__,
    }


def is_op_config(entry):
    module = entry.get("module") or ""
    return module.startswith("keras.src.ops.") or module.startswith("kerasish.ops.")


def op_from_config(entry):
    """Rebuilds an op node from its config, by class name from the registry."""
    module, class_name = entry.get("module"), entry.get("class_name")
    key = (module, class_name)
    if key not in _REGISTRY:
        _fill_registry()
    cls = _REGISTRY.get(key)
    if cls is None:
        raise ValueError(
            f"Unknown operation {class_name!r} (module {module!r}) in the model "
            "config. kerasish rebuilds op nodes only from its fixed registry of "
            "`kerasish.ops` functions and never runs code from a file; this name "
            "is not one of them. Rebuild the model in code instead."
        )
    config = dict(entry.get("config") or {})
    try:
        return cls.from_config(config)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Operation {class_name!r}: cannot rebuild from config {config}: {error}"
        ) from error


def _fill_registry():
    import kerasish.ops  # noqa: F401  (wraps every namespace)

    for wrapper in list(_WRAPPED.values()):
        wrapper._symbolic_node_class()
