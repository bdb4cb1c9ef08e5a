"""Adaptive pooling layers: against a numpy loop over PyTorch-style bins and Keras."""

import itertools
import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

from kerasish import layers

RNG = np.random.default_rng(0)


def np_adaptive_pool(x, output_size, reduce, data_format="channels_last"):
    """Bin i of an axis of length L pooled to n covers [floor(iL/n), ceil((i+1)L/n))."""
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0], *output_size, x.shape[-1]), x.dtype)
    for idx in itertools.product(*(range(n) for n in output_size)):
        window = tuple(
            slice(math.floor(i * length / n), math.ceil((i + 1) * length / n))
            for i, length, n in zip(idx, spatial, output_size)
        )
        block = x[(slice(None), *window, slice(None))]
        axes = tuple(range(1, 1 + len(spatial)))
        out[(slice(None), *idx, slice(None))] = reduce(block, axis=axes)
    if data_format == "channels_first":
        out = np.moveaxis(out, -1, 1)
    return out


CASES = [
    (1, (7,), 3),
    (2, (5, 7), (3, 2)),
    (3, (4, 5, 3), 2),
]


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("rank, spatial, output_size", CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_adaptive_pooling_matches_numpy_and_keras(
    kind, rank, spatial, output_size, data_format
):
    shape = (2, *spatial, 3) if data_format == "channels_last" else (2, 3, *spatial)
    x = RNG.normal(size=shape).astype("float32")
    name = f"Adaptive{kind}Pooling{rank}D"
    layer = getattr(layers, name)(output_size, data_format=data_format)
    got = np.asarray(layer(x))
    sizes = (output_size,) * rank if isinstance(output_size, int) else output_size
    reduce = np.max if kind == "Max" else np.mean
    np.testing.assert_allclose(
        got, np_adaptive_pool(x, sizes, reduce, data_format), rtol=1e-5, atol=1e-6
    )
    ref = getattr(keras.layers, name)(output_size, data_format=data_format)
    assert layer.compute_output_shape(shape) == ref.compute_output_shape(shape)
    if data_format == "channels_last":  # one Keras run per case is enough
        np.testing.assert_allclose(got, np.asarray(ref(x)), rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    assert config["output_size"] == ref.get_config()["output_size"]
    again = getattr(layers, name).from_config(config)
    np.testing.assert_allclose(np.asarray(again(x)), got)


def test_adaptive_pooling_in_a_model_predict():
    inputs = layers.Input((6, 6, 2))
    outputs = layers.AdaptiveMaxPooling2D((2, 3))(inputs)
    from kerasish import models

    model = models.Model(inputs, outputs)
    x = RNG.normal(size=(3, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), np_adaptive_pool(x, (2, 3), np.max), rtol=1e-6
    )


@pytest.mark.parametrize(
    "output_size, error, match",
    [
        ("2", TypeError, "output_size.*got '2'"),
        ((2, 2, 2), ValueError, "tuple of 2 positive ints.*length 3"),
        ((2, 0), ValueError, "positive"),
    ],
)
def test_adaptive_pooling_rejects_bad_output_size(output_size, error, match):
    with pytest.raises(error, match=match):
        layers.AdaptiveAveragePooling2D(output_size)


def test_adaptive_pooling_rejects_bad_rank():
    with pytest.raises(ValueError, match="AdaptiveMaxPooling1D"):
        layers.AdaptiveMaxPooling1D(2)(np.ones((2, 4, 4, 3), "float32"))
