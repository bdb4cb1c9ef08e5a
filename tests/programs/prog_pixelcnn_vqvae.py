"""PixelCNN and a VQ-VAE with a PixelCNN prior, on tiny synthetic 6x6 images.

In the style of keras.io's "PixelCNN" and "Vector-Quantized Variational
Autoencoders" examples, written as Keras 3 code for the JAX backend (the VQ-VAE
trainer's `train_step(self, state, data)` follows "Customizing what happens in
fit() with JAX": `stateless_call(..., return_losses=True)`,
`jax.value_and_grad`, `optimizer.stateless_apply`, metric
`stateless_update_state`).

PixelCNN: a `PixelConvLayer` that wraps a Conv2D and masks its kernel (mask
type A/B built in `build()` from the built kernel's shape as a numpy array, the
kernel re-assigned masked in `call()`), a `MaskedConv2D` that subclasses Conv2D
and masks the kernel it passes to `convolution_op`, a `ResidualBlock` layer, the
functional model with every weight set from numpy, compiled with binary
crossentropy and fit with `shuffle=False`; the causal (autoregressive) property
checked by perturbing future pixels; greedy and random (`keras.random.uniform`)
pixel-by-pixel sampling loops; `get_config`/`from_config` of the custom layers;
`.keras` saving with `custom_objects` and reloading.

VQ-VAE: a `VectorQuantizer` layer with an `add_weight` codebook, `ops.argmin`
code indices, `ops.one_hot`, `add_loss` of the commitment and codebook losses
and the straight-through estimator through `ops.stop_gradient`; encoder and
decoder sub-models (Conv2DTranspose); a `VQVAETrainer(keras.Model)` with a
stateless JAX `train_step` tracking three `Mean` metrics, and the same training
written the simpler way by overriding `compute_loss`; saving/reloading the
VQ-VAE; a PixelCNN prior over the code indices (`ops.one_hot` on an int input,
SparseCategoricalCrossentropy from logits) sampled with `keras.random.categorical`
and decoded through the codebook.

Every weight that feeds a compared number is set from a numpy seed; random
sampling is compared on shapes and value sets only.
"""

import numpy as np


def _images(rng, n, size=8):
    """Binary images of a horizontal or a vertical bar, with a little noise."""
    x = np.zeros((n, size, size, 1), "float32")
    for i in range(n):
        start = rng.integers(0, size - 2)
        width = rng.integers(2, 4)
        if rng.random() < 0.5:
            x[i, start : start + width, :, 0] = 1.0
        else:
            x[i, :, start : start + width, 0] = 1.0
    flip = rng.random(x.shape) < 0.03
    return np.where(flip, 1.0 - x, x).astype("float32")


def _numpy_weights(model, seed):
    rng = np.random.default_rng(seed)
    weights = []
    for w in model.get_weights():
        if w.ndim == 1:
            weights.append((0.05 * rng.normal(size=w.shape)).astype(w.dtype))
        else:
            fan_in = int(np.prod(w.shape[:-1]))
            weights.append((rng.normal(size=w.shape) / np.sqrt(fan_in)).astype(w.dtype))
    return weights


def run(keras, workdir):
    import jax

    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    out = {}

    # ------------------------------------------------------------------ PixelCNN
    class PixelConvLayer(layers.Layer):
        def __init__(
            self,
            mask_type,
            filters,
            kernel_size,
            strides=1,
            padding="valid",
            activation=None,
            **kwargs,
        ):
            super().__init__(**kwargs)
            self.mask_type = mask_type
            self.filters = filters
            self.kernel_size = kernel_size
            self.strides = strides
            self.padding = padding
            self.activation = activation
            self.conv = layers.Conv2D(
                filters=filters,
                kernel_size=kernel_size,
                strides=strides,
                padding=padding,
                activation=activation,
            )

        def build(self, input_shape):
            # Build the conv2d layer to initialize kernel variables
            self.conv.build(input_shape)
            # Use the initialized kernel to create the mask
            kernel_shape = ops.shape(self.conv.kernel)
            self.mask = np.zeros(shape=kernel_shape)
            self.mask[: kernel_shape[0] // 2, ...] = 1.0
            self.mask[kernel_shape[0] // 2, : kernel_shape[1] // 2, ...] = 1.0
            if self.mask_type == "B":
                self.mask[kernel_shape[0] // 2, kernel_shape[1] // 2, ...] = 1.0

        def call(self, inputs):
            self.conv.kernel.assign(self.conv.kernel * self.mask)
            return self.conv(inputs)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "mask_type": self.mask_type,
                    "filters": self.filters,
                    "kernel_size": self.kernel_size,
                    "strides": self.strides,
                    "padding": self.padding,
                    "activation": self.activation,
                }
            )
            return config

    class MaskedConv2D(layers.Conv2D):
        """The same masked convolution, as a Conv2D subclass."""

        def __init__(self, mask_type, **kwargs):
            super().__init__(**kwargs)
            self.mask_type = mask_type

        def build(self, input_shape):
            super().build(input_shape)
            kh, kw = self.kernel_size
            mask = np.zeros((kh, kw, 1, 1), "float32")
            mask[: kh // 2] = 1.0
            mask[kh // 2, : kw // 2] = 1.0
            if self.mask_type == "B":
                mask[kh // 2, kw // 2] = 1.0
            self.mask = mask

        def convolution_op(self, inputs, kernel):
            return super().convolution_op(inputs, kernel * self.mask)

        def get_config(self):
            return {**super().get_config(), "mask_type": self.mask_type}

    class ResidualBlock(layers.Layer):
        def __init__(self, filters, **kwargs):
            super().__init__(**kwargs)
            self.filters = filters
            self.conv1 = layers.Conv2D(
                filters=filters, kernel_size=1, activation="relu"
            )
            self.pixel_conv = PixelConvLayer(
                mask_type="B",
                filters=filters // 2,
                kernel_size=3,
                activation="relu",
                padding="same",
            )
            self.conv2 = layers.Conv2D(
                filters=filters, kernel_size=1, activation="relu"
            )

        def call(self, inputs):
            x = self.conv1(inputs)
            x = self.pixel_conv(x)
            x = self.conv2(x)
            return layers.add([inputs, x])

        def get_config(self):
            return {**super().get_config(), "filters": self.filters}

    custom_objects = {
        "PixelConvLayer": PixelConvLayer,
        "ResidualBlock": ResidualBlock,
        "MaskedConv2D": MaskedConv2D,
    }

    rng = np.random.default_rng(0)
    x_img = _images(rng, 64, 6)
    size = 6
    filters = 16

    inputs = keras.Input(shape=(size, size, 1), dtype="float32")
    x = PixelConvLayer(
        mask_type="A", filters=filters, kernel_size=5, activation="relu", padding="same"
    )(inputs)
    for _ in range(2):
        x = ResidualBlock(filters=filters)(x)
    for _ in range(2):
        x = PixelConvLayer(
            mask_type="B",
            filters=filters,
            kernel_size=1,
            strides=1,
            activation="relu",
            padding="valid",
        )(x)
    outputs = layers.Conv2D(
        filters=1, kernel_size=1, strides=1, activation="sigmoid", padding="valid"
    )(x)
    pixel_cnn = keras.Model(inputs, outputs)
    pixel_cnn.set_weights(_numpy_weights(pixel_cnn, 1))

    out["same_layer_names"] = [layer.name for layer in pixel_cnn.layers]
    out["same_weight_paths"] = [w.path for w in pixel_cnn.weights]
    out["same_param_count"] = pixel_cnn.count_params()
    out["same_output_shape"] = tuple(pixel_cnn.output.shape)

    probe = x_img[:4]
    first = pixel_cnn(probe)
    out["close_forward"] = np.asarray(first)

    # The causal property: output at (r, c) ignores pixels at and after (r, c).
    r, c = 2, 3
    flat = probe.reshape(4, -1).copy()
    flat[:, r * size + c :] = 1.0 - flat[:, r * size + c :]
    perturbed = flat.reshape(probe.shape)
    second = ops.convert_to_numpy(pixel_cnn(perturbed))
    causal_gap = float(np.max(np.abs(second[:, r, c] - np.asarray(first)[:, r, c])))
    assert causal_gap < 1e-5, causal_gap
    out["same_causal"] = causal_gap < 1e-5
    out["same_noncausal_changes"] = bool(
        np.max(np.abs(second[:, r, c + 1] - np.asarray(first)[:, r, c + 1])) > 1e-6
    )
    # An eager call assigned the masked kernel: the masked taps are zero now.
    pc_a = pixel_cnn.layers[1]
    kernel_a = ops.convert_to_numpy(pc_a.conv.kernel)
    out["same_masked_taps_zero"] = bool(
        np.all(kernel_a[2, 2:] == 0) and np.all(kernel_a[3:] == 0)
    )
    out["same_mask_type_a_sum"] = float(pc_a.mask.sum())
    out["same_mask_b_sum"] = float(pixel_cnn.layers[2].pixel_conv.mask.sum())

    # The Conv2D subclass computes the same as the wrapper.
    masked = MaskedConv2D(
        mask_type="A", filters=filters, kernel_size=5, activation="relu", padding="same"
    )
    masked.build((None, size, size, 1))
    masked.set_weights(pc_a.get_weights())
    wrapped_out = ops.convert_to_numpy(pc_a(probe))
    masked_out = ops.convert_to_numpy(masked(probe))
    np.testing.assert_allclose(masked_out, wrapped_out, rtol=1e-5, atol=1e-6)
    out["close_masked_conv2d"] = masked_out

    # get_config / from_config.
    out["same_pixel_conv_config"] = pc_a.get_config()
    out["same_residual_config"] = pixel_cnn.layers[2].get_config()
    out["same_masked_conv_config_keys"] = sorted(masked.get_config())
    out["same_masked_conv_mask_type"] = masked.get_config()["mask_type"]
    pc_copy = PixelConvLayer.from_config(pc_a.get_config())
    pc_copy.build((None, size, size, 1))
    pc_copy.set_weights(pc_a.get_weights())
    np.testing.assert_allclose(
        ops.convert_to_numpy(pc_copy(probe)), wrapped_out, rtol=1e-5, atol=1e-6
    )
    masked_copy = MaskedConv2D.from_config(masked.get_config())
    assert masked_copy.get_config() == masked.get_config()
    rb_copy = ResidualBlock.from_config(pixel_cnn.layers[2].get_config())
    rb_in = ops.convert_to_numpy(pc_a(probe))
    rb_copy(rb_in)  # builds the sub-layers
    rb_copy.set_weights(pixel_cnn.layers[2].get_weights())
    np.testing.assert_allclose(
        ops.convert_to_numpy(rb_copy(rb_in)),
        ops.convert_to_numpy(pixel_cnn.layers[2](rb_in)),
        rtol=1e-5,
        atol=1e-6,
    )
    out["same_residual_copy_weights"] = [w.path for w in rb_copy.weights]

    # Compile and fit a few steps.
    pixel_cnn.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="binary_crossentropy"
    )
    history = pixel_cnn.fit(
        x=x_img, y=x_img, batch_size=16, epochs=4, shuffle=False, verbose=0
    )
    losses = history.history["loss"]
    assert losses[-1] < losses[0], losses
    out["same_history_keys"] = sorted(history.history)
    out["close_pixelcnn_loss"] = losses
    out["close_pixelcnn_eval"] = pixel_cnn.evaluate(
        x_img, x_img, batch_size=32, verbose=0
    )
    # Masked taps got no gradient: Adam left them where the eager call put them.
    kernel_a = ops.convert_to_numpy(pc_a.conv.kernel)
    out["same_masked_taps_zero_after_fit"] = bool(np.all(kernel_a[3:] == 0))
    out["close_first_kernel_after_fit"] = kernel_a

    # Greedy pixel-by-pixel completion of the lower half (deterministic) ...
    batch = 2
    pixels = np.zeros((batch,) + tuple(pixel_cnn.input_shape)[1:], "float32")
    _, rows, cols, channels = pixels.shape
    pixels[:, : rows // 2] = x_img[:batch, : rows // 2]
    for row in range(rows // 2, rows):
        for col in range(cols):
            for channel in range(channels):
                probs = ops.convert_to_numpy(pixel_cnn(pixels, training=False))
                pixels[:, row, col, channel] = (
                    probs[:, row, col, channel] > 0.5
                ).astype("float32")
    out["same_greedy_completion"] = pixels

    # ... and with keras.random, as in the guide (shapes/values only).
    pixels = np.zeros((batch,) + tuple(pixel_cnn.input_shape)[1:], "float32")
    for row in range(rows):
        for col in range(cols):
            probs = pixel_cnn.predict(pixels, verbose=0)[:, row, col, 0]
            pixels[:, row, col, 0] = ops.convert_to_numpy(
                ops.ceil(probs - keras.random.uniform(probs.shape))
            )
    out["same_random_sample_shape"] = pixels.shape
    assert set(np.unique(pixels)) <= {0.0, 1.0}
    out["random_sample_mean"] = float(pixels.mean())

    # Save and reload with custom objects.
    path = workdir / "pixel_cnn.keras"
    pixel_cnn.save(path)
    reloaded = keras.saving.load_model(path, custom_objects=custom_objects)
    before = pixel_cnn.predict(probe, verbose=0)
    after = reloaded.predict(probe, verbose=0)
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)
    out["close_reloaded_pixelcnn"] = after
    out["same_reloaded_layer_types"] = [
        type(layer).__name__ for layer in reloaded.layers
    ]
    out["same_reloaded_loss"] = reloaded.loss
    out["close_reloaded_eval"] = reloaded.evaluate(
        x_img, x_img, batch_size=32, verbose=0
    )

    # -------------------------------------------------------------------- VQ-VAE
    class VectorQuantizer(layers.Layer):
        def __init__(self, num_embeddings, embedding_dim, beta=0.25, **kwargs):
            super().__init__(**kwargs)
            self.embedding_dim = embedding_dim
            self.num_embeddings = num_embeddings
            # The `beta` parameter is best kept between [0.25, 2] as per the paper.
            self.beta = beta
            # Initialize the embeddings which we will quantize.
            self.embeddings = self.add_weight(
                shape=(self.embedding_dim, self.num_embeddings),
                initializer="random_uniform",
                trainable=True,
                name="embeddings_vqvae",
            )

        def call(self, x):
            # Calculate the input shape of the inputs and
            # then flatten the inputs keeping `embedding_dim` intact.
            input_shape = ops.shape(x)
            flattened = ops.reshape(x, [-1, self.embedding_dim])
            # Quantization.
            encoding_indices = self.get_code_indices(flattened)
            encodings = ops.one_hot(encoding_indices, self.num_embeddings)
            quantized = ops.matmul(encodings, ops.transpose(self.embeddings))
            # Reshape the quantized values back to the original input shape
            quantized = ops.reshape(quantized, (-1,) + tuple(input_shape[1:]))
            # Calculate vector quantization loss and add that to the layer.
            commitment_loss = ops.mean((ops.stop_gradient(quantized) - x) ** 2)
            codebook_loss = ops.mean((quantized - ops.stop_gradient(x)) ** 2)
            self.add_loss(self.beta * commitment_loss + codebook_loss)
            # Straight-through estimator.
            quantized = x + ops.stop_gradient(quantized - x)
            return quantized

        def get_code_indices(self, flattened_inputs):
            # Calculate L2-normalized distance between the inputs and the codes.
            similarity = ops.matmul(flattened_inputs, self.embeddings)
            distances = (
                ops.sum(flattened_inputs**2, axis=1, keepdims=True)
                + ops.sum(self.embeddings**2, axis=0)
                - 2 * similarity
            )
            # Derive the indices for minimum distances.
            return ops.argmin(distances, axis=1)

        def get_config(self):
            return {
                **super().get_config(),
                "num_embeddings": self.num_embeddings,
                "embedding_dim": self.embedding_dim,
                "beta": self.beta,
            }

    latent_dim, num_embeddings = 4, 8

    def get_encoder(latent_dim=latent_dim):
        encoder_inputs = keras.Input(shape=(size, size, 1))
        x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(
            encoder_inputs
        )
        encoder_outputs = layers.Conv2D(latent_dim, 1, padding="same")(x)
        return keras.Model(encoder_inputs, encoder_outputs, name="encoder")

    def get_decoder(latent_dim=latent_dim):
        latent_inputs = keras.Input(shape=get_encoder(latent_dim).output.shape[1:])
        x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(
            latent_inputs
        )
        decoder_outputs = layers.Conv2DTranspose(1, 3, padding="same")(x)
        return keras.Model(latent_inputs, decoder_outputs, name="decoder")

    def get_vqvae(latent_dim=latent_dim, num_embeddings=num_embeddings):
        vq_layer = VectorQuantizer(num_embeddings, latent_dim, name="vector_quantizer")
        encoder = get_encoder(latent_dim)
        decoder = get_decoder(latent_dim)
        inputs = keras.Input(shape=(size, size, 1))
        encoder_outputs = encoder(inputs)
        quantized_latents = vq_layer(encoder_outputs)
        reconstructions = decoder(quantized_latents)
        return keras.Model(inputs, reconstructions, name="vq_vae")

    vq_weights = None

    def fresh_vqvae():
        model = get_vqvae()
        model.set_weights(vq_weights)
        return model

    probe_vq = get_vqvae()
    vq_weights = _numpy_weights(probe_vq, 2)
    # A spread-out codebook, so every code is used.
    codebook_path = probe_vq.get_layer("vector_quantizer").embeddings.path
    vq_weights[[w.path for w in probe_vq.weights].index(codebook_path)] = (
        np.random.default_rng(5).normal(size=(latent_dim, num_embeddings)) * 0.5
    ).astype("float32")
    probe_vq.set_weights(vq_weights)
    out["same_vqvae_layer_names"] = [layer.name for layer in probe_vq.layers]
    out["same_vqvae_weight_paths"] = [w.path for w in probe_vq.weights]
    out["same_vqvae_trainable"] = len(probe_vq.trainable_weights)

    x_vq = (_images(np.random.default_rng(3), 48, 6) * 2.0 - 1.0).astype("float32")
    train_variance = float(np.var(x_vq))

    recon = probe_vq(x_vq[:4])
    out["close_vqvae_recon"] = np.asarray(recon)
    out["same_vqvae_n_losses"] = len(probe_vq.losses)
    out["close_vqvae_vq_loss"] = float(ops.convert_to_numpy(probe_vq.losses[0]))
    encoder = probe_vq.get_layer("encoder")
    quantizer = probe_vq.get_layer("vector_quantizer")
    enc = encoder.predict(x_vq[:4], verbose=0)
    codes = ops.convert_to_numpy(
        quantizer.get_code_indices(ops.reshape(enc, (-1, latent_dim)))
    ).reshape(enc.shape[:-1])
    out["same_codes"] = codes

    class VQVAETrainer(keras.Model):
        def __init__(self, train_variance, latent_dim=32, num_embeddings=128, **kwargs):
            super().__init__(**kwargs)
            self.train_variance = train_variance
            self.latent_dim = latent_dim
            self.num_embeddings = num_embeddings
            self.vqvae = fresh_vqvae()
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(
                name="reconstruction_loss"
            )
            self.vq_loss_tracker = keras.metrics.Mean(name="vq_loss")

        @property
        def metrics(self):
            return [
                self.total_loss_tracker,
                self.reconstruction_loss_tracker,
                self.vq_loss_tracker,
            ]

        def call(self, x, training=False):
            return self.vqvae(x, training=training)

        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, x
        ):
            reconstructions, non_trainable_variables, losses = self.stateless_call(
                trainable_variables,
                non_trainable_variables,
                x,
                return_losses=True,
                training=True,
            )
            reconstruction_loss = (
                ops.mean((x - reconstructions) ** 2) / self.train_variance
            )
            vq_loss = sum(losses)
            total_loss = reconstruction_loss + vq_loss
            return total_loss, (reconstruction_loss, vq_loss, non_trainable_variables)

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (total_loss, (recon_loss, vq_loss, non_trainable_variables)), grads = (
                grad_fn(trainable_variables, non_trainable_variables, x)
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            new_metrics_vars, logs = [], {}
            for metric, value in zip(self.metrics, (total_loss, recon_loss, vq_loss)):
                start = len(new_metrics_vars)
                this_vars = metrics_variables[start : start + len(metric.variables)]
                this_vars = metric.stateless_update_state(this_vars, value)
                logs[metric.name] = metric.stateless_result(this_vars)
                new_metrics_vars += this_vars
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                new_metrics_vars,
            )
            return logs, state

    vqvae_trainer = VQVAETrainer(train_variance, latent_dim, num_embeddings)
    vqvae_trainer.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2))
    trainer_history = vqvae_trainer.fit(
        x_vq, epochs=4, batch_size=16, shuffle=False, verbose=0
    )
    th = trainer_history.history
    assert th["total_loss"][-1] < th["total_loss"][0], th
    out["same_trainer_history_keys"] = sorted(th)
    out["close_trainer_total_loss"] = th["total_loss"]
    out["close_trainer_recon_loss"] = th["reconstruction_loss"]
    out["close_trainer_vq_loss"] = th["vq_loss"]
    out["same_trainer_metric_names"] = [m.name for m in vqvae_trainer.metrics]
    tracked = float(vqvae_trainer.total_loss_tracker.result())
    assert abs(tracked - th["total_loss"][-1]) < 1e-5, tracked
    out["close_trained_codebook"] = ops.convert_to_numpy(
        vqvae_trainer.vqvae.get_layer("vector_quantizer").embeddings
    )

    # The simpler way: override compute_loss and let fit do the rest.
    class VQVAEModel(keras.Model):
        def __init__(self, train_variance, **kwargs):
            super().__init__(**kwargs)
            self.train_variance = train_variance
            self.vqvae = fresh_vqvae()

        def call(self, x, training=False):
            return self.vqvae(x, training=training)

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            reconstruction_loss = ops.mean((x - y_pred) ** 2) / self.train_variance
            return reconstruction_loss + sum(self.losses)

    simple = VQVAEModel(train_variance)
    simple.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2))
    simple_history = simple.fit(x_vq, epochs=4, batch_size=16, shuffle=False, verbose=0)
    out["same_simple_history_keys"] = sorted(simple_history.history)
    out["close_simple_loss"] = simple_history.history["loss"]
    out["same_simple_matches_trainer"] = bool(
        np.allclose(
            simple_history.history["loss"], th["total_loss"], rtol=1e-4, atol=1e-5
        )
    )

    trained_vqvae = vqvae_trainer.vqvae
    recon_trained = trained_vqvae.predict(x_vq[:4], verbose=0)
    out["close_trained_recon"] = recon_trained

    # Save / reload the VQ-VAE.
    vq_path = workdir / "vqvae.keras"
    trained_vqvae.save(vq_path)
    vq_reloaded = keras.saving.load_model(
        vq_path, custom_objects={"VectorQuantizer": VectorQuantizer}, compile=False
    )
    recon_reloaded = vq_reloaded.predict(x_vq[:4], verbose=0)
    np.testing.assert_allclose(recon_reloaded, recon_trained, rtol=1e-5, atol=1e-6)
    out["close_vqvae_reloaded"] = recon_reloaded
    out["same_vq_config"] = vq_reloaded.get_layer("vector_quantizer").get_config()

    # ------------------------------------------------ PixelCNN prior over codes
    encoder = trained_vqvae.get_layer("encoder")
    quantizer = trained_vqvae.get_layer("vector_quantizer")
    enc = encoder.predict(x_vq, verbose=0)
    flat_enc = ops.reshape(enc, (-1, enc.shape[-1]))
    codebook_indices = ops.convert_to_numpy(quantizer.get_code_indices(flat_enc))
    codebook_indices = codebook_indices.reshape(enc.shape[:-1])
    out["codes_used"] = int(len(np.unique(codebook_indices)))
    # Fixed codes for the compared fit: from the numpy-weight (untrained) VQ-VAE.
    fixed_codes = ops.convert_to_numpy(
        probe_vq.get_layer("vector_quantizer").get_code_indices(
            ops.reshape(
                probe_vq.get_layer("encoder").predict(x_vq, verbose=0), (-1, latent_dim)
            )
        )
    ).reshape(enc.shape[:-1])

    prior_shape = enc.shape[1:-1]
    pixelcnn_inputs = keras.Input(shape=prior_shape, dtype="int32")
    ohe = ops.one_hot(pixelcnn_inputs, num_embeddings)
    x = PixelConvLayer(
        mask_type="A", filters=16, kernel_size=3, activation="relu", padding="same"
    )(ohe)
    x = ResidualBlock(filters=16)(x)
    x = PixelConvLayer(
        mask_type="B",
        filters=16,
        kernel_size=1,
        strides=1,
        activation="relu",
        padding="valid",
    )(x)
    prior_out = layers.Conv2D(
        filters=num_embeddings, kernel_size=1, strides=1, padding="valid"
    )(x)
    prior = keras.Model(pixelcnn_inputs, prior_out, name="pixel_cnn")
    prior.set_weights(_numpy_weights(prior, 4))
    prior.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    prior_history = prior.fit(
        fixed_codes, fixed_codes, batch_size=16, epochs=3, shuffle=False, verbose=0
    )
    ph = prior_history.history
    assert ph["loss"][-1] < ph["loss"][0], ph
    out["same_prior_history_keys"] = sorted(ph)
    out["close_prior_loss"] = ph["loss"]
    out["close_prior_accuracy"] = ph["accuracy"]
    out["same_prior_layer_types"] = [type(layer).__name__ for layer in prior.layers]

    # Sample codes with keras.random.categorical, then decode through the codebook.
    n_priors = 3
    priors = np.zeros((n_priors,) + tuple(prior.input_shape)[1:], "int32")
    prows, pcols = priors.shape[1:]
    for row in range(prows):
        for col in range(pcols):
            logits = prior.predict(priors, verbose=0)[:, row, col]
            sampled = keras.random.categorical(logits, 1)
            priors[:, row, col] = ops.convert_to_numpy(sampled)[:, 0]
    assert priors.min() >= 0 and priors.max() < num_embeddings
    out["same_prior_sample_shape"] = priors.shape
    pretrained_embeddings = quantizer.embeddings
    priors_ohe = ops.one_hot(
        ops.convert_to_tensor(priors.astype("int32")), num_embeddings
    )
    quantized = ops.matmul(priors_ohe, ops.transpose(pretrained_embeddings))
    quantized = ops.reshape(quantized, (-1, *(enc.shape[1:])))
    decoder = trained_vqvae.get_layer("decoder")
    generated = decoder.predict(quantized, verbose=0)
    out["same_generated_shape"] = generated.shape
    return out
