"""A simple MNIST-style convnet on scikit-learn's digits, with to_categorical."""


def run(keras, workdir):
    from sklearn.datasets import load_digits

    layers = keras.layers
    keras.utils.set_random_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = keras.utils.to_categorical(digits.target, 10)
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.Adam(0.01),
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train, y_train, batch_size=64, epochs=10, validation_split=0.1, verbose=0
    )
    score = model.evaluate(x_test, y_test, verbose=0)
    assert score[1] > 0.9, score
    return {
        "same_params": model.count_params(),
        "same_keys": sorted(history.history),
        "same_y_shape": y.shape,
        "same_y_row": y[0].tolist(),
        "accuracy": score[1],
    }
