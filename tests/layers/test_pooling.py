"""Max/Average/Global pooling against direct-loop numpy references and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import itertools

import numpy as np
import pytest

from kerasish.layers import pooling
from kerasish.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)


def np_pool(x, pool_size, strides, padding, mode, data_format="channels_last"):
    """Direct loop: each window's max / mean over the real (unpadded) elements."""
    n = x.ndim - 2
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    sizes = x.shape[1:-1]
    starts = []
    for size, k, s in zip(sizes, pool_size, strides):
        if padding == "valid":
            out = (size - k) // s + 1
            left = 0
        else:
            out = -(-size // s)
            left = max((out - 1) * s + k - size, 0) // 2
        starts.append([o * s - left for o in range(out)])
    result = np.zeros((x.shape[0], *map(len, starts), x.shape[-1]))
    for pos in itertools.product(*[range(len(s)) for s in starts]):
        window = tuple(
            slice(max(starts[i][pos[i]], 0), starts[i][pos[i]] + pool_size[i])
            for i in range(n)
        )
        patch = x[(slice(None), *window)].reshape(x.shape[0], -1, x.shape[-1])
        reduce = np.max if mode == "max" else np.mean
        result[(slice(None), *pos)] = reduce(patch, axis=1)
    if data_format == "channels_first":
        result = np.moveaxis(result, -1, 1)
    return result


CASES = [
    (MaxPooling1D, (2, 9, 3), dict()),
    (MaxPooling1D, (2, 9, 3), dict(pool_size=3, strides=2, padding="same")),
    (
        MaxPooling1D,
        (2, 3, 9),
        dict(pool_size=2, strides=1, data_format="channels_first"),
    ),  # fmt: skip
    (MaxPooling2D, (2, 7, 6, 3), dict()),
    (
        MaxPooling2D,
        (2, 7, 6, 3),
        dict(pool_size=(3, 2), strides=(2, 1), padding="same"),
    ),  # fmt: skip
    (
        MaxPooling2D,
        (1, 3, 7, 5),
        dict(pool_size=3, strides=2, padding="same", data_format="channels_first"),
    ),  # fmt: skip
    (MaxPooling3D, (1, 5, 4, 6, 2), dict(pool_size=(2, 2, 3), padding="same")),
    (AveragePooling1D, (2, 9, 3), dict(pool_size=2)),
    (AveragePooling1D, (2, 10, 3), dict(pool_size=4, strides=3, padding="same")),
    (AveragePooling2D, (2, 7, 6, 3), dict(pool_size=2, strides=1)),
    (AveragePooling2D, (2, 7, 6, 3), dict(pool_size=3, strides=2, padding="same")),
    (
        AveragePooling2D,
        (1, 3, 7, 5),
        dict(pool_size=(2, 3), padding="same", data_format="channels_first"),
    ),  # fmt: skip
    (AveragePooling3D, (1, 5, 4, 6, 2), dict(pool_size=2, strides=(1, 2, 2))),
    (AveragePooling3D, (1, 5, 4, 6, 2), dict(pool_size=3, strides=2, padding="same")),
]


@pytest.mark.parametrize("cls, shape, kwargs", CASES)
def test_pooling_matches_direct_loop(cls, shape, kwargs):
    rng = np.random.default_rng(0)
    layer = cls(**kwargs)
    x = rng.normal(size=shape).astype("float32")
    mode = "max" if cls.__name__.startswith("Max") else "average"
    expected = np_pool(
        x, layer.pool_size, layer.strides, layer.padding, mode, layer.data_format
    )
    out = layer(x)
    assert out.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    assert layer.count_params() == 0


def test_pooling_defaults_and_aliases():
    assert MaxPooling1D().pool_size == (2,) and MaxPooling1D().strides == (2,)
    assert MaxPooling2D().pool_size == (2, 2)
    assert MaxPooling3D(strides=1).strides == (1, 1, 1)
    assert MaxPool2D is MaxPooling2D and pooling.AvgPool1D is AveragePooling1D
    with pytest.raises(TypeError, match="pool_size"):
        AveragePooling2D()  # Keras requires pool_size for average pooling
    assert MaxPooling2D().compute_output_shape((None, None, 9, 3)) == (
        None,
        None,
        4,
        3,
    )


def test_max_pooling_same_ignores_padding_with_negative_inputs():
    x = -np.arange(1, 6, dtype="float32").reshape(1, 5, 1)  # all negative
    out = MaxPooling1D(2, padding="same")(x)
    np.testing.assert_allclose(np.asarray(out)[0, :, 0], [-1.0, -3.0, -5.0])
    avg = AveragePooling1D(2, padding="same")(x)
    np.testing.assert_allclose(np.asarray(avg)[0, :, 0], [-1.5, -3.5, -5.0])


def test_pooling_config_round_trip():
    layer = AveragePooling2D((2, 3), strides=1, padding="SAME", name="p")
    config = layer.get_config()
    assert config["padding"] == "same" and config["strides"] == (1, 1)
    assert AveragePooling2D.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: MaxPooling2D(0), ValueError, "pool_size"),
        (lambda: MaxPooling2D((2, 2, 2)), ValueError, "tuple of 2 ints"),
        (lambda: MaxPooling2D(strides=-1), ValueError, "strides"),
        (lambda: MaxPooling2D(padding="full"), ValueError, "Unknown MaxPooling2D pad"),
        (lambda: MaxPooling1D(padding="causal"), ValueError, "only supported by 1D"),
        (lambda: AveragePooling1D(2, data_format="NCW"), ValueError, "data_format"),
        (lambda: GlobalMaxPooling2D(keepdims="yes"), TypeError, "keepdims"),
    ],
)
def test_pooling_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_pooling_input_errors():
    with pytest.raises(
        ValueError, match=r"'mp' \(MaxPooling2D\) (expects 4D|.*expected ndim=4)"
    ):
        MaxPooling2D(name="mp")(np.ones((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match="larger than the padded input"):
        MaxPooling2D(3)(np.ones((1, 2, 5, 1), "float32"))
    with pytest.raises(ValueError, match="expects 3D|expected ndim=3"):
        GlobalAveragePooling1D().build((None, 4, 4, 3))


# --- global pooling ----------------------------------------------------------------

GLOBAL = [
    (GlobalMaxPooling1D, (2, 5, 3), np.max),
    (GlobalMaxPooling2D, (2, 4, 5, 3), np.max),
    (GlobalMaxPooling3D, (2, 2, 3, 4, 3), np.max),
    (GlobalAveragePooling1D, (2, 5, 3), np.mean),
    (GlobalAveragePooling2D, (2, 4, 5, 3), np.mean),
    (GlobalAveragePooling3D, (2, 2, 3, 4, 3), np.mean),
]


@pytest.mark.parametrize("cls, shape, reduce", GLOBAL)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(cls, shape, reduce, data_format, keepdims):
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    n = len(shape) - 2
    axes = (
        tuple(range(1, n + 1))
        if data_format == "channels_last"
        else tuple(range(2, n + 2))
    )
    layer = cls(data_format=data_format, keepdims=keepdims)
    expected = reduce(x, axis=axes, keepdims=keepdims)
    out = layer(x)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape(shape) == expected.shape


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling_1d_mask(data_format):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], dtype=bool)
    expected = np.stack([x[i][mask[i]].mean(axis=0) for i in range(3)])
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, 2)
    layer = GlobalAveragePooling1D(data_format=data_format)
    np.testing.assert_allclose(layer(x, mask=mask), expected, rtol=1e-6, atol=1e-6)
    assert layer.compute_mask(x, mask) is None


def test_global_average_pooling_1d_mask_from_embedding_in_a_model():
    from kerasish import layers, models

    inputs = layers.Input((4,), dtype="int32")
    embedded = layers.Embedding(5, 2, mask_zero=True)(inputs)
    model = models.Model(inputs, GlobalAveragePooling1D()(embedded))
    table = model.layers[1].get_weights()[0]
    ids = np.array([[1, 2, 0, 0], [3, 3, 4, 0]])
    expected = np.stack([table[[1, 2]].mean(0), table[[3, 3, 4]].mean(0)])
    np.testing.assert_allclose(model(ids), expected, rtol=1e-6, atol=1e-6)


# --- Keras 3 -------------------------------------------------------------------------


@pytest.mark.compat
@pytest.mark.parametrize("cls, shape, kwargs", CASES)
def test_pooling_matches_keras(cls, shape, kwargs):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(3).normal(size=shape).astype("float32")
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    ours = cls(**kwargs)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-6, atol=1e-6)
    none_shape = (None,) + shape[1:]
    assert ours.compute_output_shape(none_shape) == tuple(
        theirs.compute_output_shape(none_shape)
    )
    config = theirs.get_config()
    ours_config = ours.get_config()
    for key in ("pool_size", "strides", "padding", "data_format"):
        assert (
            tuple(np.atleast_1d(ours_config[key])) == tuple(np.atleast_1d(config[key]))
            or ours_config[key] == config[key]
        ), key


@pytest.mark.compat
@pytest.mark.parametrize("cls, shape, reduce", GLOBAL)
def test_global_pooling_matches_keras(cls, shape, reduce):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(4).normal(size=shape).astype("float32")
    for kwargs in (dict(), dict(keepdims=True, data_format="channels_first")):
        theirs = getattr(keras.layers, cls.__name__)(**kwargs)
        ours = cls(**kwargs)
        np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-6, atol=1e-6)
        assert ours.compute_output_shape(shape) == tuple(
            theirs.compute_output_shape(shape)
        )


@pytest.mark.compat
def test_global_average_pooling_1d_mask_matches_keras():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(5).normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 0, 1, 0], [1, 1, 1, 0]], dtype=bool)
    theirs = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    ours = GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
