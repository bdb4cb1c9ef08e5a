"""A variational autoencoder: a sampling layer, add_loss terms, no compile loss."""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class VAE(keras.Model):
        def __init__(self, original_dim=16, latent_dim=2, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(16, activation="relu")
            self.dense_mean = layers.Dense(latent_dim)
            self.dense_log_var = layers.Dense(latent_dim)
            self.sampling = Sampling()
            self.decoder_hidden = layers.Dense(16, activation="relu")
            self.decoder_out = layers.Dense(original_dim, activation="sigmoid")

        def call(self, inputs):
            h = self.hidden(inputs)
            z_mean = self.dense_mean(h)
            z_log_var = self.dense_log_var(h)
            z = self.sampling((z_mean, z_log_var))
            reconstructed = self.decoder_out(self.decoder_hidden(z))
            kl_loss = -0.5 * ops.mean(
                z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1
            )
            self.add_loss(kl_loss)
            recon_loss = ops.mean(ops.square(inputs - reconstructed))
            self.add_loss(recon_loss)
            return reconstructed

    rng = np.random.default_rng(0)
    x = rng.random((256, 16)).astype("float32")
    vae = VAE()
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = vae.fit(x, epochs=4, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    out = vae.predict(x[:5], verbose=0)
    return {
        "same_keys": sorted(history.history),
        "same_out_shape": out.shape,
        "same_n_losses_after_call": len(vae.losses),
        "loss": history.history["loss"][-1],
    }
