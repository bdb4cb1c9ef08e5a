"""Names for serializable classes, config (de)serialization that runs no code, and
safe mode.

Built-in classes register their Keras name once with `@register_builtin("layers")`;
user classes with `@register_keras_serializable(package="MyPkg")`. A config is
`{"module": ..., "class_name": ..., "config": {...}, "registered_name": ...}` as in
Keras 3; deserializing only looks names up, it never imports or evaluates anything.

Safe mode: while loading, code stored in a file (lambda source) and paths named by
a config (vocabulary files) are refused. `load_model(..., safe_mode=True)` (the
default) loads inside `SafeModeScope(True)`;
`kerasish.config.enable_unsafe_deserialization()` turns safe mode off until
`clear_session()`, as in Keras.

This module sits at the bottom of kerasish, beside `config`: every package
registers its classes here, so it imports nothing of kerasish but `config`.
`kerasish.saving` re-exports the public names.
"""

import difflib
import inspect
import threading

import numpy as np

from kerasish import config

_BUILTINS: dict[str, dict[str, type]] = {}
_CUSTOM: dict[str, object] = {}
_CUSTOM_SCOPE: list[dict] = []


def register_builtin(kind: str, name: str | None = None):
    """Class decorator: registers a built-in class under `kind` (e.g. "layers")."""

    def decorator(cls):
        _BUILTINS.setdefault(kind, {})[name or cls.__name__] = cls
        cls._registered_kind = kind
        return cls

    return decorator


def builtin_objects(kind: str) -> dict[str, type]:
    return dict(_BUILTINS.get(kind, {}))


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Registers a user class or function so configs and files can name it.

    Example:
    >>> @kerasish.saving.register_keras_serializable(package="demo")
    ... class Scale(kerasish.layers.Layer):
    ...     pass
    """

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                "Cannot register a class that does not have a get_config() method."
            )
        # As in Keras, registering a name again replaces the old object (a
        # notebook cell that redefines a class runs twice).
        _CUSTOM[registered] = obj
        obj._registered_name = registered
        return obj

    return decorator


def get_custom_objects() -> dict:
    """The global `{name: object}` dict of registered user objects (editable).

    Example:
    >>> kerasish.saving.get_custom_objects()["MyLayer"] = MyLayer  # doctest: +SKIP
    """
    return _CUSTOM


def _own_registered_name(obj):
    # Read from the object itself: a subclass of a registered class is not
    # registered under its parent's name.
    return getattr(obj, "__dict__", {}).get("_registered_name")


def get_registered_name(obj) -> str:
    """The name `obj` is registered under (`"package>Name"`), else its `__name__`."""
    return (
        _own_registered_name(obj)
        or getattr(obj, "__name__", None)
        or type(obj).__name__
    )


def get_custom_object(name, custom_objects=None):
    """The user's object named `name` (`custom_objects`, the open
    `custom_object_scope`s, then the registered ones), or None. As in Keras,
    these come before the built-ins: a custom `OrthogonalRegularizer` passed
    to `load_model` is the one rebuilt."""
    for scope in [custom_objects or {}, *reversed(_CUSTOM_SCOPE)]:
        if name in scope:
            return scope[name]
    return _CUSTOM.get(name)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as `name`: `get_custom_object`'s, then
    `module_objects`, and last kerasish's built-in classes."""
    custom = get_custom_object(name, custom_objects)
    if custom is not None:
        return custom
    if module_objects and name in module_objects:
        return module_objects[name]
    for kind in _BUILTINS.values():
        if name in kind:
            return kind[name]
    return None


class CustomObjectScope:
    """`with CustomObjectScope({"Scale": Scale}):` makes names resolvable in loads."""

    def __init__(self, custom_objects: dict):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _CUSTOM_SCOPE.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _CUSTOM_SCOPE.pop()
        return False


custom_object_scope = CustomObjectScope


def _unserializable(obj):
    raise TypeError(
        f"Cannot serialize object {obj!r} of type {type(obj)}. To be serializable, "
        "a class must implement the `get_config()` method (and `from_config()` if "
        "its constructor does not take the config's keys)."
    )


def serialize_keras_object(obj):
    """Returns a JSON-able description of `obj` (a class instance or a function)."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.ndarray) and obj.ndim == 0:
        return obj.item()  # as Keras: a 0-d array is a plain number
    if isinstance(obj, np.ndarray):  # Keras's form, dtype kept
        return {
            "class_name": "__numpy__",
            "config": {"value": obj.tolist(), "dtype": obj.dtype.name},
        }
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, list | tuple):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if not hasattr(obj, "get_config"):
        if not callable(obj) or not hasattr(obj, "__name__"):  # not a function
            _unserializable(obj)
        # A function is saved by name (its registered name, "package>name", if
        # it has one), in Keras's form, which Keras reads back.
        return {
            "module": "builtins",
            "class_name": "function",
            "config": getattr(obj, "_registered_name", None) or obj.__name__,
            "registered_name": "function",
        }
    cls = type(obj)
    registered = _own_registered_name(cls)
    kind = cls.__dict__.get("_registered_kind")
    if (
        registered is None
        and kind is not None
        and _BUILTINS[kind].get(cls.__name__) is cls
    ):
        # A built-in: named as Keras 3 names its own class, so Keras loads it.
        out = {
            "module": _KERAS_MODULES.get(cls.__name__)
            or _KERAS_KIND_MODULES.get(kind, f"keras.{kind}"),
            "class_name": _KERAS_CLASS_NAMES.get(cls.__name__, cls.__name__),
            "config": obj.get_config(),
            "registered_name": None,
        }
    else:
        module = getattr(cls, "__module__", None)
        out = {
            # As Keras: a class of the running script has no module to name.
            "module": None if module == "__main__" else module,
            "class_name": cls.__name__,
            "config": _nested_serialized(obj.get_config()),
            "registered_name": registered or cls.__name__,
        }
    get_build_config = getattr(obj, "get_build_config", None)
    if callable(get_build_config):  # None while unbuilt
        build_config = get_build_config()
        if build_config is not None:
            out["build_config"] = _jsonable(build_config)
    get_compile_config = getattr(obj, "get_compile_config", None)
    if callable(get_compile_config):  # a model: Keras's `compile_config`
        compile_config = get_compile_config()
        if compile_config is not None:
            out["compile_config"] = serialize_keras_object(compile_config)
    return out


def _nested_serialized(value):
    """A user class's config with what it holds serialized as Keras's
    `serialize_dict` does: a layer, initializer, regularizer or function
    becomes its config dict, a numpy value Keras's `__numpy__` form (as from
    `self.var.numpy()`); containers keep their type, plain values stay."""
    if isinstance(value, dict):
        return {k: _nested_serialized(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_nested_serialized(v) for v in value)
    if isinstance(value, np.ndarray | np.generic) or (
        not isinstance(value, type)
        and (hasattr(value, "get_config") or inspect.isfunction(value))
    ):
        return serialize_keras_object(value)
    return value


def _jsonable(value):
    # Tuples stay tuples in memory, as in Keras's configs (JSON makes lists).
    if isinstance(value, tuple):
        return tuple(_jsonable(v) for v in value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _shapes(value):
    """JSON lists back to shape tuples (`[None, 3]` -> `(None, 3)`)."""
    if isinstance(value, dict):
        return {k: _shapes(v) for k, v in value.items()}
    if isinstance(value, list) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
    ):
        return tuple(value)
    if isinstance(value, list):
        return [_shapes(v) for v in value]
    return value


# Where Keras 3's own configs say its classes live, where that is not
# `keras.<kind>`.
_KERAS_MODULES = {
    "Sequential": "keras",
    "Functional": "keras.src.models.functional",
    "Model": "keras.src.models.model",
    # FeatureSpace's own layers, which Keras does not export.
    "TFDConcat": "keras.src.layers.preprocessing.feature_space",
    "TFDIdentity": "keras.src.layers.preprocessing.feature_space",
    # Base classes Keras also exports at the top level (`keras.Optimizer`).
    "Optimizer": "keras",
    "Initializer": "keras",
}
# Classes Keras exports under another name, which its configs hold.
_KERAS_CLASS_NAMES = {"GroupedQueryAttention": "GroupQueryAttention"}
_KERAS_KIND_MODULES = {"schedules": "keras.optimizers.schedules"}


def deserialize_keras_object(config, kind: str | None = None, custom_objects=None):
    """Rebuilds an object from `serialize_keras_object`'s output, by name only."""
    if config is None or isinstance(config, bool | int | float):
        return config
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects)
        if obj is None and kind is not None:
            obj = _BUILTINS.get(kind, {}).get(config)
        return obj if obj is not None else config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Cannot deserialize {config!r}: expected a dict with 'class_name'."
        )
    class_name = config["class_name"]
    if class_name == "__numpy__":
        inner = config["config"]
        return np.array(inner["value"], dtype=inner["dtype"])
    registered = config.get("registered_name") or class_name
    if class_name == "function":
        name = config["config"]
        obj = get_registered_object(
            registered, custom_objects
        ) or get_registered_object(name, custom_objects)
        if obj is None:
            raise _unknown(name, kind, custom_objects)
        return obj
    cls = None
    if registered != class_name:
        # A class the user registered ("package>Name") comes first, as in Keras:
        # before a built-in class of the same name.
        cls = get_registered_object(registered, custom_objects)
    if cls is None and kind is not None:
        cls = get_custom_object(class_name, custom_objects) or _BUILTINS.get(
            kind, {}
        ).get(class_name)
    cls = cls or get_registered_object(registered, custom_objects)
    cls = cls or get_registered_object(class_name, custom_objects)
    if cls is None:
        raise _unknown(class_name, kind, custom_objects)
    inner = config.get("config", {})
    if hasattr(cls, "from_config"):
        obj = cls.from_config(inner)
    else:
        obj = cls(**inner)
    build_config = config.get("build_config")
    if (
        isinstance(build_config, dict)
        and build_config
        and hasattr(obj, "build_from_config")
        and not getattr(obj, "built", True)
    ):
        obj.build_from_config(_shapes(build_config))
    compile_config = config.get("compile_config")
    if isinstance(compile_config, dict) and compile_config:
        # As Keras: a model's config (`to_json`, `serialize`) compiles it again.
        compile_from_config = getattr(obj, "compile_from_config", None)
        if callable(compile_from_config):
            compile_from_config(compile_config)
    return obj


class UnknownObjectError(TypeError, ValueError):
    """`load_model` of a file naming a class or function this program does
    not know: a TypeError, as Keras raises it, and a ValueError, as kerasish
    raises for every file it cannot load."""


def _unknown(name, kind, custom_objects):
    """The TypeError Keras raises for a config's unknown class, marked
    (`unknown_object`) for `load_model`."""
    known = set(_BUILTINS.get(kind, {})) if kind else set()
    known |= set(_CUSTOM) | set(custom_objects or {})
    close = difflib.get_close_matches(str(name), sorted(known), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    error = TypeError(
        f"Unknown object {name!r}{' in ' + kind if kind else ''}.{hint}{_REGISTER}"
    )
    error.unknown_object = True
    return error


_REGISTER = (
    " If it is your own class or function, register it with "
    "`@kerasish.saving.register_keras_serializable()` or pass it in "
    "`custom_objects={...}`."
)


def unknown_name_error(kind: str, name: str, valid, error=ValueError):
    """The error for an unknown identifier, listing the valid ones: as Keras, a
    ValueError for a name, a TypeError for a config dict's class."""
    valid = sorted(valid)
    close = difflib.get_close_matches(str(name), valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    if error is TypeError:
        hint += _REGISTER
    return error(f"Unknown {kind} {name!r}.{hint} Valid names: {', '.join(valid)}.")


# -- safe mode -------------------------------------------------------------------

_LOCAL = threading.local()


class SafeModeScope:
    """`with SafeModeScope(False):` lets a trusted file's Lambda code load."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._previous = getattr(_LOCAL, "safe_mode", None)
        _LOCAL.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc):
        _LOCAL.safe_mode = self._previous
        return False


def in_safe_mode():
    """True while loading in safe mode, False when it is off, None outside any
    load (as Keras's `serialization_lib.in_safe_mode`)."""
    if config._unsafe_deserialization_enabled():
        return False
    value = getattr(_LOCAL, "safe_mode", None)
    return None if value is None else bool(value)


def is_safe_mode(explicit=None) -> bool:
    """Whether code and paths are refused now (`explicit` wins when given)."""
    if explicit is not None:
        return bool(explicit)
    value = in_safe_mode()
    return True if value is None else value


def refuse_path(what, path):
    """Raises when a config asks to open `path` while a file loads in safe mode."""
    if in_safe_mode():
        raise ValueError(
            f"Requested the loading of a {what} outside of the model archive: "
            f"{path!r}. This carries a potential risk of loading arbitrary and "
            "sensitive files and thus it is disallowed by default. If you trust "
            "the source of the file, pass `safe_mode=False` to the loading "
            "function, or call `keras.config.enable_unsafe_deserialization()`."
        )
