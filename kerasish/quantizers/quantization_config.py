"""Quantization configs: which mode, and which weight / activation quantizers.

`Int8QuantizationConfig`, `Int4QuantizationConfig` and `Float8QuantizationConfig`
drive `model.quantize(config=...)`. `GPTQConfig` and `AWQConfig` carry Keras's
calibration settings; kerasish does not run those calibrations (see
`model.quantize`), but the configs exist, validate and serialize as Keras's.
"""

from kerasish.mixed_precision.quantized_policy import QUANTIZATION_MODES
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


@register_builtin("quantizers")
class QuantizationConfig:
    """Base class of quantization configs; subclasses define `mode`.

    Args:
        weight_quantizer: The `Quantizer` for weights (`None`: the mode's default).
        activation_quantizer: The `Quantizer` for inputs (`None`: weight-only).
    """

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        raise NotImplementedError(
            "Subclasses must implement this property. Do not instantiate "
            "QuantizationConfig directly."
        )

    def get_config(self):
        return {
            "weight_quantizer": serialize_keras_object(self.weight_quantizer),
            "activation_quantizer": serialize_keras_object(self.activation_quantizer),
        }

    @classmethod
    def from_config(cls, config):
        return cls(
            weight_quantizer=_quantizer(config.get("weight_quantizer")),
            activation_quantizer=_quantizer(config.get("activation_quantizer")),
        )

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        if config is not None:
            return config.activation_quantizer
        return default


def _quantizer(config):
    return deserialize_keras_object(config, kind="quantizers")


@register_builtin("quantizers")
class Int8QuantizationConfig(QuantizationConfig):
    """Int8 weights (per output channel) and, by default, int8 inputs.

    Args:
        weight_quantizer: Defaults to `AbsMaxQuantizer(axis=0)`; its
            `output_dtype` must be "int8".
        activation_quantizer: "default" is `AbsMaxQuantizer()` (per row of the
            inputs); `None` keeps inputs in float.
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        from kerasish.quantizers.quantizers import AbsMaxQuantizer

        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if weight_quantizer is not None and weight_quantizer.output_dtype != "int8":
            raise ValueError(
                "Int8QuantizationConfig requires a weight_quantizer with "
                f"output_dtype='int8'. Received: output_dtype="
                f"{weight_quantizer.output_dtype}"
            )

    @property
    def mode(self):
        return "int8"


@register_builtin("quantizers")
class Int4QuantizationConfig(QuantizationConfig):
    """Int4 weights, packed two per byte; inputs stay float by default.

    Args:
        weight_quantizer: For per-channel mode; needs `value_range=(-8, 7)` and
            `output_dtype="int8"`.
        activation_quantizer: "default" means none (weight-only).
        block_size: Rows per group for sub-channel quantization with a zero
            point (`ceil(input_dim / block_size)` groups); `None` or -1 for one
            symmetric scale per output channel. Defaults to 128.
    """

    def __init__(
        self,
        weight_quantizer=None,
        activation_quantizer="default",
        block_size=128,
    ):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError(
                "block_size must be None, -1, or a positive integer. Received: "
                f"block_size={block_size}"
            )
        self.block_size = block_size
        sub_channel = block_size is not None and block_size > 0
        if sub_channel and (
            weight_quantizer is not None or self.activation_quantizer is not None
        ):
            raise ValueError(
                "Int4 sub-channel quantization (block_size > 0) does not support "
                "custom quantizers. Either set block_size to None or -1 for "
                "per-channel quantization, or remove the custom quantizer "
                f"arguments. Received: block_size={block_size}"
            )
        if weight_quantizer is not None:
            if tuple(weight_quantizer.value_range) != (-8, 7):
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with "
                    "value_range=(-8, 7). Received: value_range="
                    f"{weight_quantizer.value_range}"
                )
            if weight_quantizer.output_dtype != "int8":
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with "
                    "output_dtype='int8'. Received: output_dtype="
                    f"{weight_quantizer.output_dtype}"
                )

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config):
        return cls(
            weight_quantizer=_quantizer(config.get("weight_quantizer")),
            activation_quantizer=_quantizer(config.get("activation_quantizer")),
            # Configs written before `block_size` existed were per-channel.
            block_size=config.get("block_size", None),
        )


@register_builtin("quantizers")
class Float8QuantizationConfig(QuantizationConfig):
    """Float8 (e4m3 forward, e5m2 gradients) with delayed scaling; no custom
    quantizers."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def _check_positive(name, value):
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer.")


def _check_group_size(group_size, whole):
    if group_size < -1 or group_size == 0:
        raise ValueError(
            f"Invalid group_size. Supported values are -1 ({whole}) or a positive "
            f"integer, but got {group_size}."
        )


@register_builtin("quantizers")
class GPTQConfig(QuantizationConfig):
    """Settings of GPTQ post-training quantization (calibrated on `dataset`).

    kerasish keeps this config and its validation; running GPTQ itself is not
    implemented (`model.quantize("gptq", ...)` raises `NotImplementedError`).
    """

    def __init__(
        self,
        dataset,
        tokenizer,
        *,
        weight_bits: int = 4,
        num_samples: int = 128,
        per_channel: bool = True,
        sequence_length: int = 512,
        hessian_damping: float = 0.01,
        group_size: int = 128,
        symmetric: bool = False,
        activation_order: bool = False,
        quantization_layer_structure: dict = None,
    ):
        super().__init__()
        if weight_bits not in (2, 3, 4, 8):
            raise ValueError(
                f"Unsupported weight_bits {weight_bits}. Supported values are 2, "
                "3, 4, and 8."
            )
        _check_positive("num_samples", num_samples)
        _check_positive("sequence_length", sequence_length)
        if hessian_damping < 0 or hessian_damping > 1:
            raise ValueError("hessian_damping must be between 0 and 1.")
        _check_group_size(group_size, "whole-tensor")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.num_samples = num_samples
        self.per_channel = per_channel
        self.sequence_length = sequence_length
        self.hessian_damping = hessian_damping
        self.weight_bits = weight_bits
        self.group_size = group_size
        self.symmetric = symmetric
        self.activation_order = activation_order
        self.quantization_layer_structure = quantization_layer_structure

    def get_config(self):
        return {
            # Dataset and tokenizer are not serializable, as in Keras.
            "dataset": None,
            "tokenizer": None,
            "weight_bits": self.weight_bits,
            "num_samples": self.num_samples,
            "per_channel": self.per_channel,
            "sequence_length": self.sequence_length,
            "hessian_damping": self.hessian_damping,
            "group_size": self.group_size,
            "symmetric": self.symmetric,
            "activation_order": self.activation_order,
            "quantization_layer_structure": self.quantization_layer_structure,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def mode(self):
        return "gptq"

    def dtype_policy_string(self):
        """The policy name prefix, `"gptq/<weight_bits>/<group_size>"`."""
        return f"gptq/{self.weight_bits}/{self.group_size}"


@register_builtin("quantizers")
class AWQConfig(QuantizationConfig):
    """Settings of AWQ (activation-aware 4-bit weight quantization).

    kerasish keeps this config and its validation; running AWQ itself is not
    implemented (`model.quantize("awq", ...)` raises `NotImplementedError`).
    """

    def __init__(
        self,
        dataset,
        tokenizer,
        *,
        weight_bits: int = 4,
        num_samples: int = 128,
        sequence_length: int = 512,
        group_size: int = 128,
        num_grid_points: int = 20,
        quantization_layer_structure: dict = None,
    ):
        super().__init__()
        if weight_bits != 4:
            raise ValueError(
                "AWQ only supports 4-bit quantization. Received weight_bits="
                f"{weight_bits}."
            )
        _check_positive("num_samples", num_samples)
        _check_positive("sequence_length", sequence_length)
        _check_group_size(group_size, "per-channel")
        _check_positive("num_grid_points", num_grid_points)
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.weight_bits = weight_bits
        self.num_samples = num_samples
        self.sequence_length = sequence_length
        self.group_size = group_size
        self.num_grid_points = num_grid_points
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self):
        return "awq"

    def dtype_policy_string(self):
        """The policy name prefix, `"awq/<weight_bits>/<group_size>"`."""
        return f"awq/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        return {
            "dataset": None,
            "tokenizer": None,
            "weight_bits": self.weight_bits,
            "num_samples": self.num_samples,
            "sequence_length": self.sequence_length,
            "group_size": self.group_size,
            "num_grid_points": self.num_grid_points,
            "quantization_layer_structure": self.quantization_layer_structure,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _validate_mode(mode):
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(
            f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
            f"Received: mode={mode}"
        )


def validate_and_resolve_config(mode, config):
    """The config `quantize(mode, config)` runs with: a mode string gives its
    default config; a config must agree with `mode` when both are given."""
    if isinstance(config, str):
        mode, config = config, None
    _validate_mode(mode)
    if config is None:
        defaults = {
            "int8": Int8QuantizationConfig,
            "int4": Int4QuantizationConfig,
            "float8": Float8QuantizationConfig,
        }
        if mode in defaults:
            return defaults[mode]()
        if mode == "gptq":
            raise ValueError(
                "For GPTQ, you must pass a `GPTQConfig` object in the `config` "
                "argument."
            )
        if mode == "awq":
            raise ValueError(
                "For AWQ, you must pass an `AWQConfig` object in the `config` argument."
            )
        raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    if not isinstance(config, QuantizationConfig):
        raise ValueError(
            "Argument `config` must be an instance of `QuantizationConfig`. "
            f"Received: config={config} (of type {type(config)})"
        )
    if mode is not None and config.mode != mode:
        raise ValueError(
            f"Contradictory arguments: mode='{mode}' but config.mode='{config.mode}'"
        )
    _validate_mode(config.mode)
    return config


def get_block_size_for_layer(layer, config):
    """The int4 block size: the config's, else the layer's `Int4DTypePolicy`'s;
    `None` (or -1) means per-channel."""
    from kerasish.mixed_precision.quantized_policy import Int4DTypePolicy

    if isinstance(config, Int4QuantizationConfig):
        return config.block_size
    policy = layer.dtype_policy
    if isinstance(policy, Int4DTypePolicy):
        return None if policy.block_size == -1 else policy.block_size
    return None
