"""`clear_session`, `get_uid`, `is_keras_tensor`: global state and symbolic tensors."""

import gc

from kerasish import config
from kerasish.common import naming
from kerasish.layers.keras_tensor import KerasTensor


def get_uid(prefix=""):
    """Returns 1, 2, 3, ... on successive calls with the same `prefix`.

    Shares its counters with automatic layer names: after one `Dense()`,
    `get_uid("dense")` is 2.
    """
    return naming.get_uid(prefix)


def clear_session(free_memory=True):
    """Resets kerasish's global state: automatic names, the global dtype policy,
    the logging/attention/traceback switches and unsafe deserialization.

    Settings (`floatx`, `epsilon`, image layout, fit caps) are kept, as in Keras.

    Args:
        free_memory: Whether to run Python's garbage collector afterwards.
    """
    naming.reset_uids()
    config.set_dtype_policy(None)
    config.reset_session_settings()  # also turns safe mode back on
    if free_memory:
        gc.collect()


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor (`kerasish.Input(...)` or a layer on one).

    Example:
    >>> kerasish.backend.is_keras_tensor(kerasish.Input((3,)))
    True
    """
    return isinstance(x, KerasTensor)
