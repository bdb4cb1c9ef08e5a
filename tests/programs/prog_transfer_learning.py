"""Transfer learning & fine-tuning: freezing, BatchNormalization in inference mode."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    layer = layers.Dense(3)
    layer.build((None, 4))
    counts = (len(layer.weights), len(layer.trainable_weights))
    layer.trainable = False
    frozen_counts = (len(layer.weights), len(layer.trainable_weights))

    bn = layers.BatchNormalization()
    bn.build((None, 4))
    bn_counts = (
        len(bn.weights),
        len(bn.trainable_weights),
        len(bn.non_trainable_weights),
    )

    base_model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.BatchNormalization(),
            layers.GlobalAveragePooling2D(),
        ],
        name="base",
    )
    base_model.trainable = False
    inputs = keras.Input(shape=(8, 8, 3))
    x = base_model(inputs, training=False)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    trainable_before = len(model.trainable_weights)
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy()],
    )
    rng = np.random.default_rng(0)
    x_data = rng.random((64, 8, 8, 3)).astype("float32")
    y_data = rng.integers(0, 2, size=(64, 1))
    frozen_before = [w.copy() for w in base_model.get_weights()]
    model.fit(x_data, y_data, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(frozen_before, base_model.get_weights()):
        np.testing.assert_array_equal(a, b)  # frozen, and BN ran in inference mode

    base_model.trainable = True
    model.compile(
        optimizer=keras.optimizers.Adam(1e-5),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy()],
    )
    trainable_after = len(model.trainable_weights)
    history = model.fit(x_data, y_data, epochs=1, batch_size=16, verbose=0)
    moving_mean = base_model.layers[1].moving_mean.numpy()
    return {
        "same_counts": counts,
        "same_frozen": frozen_counts,
        "same_bn": bn_counts,
        "same_trainable_before": trainable_before,
        "same_trainable_after": trainable_after,
        "same_keys": sorted(history.history),
        # Keras 3 lets fit's training=True override the training=False recorded
        # at call time, so its statistics move; kerasish keeps the guide's promise.
        "bn_statistics_moved": bool(np.any(moving_mean != 0)),
    }
