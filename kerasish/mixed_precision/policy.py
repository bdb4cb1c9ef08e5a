"""Dtype policies: variables in one dtype, computation in another.

`"mixed_float16"` and `"mixed_bfloat16"` keep variables in float32 and compute in the
16-bit type; any dtype name (`"float32"`, the default, `"bfloat16"`, ...) does both
in that dtype. `DTypePolicyMap` assigns policies to layer paths.
"""

import re
from collections.abc import MutableMapping

from kerasish import config, ops
from kerasish.engine.dtypes import is_float_dtype, standardize_dtype
from kerasish.serialization import register_builtin, unknown_name_error

_GLOBAL = [None]


@register_builtin("dtype_policies")
class DTypePolicy:
    """A named pair (variable dtype, compute dtype).

    Args:
        name: `"mixed_float16"`, `"mixed_bfloat16"` or a dtype name such as
            `"float32"`; `None` means the global policy's name.

    Example:
    >>> policy = kerasish.DTypePolicy("mixed_bfloat16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name=None):
        if isinstance(name, DTypePolicy):
            name = name.name
        if name is None:
            name = dtype_policy().name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._name = name
        self._quantization_mode = None

    @staticmethod
    def _parse_name(name):
        if not isinstance(name, str):
            raise TypeError(
                "'name' must be a string, such as 'mixed_float16'. Received: "
                f"name={name} (of type {type(name)})"
            )
        if name == "mixed_float16":
            return "float16", "float32"
        if name == "mixed_bfloat16":
            return "bfloat16", "float32"
        try:
            dtype = standardize_dtype(name)
        except ValueError:
            raise ValueError(
                f"Unknown dtype policy {name!r}: cannot convert it to a mixed "
                "precision DTypePolicy. Valid policies include 'mixed_float16', "
                "'mixed_bfloat16', and the name of any float dtype such as "
                "'float32'."
            ) from None
        return dtype, dtype

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        """The dtype layers compute (and output) in."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype layers create their variables in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """`None`: this policy is not quantized."""
        return self._quantization_mode

    def convert_input(self, x, autocast, dtype):
        """Casts floating `x` to `dtype` when `autocast`; other inputs are kept."""
        dtype = standardize_dtype(dtype)
        symbolic = hasattr(x, "_keras_history")
        if not (symbolic or ops.is_tensor(x)):
            if not hasattr(x, "__array__"):
                return x
            x = ops.convert_to_tensor(x)
        current = standardize_dtype(x.dtype)
        if autocast and is_float_dtype(current) and current != dtype:
            x = ops.cast(x, dtype)
        return x

    def __repr__(self):
        return f'<{type(self).__name__} "{self._name}">'.replace(
            "FloatDTypePolicy", "DTypePolicy"
        )

    def __eq__(self, other):
        # DTypePolicy and its alias FloatDTypePolicy compare equal, as in Keras.
        plain = (DTypePolicy, FloatDTypePolicy)
        if type(self) in plain:
            if type(other) not in plain:
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name

    def __hash__(self):
        return hash(self._name)

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register_builtin("dtype_policies")
class FloatDTypePolicy(DTypePolicy):
    """An alias of `DTypePolicy` kept by Keras for older code."""


Policy = DTypePolicy


@register_builtin("dtype_policies")
class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Maps layer paths (exact, or regular expressions) to `DTypePolicy`s.

    A path with no entry gets `default_policy` (the global policy when `None`).

    Args:
        default_policy: The policy for unmatched paths.
        policy_map: Optional `{path: policy}` dict.

    Example:
    >>> policies = kerasish.dtype_policies.DTypePolicyMap("float32")
    >>> policies["encoder/.*"] = "bfloat16"
    >>> policies["encoder/dense"].name, policies["decoder"].name
    ('bfloat16', 'float32')
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(
                "If specified, `policy_map` must be a dict. Received: "
                f"policy_map={policy_map} of type {type(policy_map)}"
            )
        self._default_policy_arg = default_policy
        self._default_policy = get(default_policy)
        self._policy_map = {}
        for key, value in (policy_map or {}).items():
            self[key] = value

    @property
    def name(self):
        return f"map_{self.default_policy.name}"

    @property
    def default_policy(self):
        return get(self._default_policy)

    @property
    def compute_dtype(self):
        return self.default_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self.default_policy.variable_dtype

    @property
    def quantization_mode(self):
        return self.default_policy.quantization_mode

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [p for p in self._policy_map if re.fullmatch(p, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification keys: "
                f"{matches}. Please make sure each path only matches at most one "
                "dtype policy specification key in the DTypePolicyMap."
            )
        return self._policy_map[matches[0]] if matches else self.default_policy

    def __setitem__(self, key, policy):
        if key in self._policy_map:
            raise ValueError(
                f"{key} already exist in the DTypePolicyMap with value "
                f"{self._policy_map[key]}. Please make sure to not use duplicated "
                "keys."
            )
        try:
            policy = get(policy)
        except (TypeError, ValueError) as error:
            raise ValueError(
                "Cannot interpret the assigned value by "
                f"`kerasish.dtype_policies.get`. Received: {policy} of type "
                f"{type(policy)}"
            ) from error
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return (
            isinstance(other, DTypePolicyMap)
            and other.default_policy == self.default_policy
            and other._policy_map == self._policy_map
        )

    __hash__ = None

    def __repr__(self):
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return (
            f"<DTypePolicyMap at {hex(id(self))} default_policy="
            f"{self._default_policy.name}, mapping={mapping}>"
        )

    def get_config(self):
        return {
            "default_policy": self._default_policy_arg,
            "policy_map": {k: serialize(v) for k, v in self._policy_map.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["policy_map"] = {
            k: deserialize(v, custom_objects)
            for k, v in (config.get("policy_map") or {}).items()
        }
        return cls(**config)


_CLASSES = {
    "DTypePolicy": DTypePolicy,
    "FloatDTypePolicy": FloatDTypePolicy,
    "DTypePolicyMap": DTypePolicyMap,
}


def _from_name(name):
    """A policy from its name; quantized names (`"int8_from_float32"`) give the
    quantized policy classes."""
    from kerasish.mixed_precision import quantized_policy

    if name.startswith(quantized_policy.QUANTIZATION_MODES):
        return quantized_policy.get_quantized_dtype_policy_by_str(name)
    return DTypePolicy(name)


def dtype_policy():
    """Returns the global policy (a policy named after `floatx()` unless set)."""
    if _GLOBAL[0] is not None:
        return _GLOBAL[0]
    return DTypePolicy(config.floatx())


def set_dtype_policy(policy):
    """Sets the global policy new layers use: a name or a `DTypePolicy`.

    `None` restores the default (floatx).
    """
    if policy is None:
        _GLOBAL[0] = None
        return
    if isinstance(policy, DTypePolicy):
        _GLOBAL[0] = policy
    elif isinstance(policy, str):
        _GLOBAL[0] = _from_name(policy)
    else:
        raise ValueError(
            "Invalid `policy` argument. Expected the string name of a policy (such "
            f"as 'mixed_float16') or a `DTypePolicy` instance. Received: {policy} "
            f"(of type {type(policy)})"
        )


# Keras's legacy `mixed_precision` names for the same two functions.
global_policy = dtype_policy
set_global_policy = set_dtype_policy
# `kerasish.config.dtype_policy()` and `set_dtype_policy()` call these (config
# sits below this package and imports nothing).
config._DTYPE_POLICY_FUNCTIONS.update(get=dtype_policy, set=set_dtype_policy)


def get(identifier):
    """A `DTypePolicy` from `None` (the global one), a name, a config or a dtype.

    Example:
    >>> kerasish.dtype_policies.get("mixed_float16").compute_dtype
    'float16'
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return _from_name(identifier)
    try:
        return DTypePolicy(standardize_dtype(identifier))
    except (TypeError, ValueError):
        raise ValueError(
            "Cannot interpret `dtype` argument. Expected a string or an instance "
            f"of DTypePolicy. Received: dtype={identifier}"
        ) from None


def serialize(dtype_policy):
    """Keras's config dict for a policy (`{"module": "keras", "class_name": ...}`)."""
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError(
            f"serialize: expected a DTypePolicy, received {dtype_policy!r} (of type "
            f"{type(dtype_policy).__name__})."
        )
    # Keras names the plain policies' module "keras", the others' (maps,
    # quantized policies) "keras.dtype_policies".
    plain = type(dtype_policy) in (DTypePolicy, FloatDTypePolicy)
    module = "keras" if plain else "keras.dtype_policies"
    return {
        "module": module,
        "class_name": type(dtype_policy).__name__,
        "config": dtype_policy.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """Rebuilds a policy from `serialize`'s output (or a policy name)."""
    if isinstance(config, str):
        return _from_name(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Cannot deserialize dtype policy {config!r}: expected a dict with "
            "'class_name' and 'config' (as returned by `serialize`)."
        )
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise unknown_name_error("dtype policy class", name, _CLASSES)
    inner = config.get("config") or {}
    if cls is DTypePolicyMap:
        return cls.from_config(inner, custom_objects)
    return cls.from_config(inner)
