"""The one rule behind `activations.get`, `initializers.get`, `regularizers.get` and
`constraints.get`: turn an identifier (None, a name, a config dict, a class or a
callable) into the object it names, as Keras 3 does.

Each package passes its table of built-in names (`module_objects`); names are looked
up there first, then among user objects registered with
`@kerasish.saving.register_keras_serializable()` or passed in `custom_objects`.
Nothing is imported or evaluated: a name is only ever a dictionary key.
"""

import inspect

from kerasish import serialization as registry


class IdentifierError(ValueError, TypeError):
    """An identifier (`loss=2.5`, `activation=[...]`) that names nothing.

    A ValueError, as Keras raises, and a TypeError, as the wrong type it is.
    """


_MISSING = object()


def lookup_name(name: str, *, kind: str, module_objects: dict, custom_objects=None):
    """Returns the object registered as `name`, or raises the unknown-name error.

    Args:
        name: A string identifier such as `"relu"` or `"GlorotUniform"`.
        kind: Singular noun for messages (`"activation"`); its plural is the
            registry kind (`"activations"`).
        module_objects: The package's built-in `{name: object}` table.
        custom_objects: Optional `{name: object}` mapping; it, the open
            `custom_object_scope`s and the registered objects take precedence
            over the built-ins, as in Keras.

    Returns:
        The function or class named `name`.

    Raises:
        ValueError: `name` is unknown; the message lists the valid names.
    """
    custom = registry.get_custom_object(name, custom_objects)
    if custom is not None:
        return custom
    if name in module_objects:
        return module_objects[name]
    obj = registry.get_registered_object(name, custom_objects)
    if obj is not None and not _is_other_builtin(obj, name, kind):
        return obj
    raise registry.unknown_name_error(kind, name, module_objects)


def _is_other_builtin(obj, name, kind) -> bool:
    # The registry searches every kind; `initializers.get("Dense")` must not return
    # the Dense layer, so a built-in of another kind does not count as a match.
    other = getattr(obj, "_registered_kind", None)
    if other is None or other == f"{kind}s":
        return False
    return registry.builtin_objects(other).get(name) is obj


def deserialize_object(config, *, kind: str, module_objects: dict, custom_objects=None):
    """Rebuilds an object from a name or a Keras config dict.

    A dict is `{"class_name": ..., "config": ...}` (the `module` and
    `registered_name` keys are optional); `class_name == "function"` names a
    function by its `config` string. Classes are rebuilt with `from_config`.
    """
    if config is None:
        return None
    if isinstance(config, str):
        return lookup_name(
            config,
            kind=kind,
            module_objects=module_objects,
            custom_objects=custom_objects,
        )
    if not isinstance(config, dict) or "class_name" not in config:
        raise TypeError(
            f"Cannot deserialize {kind} {config!r}: expected a name string or a "
            "config dict with a 'class_name' key (as returned by `serialize`)."
        )
    class_name = config["class_name"]
    inner = config.get("config") or {}
    # A function is saved by name in `config`; a class by `class_name`. Either may
    # also carry a `registered_name` ("Package>name") for user objects.
    is_function = class_name in ("function", "__function__")
    primary = inner if is_function else class_name
    names = [n for n in (primary, config.get("registered_name")) if isinstance(n, str)]
    obj = _MISSING
    for name in dict.fromkeys(names):
        try:
            obj = lookup_name(
                name,
                kind=kind,
                module_objects=module_objects,
                custom_objects=custom_objects,
            )
            break
        except ValueError:
            continue
    if obj is _MISSING:
        raise registry.unknown_name_error(kind, str(primary), module_objects, TypeError)
    if not inspect.isclass(obj):
        return obj
    if hasattr(obj, "from_config"):
        return obj.from_config(dict(inner))
    return obj(**inner)


def get_object(
    identifier,
    *,
    kind: str,
    module_objects: dict,
    default=None,
    instantiate_classes: bool = True,
    custom_objects=None,
):
    """Resolves `identifier` the way Keras's `<package>.get` does.

    Args:
        identifier: `None`, a name, a config dict, a class or a callable.
        kind: Singular noun for messages (`"initializer"`).
        module_objects: The package's built-in `{name: object}` table.
        default: Returned for `None` (activations return `linear`).
        instantiate_classes: Whether a class (given or named) is instantiated
            with no arguments (initializers, regularizers, constraints).
        custom_objects: Optional `{name: object}` mapping for names.

    Returns:
        A callable: a function or an instance.

    Raises:
        ValueError: An unknown name (the message lists the valid names).
        TypeError: Something that is neither a name, a dict nor a callable.
    """
    if identifier is None:
        return default
    if isinstance(identifier, str):
        obj = lookup_name(
            identifier,
            kind=kind,
            module_objects=module_objects,
            custom_objects=custom_objects,
        )
    elif isinstance(identifier, dict):
        obj = deserialize_object(
            identifier,
            kind=kind,
            module_objects=module_objects,
            custom_objects=custom_objects,
        )
    else:
        obj = identifier
    if inspect.isclass(obj) and instantiate_classes:
        obj = obj()
    if callable(obj):
        return obj
    raise IdentifierError(
        f"Could not interpret {kind} identifier {identifier!r} "
        f"(of type {type(identifier).__name__}): expected None, a {kind} name "
        f"such as {_example(module_objects)!r}, a config dict or a callable."
    )


def _example(module_objects) -> str:
    return next(iter(module_objects), "")
