"""The mixed precision guide: global dtype policies, float32 outputs, loss scaling.

Under "mixed_float16" (and then "mixed_bfloat16") layers compute in the low
precision and keep float32 variables; the last layer is an
`Activation("softmax", dtype="float32")`; compile wraps the optimizer in a
`LossScaleOptimizer` for float16 only. The model is trained, evaluated, saved and
reloaded with its per-layer policies. The global policy is always restored to
"float32".
"""

import numpy as np


def run(keras, workdir):
    layers, mixed_precision = keras.layers, keras.mixed_precision
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(256, 32)).astype("float32")
    w_true = rng.normal(size=(32, 10))
    y_train = np.argmax(x_train @ w_true, axis=1).astype("int32")
    x_test, y_test = x_train[:64], y_train[:64]
    weight_rng = np.random.default_rng(1)

    def build_model(num_units=64):
        inputs = keras.Input(shape=(32,), name="digits")
        dense1 = layers.Dense(num_units, activation="relu", name="dense_1")
        x = dense1(inputs)
        dense2 = layers.Dense(num_units, activation="relu", name="dense_2")
        x = dense2(x)
        x = layers.Dense(10, name="dense_logits")(x)
        outputs = layers.Activation("softmax", dtype="float32", name="predictions")(x)
        return keras.Model(inputs=inputs, outputs=outputs), x

    def one_policy(policy_name, tag):
        result = {}
        mixed_precision.set_dtype_policy(policy_name)
        policy = mixed_precision.dtype_policy()
        result[f"same_{tag}_global"] = [
            policy.name,
            policy.compute_dtype,
            policy.variable_dtype,
            repr(policy),
            type(policy).__name__,
            mixed_precision.global_policy().name,
            keras.config.dtype_policy().name,
        ]
        model, logits = build_model()
        dense1 = model.get_layer("dense_1")
        result[f"same_{tag}_layer_policies"] = [
            [
                layer.name,
                layer.dtype_policy.name,
                layer.compute_dtype,
                layer.variable_dtype,
                layer.dtype,
            ]
            for layer in model.layers
        ]
        result[f"same_{tag}_dense1"] = [
            repr(dense1.dtype_policy),
            str(dense1.kernel.dtype),
            str(dense1.bias.dtype),
            str(dense1.output.dtype),
            str(logits.dtype),
            str(model.output.dtype),
        ]
        result[f"same_{tag}_dense_config_dtype"] = dense1.get_config()["dtype"]
        model.set_weights(
            [
                (weight_rng.normal(size=w.shape) * 0.2).astype(w.dtype)
                for w in model.get_weights()
            ]
        )
        pred = model.predict(x_test[:8], verbose=0)
        result[f"same_{tag}_pred_dtype"] = str(pred.dtype)
        result[f"close_{tag}_pred"] = pred.astype("float32")
        eager = dense1(x_test[:2])
        result[f"same_{tag}_eager_dtype"] = keras.backend.standardize_dtype(eager.dtype)

        model.compile(
            loss="sparse_categorical_crossentropy",
            optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
            metrics=["accuracy"],
        )
        optimizer = model.optimizer
        is_scaled = isinstance(optimizer, mixed_precision.LossScaleOptimizer)
        result[f"same_{tag}_optimizer"] = [
            model.dtype_policy.name,
            type(optimizer).__name__,
            is_scaled,
        ]
        if is_scaled:
            result[f"same_{tag}_inner"] = type(optimizer.inner_optimizer).__name__
        initial_weights = model.get_weights()
        history = model.fit(
            x_train,
            y_train,
            batch_size=64,
            epochs=3,
            validation_split=0.25,
            shuffle=False,
            verbose=0,
        )
        assert history.history["loss"][-1] < history.history["loss"][0], history.history
        test_scores = model.evaluate(x_test, y_test, verbose=0)
        assert np.isfinite(test_scores[0]), test_scores
        result[f"same_{tag}_history_keys"] = sorted(history.history)
        result[f"{tag}_loss"] = history.history["loss"]
        result[f"{tag}_test_scores"] = test_scores
        if is_scaled:
            result[f"close_{tag}_dynamic_scale"] = float(
                np.asarray(optimizer.dynamic_scale)
            )
        result[f"same_{tag}_weight_dtypes"] = sorted(
            {str(w.dtype) for w in model.get_weights()}
        )

        # Reset to the initial weights, as the guide does before training again.
        model.set_weights(initial_weights)
        reset_pred = model.predict(x_test[:8], verbose=0)
        np.testing.assert_allclose(reset_pred, pred, rtol=1e-6, atol=1e-6)

        path = workdir / f"{tag}.keras"
        model.save(path)
        after = model.predict(x_test[:8], verbose=0)
        mixed_precision.set_dtype_policy("float32")
        restored = keras.models.load_model(path)
        result[f"same_{tag}_restored_policies"] = [
            [layer.name, layer.dtype_policy.name, layer.compute_dtype]
            for layer in restored.layers
        ]
        result[f"same_{tag}_restored_optimizer"] = type(restored.optimizer).__name__
        restored_pred = restored.predict(x_test[:8], verbose=0)
        np.testing.assert_allclose(restored_pred, after, rtol=1e-6, atol=1e-6)
        result[f"same_{tag}_restored_pred_dtype"] = str(restored_pred.dtype)
        return result

    results = {}
    try:
        results.update(one_policy("mixed_float16", "f16"))
        results.update(one_policy("mixed_bfloat16", "bf16"))

        # A layer built with an explicit policy object keeps it under any global one.
        mixed_precision.set_global_policy("mixed_float16")
        layer = layers.Dense(4, dtype=mixed_precision.DTypePolicy("float32"))
        auto = layers.Dense(4)
        out32 = layer(x_test[:2])
        out16 = auto(x_test[:2])
        results["same_explicit_policy"] = [
            layer.dtype_policy.name,
            keras.backend.standardize_dtype(out32.dtype),
            auto.dtype_policy.name,
            keras.backend.standardize_dtype(out16.dtype),
        ]
        # An explicitly wrapped optimizer is not wrapped again.
        model, _ = build_model(num_units=8)
        explicit = mixed_precision.LossScaleOptimizer(
            keras.optimizers.SGD(0.01), initial_scale=2.0**10
        )
        model.compile(loss="sparse_categorical_crossentropy", optimizer=explicit)
        results["same_explicit_lso"] = [
            model.optimizer is explicit,
            type(model.optimizer.inner_optimizer).__name__,
            model.optimizer.initial_scale,
            sorted(model.optimizer.get_config()),
        ]
    finally:
        mixed_precision.set_global_policy("float32")
    assert mixed_precision.global_policy().name == "float32"
    results["same_final_global"] = keras.config.dtype_policy().name
    return results
