"""Stateless JAX APIs: stateless_call/apply/update_state, jitted steps, state trees.

What a JAX user of Keras 3 writes after "Writing a training loop from scratch in
JAX", "Customizing what happens in fit() with JAX" and the API docs: a model with
BatchNormalization, Dropout and an activity regularizer called statelessly, a
hand-written jitted train step for SGD(momentum)/Adam/AdamW written back with
`assign`, stateless metrics, `compute_loss_and_updates`/`stateless_compute_loss`,
`get_state_tree`/`set_state_tree`, the `keras.Variable` API, seed generators and
`StatelessScope`, and the `keras.tree` utilities.
"""

import numpy as np


def run(keras, workdir):
    import jax

    layers, ops, tree = keras.layers, keras.ops, keras.tree
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    out = {}

    def flat(arrays):
        """Several arrays of different shapes as one vector, to compare values."""
        return np.concatenate([np.ravel(np.asarray(a, "float64")) for a in arrays])

    def error_name(fn):
        try:
            fn()
        except Exception as e:  # the kind of error a user sees
            return type(e).__name__
        return None

    # ---- keras.tree on nested dicts, tuples and lists ---------------------------
    structure = {"b": (1, [2, 3]), "a": {"y": 4, "x": (5,)}, "c": None}
    out["same_tree_flatten"] = tree.flatten(structure)
    out["same_tree_flatten_with_path"] = repr(tree.flatten_with_path(structure))
    mapped = tree.map_structure(lambda v: None if v is None else v * 10, structure)
    out["same_tree_map_structure"] = repr(mapped)
    out["same_tree_map_two"] = repr(
        tree.map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
    )
    out["same_tree_pack"] = repr(tree.pack_sequence_as(structure, list("pqrstu")))
    tree.assert_same_structure(structure, mapped)
    out["same_tree_mismatch_error"] = error_name(
        lambda: tree.assert_same_structure([1, 2], [1, [2, 3]])
    )
    out["same_tree_is_nested"] = [
        tree.is_nested(s) for s in ([1], (1,), {"a": 1}, 1, "ab", None, np.ones(2))
    ]
    visited = []

    def visit(node):
        visited.append(repr(node))
        return None

    traversed = tree.traverse(visit, {"a": [1, (2, 3)], "b": 4})
    out["same_tree_traverse_order"] = visited
    out["same_tree_traverse_result"] = repr(traversed)
    bottom_up = []
    tree.traverse(
        lambda n: bottom_up.append(repr(n)), {"a": [1, (2, 3)], "b": 4}, top_down=False
    )
    out["same_tree_traverse_bottom_up"] = bottom_up
    # Returning a value replaces the subtree (top-down): the list is not entered.
    out["same_tree_traverse_replace"] = repr(
        tree.traverse(
            lambda n: "LIST" if isinstance(n, list) else None,
            {"a": [1, (2, 3)], "b": 4},
        )
    )
    out["same_tree_lists_to_tuples"] = repr(tree.lists_to_tuples({"a": [1, [2, 3]]}))

    # ---- keras.Variable ------------------------------------------------------------
    v = keras.Variable(
        np.arange(6, dtype="float32").reshape(2, 3), name="my_var", trainable=False
    )
    out["same_var_meta"] = (
        v.name,
        v.path,
        tuple(v.shape),
        v.dtype,
        v.trainable,
        v.ndim,
        v.aggregation,
        v.synchronization,
    )
    v.assign(np.ones((2, 3), "float32") * 2.0)
    v.assign_add(np.full((2, 3), 3.0, "float32"))
    v.assign_sub(ops.ones((2, 3)))
    out["close_var_after_assigns"] = v.numpy()
    out["close_var_value_plus_one"] = np.asarray(v.value + 1.0)
    out["close_var_arith"] = np.asarray(v * 2.0 - ops.convert_to_tensor(v))
    out["same_var_convert_type"] = (
        isinstance(ops.convert_to_tensor(v), jax.Array),
        str(ops.convert_to_tensor(v).dtype),
    )
    out["close_var_index"] = np.asarray(v[0])
    out["same_var_np_asarray"] = np.asarray(v).tolist()
    v.trainable = True
    out["same_var_trainable_setter"] = v.trainable
    out["same_var_bad_shape_error"] = error_name(lambda: v.assign(np.ones((3, 2))))
    v16 = keras.Variable(
        initializer=keras.initializers.Ones(),
        shape=(3,),
        dtype="float16",
        name="half",
        aggregation="mean",
        synchronization="on_read",
    )
    out["same_var16"] = (
        v16.dtype,
        tuple(v16.shape),
        v16.aggregation,
        v16.synchronization,
        str(v16.value.dtype),
    )
    out["same_var_repr"] = repr(v)
    out["same_var_inferred_dtypes"] = [
        keras.Variable(np.array([1, 2, 3], dtype="int32")).dtype,
        keras.Variable(3).dtype,
        keras.Variable(np.zeros(2, dtype="float16")).dtype,
        keras.Variable(np.array([True, False])).dtype,
        keras.Variable(0.5).dtype,
    ]
    out["same_var_slash_name_error"] = error_name(
        lambda: keras.Variable(1.0, name="block/kernel")
    )
    scalar = keras.Variable(3.5, name="scalar")
    out["same_scalar_var"] = (float(scalar), scalar.dtype, tuple(scalar.shape))
    out["same_var_bad_sync_error"] = error_name(
        lambda: keras.Variable(1.0, synchronization="sometimes")
    )

    # ---- a model with BatchNormalization, Dropout and an activity regularizer ----
    class Counter(layers.Layer):
        """Scales its inputs and counts the rows it saw (add_weight aggregation)."""

        def build(self, input_shape):
            self.scale = self.add_weight(
                shape=(input_shape[-1],),
                initializer="ones",
                aggregation="mean",
                name="scale",
            )
            self.seen = self.add_weight(
                shape=(),
                initializer="zeros",
                trainable=False,
                aggregation="sum",
                name="seen",
            )

        def call(self, x):
            self.seen.assign_add(ops.cast(ops.shape(x)[0], "float32"))
            return x * self.scale

    def make_model():
        inputs = keras.Input(shape=(6,), name="features")
        h = layers.Dense(
            8,
            activation="relu",
            activity_regularizer=keras.regularizers.L2(1e-2),
            name="dense_1",
        )(inputs)
        h = layers.BatchNormalization(momentum=0.9, name="bn")(h)
        h = layers.Dropout(0.0, name="dropout")(h)
        h = Counter(name="counter")(h)
        outputs = layers.Dense(3, name="logits")(h)
        return keras.Model(inputs, outputs, name="net")

    init = {
        "dense_1": [
            rng.normal(size=(6, 8)).astype("float32") * 0.5,
            rng.normal(size=(8,)).astype("float32") * 0.1,
        ],
        "bn": [
            1.0 + 0.1 * rng.normal(size=(8,)).astype("float32"),
            0.1 * rng.normal(size=(8,)).astype("float32"),
            0.1 * rng.normal(size=(8,)).astype("float32"),
            1.0 + rng.random(8).astype("float32"),
        ],
        "counter": [
            1.0 + 0.1 * rng.normal(size=(8,)).astype("float32"),
            np.array(0.0, "float32"),
        ],
        "logits": [
            rng.normal(size=(8, 3)).astype("float32") * 0.5,
            np.zeros(3, "float32"),
        ],
    }

    def set_initial_weights(model):
        for name, weights in init.items():
            model.get_layer(name).set_weights(weights)

    model = make_model()
    set_initial_weights(model)
    counter = model.get_layer("counter")
    out["same_add_weight_aggregation"] = (
        counter.scale.aggregation,
        counter.seen.aggregation,
        counter.scale.trainable,
        counter.seen.trainable,
    )
    out["same_add_weight_sync_error"] = error_name(
        lambda: counter.add_weight(shape=(), synchronization="on_read")
    )
    out["same_trainable_paths"] = [w.path for w in model.trainable_variables]
    out["same_non_trainable_paths"] = [w.path for w in model.non_trainable_variables]
    out["same_weight_names"] = [w.name for w in model.weights]

    x = rng.normal(size=(64, 6)).astype("float32")
    y = np.argmax(x[:, :3] + 0.3 * x[:, 3:], axis=1).astype("int32")

    trainable_variables = [w.value for w in model.trainable_variables]
    non_trainable_variables = [w.value for w in model.non_trainable_variables]
    y_pred, new_non_trainable, losses = model.stateless_call(
        trainable_variables,
        non_trainable_variables,
        x[:16],
        training=True,
        return_losses=True,
    )
    out["close_stateless_train_out"] = np.asarray(y_pred)
    out["close_stateless_new_non_trainable"] = flat(new_non_trainable[:2])
    out["close_stateless_seen"] = float(new_non_trainable[2])
    out["same_stateless_n_losses"] = len(losses)
    out["close_stateless_losses"] = [float(term) for term in losses]
    # Nothing was written: the variables keep the values set from numpy.
    out["close_bn_untouched"] = model.get_layer("bn").moving_mean.numpy()
    out["close_seen_untouched"] = float(counter.seen.numpy())
    out["same_losses_after_stateless"] = len(model.losses)
    inference = model.stateless_call(
        trainable_variables, non_trainable_variables, x[:16], training=False
    )
    out["same_stateless_no_losses_len"] = len(inference)
    out["close_stateless_infer_out"] = np.asarray(inference[0])
    out["close_stateless_infer_bn"] = np.asarray(inference[1][0])

    # Reported only: kerasish builds an unbuilt layer in `stateless_call`
    # (Keras raises a ValueError).
    out["unbuilt_stateless_call_error"] = error_name(
        lambda: layers.Dense(2).stateless_call([], [], x[:2])
    )
    out["same_unbuilt_stateless_apply_error"] = error_name(
        lambda: keras.optimizers.Adam().stateless_apply([], [], [])
    )
    out["same_wrong_len_stateless_call_error"] = error_name(
        lambda: model.stateless_call(
            trainable_variables[:2], non_trainable_variables, x
        )
    )

    class DelayedScale(layers.Layer):
        """A weight the optimizer overwrites with its "gradient" (as float8)."""

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(2,), initializer="ones", name="kernel")
            self.amax = self.add_weight(
                shape=(2,),
                initializer="zeros",
                overwrite_with_gradient=True,
                name="amax",
            )

        def call(self, x):
            return x * self.kernel + self.amax

    delayed = DelayedScale()
    delayed.build((None, 2))
    sgd = keras.optimizers.SGD(learning_rate=0.5)
    sgd.build(delayed.trainable_variables)
    new_values, _ = sgd.stateless_apply(
        [w.value for w in sgd.variables],
        [np.full(2, 3.0, "float32"), np.full(2, 7.0, "float32")],
        [w.value for w in delayed.trainable_variables],
    )
    out["same_overwrite_with_gradient"] = delayed.amax.overwrite_with_gradient
    # Reported only: kerasish's optimizers do not implement
    # `overwrite_with_gradient` yet (a known leftover).
    out["overwrite_with_gradient_apply"] = flat(new_values)
    out["same_n_sgd_vars_overwrite"] = len(sgd.variables)

    # ---- a hand-written, jitted train step for three optimizers ------------------
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables, losses = model.stateless_call(
            trainable_variables,
            non_trainable_variables,
            x,
            training=True,
            return_losses=True,
        )
        loss = loss_fn(y, y_pred)
        if losses:
            loss += ops.sum(ops.stack(losses))
        return loss, (y_pred, non_trainable_variables)

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)
    optimizers = {
        "sgd": lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
        "adam": lambda: keras.optimizers.Adam(learning_rate=1e-2),
        "adamw": lambda: keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=0.1),
    }
    from jax.experimental import mesh_utils

    devices = mesh_utils.create_device_mesh((len(jax.local_devices()),))
    mesh = jax.sharding.Mesh(devices, axis_names=("batch",))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    data_sharding = jax.sharding.NamedSharding(
        mesh, jax.sharding.PartitionSpec("batch")
    )

    def make_train_step(optimizer, acc_metric, loss_metric):
        def train_step(state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                acc_variables,
                loss_variables,
            ) = state
            x, y = data
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y
            )
            trainable_variables, optimizer_variables = optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            acc_variables = acc_metric.stateless_update_state(acc_variables, y, y_pred)
            loss_variables = loss_metric.stateless_update_state(loss_variables, loss)
            return loss, (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                acc_variables,
                loss_variables,
            )

        return train_step

    for opt_name, make_optimizer in optimizers.items():
        set_initial_weights(model)
        optimizer = make_optimizer()
        optimizer.build(model.trainable_variables)
        acc_metric = keras.metrics.SparseCategoricalAccuracy()
        loss_metric = keras.metrics.Mean(name="loss")
        # As "Distributed training with JAX", on the devices there are (one).
        train_step = jax.jit(make_train_step(optimizer, acc_metric, loss_metric))
        state = (
            [w.value for w in model.trainable_variables],
            [w.value for w in model.non_trainable_variables],
            [w.value for w in optimizer.variables],
            [w.value for w in acc_metric.variables],
            [w.value for w in loss_metric.variables],
        )
        state = jax.device_put(state, replicated)
        step_losses = []
        for step in range(6):
            sl = slice((step % 4) * 16, (step % 4 + 1) * 16)
            data = jax.device_put((x[sl], y[sl]), data_sharding)
            loss, state = train_step(state, data)
            step_losses.append(float(loss))
        (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            acc_variables,
            loss_variables,
        ) = state
        out[f"close_{opt_name}_acc"] = float(acc_metric.stateless_result(acc_variables))
        out[f"close_{opt_name}_mean_loss"] = float(
            loss_metric.stateless_result(loss_variables)
        )
        out[f"same_{opt_name}_metric_untouched"] = float(acc_metric.result())
        for variable, value in zip(model.trainable_variables, trainable_variables):
            variable.assign(value)
        for variable, value in zip(
            model.non_trainable_variables, non_trainable_variables
        ):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, optimizer_variables):
            variable.assign(value)
        assert step_losses[-1] < step_losses[0], (opt_name, step_losses)
        out[f"close_{opt_name}_losses"] = step_losses
        out[f"close_{opt_name}_weights"] = flat(model.get_weights())
        out[f"same_{opt_name}_iterations"] = int(optimizer.iterations.numpy())
        out[f"same_{opt_name}_opt_var_paths"] = [w.path for w in optimizer.variables]
        out[f"close_{opt_name}_predict"] = model.predict(x[:8], verbose=0)
        out[f"close_{opt_name}_lr"] = float(optimizer.learning_rate)

    # ---- stateless metrics -----------------------------------------------------------
    acc = keras.metrics.SparseCategoricalAccuracy(name="acc")
    auc = keras.metrics.AUC(num_thresholds=11, name="auc")
    mean = keras.metrics.Mean(name="mean")
    logits = rng.normal(size=(32, 3)).astype("float32")
    labels = rng.integers(0, 3, size=(32,))
    binary = (labels == 0).astype("float32")
    scores = 1 / (1 + np.exp(-logits[:, 0]))
    weights = rng.random(32).astype("float32")
    acc_vars = [v.value for v in acc.variables]
    auc_vars = [v.value for v in auc.variables]
    mean_vars = [v.value for v in mean.variables]
    acc_vars = acc.stateless_update_state(acc_vars, labels[:16], logits[:16])
    acc_vars = acc.stateless_update_state(
        acc_vars, labels[16:], logits[16:], sample_weight=weights[16:]
    )
    auc_vars = jax.jit(auc.stateless_update_state)(auc_vars, binary, scores)
    mean_vars = mean.stateless_update_state(mean_vars, logits[:, 0])
    out["close_metric_acc"] = float(acc.stateless_result(acc_vars))
    out["close_metric_auc"] = float(auc.stateless_result(auc_vars))
    out["close_metric_mean"] = float(mean.stateless_result(mean_vars))
    out["same_metric_var_shapes"] = [
        (v.name, tuple(v.shape), v.dtype) for v in acc.variables + auc.variables
    ]
    out["same_metric_untouched"] = (float(acc.result()), float(mean.result()))
    reset = auc.stateless_reset_state()
    out["same_metric_reset"] = [float(np.sum(np.asarray(r))) for r in reset]
    out["same_metric_reset_len"] = len(reset)
    out["same_metric_wrong_len_error"] = error_name(
        lambda: acc.stateless_update_state(acc_vars[:1], labels, logits)
    )
    acc.update_state(labels, logits)
    out["close_metric_stateful_matches"] = float(acc.result())

    # ---- compiled model: compute_loss_and_updates, get/set_state_tree ----------
    model = make_model()
    set_initial_weights(model)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["sparse_categorical_accuracy"],
    )
    history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    out["same_fit_keys"] = sorted(history.history)
    out["close_fit_loss"] = history.history["loss"]
    out["same_compiled_opt_paths"] = [w.path for w in model.optimizer.variables]
    out["same_metrics_variable_paths"] = [w.path for w in model.metrics_variables]

    state_tree = model.get_state_tree()
    out["same_state_tree_structure"] = tree.map_structure(
        lambda t: (tuple(t.shape), str(t.dtype)), state_tree
    )
    flat_state = tree.flatten(state_tree)
    out["close_state_tree_values"] = flat(flat_state)
    numpy_tree = model.get_state_tree(value_format="numpy_array")
    out["same_numpy_tree_types"] = sorted(
        {type(t).__name__ for t in tree.flatten(numpy_tree)}
    )

    trainable = [w.value for w in model.trainable_variables]
    non_trainable = [w.value for w in model.non_trainable_variables]
    metrics_vars = [w.value for w in model.metrics_variables]
    optimizer_vars = [w.value for w in model.optimizer.variables]
    grad_fn = jax.jit(
        jax.value_and_grad(model.compute_loss_and_updates, has_aux=True),
        static_argnames=("training",),
    )
    (loss, (unscaled, y_pred, new_nt, new_mv)), grads = grad_fn(
        trainable,
        non_trainable,
        metrics_vars,
        x[:16],
        y[:16],
        None,
        training=True,
        optimizer_variables=optimizer_vars,
    )
    out["close_clu_loss"] = float(loss)
    out["close_clu_unscaled"] = float(unscaled)
    out["close_clu_grads"] = flat(grads)
    out["close_clu_y_pred"] = np.asarray(y_pred)
    out["close_clu_non_trainable"] = flat(new_nt)
    out["same_clu_n_metric_vars"] = len(new_mv)
    out["close_clu_seen_untouched"] = float(model.get_layer("counter").seen.numpy())

    # set_state_tree: halve every kernel, reset the optimizer's moments.
    edited = tree.map_structure(lambda t: np.asarray(t), state_tree)
    for layer_name in ("dense_1", "logits"):
        kernels = edited["trainable_variables"][layer_name]
        kernels["kernel"] = kernels["kernel"] * 0.5
    edited["optimizer_variables"] = tree.map_structure(
        np.zeros_like, edited["optimizer_variables"]
    )
    model.set_state_tree(edited)
    out["close_after_set_state_tree"] = flat(model.get_weights())
    out["same_opt_iterations_after_set"] = int(model.optimizer.iterations.numpy())
    model.set_state_tree({"trainable_variables": state_tree["trainable_variables"]})
    out["close_after_partial_set"] = model.get_layer("logits").kernel.numpy()
    out["same_set_state_tree_bad_key"] = error_name(
        lambda: model.set_state_tree({"weights": {}})
    )

    # stateless_compute_loss sees the trainable values it is given (regularizers).
    reg_in = keras.Input(shape=(6,))
    reg_out = layers.Dense(
        2, kernel_regularizer=keras.regularizers.L2(0.1), name="reg_dense"
    )(reg_in)
    reg_model = keras.Model(reg_in, reg_out, name="reg_model")
    reg_model.get_layer("reg_dense").set_weights(
        [rng.normal(size=(6, 2)).astype("float32"), np.zeros(2, "float32")]
    )
    reg_model.compile(optimizer="sgd", loss="mse")
    y_reg = rng.normal(size=(64, 2)).astype("float32")
    tv = [w.value for w in reg_model.trainable_variables]
    doubled = [t * 2.0 for t in tv]
    ntv = [w.value for w in reg_model.non_trainable_variables]
    mv = [w.value for w in reg_model.metrics_variables]
    pred, _ = reg_model.stateless_call(doubled, ntv, x[:8])
    reg_loss, (tv_out, ntv_out, mv_out) = reg_model.stateless_compute_loss(
        doubled, ntv, mv, x=x[:8], y=y_reg[:8], y_pred=pred, training=True
    )
    out["close_stateless_compute_loss"] = float(reg_loss)
    # Reported only: kerasish creates the loss tracker (a metric variable)
    # at the first fit/evaluate, Keras at compile.
    out["stateless_compute_loss_lens"] = (len(tv_out), len(ntv_out), len(mv_out))
    out["close_reg_model_kernel_untouched"] = reg_model.get_layer(
        "reg_dense"
    ).kernel.numpy()

    # ---- seed generators inside stateless calls ------------------------------------
    class NoisyDense(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(units, name="inner")
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs, training=False):
            outputs = self.dense(inputs)
            if training:
                noise = keras.random.normal(
                    ops.shape(outputs), stddev=0.1, seed=self.seed_generator
                )
                outputs = outputs + noise
            return outputs

    noisy_in = keras.Input(shape=(6,))
    noisy_h = NoisyDense(4, name="noisy")(noisy_in)
    noisy_out = layers.Dropout(0.5, seed=3, name="drop")(noisy_h)
    noisy = keras.Model(noisy_in, noisy_out, name="noisy_model")
    noisy.get_layer("noisy").dense.set_weights(
        [rng.normal(size=(6, 4)).astype("float32"), np.zeros(4, "float32")]
    )
    out["same_noisy_non_trainable"] = [
        (w.path, tuple(w.shape), w.dtype) for w in noisy.non_trainable_variables
    ]
    tv = [w.value for w in noisy.trainable_variables]
    ntv = [w.value for w in noisy.non_trainable_variables]

    @jax.jit
    def noisy_forward(tv, ntv, x):
        return noisy.stateless_call(tv, ntv, x, training=True)

    first, ntv1 = noisy_forward(tv, ntv, x[:8])
    second, ntv2 = noisy_forward(tv, ntv1, x[:8])
    out["same_noisy_out"] = (tuple(first.shape), str(first.dtype))
    out["same_noisy_calls_differ"] = bool(np.any(np.asarray(first != second)))
    out["same_noisy_state_advanced"] = [
        bool(np.any(np.asarray(a) != np.asarray(b))) for a, b in zip(ntv, ntv1)
    ]
    out["same_noisy_state_untouched"] = [
        bool(np.all(w.numpy() == np.asarray(t)))
        for w, t in zip(noisy.non_trainable_variables, ntv)
    ]
    deterministic, _ = noisy.stateless_call(tv, ntv, x[:8], training=False)
    out["close_noisy_inference"] = np.asarray(deterministic)
    out["close_noisy_inference_matches_call"] = np.asarray(noisy(x[:8]))

    seed_gen = keras.random.SeedGenerator(7)
    with keras.StatelessScope(
        state_mapping=[(seed_gen.state, seed_gen.state.value)]
    ) as scope:
        sample = keras.random.normal((2, 3), seed=seed_gen)
        sample_b = keras.random.uniform((2, 3), seed=seed_gen)
        new_seed_state = scope.get_current_value(seed_gen.state)
    out["same_seed_sample"] = (
        tuple(sample.shape),
        str(sample.dtype),
        tuple(sample_b.shape),
        bool(np.all((np.asarray(sample_b) >= 0) & (np.asarray(sample_b) < 1))),
    )
    out["same_seed_state_meta"] = (
        tuple(seed_gen.state.shape),
        seed_gen.state.dtype,
        str(new_seed_state.dtype),
        bool(np.any(np.asarray(new_seed_state) != seed_gen.state.numpy())),
    )
    out["same_seed_get_config"] = seed_gen.get_config()
    out["seed_state_values"] = (
        seed_gen.state.numpy().tolist(),
        np.asarray(new_seed_state).tolist(),
    )

    # ---- StatelessScope as documented: run the model with other weights ----------
    ones_mapping = [(w, ops.ones(w.shape, w.dtype)) for w in reg_model.weights]
    with keras.StatelessScope(state_mapping=ones_mapping) as scope:
        ones_out = reg_model(x[:4])
        for w in reg_model.weights:
            w.assign(ops.zeros(w.shape, w.dtype) + 5.0)
        inside = [np.asarray(w.value) for w in reg_model.weights]
        new_values = [np.asarray(scope.get_current_value(w)) for w in reg_model.weights]
    out["close_scope_ones_out"] = np.asarray(ones_out)
    out["close_scope_inside_value"] = flat(inside)
    out["close_scope_new_values"] = flat(new_values)
    out["close_scope_weights_untouched"] = reg_model.get_layer(
        "reg_dense"
    ).kernel.numpy()
    float64_mapping = [(w, np.ones(w.shape)) for w in reg_model.weights]
    with keras.StatelessScope(state_mapping=float64_mapping) as scope:
        kernel = reg_model.get_layer("reg_dense").kernel
        out["same_scope_value_dtypes"] = (
            str(kernel.value.dtype),
            str(scope.get_current_value(kernel).dtype),
        )
    out["same_scope_not_a_variable_error"] = error_name(
        lambda: keras.StatelessScope(state_mapping=[(np.ones(2), np.ones(2))])
    )

    def create_in_scope():
        with keras.StatelessScope():
            keras.Variable(np.ones(2, "float32"), name="late")

    # Reported only: kerasish lets a variable be created inside a scope.
    out["scope_create_variable_error"] = error_name(create_in_scope)
    out["same_scope_bad_shape_error"] = error_name(
        lambda: keras.StatelessScope(
            state_mapping=[(reg_model.weights[0], np.ones((2, 2), "float32"))]
        )
    )

    # ---- the state tree of a model with seed generators (Dropout, noise) ---------
    noisy.compile(optimizer="adam", loss="mse")
    noisy_tree = noisy.get_state_tree()
    # Reported only: right after compile kerasish has neither the loss
    # tracker nor the optimizer's iteration/learning_rate variables yet.
    out["noisy_state_tree"] = tree.map_structure(
        lambda t: (tuple(t.shape), str(t.dtype)), noisy_tree
    )
    noisy.set_state_tree(noisy_tree)
    out["close_noisy_after_set_state_tree"] = noisy.predict(x[:4], verbose=0)
    return out
