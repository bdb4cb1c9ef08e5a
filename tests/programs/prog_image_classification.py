"""Image classification from scratch (keras.io, cats vs dogs) in small.

A data_augmentation Sequential (RandomFlip, RandomRotation) inside the model,
Rescaling(1.0 / 255), a small Xception-like convnet (strided Conv2D, SeparableConv2D,
BatchNormalization, residual `layers.add`, GlobalAveragePooling2D, Dropout) with a
sigmoid output, ModelCheckpoint("save_at_{epoch}.keras"), then one image saved with
keras.utils.save_img, read back with load_img / img_to_array and classified.
"""

import io
from contextlib import redirect_stdout

import numpy as np


def make_images(n, size, seed):
    """'Cats' (0): a reddish disc; 'dogs' (1): a bluish ring, on noise, 0..255."""
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    labels = rng.integers(0, 2, size=n)
    images = rng.uniform(0, 80, size=(n, h, w, 3))
    for i in range(n):
        cy, cx = rng.uniform(10, h - 10), rng.uniform(10, w - 10)
        r2 = (yy - cy) ** 2 + (xx - cx) ** 2
        if labels[i] == 0:
            images[i][r2 <= 36] += np.array([170.0, 60.0, 20.0])
        else:
            images[i][(r2 <= 64) & (r2 >= 16)] += np.array([20.0, 60.0, 170.0])
    return np.clip(images, 0, 255).astype("float32"), labels.astype("float32")


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    image_size = (32, 32)
    x_train, y_train = make_images(128, image_size, seed=1)
    x_val, y_val = make_images(64, image_size, seed=2)

    data_augmentation = keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
        ]
    )

    def make_model(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        # Image augmentation block
        x = data_augmentation(inputs)

        # Entry block
        x = layers.Rescaling(1.0 / 255)(x)
        x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        previous_block_activation = x  # Set aside residual

        for size in [32, 64]:
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

            # Project residual
            residual = layers.Conv2D(size, 1, strides=2, padding="same")(
                previous_block_activation
            )
            x = layers.add([x, residual])  # Add back residual
            previous_block_activation = x  # Set aside next residual

        x = layers.SeparableConv2D(96, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        x = layers.GlobalAveragePooling2D()(x)
        if num_classes == 2:
            activation = "sigmoid"
            units = 1
        else:
            activation = "softmax"
            units = num_classes

        x = layers.Dropout(0.5)(x)
        outputs = layers.Dense(units, activation=activation)(x)
        return keras.Model(inputs, outputs)

    model = make_model(input_shape=image_size + (3,), num_classes=2)
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()

    # Augmentation is only active in training.
    augmented_eval = data_augmentation(x_train[:4], training=False)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(augmented_eval), x_train[:4]
    )
    augmented = keras.ops.convert_to_numpy(
        data_augmentation(x_train[:4], training=True)
    )
    assert augmented.shape == x_train[:4].shape
    assert not np.allclose(augmented, x_train[:4])

    # Weights from a numpy seed: the untrained predictions are the same in both.
    rng = np.random.default_rng(0)
    model.set_weights(
        [
            rng.normal(size=w.shape).astype("float32") / np.sqrt(np.prod(w.shape[:-1]))
            if w.ndim > 1
            else w
            for w in model.get_weights()
        ]
    )
    untrained = model.predict(x_val[:8], verbose=0)

    epochs = 4
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(workdir / "save_at_{epoch}.keras")),
    ]
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=32,
        epochs=epochs,
        callbacks=callbacks,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    assert history.history["accuracy"][-1] > 0.9, history.history
    checkpoints = sorted(p.name for p in workdir.glob("save_at_*.keras"))

    # The last checkpoint is the model as it is now.
    reloaded = keras.models.load_model(workdir / f"save_at_{epochs}.keras")
    np.testing.assert_allclose(
        reloaded.predict(x_val, verbose=0),
        model.predict(x_val, verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )
    val_loss, val_acc = model.evaluate(x_val, y_val, verbose=0)

    # Run inference on new data.
    keras.utils.save_img(str(workdir / "6779.png"), x_val[0])
    img = keras.utils.load_img(str(workdir / "6779.png"), target_size=image_size)
    img_array = keras.utils.img_to_array(img)
    img_array = keras.ops.expand_dims(img_array, 0)  # Create batch axis

    predictions = model.predict(img_array, verbose=0)
    score = float(predictions[0][0])
    message = f"This image is {100 * (1 - score):.2f}% cat and {100 * score:.2f}% dog."

    return {
        "same_summary": buf.getvalue(),
        "same_params": model.count_params(),
        "same_trainable_params": int(
            sum(np.prod(w.shape) for w in model.trainable_weights)
        ),
        "same_non_trainable_params": int(
            sum(np.prod(w.shape) for w in model.non_trainable_weights)
        ),
        "same_augmentation_params": data_augmentation.count_params(),
        "same_layer_names": [layer.name for layer in model.layers],
        "same_reloaded_layer_types": [
            type(layer).__name__ for layer in reloaded.layers
        ],
        "same_reloaded_augmentation": [
            (type(layer).__name__, layer.get_config().get("factor"))
            for layer in reloaded.layers[1].layers
        ],
        "same_history_keys": sorted(history.history),
        "same_checkpoints": checkpoints,
        "same_img_type": type(img).__name__,
        "same_img_size": img.size,
        "same_img_array_shape": tuple(img_array.shape),
        "same_img_array": keras.ops.convert_to_numpy(img_array),
        "same_pred_shape": predictions.shape,
        "close_untrained": untrained,
        "val_acc": val_acc,
        "val_loss": val_loss,
        "message": message,
    }
