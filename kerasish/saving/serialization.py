"""`deserialize_keras_object` with Keras's signature, over `kerasish.serialization`."""

from kerasish import serialization as registry
from kerasish.saving.keras_compat import adapt_keras_config
from kerasish.serialization import SafeModeScope, in_safe_mode


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuilds an object from `serialize_keras_object`'s output, by name only.

    Args:
        config: A config dict (`{"class_name": ..., "config": ...}`), or a
            plain value: a name (looked up in `custom_objects`, else returned
            as is), a number, or a list or dict of configs (rebuilt item by item).
        custom_objects: Optional `{name: class_or_function}` for user objects.
        safe_mode: If `False`, Lambda code stored in the config may be rebuilt.
        **kwargs: `module_objects` (`{name: object}` searched after
            `custom_objects`) and kerasish's `kind` (`"layers"`, `"losses"`, ...:
            the built-in family searched first); other Keras-internal keywords
            are ignored.

    Example:
    >>> config = kerasish.utils.serialize_keras_object(kerasish.layers.Dense(2))
    >>> kerasish.utils.deserialize_keras_object(config).units
    2
    """
    kind = kwargs.pop("kind", None)
    names = dict(kwargs.pop("module_objects", None) or {})
    names.update(custom_objects or {})
    if kind is None:
        # As Keras's: a name not given in `custom_objects`/`module_objects` is
        # returned as it is, and lists and plain dicts item by item.
        if isinstance(config, str):
            return names.get(config, config)
        if isinstance(config, list | tuple) or (
            isinstance(config, dict) and "class_name" not in config
        ):

            def inner(value):
                return deserialize_keras_object(
                    value, names, safe_mode=safe_mode, **kwargs
                )

            if isinstance(config, dict):
                return {key: inner(value) for key, value in config.items()}
            return [inner(value) for value in config]
    # Configs written by Keras may carry arguments kerasish lacks (set to None).
    config = adapt_keras_config(config)
    # As in Keras, an enclosing load's safe-mode scope takes precedence.
    outer = in_safe_mode()
    if outer is not None:
        safe_mode = outer
    with SafeModeScope(safe_mode):
        return registry.deserialize_keras_object(
            config, kind=kind, custom_objects=names
        )
