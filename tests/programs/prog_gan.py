"""A GAN trained with a stateless JAX loop over two models and two optimizers."""

import numpy as np


def run(keras, workdir):
    import jax

    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    latent_dim = 4
    discriminator = keras.Sequential(
        [
            keras.Input((2,)),
            layers.Dense(16),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Dense(1),
        ],
        name="discriminator",
    )
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(16),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Dense(2),
        ],
        name="generator",
    )

    # The guide's stateless training of two models, written as a plain loop.
    d_opt = keras.optimizers.Adam(1e-3)
    g_opt = keras.optimizers.Adam(1e-3)
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    d_opt.build(discriminator.trainable_variables)
    g_opt.build(generator.trainable_variables)
    rng = np.random.default_rng(0)
    real = (rng.normal(size=(64, 2)) * 0.1 + np.array([2.0, -1.0])).astype("float32")

    def d_loss_fn(d_vars, g_vars, noise, real):
        fake, _ = generator.stateless_call(g_vars, [], noise)
        both = ops.concatenate([fake, real], axis=0)
        labels = ops.concatenate([ops.ones((64, 1)), ops.zeros((64, 1))], axis=0)
        logits, _ = discriminator.stateless_call(d_vars, [], both)
        return loss_fn(labels, logits)

    def g_loss_fn(g_vars, d_vars, noise):
        fake, _ = generator.stateless_call(g_vars, [], noise)
        logits, _ = discriminator.stateless_call(d_vars, [], fake)
        return loss_fn(ops.zeros((64, 1)), logits)

    @jax.jit
    def step(d_vars, g_vars, d_state, g_state, noise, real):
        d_loss, d_grads = jax.value_and_grad(d_loss_fn)(d_vars, g_vars, noise, real)
        d_vars, d_state = d_opt.stateless_apply(d_state, d_grads, d_vars)
        g_loss, g_grads = jax.value_and_grad(g_loss_fn)(g_vars, d_vars, noise)
        g_vars, g_state = g_opt.stateless_apply(g_state, g_grads, g_vars)
        return d_vars, g_vars, d_state, g_state, d_loss, g_loss

    d_vars = [v.value for v in discriminator.trainable_variables]
    g_vars = [v.value for v in generator.trainable_variables]
    d_state = [v.value for v in d_opt.variables]
    g_state = [v.value for v in g_opt.variables]
    d_losses = []
    for _ in range(30):
        noise = rng.normal(size=(64, latent_dim)).astype("float32")
        d_vars, g_vars, d_state, g_state, d_loss, g_loss = step(
            d_vars, g_vars, d_state, g_state, noise, real
        )
        d_losses.append(float(d_loss))
    for variable, value in zip(generator.trainable_variables, g_vars):
        variable.assign(value)
    samples = generator.predict(
        rng.normal(size=(8, latent_dim)).astype("float32"), verbose=0
    )

    assert np.all(np.isfinite(d_losses))
    return {
        "same_sample_shape": samples.shape,
        "same_d_vars": len(d_vars),
        "same_params": (discriminator.count_params(), generator.count_params()),
    }
