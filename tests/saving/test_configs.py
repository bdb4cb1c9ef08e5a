"""Every public class round-trips through its config (as JSON), and every layer
that can run on a small input also round-trips through a saved `.keras` file."""

import json

import numpy as np
import pytest

import kerasish as keras
from kerasish.saving import deserialize_keras_object, load_model, serialize_keras_object
from tests.helpers import keras3
from tests.saving.config_cases import ARGS, MODULES, public_classes

# Per-sample input shapes for layers that run in `Sequential([Input(shape), layer])`.
INPUT_SHAPES = {
    "Activation": (4,),
    "Dense": (4,),
    "Dropout": (4,),
    "Embedding": (3,),
    "Flatten": (2, 2),
    "Identity": (4,),
    "Lambda": (4,),
    "Reshape": (4,),
    "Conv1D": (5, 2),
    "Conv2D": (5, 5, 2),
    "Conv1DTranspose": (5, 2),
    "Conv2DTranspose": (5, 5, 2),
    "DepthwiseConv2D": (5, 5, 2),
    "SeparableConv2D": (5, 5, 2),
    "BatchNormalization": (4,),
    "LayerNormalization": (4,),
    "GaussianNoise": (4,),
    "GaussianDropout": (4,),
    "SimpleRNN": (3, 2),
    "LSTM": (3, 2),
    "GRU": (3, 2),
}


def _make(case):
    kind, name = case.split(".")
    cls = getattr(MODULES[kind], name)
    # Aliases (Convolution2D, AvgPool2D) share their class's arguments.
    args = ARGS.get(case) or ARGS.get(f"{kind}.{cls.__name__}", {})
    args = args(keras) if callable(args) else args
    try:
        return cls(**args)
    except TypeError as error:
        raise AssertionError(
            f"{case}: cannot build it with {ARGS.get(case, {})} ({error}). Add its "
            "constructor arguments to ARGS in tests/saving/config_cases.py."
        ) from error


def _normalize(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("case", public_classes())
def test_config_round_trip(case):
    obj = _make(case)
    config = obj.get_config()
    serialized = _normalize(serialize_keras_object(obj))  # must be JSON
    kind = case.split(".")[0]
    rebuilt = deserialize_keras_object(serialized, kind=kind)
    assert type(rebuilt) is type(obj)
    assert _normalize(rebuilt.get_config()) == _normalize(config)


LAYER_CASES = [
    c
    for c in public_classes()
    if c.startswith("layers.") and c.split(".")[1] in INPUT_SHAPES
]


@pytest.mark.parametrize("case", LAYER_CASES)
def test_layer_round_trip_through_a_keras_file(case, tmp_path):
    name = case.split(".")[1]
    shape = INPUT_SHAPES[name]
    dtype = "int32" if name == "Embedding" else "float32"
    layer = _make(case)
    model = keras.Sequential([keras.Input(shape, dtype=dtype), layer])
    rng = np.random.default_rng(0)
    x = (
        rng.integers(0, 10, size=(2, *shape)).astype(dtype)
        if dtype == "int32"
        else rng.normal(size=(2, *shape)).astype(dtype)
    )
    # Non-default weights, so that loading (not initialization) is what is seen.
    for v in model.weights:
        v.assign(rng.normal(size=v.shape).astype(v.dtype))
    model.save(tmp_path / "layer.keras")
    loaded = load_model(tmp_path / "layer.keras")
    assert type(loaded.layers[0]) is type(layer)
    assert _normalize(loaded.layers[0].get_config()) == _normalize(layer.get_config())
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


@pytest.mark.compat
def test_builtin_functions_serialize_in_keras_form_both_ways():
    """A built-in loss, metric or activation function is written as Keras
    writes its own (`module: builtins`), so Keras deserializes kerasish's
    config and the other way round."""
    k3 = keras3()
    metric = keras.metrics.mean_absolute_error
    assert keras.metrics.serialize(metric) == k3.metrics.serialize(
        k3.metrics.mean_absolute_error
    )  # (Keras's own metrics.deserialize cannot read this form back)
    pairs = [
        (keras.losses, k3.losses, "huber"),
        (keras.activations, k3.activations, "relu"),
    ]
    for ours, theirs, name in pairs:
        config = ours.serialize(getattr(ours, name))
        assert config == theirs.serialize(getattr(theirs, name))
        assert theirs.deserialize(config) is getattr(theirs, name)
        assert ours.deserialize(theirs.serialize(getattr(theirs, name))) is getattr(
            ours, name
        )


def test_a_registered_class_comes_before_a_builtin_of_the_same_name(tmp_path):
    """As Keras: a user's class registered as "package>Name" is rebuilt, not
    kerasish's own class of that name (ConvNeXt's StochasticDepth)."""

    @keras.saving.register_keras_serializable(package="demo_depth")
    class StochasticDepth(keras.layers.Layer):
        def __init__(self, drop_prop, **kwargs):
            super().__init__(**kwargs)
            self.drop_prop = drop_prop

        def call(self, x):
            return x * 2.0

        def get_config(self):
            return {**super().get_config(), "drop_prop": self.drop_prop}

    inputs = keras.Input((3,))
    model = keras.Model(inputs, StochasticDepth(0.1)(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.layers[1]) is StochasticDepth
    assert loaded.layers[1].drop_prop == 0.1
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3)), verbose=0), 2.0)


def test_a_function_is_serialized_in_keras_s_form():
    """As Keras (its `serialize_with_public_class` for a function): module
    "builtins", registered_name "function", the registered name in `config`."""

    @keras.saving.register_keras_serializable(package="fn_form")
    def scaled(x):
        return x * 3.0

    assert serialize_keras_object(scaled) == {
        "module": "builtins",
        "class_name": "function",
        "config": "fn_form>scaled",
        "registered_name": "function",
    }
    assert deserialize_keras_object(serialize_keras_object(scaled)) is scaled
    assert serialize_keras_object(keras.activations.relu)["config"] == "relu"
