"""Every public class round-trips through its config (as JSON), and every layer
that can run on a small input also round-trips through a saved `.keras` file."""

import inspect
import json

import numpy as np
import pytest

import kerasish as keras
from kerasish import (
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    regularizers,
)
from kerasish.optimizers import schedules
from kerasish.saving import deserialize_keras_object, load_model, serialize_keras_object
from tests.helpers import keras3

MODULES = {
    "layers": layers,
    "losses": losses,
    "metrics": metrics,
    "optimizers": optimizers,
    "schedules": schedules,
    "initializers": initializers,
    "regularizers": regularizers,
    "constraints": constraints,
}

# Abstract bases and wrappers that are not rebuilt from a config on their own.
NOT_SERIALIZABLE = {
    "layers.InputSpec",  # a spec, not a layer
    "layers.Layer",
    "layers.Input",
    "optimizers.OptaxOptimizer",  # wraps a raw optax transformation (documented)
    "schedules.LearningRateSchedule",
    "regularizers.Regularizer",
    "losses.Loss",
    "metrics.Metric",
    "initializers.RandomInitializer",
    "layers.FlaxLayer",  # needs a Flax module (Flax is an optional extra)
}


def _double(x):
    return x * 2.0


@keras.saving.register_keras_serializable(package="test_configs")
def _jax_call(inputs):
    return inputs * 2.0


# Constructor arguments for classes that need some (others are built with none).
ARGS = {
    "layers.AveragePooling1D": {"pool_size": 2},
    "layers.AveragePooling2D": {"pool_size": 2},
    "layers.AveragePooling3D": {"pool_size": 2},
    "layers.Dot": {"axes": 1},
    "layers.Permute": {"dims": (2, 1)},
    "layers.RepeatVector": {"n": 3},
    "layers.SimpleRNNCell": {"units": 3},
    "layers.LSTMCell": {"units": 3},
    "layers.GRUCell": {"units": 3},
    "layers.RNN": lambda: {"cell": layers.LSTMCell(3)},
    "layers.StackedRNNCells": lambda: {
        "cells": [layers.LSTMCell(3), layers.GRUCell(2)]
    },
    "layers.Bidirectional": lambda: {"layer": layers.LSTM(3, return_sequences=True)},
    "layers.TimeDistributed": lambda: {"layer": layers.Dense(2)},
    "layers.RandomContrast": {"factor": 0.2, "seed": 1},
    "layers.RandomBrightness": {"factor": 0.2, "seed": 1},
    "layers.RandomColorDegeneration": {"factor": 0.5, "seed": 1},
    "layers.RandomHue": {"factor": 0.2, "seed": 1},
    "layers.RandomPosterization": {"factor": (1, 4), "seed": 1},
    "layers.RandomSaturation": {"factor": 0.5, "seed": 1},
    "layers.RandomSharpness": {"factor": 0.5, "seed": 1},
    "layers.RandomTranslation": {"height_factor": 0.1, "width_factor": 0.2, "seed": 1},
    "layers.RandomZoom": {"height_factor": 0.1, "seed": 1},
    "layers.RandomCrop": {"height": 2, "width": 2, "seed": 1},
    "layers.MaxNumBoundingBoxes": {"max_number": 2},
    "layers.Pipeline": lambda: {"layers": [layers.RandomFlip(seed=1)]},
    "layers.CategoryEncoding": {"num_tokens": 5, "output_mode": "count"},
    "layers.Discretization": {"bin_boundaries": [0.0, 1.0, 2.0]},
    "layers.GroupedQueryAttention": {
        "head_dim": 4,
        "num_query_heads": 4,
        "num_key_value_heads": 2,
    },
    "layers.GroupQueryAttention": {
        "head_dim": 4,
        "num_query_heads": 4,
        "num_key_value_heads": 2,
    },
    "layers.Activation": {"activation": "relu"},
    "layers.Dense": {"units": 3, "activation": "tanh"},
    "layers.Dropout": {"rate": 0.25, "seed": 3},
    "layers.Embedding": {"input_dim": 10, "output_dim": 4},
    "layers.InputLayer": {"shape": (4,)},
    "layers.Lambda": {"function": keras.activations.relu},
    "layers.Reshape": {"target_shape": (2, 2)},
    "layers.Conv1D": {"filters": 2, "kernel_size": 2},
    "layers.Conv2D": {"filters": 2, "kernel_size": 2},
    "layers.Conv3D": {"filters": 2, "kernel_size": 2},
    "layers.Conv1DTranspose": {"filters": 2, "kernel_size": 2},
    "layers.Conv2DTranspose": {"filters": 2, "kernel_size": 2},
    "layers.Conv3DTranspose": {"filters": 2, "kernel_size": 2},
    "layers.SeparableConv1D": {"filters": 2, "kernel_size": 2},
    "layers.SeparableConv2D": {"filters": 2, "kernel_size": 2},
    "layers.DepthwiseConv1D": {"kernel_size": 2},
    "layers.DepthwiseConv2D": {"kernel_size": 2},
    "layers.GaussianDropout": {"rate": 0.2},
    "layers.GaussianNoise": {"stddev": 0.2},
    "layers.AlphaDropout": {"rate": 0.2},
    "layers.SpatialDropout1D": {"rate": 0.2},
    "layers.SpatialDropout2D": {"rate": 0.2},
    "layers.SpatialDropout3D": {"rate": 0.2},
    "layers.SimpleRNN": {"units": 3},
    "layers.LSTM": {"units": 3},
    "layers.GRU": {"units": 3},
    "layers.EinsumDense": {"equation": "ab,bc->ac", "output_shape": 3},
    "layers.MultiHeadAttention": {"num_heads": 2, "key_dim": 2},
    "layers.Resizing": {"height": 2, "width": 2},
    "layers.CenterCrop": {"height": 2, "width": 2},
    "layers.RandomRotation": {"factor": 0.1},
    "layers.Rescaling": {"scale": 0.5},
    "layers.JaxLayer": lambda: {"call_fn": _jax_call},
    "layers.Wrapper": lambda: {"layer": layers.Dense(2)},
    "layers.SpectralNormalization": lambda: {"layer": layers.Dense(2)},
    "layers.ReversibleEmbedding": {"input_dim": 10, "output_dim": 4},
    "layers.Hashing": {"num_bins": 4, "salt": 3},
    "layers.HashedCrossing": {"num_bins": 4},
    "layers.STFTSpectrogram": {"frame_length": 8, "mode": "psd"},
    "layers.MelSpectrogram": {"fft_length": 64, "num_mel_bins": 8},
    "layers.AdaptiveAveragePooling1D": {"output_size": 2},
    "layers.AdaptiveAveragePooling2D": {"output_size": (2, 3)},
    "layers.AdaptiveAveragePooling3D": {"output_size": 2},
    "layers.AdaptiveMaxPooling1D": {"output_size": 2},
    "layers.AdaptiveMaxPooling2D": {"output_size": 2},
    "layers.AdaptiveMaxPooling3D": {"output_size": (1, 2, 3)},
    "layers.ConvLSTM1D": {"filters": 2, "kernel_size": 2},
    "layers.ConvLSTM2D": {"filters": 2, "kernel_size": 2, "padding": "same"},
    "layers.ConvLSTM3D": {"filters": 2, "kernel_size": 2},
    "losses.Circle": {"gamma": 10.0},
    "losses.LossFunctionWrapper": {"fn": losses.mean_squared_error},
    "metrics.IoU": {"num_classes": 3, "target_class_ids": [0, 1]},
    "metrics.OneHotIoU": {"num_classes": 3, "target_class_ids": [0, 1]},
    "metrics.MeanIoU": {"num_classes": 3},
    "metrics.OneHotMeanIoU": {"num_classes": 3},
    "metrics.MeanMetricWrapper": {"fn": losses.mean_squared_error},
    "metrics.PrecisionAtRecall": {"recall": 0.5},
    "metrics.RecallAtPrecision": {"precision": 0.5},
    "metrics.SensitivityAtSpecificity": {"specificity": 0.5},
    "metrics.SpecificityAtSensitivity": {"sensitivity": 0.5},
    "optimizers.LossScaleOptimizer": {"inner_optimizer": optimizers.SGD()},
    "optimizers.MultiOptimizer": {
        "optimizer_map": optimizers.OptimizerMap(default_optimizer=optimizers.SGD())
    },
    "optimizers.OptimizerMap": {"default_optimizer": optimizers.SGD()},
    "optimizers.Optimizer": {"learning_rate": 0.01},
    "schedules.CosineDecay": {"initial_learning_rate": 0.1, "decay_steps": 10},
    "schedules.CosineDecayRestarts": {
        "initial_learning_rate": 0.1,
        "first_decay_steps": 10,
    },
    "schedules.ExponentialDecay": {
        "initial_learning_rate": 0.1,
        "decay_steps": 10,
        "decay_rate": 0.9,
    },
    "schedules.InverseTimeDecay": {
        "initial_learning_rate": 0.1,
        "decay_steps": 10,
        "decay_rate": 0.5,
    },
    "schedules.PiecewiseConstantDecay": {"boundaries": [10], "values": [0.1, 0.01]},
    "schedules.PolynomialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10},
}

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


def _public_classes():
    cases = []
    for kind, module in MODULES.items():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and f"{kind}.{name}" not in NOT_SERIALIZABLE:
                cases.append(f"{kind}.{name}")
    return cases


def _make(case):
    kind, name = case.split(".")
    cls = getattr(MODULES[kind], name)
    # Aliases (Convolution2D, AvgPool2D) share their class's arguments.
    args = ARGS.get(case) or ARGS.get(f"{kind}.{cls.__name__}", {})
    args = args() if callable(args) else args
    try:
        return cls(**args)
    except TypeError as error:
        raise AssertionError(
            f"{case}: cannot build it with {ARGS.get(case, {})} ({error}). Add its "
            "constructor arguments to ARGS in tests/saving/test_configs.py."
        ) from error


def _normalize(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("case", _public_classes())
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
    for c in _public_classes()
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
