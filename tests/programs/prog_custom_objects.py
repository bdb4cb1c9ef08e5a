"""Custom objects, as the keras.io guides on subclassing write them: an Optimizer
subclass with slot variables, a Loss subclass, a registered loss function, Metric
subclasses with state variables, a Regularizer, a Constraint, an Initializer, a
LearningRateSchedule and a Callback. A model compiled with all of them is trained,
evaluated, saved and reloaded (with custom_objects and through registration), and
keeps training identically; each object's config round-trips, the `get` functions
find registered names, and a missing custom object fails loading with a clear
error. Finally the custom optimizer is wrapped in a LossScaleOptimizer and given
clipnorm, global_clipnorm, EMA and gradient accumulation."""

import io
from contextlib import redirect_stdout

import numpy as np

PKG = "custom_obj"


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    register = keras.saving.register_keras_serializable
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)
    n = 64
    x = rng.normal(size=(n, 6)).astype("float32")
    y_cls = (x @ rng.normal(size=(6,)) > 0).astype("float32").reshape(-1, 1)
    y_reg = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2]).astype("float32")
    targets = {"cls": y_cls, "reg": y_reg}
    sample_weight = np.where(y_cls[:, 0] > 0, 2.0, 1.0).astype("float32")
    x_val = rng.normal(size=(16, 6)).astype("float32")
    val_targets = {
        "cls": (x_val[:, :1] > 0).astype("float32"),
        "reg": np.sin(x_val[:, :1]).astype("float32"),
    }
    init_rng = np.random.default_rng(3)
    head_weights = {
        "cls": [
            (init_rng.normal(size=(8, 1)) * 0.5).astype("float32"),
            np.zeros((1,), "float32"),
        ],
        "reg": [
            (init_rng.normal(size=(8, 1)) * 0.5).astype("float32"),
            np.full((1,), 0.1, "float32"),
        ],
    }

    def to_float(value):
        return float(ops.convert_to_numpy(value))

    def flat(arrays):
        return np.concatenate(
            [np.ravel(ops.convert_to_numpy(a)).astype("float64") for a in arrays]
        ).tolist()

    def outcome(fn):
        """What a lookup gives: the object's class (or function) name, or the error."""
        try:
            obj = fn()
        except Exception as e:  # noqa: BLE001 - the error type is the result
            return f"error:{type(e).__name__}"
        return getattr(obj, "__name__", None) or type(obj).__name__

    out = {}

    # --- The custom objects ---------------------------------------------------
    @register(package=PKG)
    class AdaMaxMomentum(keras.optimizers.Optimizer):
        """Momentum scaled by a decaying running max of |gradient|."""

        def __init__(
            self,
            learning_rate=0.01,
            beta=0.9,
            decay=0.99,
            epsilon=1e-7,
            name="ada_max_momentum",
            **kwargs,
        ):
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)
            self.beta = beta
            self.decay = decay
            self.epsilon = epsilon

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self.momentums = []
            self.peaks = []
            for var in var_list:
                self.momentums.append(
                    self.add_variable_from_reference(
                        reference_variable=var, name="momentum"
                    )
                )
                self.peaks.append(
                    self.add_variable_from_reference(
                        reference_variable=var, name="peak"
                    )
                )

        def update_step(self, gradient, variable, learning_rate):
            lr = ops.cast(learning_rate, variable.dtype)
            gradient = ops.cast(gradient, variable.dtype)
            index = self._get_variable_index(variable)
            m = self.momentums[index]
            u = self.peaks[index]
            step = ops.cast(self.iterations + 1, variable.dtype)
            self.assign(m, self.beta * m + (1.0 - self.beta) * gradient)
            self.assign(u, ops.maximum(self.decay * u, ops.abs(gradient)))
            m_hat = m / (1.0 - ops.power(ops.cast(self.beta, variable.dtype), step))
            self.assign_sub(variable, lr * m_hat / (u + self.epsilon))

        def get_config(self):
            config = super().get_config()
            config.update(
                {"beta": self.beta, "decay": self.decay, "epsilon": self.epsilon}
            )
            return config

    @register(package=PKG)
    class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, peak, warmup_steps, total_steps):
            self.peak = peak
            self.warmup_steps = warmup_steps
            self.total_steps = total_steps

        def __call__(self, step):
            step = ops.cast(step, "float32")
            warm = self.peak * (step + 1.0) / self.warmup_steps
            progress = (step - self.warmup_steps) / (
                self.total_steps - self.warmup_steps
            )
            progress = ops.clip(progress, 0.0, 1.0)
            cosine = 0.5 * self.peak * (1.0 + ops.cos(np.pi * progress))
            return ops.where(step < self.warmup_steps, warm, 0.1 * self.peak + cosine)

        def get_config(self):
            return {
                "peak": self.peak,
                "warmup_steps": self.warmup_steps,
                "total_steps": self.total_steps,
            }

    class FocalBCE(keras.losses.Loss):
        """Not registered: the model needs custom_objects to load compiled."""

        def __init__(
            self, gamma=2.0, name="focal_bce", reduction="sum_over_batch_size"
        ):
            super().__init__(name=name, reduction=reduction)
            self.gamma = gamma

        def call(self, y_true, y_pred):
            y_pred = ops.clip(y_pred, 1e-6, 1.0 - 1e-6)
            p_t = ops.where(y_true > 0.5, y_pred, 1.0 - y_pred)
            focal = -ops.power(1.0 - p_t, self.gamma) * ops.log(p_t)
            return ops.mean(focal, axis=-1)

        def get_config(self):
            config = super().get_config()
            config.update({"gamma": self.gamma})
            return config

    @register(package=PKG)
    def smooth_l1(y_true, y_pred):
        diff = ops.abs(y_true - y_pred)
        return ops.mean(
            ops.where(diff < 1.0, 0.5 * ops.square(diff), diff - 0.5), axis=-1
        )

    @register(package=PKG)
    class BinaryF1(keras.metrics.Metric):
        def __init__(self, threshold=0.5, name="binary_f1", **kwargs):
            super().__init__(name=name, **kwargs)
            self.threshold = threshold
            self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")
            self.fp = self.add_variable(shape=(), initializer="zeros", name="fp")
            self.fn = self.add_variable(shape=(), initializer="zeros", name="fn")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true = ops.cast(y_true, self.dtype)
            y_pred = ops.cast(y_pred >= self.threshold, self.dtype)
            if sample_weight is None:
                weight = ops.ones_like(y_true)
            else:
                weight = ops.reshape(ops.cast(sample_weight, self.dtype), (-1, 1))
            self.tp.assign_add(ops.sum(weight * y_true * y_pred))
            self.fp.assign_add(ops.sum(weight * (1.0 - y_true) * y_pred))
            self.fn.assign_add(ops.sum(weight * y_true * (1.0 - y_pred)))

        def result(self):
            precision = ops.divide_no_nan(self.tp, self.tp + self.fp)
            recall = ops.divide_no_nan(self.tp, self.tp + self.fn)
            return ops.divide_no_nan(2.0 * precision * recall, precision + recall)

        def reset_state(self):
            for variable in self.variables:
                variable.assign(ops.zeros(variable.shape, variable.dtype))

        def get_config(self):
            return {**super().get_config(), "threshold": self.threshold}

    @register(package=PKG)
    class MaxAbsError(keras.metrics.Metric):
        """The running max of |y_true - y_pred| (weighted) over the epoch."""

        def __init__(self, name="max_abs_error", **kwargs):
            super().__init__(name=name, **kwargs)
            self.max_error = self.add_variable(
                shape=(), initializer="zeros", name="max_error"
            )

        def update_state(self, y_true, y_pred, sample_weight=None):
            error = ops.abs(ops.cast(y_true, self.dtype) - ops.cast(y_pred, self.dtype))
            if sample_weight is not None:
                error = error * ops.reshape(
                    ops.cast(sample_weight, self.dtype), (-1, 1)
                )
            self.max_error.assign(ops.maximum(self.max_error, ops.max(error)))

        def result(self):
            return ops.convert_to_tensor(self.max_error)

        def reset_state(self):
            self.max_error.assign(0.0)

    @register(package=PKG)
    class Orthogonality(keras.regularizers.Regularizer):
        def __init__(self, strength=0.01):
            self.strength = strength

        def __call__(self, x):
            gram = ops.matmul(ops.transpose(x), x)
            eye = ops.eye(ops.shape(x)[-1], dtype=x.dtype)
            return self.strength * ops.sum(ops.square(gram - eye))

        def get_config(self):
            return {"strength": self.strength}

    @register(package=PKG)
    class CenterAround(keras.constraints.Constraint):
        """Constrains weight tensors to be centered around `ref_value`."""

        def __init__(self, ref_value):
            self.ref_value = ref_value

        def __call__(self, w):
            mean = ops.mean(w)
            return w - mean + self.ref_value

        def get_config(self):
            return {"ref_value": self.ref_value}

    @register(package=PKG)
    class CosineInit(keras.initializers.Initializer):
        """Deterministic: scale * cos(0.7 * i) laid out in the kernel's shape."""

        def __init__(self, scale=1.0):
            self.scale = scale

        def __call__(self, shape, dtype=None):
            size = int(np.prod(shape))
            values = ops.cos(ops.arange(size, dtype="float32") * 0.7)
            values = ops.reshape(values * self.scale, shape)
            return ops.cast(values, dtype or "float32")

        def get_config(self):
            return {"scale": self.scale}

    class TrainingRecorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.rates, self.epoch_keys, self.batches = [], [], 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            self.rates.append(to_float(self.model.optimizer.learning_rate))

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_keys.append(sorted(logs))

    # --- Config round trips and registered names ------------------------------
    instances = {
        "optimizer": AdaMaxMomentum(learning_rate=0.01, beta=0.8),
        "schedule": WarmupCosine(peak=0.02, warmup_steps=4, total_steps=16),
        "loss": FocalBCE(gamma=1.5, reduction="sum"),
        "metric": BinaryF1(threshold=0.4),
        "max_error": MaxAbsError(),
        "regularizer": Orthogonality(strength=0.05),
        "constraint": CenterAround(ref_value=0.1),
        "initializer": CosineInit(scale=0.5),
    }
    for key, obj in instances.items():
        config = obj.get_config()
        again = type(obj).from_config(config)
        out[f"same_{key}_config"] = config
        out[f"same_{key}_roundtrip"] = again.get_config() == config
    out["same_registered_names"] = [
        keras.saving.get_registered_name(obj)
        for obj in [AdaMaxMomentum, BinaryF1, smooth_l1, FocalBCE, CenterAround]
    ]
    out["same_registered_object"] = (
        keras.saving.get_registered_object(f"{PKG}>BinaryF1") is BinaryF1
    )
    out["same_get_by_name"] = {
        "optimizer": outcome(lambda: keras.optimizers.get(f"{PKG}>AdaMaxMomentum")),
        "initializer": outcome(lambda: keras.initializers.get(f"{PKG}>CosineInit")),
        "loss": outcome(lambda: keras.losses.get(f"{PKG}>smooth_l1")),
        "metric": outcome(lambda: keras.metrics.get(f"{PKG}>BinaryF1")),
        "unknown_loss": outcome(lambda: keras.losses.get("no_such_loss")),
        "unknown_optimizer": outcome(lambda: keras.optimizers.get("no_such_optimizer")),
    }
    # Keras's `regularizers.get` and `constraints.get` read a string as a
    # built-in name only (a registered name is a ValueError); kerasish also
    # finds registered objects (lenient, not copied).
    out["get_by_name_lenient"] = {
        "regularizer": outcome(lambda: keras.regularizers.get(f"{PKG}>Orthogonality")),
        "constraint": outcome(lambda: keras.constraints.get(f"{PKG}>CenterAround")),
    }
    out["same_get_by_config"] = {
        "loss_fn": outcome(lambda: keras.losses.get(keras.losses.serialize(smooth_l1))),
        "metric": outcome(
            lambda: keras.metrics.get(
                {"class_name": f"{PKG}>BinaryF1", "config": {"threshold": 0.3}}
            )
        ),
        "regularizer": outcome(
            lambda: keras.regularizers.get(
                {"class_name": f"{PKG}>Orthogonality", "config": {"strength": 0.1}}
            )
        ),
        "constraint": outcome(
            lambda: keras.constraints.get(
                keras.constraints.serialize(CenterAround(0.2))
            )
        ),
        "schedule": outcome(
            lambda: keras.optimizers.schedules.deserialize(
                keras.optimizers.schedules.serialize(instances["schedule"])
            )
        ),
        "optimizer": outcome(
            lambda: keras.optimizers.deserialize(
                keras.optimizers.serialize(instances["optimizer"])
            )
        ),
        "unregistered_with_custom_objects": outcome(
            lambda: keras.losses.deserialize(
                keras.losses.serialize(FocalBCE()),
                custom_objects={"FocalBCE": FocalBCE},
            )
        ),
    }
    # What `serialize` writes for an unregistered custom class.
    unknown = {
        "module": None,
        "class_name": "NoSuchObject",
        "config": {},
        "registered_name": "NoSuchObject",
    }
    # An unknown class: Keras raises TypeError, kerasish a ValueError naming the
    # known names and `custom_objects` (not copied).
    out["unknown_config_errors"] = {
        "loss": outcome(lambda: keras.losses.deserialize(unknown)),
        "metric": outcome(lambda: keras.metrics.deserialize(unknown)),
        "optimizer": outcome(lambda: keras.optimizers.deserialize(unknown)),
        "regularizer": outcome(lambda: keras.regularizers.deserialize(unknown)),
        "constraint": outcome(lambda: keras.constraints.deserialize(unknown)),
        "initializer": outcome(lambda: keras.initializers.deserialize(unknown)),
        "schedule": outcome(lambda: keras.optimizers.schedules.deserialize(unknown)),
        "layer": outcome(lambda: keras.layers.deserialize(unknown)),
    }
    serialized = keras.optimizers.serialize(instances["optimizer"])
    out["same_optimizer_serialized"] = {
        k: serialized.get(k) for k in ("module", "class_name", "registered_name")
    }
    out["same_clip_conflict_error"] = outcome(
        lambda: AdaMaxMomentum(clipnorm=1.0, global_clipnorm=1.0)
    )

    # --- Using the objects directly ------------------------------------------
    y_true = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]], "float32")
    y_prob = np.array([[0.9], [0.6], [0.3], [0.2], [0.55]], "float32")
    weights = np.array([1.0, 2.0, 0.5, 1.0, 3.0], "float32")
    for reduction in ["sum_over_batch_size", "sum", None]:
        loss = FocalBCE(gamma=2.0, reduction=reduction)
        value = ops.convert_to_numpy(loss(y_true, y_prob, sample_weight=weights))
        out[f"close_focal_{reduction}"] = value.tolist()
        out[f"same_focal_{reduction}_shape"] = tuple(value.shape)
    out["close_smooth_l1"] = ops.convert_to_numpy(smooth_l1(y_true, y_prob)).tolist()
    f1 = BinaryF1()
    f1.update_state(y_true, y_prob)
    out["close_f1_unweighted"] = to_float(f1.result())
    f1.update_state(y_true, y_prob, sample_weight=weights)
    out["close_f1_weighted"] = to_float(f1.result())
    out["close_f1_variables"] = [to_float(v) for v in f1.variables]
    out["same_f1_variables"] = [(v.name, tuple(v.shape)) for v in f1.variables]
    f1.reset_state()
    out["close_f1_after_reset"] = to_float(f1.result())
    max_err = MaxAbsError()
    max_err.update_state(y_true, y_prob, sample_weight=weights)
    out["close_max_error"] = to_float(max_err.result())
    kernel = ops.convert_to_tensor(np.linspace(-1, 1, 12).reshape(4, 3).astype("f4"))
    out["close_regularizer"] = to_float(instances["regularizer"](kernel))
    out["close_constraint"] = flat([instances["constraint"](kernel)])
    out["close_initializer"] = flat([instances["initializer"](shape=(3, 2))])
    out["close_schedule"] = [
        to_float(instances["schedule"](s)) for s in [0, 1, 3, 4, 8, 15, 16, 30]
    ]

    # --- A model compiled with all of them ----------------------------------
    def get_model():
        inputs = keras.Input(shape=(6,), name="features")
        h = layers.Dense(
            8,
            activation="tanh",
            kernel_initializer=CosineInit(scale=0.5),
            kernel_regularizer=Orthogonality(strength=0.01),
            kernel_constraint=CenterAround(ref_value=0.0),
            name="hidden",
        )(inputs)
        cls = layers.Dense(1, activation="sigmoid", name="cls")(h)
        reg = layers.Dense(1, name="reg")(h)
        model = keras.Model(inputs, {"cls": cls, "reg": reg}, name="custom_net")
        for name, values in head_weights.items():
            model.get_layer(name).set_weights(values)
        return model

    def compile_model(model, optimizer, metrics=True):
        model.compile(
            optimizer=optimizer,
            loss={"cls": FocalBCE(gamma=2.0), "reg": smooth_l1},
            loss_weights={"cls": 1.0, "reg": 0.5},
            metrics={"cls": [BinaryF1(), "accuracy"], "reg": [MaxAbsError()]}
            if metrics
            else None,
        )

    model = get_model()
    out["close_initial_hidden_kernel"] = flat([model.get_layer("hidden").kernel])
    out["same_model_losses"] = len(model.losses)
    out["close_model_losses"] = [to_float(v) for v in model.losses]
    schedule = WarmupCosine(peak=0.02, warmup_steps=4, total_steps=16)
    compile_model(model, AdaMaxMomentum(learning_rate=schedule))
    recorder = TrainingRecorder()
    history = model.fit(
        x,
        targets,
        sample_weight=sample_weight,
        batch_size=16,
        epochs=3,
        shuffle=False,
        validation_data=(x_val, val_targets),
        callbacks=[recorder],
        verbose=0,
    )
    out["same_history_keys"] = sorted(history.history)
    for key in ["loss", "cls_loss", "reg_loss", "cls_binary_f1", "reg_max_abs_error"]:
        out[f"close_history_{key}"] = history.history.get(key)
    out["close_history_val_loss"] = history.history.get("val_loss")
    out["close_recorded_rates"] = recorder.rates
    out["same_recorded_batches"] = recorder.batches
    out["same_recorded_epoch_keys"] = recorder.epoch_keys[-1]
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    kernel = ops.convert_to_numpy(model.get_layer("hidden").kernel)
    assert abs(float(kernel.mean())) < 1e-5, kernel.mean()  # the constraint held
    out["close_hidden_kernel_mean"] = float(kernel.mean())

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        model.summary()
    out["same_summary"] = buffer.getvalue()

    optimizer = model.optimizer
    out["same_optimizer_type"] = type(optimizer).__name__
    out["same_optimizer_variables"] = [
        (v.name, tuple(v.shape)) for v in optimizer.variables
    ]
    out["close_optimizer_values"] = flat(optimizer.variables)
    out["same_optimizer_iterations"] = int(ops.convert_to_numpy(optimizer.iterations))
    out["close_optimizer_lr"] = to_float(optimizer.learning_rate)
    out["close_weights_after_fit"] = flat(model.get_weights())

    results = model.evaluate(
        x, targets, sample_weight=sample_weight, return_dict=True, verbose=0
    )
    out["same_evaluate_keys"] = sorted(results)
    out["close_evaluate"] = [results[k] for k in sorted(results)]
    preds = model.predict(x[:8], verbose=0)
    out["same_predict_structure"] = sorted(
        (k, tuple(v.shape)) for k, v in preds.items()
    )
    out["close_predict"] = flat([preds["cls"], preds["reg"]])

    # --- Save, and load with custom_objects / registration --------------------
    path = str(workdir / "custom_objects.keras")
    model.save(path)
    # An unregistered loss in the compile config: Keras's load_model raises;
    # kerasish returns the model uncompiled with a warning (deliberate).
    out["missing_custom_object_error"] = outcome(lambda: keras.saving.load_model(path))
    uncompiled = keras.saving.load_model(path, compile=False)
    out["same_uncompiled_hidden_constraint"] = type(
        uncompiled.get_layer("hidden").kernel_constraint
    ).__name__
    np.testing.assert_allclose(
        ops.convert_to_numpy(uncompiled.predict(x[:8], verbose=0)["reg"]),
        preds["reg"],
        rtol=1e-6,
    )
    loaded = keras.saving.load_model(path, custom_objects={"FocalBCE": FocalBCE})
    with keras.saving.custom_object_scope({"FocalBCE": FocalBCE}):
        scoped = keras.saving.load_model(path)
    out["same_scoped_loss_type"] = type(scoped.loss["cls"]).__name__
    out["same_loaded_optimizer_type"] = type(loaded.optimizer).__name__
    out["same_loaded_optimizer_config"] = loaded.optimizer.get_config()
    out["same_loaded_schedule_type"] = type(
        keras.optimizers.schedules.deserialize(
            loaded.optimizer.get_config()["learning_rate"]
        )
    ).__name__
    out["same_loaded_loss"] = {
        k: getattr(v, "__name__", None) or type(v).__name__
        for k, v in loaded.loss.items()
    }
    out["same_loaded_regularizer"] = type(
        loaded.get_layer("hidden").kernel_regularizer
    ).__name__
    out["same_loaded_initializer"] = type(
        loaded.get_layer("hidden").kernel_initializer
    ).__name__
    out["same_loaded_optimizer_variables"] = [
        (v.name, tuple(v.shape)) for v in loaded.optimizer.variables
    ]
    out["close_loaded_optimizer_values"] = flat(loaded.optimizer.variables)
    np.testing.assert_allclose(
        out["close_loaded_optimizer_values"], out["close_optimizer_values"], rtol=1e-6
    )
    loaded_preds = loaded.predict(x[:8], verbose=0)
    np.testing.assert_allclose(loaded_preds["cls"], preds["cls"], rtol=1e-6)
    loaded_results = loaded.evaluate(
        x, targets, sample_weight=sample_weight, return_dict=True, verbose=0
    )
    out["close_loaded_evaluate"] = [loaded_results[k] for k in sorted(loaded_results)]

    # A custom object in a layer's config that is neither registered nor passed.
    class ScaledOnes(keras.initializers.Initializer):
        def __init__(self, value=1.0):
            self.value = value

        def __call__(self, shape, dtype=None):
            return ops.full(shape, self.value, dtype=dtype or "float32")

        def get_config(self):
            return {"value": self.value}

    tiny = keras.Sequential(
        [keras.Input(shape=(3,)), layers.Dense(2, kernel_initializer=ScaledOnes(0.3))]
    )
    tiny_path = str(workdir / "tiny.keras")
    tiny.save(tiny_path)
    # Keras: TypeError; kerasish: ValueError naming the unknown class.
    out["missing_layer_object_error"] = outcome(
        lambda: keras.saving.load_model(tiny_path)
    )
    tiny_back = keras.saving.load_model(
        tiny_path, custom_objects={"ScaledOnes": ScaledOnes}
    )
    out["close_tiny_kernel"] = flat([tiny_back.layers[0].kernel])
    out["same_tiny_initializer"] = tiny_back.layers[0].kernel_initializer.get_config()

    # The reloaded model continues training exactly as the original does.
    h_orig = model.fit(
        x,
        targets,
        sample_weight=sample_weight,
        batch_size=16,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    h_load = loaded.fit(
        x,
        targets,
        sample_weight=sample_weight,
        batch_size=16,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    out["close_continue_orig"] = h_orig.history["loss"]
    out["close_continue_loaded"] = h_load.history["loss"]
    out["close_continue_f1"] = h_load.history["cls_binary_f1"]
    np.testing.assert_allclose(
        h_load.history["loss"], h_orig.history["loss"], rtol=1e-5
    )
    out["close_continue_weights"] = flat(loaded.get_weights())

    # --- LossScaleOptimizer around the custom optimizer ----------------------
    lso_model = get_model()
    lso = keras.optimizers.LossScaleOptimizer(
        AdaMaxMomentum(learning_rate=0.01),
        initial_scale=2.0**10,
        dynamic_growth_steps=2,
    )
    compile_model(lso_model, lso, metrics=False)
    h_lso = lso_model.fit(x, targets, batch_size=16, epochs=2, shuffle=False, verbose=0)
    out["same_lso_history_keys"] = sorted(h_lso.history)
    out["close_lso_loss"] = h_lso.history["loss"]
    # Keras lists the wrapper's own (never used) iteration and learning_rate
    # before step_counter; kerasish lists the state it has (not copied).
    out["lso_variables"] = [
        (v.name, tuple(v.shape)) for v in lso_model.optimizer.variables
    ]
    out["close_lso_scale"] = to_float(lso_model.optimizer.dynamic_scale)
    out["close_lso_weights"] = flat(lso_model.get_weights())
    lso_config = lso_model.optimizer.get_config()
    out["same_lso_config_keys"] = sorted(lso_config)
    out["same_lso_inner"] = {
        k: lso_config["inner_optimizer"].get(k)
        for k in ("class_name", "registered_name")
    }
    lso_again = keras.optimizers.LossScaleOptimizer.from_config(lso_config)
    out["same_lso_again_inner"] = type(lso_again.inner_optimizer).__name__

    # --- Optimizer options on the custom optimizer ---------------------------
    options = {
        "clipnorm_ema": {
            "clipnorm": 0.05,
            "use_ema": True,
            "ema_momentum": 0.9,
            "ema_overwrite_frequency": 3,
        },
        "global_clipnorm_accumulation": {
            "global_clipnorm": 0.05,
            "gradient_accumulation_steps": 2,
        },
    }
    for name, kwargs in options.items():
        opt_model = get_model()
        compile_model(opt_model, AdaMaxMomentum(learning_rate=0.01, **kwargs), False)
        h_opt = opt_model.fit(
            x, targets, batch_size=16, epochs=2, shuffle=False, verbose=0
        )
        out[f"close_{name}_loss"] = h_opt.history["loss"]
        out[f"same_{name}_variables"] = [
            (v.name, tuple(v.shape)) for v in opt_model.optimizer.variables
        ]
        out[f"close_{name}_weights"] = flat(opt_model.get_weights())
        out[f"same_{name}_iterations"] = int(
            ops.convert_to_numpy(opt_model.optimizer.iterations)
        )
        config = opt_model.optimizer.get_config()
        out[f"same_{name}_config"] = {k: config[k] for k in sorted(kwargs)}
    return out
