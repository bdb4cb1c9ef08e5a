"""Training & evaluation with built-in methods: custom losses and metrics, weights."""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 10)).astype("float32")
    y = (x @ rng.normal(size=(10,)) > 0).astype("int32")
    y_onehot = keras.utils.to_categorical(y, num_classes=2)

    def get_model():
        inputs = keras.Input(shape=(10,), name="features")
        h = layers.Dense(16, activation="relu", name="dense_1")(inputs)
        outputs = layers.Dense(2, activation="softmax", name="predictions")(h)
        return keras.Model(inputs, outputs)

    def custom_mse(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(
                shape=(), name="ctp", initializer="zeros"
            )

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives.value

        def reset_state(self):
            self.true_positives.assign(0.0)

    model = get_model()
    model.compile(optimizer="adam", loss=custom_mse, metrics=["categorical_accuracy"])
    h1 = model.fit(x, y_onehot, batch_size=64, epochs=2, verbose=0)

    model = get_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[CategoricalTruePositives()],
    )
    h2 = model.fit(x, y.reshape(-1, 1), batch_size=64, epochs=2, verbose=0)
    # The metric counts every row exactly once per epoch (256 rows, 4 batches).
    assert 0 <= h2.history["categorical_true_positives"][-1] <= 256, h2.history

    model = get_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    class_weight = {0: 1.0, 1: 2.0}
    h3 = model.fit(x, y, class_weight=class_weight, batch_size=64, epochs=1, verbose=0)
    sample_weight = np.ones(shape=(len(y),))
    sample_weight[y == 1] = 2.0
    h4 = model.fit(
        x, y, sample_weight=sample_weight, batch_size=64, epochs=1, verbose=0
    )
    h5 = model.fit(
        x[:200],
        y[:200],
        batch_size=50,
        epochs=2,
        validation_data=(x[200:], y[200:]),
        verbose=0,
    )
    results = model.evaluate(x, y, batch_size=128, verbose=0)
    preds = model.predict(x[:3], verbose=0)
    return {
        "same_h1": sorted(h1.history),
        "same_h2": sorted(h2.history),
        "same_h3": sorted(h3.history),
        "same_h4": sorted(h4.history),
        "same_h5": sorted(h5.history),
        "same_eval_len": len(results),
        # Keras 3 reports ["loss", "compile_metrics"] here; kerasish names each metric.
        "metrics_names": list(model.metrics_names),
        "same_pred_shape": preds.shape,
        "final_loss": h5.history["loss"][-1],
    }
