"""Built-in callbacks: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger."""

import csv
import os

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential(
        [keras.Input((5,)), layers.Dense(8, activation="relu"), layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
    csv_path = os.path.join(workdir, "log.csv")
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, min_delta=1e-3),
        keras.callbacks.ModelCheckpoint(
            filepath=os.path.join(workdir, "ckpt-{epoch:02d}.keras"),
            save_best_only=False,
        ),
        keras.callbacks.ModelCheckpoint(
            os.path.join(workdir, "w-{epoch:02d}.weights.h5"),
            save_weights_only=True,
        ),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1),
        keras.callbacks.CSVLogger(csv_path),
    ]
    history = model.fit(
        x,
        y,
        epochs=10,
        batch_size=50,
        validation_split=0.25,
        callbacks=callbacks,
        verbose=0,
    )
    # A learning rate of 0 never improves val_loss: stops after patience + 1 epochs.
    epochs_run = len(history.history["loss"])
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    files = sorted(os.listdir(workdir))
    restored = keras.saving.load_model(os.path.join(workdir, "ckpt-03.keras"))
    weights_model = keras.Sequential(
        [keras.Input((5,)), layers.Dense(8, activation="relu"), layers.Dense(1)]
    )
    weights_model.load_weights(os.path.join(workdir, "w-03.weights.h5"))
    np.testing.assert_allclose(
        weights_model.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5
    )
    return {
        "same_epochs_run": epochs_run,
        "same_history_keys": sorted(history.history),
        "same_csv_columns": sorted(rows[0]),
        "same_csv_rows": len(rows),
        "same_files": files,
        "close_lr": [float(v) for v in history.history["learning_rate"]],
        "same_restored_layers": len(restored.layers),
    }
