"""Quantized dtype policies: `"<mode>_from_<source policy>"`.

A quantized policy names how a layer stores its weights (`mode`: "int8",
"float8", "int4/<block_size>", "gptq/<bits>/<group>", "awq/<bits>/<group>") and
the float policy (`source_name`) it computes in.
"""

from kerasish.mixed_precision.policy import _CLASSES, DTypePolicy, dtype_policy
from kerasish.serialization import register_builtin

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


@register_builtin("dtype_policies")
class QuantizedDTypePolicy(DTypePolicy):
    """A quantized policy: weights stored in `mode`, computation in the dtypes
    of `source_name`.

    Args:
        mode: One of `QUANTIZATION_MODES`.
        source_name: The float policy name; `None` means the global policy's.

    Example:
    >>> policy = kerasish.dtype_policies.QuantizedDTypePolicy("int8", "float32")
    >>> policy.name, policy.quantization_mode, policy.compute_dtype
    ('int8_from_float32', 'int8', 'float32')
    """

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = dtype_policy().name
        self._compute_dtype, self._variable_dtype = self._parse_name(source_name)
        self._check_quantization_mode(mode, self._compute_dtype)
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    def __eq__(self, other):
        if type(other) is not type(self):
            return False
        return (
            self._quantization_mode == other._quantization_mode
            and self._source_name == other._source_name
        )

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}

    def _check_quantization_mode(self, mode, compute_dtype):
        if mode not in QUANTIZATION_MODES:
            raise ValueError(
                f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                f"Received: mode={mode}"
            )
        if compute_dtype == "float16" and mode == "int8":
            raise ValueError(
                f"Quantization mode='{mode}' doesn't work well with "
                "compute_dtype='float16'."
            )


@register_builtin("dtype_policies")
class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The float8 policy; `amax_history_length` is the delayed-scaling window.

    Args:
        mode: "float8".
        source_name: The float policy name.
        amax_history_length: Length of the amax history. Defaults to 1024.
    """

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError(
                "`amax_history_length` must be an integer. Received: "
                f"amax_history_length={amax_history_length}"
            )
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        """The length of the amax history window used to compute scales."""
        return self._amax_history_length

    def __eq__(self, other):
        return (
            super().__eq__(other)
            and self._amax_history_length == other._amax_history_length
        )

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {
            **super().get_config(),
            "amax_history_length": self._amax_history_length,
        }


def _split_mode(cls_name, mode, base, expected, count):
    parts = mode.split("/") if isinstance(mode, str) else []
    if len(parts) != count or parts[0] != base:
        raise ValueError(
            f"Invalid mode for {cls_name}. Expected format {expected}, but got "
            f"'{mode}'."
        )
    try:
        return [int(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(
            f"Invalid mode for {cls_name}. The numbers in the mode must be "
            f"integers. Expected format {expected}, but got '{mode}'."
        ) from None


def _check_group(kind, value, mode, whole):
    if value < -1 or value == 0:
        raise ValueError(
            f"Invalid {kind} in mode. Supported values are -1 ({whole}) or a "
            f"positive integer, but got {value} from '{mode}'."
        )


@register_builtin("dtype_policies")
class Int4DTypePolicy(QuantizedDTypePolicy):
    """The int4 policy, `"int4/<block_size>"` (-1: per-channel scales).

    Example:
    >>> kerasish.dtype_policies.Int4DTypePolicy("int4/128", "float32").block_size
    128
    """

    def __init__(self, mode, source_name=None):
        (block_size,) = _split_mode(
            "Int4DTypePolicy", mode, "int4", "'int4/<block_size>'", 2
        )
        _check_group("block_size", block_size, mode, "per-channel")
        super().__init__(mode="int4", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = "int4"
        self.block_size = block_size

    def __eq__(self, other):
        return super().__eq__(other) and self.block_size == other.block_size

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {**super().get_config(), "mode": f"int4/{self.block_size}"}


class _BitsAndGroupPolicy(QuantizedDTypePolicy):
    """GPTQ / AWQ policies: `"<base>/<weight_bits>/<group_size>"`."""

    _base = None
    _bits = ()

    def __init__(self, mode, source_name=None):
        name = type(self).__name__
        expected = f"'{self._base}/<weight_bits>/<group_size>'"
        weight_bits, group_size = _split_mode(name, mode, self._base, expected, 3)
        if weight_bits not in self._bits:
            raise ValueError(
                f"Invalid weight_bits in mode. Supported values are "
                f"{', '.join(map(str, self._bits))}, but got {weight_bits} from "
                f"'{mode}'."
            )
        _check_group("group_size", group_size, mode, "whole-tensor")
        super().__init__(mode=self._base, source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = self._base
        self.weight_bits = weight_bits
        self.group_size = group_size

    def __eq__(self, other):
        return (
            super().__eq__(other)
            and self.weight_bits == other.weight_bits
            and self.group_size == other.group_size
        )

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        mode = f"{self.mode}/{self.weight_bits}/{self.group_size}"
        return {**super().get_config(), "mode": mode}


@register_builtin("dtype_policies")
class GPTQDTypePolicy(_BitsAndGroupPolicy):
    """The GPTQ policy, `"gptq/<weight_bits>/<group_size>"` (bits 2, 3, 4, 8)."""

    _base = "gptq"
    _bits = (2, 3, 4, 8)


@register_builtin("dtype_policies")
class AWQDTypePolicy(_BitsAndGroupPolicy):
    """The AWQ policy, `"awq/4/<group_size>"` (AWQ is 4-bit only)."""

    _base = "awq"
    _bits = (4,)


def get_quantized_dtype_policy_by_str(policy):
    """The quantized policy a name such as `"int8_from_float32"` spells."""
    if not isinstance(policy, str):
        raise TypeError(f"`policy` must be a string. Received: policy={policy}")
    if not policy.startswith(QUANTIZATION_MODES):
        raise ValueError(
            "`policy` is incompatible with the current supported quantization."
        )
    split = policy.split("_from_")
    if len(split) != 2:
        raise ValueError(
            "Cannot convert `policy` into a valid pair (`mode`, `source_name`) to "
            f"instantiate `QuantizedDTypePolicy`. Received: policy={policy}"
        )
    mode, source_name = split
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source_name)
    if mode.startswith("gptq"):
        return GPTQDTypePolicy(mode, source_name)
    if mode.startswith("awq"):
        return AWQDTypePolicy(mode, source_name)
    if mode.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source_name)
    return QuantizedDTypePolicy(mode, source_name)


_CLASSES.update(
    QuantizedDTypePolicy=QuantizedDTypePolicy,
    QuantizedFloat8DTypePolicy=QuantizedFloat8DTypePolicy,
    Int4DTypePolicy=Int4DTypePolicy,
    GPTQDTypePolicy=GPTQDTypePolicy,
    AWQDTypePolicy=AWQDTypePolicy,
)
