"""Serialization and saving: .keras, .weights.h5, configs, custom objects, JSON."""

import os

import numpy as np


def run(keras, workdir):
    keras.utils.set_random_seed(0)

    @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_fn(x):
        return x**2

    @keras.saving.register_keras_serializable(package="MyLayers")
    class CustomLayer(keras.layers.Layer):
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    @keras.saving.register_keras_serializable(package="my_package", name="MyModel")
    class MyModel(keras.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = keras.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {"units": self.units}

    inputs = keras.Input(shape=(4,))
    x = CustomLayer(0.5)(inputs)
    x = keras.layers.Dense(3, activation=custom_fn)(x)
    outputs = keras.layers.Dense(2)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    data = rng.normal(size=(32, 4)).astype("float32")
    model.fit(data, rng.normal(size=(32, 2)), epochs=1, verbose=0)
    expected = model.predict(data, verbose=0)

    path = os.path.join(workdir, "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(data, verbose=0), expected, rtol=1e-5)

    weights_path = os.path.join(workdir, "model.weights.h5")
    model.save_weights(weights_path)
    clone = keras.Model.from_config(model.get_config())
    clone.load_weights(weights_path)
    np.testing.assert_allclose(clone.predict(data, verbose=0), expected, rtol=1e-5)

    from_json = keras.models.model_from_json(model.to_json())
    sub = MyModel(3)
    sub(data)
    sub_path = os.path.join(workdir, "sub.keras")
    sub.save(sub_path)
    sub_back = keras.models.load_model(sub_path)
    np.testing.assert_allclose(sub_back(data), sub(data), rtol=1e-5)
    return {
        "same_config_keys": sorted(model.get_config()),
        "same_registered": keras.saving.get_registered_name(CustomLayer),
        "same_fn_name": keras.saving.get_registered_name(custom_fn),
        "same_json_layers": len(from_json.layers),
        "same_optimizer": type(reloaded.optimizer).__name__,
        "same_layer_classes": [type(layer).__name__ for layer in reloaded.layers],
    }
