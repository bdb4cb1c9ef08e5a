"""Reproducibility: set_random_seed makes initialization, dropout and fit repeat."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")

    def train():
        keras.utils.set_random_seed(42)
        model = keras.Sequential(
            [
                keras.Input((6,)),
                layers.Dense(8, activation="relu"),
                layers.Dropout(0.5),
                layers.Dense(1),
            ]
        )
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model.get_weights(), history.history["loss"]

    w1, l1 = train()
    w2, l2 = train()
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert l1 == l2
    keras.utils.set_random_seed(7)
    a = np.asarray(keras.random.normal((3,), seed=keras.random.SeedGenerator(1)))
    keras.utils.set_random_seed(7)
    b = np.asarray(keras.random.normal((3,), seed=keras.random.SeedGenerator(1)))
    np.testing.assert_array_equal(a, b)
    same_seed = np.asarray(keras.random.uniform((4,), seed=3))
    same_seed2 = np.asarray(keras.random.uniform((4,), seed=3))
    np.testing.assert_array_equal(same_seed, same_seed2)
    return {"same_repeats": True, "same_n_weights": len(w1)}
