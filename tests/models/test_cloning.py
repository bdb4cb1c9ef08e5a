"""clone_model, model_from_json / to_json and save_model, against values and Keras."""

import inspect

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.models import Functional, clone_model, model_from_json
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 4)).astype("float32")


def _functional():
    inputs = keras.Input((4,), name="x")
    hidden = layers.Dense(3, activation="tanh", name="hidden")(inputs)
    shared = layers.Dense(3, name="shared")
    outputs = layers.Dense(1, name="out")(shared(shared(hidden)))
    return keras.Model(inputs, outputs, name="net")


def _reference(weights, x):
    w1, b1, ws, bs, wo, bo = weights
    h = np.tanh(x @ w1 + b1)
    h = (h @ ws + bs) @ ws + bs
    return h @ wo + bo


def _assert_fresh_weights(model, clone):
    assert len(clone.weights) == len(model.weights)
    ids = {id(v) for v in model.weights}
    assert all(id(v) not in ids for v in clone.weights)
    assert [v.shape for v in clone.weights] == [v.shape for v in model.weights]
    assert any(
        not np.allclose(a, b) for a, b in zip(clone.get_weights(), model.get_weights())
    )


def test_clone_sequential_has_new_weights_and_same_structure():
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(2)],
        name="seq",
    )
    clone = clone_model(model)
    assert isinstance(clone, keras.Sequential) and clone.name == "seq"
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    _assert_fresh_weights(model, clone)
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(X), model(X), rtol=1e-6)
    # Changing the clone leaves the model alone.
    before = model.get_weights()
    clone.set_weights([w + 1 for w in clone.get_weights()])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_clone_functional_shared_layer_cloned_once():
    model = _functional()
    clone = clone_model(model)
    assert isinstance(clone, Functional) and clone.name == "net"
    assert [layer.name for layer in clone.layers] == [
        layer.name for layer in model.layers
    ]
    _assert_fresh_weights(model, clone)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(
        clone(X), _reference(model.get_weights(), X), rtol=1e-5, atol=1e-6
    )


def test_clone_function_swaps_layers():
    model = _functional()

    def clone_function(layer):
        config = layer.get_config()
        if layer.name == "hidden":
            config["activation"] = "relu"
        return type(layer).from_config(config)

    clone = clone_model(model, clone_function=clone_function)
    assert clone.get_layer("hidden").get_config()["activation"] == "relu"
    clone.set_weights(model.get_weights())
    w1, b1, ws, bs, wo, bo = model.get_weights()
    h = np.maximum(X @ w1 + b1, 0)
    expected = ((h @ ws + bs) @ ws + bs) @ wo + bo
    np.testing.assert_allclose(clone(X), expected, rtol=1e-5, atol=1e-6)


def test_call_function_inserts_layers_and_reuses_weights():
    model = _functional()

    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if layer.name == "out":
            out = layers.Rescaling(10.0)(out)
        return out

    clone = clone_model(
        model, clone_function=lambda layer: layer, call_function=call_function
    )
    assert clone.get_layer("out") is model.get_layer("out")  # same layers
    np.testing.assert_allclose(clone(X), 10 * np.asarray(model(X)), rtol=1e-5)


def test_input_tensors_and_recursive_nested_models():
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="inner_dense")])
    inputs = keras.Input((4,), name="x")
    model = keras.Model(inputs, layers.Dense(1, name="head")(inner(inputs)))
    new_inputs = keras.Input((4,), name="fresh")
    clone = clone_model(model, input_tensors=new_inputs)
    assert clone.inputs[0] is new_inputs
    nested = [layer for layer in clone.layers if isinstance(layer, keras.Sequential)]
    assert len(nested) == 1 and nested[0] is not inner
    deep = clone_model(model, recursive=True)
    deep_inner = [la for la in deep.layers if isinstance(la, keras.Sequential)][0]
    assert deep_inner is not inner and deep_inner.layers[0] is not inner.layers[0]
    deep.set_weights(model.get_weights())
    np.testing.assert_allclose(deep(X), model(X), rtol=1e-6)


def test_clone_subclassed_model_through_its_config():
    class Scaled(keras.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x) * 2.0

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Scaled(units=3, name="scaled")
    model(X)
    clone = clone_model(model)
    assert type(clone) is Scaled and clone.units == 3 and clone.name == "scaled"
    clone(X)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(X), model(X), rtol=1e-6)
    with pytest.raises(ValueError, match="only supported for Sequential"):
        clone_model(model, clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="only supported for Functional"):
        clone_model(model, call_function=lambda layer, *a: layer(*a))


def test_clone_keeps_compile_settings():
    model = _functional()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    clone = clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert float(clone.optimizer.learning_rate) == pytest.approx(0.05)
    clone.set_weights(model.get_weights())
    y = RNG.normal(size=(6, 1)).astype("float32")
    ours = clone.evaluate(X, y, verbose=0, return_dict=True)
    theirs = model.evaluate(X, y, verbose=0, return_dict=True)
    assert sorted(ours) == sorted(theirs) == ["loss", "mae"]
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-5)


def test_errors():
    model = _functional()
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="`call_function` argument is not supported"):
        clone_model(seq, call_function=lambda layer, *a: layer(*a))
    with pytest.raises(ValueError, match="callable"):
        clone_model(model, clone_function="dense")
    with pytest.raises(ValueError, match="Unexpected keyword"):
        clone_model(model, deep=True)
    with pytest.raises(ValueError, match="same structure"):
        clone_model(model, input_tensors=[keras.Input((4,)), keras.Input((4,))])
    with pytest.raises(ValueError, match="KerasTensors"):
        clone_model(model, input_tensors=np.ones((1, 4)))
    with pytest.raises(ValueError, match="single tensor"):
        clone_model(seq, input_tensors=[keras.Input((4,)), keras.Input((4,))])


def test_to_json_model_from_json_round_trip():
    for model in (
        _functional(),
        keras.Sequential([keras.Input((4,)), layers.Dense(2), layers.PReLU()]),
    ):
        text = model.to_json()
        rebuilt = model_from_json(text)
        assert type(rebuilt) is type(model)
        assert rebuilt.to_json() == text
        rebuilt.set_weights(model.get_weights())
        np.testing.assert_allclose(rebuilt(X), model(X), rtol=1e-6)
    assert '\n  "' in model.to_json(indent=2)


def test_model_from_json_custom_objects():
    class Double(layers.Layer):
        def call(self, x):
            return x * 2.0

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Double(name="double")(inputs))
    rebuilt = model_from_json(model.to_json(), custom_objects={"Double": Double})
    np.testing.assert_allclose(rebuilt(X), 2 * X, rtol=1e-6)
    with pytest.raises(TypeError, match="Unknown object 'Double'"):  # as Keras
        model_from_json(model.to_json())


def test_save_model_delegates_to_saving(tmp_path):
    model = _functional()
    path = tmp_path / "m.keras"
    keras.models.save_model(model, path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded(X), model(X), rtol=1e-6)


@pytest.mark.compat
def test_signatures_and_keras_json_loads():
    k = keras3()
    for name in ("clone_model", "model_from_json", "save_model"):
        assert inspect.signature(getattr(keras.models, name)) == inspect.signature(
            getattr(k.models, name)
        )
    assert inspect.signature(keras.Model.to_json) == inspect.signature(k.Model.to_json)
    inputs = k.Input((4,), name="x")
    hidden = k.layers.Dense(3, activation="tanh", name="hidden")(inputs)
    theirs = k.Model(inputs, k.layers.Dense(1, name="out")(hidden))
    ours = model_from_json(theirs.to_json())
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(X), np.asarray(theirs(X)), rtol=1e-5, atol=1e-6)
    their_clone = k.models.clone_model(theirs)
    our_clone = clone_model(ours)
    names = [layer.name for layer in their_clone.layers]
    assert [layer.name for layer in our_clone.layers] == names


def test_clone_of_a_compiled_model_has_a_built_optimizer_as_keras():
    """Keras's `compile_from_config` builds the optimizer for the clone: Adam's
    iteration count, learning rate and two moments per weight."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    clone = keras.models.clone_model(model)
    assert clone.optimizer is not model.optimizer
    assert len(clone.optimizer.variables) == 2 + 2 * len(clone.trainable_variables)


@pytest.mark.compat
def test_to_json_holds_build_and_compile_configs_as_keras():
    """Keras's `to_json` (and `serialize_keras_object`) of a model holds its
    build config and `get_compile_config()` (`{}` before compile);
    `model_from_json` compiles the rebuilt model again."""
    import json

    k3 = keras3()
    seen = []
    for lib in (k3, keras):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
        before = json.loads(model.to_json())
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        after = json.loads(model.to_json())
        rebuilt = lib.models.model_from_json(model.to_json())
        again = lib.saving.deserialize_keras_object(
            lib.saving.serialize_keras_object(model)
        )
        seen.append(
            (
                sorted(before),
                before["compile_config"],
                before["build_config"],
                after["compile_config"]["loss"],
                after["compile_config"]["metrics"],
                after["compile_config"]["optimizer"]["class_name"],
                rebuilt.compiled,
                type(rebuilt.optimizer).__name__,
                again.compiled,
            )
        )
    assert seen[1] == seen[0]
    assert seen[1][-3:] == (True, "Adam", True)
