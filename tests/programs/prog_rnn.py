"""Working with RNNs: LSTM/GRU/SimpleRNN shapes, states, Bidirectional, stateful."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    model = keras.Sequential()
    model.add(keras.Input(shape=(None,), dtype="int32"))
    model.add(layers.Embedding(input_dim=100, output_dim=8))
    model.add(layers.LSTM(16))
    model.add(layers.Dense(10))
    params = model.count_params()

    model2 = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(input_dim=100, output_dim=8),
            layers.GRU(16, return_sequences=True),
            layers.SimpleRNN(8),
            layers.Dense(10),
        ]
    )
    x = np.random.default_rng(0).integers(1, 100, size=(4, 7))
    seq_out = model2(x)

    lstm_layer = layers.LSTM(6, return_sequences=True, return_state=True)
    inputs = np.random.default_rng(1).normal(size=(2, 5, 3)).astype("float32")
    whole_seq, final_h, final_c = lstm_layer(inputs)

    bi = keras.Sequential(
        [
            keras.Input(shape=(5, 3)),
            layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
            layers.Bidirectional(layers.LSTM(4)),
            layers.Dense(2),
        ]
    )
    bi_out = bi(inputs)

    stateful = layers.LSTM(4, stateful=True)
    chunk = np.ones((2, 3, 3), dtype="float32")
    stateful(chunk)
    second = np.asarray(stateful(chunk))
    stateful.reset_states()
    after_reset = np.asarray(stateful(chunk))

    cell_rnn = layers.RNN(layers.LSTMCell(4))
    cell_out = cell_rnn(inputs)

    # Same weights under both libraries: copy a deterministic set and compare.
    lstm = layers.LSTM(3)
    lstm.build((None, 5, 3))
    rng = np.random.default_rng(2)
    lstm.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.5 for w in lstm.get_weights()]
    )
    return {
        "same_params": params,
        "same_seq_shape": tuple(seq_out.shape),
        "same_state_shapes": [tuple(t.shape) for t in (whole_seq, final_h, final_c)],
        "same_bi_params": bi.count_params(),
        "same_bi_shape": tuple(bi_out.shape),
        "same_reset_differs": bool(not np.allclose(second, after_reset)),
        "same_cell_shape": tuple(cell_out.shape),
        "close_lstm": np.asarray(lstm(inputs)),
    }
