"""The endpoint layer pattern: a layer adds the loss; compile() names none."""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    class LogisticEndpoint(layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)
            return ops.softmax(logits)

    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    rng = np.random.default_rng(0)
    model.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.2 for w in model.get_weights()]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    data = {
        "inputs": rng.random((3, 3)).astype("float32"),
        "targets": rng.random((3, 10)).astype("float32"),
    }
    history = model.fit(data, epochs=3, verbose=0)
    return {
        "same_keys": sorted(history.history),
        "close_loss": history.history["loss"],
    }
