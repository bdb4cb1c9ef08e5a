"""Keras programs that reach below `fit`: a legacy `.h5` model saved, reloaded and
trained on; weights loaded by position and `by_name` from it; a vocabulary and
bins built with `update_state`/`finalize_state` batch by batch; R2Score's
variables fed to `stateless_update_state`; a Keras-style loop over
`make_train_function`; a layer's `.input`/`.output` for feature extraction; a
variable with `overwrite_with_gradient`; and float8 training of an EinsumDense."""

import warnings

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    rng = np.random.default_rng(11)
    x = rng.normal(size=(48, 5)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("int32")
    result = {}

    def numbers(values):
        """The values flattened into one float list (`close_` compares it)."""
        return np.concatenate(
            [np.ravel(ops.convert_to_numpy(v)).astype("float64") for v in values]
        ).tolist()

    # -- a legacy .h5 model file ----------------------------------------------
    def build(names=("hidden", "norm", "head")):
        return keras.Sequential(
            [
                keras.Input((5,)),
                layers.Dense(6, activation="relu", name=names[0]),
                layers.BatchNormalization(name=names[1]),
                layers.Dense(2, activation="softmax", name=names[2]),
            ],
            name="clf",
        )

    model = build()
    init = np.random.default_rng(2)
    model.set_weights(
        [
            (init.normal(size=w.shape) * 0.4).astype("float32")
            if i % 6 < 2 or i >= 6
            else np.abs(init.normal(size=w.shape)).astype("float32") + 0.5
            for i, w in enumerate(model.get_weights())
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.02),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    path = str(workdir / "clf.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    loaded = keras.models.load_model(path)
    result["same_h5_layers"] = [layer.name for layer in loaded.layers]
    result["close_h5_predict"] = loaded.predict(x[:8], verbose=0)
    result["same_h5_optimizer"] = [
        type(loaded.optimizer).__name__,
        int(ops.convert_to_numpy(loaded.optimizer.iterations)),
    ]
    # (Keras 3.15 cannot go on training such a model: its optimizer comes back
    # built for no variables. kerasish's can; tests/saving checks it.)
    renamed = build(("a", "b", "c"))
    renamed.load_weights(path)
    result["close_by_position"] = numbers(renamed.weights[:2])
    inputs = keras.Input((5,))
    partial = keras.Model(inputs, layers.Dense(6, name="hidden")(inputs))
    partial.load_weights(path, by_name=True)
    result["close_by_name"] = numbers(partial.weights)

    # -- streaming adaptation ---------------------------------------------------
    texts = [["the cat sat", "a dog ran"], ["the dog sat down", "the end"]]
    vectorizer = layers.TextVectorization(output_mode="tf_idf", max_tokens=8)
    vectorizer.reset_state()
    for batch in texts:
        vectorizer.update_state(np.array(batch))
    vectorizer.finalize_state()
    result["same_streamed_vocabulary"] = [str(t) for t in vectorizer.get_vocabulary()]
    result["close_streamed_tf_idf"] = numbers([vectorizer(np.array(["the cat ran"]))])
    bins = layers.Discretization(num_bins=3)
    for chunk in np.array_split(rng.normal(size=300), 3):
        bins.update_state(chunk)
    bins.finalize_state()
    result["close_streamed_bins"] = bins.bin_boundaries

    # -- R2Score's variables, statelessly ---------------------------------------
    r2 = keras.metrics.R2Score(class_aggregation=None)
    targets, preds = rng.normal(size=(10, 2)), rng.normal(size=(10, 2))
    r2.update_state(targets[:1], preds[:1])  # builds the variables
    r2.reset_state()
    state = [ops.zeros(v.shape) for v in r2.variables]
    state = r2.stateless_update_state(state, targets, preds)
    result["same_r2_variables"] = [v.name for v in r2.variables]
    result["close_r2_state"] = numbers(state)
    result["close_r2"] = numbers([r2.stateless_result(state)])

    # -- a Keras-style loop over make_train_function -----------------------------
    loop_model = build()
    loop_model.set_weights(model.get_weights())
    loop_model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss="sparse_categorical_crossentropy",
        steps_per_execution=3,
    )
    loop_model.optimizer.build(loop_model.trainable_variables)
    train_state = tuple(
        [np.array(ops.convert_to_numpy(v)) for v in group]
        for group in (
            loop_model.trainable_variables,
            loop_model.non_trainable_variables,
            loop_model.optimizer.variables,
            loop_model.metrics_variables,
        )
    )
    loop_model.make_train_function()
    batches = iter([(x[i : i + 8], y[i : i + 8]) for i in range(0, 48, 8)])
    losses = []
    for _ in range(2):  # 3 batches a call
        logs, train_state = loop_model.train_function(train_state, batches)
        losses.append(float(ops.convert_to_numpy(logs["loss"])))
    result["close_loop_losses"] = losses
    result["close_loop_kernel"] = numbers(train_state[0][:1])

    # -- a layer's .input/.output --------------------------------------------------
    query, value = keras.Input((4, 3)), keras.Input((6, 3))
    attention = layers.MultiHeadAttention(2, 4, name="mha")
    attended = attention(query, value)
    recurrent = layers.GRU(5, return_state=True, name="gru")
    outputs = recurrent(attended)
    extractor = keras.Model(attention.input, recurrent.output)
    result["same_mha_input_shapes"] = [list(t.shape) for t in attention.input]
    result["same_gru_output_kind"] = [type(recurrent.output).__name__, len(outputs)]
    result["same_extractor_outputs"] = [list(t.shape) for t in extractor.outputs]

    # -- overwrite_with_gradient -----------------------------------------------------
    class Tracker(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
            self.peak = self.add_weight(
                shape=(), initializer="zeros", name="peak", overwrite_with_gradient=True
            )

        def call(self, inputs):
            @ops.custom_gradient
            def track(t, peak):
                def grad(*args, upstream=None):
                    upstream = args[0] if upstream is None else upstream
                    return upstream, ops.max(ops.abs(t))

                return t, grad

            return track(inputs, ops.convert_to_tensor(self.peak)) * self.scale

    tracked = keras.Sequential([keras.Input((5,)), Tracker(), layers.Dense(1)])
    tracked.set_weights(
        [
            np.float32(1.0),
            np.float32(0.0),
            np.full((5, 1), 0.1, "float32"),
            np.zeros(1, "float32"),
        ]
    )
    tracked.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    tracked.fit(x[:16], y[:16].astype("float32"), batch_size=16, verbose=0)
    result["close_overwritten_peak"] = float(
        ops.convert_to_numpy(tracked.layers[0].peak)
    )
    result["close_peak_reference"] = float(np.abs(x[:16]).max())

    # -- float8 training of an EinsumDense ------------------------------------------
    inputs = keras.Input((5,))
    mixed = layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c", name="mix")
    f8 = keras.Model(inputs, layers.Dense(2, name="out")(mixed(inputs)))
    f8.set_weights(
        [(init.normal(size=w.shape) * 0.5).astype("float32") for w in f8.get_weights()]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f8.quantize("float8")
    f8.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    f8_history = f8.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    result["close_float8_losses"] = f8_history.history["loss"]
    result["close_float8_scales"] = [
        float(np.asarray(ops.convert_to_numpy(v), "float64").reshape(-1)[0])
        for v in mixed.weights
        if v.name.endswith("scale")
    ]
    return result
