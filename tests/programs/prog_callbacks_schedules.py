"""Learning-rate control: schedules, LR callbacks, CSVLogger, TerminateOnNaN and
a custom metric."""

import csv
import os

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(192, 6)).astype("float32")
    w_true = rng.normal(size=(6,))
    y = (x @ w_true + 0.5 * rng.normal(size=(192,)) > 0).astype("float32")
    y = y.reshape(-1, 1)
    x_val = rng.normal(size=(64, 6)).astype("float32")
    y_val = (x_val @ w_true + 0.5 * rng.normal(size=(64,)) > 0).astype("float32")
    y_val = y_val.reshape(-1, 1)
    init_rng = np.random.default_rng(3)
    init_shapes = [(6, 8), (8,), (8, 1), (1,)]
    init_weights = [
        (init_rng.normal(size=s) * 0.5).astype("float32") for s in init_shapes
    ]

    class BinaryTruePositives(keras.metrics.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(
                shape=(), initializer="zeros", name="true_positives"
            )

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true = ops.cast(y_true, "bool")
            y_pred = ops.greater(y_pred, 0.5)
            values = ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True))
            values = ops.cast(values, self.dtype)
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, self.dtype)
                sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign(self.true_positives + ops.sum(values))

        def result(self):
            return self.true_positives.value

        def reset_state(self):
            self.true_positives.assign(0.0)

    class MeanSquaredLogit(keras.metrics.Metric):
        """A weighted mean, kept in two variables made with add_weight."""

        def __init__(self, name="mean_squared_logit", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.clip(ops.cast(y_pred, "float32"), 1e-6, 1 - 1e-6)
            values = ops.square(ops.log(y_pred / (1 - y_pred)))
            values = ops.reshape(values, (-1,))
            if sample_weight is None:
                sample_weight = ops.ones_like(values)
            sample_weight = ops.reshape(ops.cast(sample_weight, "float32"), (-1,))
            self.total.assign_add(ops.sum(values * sample_weight))
            self.count.assign_add(ops.sum(sample_weight))

        def result(self):
            return ops.divide_no_nan(self.total, self.count)

        def reset_state(self):
            for v in self.variables:
                v.assign(ops.zeros(v.shape, v.dtype))

    class LearningRateRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rates = []
            self.iterations = []

        def on_epoch_end(self, epoch, logs=None):
            self.rates.append(float(self.model.optimizer.learning_rate))
            self.iterations.append(int(self.model.optimizer.iterations))

    def get_model(optimizer, metrics=None):
        inputs = keras.Input(shape=(6,), name="features")
        h = layers.Dense(8, activation="relu", name="hidden")(inputs)
        outputs = layers.Dense(1, activation="sigmoid", name="prob")(h)
        model = keras.Model(inputs, outputs)
        model.set_weights(init_weights)
        model.compile(
            optimizer=optimizer,
            loss="binary_crossentropy",
            metrics=metrics or ["binary_accuracy"],
        )
        return model

    out = {}

    # --- The custom metrics on their own. ---
    m = BinaryTruePositives()
    m.update_state(
        np.array([0, 1, 1, 1, 1], "float32"),
        np.array([0.9, 0.8, 0.2, 0.7, 0.6], "float32"),
        sample_weight=np.array([1.0, 0.5, 1.0, 2.0, 0.0], "float32"),
    )
    first = float(m.result())
    assert float(m.true_positives) == first
    m.update_state(np.array([1.0, 1.0]), np.array([0.9, 0.9]))
    second = float(m.result())
    m.reset_state()
    out["close_metric_values"] = [first, second, float(m.result())]
    out["same_metric_variable_names"] = [v.name for v in m.variables]
    out["same_metric_config"] = sorted(m.get_config())
    msl = MeanSquaredLogit()
    msl.update_state(
        np.zeros((4, 1)),
        np.array([[0.1], [0.5], [0.7], [0.99]], "float32"),
        sample_weight=np.array([1.0, 2.0, 0.5, 0.25]),
    )
    out["close_msl_value"] = float(msl.result())
    out["same_msl_n_variables"] = len(msl.variables)
    msl.reset_state()
    out["close_msl_after_reset"] = float(msl.result())

    # --- Schedules on their own. ---
    exp_decay = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate=0.1, decay_steps=4, decay_rate=0.9, staircase=True
    )
    cosine = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=12,
        alpha=0.1,
        warmup_target=0.05,
        warmup_steps=6,
    )
    piecewise = keras.optimizers.schedules.PiecewiseConstantDecay(
        boundaries=[6, 12], values=[0.1, 0.05, 0.01]
    )
    steps = [0, 1, 3, 4, 6, 7, 11, 12, 13, 18, 30]
    for name, schedule in [
        ("exp", exp_decay),
        ("cosine", cosine),
        ("piecewise", piecewise),
    ]:
        out[f"close_{name}_values"] = [float(schedule(s)) for s in steps]
        config = schedule.get_config()
        out[f"same_{name}_config_keys"] = sorted(config)
        restored = type(schedule).from_config(config)
        out[f"close_{name}_restored"] = [float(restored(s)) for s in steps]
    out["same_exp_serialized"] = keras.optimizers.schedules.serialize(exp_decay)[
        "class_name"
    ]

    # --- Schedules as learning_rate, 6 steps per epoch. ---
    for name, optimizer in [
        ("exp", keras.optimizers.SGD(learning_rate=exp_decay)),
        ("cosine", keras.optimizers.Adam(learning_rate=cosine)),
        ("piecewise", keras.optimizers.SGD(learning_rate=piecewise, momentum=0.9)),
    ]:
        model = get_model(optimizer)
        recorder = LearningRateRecorder()
        history = model.fit(
            x,
            y,
            batch_size=32,
            epochs=3,
            shuffle=False,
            callbacks=[recorder],
            verbose=0,
        )
        out[f"same_{name}_history_keys"] = sorted(history.history)
        out[f"close_{name}_loss"] = history.history["loss"]
        out[f"close_{name}_recorded_lr"] = recorder.rates
        out[f"same_{name}_iterations"] = recorder.iterations
    # Saving and reloading keeps the schedule on the optimizer.
    path = os.path.join(workdir, "piecewise.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    out["same_reloaded_schedule"] = reloaded.optimizer.get_config()["learning_rate"]
    out["same_reloaded_iterations"] = int(reloaded.optimizer.iterations.numpy())
    out["close_reloaded_lr"] = float(
        keras.ops.convert_to_numpy(reloaded.optimizer.learning_rate)
    )
    np.testing.assert_allclose(
        reloaded.predict(x[:4], verbose=0), model.predict(x[:4], verbose=0), rtol=1e-5
    )

    # --- LearningRateScheduler and CSVLogger (no validation data). ---
    def scheduler(epoch, lr):
        if epoch < 2:
            return lr
        else:
            return float(lr * np.exp(-0.1))

    model = get_model(
        keras.optimizers.Adam(learning_rate=0.01),
        metrics=["binary_accuracy", BinaryTruePositives()],
    )
    csv_path = os.path.join(workdir, "scheduler.csv")
    recorder = LearningRateRecorder()
    history = model.fit(
        x,
        y,
        batch_size=32,
        epochs=5,
        shuffle=False,
        callbacks=[
            keras.callbacks.LearningRateScheduler(scheduler, verbose=0),
            recorder,
            keras.callbacks.CSVLogger(csv_path),
        ],
        verbose=0,
    )
    with open(csv_path) as f:
        text = f.read()
    rows = list(csv.reader(text.splitlines()))
    header = rows[0]
    out["same_sched_history_keys"] = sorted(history.history)
    out["same_sched_csv_header"] = text.splitlines()[0]
    out["same_sched_csv_n_rows"] = len(rows) - 1
    out["same_sched_csv_epochs"] = [row[0] for row in rows[1:]]
    # Without validation data, CSVLogger still writes val_ columns, as "NA".
    out["same_sched_csv_na"] = [
        key for key, value in zip(header, rows[1]) if value == "NA"
    ]
    for key in ["loss", "learning_rate", "binary_true_positives"]:
        column = [float(row[header.index(key)]) for row in rows[1:]]
        np.testing.assert_allclose(column, history.history[key], rtol=1e-6)
    out["close_sched_lr"] = history.history["learning_rate"]
    out["close_sched_recorded_lr"] = recorder.rates
    out["close_sched_loss"] = history.history["loss"]
    out["close_sched_tp"] = history.history["binary_true_positives"]
    assert recorder.rates[:2] == [0.009999999776482582] * 2, recorder.rates
    # A schedule returning a tensor instead of a float is an error.
    try:
        model.fit(
            x,
            y,
            epochs=3,
            callbacks=[
                keras.callbacks.LearningRateScheduler(
                    lambda epoch, lr: lr * ops.exp(-0.1)
                )
            ],
            verbose=0,
        )
        out["same_bad_schedule_error"] = None
    except Exception as e:  # noqa: BLE001
        out["same_bad_schedule_error"] = type(e).__name__

    # --- ReduceLROnPlateau on val_loss, CSVLogger with validation data. ---
    model = get_model(
        keras.optimizers.SGD(learning_rate=2.0),
        metrics=["binary_accuracy", BinaryTruePositives(), MeanSquaredLogit()],
    )
    csv_path = os.path.join(workdir, "plateau.csv")
    recorder = LearningRateRecorder()
    history = model.fit(
        x,
        y,
        batch_size=32,
        epochs=8,
        shuffle=False,
        validation_data=(x_val, y_val),
        callbacks=[
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=1, min_lr=0.3
            ),
            keras.callbacks.CSVLogger(csv_path, separator=";"),
            keras.callbacks.TerminateOnNaN(),
            recorder,
        ],
        verbose=0,
    )
    with open(csv_path) as f:
        text = f.read()
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    header = rows[0]
    out["same_plateau_history_keys"] = sorted(history.history)
    out["same_plateau_csv_header"] = text.splitlines()[0]
    for key in header[1:]:
        column = [float(row[header.index(key)]) for row in rows[1:]]
        np.testing.assert_allclose(column, history.history[key], rtol=1e-6)
    out["close_plateau_lr"] = history.history["learning_rate"]
    out["close_plateau_recorded_lr"] = recorder.rates
    out["close_plateau_val_loss"] = history.history["val_loss"]
    out["close_plateau_tp"] = history.history["binary_true_positives"]
    out["close_plateau_val_tp"] = history.history["val_binary_true_positives"]
    out["close_plateau_msl"] = history.history["mean_squared_logit"]
    assert min(history.history["learning_rate"]) < 2.0, history.history
    assert min(history.history["learning_rate"]) >= 0.3 - 1e-6, history.history
    results = model.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)
    out["same_eval_keys"] = sorted(results)
    out["close_eval"] = [results[k] for k in sorted(results)]

    # --- TerminateOnNaN: a NaN input in the third batch stops training. ---
    x_nan = x.copy()
    x_nan[70, 0] = np.nan
    model = get_model(keras.optimizers.SGD(learning_rate=0.1))
    recorder = LearningRateRecorder()
    history = model.fit(
        x_nan,
        y,
        batch_size=32,
        epochs=4,
        shuffle=False,
        callbacks=[keras.callbacks.TerminateOnNaN(), recorder],
        verbose=0,
    )
    out["same_nan_history_keys"] = sorted(history.history)
    out["same_nan_epochs"] = len(history.history["loss"])
    out["same_nan_loss_is_nan"] = bool(np.isnan(history.history["loss"][-1]))
    out["same_nan_iterations"] = recorder.iterations
    out["same_nan_stop_training"] = bool(model.stop_training)
    return out
