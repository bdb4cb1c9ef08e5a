"""Distributed training with Keras 3 (keras.distribution) and a JAX data-parallel loop.

Follows keras.io's "Distributed training with Keras 3" and "Multi-GPU distributed
training with JAX" on whatever `keras.distribution.list_devices()` returns (one CPU
device in the tests): device meshes, tensor layouts, a LayoutMap of regex keys,
DataParallel and ModelParallel (set globally and as a scope) around fit, evaluate,
predict and saving, the errors for bad arguments, and the guide's jitted training
loop over `stateless_call` / `stateless_apply` with `NamedSharding`s.
"""

import numpy as np


def _error(fn):
    """The name of the exception `fn()` raises, or "none"."""
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return type(error).__name__
    return "none"


def _quietly(fn, *args, **kwargs):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def run(keras, workdir):
    import jax
    from jax.experimental import mesh_utils
    from jax.sharding import Mesh, NamedSharding
    from jax.sharding import PartitionSpec as P

    dist = keras.distribution
    layers = keras.layers
    keras.utils.set_random_seed(0)
    out = {}

    # -- devices, meshes and layouts -------------------------------------------
    devices = dist.list_devices()
    n = len(devices)
    assert n >= 1 and all(isinstance(d, str) and ":" in d for d in devices)
    out["same_devices"] = devices
    out["same_device_count"] = dist.get_device_count()
    out["same_cpu_devices"] = dist.list_devices("cpu")

    mesh_1d = dist.DeviceMesh(shape=(n,), axis_names=["batch"], devices=devices)
    mesh_2d = dist.DeviceMesh(
        shape=(n, 1), axis_names=["batch", "model"], devices=devices
    )
    out["same_mesh_1d"] = (tuple(mesh_1d.shape), list(mesh_1d.axis_names))
    out["same_mesh_2d"] = (tuple(mesh_2d.shape), list(mesh_2d.axis_names))
    out["same_mesh_2d_devices"] = (mesh_2d.devices.shape, mesh_2d.devices.tolist())
    out["same_mesh_repr"] = repr(mesh_2d)
    out["same_backend_mesh"] = (
        tuple(mesh_2d.backend_mesh.axis_names),
        tuple(mesh_2d.backend_mesh.devices.shape),
    )
    default_mesh = dist.DeviceMesh((n,), ["data"])  # devices default to all
    out["same_default_mesh_devices"] = default_mesh.devices.tolist()

    layout_2d = dist.TensorLayout(axes=("model", "batch"), device_mesh=mesh_2d)
    layout_4d = dist.TensorLayout(
        axes=("batch", None, None, "model"), device_mesh=mesh_2d
    )
    out["same_layout_axes"] = (layout_2d.axes, layout_4d.axes)
    out["same_layout_repr"] = repr(layout_2d)
    out["same_layout_spec"] = tuple(layout_4d.backend_layout.spec)
    late = dist.TensorLayout([None, "model"])
    assert late.device_mesh is None
    late.device_mesh = mesh_2d
    out["same_late_layout"] = (late.axes, late.device_mesh is mesh_2d)

    layout_map = dist.LayoutMap(mesh_2d)
    layout_map["dense.*kernel"] = (None, "model")
    layout_map["dense.*bias"] = ("model",)
    layout_map["conv.*kernel"] = (None, None, None, "model")
    layout_map["conv.*bias"] = ("model",)
    layout_map["d2/output"] = ("batch", None)
    lookups = {
        path: (None if layout_map[path] is None else layout_map[path].axes)
        for path in [
            "dense_hidden/kernel",
            "dense_hidden/bias",
            "conv/kernel",
            "my_model/conv2d_123/kernel",
            "conv/bias",
            "d2/kernel",
            "d2/output",
            "batch_normalization/gamma",
        ]
    }
    out["same_layout_lookups"] = lookups
    out["same_layout_map_keys"] = list(layout_map)
    out["same_layout_map_len"] = len(layout_map)
    out["same_layout_map_get"] = layout_map.get("conv2/kernel").axes
    out["same_layout_map_mesh"] = layout_map["dense_a/kernel"].device_mesh is mesh_2d

    # -- the errors for bad arguments ------------------------------------------
    scratch = dist.LayoutMap(mesh_2d)
    scratch["dense.*kernel"] = (None, "model")
    scratch[".*kernel"] = (None, None)
    non_string = dist.LayoutMap(mesh_2d)
    non_string[0] = (None,)  # accepted; the lookup fails on the regex
    bare = dist.TensorLayout(("batch", None))
    errors = {
        "mesh_shape_vs_devices": lambda: dist.DeviceMesh((n + 1,), ["batch"], devices),
        "mesh_empty_shape": lambda: dist.DeviceMesh((), [], devices),
        "mesh_axis_names_length": lambda: dist.DeviceMesh((n,), ["batch", "model"]),
        "mesh_unknown_device": lambda: (
            dist.DeviceMesh((1,), ["batch"], [f"cpu:{n + 7}"]).backend_mesh
        ),
        "layout_unknown_axis": lambda: dist.TensorLayout(("batch", "oops"), mesh_2d),
        "layout_no_mesh": lambda: bare.backend_layout,
        "layout_mesh_reset": lambda: setattr(late, "device_mesh", mesh_1d),
        "map_duplicate_key": lambda: scratch.__setitem__(".*kernel", (None,)),
        "map_list_value": lambda: scratch.__setitem__("x", [None, "model"]),
        "map_string_value": lambda: scratch.__setitem__("y", "model"),
        "map_unknown_axis": lambda: scratch.__setitem__("z", ("oops",)),
        "map_two_matches": lambda: scratch["dense_1/kernel"],
        "map_non_string_key": lambda: non_string["dense/kernel"],
        "map_delete_missing": lambda: scratch.__delitem__("missing"),
        "mp_without_layout_map": lambda: dist.ModelParallel(batch_dim_name="batch"),
        "mp_dict_layout_map": lambda: dist.ModelParallel(layout_map={"a": (None,)}),
        "mp_positional": lambda: dist.ModelParallel(mesh_2d, layout_map),
        "dp_string_mesh": lambda: dist.DataParallel(device_mesh="cpu:0"),
        "list_devices_unknown": lambda: dist.list_devices("tpu"),
        "device_count_unknown": lambda: dist.get_device_count("tpu"),
        "distribute_without_mesh": lambda: dist.distribute_tensor(
            np.ones((2, 2), "float32"), bare
        ),
    }
    out["same_errors"] = {name: _error(fn) for name, fn in errors.items()}
    # Keras accepts these (its checks are later or missing); reported only.
    out["errors_keras_lenient"] = {
        "mp_unknown_batch_dim": _error(
            lambda: dist.ModelParallel(layout_map=layout_map, batch_dim_name="nope")
        ),
        "mp_unknown_kwarg": _error(
            lambda: dist.ModelParallel(layout_map=layout_map, batch_dim="batch")
        ),
        "dp_2d_mesh": _error(lambda: _quietly(dist.DataParallel, device_mesh=mesh_2d)),
        "set_distribution_string": _error(lambda: dist.set_distribution("dp")),
    }
    dist.set_distribution(None)

    # -- data, and weights every library sets the same ----------------------------
    rng = np.random.default_rng(42)
    x = rng.normal(size=(64, 8, 8, 1)).astype("float32")
    y = (x.reshape(64, -1) @ rng.normal(size=(64, 4)) / 8.0).astype("float32")
    quadrants = x[:, :4, :4, 0].mean((1, 2)), x[:, 4:, 4:, 0].mean((1, 2))
    labels = (2 * (quadrants[0] > 0) + (quadrants[1] > 0)).astype("int32")

    def seeded(model, seed):
        r = np.random.default_rng(seed)
        values = []
        for w in model.weights:
            if w.path.endswith(("moving_variance", "gamma")):
                values.append(np.ones(w.shape, "float32"))
            elif w.path.endswith(("moving_mean", "beta")):
                values.append(np.zeros(w.shape, "float32"))
            else:
                values.append(r.normal(scale=0.3, size=w.shape).astype("float32"))
        model.set_weights(values)
        return model

    # -- DataParallel, set globally (the guide) -----------------------------------
    data_parallel = dist.DataParallel(devices=devices)
    out["same_dp"] = (
        tuple(data_parallel.device_mesh.shape),
        list(data_parallel.device_mesh.axis_names),
        data_parallel.batch_dim_name,
        data_parallel.get_data_layout((16, 8, 8, 1)).axes,
        data_parallel.get_tensor_layout("dense_hidden/output"),
        repr(data_parallel),
    )
    dp_from_mesh = dist.DataParallel(device_mesh=mesh_1d)
    out["same_dp_from_mesh"] = (
        dp_from_mesh.device_mesh is mesh_1d,
        dp_from_mesh.batch_dim_name,
    )
    assert dist.distribution() is None
    dist.set_distribution(data_parallel)
    assert dist.distribution() is data_parallel

    def dp_model():
        inputs = layers.Input(shape=(8, 8, 1))
        h = layers.Flatten()(inputs)
        h = layers.Dense(
            units=32, use_bias=False, activation="relu", name="dense_hidden"
        )(h)
        outputs = layers.Dense(units=4, activation="softmax", name="dense_out")(h)
        return keras.Model(inputs=inputs, outputs=outputs, name="dp_model")

    model = seeded(dp_model(), 1)
    out["same_dp_variable_layouts"] = {
        v.path: data_parallel.get_variable_layout(v).axes for v in model.variables
    }
    out["same_dp_on_layout"] = [
        v.value.sharding.is_equivalent_to(
            data_parallel.get_variable_layout(v).backend_layout, len(v.shape)
        )
        for v in model.variables
    ]
    out["dp_sharding_types"] = [
        type(v.value.sharding).__name__ for v in model.variables
    ]
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse", metrics=["mae"])
    history = model.fit(
        x,
        y,
        batch_size=16,
        epochs=3,
        shuffle=False,
        validation_data=(x[:16], y[:16]),
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    out["same_dp_history_keys"] = sorted(history.history)
    out["close_dp_loss"] = history.history["loss"]
    out["close_dp_mae"] = history.history["mae"]
    out["close_dp_val_loss"] = history.history["val_loss"]
    out["close_dp_evaluate"] = model.evaluate(x, y, batch_size=16, verbose=0)
    dp_pred = model.predict(x[:16], batch_size=16, verbose=0)
    out["same_dp_pred"] = (dp_pred.shape, str(dp_pred.dtype))
    out["close_dp_pred"] = dp_pred
    out["close_dp_kernel"] = model.get_layer("dense_out").kernel.numpy()
    out["close_dp_weights_sum"] = [float(np.sum(w)) for w in model.get_weights()]
    dp_weights_path = workdir / "dp.weights.h5"
    model.save_weights(dp_weights_path)
    dist.set_distribution(None)
    assert dist.distribution() is None

    # -- ModelParallel as a scope, with a tensor layout for d2's output ------------
    model_parallel = dist.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    out["same_mp"] = (
        model_parallel.batch_dim_name,
        model_parallel.device_mesh is mesh_2d,
        model_parallel.get_data_layout((16, 4)).axes,
        model_parallel.get_tensor_layout("d2/output").axes,
        model_parallel.get_tensor_layout("dense_hidden/output"),
    )

    def mp_model():
        inputs = layers.Input(shape=(8, 8, 1))
        h = layers.Conv2D(4, 3, strides=2, activation="relu", name="conv")(inputs)
        h = layers.Flatten()(h)
        h = layers.Dense(units=16, activation="relu", name="dense_hidden")(h)
        outputs = layers.Dense(units=4, name="d2")(h)
        return keras.Model(inputs=inputs, outputs=outputs, name="mp_model")

    with model_parallel.scope():
        assert dist.distribution() is model_parallel
        with data_parallel.scope():
            assert dist.distribution() is data_parallel
        assert dist.distribution() is model_parallel
        mp = seeded(mp_model(), 2)
        out["same_mp_paths"] = [v.path for v in mp.variables]
        out["same_mp_variable_layouts"] = {
            v.path: model_parallel.get_variable_layout(v).axes for v in mp.variables
        }
        out["same_mp_on_layout"] = [
            v.value.sharding.is_equivalent_to(
                model_parallel.get_variable_layout(v).backend_layout, len(v.shape)
            )
            for v in mp.variables
        ]
        lines = []
        mp.summary(print_fn=lambda line, **kwargs: lines.append(line))
        out["same_mp_summary"] = "\n".join(lines)
        mp.compile(
            optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
            loss="mse",
            metrics=["mae"],
        )
        mp_history = mp.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        assert mp_history.history["loss"][-1] < mp_history.history["loss"][0]
        out["same_mp_history_keys"] = sorted(mp_history.history)
        out["close_mp_loss"] = mp_history.history["loss"]
        out["close_mp_evaluate"] = mp.evaluate(x, y, batch_size=16, verbose=0)
        mp_pred = mp.predict(x[:16], verbose=0)
        out["close_mp_pred"] = mp_pred
        out["close_mp_conv_kernel"] = np.asarray(mp.get_layer("conv").kernel.value)
        out["close_mp_conv_bias"] = mp.get_layer("conv").bias.numpy()
        mp.save_weights(workdir / "mp.weights.h5")
        mp.save(workdir / "mp.keras")
    assert dist.distribution() is None

    # A layer's output has the layout the map gives "<layer path>/output".
    class RecordingModelParallel(dist.ModelParallel):
        queried = []

        def get_tensor_layout(self, path):
            self.queried.append(path)
            return super().get_tensor_layout(path)

    recording = RecordingModelParallel(layout_map=layout_map, batch_dim_name="batch")
    with recording.scope():
        mp_model()
    out["same_output_layout_paths"] = sorted(set(recording.queried))

    bad_output = dist.LayoutMap(mesh_2d)
    bad_output["d2/output"] = ("batch", None, None)  # d2's output has rank 2

    def predict_with_bad_output_layout():
        with dist.ModelParallel(layout_map=bad_output).scope():
            m = mp_model()
            m.compile(loss="mse")
            m.predict(x[:4], verbose=0)

    out["same_error_bad_output_layout"] = _error(predict_with_bad_output_layout)

    # -- loading under a distribution, and without one ------------------------------
    with model_parallel.scope():
        reloaded = keras.models.load_model(workdir / "mp.keras")
        out["same_reloaded_layouts"] = {
            v.path: model_parallel.get_variable_layout(v).axes
            for v in reloaded.variables
        }
        out["close_reloaded_pred"] = reloaded.predict(x[:16], verbose=0)
        fresh = mp_model()
        fresh.load_weights(workdir / "mp.weights.h5")
        out["close_mp_load_weights_pred"] = fresh.predict(x[:16], verbose=0)
    plain = keras.models.load_model(workdir / "mp.keras")
    out["close_plain_reload_pred"] = plain.predict(x[:16], verbose=0)
    out["same_plain_reload_optimizer"] = (
        type(plain.optimizer).__name__,
        int(plain.optimizer.iterations.numpy()),
    )
    with dist.DataParallel(devices=devices).scope():
        dp_again = dp_model()
        dp_again.load_weights(dp_weights_path)
        out["close_dp_load_weights_pred"] = dp_again.predict(x[:16], verbose=0)
    np.testing.assert_allclose(out["close_dp_load_weights_pred"], dp_pred, rtol=1e-5)
    np.testing.assert_allclose(out["close_reloaded_pred"], mp_pred, rtol=1e-5)

    # -- distribute_tensor ---------------------------------------------------------
    data_layout = data_parallel.get_data_layout(x.shape)
    placed = dist.distribute_tensor(x, data_layout)
    out["same_distribute_tensor"] = (
        tuple(placed.shape),
        placed.sharding.is_equivalent_to(data_layout.backend_layout, 4),
    )
    out["close_distribute_tensor"] = np.asarray(placed)[0, :, :, 0]
    symbolic = keras.Input(shape=(8, 8, 1))
    out["same_distribute_symbolic"] = dist.distribute_tensor(symbolic, data_layout) is (
        symbolic
    )

    @jax.jit
    def scaled(t):
        return dist.distribute_tensor(t * 2.0, data_layout)

    out["close_distribute_in_jit"] = np.asarray(scaled(x[:2]))[:, 0, 0, 0]

    # -- the JAX guide: a jitted train step with explicit shardings -------------------
    def get_model():
        # The guide's convnet, shrunk to dense layers: batch norm and all.
        inputs = keras.Input(shape=(8, 8, 1))
        h = layers.Flatten()(inputs)
        h = layers.Dense(32, use_bias=False)(h)
        h = layers.BatchNormalization(scale=False, center=True)(h)
        h = layers.ReLU()(h)
        h = layers.Dense(16, use_bias=False, name="large_k")(h)
        h = layers.BatchNormalization(scale=False, center=True)(h)
        h = layers.ReLU()(h)
        outputs = layers.Dense(4)(h)
        return keras.Model(inputs, outputs)

    jax_model = seeded(get_model(), 3)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=1e-2)
    optimizer.build(jax_model.trainable_variables)

    def compute_loss(trainable_variables, non_trainable_variables, x, y):
        y_pred, updated_non_trainable_variables = jax_model.stateless_call(
            trainable_variables, non_trainable_variables, x, training=True
        )
        loss_value = loss(y, y_pred)
        return loss_value, updated_non_trainable_variables

    compute_gradients = jax.value_and_grad(compute_loss, has_aux=True)

    @jax.jit
    def train_step(train_state, x, y):
        trainable_variables, non_trainable_variables, optimizer_variables = train_state
        (loss_value, non_trainable_variables), grads = compute_gradients(
            trainable_variables, non_trainable_variables, x, y
        )
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables
        )
        return loss_value, (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
        )

    def get_replicated_train_state(devices):
        var_mesh = Mesh(devices, axis_names=("_"))
        var_replication = NamedSharding(var_mesh, P())
        # `jax.device_put` takes the variables' values (arrays), not the variables.
        trainable_variables = jax.device_put(
            [v.value for v in jax_model.trainable_variables], var_replication
        )
        non_trainable_variables = jax.device_put(
            [v.value for v in jax_model.non_trainable_variables], var_replication
        )
        optimizer_variables = jax.device_put(
            [v.value for v in optimizer.variables], var_replication
        )
        return trainable_variables, non_trainable_variables, optimizer_variables

    num_devices = len(jax.local_devices())
    jax_devices = mesh_utils.create_device_mesh((num_devices,))
    data_mesh = Mesh(jax_devices, axis_names=("batch",))
    data_sharding = NamedSharding(data_mesh, P("batch"))
    train_state = get_replicated_train_state(jax_devices)
    step_losses = []
    for _epoch in range(2):
        for start in range(0, 64, 16):
            sharded_x = jax.device_put(x[start : start + 16], data_sharding)
            loss_value, train_state = train_step(
                train_state, sharded_x, labels[start : start + 16]
            )
            step_losses.append(float(loss_value))
    assert np.mean(step_losses[4:]) < np.mean(step_losses[:4]), step_losses
    out["close_jax_losses"] = step_losses
    out["same_jax_state_lengths"] = [len(part) for part in train_state]
    trainable_variables, non_trainable_variables, optimizer_variables = train_state
    for variable, value in zip(jax_model.trainable_variables, trainable_variables):
        variable.assign(value)
    for variable, value in zip(
        jax_model.non_trainable_variables, non_trainable_variables
    ):
        variable.assign(value)
    for variable, value in zip(optimizer.variables, optimizer_variables):
        variable.assign(value)
    out["same_jax_optimizer_iterations"] = int(optimizer.iterations.numpy())
    out["close_jax_moving_mean"] = jax_model.non_trainable_variables[0].numpy()
    out["close_jax_large_k"] = jax_model.get_layer("large_k").kernel.numpy()[:4]
    out["close_jax_logits"] = jax_model.predict(x[:16], verbose=0)
    out["same_jax_paths"] = [v.path for v in jax_model.trainable_variables]

    # keras.distribution's data layout is the guide's hand-made data sharding.
    dp = dist.DataParallel(devices=devices)
    batch_sharding = dp.get_data_layout((16, 8, 8, 1)).backend_layout
    out["same_layout_is_guide_sharding"] = (
        type(batch_sharding).__name__,
        tuple(batch_sharding.spec),
        batch_sharding.is_equivalent_to(data_sharding, 4),
    )
    dist.set_distribution(None)
    return out
