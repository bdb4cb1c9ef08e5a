"""Quantization in Keras: post-training int8 / float8 / int4 quantization and LoRA.

Following keras.io's "Quantization in Keras" and "8-bit Integer Quantization"
guides: a small token model (Embedding -> EinsumDense -> pooling -> Dense) gets its
weights from a numpy seed; `model.quantize(mode)` rewrites the Dense, EinsumDense
and Embedding layers in place (int8 kernels plus per-channel scales, float8 scale
and amax-history variables, packed int4 kernels); predictions stay close to the
float model. The int8 model is summarized, saved with `model.save` and
`load_model`, its weights round-trip through `.weights.h5`, and it can be
fine-tuned with `fit`. Quantizing an unbuilt model or with an unknown mode raises.
Finally LoRA: `layer.enable_lora(rank)` freezes the kernel and adds two trainable
low-rank matrices; after `fit` the saved weights hold the merged kernel, which a
plain model (no LoRA) loads and reproduces the predictions with.
"""

import numpy as np

VOCAB, SEQ, EMB, HIDDEN, CLASSES = 50, 6, 8, 16, 3


def _variables(model):
    return [
        [layer.name, layer.dtype_policy.name, getattr(layer, "quantization_mode", None)]
        + [
            [v.path, str(v.dtype), tuple(v.shape), bool(v.trainable)]
            for v in layer.weights
        ]
        for layer in model.layers
    ]


def _error_kind(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the kind is what is compared
        return type(e).__name__, str(e)
    return None, None


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, size=(64, SEQ)).astype("int32")
    w_true = rng.normal(size=(VOCAB, CLASSES))
    y = np.argmax(w_true[x].sum(axis=1), axis=1).astype("int32")

    def build_model(name="token_model", **dense_kwargs):
        inputs = keras.Input(shape=(SEQ,), dtype="int32", name="tokens")
        h = layers.Embedding(VOCAB, EMB, name="embedding")(inputs)
        h = layers.EinsumDense(
            "abc,cd->abd",
            output_shape=(None, HIDDEN),
            bias_axes="d",
            activation="relu",
            name="einsum_dense",
        )(h)
        h = layers.GlobalAveragePooling1D(name="pool")(h)
        h = layers.Dense(HIDDEN, activation="relu", name="hidden", **dense_kwargs)(h)
        outputs = layers.Dense(CLASSES, name="logits")(h)
        return keras.Model(inputs, outputs, name=name)

    weight_rng = np.random.default_rng(1)
    float_model = build_model()
    init_weights = [
        (weight_rng.normal(size=w.shape) * 0.3).astype("float32")
        for w in float_model.get_weights()
    ]
    float_model.set_weights(init_weights)
    x_eval = x[:16]
    float_pred = float_model.predict(x_eval, verbose=0)
    result = {"close_float_pred": float_pred}

    # Each mode on a fresh copy of the same float model.
    quantized = {}
    for mode in ["int8", "float8", "int4"]:
        model = build_model()
        model.set_weights(init_weights)
        model.quantize(mode)
        quantized[mode] = model
        result[f"same_{mode}_variables"] = _variables(model)
        result[f"same_{mode}_policies"] = [
            [
                layer.name,
                layer.dtype_policy.name,
                layer.compute_dtype,
                layer.variable_dtype,
            ]
            for layer in model.layers
        ]
        pred = model.predict(x_eval, verbose=0)
        err = float(np.max(np.abs(pred - float_pred)))
        scale = float(np.max(np.abs(float_pred)))
        assert err < 0.25 * scale, (mode, err, scale)
        result[f"{mode}_max_abs_error"] = err
        result[f"same_{mode}_pred_shape"] = pred.shape
        result[f"close_{mode}_pred"] = pred
        result[f"same_{mode}_weight_count"] = [
            len(model.weights),
            len(model.trainable_weights),
        ]

        if mode == "float8":
            # float8 is meant for training: fit updates the scales and amax history.
            model.compile(
                optimizer=keras.optimizers.SGD(0.05),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
            history = model.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
            # The delayed scales are written through `overwrite_with_gradient`.
            result["close_float8_losses"] = history.history["loss"]
            result["same_float8_trainable"] = [v.path for v in model.trainable_weights]
            hidden = model.get_layer("hidden")
            result["close_float8_hidden_scales"] = np.concatenate(
                [
                    np.asarray(v.numpy(), "float32").reshape(-1)
                    for v in hidden.weights
                    if "scale" in v.path or "amax" in v.path
                ]
            )

    # Only some layers: a name filter, a single layer, a weight-only config.
    model = build_model()
    model.set_weights(init_weights)
    model.quantize("int8", filters=["hidden", "logits"])
    model.get_layer("embedding").quantize("int8")
    result["same_filtered_policies"] = [
        layer.dtype_policy.name for layer in model.layers
    ]
    result["close_filtered_pred"] = model.predict(x_eval, verbose=0)
    config = keras.quantizers.Int8QuantizationConfig(
        weight_quantizer=keras.quantizers.AbsMaxQuantizer(axis=0),
        activation_quantizer=None,
    )
    model = build_model()
    model.set_weights(init_weights)
    model.quantize(config=config, filters=lambda layer: isinstance(layer, layers.Dense))
    result["same_weight_only_policies"] = [
        layer.dtype_policy.name for layer in model.layers
    ]
    result["same_weight_only_variables"] = _variables(model)
    result["close_weight_only_pred"] = model.predict(x_eval, verbose=0)

    # The int8 model in depth: summary, saving, weights files, fine-tuning.
    model = quantized["int8"]
    q_pred = model.predict(x_eval, verbose=0)
    lines = []
    model.summary(print_fn=lambda s, **kw: lines.append(s))
    result["same_int8_summary"] = "\n".join(lines)
    hidden = model.get_layer("hidden")
    result["same_int8_hidden"] = [
        str(hidden.kernel.dtype),
        hidden.quantization_mode,
        repr(hidden.dtype_policy),
        hidden.get_config()["dtype"],
    ]
    result["close_int8_hidden_kernel"] = np.asarray(hidden._kernel.numpy(), "float32")
    result["close_int8_hidden_scale"] = hidden.kernel_scale.numpy()

    path = workdir / "quantized.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    result["same_restored_variables"] = _variables(restored)
    result["same_restored_policies"] = [
        layer.dtype_policy.name for layer in restored.layers
    ]
    np.testing.assert_allclose(restored.predict(x_eval, verbose=0), q_pred, atol=1e-6)

    weights_path = workdir / "quantized.weights.h5"
    model.save_weights(weights_path)
    fresh = build_model()
    fresh.quantize("int8")
    fresh.load_weights(weights_path)
    np.testing.assert_allclose(fresh.predict(x_eval, verbose=0), q_pred, atol=1e-6)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)

    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    result["same_int8_trainable"] = [v.path for v in model.trainable_weights]
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    result["same_int8_history_keys"] = sorted(history.history)
    result["close_int8_losses"] = history.history["loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]

    # Errors: an unbuilt model, an unknown mode, quantizing twice.
    unbuilt = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    kind, msg = _error_kind(lambda: unbuilt.quantize("int8"))
    result["same_unbuilt_error"] = kind
    result["unbuilt_message"] = msg
    built = build_model()
    kind, msg = _error_kind(lambda: built.quantize("int3"))
    result["same_unknown_mode_error"] = kind
    result["unknown_mode_message"] = msg
    kind, msg = _error_kind(lambda: model.quantize("int8"))
    result["same_twice_error"] = kind
    result["twice_message"] = msg

    # LoRA on the float model's Dense layers.
    lora_model = build_model(name="lora_model")
    lora_model.set_weights(init_weights)
    before = [len(lora_model.weights), len(lora_model.trainable_weights)]
    lora_model.get_layer("hidden").enable_lora(4)
    lora_model.get_layer("logits").enable_lora(2)
    lora_model.get_layer("embedding").trainable = False
    lora_model.get_layer("einsum_dense").trainable = False
    hidden = lora_model.get_layer("hidden")
    result["same_lora_counts"] = [
        before,
        [len(lora_model.weights), len(lora_model.trainable_weights)],
        [v.path for v in lora_model.trainable_weights],
        [v.path for v in lora_model.non_trainable_weights],
        lora_model.count_params(),
        [hidden.lora_enabled, hidden.lora_rank, hidden.lora_alpha],
        tuple(hidden.lora_kernel_a.shape),
        tuple(hidden.lora_kernel_b.shape),
    ]
    # lora_kernel_b starts at zero: the output is unchanged.
    np.testing.assert_allclose(
        lora_model.predict(x_eval, verbose=0), float_pred, atol=1e-5
    )
    for layer in (hidden, lora_model.get_layer("logits")):
        a = layer.lora_kernel_a
        a.assign((weight_rng.normal(size=a.shape) * 0.3).astype("float32"))
    result["close_lora_pred"] = lora_model.predict(x_eval, verbose=0)
    lora_model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    frozen_kernel = hidden._kernel.numpy().copy()
    history = lora_model.fit(x, y, epochs=2, batch_size=64, shuffle=False, verbose=0)
    result["close_lora_losses"] = history.history["loss"]
    np.testing.assert_array_equal(hidden._kernel.numpy(), frozen_kernel)
    lora_pred = lora_model.predict(x_eval, verbose=0)
    result["close_lora_trained_pred"] = lora_pred
    merged = frozen_kernel + (hidden.lora_alpha / hidden.lora_rank) * (
        hidden.lora_kernel_a.numpy() @ hidden.lora_kernel_b.numpy()
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(hidden.kernel), merged, rtol=1e-5, atol=1e-6
    )
    result["close_lora_merged_kernel"] = merged
    result["same_lora_config"] = [
        {k: v for k, v in layer.get_config().items() if k.startswith("lora")}
        for layer in (hidden, lora_model.get_layer("logits"))
    ]

    # Saving merges the low-rank update into the kernel: a plain model loads it.
    lora_path = workdir / "lora.weights.h5"
    lora_model.save_weights(lora_path)
    plain = build_model(name="plain")
    plain.load_weights(lora_path)
    np.testing.assert_allclose(
        plain.predict(x_eval, verbose=0), lora_pred, rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(plain.get_layer("hidden").kernel),
        merged,
        rtol=1e-5,
        atol=1e-6,
    )
    result["same_plain_counts"] = [len(plain.weights), len(plain.trainable_weights)]

    # QLoRA: LoRA on top of an int8-quantized layer.
    qlora = build_model(name="qlora")
    qlora.set_weights(init_weights)
    qlora.quantize("int8")
    qlora.get_layer("hidden").enable_lora(4)
    result["same_qlora_trainable"] = [v.path for v in qlora.trainable_weights]
    qlora.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = qlora.fit(x, y, epochs=1, batch_size=32, verbose=0)
    result["same_qlora_history_keys"] = sorted(history.history)
    return result
