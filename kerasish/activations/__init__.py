"""`kerasish.activations`: activation functions by name, as in `keras.activations`.

`get("relu")` returns the function; `get(None)` returns `linear`; `serialize(fn)`
returns a built-in's name (`"relu"`) and a config dict for anything else.
"""

import types

from kerasish.activations.activations import (
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    swish,
    tanh,
    tanh_shrink,
    threshold,
)
from kerasish.common.identifiers import deserialize_object, get_object
from kerasish.serialization import (
    get_registered_name,
    register_builtin,
    serialize_keras_object,
)

_FUNCTIONS = (
    celu, elu, exponential, gelu, glu, hard_shrink, hard_sigmoid, hard_silu,
    hard_tanh, leaky_relu, linear, log_sigmoid, log_softmax, mish, relu, relu6,
    selu, sigmoid, silu, soft_shrink, softmax, softplus, softsign, sparse_plus,
    sparse_sigmoid, sparsemax, squareplus, tanh, tanh_shrink, threshold,
)  # fmt: skip
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in _FUNCTIONS}
# Keras's aliases: the same functions under a second name.
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
for _name, _fn in ALL_OBJECTS_DICT.items():
    register_builtin("activations", name=_name)(_fn)
del _name, _fn


def serialize(activation):
    """Returns a built-in activation's name, or a config dict for other callables.

    Example:
    >>> kerasish.activations.serialize(kerasish.activations.swish)
    'silu'
    """
    if any(activation is fn for fn in _FUNCTIONS):
        return activation.__name__
    if (
        isinstance(activation, types.FunctionType)
        and get_registered_name(activation) in ALL_OBJECTS_DICT
    ):
        # A plain function named as an activation (`keras.ops.gelu`) is saved
        # by that name, as Keras saves it.
        return activation.__name__
    if not callable(activation):
        raise TypeError(
            f"Cannot serialize activation {activation!r} (of type "
            f"{type(activation).__name__}): expected a callable such as "
            "`kerasish.activations.relu`."
        )
    return serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    """Returns the activation named by `config` (a name or a `serialize` dict)."""
    return deserialize_object(
        config,
        kind="activation",
        module_objects=ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
    )


def get(identifier):
    """Returns the activation function for `identifier`.

    Args:
        identifier: `None` (gives `linear`), a name such as `"relu"`, a config dict
            from `serialize`, or a callable (returned as is).

    Returns:
        A callable taking a tensor.

    Raises:
        ValueError: An unknown name; the message lists the valid names.
        TypeError: An identifier that is not a name, a dict nor a callable.

    Example:
    >>> kerasish.activations.get("relu") is kerasish.activations.relu
    True
    """
    return get_object(
        identifier,
        kind="activation",
        module_objects=ALL_OBJECTS_DICT,
        default=linear,
        instantiate_classes=False,
    )


__all__ = [
    "celu", "deserialize", "elu", "exponential", "gelu", "get", "glu",
    "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6",
    "selu", "serialize", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish",
    "tanh", "tanh_shrink", "threshold",
]  # fmt: skip
