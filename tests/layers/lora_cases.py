"""The LoRA / quantization cases compared with Keras 3 (shared by the test and
`tools/record_keras.py lora_quantization`; editing this file asks for a new record).

`run_case(lib, kind, mode)` builds one layer, gives it seeded weights, converts it
and returns what the test compares: outputs, weights (name, shape, dtype,
trainable), parameter count, dtype policy and the saved variables.
"""

import numpy as np

# Each layer kind runs the modes where its code differs (Keras runs are slow).
MODES = {
    "dense": ["lora", "int8", "int4", "int4pc", "float8", "int8lora", "int4lora"],
    "einsum": ["lora", "int8", "int4pc", "float8", "int4lora"],
    "embedding": ["int8", "int4", "int4pc", "int8lora"],
}
CASES = [(kind, mode) for kind, modes in MODES.items() for mode in modes]

_DATA = np.random.default_rng(0)
X = _DATA.normal(size=(2, 3, 6)).astype("float32")
IDS = _DATA.integers(0, 7, size=(2, 3))


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


def run_case(lib, kind, mode):
    """One layer of `kind` converted by `mode` under `lib`, from seeded weights."""
    rng = np.random.default_rng(CASES.index((kind, mode)) + 1)
    layer = _make(lib, kind)
    layer.set_weights(
        [rng.normal(size=v.shape).astype("float32") for v in layer.weights]
    )
    _convert(lib, layer, mode)
    for variable in layer.weights:
        if "lora" in variable.path:  # b starts at zero: give the delta a value
            variable.assign(rng.normal(size=variable.shape).astype("float32") * 0.1)
    store = {}
    layer.save_own_variables(store)
    return {
        "out": np.asarray(layer(IDS if kind == "embedding" else X)),
        "weights": [
            (v.path.split("/")[-1], tuple(v.shape), str(v.dtype), v.trainable)
            for v in layer.weights
        ],
        "params": layer.count_params(),
        "policy": layer.dtype_policy.name,
        "store": {k: np.asarray(v) for k, v in store.items()},
    }


def compare(theirs, ours, case):
    """Asserts `ours` equals `theirs` (two `run_case` results) for `case`."""
    # Equal to float rounding: on an AVX-512 CPU, XLA's fused kernel + delta
    # differs from Keras's op-by-op sum in the last bit (4.8e-7 of 4.47).
    np.testing.assert_allclose(
        ours["out"], theirs["out"], rtol=1e-6, atol=1e-6, err_msg=str(case)
    )
    assert ours["weights"] == theirs["weights"], case
    assert (ours["params"], ours["policy"]) == (theirs["params"], theirs["policy"]), (
        case
    )
    assert sorted(ours["store"]) == sorted(theirs["store"]), case
    for key, value in theirs["store"].items():
        np.testing.assert_allclose(
            ours["store"][key], value, rtol=1e-6, atol=1e-6, err_msg=f"{case} {key}"
        )
