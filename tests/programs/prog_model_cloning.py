"""Model manipulation idioms from the Keras guides: cloning, feature extraction,
nested and shared layers, freezing, JSON round trips and editing a Sequential.

`keras.models.clone_model` copies a Sequential, a Functional and a subclassed model
(fresh weights, same architecture; `set_weights(model.get_weights())` makes the
copy predict the same), with a `clone_function` that swaps activations and adds
regularizers, with `input_tensors`, with a `call_function` that inserts layers and
`recursive=True` for nested models. A feature extractor reuses the layers' outputs;
`get_layer` looks layers up by name and index; a shared Dense serves two inputs;
`trainable = False` freezes layers and nested models; `to_json` /
`model_from_json` rebuild the architecture; `Sequential.pop()` / `add()` edit a
model; `summary(expand_nested=True, show_trainable=True)` prints it all.
"""

import numpy as np


def _seeded(model, rng, scale=0.3):
    model.set_weights(
        [
            (rng.normal(size=w.shape) * scale).astype(w.dtype)
            for w in model.get_weights()
        ]
    )


def _summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda s, **kw: lines.append(s), **kwargs)
    return "\n".join(lines)


def _describe(model):
    return [
        [
            layer.name,
            type(layer).__name__,
            len(layer.weights),
            len(layer.trainable_weights),
        ]
        for layer in model.layers
    ]


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    weight_rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 10)).astype("float32")
    y = (x[:, :3].sum(axis=1) > 0).astype("float32")[:, None]
    result = {}

    # --- Sequential: clone_model gives fresh weights, set_weights makes a twin.
    seq = keras.Sequential(
        [
            keras.Input(shape=(10,), name="features"),
            layers.Dense(16, activation="relu", name="dense_a"),
            layers.Dropout(0.1, name="dropout"),
            layers.Dense(8, activation="relu", name="dense_b"),
            layers.Dense(1, activation="sigmoid", name="head"),
        ],
        name="seq",
    )
    _seeded(seq, weight_rng)
    seq.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    seq_pred = seq.predict(x, verbose=0)
    result["close_seq_pred"] = seq_pred
    clone = keras.models.clone_model(seq)
    result["same_seq_clone"] = [
        type(clone).__name__,
        clone.name,
        _describe(clone),
        [w.shape for w in clone.get_weights()] == [w.shape for w in seq.get_weights()],
        clone.compiled,
        clone.layers[0] is seq.layers[0],
    ]
    differs = any(
        not np.array_equal(a, b) for a, b in zip(clone.get_weights(), seq.get_weights())
    )
    assert differs, "clone_model re-initialises the weights"
    clone.set_weights(seq.get_weights())
    np.testing.assert_allclose(
        clone.predict(x, verbose=0), seq_pred, rtol=1e-5, atol=1e-6
    )
    # The clone is independent: training it leaves the original untouched.
    before = [w.copy() for w in seq.get_weights()]
    clone.compile(optimizer="sgd", loss="binary_crossentropy")
    clone.fit(x, y, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(before, seq.get_weights()):
        np.testing.assert_array_equal(a, b)

    # --- clone_function: tanh instead of relu, an L2 penalty on every kernel.
    def clone_function(layer):
        config = layer.get_config()
        if isinstance(layer, layers.Dense):
            if config["activation"] == "relu":
                config["activation"] = "tanh"
            config["kernel_regularizer"] = keras.regularizers.L2(1e-2)
        if isinstance(layer, layers.Dropout):
            return layers.Identity(name=layer.name + "_removed")
        return layer.__class__.from_config(config)

    tanh_model = keras.models.clone_model(seq, clone_function=clone_function)
    tanh_model.set_weights(seq.get_weights())
    result["same_clone_function"] = [
        _describe(tanh_model),
        [
            [layer.name, layer.get_config().get("activation")]
            for layer in tanh_model.layers
        ],
        len(tanh_model.losses),
    ]
    result["close_clone_function_pred"] = tanh_model.predict(x, verbose=0)
    result["close_clone_function_losses"] = [
        float(keras.ops.convert_to_numpy(loss)) for loss in tanh_model.losses
    ]

    # --- input_tensors: the clone is built on a given Input.
    new_input = keras.Input(shape=(10,), name="new_features")
    on_input = keras.models.clone_model(seq, input_tensors=new_input)
    result["same_input_tensors"] = [
        type(on_input).__name__,
        [t.name for t in on_input.inputs],
        tuple(on_input.input_shape) if hasattr(on_input, "input_shape") else None,
        [layer.name for layer in on_input.layers],
    ]

    # --- Functional: two inputs, a shared Dense, a nested Sequential block.
    block = keras.Sequential(
        [
            layers.Dense(8, activation="relu", name="block_dense"),
            layers.LayerNormalization(name="block_norm"),
        ],
        name="block",
    )
    shared = layers.Dense(12, activation="relu", name="shared_dense")
    left = keras.Input(shape=(10,), name="left")
    right = keras.Input(shape=(10,), name="right")
    hl = block(shared(left))
    hr = block(shared(right))
    merged = layers.Concatenate(name="concat")([hl, hr])
    out = layers.Dense(1, name="score")(merged)
    func = keras.Model(inputs=[left, right], outputs=out, name="siamese")
    _seeded(func, weight_rng)
    xl, xr = x, x[::-1].copy()
    func_pred = func.predict([xl, xr], verbose=0)
    result["close_func_pred"] = func_pred
    result["same_func_structure"] = [
        _describe(func),
        len(shared._inbound_nodes) if hasattr(shared, "_inbound_nodes") else None,
        func.count_params(),
        [t.name for t in func.inputs],
        func.get_layer("shared_dense") is shared,
        func.get_layer(index=1).name,
        func.get_layer(index=-1).name,
    ]
    # The shared layer holds one set of weights, reused on both branches.
    both = shared(keras.ops.convert_to_tensor(np.concatenate([xl, xr])))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(both)[:32],
        keras.ops.convert_to_numpy(shared(keras.ops.convert_to_tensor(xl))),
        rtol=1e-5,
        atol=1e-6,
    )

    func_clone = keras.models.clone_model(func)
    result["same_func_clone"] = [
        type(func_clone).__name__,
        _describe(func_clone),
        func_clone.get_layer("block") is block,
        func_clone.count_params(),
    ]
    func_clone.set_weights(func.get_weights())
    result["close_func_clone_pred"] = func_clone.predict([xl, xr], verbose=0)

    deep_clone = keras.models.clone_model(func, recursive=True)
    result["same_recursive_clone"] = [
        type(deep_clone.get_layer("block")).__name__,
        deep_clone.get_layer("block") is block,
        [layer.name for layer in deep_clone.get_layer("block").layers],
    ]
    deep_clone.set_weights(func.get_weights())
    np.testing.assert_allclose(
        deep_clone.predict([xl, xr], verbose=0), func_pred, rtol=1e-5, atol=1e-6
    )

    # call_function: reuse the layers, add a Dropout after each Dense.
    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, layers.Dense):
            out = layers.Dropout(0.5)(out)
        return out

    with_dropout = keras.models.clone_model(
        func, clone_function=lambda layer: layer, call_function=call_function
    )
    # Keras's clone visits the graph by depth (`_run_through_graph`), so its
    # inserted Dropouts are named in another order (a known difference).
    result["call_function"] = [layer.name for layer in with_dropout.layers]
    np.testing.assert_allclose(
        with_dropout.predict([xl, xr], verbose=0), func_pred, rtol=1e-5, atol=1e-6
    )

    # --- Feature extraction: every layer's output as a model output.
    extractor = keras.Model(
        inputs=seq.inputs, outputs=[layer.output for layer in seq.layers]
    )
    features = extractor(x[:4])
    result["same_extractor"] = [
        len(extractor.outputs),
        [tuple(f.shape) for f in features],
        len(extractor.layers),
    ]
    result["close_extractor_dense_b"] = keras.ops.convert_to_numpy(features[2])
    mid = keras.Model(
        inputs=seq.inputs, outputs=seq.get_layer(name="dense_b").output, name="mid"
    )
    result["close_mid"] = mid.predict(x[:4], verbose=0)
    result["same_get_layer"] = [
        seq.get_layer(index=0).name,
        seq.get_layer(index=3).name,
        type(seq.get_layer("dropout")).__name__,
        [layer.name for layer in seq.layers],
    ]
    errors = []
    for lookup in (lambda: seq.get_layer("missing"), lambda: seq.get_layer(index=10)):
        try:
            lookup()
            errors.append(None)
        except Exception as e:  # noqa: BLE001 - the kind is compared
            errors.append(type(e).__name__)
    result["same_get_layer_errors"] = errors

    # --- Subclassed model with get_config: clone via clone_model / from_config.
    @keras.saving.register_keras_serializable(package="cloning")
    class MLP(keras.Model):
        def __init__(self, units=8, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = layers.Dense(units, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    mlp = MLP(units=6, name="mlp")
    mlp(x[:1])
    _seeded(mlp, weight_rng)
    mlp_clone = keras.models.clone_model(mlp)
    mlp_clone(x[:1])
    result["same_subclassed_clone"] = [
        type(mlp_clone).__name__,
        mlp_clone.name,
        mlp_clone.units,
        [w.shape for w in mlp_clone.get_weights()],
    ]
    mlp_clone.set_weights(mlp.get_weights())
    result["close_subclassed_pred"] = keras.ops.convert_to_numpy(mlp_clone(x[:4]))
    mlp_copy = MLP.from_config(mlp.get_config())
    mlp_copy(x[:1])
    mlp_copy.set_weights(mlp.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(mlp_copy(x[:4])),
        result["close_subclassed_pred"],
        rtol=1e-5,
        atol=1e-6,
    )
    try:
        keras.models.clone_model(mlp, clone_function=lambda layer: layer)
        result["same_subclassed_clone_function_error"] = None
    except Exception as e:  # noqa: BLE001
        result["same_subclassed_clone_function_error"] = type(e).__name__
        result["subclassed_clone_function_message"] = str(e)[:200]

    # --- Freezing: a layer, then the nested block, then the whole model.
    counts = [
        [
            len(func.weights),
            len(func.trainable_weights),
            len(func.non_trainable_weights),
        ]
    ]
    func.get_layer("shared_dense").trainable = False
    counts.append([len(func.trainable_weights), len(func.non_trainable_weights)])
    block.trainable = False
    counts.append([len(func.trainable_weights), len(func.non_trainable_weights)])
    # Keras 3: re-enabling an inner layer makes its variables trainable again.
    block.get_layer("block_norm").trainable = True
    counts.append([len(func.trainable_weights), len(block.trainable_weights)])
    result["same_freeze_counts"] = counts
    result["same_summary_frozen"] = _summary(
        func, expand_nested=True, show_trainable=True
    )
    func.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    block_dense = block.get_layer("block_dense")
    frozen = [w.copy() for w in block_dense.get_weights() + shared.get_weights()]
    history = func.fit([xl, xr], y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    result["close_frozen_losses"] = history.history["loss"]
    after = block_dense.get_weights() + shared.get_weights()
    for a, b in zip(frozen, after):
        np.testing.assert_array_equal(a, b)
    result["close_score_kernel"] = func.get_layer("score").get_weights()[0]
    result["close_block_norm"] = block.get_layer("block_norm").get_weights()
    func.trainable = False
    result["same_all_frozen"] = [
        len(func.trainable_weights),
        len(func.non_trainable_weights),
    ]
    func.trainable = True
    block.trainable = True
    shared.trainable = True
    result["same_unfrozen"] = len(func.trainable_weights)

    # --- JSON round trip of the architecture (weights copied by hand).
    json_config = func.to_json()
    rebuilt = keras.models.model_from_json(json_config)
    rebuilt.set_weights(func.get_weights())
    # Keras's `to_json` also holds the model-level build and compile configs
    # (a known difference): reported only.
    result["json"] = [
        type(rebuilt).__name__,
        rebuilt.name,
        _describe(rebuilt),
        sorted(__import__("json").loads(json_config)),
    ]
    result["close_json_pred"] = rebuilt.predict([xl, xr], verbose=0)
    seq_json = keras.models.model_from_json(seq.to_json())
    result["same_seq_json"] = [type(seq_json).__name__, _describe(seq_json)]

    # --- Editing a Sequential: pop the head, add a new one.
    seq2 = keras.models.clone_model(seq)
    seq2.set_weights(seq.get_weights())
    seq2.pop()
    popped = [len(seq2.layers), seq2.layers[-1].name, tuple(seq2.outputs[0].shape)]
    seq2.add(layers.Dense(3, activation="softmax", name="new_head"))
    _seeded(seq2.get_layer("new_head"), weight_rng)
    result["same_pop_add"] = [
        popped,
        [layer.name for layer in seq2.layers],
        tuple(seq2.outputs[0].shape),
        seq2.count_params(),
    ]
    result["close_pop_add_pred"] = seq2.predict(x[:4], verbose=0)
    result["same_pop_add_summary"] = _summary(seq2, show_trainable=True)

    # --- Nested models as layers, summary expanded.
    encoder = keras.Sequential(
        [keras.Input((10,)), layers.Dense(6, activation="relu", name="enc_dense")],
        name="encoder",
    )
    inp = keras.Input((10,), name="raw")
    code = encoder(inp)
    recon = layers.Dense(10, name="decoder_dense")(code)
    autoenc = keras.Model(inp, [code, recon], name="autoencoder")
    encoder.trainable = False
    result["same_nested_summary"] = _summary(
        autoenc, expand_nested=True, show_trainable=True
    )
    result["same_nested_flat_summary"] = _summary(autoenc)
    return result
