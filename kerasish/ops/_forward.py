"""Helpers the `kerasish.ops` functions share: unwrapping and engine lookup."""

import numpy as np

from kerasish.engine import get_engine
from kerasish.variables import Variable


def unwrap(x):
    """Replaces `Variable`s (also inside lists and tuples) by their current values."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a namedtuple
        return type(x)(*(unwrap(v) for v in x))
    if isinstance(x, list | tuple):
        return type(x)(unwrap(v) for v in x)
    return x


def engine_namespace(name: str):
    """The active engine's `name` namespace ("nn", "image", "math", "core").

    An op the engine does not implement raises `NotImplementedError` there
    (the catalogue is `kerasish.engine.base.OPS`).
    """
    return getattr(get_engine(), name)


def is_host_strings(x):
    """Whether `x` is host text: a numpy array of strings (str, bytes or
    objects), which the engine's arrays cannot hold."""
    return isinstance(x, np.ndarray) and x.dtype.kind in "OUS"
