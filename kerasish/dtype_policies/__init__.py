"""`kerasish.dtype_policies`: the policy classes and their (de)serialization.

The classes are `kerasish.mixed_precision`'s: one `DTypePolicy` class serves both.
The quantized policies (`"int8_from_float32"`, ...) are what `quantize` sets.
"""

from kerasish.mixed_precision.policy import (
    DTypePolicy,
    DTypePolicyMap,
    FloatDTypePolicy,
    deserialize,
    get,
    serialize,
)
from kerasish.mixed_precision.quantized_policy import (
    AWQDTypePolicy,
    GPTQDTypePolicy,
    Int4DTypePolicy,
    QuantizedDTypePolicy,
    QuantizedFloat8DTypePolicy,
)

__all__ = [
    "AWQDTypePolicy",
    "DTypePolicy",
    "DTypePolicyMap",
    "FloatDTypePolicy",
    "GPTQDTypePolicy",
    "Int4DTypePolicy",
    "QuantizedDTypePolicy",
    "QuantizedFloat8DTypePolicy",
    "deserialize",
    "get",
    "serialize",
]
