"""`kerasish.dtype_policies`: the policy classes and their (de)serialization.

The classes are `kerasish.mixed_precision`'s: one `DTypePolicy` class serves both.
"""

from kerasish.mixed_precision.policy import (
    DTypePolicy,
    DTypePolicyMap,
    FloatDTypePolicy,
    deserialize,
    get,
    serialize,
)

__all__ = [
    "DTypePolicy",
    "DTypePolicyMap",
    "FloatDTypePolicy",
    "deserialize",
    "get",
    "serialize",
]
