"""A convolutional autoencoder on generated images; encoder and decoder as models."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:16, 0:16]
    centers = rng.integers(4, 12, size=(256, 2))
    images = np.exp(
        -((yy - centers[:, :1, None]) ** 2 + (xx - centers[:, 1:, None]) ** 2) / 8.0
    )
    images = images[..., None].astype("float32")

    encoder_input = keras.Input(shape=(16, 16, 1), name="img")
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(encoder_input)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(x)
    encoder_output = layers.MaxPooling2D(2)(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    x = layers.Conv2DTranspose(4, 3, strides=2, activation="relu", padding="same")(
        encoder_output
    )
    x = layers.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(x)
    decoder_output = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    autoencoder = keras.Model(encoder_input, decoder_output, name="autoencoder")
    autoencoder.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy"
    )
    history = autoencoder.fit(
        images, images, epochs=6, batch_size=32, shuffle=True, verbose=0
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    codes = encoder.predict(images[:4], verbose=0)
    recon = autoencoder.predict(images[:4], verbose=0)
    return {
        "same_code_shape": codes.shape,
        "same_recon_shape": recon.shape,
        "same_params": (encoder.count_params(), autoencoder.count_params()),
        "same_keys": sorted(history.history),
        "loss": history.history["loss"][-1],
    }
