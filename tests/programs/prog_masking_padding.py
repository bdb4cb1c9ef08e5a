"""Masking and padding: pad_sequences, mask_zero, Masking, mask propagation."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    raw_inputs = [
        [711, 632, 71],
        [73, 8, 3215, 55, 927],
        [83, 91, 1, 645, 1253, 927],
    ]
    padded = keras.utils.pad_sequences(raw_inputs, padding="post")
    padded_pre = keras.utils.pad_sequences(raw_inputs, maxlen=4, truncating="post")
    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(padded)
    unmasked_embedding = (
        np.random.default_rng(0).normal(size=(3, 3, 4)).astype("float32")
    )
    unmasked_embedding[0, 2] = 0.0
    masking_layer = layers.Masking()
    masked_embedding = masking_layer(unmasked_embedding)

    class MyLayer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(
                input_dim=5000, output_dim=16, mask_zero=True
            )
            self.lstm = layers.LSTM(32)

        def call(self, inputs):
            x = self.embedding(inputs)
            mask = self.embedding.compute_mask(inputs)
            return self.lstm(x, mask=mask)

    out = MyLayer()(padded)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=100, output_dim=4, mask_zero=True)(inputs)
    outputs = layers.LSTM(3)(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(1)
    model.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.4 for w in model.get_weights()]
    )
    short = np.array([[5, 7, 0, 0]])
    shorter = np.array([[5, 7]])
    np.testing.assert_allclose(
        model.predict(short, verbose=0),
        model.predict(shorter, verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )
    return {
        "same_padded": padded.tolist(),
        "same_padded_pre": padded_pre.tolist(),
        "same_mask": np.asarray(masked_output._keras_mask).tolist(),
        "same_masking_mask": np.asarray(masked_embedding._keras_mask).tolist(),
        "same_out_shape": tuple(out.shape),
        "close_masked_pred": model.predict(short, verbose=0),
    }
