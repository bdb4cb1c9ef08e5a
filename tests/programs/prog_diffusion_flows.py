"""A tiny DDIM and a tiny Real NVP, written the keras.io way and run on JAX.

In the style of keras.io's "Denoising Diffusion Implicit Models" and "Density
estimation using Real NVP" examples, shrunk to 8x8x1 images and a 2-D point cloud.
Both examples write their `train_step` with stateful Keras code (layer calls,
`variable.assign`); on the JAX backend the step is `train_step(self, state, data)`,
so here that same stateful code runs inside `keras.StatelessScope(state_mapping=...)`
and the new state is read back with `scope.get_current_value(...)` (the pattern
Keras's own JAX trainer uses); the `Mean` trackers are updated with
`stateless_update_state`.

DDIM: `sinusoidal_embedding` as a registered function in a `Lambda` layer
(`keras.ops` linspace/exp/sin/cos), a functional U-Net-lite (Conv2D with swish,
BatchNormalization(center=False, scale=False), AveragePooling2D, bilinear
UpSampling2D, Concatenate, Add), a `DiffusionModel(keras.Model)` with a
`Normalization` layer adapted on the images, an EMA network (a second build whose
weights are copied with `set_weights`, then moved by `assign` in the train step),
`fit(x=[images, noises, times], y=noises)` with
`compile(loss=keras.losses.mean_absolute_error)` read back as `self.loss`, the
`metrics` property returning the trackers (the generation metric only in
`test_step`), the cosine schedule with `ops.arccos`/`ops.cos`, a deterministic
reverse diffusion from numpy noise, and saving/loading the EMA network to `.keras`.

Real NVP: coupling sub-models (functional, L2-regularized, two outputs), the
masks as a non-trainable `keras.Variable` of the model, a diagonal-Gaussian
log-probability in `keras.ops`, `log_loss` (a stateful `self(x)`) plus the
regularization losses read in the scope and differentiated with `jax.value_and_grad`,
a custom train/test step, and the inverse direction (latent -> data) through
`call(training=False)` and `predict`.

All weights are set from numpy seeds and the diffusion noise comes with the data,
so both libraries compute the same numbers.
"""

import math

import numpy as np


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return lines


def _seeded(variables, seed, scale=1.0):
    """New values for `variables` from a numpy seed (moving statistics kept)."""
    rng = np.random.default_rng(seed)
    out = []
    for v in variables:
        w = np.asarray(v)
        if "moving" in v.name or v.name == "masks":
            out.append(w)
        elif w.ndim > 1:
            fan_in = int(np.prod(w.shape[:-1]))
            out.append(rng.normal(size=w.shape) * scale / np.sqrt(fan_in))
        else:
            out.append(rng.normal(size=w.shape) * 0.02)
    return [v.astype("float32") for v in out]


def _state_values(scope, variables):
    return [scope.get_current_value(v) for v in variables]


def _update_trackers(keras, metrics, metrics_vars, values):
    """`tracker.update_state(value)` for the trackers named in `values`, in a
    `StatelessScope` over the metrics' variables (Keras's JAX trainer's way).

    Returns the logs of those trackers and all the new metric variables.
    """
    variables = [v for metric in metrics for v in metric.variables]
    mapping = list(zip(variables, metrics_vars))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        for metric in metrics:
            if metric.name in values:
                metric.update_state(values[metric.name])
        logs = {m.name: m.result() for m in metrics if m.name in values}
    return logs, _state_values(scope, variables)


def _diffusion(keras, workdir, jax):
    layers, ops = keras.layers, keras.ops

    image_size = 8
    widths = [8, 16]
    block_depth = 1
    embedding_dims = 8
    embedding_max_frequency = 1000.0
    min_signal_rate = 0.02
    max_signal_rate = 0.95
    ema = 0.9
    batch_size = 8

    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:image_size, 0:image_size].astype("float32")

    def make_images(n):
        cy, cx = rng.uniform(2, 6, (2, n, 1, 1))
        radius = rng.uniform(1.2, 2.5, (n, 1, 1))
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / radius**2)
        return (0.1 + 0.8 * blob)[..., None].astype("float32")

    def make_batch_data(n):
        images = make_images(n)
        noises = rng.normal(size=images.shape).astype("float32")
        times = rng.uniform(size=(n, 1, 1, 1)).astype("float32")
        return [images, noises, times]

    train_data = make_batch_data(32)
    val_data = make_batch_data(16)

    @keras.saving.register_keras_serializable(package="ddim_tiny")
    def sinusoidal_embedding(x):
        embedding_min_frequency = 1.0
        frequencies = ops.exp(
            ops.linspace(
                ops.log(embedding_min_frequency),
                ops.log(embedding_max_frequency),
                embedding_dims // 2,
            )
        )
        angular_speeds = ops.cast(2.0 * math.pi * frequencies, "float32")
        embeddings = ops.concatenate(
            [ops.sin(angular_speeds * x), ops.cos(angular_speeds * x)], axis=3
        )
        return embeddings

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

    def get_network(image_size, widths, block_depth, name):
        noisy_images = keras.Input(shape=(image_size, image_size, 1))
        noise_variances = keras.Input(shape=(1, 1, 1))

        e = layers.Lambda(sinusoidal_embedding, output_shape=(1, 1, embedding_dims))(
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

        x = layers.Conv2D(1, kernel_size=1, kernel_initializer="zeros")(x)

        return keras.Model([noisy_images, noise_variances], x, name=name)

    class DiffusionModel(keras.Model):
        def __init__(self, image_size, widths, block_depth, **kwargs):
            super().__init__(**kwargs)
            self.image_size = image_size
            self.normalizer = layers.Normalization()
            self.network = get_network(image_size, widths, block_depth, "unet")
            self.ema_network = get_network(image_size, widths, block_depth, "ema")
            # Moved only by the moving average, never by the optimizer.
            self.ema_network.trainable = False
            self.noise_loss_tracker = keras.metrics.Mean(name="n_loss")
            self.image_loss_tracker = keras.metrics.Mean(name="i_loss")
            self.gen_tracker = keras.metrics.Mean(name="gen_mae")

        @property
        def metrics(self):
            return [self.noise_loss_tracker, self.image_loss_tracker, self.gen_tracker]

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
            network = self.network if training else self.ema_network
            pred_noises = network([noisy_images, noise_rates**2], training=training)
            pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
            return pred_noises, pred_images

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

        def generate(self, initial_noise, diffusion_steps):
            initial_noise = ops.convert_to_tensor(initial_noise)
            generated_images = self.reverse_diffusion(initial_noise, diffusion_steps)
            return self.denormalize(generated_images)

        def forward(self, inputs, training):
            images, noises, diffusion_times = inputs
            images = self.normalizer(images, training=training)
            noise_rates, signal_rates = self.diffusion_schedule(diffusion_times)
            noisy_images = signal_rates * images + noise_rates * noises
            pred_noises, pred_images = self.denoise(
                noisy_images, noise_rates, signal_rates, training=training
            )
            return pred_noises, pred_images, images

        def call(self, inputs, training=False):
            return self.forward(inputs, training=training)[0]

        def losses_of(self, data, training):
            x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
            pred_noises, pred_images, images = self.forward(x, training=training)
            # `mean_absolute_error` reduces the last axis only.
            noise_loss = ops.mean(self.loss(y, pred_noises))
            image_loss = ops.mean(self.loss(images, pred_images))
            return noise_loss, image_loss

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_vars, metrics_vars = state

            def noise_loss_fn(trainable, non_trainable):
                mapping = list(zip(self.trainable_variables, trainable))
                mapping += list(zip(self.non_trainable_variables, non_trainable))
                with keras.StatelessScope(state_mapping=mapping) as scope:
                    noise_loss, image_loss = self.losses_of(data, training=True)
                new_non_trainable = _state_values(scope, self.non_trainable_variables)
                return noise_loss, (image_loss, new_non_trainable)

            grad_fn = jax.value_and_grad(noise_loss_fn, has_aux=True)
            (noise_loss, (image_loss, non_trainable)), grads = grad_fn(
                trainable, non_trainable
            )
            trainable, optimizer_vars = self.optimizer.stateless_apply(
                optimizer_vars, grads, trainable
            )

            mapping = list(zip(self.trainable_variables, trainable))
            mapping += list(zip(self.non_trainable_variables, non_trainable))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                # Track the exponential moving averages of the weights.
                for weight, ema_weight in zip(
                    self.network.weights, self.ema_network.weights
                ):
                    ema_weight.assign(ema * ema_weight + (1 - ema) * weight)
            non_trainable = _state_values(scope, self.non_trainable_variables)
            # The generation metric is measured only in test_step.
            logs, metrics_vars = _update_trackers(
                keras,
                self.metrics,
                metrics_vars,
                {"n_loss": noise_loss, "i_loss": image_loss},
            )
            return logs, (trainable, non_trainable, optimizer_vars, metrics_vars)

        def test_step(self, state, data):
            trainable, non_trainable, metrics_vars = state
            mapping = list(zip(self.trainable_variables, trainable))
            mapping += list(zip(self.non_trainable_variables, non_trainable))
            with keras.StatelessScope(state_mapping=mapping):
                noise_loss, image_loss = self.losses_of(data, training=False)
                images, noises, _ = data[0]
                generated = self.generate(noises, diffusion_steps=2)
                gen_mae = ops.mean(ops.abs(generated - images))
            logs, metrics_vars = _update_trackers(
                keras,
                self.metrics,
                metrics_vars,
                {"n_loss": noise_loss, "i_loss": image_loss, "gen_mae": gen_mae},
            )
            return logs, (trainable, non_trainable, metrics_vars)

    model = DiffusionModel(image_size, widths, block_depth, name="ddim")
    model.normalizer.adapt(train_data[0])
    unet_weights = _seeded(model.network.weights, seed=11, scale=0.8)
    model.network.set_weights(unet_weights)
    model.ema_network.set_weights(model.network.get_weights())
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=3e-3, weight_decay=1e-4),
        loss=keras.losses.mean_absolute_error,
    )
    assert model.loss is keras.losses.mean_absolute_error

    # Before training, both networks give the same prediction.
    probe = [val_data[1][:4], np.full((4, 1, 1, 1), 0.3, "float32")]
    before = np.asarray(model.network(probe))
    before_ema = np.asarray(model.ema_network(probe))
    np.testing.assert_allclose(before, before_ema, rtol=1e-6, atol=1e-6)

    history = model.fit(
        train_data,
        train_data[1],
        batch_size=batch_size,
        epochs=3,
        shuffle=False,
        validation_data=(val_data, val_data[1]),
        verbose=0,
    )
    h = history.history
    assert h["n_loss"][-1] < h["n_loss"][0], h["n_loss"]

    ema_conv = model.ema_network.layers[-1].get_weights()[0]
    net_conv = model.network.layers[-1].get_weights()[0]
    assert not np.allclose(ema_conv, net_conv)
    # The EMA sits between the initial and the trained weights.
    start_conv = unet_weights[-2]
    assert np.abs(ema_conv - start_conv).sum() < np.abs(net_conv - start_conv).sum()
    bn = [layer for layer in model.ema_network.layers if "batch" in layer.name][0]

    initial_noise = np.random.default_rng(5).normal(size=(4, 8, 8, 1))
    initial_noise = initial_noise.astype("float32")
    generated = np.asarray(model.generate(initial_noise, diffusion_steps=3))
    again = np.asarray(model.generate(initial_noise, diffusion_steps=3))
    np.testing.assert_array_equal(generated, again)
    assert generated.min() >= 0.0 and generated.max() <= 1.0

    eval_logs = model.evaluate(
        val_data, val_data[1], batch_size=batch_size, return_dict=True, verbose=0
    )

    path = workdir / "unet.keras"
    model.ema_network.save(path)
    loaded = keras.saving.load_model(path)
    lambda_layer = [layer for layer in loaded.layers if "lambda" in layer.name][0]
    loaded_out = np.asarray(loaded(probe))
    np.testing.assert_allclose(
        loaded_out, np.asarray(model.ema_network(probe)), rtol=1e-5, atol=1e-6
    )

    return {
        "same_ddim_history_keys": sorted(h),
        "close_ddim_n_loss": h["n_loss"],
        "close_ddim_i_loss": h["i_loss"],
        "close_ddim_val_n_loss": h["val_n_loss"],
        "close_ddim_val_i_loss": h["val_i_loss"],
        "close_ddim_val_gen_mae": h["val_gen_mae"],
        "close_ddim_before": before,
        "close_ddim_norm_mean_var": [
            np.asarray(model.normalizer.mean).ravel(),
            np.asarray(model.normalizer.variance).ravel(),
        ],
        "close_ddim_ema_final_conv": ema_conv,
        "close_ddim_net_final_conv": net_conv,
        "close_ddim_ema_bn_moving": [np.asarray(w) for w in bn.weights],
        # Reported only: each DDIM step divides by the signal rate (down to
        # 0.02), so XLA's float rounding (its flags differ under pytest) grows
        # to 1e-3 here; `val_gen_mae` compares generation.
        "ddim_generated": generated,
        "same_ddim_eval_keys": sorted(eval_logs),
        "close_ddim_eval": [eval_logs[k] for k in sorted(eval_logs)],
        # Reported only: after training, BatchNormalization(center=False,
        # scale=False) over small activations magnifies float rounding to 1e-4
        # (the round trip itself is asserted above, within each library).
        "ddim_loaded_out": loaded_out,
        "same_ddim_lambda_function": lambda_layer.get_config()["function"],
        "same_ddim_unet_params": model.network.count_params(),
        "same_ddim_counts": [
            len(model.trainable_weights),
            len(model.non_trainable_weights),
            len(model.metrics_variables),
        ],
        "same_ddim_layer_types": [type(layer).__name__ for layer in loaded.layers],
        "same_ddim_unet_summary": _summary(model.network),
        "same_ddim_shapes": [generated.shape, loaded_out.shape],
    }


def _real_nvp(keras, workdir, jax):
    layers, ops, regularizers = keras.layers, keras.ops, keras.regularizers

    rng = np.random.default_rng(8)

    def make_ring(n):
        angle = rng.uniform(0, 2 * np.pi, n)
        radius = 2.0 + 0.25 * rng.normal(size=n)
        points = np.stack([radius * np.cos(angle), radius * np.sin(angle) + 1.0], 1)
        return points.astype("float32")

    data = make_ring(256)
    val = make_ring(64)
    norm = layers.Normalization()
    norm.adapt(data)
    normalized_data = np.asarray(norm(data))
    normalized_val = np.asarray(norm(val))

    output_dim = 16
    reg = 0.01

    def Coupling(input_shape):
        input = layers.Input(shape=(input_shape,))

        t_layer_1 = layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(input)
        t_layer_2 = layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(t_layer_1)
        t_layer_3 = layers.Dense(
            input_shape, activation="linear", kernel_regularizer=regularizers.l2(reg)
        )(t_layer_2)

        s_layer_1 = layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(input)
        s_layer_2 = layers.Dense(
            output_dim, activation="relu", kernel_regularizer=regularizers.l2(reg)
        )(s_layer_1)
        s_layer_3 = layers.Dense(
            input_shape, activation="tanh", kernel_regularizer=regularizers.l2(reg)
        )(s_layer_2)

        return keras.Model(inputs=input, outputs=[s_layer_3, t_layer_3])

    class RealNVP(keras.Model):
        def __init__(self, num_coupling_layers):
            super().__init__()
            self.num_coupling_layers = num_coupling_layers
            # The diagonal Gaussian of the latent space.
            self.loc = np.array([0.0, 0.0], dtype="float32")
            self.scale_diag = np.array([1.0, 1.0], dtype="float32")
            masks = np.array(
                [[0, 1], [1, 0]] * (num_coupling_layers // 2), dtype="float32"
            )
            self.masks = keras.Variable(masks, trainable=False, name="masks")
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
            """log N(y; loc, diag(scale_diag**2)), summed over the 2 dimensions."""
            z = (y - self.loc) / self.scale_diag
            return (
                -0.5 * ops.sum(ops.square(z), axis=-1)
                - ops.sum(ops.log(self.scale_diag))
                - 0.5 * y.shape[-1] * math.log(2 * math.pi)
            )

        def log_loss(self, x):
            y, logdet = self(x)
            log_likelihood = self.log_prob(y) + logdet
            return -ops.mean(log_likelihood)

        def scoped(self, trainable, non_trainable):
            mapping = list(zip(self.trainable_variables, trainable))
            mapping += list(zip(self.non_trainable_variables, non_trainable))
            return keras.StatelessScope(state_mapping=mapping)

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_vars, metrics_vars = state
            x = keras.utils.unpack_x_y_sample_weight(data)[0]

            def loss_fn(trainable):
                with self.scoped(trainable, non_trainable):
                    log_loss = self.log_loss(x)
                    # The L2 penalties read the kernels in the scope.
                    total = log_loss + ops.sum(self.losses)
                return total, log_loss

            (_, log_loss), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
            trainable, optimizer_vars = self.optimizer.stateless_apply(
                optimizer_vars, grads, trainable
            )
            logs, metrics_vars = _update_trackers(
                keras, self.metrics, metrics_vars, {"loss": log_loss}
            )
            return logs, (trainable, non_trainable, optimizer_vars, metrics_vars)

        def test_step(self, state, data):
            trainable, non_trainable, metrics_vars = state
            x = keras.utils.unpack_x_y_sample_weight(data)[0]
            with self.scoped(trainable, non_trainable):
                log_loss = self.log_loss(x)
            logs, metrics_vars = _update_trackers(
                keras, self.metrics, metrics_vars, {"loss": log_loss}
            )
            return logs, (trainable, non_trainable, metrics_vars)

    model = RealNVP(num_coupling_layers=4)
    model.set_weights(_seeded(model.weights, seed=21))
    initial_log_loss = float(model.log_loss(normalized_data))
    initial_reg = float(ops.sum(model.losses))

    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003))
    history = model.fit(
        normalized_data,
        batch_size=64,
        epochs=4,
        shuffle=False,
        validation_data=(normalized_val,),
        verbose=0,
    )
    loss = history.history["loss"]
    assert loss[-1] < loss[0], loss

    # From data to latent space (training defaults to True in `call`).
    z, logdet = model(normalized_data[:16])
    # From latent space back to data, directly and through predict.
    back, back_logdet = model(z, training=False)
    np.testing.assert_allclose(np.asarray(back), normalized_data[:16], atol=1e-4)
    # The inverse direction does not accumulate the log-determinant.
    np.testing.assert_array_equal(np.asarray(back_logdet), 0.0)
    samples = model.loc + model.scale_diag * np.random.default_rng(9).normal(
        size=(32, 2)
    )
    x_gen, gen_logdet = model.predict(samples.astype("float32"), verbose=0)
    eval_loss = model.evaluate(normalized_val, batch_size=64, verbose=0)

    return {
        "same_nvp_history_keys": sorted(history.history),
        "close_nvp_initial": [initial_log_loss, initial_reg],
        "close_nvp_loss": loss,
        "close_nvp_val_loss": history.history["val_loss"],
        "close_nvp_eval_loss": eval_loss,
        "close_nvp_z": np.asarray(z),
        "close_nvp_logdet": np.asarray(logdet),
        "close_nvp_generated": np.asarray(x_gen)[:8],
        "close_nvp_gen_logdet": np.asarray(gen_logdet)[:8],
        "close_nvp_masks_after_fit": np.asarray(model.masks),
        "same_nvp_weight_paths": [w.path for w in model.weights],
        "same_nvp_counts": [
            len(model.trainable_weights),
            len(model.non_trainable_weights),
            len(model.losses),
            model.count_params(),
        ],
        "same_nvp_predict_shapes": [np.shape(x_gen), np.shape(gen_logdet)],
        "nvp_final_loss": loss[-1],
    }


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)
    result = _diffusion(keras, workdir, jax)
    result.update(_real_nvp(keras, workdir, jax))
    return result
