"""LoRA and quantization of Dense, EinsumDense and Embedding against Keras 3."""

import functools
import warnings
from pathlib import Path

import numpy as np
import pytest

import kerasish
from kerasish import layers
from tests import recorded
from tests.helpers import keras3
from tests.layers import lora_cases
from tests.layers.lora_cases import IDS

RNG = np.random.default_rng(0)
RECORD = Path(__file__).parent / "keras_lora_quantization.json.gz"


@functools.cache
def keras_record():
    fingerprint = recorded.digest(lora_cases.__file__)
    return recorded.load(RECORD, "source", fingerprint, "lora_quantization")["cases"]


def test_lora_and_quantization_equal_keras():
    """Outputs, weights (order, dtype, trainable), parameter counts, policies and
    the saved variables equal Keras's (as recorded by
    `tools/record_keras.py lora_quantization`) on the same weights, for every
    layer kind and mode."""
    record = keras_record()
    assert sorted(record) == sorted(lora_cases.CASES)
    for case in lora_cases.CASES:
        lora_cases.compare(record[case], lora_cases.run_case(kerasish, *case), case)


@pytest.mark.slow
@pytest.mark.compat
@pytest.mark.parametrize("kind", list(lora_cases.MODES))
def test_lora_and_quantization_equal_keras_live(kind):
    """Keras run live: kerasish equals it, and the record is still what it gives."""
    keras = keras3()
    for mode in lora_cases.MODES[kind]:
        theirs = lora_cases.run_case(keras, kind, mode)
        ours = lora_cases.run_case(kerasish, kind, mode)
        lora_cases.compare(theirs, ours, (kind, mode))
        lora_cases.compare(keras_record()[(kind, mode)], theirs, (kind, mode))


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


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_conv_lora_formula_training_and_files(rank, tmp_path):
    """Keras's convolutions take LoRA as Dense does: `lora_kernel_a` of shape
    `kernel.shape[:-1] + (r,)`, `lora_kernel_b` `(r, filters)`, the kernel
    frozen; the file holds the merged kernel (a plain conv reads it)."""
    conv_class = getattr(layers, f"Conv{rank}D")
    shape = (None,) + (5,) * rank + (2,)
    layer = conv_class(3, 3, lora_rank=2, lora_alpha=4, name="c")
    layer.build(shape)
    assert [(w.name, tuple(w.shape), w.trainable) for w in layer.weights] == [
        ("kernel", (3,) * rank + (2, 3), False),
        ("bias", (3,), True),
        ("lora_kernel_a", (3,) * rank + (2, 2), True),
        ("lora_kernel_b", (2, 3), True),
    ]
    assert layer.get_config()["lora_rank"] == 2
    assert layer.get_config()["lora_alpha"] == 4
    base = RNG.normal(size=layer._kernel.shape).astype("float32")
    a = RNG.normal(size=layer.lora_kernel_a.shape).astype("float32")
    b = RNG.normal(size=(2, 3)).astype("float32")
    layer.set_weights([base, np.zeros(3, "float32"), a, b])
    merged = base + 2 * (a @ b)
    np.testing.assert_allclose(np.asarray(layer.kernel), merged, rtol=1e-5)
    plain = conv_class(3, 3)
    plain.build(shape)
    plain.set_weights([merged, np.zeros(3, "float32")])
    x = RNG.normal(size=(2,) + (5,) * rank + (2,)).astype("float32")
    np.testing.assert_allclose(layer(x), plain(x), rtol=1e-4, atol=1e-4)

    model = kerasish.Sequential([kerasish.Input(shape[1:]), layer])
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((2,) + (3,) * rank + (3,)), epochs=1, verbose=0)
    np.testing.assert_array_equal(layer._kernel.numpy(), base)
    assert not np.allclose(layer.lora_kernel_b.numpy(), b)
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    fresh = kerasish.Sequential([kerasish.Input(shape[1:]), conv_class(3, 3)])
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model(x), atol=1e-5)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)


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


def test_float8_training_updates_the_delayed_scales():
    """Keras's delayed scaling: each train step rolls the amax history by -1
    and writes `max|x|` into slot 0, and the scale from the history's max before it
    (`amax / 448` for e4m3; kept while the history is all zeros)."""
    x1 = RNG.normal(size=(8, 4)).astype("float32")
    x2 = 3 * RNG.normal(size=(8, 4)).astype("float32")
    inputs = kerasish.Input((4,))
    model = kerasish.Model(inputs, layers.Dense(2, name="d")(inputs))
    model.quantize("float8")
    model.compile(optimizer=kerasish.optimizers.SGD(0.01), loss="mse")
    dense = model.get_layer("d")
    kernel = dense._kernel.numpy().copy()
    model.train_on_batch(x1, np.zeros((8, 2), "float32"))
    history = dense.inputs_amax_history.numpy()
    np.testing.assert_allclose(history[0], np.abs(x1).max(), rtol=1e-6)
    assert not history[1:].any()
    np.testing.assert_allclose(dense.inputs_scale.numpy(), 1.0)  # history was 0
    np.testing.assert_allclose(
        dense.kernel_amax_history.numpy()[0], np.abs(kernel).max(), rtol=1e-6
    )
    model.train_on_batch(x2, np.zeros((8, 2), "float32"))
    history = dense.inputs_amax_history.numpy()
    # Rolled by -1 (slot 0 moves to the end), then slot 0 written.
    np.testing.assert_allclose(history[[0, -1]], [np.abs(x2).max(), np.abs(x1).max()])
    np.testing.assert_allclose(
        dense.inputs_scale.numpy(), np.abs(x1).max() / 448.0, rtol=1e-6
    )
    before = dense.inputs_scale.numpy().copy()
    model.predict(x2, verbose=0)  # inference leaves the scales alone
    np.testing.assert_array_equal(dense.inputs_scale.numpy(), before)
