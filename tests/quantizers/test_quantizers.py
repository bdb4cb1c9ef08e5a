"""`kerasish.quantizers` against numpy references and Keras 3."""

import numpy as np
import pytest

from kerasish import dtype_policies, quantizers
from tests.helpers import keras3

RNG = np.random.default_rng(0)
W = RNG.normal(size=(6, 5)).astype("float32")


def test_abs_max_quantize_matches_numpy_formula():
    for axis, value_range in ((0, (-127, 127)), (-1, (-8, 7))):
        scale = value_range[1] / (np.abs(W).max(axis=axis, keepdims=True) + 1e-7)
        expected = np.clip(np.round(W * scale), *value_range).astype("int8")
        for to_numpy in (False, True):
            q, s = quantizers.abs_max_quantize(
                W, axis, value_range=value_range, to_numpy=to_numpy
            )
            np.testing.assert_array_equal(np.asarray(q), expected)
            np.testing.assert_allclose(np.asarray(s), scale, rtol=1e-6)
    q, s = quantizers.AbsMaxQuantizer(axis=0)(W)
    np.testing.assert_allclose(np.asarray(q) / np.asarray(s), W, atol=0.02)


def test_pack_int4_matches_nibble_formula_and_round_trips():
    values = RNG.integers(-8, 8, size=(5, 3)).astype("int8")
    packed, shape, n = quantizers.pack_int4(values, axis=0)
    padded = np.concatenate([values, np.zeros((1, 3), "int8")])
    low, high = padded[::2].astype(np.int16) & 15, padded[1::2].astype(np.int16) & 15
    expected = (low | (high << 4)).astype(np.uint8).view(np.int8)
    np.testing.assert_array_equal(np.asarray(packed), expected)
    assert (shape, n) == ((3, 3), 5)
    np.testing.assert_array_equal(np.asarray(quantizers.unpack_int4(packed, 5)), values)
    packed1, shape1, n1 = quantizers.pack_int4(values, axis=1)
    assert (shape1, n1) == ((5, 2), 3)
    unpacked = quantizers.unpack_int4(packed1, n1, axis=1)
    np.testing.assert_array_equal(np.asarray(unpacked), values)
    unsigned = (values & 15).astype("uint8")
    packed_u, _, _ = quantizers.pack_int4(unsigned, dtype="uint8")
    unpacked_u = quantizers.unpack_int4(packed_u, 5, dtype="uint8")
    np.testing.assert_array_equal(np.asarray(unpacked_u), unsigned)


def test_pack_int4_errors():
    with pytest.raises(ValueError, match="Expected dtype to be 'int8' or 'uint8'"):
        quantizers.pack_int4(np.zeros((2, 2), "int8"), dtype="int4")
    with pytest.raises(TypeError, match="Expected int8 tensor for packing, got"):
        quantizers.pack_int4(np.zeros((2, 2), "float32"))
    with pytest.raises(TypeError, match="Expected int8 or uint8 tensor"):
        quantizers.unpack_int4(np.zeros((2, 2), "float32"), 2)


def test_grouped_quantize_matches_numpy_reference():
    q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(W, 4)
    groups = np.concatenate([W, np.zeros((2, 5), "float32")]).reshape(2, 4, 5)
    lo, hi = groups.min(1), groups.max(1)
    expected_scale = (hi - lo + 1e-7) / 15
    expected_zero = np.clip(np.round(-lo / expected_scale) - 8, -8, 7)
    np.testing.assert_allclose(np.asarray(scale), expected_scale, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(zero), expected_zero)
    index = np.arange(6) // 4
    rebuilt = (np.asarray(q) - expected_zero[index]) * expected_scale[index]
    np.testing.assert_allclose(rebuilt, W, atol=np.max(expected_scale) / 2 + 1e-6)


@pytest.mark.compat
def test_functions_equal_keras():
    keras = keras3()
    kq = keras.quantizers
    for ours, theirs in (
        (quantizers.abs_max_quantize(W, 0), kq.abs_max_quantize(W, 0)),
        (
            quantizers.abs_max_quantize_grouped_with_zero_point(W, 4),
            kq.abs_max_quantize_grouped_with_zero_point(W, 4, to_numpy=True),
        ),
        (
            quantizers.pack_int4(W.astype("int8") % 8)[:1],
            kq.pack_int4(W.astype("int8") % 8)[:1],
        ),
    ):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
    history = RNG.uniform(size=(8,)).astype("float32")
    amax = np.array([0.0, 2.0, np.inf], "float32")
    pairs = [
        (quantizers.compute_float8_scale, (amax, np.float32(0.5), 448.0, 1)),
        (quantizers.compute_float8_amax_history, (W, history)),
        (
            quantizers.quantize_and_dequantize,
            (W * 100, np.float32(0.25), "float8_e4m3fn", "float32"),
        ),
        (quantizers.fake_quant_with_min_max_vars, (W, -1.0, 1.5, 4, True)),
        (
            quantizers.fake_quant_with_min_max_vars,
            (W, -np.ones(5), np.ones(5), 8, False, -1),
        ),
    ]
    for fn, args in pairs:
        ours, theirs = fn(*args), getattr(kq, fn.__name__)(*args)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6)


def test_fake_quant_gradients_pass_through_inside_the_range():
    import jax

    x = np.array([-2.0, -0.5, 0.2, 3.0], "float32")
    grads = jax.grad(
        lambda x, lo, hi: quantizers.fake_quant_with_min_max_vars(x, lo, hi).sum(),
        argnums=(0, 1, 2),
    )(x, np.float32(-1.0), np.float32(1.0))
    np.testing.assert_array_equal(np.asarray(grads[0]), [0, 1, 1, 0])
    assert float(grads[1]) == 1.0 and float(grads[2]) == 1.0


@pytest.mark.compat
def test_configs_round_trip_and_keras_reads_them():
    keras = keras3()
    configs = [
        quantizers.Int8QuantizationConfig(),
        quantizers.Int4QuantizationConfig(block_size=64),
        quantizers.Int4QuantizationConfig(
            quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7)), block_size=None
        ),
        quantizers.Float8QuantizationConfig(),
    ]
    for config in configs:
        data = quantizers.serialize(config)
        theirs = keras.quantizers.deserialize(data)
        assert keras.quantizers.serialize(theirs) == data
        back = quantizers.deserialize(keras.quantizers.serialize(theirs))
        assert type(back) is type(config) and back.mode == config.mode
        assert quantizers.serialize(back) == data
    assert isinstance(quantizers.get("abs_max_quantizer"), quantizers.AbsMaxQuantizer)


def test_config_errors():
    with pytest.raises(ValueError, match="block_size must be None, -1, or a positive"):
        quantizers.Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="does not support custom quantizers"):
        quantizers.Int4QuantizationConfig(
            quantizers.AbsMaxQuantizer(value_range=(-8, 7)), block_size=32
        )
    with pytest.raises(
        ValueError, match=r"requires a weight_quantizer with value_range"
    ):
        quantizers.Int4QuantizationConfig(quantizers.AbsMaxQuantizer(), block_size=None)
    with pytest.raises(ValueError, match="within the interval"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))
    with pytest.raises(ValueError, match="Unsupported weight_bits 5"):
        quantizers.GPTQConfig(None, None, weight_bits=5)
    with pytest.raises(ValueError, match="AWQ only supports 4-bit"):
        quantizers.AWQConfig(None, None, weight_bits=8)
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier"):
        quantizers.get("nope")
    assert quantizers.GPTQConfig(None, None).dtype_policy_string() == "gptq/4/128"


@pytest.mark.compat
def test_quantized_policies_match_keras():
    keras = keras3()
    for name in (
        "int8_from_float32",
        "int8_from_mixed_bfloat16",
        "float8_from_float32",
        "int4_from_float32",
        "int4/128_from_float32",
        "gptq/4/-1_from_float32",
        "awq/4/64_from_bfloat16",
    ):
        ours, theirs = dtype_policies.get(name), keras.dtype_policies.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (
            theirs.name,
            theirs.compute_dtype,
            theirs.variable_dtype,
        )
        data = dtype_policies.serialize(ours)
        assert data == keras.dtype_policies.serialize(theirs)
        assert dtype_policies.deserialize(data) == ours


def test_quantized_policy_errors():
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        dtype_policies.QuantizedDTypePolicy("int2", "float32")
    with pytest.raises(ValueError, match="doesn't work well with compute_dtype"):
        dtype_policies.QuantizedDTypePolicy("int8", "float16")
    with pytest.raises(ValueError, match="Expected format 'int4/<block_size>'"):
        dtype_policies.Int4DTypePolicy("int4", "float32")
    with pytest.raises(ValueError, match="Invalid block_size in mode"):
        dtype_policies.Int4DTypePolicy("int4/0", "float32")
    with pytest.raises(ValueError, match="AWQ|Supported values are 4"):
        dtype_policies.AWQDTypePolicy("awq/8/128", "float32")
    with pytest.raises(TypeError, match="must be an integer"):
        dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32", 1.5)
