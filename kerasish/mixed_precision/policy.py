"""Dtype policies: variables in one dtype, computation in another.

`"mixed_float16"` and `"mixed_bfloat16"` keep variables in float32 and compute in the
16-bit type; `"float32"` (the default) does both in float32.
"""

from kerasish import config

_VALID = (
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "mixed_float16",
    "mixed_bfloat16",
)
_GLOBAL = [None]


class DTypePolicy:
    """A named pair (variable dtype, compute dtype).

    Args:
        name: One of float32, float16, bfloat16, float64, mixed_float16,
            mixed_bfloat16.
    """

    def __init__(self, name=None):
        name = config.floatx() if name is None else name
        if isinstance(name, DTypePolicy):
            name = name.name
        if name not in _VALID:
            raise ValueError(
                f"Unknown dtype policy {name!r}. Valid policies: {', '.join(_VALID)}."
            )
        self.name = name
        if name.startswith("mixed_"):
            self.compute_dtype = name[len("mixed_") :]
            self.variable_dtype = "float32"
        else:
            self.compute_dtype = self.variable_dtype = name

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


Policy = DTypePolicy


def global_policy() -> DTypePolicy:
    """Returns the global policy (`float32`, or the floatx, unless set)."""
    return _GLOBAL[0] if _GLOBAL[0] is not None else DTypePolicy(config.floatx())


def set_global_policy(policy) -> None:
    """Sets the policy new layers use: a name or a `DTypePolicy`."""
    _GLOBAL[0] = None if policy is None else DTypePolicy(policy)


def get(identifier) -> DTypePolicy:
    if identifier is None:
        return global_policy()
    return (
        identifier if isinstance(identifier, DTypePolicy) else DTypePolicy(identifier)
    )
