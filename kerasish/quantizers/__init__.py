"""`kerasish.quantizers`: Keras's quantizers, quantization configs and the
int8 / int4 / float8 math that `layer.quantize` and `model.quantize` use."""

import inspect

from kerasish.common.naming import to_snake_case
from kerasish.quantizers.quantization_config import (
    AWQConfig,
    Float8QuantizationConfig,
    GPTQConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    QuantizationConfig,
)
from kerasish.quantizers.quantizers import (
    AbsMaxQuantizer,
    Quantizer,
    abs_max_quantize,
    abs_max_quantize_grouped_with_zero_point,
    compute_float8_amax_history,
    compute_float8_scale,
    fake_quant_with_min_max_vars,
    pack_int4,
    quantize_and_dequantize,
    unpack_int4,
)
from kerasish.serialization import deserialize_keras_object, serialize_keras_object

ALL_OBJECTS = {
    Quantizer,
    AbsMaxQuantizer,
    QuantizationConfig,
    Int8QuantizationConfig,
    Int4QuantizationConfig,
    Float8QuantizationConfig,
    AWQConfig,
}
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})


def serialize(initializer):
    """Keras's config dict for a quantizer or quantization config."""
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Rebuilds a quantizer or quantization config from `serialize`'s output."""
    if isinstance(config, dict) and config.get("class_name") in ALL_OBJECTS_DICT:
        cls = (custom_objects or {}).get(config["class_name"]) or ALL_OBJECTS_DICT[
            config["class_name"]
        ]
        return cls.from_config(config.get("config") or {})
    return deserialize_keras_object(
        config, kind="quantizers", custom_objects=custom_objects
    )


def get(identifier, **kwargs):
    """A quantizer from `None`, a name, a config dict, a class or an instance.

    Example:
    >>> type(kerasish.quantizers.get("abs_max_quantizer")).__name__
    'AbsMaxQuantizer'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj(**kwargs) if inspect.isclass(obj) else obj
    valid = ", ".join(sorted(ALL_OBJECTS_DICT))
    raise ValueError(
        f"Could not interpret quantizer identifier: {identifier!r}. Valid names: "
        f"{valid}."
    )


__all__ = [
    "AWQConfig",
    "AbsMaxQuantizer",
    "Float8QuantizationConfig",
    "GPTQConfig",
    "Int4QuantizationConfig",
    "Int8QuantizationConfig",
    "QuantizationConfig",
    "Quantizer",
    "abs_max_quantize",
    "abs_max_quantize_grouped_with_zero_point",
    "compute_float8_amax_history",
    "compute_float8_scale",
    "deserialize",
    "fake_quant_with_min_max_vars",
    "get",
    "pack_int4",
    "quantize_and_dequantize",
    "serialize",
    "unpack_int4",
]
