"""Dtype names and Keras's type promotion, as `keras.backend` has them.

The names and the promotion lattice live with the engines (`engine/dtypes.py`);
`result_type` asks the active engine, whose dtype rules decide.
"""

from kerasish.engine import get_engine
from kerasish.engine.dtypes import (
    ALLOWED_DTYPES,
    is_float_dtype,
    is_int_dtype,
    standardize_dtype,
)


def result_type(*dtypes):
    """The dtype of combining `dtypes`, by the active engine's promotion rules.

    Python `int` and `float` are weak: `result_type("bfloat16", float)` is
    `"bfloat16"`. No arguments give `floatx()`.

    Example:
    >>> kerasish.backend.result_type("int32", "float32")
    'float32'
    """
    return get_engine().result_type(*dtypes)


__all__ = [
    "ALLOWED_DTYPES",
    "is_float_dtype",
    "is_int_dtype",
    "result_type",
    "standardize_dtype",
]
