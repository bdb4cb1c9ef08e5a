"""Initializers whose values are fixed: zeros, ones, a constant, the identity."""

import numpy as np

from kerasish import config, ops
from kerasish.initializers.initializer import Initializer, standardize_shape
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


def _dtype(dtype):
    return config.floatx() if dtype is None else dtype


def _filled(shape, dtype, value):
    """`value` broadcast against `shape`, built on the host and placed once.

    Eager `ops.full` compiles one program per shape; a model with hundreds of
    normalization layers spent most of its build time there. Values that numpy
    cannot hold (a traced tensor) take the ops path.
    """
    try:
        np_dtype = np.dtype(dtype)
        host = np.asarray(value).astype(np_dtype) * np.ones(shape, np_dtype)
    except (TypeError, ValueError):
        return ops.cast(value, dtype) * ops.ones(shape, dtype=dtype)
    return ops.convert_to_tensor(host, dtype=dtype)


@register_builtin("initializers")
class Constant(Initializer):
    """Fills the tensor with `value` (a scalar, or an array that broadcasts).

    Args:
        value: The fill value. Defaults to `0.0`.

    Example:
    >>> kerasish.initializers.Constant(3.0)((2,)).tolist()
    [3.0, 3.0]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Constant initializer")
        return _filled(shape, _dtype(dtype), self.value)

    def get_config(self):
        # As Keras: a numpy array is saved in Keras's `__numpy__` form (its
        # dtype kept), a list as a list.
        value = self.value
        if not isinstance(value, int | float | bool | list | np.ndarray):
            value = np.asarray(value)  # an engine array
            value = value.item() if value.ndim == 0 else value
        return {"value": serialize_keras_object(value)}

    @classmethod
    def from_config(cls, config):
        value = config["value"]
        if isinstance(value, dict):  # `{"class_name": "__numpy__", ...}`
            value = deserialize_keras_object(value)
        return cls(value=value)


@register_builtin("initializers")
class Zeros(Initializer):
    """Fills the tensor with 0.

    Example:
    >>> kerasish.initializers.Zeros()((2,)).tolist()
    [0.0, 0.0]
    """

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Zeros initializer")
        return _filled(shape, _dtype(dtype), 0)


@register_builtin("initializers")
class Ones(Initializer):
    """Fills the tensor with 1.

    Example:
    >>> kerasish.initializers.Ones()((2,)).tolist()
    [1.0, 1.0]
    """

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Ones initializer")
        return _filled(shape, _dtype(dtype), 1)


@register_builtin("initializers")
class Identity(Initializer):
    """`gain` times the identity matrix (ones on the main diagonal of a 2D shape).

    Args:
        gain: Multiplicative factor. Defaults to `1.0`.

    Example:
    >>> kerasish.initializers.Identity(2.0)((2, 2)).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Identity initializer")
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer needs a 2D shape (rows, cols), got {shape} "
                f"of rank {len(shape)}. Use it for Dense kernels or recurrent "
                "kernels, not for biases or convolution kernels."
            )
        dtype = _dtype(dtype)
        return ops.cast(self.gain, dtype) * ops.eye(shape[0], shape[1], dtype=dtype)

    def get_config(self):
        return {"gain": self.gain}
