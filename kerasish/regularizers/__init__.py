"""`kerasish.regularizers`: weight penalties by class or name, as in Keras 3.

`get("l2")` returns `L2()` (factor 0.01); `"l1"`, `"l1_l2"` (or `"l1l2"`),
`"orthogonal_regularizer"` and the class names are accepted.
"""

from kerasish.common.identifiers import deserialize_object, get_object
from kerasish.common.naming import to_snake_case
from kerasish.regularizers.regularizers import (
    L1,
    L1L2,
    L2,
    OrthogonalRegularizer,
    Regularizer,
)
from kerasish.serialization import serialize_keras_object

_CLASSES = (L1, L1L2, L2, OrthogonalRegularizer, Regularizer)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
# Keras 3 spells L1L2's snake-case name "l1l2"; "l1_l2" (its public alias, and
# Keras 2's name) is accepted too.
ALL_OBJECTS_DICT["l1_l2"] = L1L2

# Keras's lower-case spellings are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


def serialize(regularizer) -> dict:
    """Returns `{"module", "class_name", "config", "registered_name"}`."""
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """Rebuilds a regularizer from `serialize`'s output or a name."""
    obj = deserialize_object(
        config,
        kind="regularizer",
        module_objects=ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
    )
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """Returns the regularizer for `identifier`.

    Args:
        identifier: `None` (returned as is), a name such as `"l2"`, a config dict,
            a `Regularizer` class (instantiated) or instance, or a callable
            `(weight) -> scalar`.

    Returns:
        A callable regularizer, or `None`.

    Raises:
        ValueError: An unknown name; the message lists the valid names.
        TypeError: An identifier of another type.

    Example:
    >>> kerasish.regularizers.get("l2").get_config()
    {'l2': 0.01}
    """
    return get_object(identifier, kind="regularizer", module_objects=ALL_OBJECTS_DICT)


__all__ = [
    "L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize",
    "get", "l1", "l1_l2", "l2", "orthogonal_regularizer", "serialize",
]  # fmt: skip
