"""Writes the Keras 3 fixture files that tests/saving/test_keras_files.py loads.

Run with Keras 3 installed (`pip install "keras>=3.5" jax h5py`):

    KERAS_BACKEND=jax python tests/saving/make_fixtures.py

Each model is trained a few steps (so the file holds optimizer state too), saved
as `<name>.keras`, and its predictions on fixed inputs are stored next to it as
`<name>_x*.npy` / `<name>_y*.npy`.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def sequential_mlp():
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(4, activation="softmax"),
        ],
        name="mlp",
    )
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = rng.integers(0, 4, size=(32,))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    return model, [x[:6]]


def functional_two_inputs():
    a = keras.Input((5,), name="a")
    b = keras.Input((3,), name="b")
    h = keras.layers.Dense(8, activation="tanh", name="branch_a")(a)
    g = keras.layers.Dense(8, activation="relu", name="branch_b")(b)
    out_a = keras.layers.Dense(2, name="head_a")(h)
    out_b = keras.layers.Dense(1, activation="sigmoid", name="head_b")(g)
    model = keras.Model([a, b], [out_a, out_b], name="two_inputs")
    model.compile(optimizer="sgd", loss=["mse", "binary_crossentropy"])
    rng = np.random.default_rng(1)
    xa = rng.normal(size=(16, 5)).astype("float32")
    xb = rng.normal(size=(16, 3)).astype("float32")
    ya = rng.normal(size=(16, 2)).astype("float32")
    yb = rng.integers(0, 2, size=(16, 1)).astype("float32")
    model.fit([xa, xb], [ya, yb], epochs=1, batch_size=8, verbose=0)
    return model, [xa[:5], xb[:5]]


def small_convnet():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            keras.layers.Conv2D(4, 3, activation="relu", padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.Conv2D(3, 3, strides=2),
            keras.layers.Flatten(),
            keras.layers.Dense(3),
        ],
        name="convnet",
    )
    model.compile(optimizer="rmsprop", loss="mse")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 8, 8, 2)).astype("float32")
    y = rng.normal(size=(16, 3)).astype("float32")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    return model, [x[:4]]


def main():
    keras.utils.set_random_seed(0)
    os.makedirs(HERE, exist_ok=True)
    for name, build in [
        ("keras_sequential_mlp", sequential_mlp),
        ("keras_functional_two_inputs", functional_two_inputs),
        ("keras_convnet", small_convnet),
    ]:
        model, inputs = build()
        model.save(os.path.join(HERE, f"{name}.keras"))
        outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for i, x in enumerate(inputs):
            np.save(os.path.join(HERE, f"{name}_x{i}.npy"), x)
        for i, y in enumerate(outputs):
            np.save(os.path.join(HERE, f"{name}_y{i}.npy"), np.asarray(y))
        print("wrote", name)


if __name__ == "__main__":
    main()
