"""The public classes whose configs the saving tests check, and the constructor
arguments each needs (a callable takes the library, `kerasish` or `keras`)."""

import inspect

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


@keras.saving.register_keras_serializable(package="config_cases")
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
    "layers.RNN": lambda k: {"cell": k.layers.LSTMCell(3)},
    "layers.StackedRNNCells": lambda k: {
        "cells": [k.layers.LSTMCell(3), k.layers.GRUCell(2)]
    },
    "layers.Bidirectional": lambda k: {
        "layer": k.layers.LSTM(3, return_sequences=True)
    },
    "layers.TimeDistributed": lambda k: {"layer": k.layers.Dense(2)},
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
    "layers.Pipeline": lambda k: {"layers": [k.layers.RandomFlip(seed=1)]},
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
    "layers.JaxLayer": lambda k: {"call_fn": _jax_call},
    "layers.Wrapper": lambda k: {"layer": k.layers.Dense(2)},
    "layers.SpectralNormalization": lambda k: {"layer": k.layers.Dense(2)},
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
    "optimizers.LossScaleOptimizer": lambda k: {"inner_optimizer": k.optimizers.SGD()},
    "optimizers.MultiOptimizer": lambda k: {
        "optimizer_map": k.optimizers.OptimizerMap(default_optimizer=k.optimizers.SGD())
    },
    "optimizers.OptimizerMap": lambda k: {"default_optimizer": k.optimizers.SGD()},
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


def public_classes():
    cases = []
    for kind, module in MODULES.items():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and f"{kind}.{name}" not in NOT_SERIALIZABLE:
                cases.append(f"{kind}.{name}")
    return cases
