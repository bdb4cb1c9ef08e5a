"""`get`, `serialize`, `deserialize`: optimizers from names, configs and optax."""

from kerasish.common.identifiers import IdentifierError
from kerasish.engine import get_engine
from kerasish.optimizers.optax_optimizer import OptaxOptimizer
from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import (
    builtin_objects,
    deserialize_keras_object,
    get_registered_object,
    serialize_keras_object,
    unknown_name_error,
)


def _by_lower_name():
    return {
        name.lower(): cls
        for name, cls in builtin_objects("optimizers").items()
        if cls is not Optimizer
    }


def serialize(optimizer):
    """Returns the optimizer's config dict (Keras layout)."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """Rebuilds an optimizer from `serialize`'s output (class names are
    case-insensitive, as in Keras)."""
    config = dict(config)
    cls = _by_lower_name().get(str(config.get("class_name", "")).lower())
    if cls is not None:
        config["class_name"] = cls.__name__
        config["registered_name"] = cls.__name__
    return deserialize_keras_object(
        config, kind="optimizers", custom_objects=custom_objects
    )


def get(identifier):
    """Returns an optimizer for `identifier`.

    Args:
        identifier: A name (`"adam"`, `"sgd"`, ... case-insensitive), a config dict,
            an `Optimizer` (returned as is), or an optax `GradientTransformation`
            (wrapped in an `OptaxOptimizer`).

    Returns:
        An `Optimizer`, or `None` for `None`.

    Example:
    >>> type(get("adam")).__name__
    'Adam'
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        classes = _by_lower_name()
        cls = classes.get(identifier.lower())
        if cls is None:  # a user's registered optimizer ("package>Name"), as Keras
            registered = get_registered_object(identifier)
            if isinstance(registered, type) and issubclass(registered, Optimizer):
                return registered()
        if cls is None or cls.__name__ in ("LossScaleOptimizer",):
            raise unknown_name_error(
                "optimizer",
                identifier,
                [n for n, c in classes.items() if c.__name__ != "LossScaleOptimizer"],
            )
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if get_engine().optimizers.is_gradient_transformation(identifier):
        return OptaxOptimizer(identifier)
    raise IdentifierError(
        f"Could not interpret optimizer identifier {identifier!r}: expected a name "
        "such as 'adam', a config dict, a kerasish Optimizer or an optax "
        "GradientTransformation."
    )
