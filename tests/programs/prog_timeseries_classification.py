"""Timeseries classification from scratch: a Conv1D network on generated signals."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n, length = 240, 64
    t = np.linspace(0, 1, length)
    labels = rng.integers(0, 2, size=n)
    freq = np.where(labels == 1, 8.0, 3.0)[:, None]
    x = np.sin(2 * np.pi * freq * t[None, :]) + 0.3 * rng.normal(size=(n, length))
    x = x[..., None].astype("float32")

    input_layer = keras.Input(shape=(length, 1))
    conv1 = layers.Conv1D(filters=8, kernel_size=3, padding="same")(input_layer)
    conv1 = layers.BatchNormalization()(conv1)
    conv1 = layers.ReLU()(conv1)
    conv2 = layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv1)
    conv2 = layers.BatchNormalization()(conv2)
    conv2 = layers.ReLU()(conv2)
    gap = layers.GlobalAveragePooling1D()(conv2)
    output_layer = layers.Dense(2, activation="softmax")(gap)
    model = keras.Model(inputs=input_layer, outputs=output_layer)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=3, min_lr=0.0001
        ),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=10),
    ]
    history = model.fit(
        x[:200],
        labels[:200],
        batch_size=32,
        epochs=10,
        callbacks=callbacks,
        validation_split=0.2,
        verbose=0,
    )
    acc = model.evaluate(x[200:], labels[200:], verbose=0)[1]
    assert acc > 0.8, acc
    return {
        "same_keys": sorted(history.history),
        "same_params": model.count_params(),
        "same_layers": [type(layer).__name__ for layer in model.layers],
        "accuracy": acc,
    }
