"""keras.io's "Image classification with Vision Transformer", scaled down.

A `Patches` layer (`ops.image.extract_patches`) and its Conv2D alternative, a
`PatchEncoder` (Dense projection plus an `Embedding` of `ops.arange` positions),
transformer blocks (LayerNormalization, MultiHeadAttention with dropout, a gelu
MLP, Add), a data-augmentation Sequential, AdamW with SparseCategoricalCrossentropy
from logits and top-5 accuracy, ModelCheckpoint(save_weights_only) and load_weights,
the summary, and get_config/from_config of the custom layers.
"""

import io
from contextlib import redirect_stdout

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    num_classes = 10
    input_shape = (8, 8, 3)
    rng = np.random.default_rng(42)
    templates = rng.random((num_classes,) + input_shape).astype("float32")
    y_train = np.arange(256) % num_classes
    rng.shuffle(y_train)
    x_train = templates[y_train] + 0.3 * rng.normal(size=(256,) + input_shape)
    x_train = (255 * np.clip(x_train, 0, 1)).astype("float32")
    y_test = np.arange(64) % num_classes
    x_test = templates[y_test] + 0.3 * rng.normal(size=(64,) + input_shape)
    x_test = (255 * np.clip(x_test, 0, 1)).astype("float32")
    y_train = y_train.reshape(-1, 1)
    y_test = y_test.reshape(-1, 1)
    print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")

    learning_rate = 0.001
    weight_decay = 0.0001
    batch_size = 32
    num_epochs = 2
    image_size = 16  # We'll resize input images to this size
    patch_size = 4  # Size of the patches to be extract from the input images
    num_patches = (image_size // patch_size) ** 2
    projection_dim = 8
    num_heads = 2
    transformer_units = [projection_dim * 2, projection_dim]
    transformer_layers = 2
    mlp_head_units = [32, 16]

    # The guide's augmentation. RandomRotation and RandomZoom do not support XLA,
    # so a model holding them trains eagerly (slowly): it is only applied here,
    # and the classifier trains with the flip alone.
    full_augmentation = keras.Sequential(
        [
            layers.Normalization(),
            layers.Resizing(image_size, image_size),
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(factor=0.02),
            layers.RandomZoom(height_factor=0.2, width_factor=0.2),
        ],
        name="data_augmentation",
    )
    # Compute the mean and the variance of the training data for normalization.
    full_augmentation.layers[0].adapt(x_train)
    augmented_train = full_augmentation(x_train[:4], training=True)
    augmented_infer = full_augmentation(x_train[:4], training=False)
    normalizer = full_augmentation.layers[0]
    expected_infer = ops.image.resize(
        (x_train[:4] - normalizer.mean) / ops.sqrt(normalizer.variance),
        size=(image_size, image_size),
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(augmented_infer),
        ops.convert_to_numpy(expected_infer),
        rtol=1e-4,
        atol=1e-4,
    )
    rotating = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            full_augmentation,
            layers.Flatten(),
            layers.Dense(num_classes),
        ]
    )
    rotating.compile(optimizer="adam", loss="mse")

    data_augmentation = keras.Sequential(
        [
            layers.Normalization(),
            layers.Resizing(image_size, image_size),
            layers.RandomFlip("horizontal"),
        ],
        name="data_augmentation",
    )
    data_augmentation.layers[0].adapt(x_train)

    def mlp(x, hidden_units, dropout_rate):
        for units in hidden_units:
            x = layers.Dense(units, activation=keras.activations.gelu)(x)
            x = layers.Dropout(dropout_rate)(x)
        return x

    class Patches(layers.Layer):
        def __init__(self, patch_size, **kwargs):
            super().__init__(**kwargs)
            self.patch_size = patch_size

        def call(self, images):
            input_shape = ops.shape(images)
            batch_size = input_shape[0]
            height = input_shape[1]
            width = input_shape[2]
            channels = input_shape[3]
            num_patches_h = height // self.patch_size
            num_patches_w = width // self.patch_size
            patches = keras.ops.image.extract_patches(images, size=self.patch_size)
            patches = ops.reshape(
                patches,
                (
                    batch_size,
                    num_patches_h * num_patches_w,
                    self.patch_size * self.patch_size * channels,
                ),
            )
            return patches

        def get_config(self):
            config = super().get_config()
            config.update({"patch_size": self.patch_size})
            return config

    class PatchEncoder(layers.Layer):
        def __init__(self, num_patches, projection_dim, **kwargs):
            super().__init__(**kwargs)
            self.num_patches = num_patches
            self.projection_dim = projection_dim
            self.projection = layers.Dense(units=projection_dim)
            self.position_embedding = layers.Embedding(
                input_dim=num_patches, output_dim=projection_dim
            )

        def call(self, patch):
            positions = ops.expand_dims(
                ops.arange(start=0, stop=self.num_patches, step=1), axis=0
            )
            projected_patches = self.projection(patch)
            encoded = projected_patches + self.position_embedding(positions)
            return encoded

        def get_config(self):
            config = super().get_config()
            config.update(
                {"num_patches": self.num_patches, "projection_dim": self.projection_dim}
            )
            return config

    # Display patches for a sample image.
    image = x_train[7]
    resized_image = ops.image.resize(
        ops.convert_to_tensor([image]), size=(image_size, image_size)
    )
    patches = Patches(patch_size)(resized_image)
    patch_lines = [
        f"Image size: {image_size} X {image_size}",
        f"Patch size: {patch_size} X {patch_size}",
        f"Patches per image: {patches.shape[1]}",
        f"Elements per patch: {patches.shape[-1]}",
    ]
    n = int(np.sqrt(patches.shape[1]))
    patch_imgs = []
    for patch in patches[0]:
        patch_img = ops.reshape(patch, (patch_size, patch_size, 3))
        patch_imgs.append(ops.convert_to_numpy(patch_img))
    # The patches tile the resized image row by row.
    tiled = np.concatenate(
        [np.concatenate(patch_imgs[r * n : (r + 1) * n], axis=1) for r in range(n)],
        axis=0,
    )
    np.testing.assert_allclose(tiled, ops.convert_to_numpy(resized_image)[0], rtol=1e-6)

    def create_vit_classifier(
        augmentation, dropout=0.1, head_dropout=0.5, conv=False, num_layers=None
    ):
        inputs = keras.Input(shape=input_shape)
        # Augment data.
        augmented = augmentation(inputs)
        if conv:
            # Patching with a strided convolution: one projection per patch.
            encoded_patches = layers.Conv2D(
                projection_dim,
                kernel_size=patch_size,
                strides=patch_size,
                padding="valid",
                name="patch_conv",
            )(augmented)
            encoded_patches = layers.Reshape((num_patches, projection_dim))(
                encoded_patches
            )
        else:
            # Create patches.
            patches = Patches(patch_size)(augmented)
            # Encode patches.
            encoded_patches = PatchEncoder(num_patches, projection_dim)(patches)

        # Create multiple layers of the Transformer block.
        for _ in range(num_layers or transformer_layers):
            # Layer normalization 1.
            x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
            # Create a multi-head attention layer.
            attention_output = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=projection_dim, dropout=dropout
            )(x1, x1)
            # Skip connection 1.
            x2 = layers.Add()([attention_output, encoded_patches])
            # Layer normalization 2.
            x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
            # MLP.
            x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=dropout)
            # Skip connection 2.
            encoded_patches = layers.Add()([x3, x2])

        # Create a [batch_size, projection_dim] tensor.
        representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
        representation = layers.Flatten()(representation)
        representation = layers.Dropout(head_dropout)(representation)
        # Add MLP.
        features = mlp(
            representation, hidden_units=mlp_head_units, dropout_rate=head_dropout
        )
        # Classify outputs.
        logits = layers.Dense(num_classes)(features)
        # Create the Keras model.
        model = keras.Model(inputs=inputs, outputs=logits)
        return model

    def compile_model(model):
        optimizer = keras.optimizers.AdamW(
            learning_rate=learning_rate, weight_decay=weight_decay
        )
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[
                keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                keras.metrics.SparseTopKCategoricalAccuracy(5, name="top-5-accuracy"),
            ],
        )

    def run_experiment(model):
        compile_model(model)
        checkpoint_filepath = str(workdir / "checkpoint.weights.h5")
        checkpoint_callback = keras.callbacks.ModelCheckpoint(
            checkpoint_filepath,
            monitor="val_accuracy",
            save_best_only=True,
            save_weights_only=True,
        )
        history = model.fit(
            x=x_train,
            y=y_train,
            batch_size=batch_size,
            epochs=num_epochs,
            validation_split=0.125,
            callbacks=[checkpoint_callback],
            verbose=0,
        )
        model.load_weights(checkpoint_filepath)
        _, accuracy, top_5_accuracy = model.evaluate(x_test, y_test, verbose=0)
        return history, accuracy, top_5_accuracy

    vit_classifier = create_vit_classifier(data_augmentation)
    buf = io.StringIO()
    with redirect_stdout(buf):
        vit_classifier.summary()
    summary = buf.getvalue()
    history, accuracy, top_5_accuracy = run_experiment(vit_classifier)
    assert np.isfinite(history.history["loss"]).all()
    assert 0.0 <= accuracy <= 1.0 and accuracy <= top_5_accuracy <= 1.0
    ckpt = workdir / "checkpoint.weights.h5"
    assert ckpt.exists()

    # From here on, weights from a numpy seed: both libraries compute the same.
    wrng = np.random.default_rng(7)

    def seeded(model):
        for layer in model.layers:
            if layer.name == "data_augmentation" or not layer.weights:
                continue
            layer.set_weights(
                [
                    (0.3 * wrng.normal(size=w.shape)).astype("float32")
                    for w in layer.get_weights()
                ]
            )

    seeded(vit_classifier)
    logits = vit_classifier.predict(x_test, batch_size=32, verbose=0)
    results = vit_classifier.evaluate(x_test, y_test, batch_size=32, verbose=0)
    # The checkpoint written during training loads back over the seeded weights.
    vit_classifier.load_weights(ckpt)
    reloaded = vit_classifier.predict(x_test[:4], verbose=0)
    assert not np.allclose(reloaded, logits[:4])

    # Custom layers round-trip through their configs.
    patch_layer = Patches(patch_size, name="my_patches")
    patch_config = patch_layer.get_config()
    patch_clone = Patches.from_config(patch_config)
    encoder = [
        layer for layer in vit_classifier.layers if isinstance(layer, PatchEncoder)
    ][0]
    encoder_config = encoder.get_config()
    encoder_clone = PatchEncoder.from_config(encoder_config)
    clone_out = encoder_clone(patches)
    encoder_clone.set_weights(encoder.get_weights())
    np.testing.assert_allclose(
        ops.convert_to_numpy(encoder_clone(patches)),
        ops.convert_to_numpy(encoder(patches)),
        rtol=1e-5,
    )

    # The Conv2D patching computes the same as Patches + a Dense projection.
    conv = layers.Conv2D(projection_dim, patch_size, strides=patch_size)
    conv_out = conv(resized_image)
    kernel = (
        0.3 * wrng.normal(size=(patch_size, patch_size, 3, projection_dim))
    ).astype("float32")
    bias = (0.3 * wrng.normal(size=(projection_dim,))).astype("float32")
    conv.set_weights([kernel, bias])
    conv_out = ops.reshape(conv(resized_image), (1, num_patches, projection_dim))
    dense_out = ops.matmul(patches, kernel.reshape(-1, projection_dim)) + bias
    np.testing.assert_allclose(
        ops.convert_to_numpy(conv_out),
        ops.convert_to_numpy(dense_out),
        rtol=1e-4,
        atol=1e-3,
    )

    # A deterministic variant (no random augmentation, no dropout) trained from
    # seeded weights: the losses are the same under both libraries.
    plain_augmentation = keras.Sequential(
        [layers.Normalization(), layers.Resizing(image_size, image_size)],
        name="data_augmentation",
    )
    plain_augmentation.layers[0].adapt(x_train)
    conv_vit = create_vit_classifier(
        plain_augmentation, dropout=0.0, head_dropout=0.0, conv=True, num_layers=1
    )
    seeded(conv_vit)
    compile_model(conv_vit)
    conv_history = conv_vit.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=2,
        validation_split=0.125,
        shuffle=False,
        verbose=0,
    )
    assert conv_history.history["loss"][-1] < conv_history.history["loss"][0]
    conv_preds = conv_vit.predict(x_test[:8], verbose=0)

    return {
        "same_augmented_shapes": [
            tuple(augmented_train.shape),
            tuple(augmented_infer.shape),
        ],
        "close_augmented_infer": ops.convert_to_numpy(augmented_infer),
        "same_normalizer_stats": [
            tuple(normalizer.mean.shape),
            tuple(normalizer.variance.shape),
        ],
        "close_normalizer_mean": ops.convert_to_numpy(normalizer.mean),
        # Keras cannot compile RandomRotation (its `supports_jit` is False) and
        # trains such a model eagerly; kerasish compiles it: reported only.
        "jit_compile": [rotating.jit_compile, vit_classifier.jit_compile],
        "same_patch_lines": patch_lines,
        "close_patches": ops.convert_to_numpy(patches),
        "close_conv_patch_projection": ops.convert_to_numpy(conv_out),
        "same_summary": summary,
        "same_params": vit_classifier.count_params(),
        "same_trainable_params": sum(
            int(np.prod(w.shape)) for w in vit_classifier.trainable_weights
        ),
        "same_layer_names": [layer.name for layer in vit_classifier.layers],
        "same_layer_classes": [type(layer).__name__ for layer in vit_classifier.layers],
        "same_weight_shapes": [tuple(w.shape) for w in vit_classifier.weights],
        "same_history_keys": sorted(history.history),
        "same_n_epochs": len(history.history["loss"]),
        "same_patch_config": patch_config,
        "same_encoder_config": encoder_config,
        "same_clone_config": [patch_clone.get_config(), encoder_clone.get_config()],
        "same_clone_out_shape": tuple(clone_out.shape),
        "same_conv_out_shape": tuple(conv_out.shape),
        "close_seeded_logits": logits,
        "close_seeded_eval": results,
        "same_conv_vit_params": conv_vit.count_params(),
        "same_conv_vit_keys": sorted(conv_history.history),
        "close_conv_vit_history": [
            conv_history.history[k] for k in sorted(conv_history.history)
        ],
        "close_conv_vit_preds": conv_preds,
        "accuracy": accuracy,
        "top_5_accuracy": top_5_accuracy,
    }
