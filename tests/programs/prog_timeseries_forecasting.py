"""Timeseries forecasting: timeseries_dataset_from_array feeding an LSTM."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    t = np.arange(600, dtype="float32")
    series = (np.sin(t / 10) + 0.05 * np.random.default_rng(0).normal(size=600)).astype(
        "float32"
    )
    features = np.stack([series, np.cos(t / 10)], axis=-1).astype("float32")
    sequence_length = 20
    targets = series[sequence_length:]
    dataset_train = keras.utils.timeseries_dataset_from_array(
        features[:400], targets[:400], sequence_length=sequence_length, batch_size=32
    )
    dataset_val = keras.utils.timeseries_dataset_from_array(
        features[400:-sequence_length],
        targets[400:],
        sequence_length=sequence_length,
        batch_size=32,
    )
    first_x, first_y = next(iter(dataset_train))
    np.testing.assert_allclose(
        np.asarray(first_x)[3], features[3 : 3 + sequence_length]
    )
    np.testing.assert_allclose(np.asarray(first_y)[3], targets[3])
    inputs = keras.layers.Input(shape=(sequence_length, 2))
    lstm_out = layers.LSTM(16)(inputs)
    outputs = layers.Dense(1)(lstm_out)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    history = model.fit(dataset_train, epochs=5, validation_data=dataset_val, verbose=0)
    assert history.history["val_loss"][-1] < 0.1, history.history
    return {
        "same_keys": sorted(history.history),
        "same_batch_shapes": (
            tuple(np.asarray(first_x).shape),
            tuple(np.asarray(first_y).shape),
        ),
        "same_n_batches": sum(1 for _ in dataset_train),
        "val_loss": history.history["val_loss"][-1],
    }
