"""Regularizers, constraints and noise layers, as keras.io's layer-weight
regularizer and constraint pages show them: kernel/bias/activity regularizers
(built-in, orthogonal and a custom one as in the PointNet example), constraints
(built-in and custom), `model.losses` after a call, regularization in the
training loss, dropout-style layers in training vs inference, `add_loss` in a
custom layer, and saving a model that holds custom regularizers/constraints."""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(21)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = (x[:, :1] - 0.5 * x[:, 1:2] + 0.1 * rng.normal(size=(32, 1))).astype("float32")

    def flat(arrays):
        return np.concatenate(
            [np.ravel(ops.convert_to_numpy(a)) for a in arrays]
        ).tolist()

    def to_float(value):
        return float(ops.convert_to_numpy(value))

    @keras.saving.register_keras_serializable(package="reg_demo")
    class TransformRegularizer(keras.regularizers.Regularizer):
        """Pushes a (batch, n*n) output, read as n x n matrices, to orthogonal."""

        def __init__(self, num_features, l2reg=0.001):
            self.num_features = num_features
            self.l2reg = l2reg
            self.eye = ops.eye(num_features)

        def __call__(self, x):
            x = ops.reshape(x, (-1, self.num_features, self.num_features))
            xxt = ops.tensordot(x, x, axes=(2, 2))
            xxt = ops.reshape(xxt, (-1, self.num_features, self.num_features))
            return ops.sum(self.l2reg * ops.square(xxt - self.eye))

        def get_config(self):
            return {"num_features": self.num_features, "l2reg": self.l2reg}

    @keras.saving.register_keras_serializable(package="reg_demo")
    class CenterAround(keras.constraints.Constraint):
        """Constrains weight tensors to be centered around `ref_value`."""

        def __init__(self, ref_value):
            self.ref_value = ref_value

        def __call__(self, w):
            mean = ops.mean(w)
            return w - mean + self.ref_value

        def get_config(self):
            return {"ref_value": self.ref_value}

    class ActivityRegularizationLayer(layers.Layer):
        def __init__(self, rate=1e-2, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(ops.square(inputs)))
            return inputs

        def get_config(self):
            return {**super().get_config(), "rate": self.rate}

    # --- Regularizer and constraint objects on their own --------------------
    w = rng.normal(size=(4, 3)).astype("float32")
    out = {}
    regs = {
        "l1": keras.regularizers.L1(0.1),
        "l2": keras.regularizers.L2(0.05),
        "l1l2": keras.regularizers.L1L2(l1=0.01, l2=0.02),
        "orth_rows": keras.regularizers.OrthogonalRegularizer(factor=0.1),
        "orth_cols": keras.regularizers.OrthogonalRegularizer(
            factor=0.1, mode="columns"
        ),
    }
    for name, reg in regs.items():
        out[f"close_reg_{name}"] = to_float(reg(ops.convert_to_tensor(w)))
        out[f"same_reg_{name}_config"] = reg.get_config()
        again = type(reg).from_config(reg.get_config())
        out[f"close_reg_{name}_again"] = to_float(again(ops.convert_to_tensor(w)))
    out["same_reg_by_name"] = {
        name: keras.regularizers.serialize(keras.regularizers.get(name))
        for name in ("l1", "l2", "l1l2", "orthogonal_regularizer")
    }
    np.testing.assert_allclose(out["close_reg_l1"], 0.1 * np.abs(w).sum(), rtol=1e-5)
    np.testing.assert_allclose(
        out["close_reg_l2"], 0.05 * np.square(w).sum(), rtol=1e-5
    )

    constraints = {
        "max_norm": keras.constraints.MaxNorm(max_value=1.5, axis=0),
        "non_neg": keras.constraints.NonNeg(),
        "unit_norm": keras.constraints.UnitNorm(axis=0),
        "min_max": keras.constraints.MinMaxNorm(
            min_value=0.5, max_value=1.0, rate=0.5, axis=0
        ),
        "center": CenterAround(0.25),
    }
    for name, constraint in constraints.items():
        out[f"close_con_{name}"] = flat([constraint(ops.convert_to_tensor(w))])
        out[f"same_con_{name}_config"] = constraint.get_config()
    out["same_con_by_name"] = {
        name: keras.constraints.serialize(keras.constraints.get(name))
        for name in ("max_norm", "non_neg", "unit_norm", "min_max_norm")
    }
    norms = np.linalg.norm(np.array(out["close_con_unit_norm"]).reshape(4, 3), axis=0)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)

    # --- A model with regularizers and constraints --------------------------
    def get_model():
        inputs = keras.Input(shape=(6,), name="points")
        h = layers.Dense(
            8,
            activation="relu",
            kernel_regularizer=keras.regularizers.L2(0.01),
            bias_regularizer=keras.regularizers.L1(0.01),
            activity_regularizer=keras.regularizers.L1L2(l1=1e-3, l2=1e-3),
            kernel_constraint=keras.constraints.MaxNorm(0.9),
            name="dense_reg",
        )(inputs)
        t = layers.Dense(
            9,
            kernel_regularizer=keras.regularizers.OrthogonalRegularizer(
                factor=0.02, mode="columns"
            ),
            activity_regularizer=TransformRegularizer(3, l2reg=0.001),
            bias_constraint=keras.constraints.NonNeg(),
            name="transform",
        )(h)
        t = ActivityRegularizationLayer(rate=0.05, name="act_reg")(t)
        t = layers.ActivityRegularization(l1=1e-3, name="builtin_act_reg")(t)
        h2 = layers.Dense(
            4,
            activation="tanh",
            kernel_constraint=keras.constraints.MinMaxNorm(0.2, 0.8, rate=1.0),
            kernel_regularizer="l1l2",
            name="min_max",
        )(t)
        outputs = layers.Dense(
            1,
            kernel_constraint=CenterAround(0.1),
            bias_regularizer=keras.regularizers.L2(0.1),
            name="head",
        )(h2)
        return keras.Model(inputs, outputs, name="regularized")

    model = get_model()
    init_rng = np.random.default_rng(8)
    init_weights = [
        (init_rng.normal(size=v.shape) * 0.3).astype("float32") for v in model.weights
    ]
    model.set_weights(init_weights)

    out["same_n_losses_before_call"] = len(model.losses)
    _ = model(x[:8])
    losses = [to_float(v) for v in model.losses]
    out["same_n_losses_after_call"] = len(losses)
    out["close_losses_sorted"] = sorted(losses)
    out["close_losses_total"] = sum(losses)
    _ = model(x[:8])
    out["same_n_losses_after_two_calls"] = len(model.losses)
    out["same_layer_losses"] = {layer.name: len(layer.losses) for layer in model.layers}

    # The weight penalties, by hand from the weights.
    k1, b1 = init_weights[0], init_weights[1]
    expected = [0.01 * np.square(k1).sum(), 0.01 * np.abs(b1).sum()]
    weight_losses = [to_float(v) for v in model.layers[1].losses[-2:]]
    np.testing.assert_allclose(sorted(weight_losses), sorted(expected), rtol=1e-4)

    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    plain_pred = ops.convert_to_numpy(model(x, training=False))
    plain_mse = float(np.mean(np.square(plain_pred - y)))
    eval_loss = model.evaluate(x, y, batch_size=32, verbose=0)
    out["close_eval_loss"] = eval_loss
    out["close_plain_mse"] = plain_mse
    assert eval_loss > plain_mse, (eval_loss, plain_mse)

    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    out["same_history_keys"] = sorted(history.history)
    out["close_history_loss"] = history.history["loss"]
    out["close_trained_weights"] = flat(model.get_weights())
    assert history.history["loss"][-1] < history.history["loss"][0]

    # The constraints hold after each update.
    kernel = ops.convert_to_numpy(model.get_layer("dense_reg").kernel)
    assert np.all(np.linalg.norm(kernel, axis=0) <= 0.9 + 1e-5)
    bias = ops.convert_to_numpy(model.get_layer("transform").bias)
    assert np.all(bias >= 0)
    head = ops.convert_to_numpy(model.get_layer("head").kernel)
    np.testing.assert_allclose(head.mean(), 0.1, atol=1e-5)
    out["close_head_kernel_mean"] = float(head.mean())

    # --- get_config of layers with regularizers and constraints -------------
    for name in ("dense_reg", "transform", "min_max", "head"):
        config = model.get_layer(name).get_config()
        out[f"same_config_{name}"] = {
            key: config[key]
            for key in (
                "kernel_regularizer",
                "bias_regularizer",
                "activity_regularizer",
                "kernel_constraint",
                "bias_constraint",
            )
            if key in config
        }
    out["same_act_reg_config"] = model.get_layer("builtin_act_reg").get_config()
    clone = layers.Dense.from_config(model.get_layer("dense_reg").get_config())
    out["same_clone_regularizer_types"] = [
        type(clone.kernel_regularizer).__name__,
        type(clone.bias_regularizer).__name__,
        type(clone.activity_regularizer).__name__,
        type(clone.kernel_constraint).__name__,
    ]

    # --- Saving and reloading with the custom regularizer and constraint ----
    path = str(workdir / "regularized.keras")
    model.save(path)
    custom_objects = {"ActivityRegularizationLayer": ActivityRegularizationLayer}
    loaded = keras.models.load_model(path, custom_objects=custom_objects)
    out["close_loaded_pred"] = flat([loaded.predict(x[:8], verbose=0)])
    np.testing.assert_allclose(
        out["close_loaded_pred"], flat([model.predict(x[:8], verbose=0)]), rtol=1e-6
    )
    transform = loaded.get_layer("transform")
    out["same_loaded_types"] = [
        type(transform.activity_regularizer).__name__,
        type(loaded.get_layer("head").kernel_constraint).__name__,
        type(transform.kernel_regularizer).__name__,
    ]
    out["same_loaded_custom_configs"] = [
        transform.activity_regularizer.get_config(),
        loaded.get_layer("head").kernel_constraint.get_config(),
    ]
    _ = loaded(x[:8])
    _ = model(x[:8])
    out["close_loaded_losses"] = sorted(to_float(v) for v in loaded.losses)
    np.testing.assert_allclose(
        out["close_loaded_losses"], sorted(to_float(v) for v in model.losses), rtol=1e-5
    )

    # --- Regularizers on embeddings, recurrent and normalization weights ----
    tokens = rng.integers(0, 20, size=(16, 5))
    seq_y = rng.normal(size=(16, 1)).astype("float32")
    seq_in = keras.Input(shape=(5,), dtype="int32")
    e = layers.Embedding(
        20,
        4,
        embeddings_regularizer=keras.regularizers.L2(1e-3),
        embeddings_constraint=keras.constraints.UnitNorm(axis=1),
        name="embed",
    )(seq_in)
    r = layers.LSTM(
        6,
        kernel_regularizer=keras.regularizers.L1(1e-3),
        recurrent_regularizer=keras.regularizers.L2(1e-3),
        recurrent_constraint=keras.constraints.MaxNorm(1.0),
        name="lstm",
    )(e)
    r = layers.BatchNormalization(
        beta_regularizer=keras.regularizers.L2(0.1),
        gamma_constraint=keras.constraints.NonNeg(),
        name="bn",
    )(r)
    seq_out = layers.Dense(1, name="seq_head")(r)
    seq_model = keras.Model(seq_in, seq_out)
    seq_rng = np.random.default_rng(13)
    seq_model.set_weights(
        [
            (
                seq_rng.normal(size=v.shape) * 0.3
                + (1.0 if "variance" in v.path else 0)
            ).astype("float32")
            for v in seq_model.weights
        ]
    )
    _ = seq_model(tokens)
    out["same_seq_n_losses"] = len(seq_model.losses)
    out["close_seq_losses"] = sorted(to_float(v) for v in seq_model.losses)
    seq_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    batch_losses = [float(seq_model.train_on_batch(tokens, seq_y)) for _ in range(3)]
    out["close_seq_batch_losses"] = batch_losses
    out["close_seq_test_loss"] = float(seq_model.test_on_batch(tokens, seq_y))
    out["close_seq_weights"] = flat(seq_model.get_weights())
    emb = ops.convert_to_numpy(seq_model.get_layer("embed").embeddings)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)
    gamma = ops.convert_to_numpy(seq_model.get_layer("bn").gamma)
    assert np.all(gamma >= 0)
    out["same_lstm_config"] = {
        key: seq_model.get_layer("lstm").get_config()[key]
        for key in (
            "kernel_regularizer",
            "recurrent_regularizer",
            "recurrent_constraint",
            "bias_regularizer",
        )
    }

    # --- Noise and dropout layers: training vs inference --------------------
    batch = rng.normal(size=(64, 10, 8)).astype("float32")
    noise_layers = {
        "dropout": layers.Dropout(0.5, seed=1),
        "gaussian_noise": layers.GaussianNoise(0.3, seed=2),
        "gaussian_dropout": layers.GaussianDropout(0.3, seed=3),
        "alpha_dropout": layers.AlphaDropout(0.2, seed=4),
        "spatial_dropout": layers.SpatialDropout1D(0.5, seed=5),
    }
    for name, layer in noise_layers.items():
        inference = ops.convert_to_numpy(layer(batch, training=False))
        default = ops.convert_to_numpy(layer(batch))
        training = ops.convert_to_numpy(layer(batch, training=True))
        out[f"same_{name}_inference_is_identity"] = bool(
            np.array_equal(inference, batch) and np.array_equal(default, batch)
        )
        out[f"same_{name}_training_changes"] = bool(not np.allclose(training, batch))
        out[f"same_{name}_shape"] = training.shape
        out[f"same_{name}_config"] = layer.get_config()
        out[f"{name}_training_mean"] = float(training.mean())

    dropped = ops.convert_to_numpy(noise_layers["dropout"](batch, training=True))
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], batch[kept] * 2.0, rtol=1e-5)
    assert 0.4 < 1 - kept.mean() < 0.6, kept.mean()
    noisy = ops.convert_to_numpy(noise_layers["gaussian_noise"](batch, training=True))
    assert abs(np.std(noisy - batch) - 0.3) < 0.03
    spatial = ops.convert_to_numpy(
        noise_layers["spatial_dropout"](batch, training=True)
    )
    zero_channels = np.all(spatial == 0, axis=1)  # (batch, channels)
    scaled = np.isclose(spatial, batch * 2.0, rtol=1e-5).all(axis=1)
    out["same_spatial_whole_channels"] = bool(np.all(zero_channels | scaled))
    assert 0.3 < zero_channels.mean() < 0.7

    # A model with dropout: predict is deterministic, training is not.
    inputs = keras.Input(shape=(6,))
    h = layers.Dense(16, activation="relu", name="d1")(inputs)
    h = layers.Dropout(0.5, name="drop")(h)
    h = layers.GaussianNoise(0.1, name="noise")(h)
    outputs = layers.Dense(1, name="d2")(h)
    dropout_model = keras.Model(inputs, outputs)
    drop_rng = np.random.default_rng(9)
    dropout_model.set_weights(
        [
            (drop_rng.normal(size=v.shape) * 0.3).astype("float32")
            for v in dropout_model.weights
        ]
    )
    p1 = dropout_model.predict(x, verbose=0)
    p2 = dropout_model.predict(x, verbose=0)
    out["close_dropout_predict"] = flat([p1])
    out["same_dropout_predict_repeatable"] = bool(np.array_equal(p1, p2))
    t1 = ops.convert_to_numpy(dropout_model(x, training=True))
    out["same_dropout_training_differs"] = bool(not np.allclose(t1, p1))
    dropout_model.compile(optimizer="adam", loss="mse")
    history = dropout_model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    out["same_dropout_history_keys"] = sorted(history.history)
    out["dropout_final_loss"] = history.history["loss"][-1]
    return out
