"""`kerasish.initializers`: weight initializers by class or name, as in Keras 3.

`get("glorot_uniform")` returns a `GlorotUniform()` instance; class names
(`"GlorotUniform"`), snake-case names and Keras's aliases (`"normal"`, `"uniform"`,
`"zero"`, `"one"`) are accepted.
"""

import numpy as np

from kerasish import config, ops
from kerasish.common.identifiers import deserialize_object, get_object
from kerasish.common.naming import to_snake_case
from kerasish.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from kerasish.initializers.initializer import Initializer
from kerasish.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from kerasish.initializers.stft import STFT
from kerasish.serialization import register_builtin, serialize_keras_object

register_builtin("initializers")(Initializer)

_CLASSES = (
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity,
    Initializer, LecunNormal, LecunUniform, Ones, Orthogonal, RandomNormal,
    RandomUniform, STFT, TruncatedNormal, VarianceScaling, Zeros,
)  # fmt: skip
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "STFTInitializer": STFT,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    }
)

# Keras's lower-case spellings are the classes themselves:
# `kerasish.initializers.glorot_uniform(seed=0)` builds a `GlorotUniform`.
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = IdentityInitializer = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = OrthogonalInitializer = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
stft = STFTInitializer = STFT
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros


def serialize(initializer) -> dict:
    """Returns `{"module", "class_name", "config", "registered_name"}`."""
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Rebuilds an initializer from `serialize`'s output or a name."""
    obj = deserialize_object(
        config,
        kind="initializer",
        module_objects=ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
    )
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """Returns the initializer for `identifier`.

    Args:
        identifier: `None` (returned as is), a name such as `"he_normal"`, a config
            dict, an `Initializer` class (instantiated) or instance, a callable
            `(shape, dtype=None) -> tensor`, or an array whose values are used
            directly (calls must then ask for its shape).

    Returns:
        A callable `(shape, dtype=None) -> tensor`, or `None`.

    Raises:
        ValueError: An unknown name; the message lists the valid names.
        TypeError: An identifier of another type.

    Example:
    >>> kerasish.initializers.get("zeros")((2,)).tolist()
    [0.0, 0.0]
    """
    if isinstance(identifier, np.ndarray | np.generic) or (
        not isinstance(identifier, str | dict) and ops.is_tensor(identifier)
    ):
        return _from_array(identifier)
    return get_object(identifier, kind="initializer", module_objects=ALL_OBJECTS_DICT)


def _from_array(values):
    expected = tuple(values.shape)

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != expected:
            raise ValueError(
                f"This initializer holds fixed values of shape {expected} and "
                f"cannot fill shape {tuple(shape)}. Pass an array of shape "
                f"{tuple(shape)} or a named initializer instead."
            )
        return ops.cast(values, config.floatx() if dtype is None else dtype)

    return initialize_fn


__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform",
    "Identity", "IdentityInitializer", "Initializer", "LecunNormal", "LecunUniform",
    "Ones", "Orthogonal", "OrthogonalInitializer", "RandomInitializer",
    "RandomNormal", "RandomUniform", "STFT", "STFTInitializer", "TruncatedNormal",
    "VarianceScaling", "Zeros",
    "compute_fans", "constant", "deserialize", "get", "glorot_normal",
    "glorot_uniform", "he_normal", "he_uniform", "identity", "lecun_normal",
    "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
    "serialize", "stft", "truncated_normal", "variance_scaling", "zeros",
]  # fmt: skip
