"""Customizing saving: save_own_variables/load_own_variables, assets, build config."""

import os

import numpy as np


def run(keras, workdir):
    @keras.saving.register_keras_serializable(package="my_custom_package")
    class LayerWithCustomVariable(keras.layers.Dense):
        def __init__(self, units, **kwargs):
            super().__init__(units, **kwargs)
            self.my_variable = keras.Variable(
                np.random.random((units,)), name="my_variable", dtype="float32"
            )

        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["variables"] = self.my_variable.numpy()

        def load_own_variables(self, store):
            self.my_variable.assign(store["variables"])
            super().load_own_variables(store)

        def call(self, inputs):
            return super().call(inputs) + self.my_variable

    @keras.saving.register_keras_serializable(package="my_custom_package")
    class LayerWithCustomBuild(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return dict(units=self.units, **super().get_config())

        def build(self, input_shape, layer_init):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer=layer_init,
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer=layer_init, trainable=True
            )
            self.layer_init = layer_init
            self.built_shape = tuple(input_shape)

        def get_build_config(self):
            return {
                "layer_init": self.layer_init,
                "input_shape": self.built_shape,
            }

        def build_from_config(self, config):
            self.build(config["input_shape"], config["layer_init"])

    @keras.saving.register_keras_serializable(package="my_custom_package")
    class VocabLayer(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.vocab = []

        def save_assets(self, dir_path):
            with open(os.path.join(dir_path, "vocab.txt"), "w") as f:
                f.write("\n".join(self.vocab))

        def load_assets(self, dir_path):
            with open(os.path.join(dir_path, "vocab.txt")) as f:
                self.vocab = f.read().split("\n")

        def call(self, x):
            return x

    model = keras.Sequential([LayerWithCustomVariable(units=4)])
    model.build((None, 3))
    x = np.ones((2, 3), dtype="float32")
    expected = model.predict(x, verbose=0)
    path = os.path.join(workdir, "custom_vars.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-6)

    layer = LayerWithCustomBuild(units=16)
    layer.build(input_shape=(8,), layer_init="random_normal")
    build_model = keras.Sequential([layer])
    build_path = os.path.join(workdir, "custom_build.keras")
    build_model.save(build_path)
    build_back = keras.models.load_model(build_path)
    np.testing.assert_allclose(
        build_back.layers[0].w.numpy(), layer.w.numpy(), rtol=1e-6
    )

    vocab_layer = VocabLayer()
    vocab_layer.vocab = ["a", "b", "c"]
    vocab_model = keras.Sequential([keras.Input((2,)), vocab_layer])
    vocab_path = os.path.join(workdir, "vocab.keras")
    vocab_model.save(vocab_path)
    vocab_back = keras.models.load_model(vocab_path)
    return {
        "same_restored_variable": bool(
            np.allclose(
                restored.layers[0].my_variable.numpy(),
                model.layers[0].my_variable.numpy(),
            )
        ),
        "same_build_shape": tuple(build_back.layers[0].w.shape),
        "same_vocab": vocab_back.layers[0].vocab,
    }
