"""`kerasish.constraints`: weight constraints by class or name, as in Keras 3.

`get("max_norm")` returns `MaxNorm()`; `"non_neg"`, `"unit_norm"`,
`"min_max_norm"` and the class names are accepted.
"""

from kerasish.common.identifiers import deserialize_object, get_object
from kerasish.common.naming import to_snake_case
from kerasish.constraints.constraints import (
    Constraint,
    MaxNorm,
    MinMaxNorm,
    NonNeg,
    UnitNorm,
)
from kerasish.serialization import serialize_keras_object

_CLASSES = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})

# Keras's lower-case spellings are the classes themselves.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm


def serialize(constraint) -> dict:
    """Returns `{"module", "class_name", "config", "registered_name"}`."""
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """Rebuilds a constraint from `serialize`'s output or a name."""
    obj = deserialize_object(
        config,
        kind="constraint",
        module_objects=ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
    )
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """Returns the constraint for `identifier`.

    Args:
        identifier: `None` (returned as is), a name such as `"non_neg"`, a config
            dict, a `Constraint` class (instantiated) or instance, or a callable
            `(weight) -> weight`.

    Returns:
        A callable constraint, or `None`.

    Raises:
        ValueError: An unknown name; the message lists the valid names.
        TypeError: An identifier of another type.

    Example:
    >>> kerasish.constraints.get("max_norm").get_config()
    {'max_value': 2, 'axis': 0}
    """
    return get_object(identifier, kind="constraint", module_objects=ALL_OBJECTS_DICT)


__all__ = [
    "Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize",
    "get", "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm",
]  # fmt: skip
