"""Timeseries anomaly detection using an Autoencoder (keras.io) on a generated series.

A Conv1D / Conv1DTranspose autoencoder with Dropout learns windows of a periodic
signal normalized with the training mean and std; EarlyStopping(restore_best_weights)
on val_loss with validation_split; the maximum training reconstruction MAE is the
threshold, and the windows of a test series with an injected anomaly above it give
the anomalous data indices.
"""

import io
import math
from contextlib import redirect_stdout

import numpy as np

TIME_STEPS = 32


def make_series(n, seed, anomaly=None):
    """A periodic signal (period TIME_STEPS) with noise; `anomaly`=(start, stop)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = (
        20.0
        + 10.0 * np.sin(2 * np.pi * t / TIME_STEPS)
        + 3.0 * np.sin(6 * np.pi * t / TIME_STEPS)
        + 0.5 * rng.normal(size=n)
    )
    if anomaly is not None:
        values[anomaly[0] : anomaly[1]] += 25.0
    return values[:, None]  # one column, as df[["value"]].values


# Generated training sequences for use in the model.
def create_sequences(values, time_steps=TIME_STEPS):
    output = []
    for i in range(len(values) - time_steps + 1):
        output.append(values[i : (i + time_steps)])
    return np.stack(output)


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)

    df_small_noise = make_series(640, seed=1)
    anomaly = (300, 310)
    df_daily_jumpsup = make_series(640, seed=2, anomaly=anomaly)

    # Normalize and save the mean and std we get, for normalizing test data.
    training_mean = df_small_noise.mean()
    training_std = df_small_noise.std()
    df_training_value = (df_small_noise - training_mean) / training_std
    x_train = create_sequences(df_training_value).astype("float32")

    model = keras.Sequential(
        [
            layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
            layers.Conv1D(
                filters=16, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Dropout(rate=0.2),
            layers.Conv1D(
                filters=8, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Conv1DTranspose(
                filters=8, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Dropout(rate=0.2),
            layers.Conv1DTranspose(
                filters=16, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="mse")
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()

    # Weights from a numpy seed: the untrained reconstruction is the same in both.
    rng = np.random.default_rng(0)
    model.set_weights(
        [
            rng.normal(size=w.shape).astype("float32") * 0.2
            if w.ndim > 1
            else np.zeros_like(w)
            for w in model.get_weights()
        ]
    )
    untrained = model.predict(x_train[:8], verbose=0)
    untrained_loss = model.evaluate(x_train[:64], x_train[:64], verbose=0)

    epoch_weights = []
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=3, mode="min", restore_best_weights=True
    )
    history = model.fit(
        x_train,
        x_train,
        epochs=60,
        batch_size=64,
        validation_split=0.1,
        callbacks=[
            early_stopping,
            keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: epoch_weights.append(
                    model.get_weights()
                )
            ),
        ],
        verbose=0,
    )
    losses, val_losses = history.history["loss"], history.history["val_loss"]
    assert losses[-1] < losses[0], losses
    best_epoch = int(np.argmin(val_losses))
    assert early_stopping.best_epoch == best_epoch, (
        early_stopping.best_epoch,
        best_epoch,
    )
    np.testing.assert_allclose(early_stopping.best, min(val_losses), rtol=1e-6)

    # restore_best_weights: the model has the weights of the best val_loss epoch.
    for restored, best in zip(model.get_weights(), epoch_weights[best_epoch]):
        np.testing.assert_array_equal(restored, best)
    split_at = int(math.floor(len(x_train) * (1.0 - 0.1)))
    x_val = x_train[split_at:]
    val_eval = model.evaluate(x_val, x_val, batch_size=64, verbose=0)
    np.testing.assert_allclose(val_eval, min(val_losses), rtol=1e-4)

    # Get train MAE loss.
    x_train_pred = model.predict(x_train, verbose=0)
    train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)
    # Get reconstruction loss threshold.
    threshold = np.max(train_mae_loss)

    df_test_value = (df_daily_jumpsup - training_mean) / training_std
    x_test = create_sequences(df_test_value).astype("float32")
    # Get test MAE loss.
    x_test_pred = model.predict(x_test, verbose=0)
    test_mae_loss = np.mean(np.abs(x_test_pred - x_test), axis=1)
    test_mae_loss = test_mae_loss.reshape(-1)
    # Detect all the samples which are anomalies.
    anomalies = test_mae_loss > threshold

    # data i is an anomaly if samples [(i - timesteps + 1) to (i)] are anomalies
    anomalous_data_indices = []
    for data_idx in range(TIME_STEPS - 1, len(df_test_value) - TIME_STEPS + 1):
        if np.all(anomalies[data_idx - TIME_STEPS + 1 : data_idx]):
            anomalous_data_indices.append(data_idx)
    found = sorted(set(anomalous_data_indices) & set(range(*anomaly)))
    assert found, (anomalous_data_indices, np.sum(anomalies))
    # Nothing far from the injected anomaly is flagged.
    assert all(
        anomaly[0] - TIME_STEPS <= i < anomaly[1] + TIME_STEPS
        for i in anomalous_data_indices
    ), anomalous_data_indices

    return {
        "same_x_train_shape": x_train.shape,
        "same_x_test_shape": x_test.shape,
        "same_summary": buf.getvalue(),
        "same_params": model.count_params(),
        "same_layer_names": [layer.name for layer in model.layers],
        "same_layer_output_shapes": [
            tuple(layer.output.shape) for layer in model.layers
        ],
        "same_output_shape": tuple(model.output_shape),
        "same_history_keys": sorted(history.history),
        "same_pred_shape": x_test_pred.shape,
        "same_mae_shape": test_mae_loss.shape,
        "same_config": model.get_config(),
        "same_injected_anomaly_found": bool(found),
        "close_untrained": untrained,
        "close_untrained_loss": untrained_loss,
        "epochs_run": len(losses),
        "stopped_epoch": early_stopping.stopped_epoch,
        "best_epoch": best_epoch,
        "threshold": float(threshold),
        "n_anomalies": int(np.sum(anomalies)),
        "anomalous_data_indices": anomalous_data_indices,
    }
