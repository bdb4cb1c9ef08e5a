"""Keras's saving hooks on custom classes, written as the Keras saving guide
writes them: `save_own_variables`/`load_own_variables` (dict-like stores with
keys "0", "1", ...), `save_assets`/`load_assets` (a directory inside the
archive) and `get_build_config`/`build_from_config`; compared with Keras."""

import os

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

_CLASSES = {}


def _classes(k):
    """The guide's custom classes, defined against library `k` (once each)."""
    if k.__name__ in _CLASSES:
        return _CLASSES[k.__name__]

    @k.saving.register_keras_serializable(package="hooks_guide")
    class LookupTable(k.layers.Layer):
        def __init__(self, vocabulary=None, **kwargs):
            super().__init__(**kwargs)
            self.vocabulary = vocabulary
            self.calls = []

        def save_assets(self, dir_path):
            with open(os.path.join(dir_path, "vocabulary.txt"), "w") as f:
                f.write("\n".join(self.vocabulary))

        def load_assets(self, dir_path):
            self.calls.append(sorted(os.listdir(dir_path)))
            with open(os.path.join(dir_path, "vocabulary.txt")) as f:
                self.vocabulary = f.read().splitlines()

        def call(self, inputs):
            return inputs

    @k.saving.register_keras_serializable(package="hooks_guide")
    class LayerWithCustomVariable(k.layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)
            self.my_variable = self.add_weight(
                shape=(self.units,), initializer="zeros", trainable=False
            )

        def save_own_variables(self, store):
            super().save_own_variables(store)
            # Stored a second time, under a name of our own.
            store["variables"] = np.asarray(self.my_variable.numpy()) * 2

        def load_own_variables(self, store):
            self.keys_seen = sorted(store.keys())
            self.my_variable.assign(store["variables"] / 2)
            for i, v in enumerate(self.weights):
                if v is not self.my_variable:
                    v.assign(store[f"{i}"])

        def call(self, inputs):
            return super().call(inputs) + self.my_variable

    @k.saving.register_keras_serializable(package="hooks_guide")
    class LayerWithCustomBuild(k.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def call(self, inputs):
            return k.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return dict(units=self.units, **super().get_config())

        def build(self, input_shape, layer_init):
            self._input_shape = input_shape
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer=layer_init
            )
            self.b = self.add_weight(shape=(self.units,), initializer=layer_init)
            self.layer_init = layer_init
            self.built = True

        def get_build_config(self):
            return {"layer_init": self.layer_init, "input_shape": self._input_shape}

        def build_from_config(self, config):
            self.build(config["input_shape"], config["layer_init"])

    _CLASSES[k.__name__] = (LookupTable, LayerWithCustomVariable, LayerWithCustomBuild)
    return _CLASSES[k.__name__]


def _libraries(direction):
    if direction == "kerasish":
        return kerasish, kerasish
    keras = keras3()
    return (keras, kerasish) if direction == "keras->kerasish" else (kerasish, keras)


DIRECTIONS = [
    "kerasish",
    pytest.param("keras->kerasish", marks=pytest.mark.compat),
    pytest.param("kerasish->keras", marks=pytest.mark.compat),
]


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_assets_hooks(tmp_path, direction):
    source, target = _libraries(direction)
    _classes(target)
    LookupTable = _classes(source)[0]
    model = source.Sequential(
        [source.Input((2,)), LookupTable(vocabulary=["x", "y", "z"])]
    )
    path = tmp_path / "assets.keras"
    model.save(path)
    loaded = target.saving.load_model(path)
    layer = loaded.layers[-1]
    assert layer.vocabulary == ["x", "y", "z"]
    assert layer.calls == [["vocabulary.txt"]]


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_own_variables_hooks(tmp_path, direction):
    source, target = _classes_for(direction)
    rng = np.random.default_rng(0)
    model = source.Sequential(
        [source.Input((3,)), _classes(source)[1](4, name="custom")]
    )
    layer = model.layers[-1]
    layer.kernel.assign(rng.normal(size=(3, 4)).astype("float32"))
    layer.my_variable.assign(np.arange(4, dtype="float32"))
    x = rng.normal(size=(2, 3)).astype("float32")
    want = np.asarray(model(x))
    path = tmp_path / "own.keras"
    model.save(path)
    loaded = target.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(x)), want, rtol=1e-6, atol=1e-6)
    # Keras's Dense writes only its kernel and bias by index; kerasish writes
    # every own variable: either way the hook sees the indices and its key.
    keys = loaded.layers[-1].keys_seen
    assert keys[:2] == ["0", "1"] and keys[-1] == "variables"
    # The same through a weights file.
    model.save_weights(tmp_path / "own.weights.h5")
    fresh = target.Sequential(
        [target.Input((3,)), _classes(target)[1](4, name="custom")]
    )
    fresh.load_weights(tmp_path / "own.weights.h5")
    np.testing.assert_allclose(np.asarray(fresh(x)), want, rtol=1e-6, atol=1e-6)


def _classes_for(direction):
    source, target = _libraries(direction)
    _classes(source), _classes(target)
    return source, target


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_build_config_hooks(tmp_path, direction):
    source, target = _classes_for(direction)
    layer = _classes(source)[2](units=5)
    layer.build(input_shape=(8,), layer_init="random_normal")
    model = source.Sequential([layer])
    x = np.random.default_rng(1).normal(size=(2, 8)).astype("float32")
    want = np.asarray(layer(x))
    path = tmp_path / "build.keras"
    model.save(path)
    loaded = target.saving.load_model(path)
    rebuilt = loaded.layers[-1]
    assert rebuilt.layer_init == "random_normal"
    assert tuple(rebuilt._input_shape) == (8,)
    np.testing.assert_allclose(np.asarray(rebuilt(x)), want, rtol=1e-6, atol=1e-6)


def test_failing_load_own_variables_names_the_layer(tmp_path):
    Base = _classes(kerasish)[1]
    model = kerasish.Sequential([kerasish.Input((3,)), Base(4, name="custom")])
    model.save_weights(tmp_path / "w.weights.h5")

    class LayerWithCustomVariable(Base):  # same class name: same path
        def load_own_variables(self, store):
            store["missing"]

    other = kerasish.Sequential(
        [kerasish.Input((3,)), LayerWithCustomVariable(4, name="custom")]
    )
    with pytest.raises(ValueError, match="custom.*load_own_variables.*missing"):
        other.load_weights(tmp_path / "w.weights.h5")


def _compile_hook_model(k):
    """The Keras saving guide's model with its own compile arguments, saved
    through `get_compile_config` and restored by `compile_from_config`."""

    class CustomCompiled(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = k.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

        def compile(self, model_optimizer, loss_fn, **kwargs):
            super().compile(optimizer=model_optimizer, loss=loss_fn, **kwargs)
            self.model_optimizer = model_optimizer
            self.loss_fn = loss_fn

        def get_compile_config(self):
            return {"model_optimizer": self.model_optimizer, "loss_fn": self.loss_fn}

        def compile_from_config(self, config):
            optimizer = k.utils.deserialize_keras_object(config["model_optimizer"])
            loss_fn = k.utils.deserialize_keras_object(config["loss_fn"])
            self.compile(model_optimizer=optimizer, loss_fn=loss_fn)
            self.restored_with = (type(optimizer).__name__, type(loss_fn).__name__)

    return CustomCompiled


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_compile_config_hooks(tmp_path, direction):
    source, target = _libraries(direction)
    model = _compile_hook_model(source)()
    model.compile(
        model_optimizer=source.optimizers.SGD(0.3, momentum=0.5),
        loss_fn=source.losses.Huber(),
    )
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    model.fit(x, np.ones((4, 2), "float32"), verbose=0)
    # Keras saves the optimizer where its walk meets it first: the attribute.
    state = [np.asarray(v) for v in model.optimizer.variables]
    path = tmp_path / "compiled.keras"
    model.save(path)
    loaded = target.saving.load_model(
        path, custom_objects={"CustomCompiled": _compile_hook_model(target)}
    )
    assert loaded.compiled
    assert loaded.restored_with == ("SGD", "Huber")
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.3)
    if target is not kerasish:
        return  # Keras builds no optimizer after an overridden compile_from_config
    restored = [np.asarray(v) for v in loaded.optimizer.variables]
    assert len(restored) == len(state) == 4  # iterations, lr, two momentums
    for a, b in zip(restored, state):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_custom_compile_without_hooks_loads_uncompiled_with_keras_warning(tmp_path):
    class OwnCompile(kerasish.Model):
        def compile(self, d_optimizer, **kwargs):
            super().compile(**kwargs)
            self.d_optimizer = d_optimizer

    inputs = kerasish.Input((3,))
    model = OwnCompile(inputs, kerasish.layers.Dense(2)(inputs))
    model.compile("sgd", optimizer="adam", loss="mse")
    model.save(tmp_path / "own.keras")
    with pytest.warns(UserWarning, match=r"`compile\(\)` was not called as part of"):
        loaded = kerasish.saving.load_model(
            tmp_path / "own.keras", custom_objects={"OwnCompile": OwnCompile}
        )
    assert not loaded.compiled
