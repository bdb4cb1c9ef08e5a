"""Generative models with JAX-style custom steps: Real NVP and a tiny DDIM.

In the style of keras.io's "Density estimation using Real NVP" and "Denoising
Diffusion Implicit Models" examples, written as Keras 3 code for the JAX backend:
`train_step(self, state, data)` / `test_step(self, state, data)` as in
"Customizing what happens in fit() with JAX" (`self.stateless_call`,
`jax.value_and_grad`, `optimizer.stateless_apply`, metric
`stateless_update_state`).

Real NVP: coupling sub-models (functional, two outputs) with alternating masks,
the log-determinant, a hand-written standard-normal log-likelihood plus the
kernel regularization losses from `stateless_call(..., return_losses=True)`,
`validation_split`, the training-by-default `call(x, training=True)` run
forwards (data -> latent) and, under `predict`, backwards.

DDIM: a `SinusoidalEmbedding` layer, a small residual U-Net (BatchNormalization,
AveragePooling2D, bilinear UpSampling2D, Concatenate, Add), an EMA copy made with
`clone_model` and updated inside the JAX train step, an adapted Normalization
layer, `Mean(name="n_loss")` / `Mean(name="i_loss")` trackers created in an
overridden `compile()`, a `PyDataset` that yields dicts, ModelCheckpoint on
`val_n_loss` and a LambdaCallback that generates images at each epoch end, then
`save_weights`/`load_weights` into a fresh model and generation from fixed noise.

The noise of the forward diffusion comes from the data (a seeded numpy rng), and
every kernel is set from a numpy seed, so both libraries compute the same numbers.
"""

import math

import numpy as np


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _make_moons(n, noise, rng):
    n_outer = n // 2
    t_outer = rng.uniform(0.0, np.pi, n_outer)
    t_inner = rng.uniform(0.0, np.pi, n - n_outer)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1 - np.cos(t_inner), 1 - np.sin(t_inner) - 0.5], axis=1)
    points = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    rng.shuffle(points)
    return points.astype("float32")


def _real_nvp(keras, workdir, jax):
    layers, ops, regularizers = keras.layers, keras.ops, keras.regularizers
    rng = np.random.default_rng(0)
    data = _make_moons(480, 0.05, rng)

    norm = layers.Normalization()
    norm.adapt(data)
    normalized_data = norm(data)

    output_dim = 16
    reg = 0.01

    def Coupling(input_shape):
        input = keras.layers.Input(shape=(input_shape,))

        t_layer_1 = keras.layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(input)
        t_layer_2 = keras.layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(t_layer_1)
        t_layer_3 = keras.layers.Dense(
            input_shape, activation="linear", kernel_regularizer=regularizers.l2(reg)
        )(t_layer_2)

        s_layer_1 = keras.layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(input)
        s_layer_2 = keras.layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(s_layer_1)
        s_layer_3 = keras.layers.Dense(
            input_shape, activation="tanh", kernel_regularizer=regularizers.l2(reg)
        )(s_layer_2)

        return keras.Model(inputs=input, outputs=[s_layer_3, t_layer_3])

    class RealNVP(keras.Model):
        def __init__(self, num_coupling_layers):
            super().__init__()
            self.num_coupling_layers = num_coupling_layers
            self.masks = np.array(
                [[0, 1], [1, 0]] * (num_coupling_layers // 2), dtype="float32"
            )
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.layers_list = [Coupling(2) for i in range(num_coupling_layers)]

        @property
        def metrics(self):
            return [self.loss_tracker]

        def call(self, x, training=True):
            log_det_inv = 0
            direction = 1
            if training:
                direction = -1
            for i in range(self.num_coupling_layers)[::direction]:
                x_masked = x * self.masks[i]
                reversed_mask = 1 - self.masks[i]
                s, t = self.layers_list[i](x_masked)
                s *= reversed_mask
                t *= reversed_mask
                gate = (direction - 1) / 2
                x = (
                    reversed_mask
                    * (x * ops.exp(direction * s) + direction * t * ops.exp(gate * s))
                    + x_masked
                )
                log_det_inv += gate * ops.sum(s, axis=1)
            return x, log_det_inv

        def log_prob(self, y):
            # Standard bivariate normal, in place of tfp's MultivariateNormalDiag.
            return -0.5 * ops.sum(ops.square(y), axis=1) - math.log(2 * math.pi)

        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, x, training=False
        ):
            (y, logdet), non_trainable_variables, losses = self.stateless_call(
                trainable_variables,
                non_trainable_variables,
                x,
                training=training,
                return_losses=True,
            )
            log_likelihood = self.log_prob(y) + logdet
            loss = -ops.mean(log_likelihood) + ops.sum(losses)
            return loss, non_trainable_variables

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, non_trainable_variables), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, training=True
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            metrics_variables = self.loss_tracker.stateless_update_state(
                metrics_variables, loss
            )
            logs = {"loss": self.loss_tracker.stateless_result(metrics_variables)}
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            )
            return logs, state

        def test_step(self, state, data):
            trainable_variables, non_trainable_variables, metrics_variables = state
            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            # The log-likelihood is measured in the data -> latent direction.
            loss, non_trainable_variables = self.compute_loss_and_updates(
                trainable_variables, non_trainable_variables, x, training=True
            )
            metrics_variables = self.loss_tracker.stateless_update_state(
                metrics_variables, loss
            )
            logs = {"loss": self.loss_tracker.stateless_result(metrics_variables)}
            return logs, (
                trainable_variables,
                non_trainable_variables,
                metrics_variables,
            )

    def set_seeded_weights(model, seed):
        wrng = np.random.default_rng(seed)
        for coupling in model.layers_list:
            for layer in coupling.layers:
                if layer.weights:
                    kernel, bias = layer.get_weights()
                    layer.set_weights(
                        [
                            (
                                wrng.normal(size=kernel.shape)
                                / np.sqrt(kernel.shape[0])
                            ).astype("float32"),
                            (wrng.normal(size=bias.shape) * 0.01).astype("float32"),
                        ]
                    )

    model = RealNVP(num_coupling_layers=4)
    set_seeded_weights(model, 1)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003))
    history = model.fit(
        normalized_data,
        batch_size=64,
        epochs=4,
        verbose=0,
        validation_split=0.2,
        shuffle=False,
    )
    loss = history.history["loss"]
    assert loss[-1] < loss[0], loss

    # From data to latent space (an eager call: training defaults to True).
    z, logdet = model(normalized_data[:64])
    # From latent space to data: predict runs call(training=False), the inverse.
    samples = np.random.default_rng(2).normal(size=(64, 2)).astype("float32")
    x_gen, gen_logdet = model.predict(samples, batch_size=32, verbose=0)
    # The flow is invertible: mapping the latents back gives the data.
    x_back, _ = model.predict(np.asarray(z)[:32], verbose=0)
    np.testing.assert_allclose(x_back, np.asarray(normalized_data)[:32], atol=1e-4)
    eval_loss = model.evaluate(normalized_data, batch_size=64, verbose=0)

    path = str(workdir / "real_nvp.weights.h5")
    model.save_weights(path)
    restored = RealNVP(num_coupling_layers=4)
    restored.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003))
    restored(normalized_data[:64])  # build the subclassed model before loading
    restored.load_weights(path)
    x_gen2, _ = restored.predict(samples, batch_size=32, verbose=0)
    np.testing.assert_allclose(x_gen2, x_gen, rtol=1e-6, atol=1e-6)

    return {
        "same_nvp_keys": sorted(history.history),
        "close_nvp_loss": loss,
        "close_nvp_val_loss": history.history["val_loss"],
        "close_nvp_norm_mean": np.asarray(norm.mean),
        "close_nvp_norm_variance": np.asarray(norm.variance),
        "close_nvp_z": np.asarray(z)[:8],
        "close_nvp_logdet": np.asarray(logdet)[:8],
        "close_nvp_generated": np.asarray(x_gen)[:8],
        "close_nvp_eval_loss": eval_loss,
        "same_nvp_eval_type": type(eval_loss).__name__,
        "same_nvp_predict_shapes": [np.shape(x_gen), np.shape(gen_logdet)],
        "same_nvp_n_losses": len(model.losses),
        "same_nvp_n_trainable": len(model.trainable_weights),
        "same_nvp_coupling_layers": [
            layer.name for layer in model.layers_list[1].layers
        ],
        "same_nvp_summary": _summary(model),
        "nvp_final_loss": loss[-1],
    }


def _diffusion(keras, workdir, jax):
    layers, ops = keras.layers, keras.ops

    image_size = 8
    num_images = 64
    batch_size = 16
    widths = [8, 8]
    block_depth = 1
    embedding_dims = 8
    embedding_max_frequency = 1000.0
    min_signal_rate = 0.02
    max_signal_rate = 0.95
    ema = 0.99
    plot_diffusion_steps = 4

    # Tiny smooth "images": a coloured blob on a coloured background.
    rng = np.random.default_rng(10)
    yy, xx = np.mgrid[0:image_size, 0:image_size].astype("float32")

    def make_images(n):
        cy, cx = rng.uniform(2, 6, (2, n, 1, 1))
        radius = rng.uniform(1.5, 3.0, (n, 1, 1))
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / radius**2)[..., None]
        fg = rng.uniform(0.5, 1.0, (n, 1, 1, 3))
        bg = rng.uniform(0.0, 0.3, (n, 1, 1, 3))
        return (bg + (fg - bg) * blob).astype("float32")

    train_images = make_images(num_images)
    val_images = make_images(batch_size * 2)

    class NoisyImages(keras.utils.PyDataset):
        """Yields images with the noise and diffusion times for each batch."""

        def __init__(self, images, batch_size, seed, **kwargs):
            super().__init__(**kwargs)
            self.images = images
            self.batch_size = batch_size
            self.seed = seed

        def __len__(self):
            return math.ceil(len(self.images) / self.batch_size)

        def __getitem__(self, idx):
            images = self.images[idx * self.batch_size : (idx + 1) * self.batch_size]
            batch_rng = np.random.default_rng(self.seed + idx)
            noises = batch_rng.normal(size=images.shape).astype("float32")
            diffusion_times = batch_rng.uniform(size=(len(images), 1, 1, 1))
            return {
                "images": images,
                "noises": noises,
                "diffusion_times": diffusion_times.astype("float32"),
            }

    class SinusoidalEmbedding(layers.Layer):
        def __init__(self, embedding_dims=32, max_frequency=1000.0, **kwargs):
            super().__init__(**kwargs)
            self.embedding_dims = embedding_dims
            self.max_frequency = max_frequency

        def call(self, x):
            embedding_min_frequency = 1.0
            frequencies = ops.exp(
                ops.linspace(
                    ops.log(embedding_min_frequency),
                    ops.log(self.max_frequency),
                    self.embedding_dims // 2,
                )
            )
            angular_speeds = ops.cast(2.0 * math.pi * frequencies, "float32")
            embeddings = ops.concatenate(
                [ops.sin(angular_speeds * x), ops.cos(angular_speeds * x)], axis=3
            )
            return embeddings

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "embedding_dims": self.embedding_dims,
                    "max_frequency": self.max_frequency,
                }
            )
            return config

    def ResidualBlock(width):
        def apply(x):
            input_width = x.shape[3]
            if input_width == width:
                residual = x
            else:
                residual = layers.Conv2D(width, kernel_size=1)(x)
            x = layers.BatchNormalization(center=False, scale=False)(x)
            x = layers.Conv2D(width, kernel_size=3, padding="same", activation="swish")(
                x
            )
            x = layers.Conv2D(width, kernel_size=3, padding="same")(x)
            x = layers.Add()([x, residual])
            return x

        return apply

    def DownBlock(width, block_depth):
        def apply(x):
            x, skips = x
            for _ in range(block_depth):
                x = ResidualBlock(width)(x)
                skips.append(x)
            x = layers.AveragePooling2D(pool_size=2)(x)
            return x

        return apply

    def UpBlock(width, block_depth):
        def apply(x):
            x, skips = x
            x = layers.UpSampling2D(size=2, interpolation="bilinear")(x)
            for _ in range(block_depth):
                x = layers.Concatenate()([x, skips.pop()])
                x = ResidualBlock(width)(x)
            return x

        return apply

    def get_network(image_size, widths, block_depth):
        noisy_images = keras.Input(shape=(image_size, image_size, 3))
        noise_variances = keras.Input(shape=(1, 1, 1))

        e = SinusoidalEmbedding(embedding_dims, embedding_max_frequency)(
            noise_variances
        )
        e = layers.UpSampling2D(size=image_size, interpolation="nearest")(e)

        x = layers.Conv2D(widths[0], kernel_size=1)(noisy_images)
        x = layers.Concatenate()([x, e])

        skips = []
        for width in widths[:-1]:
            x = DownBlock(width, block_depth)([x, skips])

        for _ in range(block_depth):
            x = ResidualBlock(widths[-1])(x)

        for width in reversed(widths[:-1]):
            x = UpBlock(width, block_depth)([x, skips])

        x = layers.Conv2D(3, kernel_size=1, kernel_initializer="zeros")(x)

        return keras.Model([noisy_images, noise_variances], x, name="residual_unet")

    class DiffusionModel(keras.Model):
        def __init__(self, image_size, widths, block_depth, **kwargs):
            super().__init__(**kwargs)
            self.image_size = image_size
            self.normalizer = layers.Normalization()
            self.network = get_network(image_size, widths, block_depth)
            self.ema_network = keras.models.clone_model(self.network)
            # Only moved by the exponential moving average, not by the optimizer.
            self.ema_network.trainable = False

        def compile(self, loss_fn, **kwargs):
            super().compile(**kwargs)
            self.loss_fn = loss_fn
            self.noise_loss_tracker = keras.metrics.Mean(name="n_loss")
            self.image_loss_tracker = keras.metrics.Mean(name="i_loss")

        @property
        def metrics(self):
            return [self.noise_loss_tracker, self.image_loss_tracker]

        def denormalize(self, images):
            images = self.normalizer.mean + images * self.normalizer.variance**0.5
            return ops.clip(images, 0.0, 1.0)

        def diffusion_schedule(self, diffusion_times):
            start_angle = ops.cast(ops.arccos(max_signal_rate), "float32")
            end_angle = ops.cast(ops.arccos(min_signal_rate), "float32")
            diffusion_angles = start_angle + diffusion_times * (end_angle - start_angle)
            signal_rates = ops.cos(diffusion_angles)
            noise_rates = ops.sin(diffusion_angles)
            return noise_rates, signal_rates

        def denoise(self, noisy_images, noise_rates, signal_rates, training):
            if training:
                network = self.network
            else:
                network = self.ema_network
            pred_noises = network([noisy_images, noise_rates**2], training=training)
            pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
            return pred_noises, pred_images

        def call(self, inputs, training=False):
            images = self.normalizer(inputs["images"], training=training)
            noise_rates, signal_rates = self.diffusion_schedule(
                inputs["diffusion_times"]
            )
            noisy_images = signal_rates * images + noise_rates * inputs["noises"]
            pred_noises, pred_images = self.denoise(
                noisy_images, noise_rates, signal_rates, training=training
            )
            return pred_noises, pred_images, images

        def reverse_diffusion(self, initial_noise, diffusion_steps):
            num_images = initial_noise.shape[0]
            step_size = 1.0 / diffusion_steps
            next_noisy_images = initial_noise
            for step in range(diffusion_steps):
                noisy_images = next_noisy_images
                diffusion_times = ops.ones((num_images, 1, 1, 1)) - step * step_size
                noise_rates, signal_rates = self.diffusion_schedule(diffusion_times)
                pred_noises, pred_images = self.denoise(
                    noisy_images, noise_rates, signal_rates, training=False
                )
                next_diffusion_times = diffusion_times - step_size
                next_noise_rates, next_signal_rates = self.diffusion_schedule(
                    next_diffusion_times
                )
                next_noisy_images = (
                    next_signal_rates * pred_images + next_noise_rates * pred_noises
                )
            return pred_images

        def generate(self, num_images, diffusion_steps, initial_noise=None, seed=None):
            if initial_noise is None:
                initial_noise = keras.random.normal(
                    shape=(num_images, self.image_size, self.image_size, 3), seed=seed
                )
            generated_images = self.reverse_diffusion(initial_noise, diffusion_steps)
            generated_images = self.denormalize(generated_images)
            return generated_images

        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, data, training=False
        ):
            (pred_noises, pred_images, images), non_trainable_variables = (
                self.stateless_call(
                    trainable_variables,
                    non_trainable_variables,
                    data,
                    training=training,
                )
            )
            noise_loss = ops.mean(self.loss_fn(data["noises"], pred_noises))
            image_loss = ops.mean(self.loss_fn(images, pred_images))
            return noise_loss, (image_loss, non_trainable_variables)

        def update_metrics(self, metrics_variables, noise_loss, image_loss):
            logs = {}
            new_metrics_variables = []
            for metric, value in zip(self.metrics, [noise_loss, image_loss]):
                start = len(new_metrics_variables)
                this_metric_vars = metrics_variables[
                    start : start + len(metric.variables)
                ]
                this_metric_vars = metric.stateless_update_state(
                    this_metric_vars, value
                )
                logs[metric.name] = metric.stateless_result(this_metric_vars)
                new_metrics_variables += this_metric_vars
            return logs, new_metrics_variables

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (noise_loss, (image_loss, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, data, training=True
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )

            # Track the exponential moving averages of the network's weights.
            current = {
                id(v): value
                for v, value in zip(self.trainable_variables, trainable_variables)
            }
            current.update(
                {
                    id(v): value
                    for v, value in zip(
                        self.non_trainable_variables, non_trainable_variables
                    )
                }
            )
            ema_of = {
                id(ema_weight): weight
                for weight, ema_weight in zip(
                    self.network.weights, self.ema_network.weights
                )
            }
            non_trainable_variables = [
                ema * value + (1 - ema) * current[id(ema_of[id(v)])]
                if id(v) in ema_of
                else value
                for v, value in zip(
                    self.non_trainable_variables, non_trainable_variables
                )
            ]

            logs, metrics_variables = self.update_metrics(
                metrics_variables, noise_loss, image_loss
            )
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            )
            return logs, state

        def test_step(self, state, data):
            trainable_variables, non_trainable_variables, metrics_variables = state
            noise_loss, (image_loss, non_trainable_variables) = (
                self.compute_loss_and_updates(
                    trainable_variables, non_trainable_variables, data, training=False
                )
            )
            logs, metrics_variables = self.update_metrics(
                metrics_variables, noise_loss, image_loss
            )
            return logs, (
                trainable_variables,
                non_trainable_variables,
                metrics_variables,
            )

    def set_seeded_weights(network, seed):
        wrng = np.random.default_rng(seed)
        for layer in network.layers:
            if isinstance(layer, layers.Conv2D):
                kernel, bias = layer.get_weights()
                fan_in = np.prod(kernel.shape[:-1])
                layer.set_weights(
                    [
                        (wrng.normal(size=kernel.shape) / np.sqrt(fan_in)).astype(
                            "float32"
                        ),
                        (wrng.normal(size=bias.shape) * 0.01).astype("float32"),
                    ]
                )

    def new_model():
        model = DiffusionModel(image_size, widths, block_depth)
        model.compile(
            optimizer=keras.optimizers.AdamW(learning_rate=2e-3, weight_decay=1e-4),
            loss_fn=keras.losses.mean_absolute_error,
        )
        return model

    model = new_model()
    set_seeded_weights(model.network, 3)
    model.ema_network.set_weights(model.network.get_weights())
    # Calculate the mean and variance of the training set for normalization.
    model.normalizer.adapt(train_images)

    embedding = model.network.layers[2]
    assert isinstance(embedding, SinusoidalEmbedding), embedding
    embedding_copy = SinusoidalEmbedding.from_config(embedding.get_config())
    variances = np.linspace(0.0, 1.0, 4, dtype="float32").reshape(4, 1, 1, 1)

    fixed_noise = ops.convert_to_tensor(
        np.random.default_rng(99).normal(size=(4, image_size, image_size, 3)),
        dtype="float32",
    )
    epoch_images = []

    def plot_images(epoch=None, logs=None):
        generated = model.generate(
            num_images=4,
            diffusion_steps=plot_diffusion_steps,
            initial_noise=fixed_noise,
        )
        epoch_images.append(float(ops.mean(generated)))

    checkpoint_path = str(workdir / "diffusion_model.weights.h5")
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        filepath=checkpoint_path,
        save_weights_only=True,
        monitor="val_n_loss",
        mode="min",
        save_best_only=True,
    )
    history = model.fit(
        NoisyImages(train_images, batch_size, seed=100),
        epochs=3,
        # Batches in order: a shuffled PyDataset's order comes from Python's
        # `random`, whose state depends on what the library drew from it before.
        shuffle=False,
        validation_data=NoisyImages(val_images, batch_size, seed=200),
        callbacks=[
            keras.callbacks.LambdaCallback(on_epoch_end=plot_images),
            checkpoint_callback,
        ],
        verbose=0,
    )
    n_loss = history.history["n_loss"]
    assert n_loss[-1] < n_loss[0], n_loss
    best_epoch = int(np.argmin(history.history["val_n_loss"]))

    # The EMA weights moved, towards the trained weights, but are not equal to them.
    kernel = np.asarray(model.network.layers[-1].kernel)
    ema_kernel = np.asarray(model.ema_network.layers[-1].kernel)
    assert not np.allclose(kernel, ema_kernel)

    evaluation = model.evaluate(
        NoisyImages(val_images, batch_size, seed=200), return_dict=True, verbose=0
    )
    last_epoch_images = np.asarray(model.generate(4, plot_diffusion_steps, fixed_noise))

    # Load the best weights, and generate from fixed noise.
    model.load_weights(checkpoint_path)
    generated = np.asarray(
        model.generate(4, plot_diffusion_steps, initial_noise=fixed_noise)
    )
    assert generated.shape == (4, image_size, image_size, 3)
    assert generated.min() >= 0.0 and generated.max() <= 1.0
    seeded = np.asarray(model.generate(4, plot_diffusion_steps, seed=1234))
    np.testing.assert_allclose(
        np.mean(generated), epoch_images[best_epoch], rtol=1e-5, atol=1e-6
    )

    # A fresh model with the saved weights generates the same images.
    restored = new_model()
    restored.normalizer.adapt(val_images)  # the loaded statistics will win
    restored(NoisyImages(val_images, 4, seed=0)[0])  # builds the model
    restored.load_weights(checkpoint_path)
    np.testing.assert_allclose(
        np.asarray(restored.normalizer.mean), np.asarray(model.normalizer.mean)
    )
    generated_again = np.asarray(
        restored.generate(4, plot_diffusion_steps, initial_noise=fixed_noise)
    )
    np.testing.assert_allclose(generated_again, generated, rtol=1e-6, atol=1e-6)
    seeded_again = np.asarray(restored.generate(4, plot_diffusion_steps, seed=1234))
    np.testing.assert_allclose(seeded_again, seeded, rtol=1e-6, atol=1e-6)

    return {
        "same_ddim_keys": sorted(history.history),
        "close_ddim_n_loss": n_loss,
        "close_ddim_i_loss": history.history["i_loss"],
        "close_ddim_val_n_loss": history.history["val_n_loss"],
        "close_ddim_val_i_loss": history.history["val_i_loss"],
        "same_ddim_eval_keys": sorted(evaluation),
        "close_ddim_eval": [evaluation["n_loss"], evaluation["i_loss"]],
        "close_ddim_epoch_images": epoch_images,
        # Per-image means and deviations: a pixel after the whole reverse
        # diffusion carries float rounding of tens of steps (3e-5 seen).
        "close_ddim_last_images": _image_stats(last_epoch_images[:2]),
        "close_ddim_generated": _image_stats(generated[:2]),
        "close_ddim_ema_kernel": ema_kernel,
        "close_ddim_normalizer": [
            np.asarray(model.normalizer.mean).ravel(),
            np.asarray(model.normalizer.variance).ravel(),
        ],
        "close_ddim_embedding": np.asarray(embedding(variances)),
        "close_ddim_embedding_copy": np.asarray(embedding_copy(variances)),
        "same_ddim_embedding_config": embedding.get_config(),
        "same_ddim_unet_summary": _summary(model.network),
        "same_ddim_model_summary": _summary(model),
        "same_ddim_unet_layers": [layer.name for layer in model.network.layers],
        "same_ddim_unet_params": model.network.count_params(),
        "same_ddim_n_trainable": len(model.trainable_weights),
        "same_ddim_n_non_trainable": len(model.non_trainable_weights),
        "same_ddim_metrics": [m.name for m in model.metrics],
        "same_ddim_seeded_shape": seeded.shape,
        "ddim_best_epoch": best_epoch,
    }


def _image_stats(images):
    axes = tuple(range(1, images.ndim))
    return np.stack([images.mean(axis=axes), images.std(axis=axes)], axis=1)


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)
    result = _real_nvp(keras, workdir, jax)
    result.update(_diffusion(keras, workdir, jax))
    return result
