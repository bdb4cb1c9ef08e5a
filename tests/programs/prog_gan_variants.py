"""GAN variants from keras.io beyond the basic DCGAN: WGAN-GP and a conditional GAN.

In the style of keras.io's "WGAN-GP overriding `Model.train_step`" and
"Conditional GAN" examples, written for Keras 3 on the JAX backend, where
`train_step(self, state, data)` is stateless:

WGAN-GP: a `keras.Model` subclass holding a critic and a generator, overriding
`compile(d_optimizer, g_optimizer, d_loss_fn, g_loss_fn)` (which builds the two
optimizers and calls `super().compile(jit_compile=False)`), and a train step that
runs two `jax.jit`-compiled pure functions: several critic steps per generator
step, each with a gradient penalty taken from a nested `jax.grad` of the critic
with respect to interpolated images, the two optimizers applied with
`stateless_apply` and their variables written back. The generator uses
Dense + BatchNormalization(momentum=...) + LeakyReLU + UpSampling2D + Conv2D +
Cropping2D, the critic ZeroPadding2D + strided Conv2D, kernels from a custom
numpy-backed `Initializer` (so loading the `.keras` file needs custom_objects).
A `GANMonitor` callback samples images every epoch with `keras.random.normal`
and a `SeedGenerator` and saves them with `keras.utils.array_to_img`.

Conditional GAN: one-hot labels from `keras.utils.to_categorical` concatenated to
the noise and (as channels) to the images, a Conv2DTranspose generator,
`keras.metrics.Mean` trackers exposed through the `metrics` property (reset each
epoch by fit), a jitted pure step (`jax.value_and_grad`, metric
`stateless_update_state`) called from `train_step`, class interpolation, an
`Embedding`-conditioned generator input, and the generators saved as `.keras`
and `.weights.h5` and reloaded.

All kernels come from numpy seeds and the noise (and the penalty's
interpolation weights) come with the data, so both libraries compute the same
losses.
"""

import itertools
import json

import numpy as np


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _seed_weights(model, seed):
    """Sets every weight of `model` from a numpy rng, by the weight's role."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        name = weight.name
        if name == "gamma":
            value = 1.0 + 0.1 * rng.normal(size=shape)
        elif name in ("beta", "bias"):
            value = 0.05 * rng.normal(size=shape)
        elif name == "moving_mean":
            value = np.zeros(shape)
        elif name == "moving_variance":
            value = np.ones(shape)
        elif name == "embeddings":
            value = rng.normal(size=shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            value = rng.normal(size=shape) / np.sqrt(fan_in)
        values.append(value.astype("float32"))
    model.set_weights(values)


def _seeded_normal(keras):
    class SeededNormal(keras.initializers.Initializer):
        """A numpy-backed normal initializer: deterministic, and it spares the
        compilation of a JAX random kernel for each weight shape."""

        def __init__(self, seed=0, scale=1.0):
            self.seed = seed
            self.scale = scale

        def __call__(self, shape, dtype=None):
            rng = np.random.default_rng(self.seed)
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            value = self.scale * rng.normal(size=shape) / np.sqrt(fan_in)
            return value.astype(dtype or "float32")

        def get_config(self):
            return {"seed": self.seed, "scale": self.scale}

    return SeededNormal


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error type is the result
        return type(e).__name__
    return None


def _indices(subset, variables):
    position = {id(v): i for i, v in enumerate(variables)}
    return [position[id(v)] for v in subset]


def _wgan_gp(keras, workdir, jax):
    layers, ops = keras.layers, keras.ops
    SeededNormal = _seeded_normal(keras)
    seeds = itertools.count(100)

    img_shape = (6, 6, 1)
    noise_dim = 8
    batch_size = 16
    num_images = 64
    d_steps = 2
    epochs = 2

    # Small "images" in [-1, 1], as keras.io normalizes Fashion-MNIST.
    rng = np.random.default_rng(20)
    yy, xx = np.mgrid[0:6, 0:6].astype("float32")
    cy, cx = rng.uniform(1.5, 3.5, (2, num_images, 1, 1))
    blobs = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 2.0)
    train_images = (blobs * 2.0 - 1.0)[..., None].astype("float32")

    def conv_block(
        x,
        filters,
        activation,
        kernel_size=(3, 3),
        strides=(1, 1),
        padding="same",
        use_bias=True,
        use_bn=False,
    ):
        x = layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            use_bias=use_bias,
            kernel_initializer=SeededNormal(next(seeds)),
        )(x)
        if use_bn:
            x = layers.BatchNormalization(momentum=0.8)(x)
        x = activation(x)
        return x

    def get_discriminator_model():
        img_input = layers.Input(shape=img_shape)
        # Zero pad the input to make the input images size to (8, 8, 1).
        x = layers.ZeroPadding2D((1, 1))(img_input)
        x = conv_block(
            x, 8, kernel_size=(3, 3), strides=(2, 2), activation=layers.LeakyReLU(0.2)
        )
        x = conv_block(
            x, 16, kernel_size=(3, 3), strides=(2, 2), activation=layers.LeakyReLU(0.2)
        )
        x = layers.Flatten()(x)
        x = layers.Dense(1, kernel_initializer=SeededNormal(next(seeds)))(x)
        return keras.models.Model(img_input, x, name="discriminator")

    def upsample_block(
        x,
        filters,
        activation,
        kernel_size=(3, 3),
        strides=(1, 1),
        up_size=(2, 2),
        padding="same",
        use_bn=False,
        use_bias=True,
    ):
        x = layers.UpSampling2D(up_size)(x)
        x = layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            use_bias=use_bias,
            kernel_initializer=SeededNormal(next(seeds)),
        )(x)
        if use_bn:
            x = layers.BatchNormalization(momentum=0.9)(x)
        if activation:
            x = activation(x)
        return x

    def get_generator_model():
        noise = layers.Input(shape=(noise_dim,))
        x = layers.Dense(
            2 * 2 * 16, use_bias=False, kernel_initializer=SeededNormal(next(seeds))
        )(noise)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Reshape((2, 2, 16))(x)
        x = upsample_block(
            x, 8, layers.LeakyReLU(0.2), use_bias=False, use_bn=True, padding="same"
        )
        x = upsample_block(x, 1, layers.Activation("tanh"), use_bias=False, use_bn=True)
        # Crop the image back to (6, 6, 1).
        x = layers.Cropping2D((1, 1))(x)
        return keras.models.Model(noise, x, name="generator")

    d_model = get_discriminator_model()
    g_model = get_generator_model()
    _seed_weights(d_model, 1)
    _seed_weights(g_model, 2)

    class WGAN(keras.Model):
        def __init__(
            self,
            discriminator,
            generator,
            latent_dim,
            discriminator_extra_steps=3,
            gp_weight=10.0,
        ):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.d_steps = discriminator_extra_steps
            self.gp_weight = gp_weight
            # No call() needed: the sub-models are built, so is this model.
            self.built = True

        def compile(self, d_optimizer, g_optimizer, d_loss_fn, g_loss_fn):
            # The step applies the two optimizers itself (and writes their
            # variables back), so the outer step runs without jit; the pure
            # part is compiled with jax.jit below.
            super().compile(jit_compile=False)
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.d_loss_fn = d_loss_fn
            self.g_loss_fn = g_loss_fn
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.g_optimizer.build(self.generator.trainable_variables)
            self._critic_step = jax.jit(self.critic_step)
            self._generator_step = jax.jit(self.generator_step)

        def gradient_penalty(self, d_vars, d_state, real_images, fake_images, alpha):
            """Calculates the gradient penalty on interpolated images."""
            # Get the interpolated image
            diff = fake_images - real_images
            interpolated = real_images + alpha * diff

            def critic_sum(images):
                # 1. Get the discriminator output for this interpolated image.
                pred, _ = self.discriminator.stateless_call(
                    d_vars, d_state, images, training=True
                )
                return ops.sum(pred)

            # 2. Calculate the gradients w.r.t to this interpolated image.
            grads = jax.grad(critic_sum)(interpolated)
            # 3. Calculate the norm of the gradients.
            norm = ops.sqrt(ops.sum(ops.square(grads), axis=[1, 2, 3]))
            gp = ops.mean((norm - 1.0) ** 2)
            return gp

        def critic_loss(self, d_vars, d_state, g_vars, g_state, real, noise, alpha):
            # Generate fake images from the latent vector
            fake_images, g_state = self.generator.stateless_call(
                g_vars, g_state, noise, training=True
            )
            # Get the logits for the fake images
            fake_logits, d_state = self.discriminator.stateless_call(
                d_vars, d_state, fake_images, training=True
            )
            # Get the logits for the real images
            real_logits, d_state = self.discriminator.stateless_call(
                d_vars, d_state, real, training=True
            )
            # Calculate the discriminator loss using the fake and real logits
            d_cost = self.d_loss_fn(real_img=real_logits, fake_img=fake_logits)
            gp = self.gradient_penalty(d_vars, d_state, real, fake_images, alpha)
            # Add the gradient penalty to the original discriminator loss
            d_loss = d_cost + gp * self.gp_weight
            return d_loss, (gp, d_state, g_state)

        def generator_loss(self, g_vars, g_state, d_vars, d_state, noise):
            generated_images, g_state = self.generator.stateless_call(
                g_vars, g_state, noise, training=True
            )
            gen_img_logits, _ = self.discriminator.stateless_call(
                d_vars, d_state, generated_images, training=True
            )
            g_loss = self.g_loss_fn(gen_img_logits)
            return g_loss, g_state

        def critic_step(self, d_vars, d_state, g_vars, g_state, d_opt, real, z, a):
            critic_grad = jax.value_and_grad(self.critic_loss, has_aux=True)
            (d_loss, (gp, d_state, g_state)), grads = critic_grad(
                d_vars, d_state, g_vars, g_state, real, z, a
            )
            d_vars, d_opt = self.d_optimizer.stateless_apply(d_opt, grads, d_vars)
            return (d_loss, gp), (d_vars, d_state, g_state, d_opt)

        def generator_step(self, g_vars, g_state, d_vars, d_state, g_opt, z):
            generator_grad = jax.value_and_grad(self.generator_loss, has_aux=True)
            (g_loss, g_state), grads = generator_grad(
                g_vars, g_state, d_vars, d_state, z
            )
            g_vars, g_opt = self.g_optimizer.stateless_apply(g_opt, grads, g_vars)
            return g_loss, (g_vars, g_state, g_opt)

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            trainable, non_trainable = list(trainable), list(non_trainable)
            real_images, noise, alpha = data["images"], data["noise"], data["alpha"]
            slots = [
                _indices(
                    self.discriminator.trainable_variables, self.trainable_variables
                ),
                _indices(
                    self.discriminator.non_trainable_variables,
                    self.non_trainable_variables,
                ),
                _indices(self.generator.trainable_variables, self.trainable_variables),
                _indices(
                    self.generator.non_trainable_variables, self.non_trainable_variables
                ),
            ]
            sources = [trainable, non_trainable, trainable, non_trainable]
            values = [[src[i] for i in idx] for src, idx in zip(sources, slots)]
            d_opt = [v.value for v in self.d_optimizer.variables]
            g_opt = [v.value for v in self.g_optimizer.variables]
            d_vars, d_state, g_vars, g_state = values
            # Train the critic `d_steps` times for one generator step.
            for i in range(self.d_steps):
                (d_loss, gp), (d_vars, d_state, g_state, d_opt) = self._critic_step(
                    d_vars,
                    d_state,
                    g_vars,
                    g_state,
                    d_opt,
                    real_images,
                    noise[:, i],
                    alpha[:, i],
                )
            g_loss, (g_vars, g_state, g_opt) = self._generator_step(
                g_vars, g_state, d_vars, d_state, g_opt, noise[:, -1]
            )
            logs = {"d_loss": d_loss, "g_loss": g_loss, "gp": gp}
            new = (d_vars, d_state, g_vars, g_state, d_opt, g_opt)
            for src, idx, new_values in zip(sources, slots, new[:4]):
                for i, value in zip(idx, new_values):
                    src[i] = value
            for variable, value in zip(self.d_optimizer.variables, new[4]):
                variable.assign(value)
            for variable, value in zip(self.g_optimizer.variables, new[5]):
                variable.assign(value)
            return logs, (
                trainable,
                non_trainable,
                optimizer_variables,
                metrics_variables,
            )

    fixed_noise = np.random.default_rng(5).normal(size=(3, noise_dim)).astype("float32")
    saved_pngs = []

    class GANMonitor(keras.callbacks.Callback):
        def __init__(self, num_img=6, latent_dim=128):
            super().__init__()
            self.num_img = num_img
            self.latent_dim = latent_dim
            self.seed_generator = keras.random.SeedGenerator(42)
            self.sampled = []
            self.fixed = []

        def on_epoch_end(self, epoch, logs=None):
            random_latent_vectors = keras.random.normal(
                shape=(self.num_img, self.latent_dim), seed=self.seed_generator
            )
            generated_images = self.model.generator(random_latent_vectors)
            generated_images = (generated_images * 127.5) + 127.5
            self.sampled.append(ops.convert_to_numpy(random_latent_vectors))
            for i in range(self.num_img):
                img = ops.convert_to_numpy(generated_images[i])
                img = keras.utils.array_to_img(img)
                name = f"generated_img_{i}_{epoch}.png"
                img.save(workdir / name)
                saved_pngs.append((name, img.size, img.mode))
            fixed = self.model.generator.predict(fixed_noise, verbose=0)
            self.fixed.append(fixed)

    # Define the loss functions for the discriminator, which should be
    # (fake_loss - real_loss); we will add the gradient penalty later.
    def discriminator_loss(real_img, fake_img):
        real_loss = ops.mean(real_img)
        fake_loss = ops.mean(fake_img)
        return fake_loss - real_loss

    # Define the loss functions for the generator.
    def generator_loss(fake_img):
        return -ops.mean(fake_img)

    wgan = WGAN(
        discriminator=d_model,
        generator=g_model,
        latent_dim=noise_dim,
        discriminator_extra_steps=d_steps,
    )
    fit_before_compile = _error(
        lambda: wgan.fit({"images": train_images}, epochs=1, verbose=0)
    )
    generator_optimizer = keras.optimizers.Adam(
        learning_rate=0.002, beta_1=0.5, beta_2=0.9
    )
    discriminator_optimizer = keras.optimizers.Adam(
        learning_rate=0.002, beta_1=0.5, beta_2=0.9
    )
    wgan.compile(
        d_optimizer=discriminator_optimizer,
        g_optimizer=generator_optimizer,
        g_loss_fn=generator_loss,
        d_loss_fn=discriminator_loss,
    )

    data_rng = np.random.default_rng(30)
    data = {
        "images": train_images,
        "noise": data_rng.normal(size=(num_images, d_steps + 1, noise_dim)).astype(
            "float32"
        ),
        "alpha": data_rng.uniform(size=(num_images, d_steps, 1, 1, 1)).astype(
            "float32"
        ),
    }
    before = g_model.predict(fixed_noise, verbose=0)
    cbk = GANMonitor(num_img=3, latent_dim=noise_dim)
    history = wgan.fit(
        data,
        batch_size=batch_size,
        epochs=epochs,
        callbacks=[cbk],
        shuffle=False,
        verbose=0,
    )
    after = g_model.predict(fixed_noise, verbose=0)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(cbk.fixed[-1], after, rtol=1e-6, atol=1e-6)
    steps = epochs * (num_images // batch_size)
    assert int(discriminator_optimizer.iterations) == steps * d_steps
    assert int(generator_optimizer.iterations) == steps

    bn = g_model.layers[2]
    moving_mean = np.asarray(bn.moving_mean)
    assert np.any(moving_mean != 0.0)  # training=True updated the statistics

    # Save the generator and reload it.
    keras_path = workdir / "wgan_generator.keras"
    weights_path = workdir / "wgan_generator.weights.h5"
    g_model.save(keras_path)
    g_model.save_weights(weights_path)
    missing_custom_object = _error(lambda: keras.models.load_model(keras_path))
    reloaded = keras.models.load_model(
        keras_path, custom_objects={"SeededNormal": SeededNormal}
    )
    np.testing.assert_allclose(
        reloaded.predict(fixed_noise, verbose=0), after, rtol=1e-6, atol=1e-6
    )
    fresh = get_generator_model()
    fresh.load_weights(weights_path)
    np.testing.assert_allclose(
        fresh.predict(fixed_noise, verbose=0), after, rtol=1e-6, atol=1e-6
    )
    critic_weights = workdir / "wgan_critic.weights.h5"
    d_model.save_weights(critic_weights)
    wrong_file_error = _error(lambda: fresh.load_weights(critic_weights))

    bn_configs = [
        {k: layer.get_config()[k] for k in ("momentum", "epsilon", "axis")}
        for layer in g_model.layers
        if isinstance(layer, layers.BatchNormalization)
    ]
    return {
        "same_wgan_history_keys": sorted(history.history),
        "close_wgan_d_loss": history.history["d_loss"],
        "close_wgan_g_loss": history.history["g_loss"],
        "close_wgan_gp": history.history["gp"],
        "close_wgan_fixed_samples": [f.ravel()[:12] for f in cbk.fixed],
        "close_wgan_after": after.ravel()[:24],
        "close_wgan_moving_mean": moving_mean,
        "close_wgan_critic_kernel": np.asarray(d_model.layers[-1].kernel).ravel(),
        "same_wgan_iterations": [
            int(discriminator_optimizer.iterations),
            int(generator_optimizer.iterations),
        ],
        "same_wgan_sampled_shapes": [s.shape for s in cbk.sampled],
        "same_wgan_pngs": saved_pngs,
        "same_wgan_fit_before_compile": fit_before_compile,
        "same_wgan_wrong_weights_file": wrong_file_error,
        # A bad file is a ValueError in kerasish (Keras: TypeError).
        "wgan_missing_custom_object": missing_custom_object,
        "same_wgan_initializer_config": reloaded.layers[1].get_config()[
            "kernel_initializer"
        ],
        "same_wgan_generator_summary": _summary(g_model),
        "same_wgan_critic_summary": _summary(d_model),
        "same_wgan_params": [
            g_model.count_params(),
            d_model.count_params(),
            len(wgan.trainable_variables),
            len(wgan.non_trainable_variables),
        ],
        "same_wgan_generator_weight_paths": [w.path for w in g_model.weights],
        "same_wgan_bn_configs": bn_configs,
        "same_wgan_output_shape": tuple(after.shape),
        # Keras keeps the reloaded inner build_config as JSON lists; kerasish tuples.
        "wgan_reloaded_config": reloaded.get_config() == g_model.get_config(),
        "same_wgan_reloaded_config_json": json.dumps(reloaded.get_config())
        == json.dumps(g_model.get_config()),
        "wgan_sampled_noise_mean": [float(s.mean()) for s in cbk.sampled],
    }


def _conditional_gan(keras, workdir, jax):
    layers, ops = keras.layers, keras.ops

    batch_size = 16
    num_channels = 1
    num_classes = 3
    image_size = 8
    latent_dim = 6
    num_images = 48
    epochs = 2

    # Three classes of 8x8 pictures: horizontal, vertical and diagonal bars.
    rng = np.random.default_rng(40)
    all_labels = np.arange(num_images) % num_classes
    positions = rng.integers(1, 7, num_images)
    all_digits = np.zeros((num_images, image_size, image_size), "float32")
    for i, (label, pos) in enumerate(zip(all_labels, positions)):
        if label == 0:
            all_digits[i, pos, :] = 1.0
        elif label == 1:
            all_digits[i, :, pos] = 1.0
        else:
            np.fill_diagonal(all_digits[i], 1.0)
    all_digits += 0.1 * rng.uniform(size=all_digits.shape).astype("float32")
    all_digits = np.clip(all_digits, 0.0, 1.0).reshape(-1, image_size, image_size, 1)
    all_labels = keras.utils.to_categorical(all_labels, num_classes)

    SeededNormal = _seeded_normal(keras)
    seeds = itertools.count(200)

    def init():
        return SeededNormal(seed=next(seeds), scale=1.2)

    generator_in_channels = latent_dim + num_classes
    discriminator_in_channels = num_channels + num_classes

    # Create the discriminator.
    discriminator = keras.Sequential(
        [
            keras.layers.InputLayer((8, 8, discriminator_in_channels)),
            layers.Conv2D(
                8, (3, 3), strides=(2, 2), padding="same", kernel_initializer=init()
            ),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(
                16, (3, 3), strides=(2, 2), padding="same", kernel_initializer=init()
            ),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1, kernel_initializer=init()),
        ],
        name="discriminator",
    )

    # Create the generator.
    def make_generator():
        return keras.Sequential(
            [
                keras.layers.InputLayer((generator_in_channels,)),
                # We want to generate 9 + num_classes coefficients to reshape
                # into a 2x2x(9 + num_classes) map.
                layers.Dense(2 * 2 * generator_in_channels, kernel_initializer=init()),
                layers.LeakyReLU(negative_slope=0.2),
                layers.Reshape((2, 2, generator_in_channels)),
                layers.Conv2DTranspose(
                    8, (4, 4), strides=(2, 2), padding="same", kernel_initializer=init()
                ),
                layers.BatchNormalization(momentum=0.8),
                layers.LeakyReLU(negative_slope=0.2),
                layers.Conv2DTranspose(
                    8, (4, 4), strides=(2, 2), padding="same", kernel_initializer=init()
                ),
                layers.LeakyReLU(negative_slope=0.2),
                layers.Conv2D(
                    1,
                    (3, 3),
                    padding="same",
                    activation="sigmoid",
                    kernel_initializer=init(),
                ),
            ],
            name="generator",
        )

    # The weights come from the seeded initializer alone here.
    generator = make_generator()

    def image_labels(one_hot_labels):
        # Add dummy dimensions so the labels can be concatenated with the
        # images: (batch, classes) -> (batch, 8, 8, classes).
        image_one_hot_labels = one_hot_labels[:, None, None, :]
        image_one_hot_labels = ops.repeat(image_one_hot_labels, image_size, axis=1)
        return ops.repeat(image_one_hot_labels, image_size, axis=2)

    class ConditionalGAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.gen_loss_tracker = keras.metrics.Mean(name="generator_loss")
            self.disc_loss_tracker = keras.metrics.Mean(name="discriminator_loss")
            self.built = True

        @property
        def metrics(self):
            return [self.gen_loss_tracker, self.disc_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile(jit_compile=False)
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.g_optimizer.build(self.generator.trainable_variables)
            self._gan_step = jax.jit(self.gan_step)

        def gan_step(
            self, d_vars, g_vars, g_state, d_opt, g_opt, metrics_variables, data
        ):
            """One discriminator and one generator step, as a pure function."""
            # Unpack the data.
            (real_images, noise), one_hot_labels = data
            image_one_hot_labels = image_labels(one_hot_labels)

            # Sample points in the latent space and concatenate the labels.
            random_vector_labels = ops.concatenate(
                [noise[:, 0], one_hot_labels], axis=1
            )
            # Decode the noise (guided by labels) to fake images.
            generated_images, g_state = self.generator.stateless_call(
                g_vars, g_state, random_vector_labels, training=True
            )
            # Combine them with real images. Note that we are concatenating the
            # labels with these images here.
            fake_image_and_labels = ops.concatenate(
                [generated_images, image_one_hot_labels], -1
            )
            real_image_and_labels = ops.concatenate(
                [real_images, image_one_hot_labels], -1
            )
            combined_images = ops.concatenate(
                [fake_image_and_labels, real_image_and_labels], axis=0
            )
            # Assemble labels discriminating real from fake images.
            batch = ops.shape(real_images)[0]
            labels = ops.concatenate(
                [ops.ones((batch, 1)), ops.zeros((batch, 1))], axis=0
            )

            def d_loss_fn(d_vars):
                predictions, _ = self.discriminator.stateless_call(
                    d_vars, [], combined_images, training=True
                )
                return self.loss_fn(labels, predictions)

            # Train the discriminator.
            d_loss, grads = jax.value_and_grad(d_loss_fn)(d_vars)
            d_vars, d_opt = self.d_optimizer.stateless_apply(d_opt, grads, d_vars)

            # Sample new points in the latent space; "all real images" labels.
            random_vector_labels = ops.concatenate(
                [noise[:, 1], one_hot_labels], axis=1
            )
            misleading_labels = ops.zeros((batch, 1))

            def g_loss_fn(g_vars, g_state):
                fake_images, g_state = self.generator.stateless_call(
                    g_vars, g_state, random_vector_labels, training=True
                )
                fake_image_and_labels = ops.concatenate(
                    [fake_images, image_one_hot_labels], -1
                )
                predictions, _ = self.discriminator.stateless_call(
                    d_vars, [], fake_image_and_labels, training=True
                )
                return self.loss_fn(misleading_labels, predictions), g_state

            # Train the generator (do not update the discriminator's weights).
            (g_loss, g_state), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(
                g_vars, g_state
            )
            g_vars, g_opt = self.g_optimizer.stateless_apply(g_opt, grads, g_vars)

            # Monitor the losses.
            new_metrics_variables = []
            start = 0
            for tracker, value in (
                (self.gen_loss_tracker, g_loss),
                (self.disc_loss_tracker, d_loss),
            ):
                end = start + len(tracker.variables)
                new_metrics_variables += tracker.stateless_update_state(
                    metrics_variables[start:end], value
                )
                start = end
            logs = {}
            start = 0
            for tracker in self.metrics:
                end = start + len(tracker.variables)
                logs[tracker.name] = tracker.stateless_result(
                    new_metrics_variables[start:end]
                )
                start = end
            return logs, (d_vars, g_vars, g_state, d_opt, g_opt, new_metrics_variables)

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            trainable, non_trainable = list(trainable), list(non_trainable)
            d_idx = _indices(
                self.discriminator.trainable_variables, self.trainable_variables
            )
            g_idx = _indices(
                self.generator.trainable_variables, self.trainable_variables
            )
            g_state_idx = _indices(
                self.generator.non_trainable_variables, self.non_trainable_variables
            )
            logs, new = self._gan_step(
                [trainable[i] for i in d_idx],
                [trainable[i] for i in g_idx],
                [non_trainable[i] for i in g_state_idx],
                [v.value for v in self.d_optimizer.variables],
                [v.value for v in self.g_optimizer.variables],
                list(metrics_variables),
                data,
            )
            d_vars, g_vars, g_state, d_opt, g_opt, metrics_variables = new
            for optimizer, values in (
                (self.d_optimizer, d_opt),
                (self.g_optimizer, g_opt),
            ):
                for variable, value in zip(optimizer.variables, values):
                    variable.assign(value)
            for idx, values in ((d_idx, d_vars), (g_idx, g_vars)):
                for i, value in zip(idx, values):
                    trainable[i] = value
            for i, value in zip(g_state_idx, g_state):
                non_trainable[i] = value
            state = (trainable, non_trainable, optimizer_variables, metrics_variables)
            return logs, state

    cond_gan = ConditionalGAN(
        discriminator=discriminator, generator=generator, latent_dim=latent_dim
    )
    cond_gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    noise = (
        np.random.default_rng(41)
        .normal(size=(num_images, 2, latent_dim))
        .astype("float32")
    )
    epoch_losses = []
    tracker_counts = []

    def record(epoch, logs):
        epoch_losses.append(dict(logs))
        # fit resets the trackers at each epoch start: count = batches so far.
        tracker_counts.append(float(cond_gan.gen_loss_tracker.count))

    history = cond_gan.fit(
        (all_digits, noise),
        all_labels,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=record)],
    )
    assert tracker_counts == [3.0, 3.0], tracker_counts
    cond_gan.reset_metrics()
    reset_result = float(cond_gan.gen_loss_tracker.result())

    # Interpolating between classes with the trained generator.
    trained_gen = cond_gan.generator
    num_interpolation = 5
    interpolation_noise = (
        np.random.default_rng(42).normal(size=(1, latent_dim)).astype("float32")
    )
    interpolation_noise = ops.repeat(interpolation_noise, repeats=num_interpolation)
    interpolation_noise = ops.reshape(
        interpolation_noise, (num_interpolation, latent_dim)
    )

    def interpolate_class(first_number, second_number):
        # Convert the start and end labels to one-hot encoded vectors.
        first_label = keras.utils.to_categorical([first_number], num_classes)
        second_label = keras.utils.to_categorical([second_number], num_classes)
        first_label = ops.cast(first_label, "float32")
        second_label = ops.cast(second_label, "float32")

        # Calculate the interpolation vector between the two labels.
        percent_second_label = ops.linspace(0, 1, num_interpolation)[:, None]
        percent_second_label = ops.cast(percent_second_label, "float32")
        interpolation_labels = (
            first_label * (1 - percent_second_label)
            + second_label * percent_second_label
        )

        # Combine the noise and the labels and run inference with the generator.
        noise_and_labels = ops.concatenate(
            [interpolation_noise, interpolation_labels], 1
        )
        fake = trained_gen.predict(noise_and_labels, verbose=0)
        return fake, ops.convert_to_numpy(interpolation_labels)

    fake_images, interpolation_labels = interpolate_class(0, 2)
    fake_images *= 255.0
    converted_images = fake_images.astype(np.uint8)
    assert converted_images.shape == (num_interpolation, image_size, image_size, 1)

    # keras.io's label expansion: a list of repeats fails on JAX; an int works.
    repeat_list_error = _error(
        lambda: ops.repeat(
            all_labels[:2][:, :, None, None], repeats=[image_size * image_size]
        )
    )
    keras_io_repeat = ops.repeat(
        all_labels[:2][:, :, None, None], repeats=image_size * image_size
    )
    keras_io_repeat = ops.reshape(
        keras_io_repeat, (-1, image_size, image_size, num_classes)
    )

    # Save and reload the generator.
    probe = ops.concatenate([ops.convert_to_tensor(noise[:4, 0]), all_labels[:4]], 1)
    expected = trained_gen.predict(probe, verbose=0)
    model_path = workdir / "cond_generator.keras"
    weights_path = workdir / "cond_generator.weights.h5"
    trained_gen.save(model_path)
    trained_gen.save_weights(weights_path)
    with keras.saving.custom_object_scope({"SeededNormal": SeededNormal}):
        reloaded = keras.saving.load_model(model_path)
    np.testing.assert_allclose(
        reloaded.predict(probe, verbose=0), expected, rtol=1e-6, atol=1e-6
    )
    fresh = make_generator()
    fresh.load_weights(weights_path)
    np.testing.assert_allclose(
        fresh(probe, training=False), expected, rtol=1e-6, atol=1e-6
    )

    # A generator input conditioned through an Embedding instead of one-hot.
    noise_in = keras.Input((latent_dim,), name="noise")
    label_in = keras.Input((1,), dtype="int32", name="label")
    label_embedding = layers.Embedding(num_classes, latent_dim, name="label_embedding")
    embedded = layers.Flatten()(label_embedding(label_in))
    joined = layers.Multiply()([noise_in, embedded])
    joined = layers.Concatenate()([joined, noise_in])
    conditioned = layers.Dense(2 * 2 * 4, name="project")(joined)
    conditioned = layers.Reshape((2, 2, 4))(conditioned)
    conditioned = layers.UpSampling2D(size=2, interpolation="bilinear")(conditioned)
    embed_model = keras.Model([noise_in, label_in], conditioned, name="embed_gen")
    _seed_weights(embed_model, 6)
    int_labels = np.array([[0], [1], [2], [1]], "int32")
    embed_out = embed_model.predict([noise[:4, 0], int_labels], verbose=0)
    embedding_config = label_embedding.get_config()

    gen_loss = history.history["generator_loss"]
    return {
        "same_cgan_history_keys": sorted(history.history),
        "close_cgan_generator_loss": gen_loss,
        "close_cgan_discriminator_loss": history.history["discriminator_loss"],
        "close_cgan_epoch_logs": [
            [float(logs["generator_loss"]), float(logs["discriminator_loss"])]
            for logs in epoch_losses
        ],
        "same_cgan_epoch_log_keys": [sorted(logs) for logs in epoch_losses],
        "same_cgan_tracker_counts": tracker_counts,
        "close_cgan_reset_result": reset_result,
        "same_cgan_metric_names": [m.name for m in cond_gan.metrics],
        "close_cgan_interpolation": [
            fake_images.reshape(num_interpolation, -1).mean(axis=1),
            fake_images.reshape(num_interpolation, -1).std(axis=1),
        ],
        "close_cgan_interpolation_labels": interpolation_labels,
        "same_cgan_uint8_dtype": str(converted_images.dtype),
        "same_cgan_repeat_list_error": repeat_list_error,
        "close_cgan_keras_io_repeat": ops.convert_to_numpy(keras_io_repeat)[:, 0, :2],
        "close_cgan_expected": expected.ravel()[:24],
        "close_cgan_bn_moving_variance": np.asarray(
            trained_gen.layers[4].moving_variance
        ),
        "same_cgan_labels": [str(all_labels.dtype), all_labels.shape],
        "same_cgan_generator_summary": _summary(trained_gen),
        "same_cgan_discriminator_summary": _summary(discriminator),
        "same_cgan_layer_names": [layer.name for layer in trained_gen.layers],
        "same_cgan_counts": [
            len(cond_gan.trainable_variables),
            len(cond_gan.non_trainable_variables),
            len(cond_gan.metrics_variables),
            trained_gen.count_params(),
        ],
        "same_cgan_reloaded_layers": [
            type(layer).__name__ for layer in reloaded.layers
        ],
        "same_cgan_conv_transpose_config": {
            k: trained_gen.layers[3].get_config()[k]
            for k in ("filters", "kernel_size", "strides", "padding")
        },
        "close_cgan_embed_out": embed_out.reshape(4, -1)[:, :8],
        "same_cgan_embedding_config": embedding_config,
        "same_cgan_embedding_config_part": {
            k: embedding_config[k]
            for k in (
                "input_dim",
                "output_dim",
                "mask_zero",
                "embeddings_initializer",
                "embeddings_regularizer",
            )
        },
        "same_cgan_embed_summary": _summary(embed_model),
        "cgan_final_generator_loss": gen_loss[-1],
    }


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)
    result = _wgan_gp(keras, workdir, jax)
    result.update(_conditional_gan(keras, workdir, jax))
    return result
