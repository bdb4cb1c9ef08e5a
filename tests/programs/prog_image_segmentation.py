"""Image segmentation with a U-Net-like architecture (keras.io, oxford pets) in small.

Xception-style downsampling blocks (strided Conv2D, SeparableConv2D, BatchNormalization,
MaxPooling2D, `layers.add` residuals), an upsampling half (Conv2DTranspose,
UpSampling2D), a per-pixel softmax trained with sparse_categorical_crossentropy on
32x32 images of circles and squares, ModelCheckpoint(save_best_only=True) to a .keras
file, then keras.models.load_model of it and predict.
"""

import json

import numpy as np


def make_data(n, img_size, seed):
    """Images of a disc (class 1) and a square (class 2) on a noisy background (0)."""
    rng = np.random.default_rng(seed)
    h, w = img_size
    yy, xx = np.mgrid[0:h, 0:w]
    images = rng.uniform(0, 60, size=(n, h, w, 3))
    masks = np.zeros((n, h, w), dtype="uint8")
    for i in range(n):
        cy, cx, r = rng.integers(8, h - 8), rng.integers(8, w - 8), rng.integers(4, 8)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2
        sy, sx = rng.integers(0, h - 10), rng.integers(0, w - 10)
        s = rng.integers(5, 10)
        square = (yy >= sy) & (yy < sy + s) & (xx >= sx) & (xx < sx + s)
        masks[i][disc] = 1
        masks[i][square] = 2
        images[i][disc] += np.array([180.0, 40.0, 20.0])
        images[i][square] += np.array([20.0, 60.0, 190.0])
    images = np.clip(images, 0, 255).astype("float32") / 255.0
    # The guide's targets are (H, W, 1) with values in [0, num_classes).
    return images, masks[..., None]


def get_model(keras, img_size, num_classes):
    layers = keras.layers
    inputs = keras.Input(shape=img_size + (3,))

    ### [First half of the network: downsampling inputs] ###

    # Entry block
    x = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    # Blocks 1, 2, 3 are identical apart from the feature depth.
    for filters in [16]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    ### [Second half of the network: upsampling inputs] ###

    for filters in [16, 8]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.UpSampling2D(2)(x)

        # Project residual
        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    # Add a per-pixel classification layer
    outputs = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)

    # Define the model
    model = keras.Model(inputs, outputs)
    return model


def run(keras, workdir):
    keras.utils.set_random_seed(0)
    img_size = (32, 32)
    num_classes = 3
    batch_size = 16
    epochs = 6

    train_x, train_y = make_data(96, img_size, seed=1)
    val_x, val_y = make_data(32, img_size, seed=2)

    model = get_model(keras, img_size, num_classes)
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))

    # The architecture alone, as JSON, and a fresh model from it.
    json_config = model.to_json()
    rebuilt = keras.models.model_from_json(json_config)
    assert rebuilt.count_params() == model.count_params()

    # Weights from a numpy seed, so that both libraries compute the same numbers
    # (the training losses; see below for the validation losses).
    rng = np.random.default_rng(0)
    weights = [
        rng.normal(size=w.shape).astype("float32") / np.sqrt(np.prod(w.shape[:-1]))
        if w.ndim > 1
        else w
        for w in model.get_weights()
    ]
    model.set_weights(weights)
    initial_pred = model.predict(val_x[:4], verbose=0)

    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
    )

    # The weights after each epoch, to find the ones the checkpoint kept.
    epoch_weights = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: epoch_weights.append(model.get_weights())
    )
    path = str(workdir / "oxford_segmentation.keras")
    callbacks = [
        keras.callbacks.ModelCheckpoint(path, save_best_only=True),
        record,
    ]
    history = model.fit(
        train_x,
        train_y,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(val_x, val_y),
        callbacks=callbacks,
        shuffle=False,
        verbose=0,
    )
    losses = history.history["loss"]
    val_losses = history.history["val_loss"]
    assert losses[-1] < losses[0], losses
    best_epoch = int(np.argmin(val_losses))

    # Generate predictions for all images in the validation set
    best_model = keras.models.load_model(path)
    val_preds = best_model.predict(val_x, batch_size=batch_size, verbose=0)
    mask = np.argmax(val_preds, axis=-1)
    mask = np.expand_dims(mask, axis=-1)  # a (32, 32, 1) mask per image, as displayed

    model.set_weights(epoch_weights[best_epoch])
    preds_at_best = model.predict(val_x, batch_size=batch_size, verbose=0)
    np.testing.assert_allclose(val_preds, preds_at_best, rtol=1e-5, atol=1e-6)
    best_eval = best_model.evaluate(val_x, val_y, batch_size=batch_size, verbose=0)
    np.testing.assert_allclose(best_eval, val_losses[best_epoch], rtol=1e-4)
    np.testing.assert_allclose(np.sum(val_preds, axis=-1), 1.0, rtol=1e-5)

    reloaded_lines = []
    best_model.summary(
        print_fn=lambda line, *args, **kwargs: reloaded_lines.append(line)
    )
    pixel_accuracy = float(np.mean(mask == val_y))

    return {
        "same_summary": "\n".join(lines),
        "same_reloaded_summary": "\n".join(reloaded_lines),
        "same_params": model.count_params(),
        "same_trainable_params": int(
            sum(np.prod(w.shape) for w in model.trainable_weights)
        ),
        "same_n_weights": len(model.weights),
        "same_layer_names": [layer.name for layer in model.layers],
        "same_rebuilt_layer_names": [layer.name for layer in rebuilt.layers],
        # The layer graph; the top level differs from Keras's (kerasish writes
        # no model-level build_config/compile_config, and no registered name
        # for Functional): a known difference, reported only.
        "same_json_layer_graph": json.loads(json_config)["config"],
        "json_top_level": {
            k: v for k, v in json.loads(json_config).items() if k != "config"
        },
        "same_layer_types": [type(layer).__name__ for layer in best_model.layers],
        "same_output_shape": tuple(model.output.shape),
        "same_pred_shape": val_preds.shape,
        "same_pred_dtype": str(val_preds.dtype),
        "same_mask_shape": mask.shape,
        "same_history_keys": sorted(history.history),
        "same_n_epochs": len(losses),
        "same_best_epoch": best_epoch,
        "close_initial_pred": initial_pred,
        "close_losses": losses,
        # Not compared: the biases of the convolutions before BatchNormalization get
        # gradients of rounding noise only, which Adam scales to steps of the
        # learning rate, so the moving statistics (and inference) drift apart.
        "val_losses": val_losses,
        "best_eval": best_eval,
        "pixel_accuracy": pixel_accuracy,
    }
