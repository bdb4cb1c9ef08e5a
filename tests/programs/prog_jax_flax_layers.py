"""JAX interop in Keras 3: JaxLayer, FlaxLayer and a training loop by hand.

In the style of the keras.io guides "Writing a training loop from scratch in
JAX" and "Customizing what happens in fit() with JAX", and of the API docs of
`keras.layers.JaxLayer` and `keras.layers.FlaxLayer`:

- JaxLayer: a pure JAX MLP `call_fn(params, inputs, training)` with its
  `init_fn(rng, inputs)`, both registered with
  `keras.saving.register_keras_serializable`, inside a Sequential model and a
  functional model; a stateful `call_fn(params, state, inputs, training)` that
  keeps a running mean of its inputs as non-trainable state; fit / evaluate /
  predict, weights and their shapes, `summary`, `get_config`, the model saved
  as `.keras` and `.weights.h5` and reloaded; the errors for a `call_fn`
  without `inputs`, with an unknown argument, and with no way to make params.
- FlaxLayer: a small `flax.linen` module (Dense, BatchNorm, relu, Dense) whose
  `__call__` takes `training`, registered with a `get_config`, trained in a
  model: its variables (counted and shaped, not named: Keras numbers the names
  of its variables globally), the batch statistics moving in `fit`, predict,
  and save/load.
- A hand-written JAX training loop: `model.stateless_call` under
  `jax.value_and_grad`, `optimizer.stateless_apply`, a metric's
  `stateless_update_state` / `stateless_result`, all in a `jax.jit` step; the
  state written back with `variable.assign`, and compared with `fit` on a
  clone that starts from the same weights.
- `jax.jit` of a model's `stateless_call` with `keras.ops` inside the jitted
  function, compared with `predict`.

Every weight is set from a seeded numpy rng after building, so both libraries
compute the same numbers; what depends on each library's own RNG (the values
`init_fn` draws) is only reported.
"""

import numpy as np


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error type is the result
        return type(e).__name__
    return None


def _seed_weights(model, seed):
    """Sets every weight of `model` from a numpy rng, by shape (and by name
    for BatchNormalization's statistics and scale)."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        if weight.name in ("moving_variance", "gamma"):
            value = 1.0 + 0.2 * rng.random(size=shape)
        elif len(shape) >= 2:
            value = rng.normal(size=shape) / np.sqrt(shape[0])
        else:
            value = 0.1 * rng.normal(size=shape)
        values.append(value.astype("float32"))
    model.set_weights(values)


def _shapes(weights):
    return [tuple(int(d) for d in w.shape) for w in weights]


def _flat_state(state):
    """A JaxLayer's state dict as one flat array, in sorted key order."""
    return np.concatenate(
        [np.ravel(np.asarray(state[k], dtype="float32")) for k in sorted(state)]
    )


def _make_data(n=64, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    w = rng.normal(size=(features, classes))
    y = np.argmax(x @ w + 0.3 * rng.normal(size=(n, classes)), axis=1)
    return x, y.astype("int32")


def _jax_layer_part(keras, workdir, jax, out):
    import jax.numpy as jnp

    layers = keras.layers
    x, y = _make_data()

    # As in the JaxLayer docs: a pure function and its initializer.
    @keras.saving.register_keras_serializable(package="jf")
    def mlp_init(rng, inputs):
        k1, k2 = jax.random.split(rng)
        features = inputs.shape[-1]
        return {
            "w1": jax.random.normal(k1, (features, 16)) / jnp.sqrt(features),
            "b1": jnp.zeros((16,)),
            "w2": jax.random.normal(k2, (16, 8)) / 4.0,
            "b2": jnp.zeros((8,)),
        }

    @keras.saving.register_keras_serializable(package="jf")
    def mlp_call(params, inputs, training):
        h = jax.nn.relu(inputs @ params["w1"] + params["b1"])
        return jnp.tanh(h @ params["w2"] + params["b2"])

    def build_sequential():
        return keras.Sequential(
            [
                keras.Input((6,)),
                layers.JaxLayer(call_fn=mlp_call, init_fn=mlp_init, name="jax_mlp"),
                layers.Dense(3, name="head"),
            ],
            name="seq_jax",
        )

    model = build_sequential()
    jax_mlp = model.get_layer("jax_mlp")
    out["same_seq_weight_shapes"] = _shapes(model.weights)
    out["same_jax_params_shapes"] = {
        k: tuple(int(d) for d in v.shape) for k, v in sorted(jax_mlp.params.items())
    }
    out["same_seq_param_count"] = int(model.count_params())
    out["same_jax_trainable_count"] = len(jax_mlp.trainable_weights)
    out["same_jax_non_trainable_count"] = len(jax_mlp.non_trainable_weights)
    # init_fn's draws come from each library's own seed stream: reported only.
    out["init_w1_std"] = float(np.std(np.asarray(jax_mlp.params["w1"])))
    out["same_seq_summary"] = _summary(model)
    config = jax_mlp.get_config()
    out["same_jax_config_keys"] = sorted(config)
    # Keras serializes a registered function as {"module": "builtins", ...,
    # "registered_name": "function"}; kerasish names its module and registered
    # name instead (both load either form).
    out["same_jax_config_call_fn"] = config["call_fn"]
    out["same_jax_config_init_fn_name"] = config["init_fn"]["config"]

    _seed_weights(model, 1)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    out["close_seq_predict_before"] = model.predict(x[:16], verbose=0)
    history = model.fit(
        x, y, batch_size=16, epochs=2, shuffle=False, validation_split=0.25, verbose=0
    )
    out["same_seq_history_keys"] = sorted(history.history)
    out["close_seq_history_loss"] = history.history["loss"]
    out["close_seq_history_val_loss"] = history.history["val_loss"]
    out["close_seq_evaluate"] = model.evaluate(x, y, batch_size=16, verbose=0)
    predictions = model.predict(x, batch_size=16, verbose=0)
    out["same_seq_predict_shape"] = tuple(predictions.shape)
    out["close_seq_predict"] = predictions
    out["close_jax_params_w1_after"] = np.asarray(jax_mlp.params["w1"])
    # Calling the layer eagerly gives the model's intermediate values.
    out["close_jax_layer_eager"] = np.asarray(jax_mlp(x[:4]))

    # Save the whole model; the registered functions come back by name.
    path = workdir / "seq_jax.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    out["same_loaded_layer_types"] = [type(layer).__name__ for layer in loaded.layers]
    out["same_loaded_call_fn_name"] = loaded.get_layer("jax_mlp").call_fn.__name__
    out["close_loaded_predict"] = loaded.predict(x, batch_size=16, verbose=0)
    out["same_loaded_summary"] = _summary(loaded)

    # Weights only, into a fresh model (built by its Input).
    weights_path = workdir / "seq_jax.weights.h5"
    model.save_weights(weights_path)
    fresh = build_sequential()
    fresh.load_weights(weights_path)
    out["close_weights_h5"] = np.concatenate([w.ravel() for w in fresh.get_weights()])

    # A functional model around a stateful JaxLayer: a running mean of the
    # inputs kept as state, subtracted from the inputs in training and inference.
    @keras.saving.register_keras_serializable(package="jf")
    def centered_init(rng, inputs):
        features = inputs.shape[-1]
        params = {"scale": jnp.ones((features,))}
        state = {"mean": jnp.zeros((features,)), "count": jnp.zeros(())}
        return params, state

    @keras.saving.register_keras_serializable(package="jf")
    def centered_call(params, state, inputs, training):
        if training:
            count = state["count"] + 1.0
            mean = state["mean"] + (jnp.mean(inputs, axis=0) - state["mean"]) / count
            state = {"mean": mean, "count": count}
        return (inputs - state["mean"]) * params["scale"], state

    inputs = keras.Input((6,), name="features")
    centered = layers.JaxLayer(
        call_fn=centered_call, init_fn=centered_init, name="centered"
    )(inputs)
    hidden = layers.Dense(8, activation="relu", name="hidden")(centered)
    outputs = layers.Dense(3, name="logits")(hidden)
    functional = keras.Model(inputs, outputs, name="functional_jax")
    centered_layer = functional.get_layer("centered")
    out["same_centered_trainable_shapes"] = _shapes(centered_layer.trainable_weights)
    out["same_centered_non_trainable_shapes"] = _shapes(
        centered_layer.non_trainable_weights
    )
    out["same_functional_summary"] = _summary(functional)
    _seed_weights(functional, 2)
    centered_layer.params["scale"].assign(np.linspace(0.5, 1.5, 6).astype("float32"))
    # Start the state from zero, so the first batch sets the running mean.
    centered_layer.non_trainable_weights[0].assign(np.zeros((), "float32"))
    centered_layer.non_trainable_weights[1].assign(np.zeros((6,), "float32"))
    functional.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    history = functional.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    out["close_functional_loss"] = history.history["loss"]
    out["close_centered_state"] = _flat_state(centered_layer.state)
    out["close_functional_predict"] = functional.predict(x[:16], verbose=0)
    path = workdir / "functional_jax.keras"
    functional.save(path)
    reloaded = keras.saving.load_model(path)
    out["close_functional_reloaded_predict"] = reloaded.predict(x[:16], verbose=0)
    out["close_functional_reloaded_state"] = _flat_state(
        reloaded.get_layer("centered").state
    )

    # Errors the layer gives for bad functions.
    def no_inputs(params, x):
        return x

    def unknown_argument(params, inputs, mask):
        return inputs

    out["same_error_no_inputs"] = _error(
        lambda: layers.JaxLayer(call_fn=no_inputs, params={"w": np.ones(2)})
    )
    out["same_error_unknown_argument"] = _error(
        lambda: layers.JaxLayer(call_fn=unknown_argument, params={"w": np.ones(2)})
    )
    out["same_error_no_params"] = _error(lambda: layers.JaxLayer(call_fn=mlp_call))
    # The messages are each library's own wording: reported only.
    try:
        layers.JaxLayer(call_fn=no_inputs, params={"w": np.ones(2)})
    except ValueError as e:
        out["error_no_inputs_message"] = str(e)


def _flax_layer_part(keras, workdir, jax, out):
    import flax.linen as nn

    x, y = _make_data(n=48, seed=3)

    @keras.saving.register_keras_serializable(package="jf")
    class FlaxMlp(nn.Module):
        hidden: int = 8
        classes: int = 3

        @nn.compact
        def __call__(self, inputs, training=False):
            h = nn.Dense(self.hidden)(inputs)
            h = nn.BatchNorm(use_running_average=not training, momentum=0.9)(h)
            h = nn.relu(h)
            return nn.Dense(self.classes)(h)

        def get_config(self):
            return {"hidden": self.hidden, "classes": self.classes}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    inputs = keras.Input((6,))
    flax_layer = keras.layers.FlaxLayer(FlaxMlp(hidden=8, classes=3), name="flax_mlp")
    outputs = flax_layer(inputs)
    model = keras.Model(inputs, outputs, name="flax_model")
    out["same_flax_trainable_count"] = len(flax_layer.trainable_weights)
    out["same_flax_non_trainable_count"] = len(flax_layer.non_trainable_weights)
    # In jax's order of the Flax tree: BatchNorm_0 (bias, scale), Dense_0, Dense_1.
    out["same_flax_trainable_shapes"] = _shapes(flax_layer.trainable_weights)
    out["same_flax_non_trainable_shapes"] = _shapes(flax_layer.non_trainable_weights)
    out["same_flax_param_count"] = int(model.count_params())
    out["same_flax_module_config"] = flax_layer.module.get_config()
    config = flax_layer.get_config()
    # Keras's FlaxLayer config also has JaxLayer's "native_serialization_platforms".
    out["same_flax_config_keys"] = sorted(config)
    out["same_flax_config_module"] = config["module"]
    out["same_flax_config_method"] = config["method"]
    out["same_flax_summary"] = _summary(model)
    # The layer's `params` tree. Keras keeps the Flax "params" collection as
    # its top level ({"params": {"Dense_0": ...}}); kerasish drops it.
    out["same_flax_params_tree"] = str(
        jax.tree_util.tree_structure(
            jax.tree_util.tree_map(lambda v: 0, flax_layer.params)
        )
    )

    # Weights by role, as a Flax BatchNorm expects: the running variance > 0.
    rng = np.random.default_rng(4)
    trainable = []
    for w in flax_layer.trainable_weights:
        shape = tuple(w.shape)
        if len(shape) == 2:
            trainable.append(rng.normal(size=shape) / np.sqrt(shape[0]))
        else:
            trainable.append(0.1 * rng.normal(size=shape))
    for w, value in zip(flax_layer.trainable_weights, trainable):
        w.assign(value.astype("float32"))
    # The two batch statistics have the same shape; set them by the Flax name.
    state = flax_layer.state
    stats = state["batch_stats"]["BatchNorm_0"]
    stats["mean"].assign(np.full((8,), 0.1, "float32"))
    stats["var"].assign(np.full((8,), 1.5, "float32"))
    out["close_flax_predict_before"] = model.predict(x[:16], verbose=0)

    model.compile(
        optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    out["same_flax_history_keys"] = sorted(history.history)
    out["close_flax_loss"] = history.history["loss"]
    out["close_flax_batch_mean"] = np.asarray(stats["mean"])
    out["close_flax_batch_var"] = np.asarray(stats["var"])
    out["close_flax_evaluate"] = model.evaluate(x, y, batch_size=16, verbose=0)
    predictions = model.predict(x, batch_size=16, verbose=0)
    out["same_flax_predict_shape"] = tuple(predictions.shape)
    out["close_flax_predict"] = predictions
    # Inference leaves the batch statistics alone.
    assert np.array_equal(np.asarray(stats["mean"]), out["close_flax_batch_mean"])

    path = workdir / "flax_model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    loaded_layer = loaded.get_layer("flax_mlp")
    out["same_flax_loaded_module"] = type(loaded_layer.module).__name__
    out["same_flax_loaded_config"] = loaded_layer.module.get_config()
    out["close_flax_loaded_predict"] = loaded.predict(x, batch_size=16, verbose=0)


def _loop_part(keras, jax, out):
    """The hand-written loop of the guide, against fit on a clone."""
    layers = keras.layers
    x, y = _make_data(n=64, seed=5)
    batch_size = 16

    def get_model():
        inputs = keras.Input(shape=(6,), name="digits")
        h = layers.Dense(16, activation="relu", name="dense_1")(inputs)
        h = layers.BatchNormalization(name="bn")(h)
        outputs = layers.Dense(3, name="predictions")(h)
        return keras.Model(inputs=inputs, outputs=outputs)

    model = get_model()
    _seed_weights(model, 6)
    reference = keras.models.clone_model(model)
    reference.set_weights(model.get_weights())

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=1e-2)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    loss_tracker = keras.metrics.Mean(name="loss")
    optimizer.build(model.trainable_variables)

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, x, training=True
        )
        loss = loss_fn(y, y_pred)
        return loss, (y_pred, non_trainable_variables)

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            metric_variables,
            loss_variables,
        ) = state
        x, y = data
        (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
            trainable_variables, non_trainable_variables, x, y
        )
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables
        )
        metric_variables = train_acc_metric.stateless_update_state(
            metric_variables, y, y_pred
        )
        loss_variables = loss_tracker.stateless_update_state(loss_variables, loss)
        return loss, (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            metric_variables,
            loss_variables,
        )

    # As in the guide, the state holds the variables' values (jax arrays).
    trainable_variables = [v.value for v in model.trainable_variables]
    non_trainable_variables = [v.value for v in model.non_trainable_variables]
    optimizer_variables = [v.value for v in optimizer.variables]
    metric_variables = [v.value for v in train_acc_metric.variables]
    loss_variables = [v.value for v in loss_tracker.variables]
    state = (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metric_variables,
        loss_variables,
    )

    epoch_losses, epoch_accuracies, step_losses = [], [], []
    for _ in range(2):
        # Reset the metrics at the start of each epoch, as fit does.
        state = state[:3] + (
            [np.zeros(v.shape, v.dtype) for v in metric_variables],
            [np.zeros(v.shape, v.dtype) for v in loss_variables],
        )
        for start in range(0, len(x), batch_size):
            batch = (x[start : start + batch_size], y[start : start + batch_size])
            loss, state = train_step(state, batch)
            step_losses.append(float(loss))
        epoch_losses.append(float(loss_tracker.stateless_result(state[4])))
        epoch_accuracies.append(float(train_acc_metric.stateless_result(state[3])))

    # Write the state back into the model's variables.
    (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metric_variables,
        loss_variables,
    ) = state
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, non_trainable_variables):
        variable.assign(value)
    for variable, value in zip(optimizer.variables, optimizer_variables):
        variable.assign(value)
    for variable, value in zip(train_acc_metric.variables, metric_variables):
        variable.assign(value)

    out["close_loop_step_losses"] = step_losses
    out["close_loop_epoch_losses"] = epoch_losses
    out["close_loop_epoch_accuracy"] = epoch_accuracies
    out["close_loop_metric_result"] = float(train_acc_metric.result())
    out["same_loop_optimizer_iterations"] = int(optimizer.iterations.numpy())
    out["same_loop_state_lengths"] = [len(part) for part in state]

    reference.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    history = reference.fit(
        x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0
    )
    out["close_fit_epoch_losses"] = history.history["loss"]
    out["close_fit_epoch_accuracy"] = history.history["sparse_categorical_accuracy"]
    loop_weights = model.get_weights()
    fit_weights = reference.get_weights()
    out["close_loop_weights"] = np.concatenate([w.ravel() for w in loop_weights])
    # The loop by hand and fit did the same steps.
    for a, b in zip(loop_weights, fit_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(epoch_losses, history.history["loss"], rtol=1e-4)
    return model


def _jit_part(keras, jax, model, out):
    """`jax.jit` of `stateless_call`, with `keras.ops` inside the jitted code."""
    ops = keras.ops
    x, _ = _make_data(n=16, seed=7)

    @jax.jit
    def predict_proba(trainable_variables, non_trainable_variables, x):
        logits, _ = model.stateless_call(
            trainable_variables, non_trainable_variables, x
        )
        probabilities = ops.softmax(logits, axis=-1)
        return probabilities, ops.argmax(probabilities, axis=-1)

    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    probabilities, classes = predict_proba(trainable, non_trainable, x)
    out["close_jit_probabilities"] = np.asarray(probabilities)
    out["same_jit_classes"] = np.asarray(classes).tolist()
    logits = model(x)
    np.testing.assert_allclose(
        np.asarray(probabilities), np.asarray(ops.softmax(logits)), atol=1e-5
    )
    assert np.all(np.isfinite(np.asarray(probabilities)))

    # keras.ops as pure functions under jit and grad.
    @jax.jit
    def normalized_score(v):
        v = ops.normalize(v, axis=-1)
        return ops.sum(ops.square(ops.relu(v))) + ops.logsumexp(v)

    value, grad = jax.value_and_grad(normalized_score)(x[0])
    out["close_ops_jit_value"] = float(value)
    out["close_ops_jit_grad"] = np.asarray(grad)

    # Training mode changes BatchNormalization's statistics in the returned state.
    # (Fresh values: Keras's predict may donate the arrays it was given.)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    _, new_non_trainable = jax.jit(
        lambda t, n, x: model.stateless_call(t, n, x, training=True)
    )(trainable, non_trainable, x)
    out["close_jit_training_moving_mean"] = np.asarray(new_non_trainable[0])
    # ...without touching the model's own variables.
    out["close_jit_model_moving_mean"] = np.asarray(
        model.get_layer("bn").moving_mean.value
    )


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)
    out = {}
    _jax_layer_part(keras, workdir, jax, out)
    _flax_layer_part(keras, workdir, jax, out)
    model = _loop_part(keras, jax, out)
    _jit_part(keras, jax, model, out)
    return out
