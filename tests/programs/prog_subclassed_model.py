"""A subclassed Model trained with the built-in loop (the Model class guide)."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)

    class MLP(keras.Model):
        def __init__(self, hidden=32, classes=3, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(hidden, activation="relu")
            self.dropout = layers.Dropout(0.2)
            self.out = layers.Dense(classes, activation="softmax")

        def call(self, inputs, training=False):
            x = self.hidden(inputs)
            x = self.dropout(x, training=training)
            return self.out(x)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 8)).astype("float32")
    y = np.argmax(x[:, :3], axis=1).astype("int32")
    model = MLP()
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=32, epochs=15, validation_split=0.2, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert result["accuracy"] > 0.75, result
    probs = model.predict(x[:5], verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    return {
        "same_history_keys": sorted(history.history),
        "same_epochs": len(history.history["loss"]),
        "same_eval_keys": sorted(result),
        "same_pred_shape": probs.shape,
        "same_n_layers": len(model.layers),
        "same_params": model.count_params(),
        "accuracy": result["accuracy"],
    }
