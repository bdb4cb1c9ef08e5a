"""`deserialize_keras_object` with Keras's signature, over `kerasish.serialization`."""

from kerasish import serialization as registry
from kerasish.saving.keras_compat import adapt_keras_config
from kerasish.serialization import SafeModeScope, in_safe_mode


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuilds an object from `serialize_keras_object`'s output, by name only.

    Args:
        config: A config dict (`{"class_name": ..., "config": ...}`), a name, or
            a plain value (returned as is).
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
