"""Fault tolerance with callbacks: BackupAndRestore, ModelCheckpoint, EarlyStopping.

As in the keras.io callbacks API docs: a job interrupted mid-training (here a
callback raises in epoch 2) restarts with the same `BackupAndRestore(backup_dir=...)`
and resumes from the last backup, ending with the weights of an uninterrupted run;
a backup every few batches (`save_freq=<int>`); per-epoch weight checkpoints and a
best-only checkpoint with `initial_value_threshold`; EarlyStopping with a baseline,
`start_from_epoch` and `min_delta`; reloading a checkpoint to evaluate it.
"""

import contextlib
import io
import json
import os

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(96, 6)).astype("float32")
    w = rng.normal(size=(6, 1)).astype("float32")
    y = (np.tanh(x @ w) + 0.3 * rng.normal(size=(96, 1))).astype("float32")
    x_val = rng.normal(size=(32, 6)).astype("float32")
    y_val = (np.tanh(x_val @ w) + 0.3 * rng.normal(size=(32, 1))).astype("float32")
    init = [
        rng.normal(scale=0.4, size=(6, 16)).astype("float32"),
        np.zeros(16, "float32"),
        rng.normal(scale=0.4, size=(16, 1)).astype("float32"),
        np.zeros(1, "float32"),
    ]
    workdir = str(workdir)

    def get_model(learning_rate=0.01, **compile_kwargs):
        model = keras.Sequential(
            [
                keras.Input(shape=(6,)),
                layers.Dense(16, activation="relu", name="hidden"),
                layers.Dense(1, name="out"),
            ],
            name="regressor",
        )
        model.set_weights(init)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
            loss="mse",
            metrics=["mae"],
            **compile_kwargs,
        )
        return model

    def flat(weights):
        return np.concatenate([np.ravel(w) for w in weights]).tolist()

    class InterruptingCallback(keras.callbacks.Callback):
        """Simulates a crash: raises at one batch of one epoch."""

        def __init__(self, epoch, batch):
            super().__init__()
            self.crash_epoch, self.crash_batch = epoch, batch
            self.epoch = None

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == self.crash_epoch and batch == self.crash_batch:
                raise RuntimeError("Interrupting!")

    class EpochRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_epoch_begin(self, epoch, logs=None):
            self.epochs.append(epoch)

    fit_kwargs = dict(batch_size=16, shuffle=False, verbose=0)
    result = {}

    # 1. The uninterrupted reference run.
    reference = get_model()
    ref_history = reference.fit(x, y, epochs=5, **fit_kwargs)
    ref_weights = reference.get_weights()

    # 2. The same run, with a backup each epoch, crashing in epoch 2.
    backup_dir = os.path.join(workdir, "backup")
    model = get_model()
    recorder = EpochRecorder()
    try:
        model.fit(
            x,
            y,
            epochs=5,
            callbacks=[
                keras.callbacks.BackupAndRestore(backup_dir=backup_dir),
                recorder,
                InterruptingCallback(epoch=2, batch=2),
            ],
            **fit_kwargs,
        )
        result["same_interrupted"] = False
    except RuntimeError as e:
        result["same_interrupted"] = str(e)
    result["same_interrupted_epochs"] = recorder.epochs
    result["same_backup_files"] = sorted(os.listdir(backup_dir))
    with open(os.path.join(backup_dir, "training_metadata.json")) as f:
        result["same_backup_metadata"] = json.load(f)

    # 3. The job restarts: a new model, the same callback, the same fit call.
    model = get_model()
    recorder = EpochRecorder()
    history = model.fit(
        x,
        y,
        epochs=5,
        callbacks=[keras.callbacks.BackupAndRestore(backup_dir=backup_dir), recorder],
        **fit_kwargs,
    )
    result["same_resumed_epochs"] = recorder.epochs
    result["same_resumed_history_epoch"] = list(history.epoch)
    result["same_resumed_history_keys"] = sorted(history.history)
    result["same_resumed_history_len"] = len(history.history["loss"])
    result["same_backup_dir_left"] = os.path.exists(backup_dir)
    result["close_resumed_loss"] = history.history["loss"]
    result["close_reference_loss"] = ref_history.history["loss"]
    result["close_resumed_weights"] = flat(model.get_weights())
    # Weights and optimizer state came back: the same weights as never stopping.
    for ours, ref in zip(model.get_weights(), ref_weights):
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        history.history["loss"], ref_history.history["loss"][2:], rtol=1e-5
    )
    # Keras keeps the restored epoch on the model: a later fit of the same
    # model starts there too (reported only).
    more = model.fit(x, y, epochs=4, **fit_kwargs)
    result["refit_after_resume_epochs"] = list(more.epoch)

    # 2b. double_checkpoint keeps the previous backup too; delete_checkpoint=False
    #     leaves the backup behind when training ends.
    kept_dir = os.path.join(workdir, "backup_kept")
    model = get_model()
    model.fit(
        x,
        y,
        epochs=2,
        callbacks=[
            keras.callbacks.BackupAndRestore(
                backup_dir=kept_dir, double_checkpoint=True, delete_checkpoint=False
            )
        ],
        **fit_kwargs,
    )
    result["same_kept_files"] = sorted(os.listdir(kept_dir))
    with open(os.path.join(kept_dir, "training_metadata.json")) as f:
        result["same_kept_metadata"] = json.load(f)
    with open(os.path.join(kept_dir, "training_metadata.json.bkp")) as f:
        result["same_kept_previous_metadata"] = json.load(f)
    # A finished backup makes the next fit with it start at its end: no epochs.
    model = get_model()
    history = model.fit(
        x,
        y,
        epochs=2,
        callbacks=[keras.callbacks.BackupAndRestore(backup_dir=kept_dir)],
        **fit_kwargs,
    )
    result["same_finished_backup_epochs"] = list(history.epoch)
    result["close_finished_backup_weights"] = flat(model.get_weights())

    # 4. A backup every 4 batches (6 batches an epoch), crashing mid-epoch 1:
    #    the resumed run restarts epoch 1 from the mid-epoch backup.
    steps_dir = os.path.join(workdir, "backup_steps")
    model = get_model(steps_per_execution=1)
    try:
        model.fit(
            x,
            y,
            epochs=4,
            callbacks=[
                keras.callbacks.BackupAndRestore(backup_dir=steps_dir, save_freq=4),
                InterruptingCallback(epoch=1, batch=3),
            ],
            **fit_kwargs,
        )
    except RuntimeError:
        pass
    with open(os.path.join(steps_dir, "training_metadata.json")) as f:
        result["same_steps_metadata"] = json.load(f)
    model = get_model(steps_per_execution=1)
    recorder = EpochRecorder()
    history = model.fit(
        x,
        y,
        epochs=4,
        callbacks=[
            keras.callbacks.BackupAndRestore(backup_dir=steps_dir, save_freq=4),
            recorder,
        ],
        **fit_kwargs,
    )
    result["same_steps_resumed_epochs"] = recorder.epochs
    result["same_steps_history_len"] = len(history.history["loss"])
    result["close_steps_loss"] = history.history["loss"]
    result["close_steps_weights"] = flat(model.get_weights())

    # 5. Checkpoints: weights every epoch, and the best val_loss below a threshold.
    model = get_model(learning_rate=0.1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        history = model.fit(
            x,
            y,
            epochs=6,
            validation_data=(x_val, y_val),
            callbacks=[
                keras.callbacks.ModelCheckpoint(
                    filepath=os.path.join(workdir, "ckpt_{epoch:02d}.weights.h5"),
                    save_weights_only=True,
                ),
                keras.callbacks.ModelCheckpoint(
                    filepath=os.path.join(workdir, "best_{epoch:02d}.weights.h5"),
                    monitor="val_loss",
                    save_best_only=True,
                    save_weights_only=True,
                    mode="min",
                    save_freq="epoch",
                    initial_value_threshold=0.5,
                    verbose=1,
                ),
            ],
            **fit_kwargs,
        )
    result["same_ckpt_printed"] = printed.getvalue().replace(workdir, "<workdir>")
    result["same_ckpt_history_keys"] = sorted(history.history)
    result["close_ckpt_val_loss"] = history.history["val_loss"]
    val_loss = history.history["val_loss"]
    best_epochs = []
    best = 0.5
    for epoch, value in enumerate(val_loss, start=1):
        if value < best:
            best = value
            best_epochs.append(epoch)
    result["same_best_epochs_expected"] = best_epochs

    restored = get_model(learning_rate=0.1)
    restored.load_weights(os.path.join(workdir, "ckpt_03.weights.h5"))
    loss3, mae3 = restored.evaluate(x_val, y_val, verbose=0)
    np.testing.assert_allclose(loss3, val_loss[2], rtol=1e-5)
    np.testing.assert_allclose(mae3, history.history["val_mae"][2], rtol=1e-5)
    result["close_ckpt03_eval"] = [loss3, mae3]
    best_name = f"best_{best_epochs[-1]:02d}.weights.h5"
    restored.load_weights(os.path.join(workdir, best_name))
    best_loss = restored.evaluate(x_val, y_val, verbose=0, return_dict=True)["loss"]
    np.testing.assert_allclose(best_loss, min(val_loss), rtol=1e-5)
    result["close_best_eval"] = best_loss

    # 6. EarlyStopping: watch from epoch 2, an improvement is 0.05 or more, and
    #    only beating the baseline resets patience.
    model = get_model()
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss",
        min_delta=0.05,
        patience=2,
        baseline=0.1,
        start_from_epoch=2,
        restore_best_weights=True,
        verbose=1,
    )
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        history = model.fit(
            x,
            y,
            epochs=8,
            validation_data=(x_val, y_val),
            callbacks=[stopper],
            **fit_kwargs,
        )
    result["same_es_printed"] = printed.getvalue()
    result["same_es_epochs_run"] = len(history.history["loss"])
    result["same_es_stopped_epoch"] = stopper.stopped_epoch
    result["same_es_best_epoch"] = stopper.best_epoch
    result["close_es_best"] = stopper.best
    result["close_es_val_loss"] = history.history["val_loss"]
    es_eval = model.evaluate(x_val, y_val, verbose=0)[0]
    np.testing.assert_allclose(
        es_eval, history.history["val_loss"][stopper.best_epoch], rtol=1e-5
    )
    result["close_es_restored_eval"] = es_eval

    result["same_files"] = sorted(os.listdir(workdir))
    return result
