"""LoRA and quantization of Dense, EinsumDense and Embedding against Keras 3."""

import warnings

import numpy as np
import pytest

import kerasish
from kerasish import layers
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3, 6)).astype("float32")
IDS = RNG.integers(0, 7, size=(2, 3))

# Each layer kind runs the modes where its code differs (Keras runs are slow).
MODES = {
    "dense": ["lora", "int8", "int4", "int4pc", "float8", "int8lora", "int4lora"],
    "einsum": ["lora", "int8", "int4pc", "float8", "int4lora"],
    "embedding": ["int8", "int4", "int4pc", "int8lora"],
}


def _make(lib, kind):
    if kind == "dense":
        layer = lib.layers.Dense(5, name="d")
        layer.build((None, 3, 6))
    elif kind == "einsum":
        layer = lib.layers.EinsumDense(
            "abc,cde->abde", (3, 4, 2), bias_axes="de", name="e"
        )
        layer.build((None, 3, 6))
    else:
        layer = lib.layers.Embedding(7, 40, name="m")
        layer.build()
    return layer


def _convert(lib, layer, mode):
    q = lib.quantizers
    if mode == "lora":
        layer.enable_lora(2, lora_alpha=3)
    elif mode == "int4pc":
        layer.quantize(config=q.Int4QuantizationConfig(block_size=None))
    elif mode.endswith("lora"):
        config = q.Int4QuantizationConfig(block_size=4) if mode == "int4lora" else None
        layer.quantize(mode[: -len("lora")], config=config)
        layer.enable_lora(2)
    else:
        layer.quantize(mode)


def _summary(layer, inputs):
    store = {}
    layer.save_own_variables(store)
    return {
        "out": np.asarray(layer(inputs)),
        "weights": [
            (v.path.split("/")[-1], tuple(v.shape), str(v.dtype), v.trainable)
            for v in layer.weights
        ],
        "params": layer.count_params(),
        "policy": layer.dtype_policy.name,
        "store": {k: np.asarray(v) for k, v in store.items()},
    }


@pytest.mark.compat
@pytest.mark.parametrize("kind", ["dense", "einsum", "embedding"])
def test_lora_and_quantization_equal_keras(kind):
    """Outputs, weights (order, dtype, trainable), parameter counts, policies and
    the saved variables equal Keras's on copied weights, for every mode."""
    keras = keras3()
    inputs = IDS if kind == "embedding" else X
    for mode in MODES[kind]:
        theirs = _make(keras, kind)
        start = [RNG.normal(size=v.shape).astype("float32") for v in theirs.weights]
        theirs.set_weights(start)
        ours = _make(kerasish, kind)
        ours.set_weights(start)
        for lib, layer in ((keras, theirs), (kerasish, ours)):
            _convert(lib, layer, mode)
        for k_var, o_var in zip(theirs.weights, ours.weights):
            if "lora" in k_var.path:  # b starts at zero: give the delta a value
                value = RNG.normal(size=k_var.shape).astype("float32") * 0.1
                k_var.assign(value)
                o_var.assign(value)
        a, b = _summary(theirs, inputs), _summary(ours, inputs)
        np.testing.assert_array_equal(b["out"], a["out"], err_msg=f"{kind} {mode}")
        assert b["weights"] == a["weights"], (kind, mode)
        assert (b["params"], b["policy"]) == (a["params"], a["policy"]), (kind, mode)
        assert sorted(b["store"]) == sorted(a["store"]), (kind, mode)
        for key, value in a["store"].items():
            np.testing.assert_allclose(b["store"][key], value, rtol=1e-6, atol=1e-6)


def test_quantized_outputs_stay_close_to_float():
    """int8 / int4 / float8 Dense outputs against the float layer (Keras's own
    tests use similar bounds)."""
    x = RNG.normal(size=(8, 64)).astype("float32")
    reference = layers.Dense(16)
    reference.build((None, 64))
    expected = np.asarray(reference(x))
    for mode, tolerance in (("int8", 0.02), ("float8", 0.1), ("int4", 0.15)):
        layer = layers.Dense(16)
        layer.build((None, 64))
        layer.set_weights(reference.get_weights())
        layer.quantize(mode)
        error = np.abs(np.asarray(layer(x)) - expected).mean() / np.abs(expected).mean()
        assert error < tolerance, (mode, error)


def test_lora_kernel_formula_and_only_lora_trains():
    layer = layers.Dense(3)
    layer.build((None, 4))
    kernel = layer.kernel.numpy()
    layer.enable_lora(2, lora_alpha=4)
    a = RNG.normal(size=(4, 2)).astype("float32")
    b = RNG.normal(size=(2, 3)).astype("float32")
    layer.lora_kernel_a.assign(a)
    layer.lora_kernel_b.assign(b)
    np.testing.assert_allclose(np.asarray(layer.kernel), kernel + 2 * a @ b, rtol=1e-5)
    assert [v.name for v in layer.trainable_weights] == [
        "bias",
        "lora_kernel_a",
        "lora_kernel_b",
    ]
    model = kerasish.Sequential([kerasish.Input((4,)), layer])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 4)), np.zeros((8, 3)), epochs=1, verbose=0)
    np.testing.assert_array_equal(layer._kernel.numpy(), kernel)
    assert not np.allclose(layer.lora_kernel_b.numpy(), b)


def test_errors():
    unbuilt = layers.Dense(2)
    with pytest.raises(ValueError, match="isn't yet built"):
        unbuilt.enable_lora(2)
    with pytest.raises(
        ValueError, match="Cannot quantize a layer that isn't yet built"
    ):
        unbuilt.quantize("int8")
    layer = layers.Dense(2, kernel_constraint="non_neg")
    layer.build((None, 3))
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        layer.enable_lora(2)
    layer = layers.Dense(2)
    layer.build((None, 3))
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        layer.quantize("int3")
    with pytest.raises(ValueError, match="Contradictory arguments"):
        layer.quantize("int8", config=kerasish.quantizers.Float8QuantizationConfig())
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)
    layer.quantize("float8")
    with pytest.raises(ValueError, match="is already quantized"):
        layer.quantize("int8")
    with pytest.raises(NotImplementedError, match="doesn't support LoRA"):
        layer(np.ones((1, 3), "float32"))
    half = layers.Dense(2, dtype="float16")
    half.build((None, 3))
    with pytest.raises(ValueError, match="doesn't work well with compute_dtype"):
        half.quantize("int8")
    table = layers.Embedding(4, 2)
    table.build()
    with pytest.raises(
        NotImplementedError, match=r"Expected one of \('int8', 'int4'\)"
    ):
        table.quantize("float8")
    model = kerasish.Sequential([kerasish.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        model.quantize("int8", bogus=1)
    with pytest.raises(ValueError, match="`filters` argument must be"):
        model.quantize("int8", filters=3)
    config = kerasish.quantizers.GPTQConfig(None, None)
    with pytest.raises(NotImplementedError, match="GPTQ calibration is not"):
        model.quantize(config=config)


def test_model_quantize_filters_policy_setter_and_warnings():
    model = kerasish.Sequential(
        [
            kerasish.Input((4,)),
            layers.Dense(3, name="keep"),
            layers.Dense(2, name="quant"),
            layers.LayerNormalization(name="norm"),
        ]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.quantize("int8", filters=["quant", "norm"])
    assert any("LayerNormalization" in str(w.message) for w in caught)
    names = [layer.dtype_policy.name for layer in model.layers]
    assert names == ["float32", "int8_from_float32", "float32"]
    keep = model.get_layer("keep")
    keep.dtype_policy = "int8_from_float32"  # a built float layer quantizes
    assert keep.kernel.dtype == "int8" and keep.kernel_scale.shape == (3,)


@pytest.mark.compat
@pytest.mark.parametrize("mode", ["lora", "int8"])
def test_files_read_both_ways(mode, tmp_path):
    """`.keras` and `.weights.h5` files of LoRA / quantized models load in the
    other library with the same predictions."""
    keras = keras3()

    def build(lib):
        return lib.Sequential(
            [
                lib.Input((3,), dtype="int32"),
                lib.layers.Embedding(7, 8, name="m"),
                lib.layers.Dense(6, name="d"),
                lib.layers.EinsumDense("abc,cd->abd", (3, 5), bias_axes="d", name="e"),
            ]
        )

    theirs, ours = build(keras), build(kerasish)
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        if mode == "lora":
            for layer in model.layers:
                layer.enable_lora(2)
        else:
            model.quantize(mode)
    if mode == "lora":
        for variable in theirs.weights:
            if "lora" in variable.path:
                variable.assign(np.asarray(variable.numpy()) + 0.05)
        ours.set_weights(theirs.get_weights())
    expected = np.asarray(theirs.predict(IDS, verbose=0))
    np.testing.assert_array_equal(np.asarray(ours.predict(IDS, verbose=0)), expected)
    assert ours.count_params() == theirs.count_params()
    theirs.save(tmp_path / "k.keras")
    ours.save(tmp_path / "q.keras")
    loaded = (
        kerasish.models.load_model(tmp_path / "k.keras"),
        keras.models.load_model(tmp_path / "q.keras"),
    )
    for model in loaded:
        assert [layer.dtype_policy.name for layer in model.layers] == [
            layer.dtype_policy.name for layer in theirs.layers
        ]
        np.testing.assert_allclose(
            np.asarray(model.predict(IDS, verbose=0)), expected, rtol=1e-5, atol=1e-5
        )
    theirs.save_weights(tmp_path / "k.weights.h5")
    fresh = build(kerasish)
    if mode != "lora":
        fresh.quantize(mode)
    fresh.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(
        np.asarray(fresh.predict(IDS, verbose=0)), expected, rtol=1e-5, atol=1e-5
    )
