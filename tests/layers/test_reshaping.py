"""Permute, RepeatVector, UpSampling, ZeroPadding, Cropping, Masking vs numpy
and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish import layers, models
from kerasish.layers import reshaping
from kerasish.layers.pooling import GlobalAveragePooling1D
from kerasish.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Masking,
    Permute,
    RepeatVector,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)


def _rand(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_permute():
    x = _rand(0, 2, 3, 4, 5)
    layer = Permute((3, 1, 2))
    np.testing.assert_array_equal(layer(x), np.transpose(x, (0, 3, 1, 2)))
    assert layer.compute_output_shape((None, 3, 4, 5)) == (None, 5, 3, 4)
    with pytest.raises(ValueError, match=r"permutation of 1..n.*\(0, 1\)"):
        Permute((0, 1))
    with pytest.raises(TypeError, match="tuple of ints"):
        Permute(3)
    with pytest.raises(ValueError, match=r"\(Permute\).*expected ndim=3"):
        Permute((2, 1))(x)


def test_repeat_vector():
    x = _rand(1, 2, 3)
    out = RepeatVector(4)(x)
    np.testing.assert_array_equal(out, np.repeat(x[:, None, :], 4, axis=1))
    assert RepeatVector(4).compute_output_shape((None, 3)) == (None, 4, 3)
    with pytest.raises(ValueError, match="positive int"):
        RepeatVector(0)
    with pytest.raises(TypeError, match="positive int"):
        RepeatVector(2.0)
    with pytest.raises(ValueError, match="expected ndim=2"):
        RepeatVector(2)(_rand(1, 2, 3, 4))


# --- up-sampling ---------------------------------------------------------------


def test_up_sampling_nearest():
    x = _rand(2, 2, 3, 4)
    np.testing.assert_array_equal(UpSampling1D(3)(x), np.repeat(x, 3, axis=1))
    x2 = _rand(3, 2, 3, 4, 5)
    expected = np.repeat(np.repeat(x2, 2, axis=1), 3, axis=2)
    np.testing.assert_array_equal(UpSampling2D((2, 3))(x2), expected)
    cf = UpSampling2D((2, 3), data_format="channels_first")
    np.testing.assert_array_equal(
        cf(x2), np.repeat(np.repeat(x2, 2, axis=2), 3, axis=3)
    )
    assert cf.compute_output_shape((None, 3, 4, None)) == (None, 3, 8, None)
    x3 = _rand(4, 1, 2, 3, 2, 2)
    expected3 = np.repeat(np.repeat(np.repeat(x3, 2, 1), 1, 2), 3, 3)
    np.testing.assert_array_equal(UpSampling3D((2, 1, 3))(x3), expected3)


def _np_bilinear_axis(x, factor, axis):
    """Half-pixel-center linear interpolation along one axis (clamped)."""
    n = x.shape[axis]
    src = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (src - lo).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
    return np.take(x, lo, axis=axis) * (1 - w) + np.take(x, hi, axis=axis) * w


def test_up_sampling_2d_bilinear():
    x = _rand(5, 2, 3, 4, 2)
    expected = _np_bilinear_axis(_np_bilinear_axis(x, 2, 1), 3, 2)
    layer = UpSampling2D((2, 3), interpolation="bilinear")
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)
    assert layer.get_config()["interpolation"] == "bilinear"
    cf = UpSampling2D((2, 3), interpolation="bilinear", data_format="channels_first")
    xf = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(
        cf(xf), np.moveaxis(expected, -1, 1), rtol=1e-5, atol=1e-6
    )


def test_up_sampling_errors():
    with pytest.raises(ValueError, match="Did you mean 'bilinear'"):
        UpSampling2D(interpolation="bilinaer")
    with pytest.raises(ValueError, match="size"):
        UpSampling2D((2, 0))
    with pytest.raises(TypeError, match="positive int"):
        UpSampling1D((2,))
    with pytest.raises(ValueError, match=r"\(UpSampling3D\) expects 5D"):
        UpSampling3D().compute_output_shape((None, 3, 4, 5))


# --- padding and cropping -----------------------------------------------------------


@pytest.mark.parametrize(
    "cls, padding, shape, np_pad",
    [
        (ZeroPadding1D, 2, (2, 3, 4), [(0, 0), (2, 2), (0, 0)]),
        (ZeroPadding1D, (1, 3), (2, 3, 4), [(0, 0), (1, 3), (0, 0)]),
        (ZeroPadding2D, 1, (2, 3, 4, 2), [(0, 0), (1, 1), (1, 1), (0, 0)]),
        (ZeroPadding2D, (1, 2), (2, 3, 4, 2), [(0, 0), (1, 1), (2, 2), (0, 0)]),
        (
            ZeroPadding2D,
            ((1, 0), (0, 3)),
            (2, 3, 4, 2),
            [(0, 0), (1, 0), (0, 3), (0, 0)],
        ),  # fmt: skip
        (
            ZeroPadding3D,
            (1, 0, 2),
            (1, 2, 3, 2, 2),
            [(0, 0), (1, 1), (0, 0), (2, 2), (0, 0)],
        ),  # fmt: skip
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_zero_padding(cls, padding, shape, np_pad, data_format):
    x = _rand(6, *shape)
    if data_format == "channels_first":
        np_pad = [np_pad[0], np_pad[-1], *np_pad[1:-1]]
    layer = cls(padding, data_format=data_format)
    expected = np.pad(x, np_pad)
    np.testing.assert_array_equal(layer(x), expected)
    assert layer.compute_output_shape(shape) == expected.shape


@pytest.mark.parametrize(
    "cls, cropping, shape, index",
    [
        (Cropping1D, 1, (2, 5, 3), np.s_[:, 1:4, :]),
        (Cropping1D, (0, 2), (2, 5, 3), np.s_[:, 0:3, :]),
        (Cropping2D, 1, (2, 5, 4, 3), np.s_[:, 1:4, 1:3, :]),
        (Cropping2D, (2, 0), (2, 5, 4, 3), np.s_[:, 2:3, :, :]),
        (Cropping2D, ((1, 0), (0, 3)), (2, 5, 4, 3), np.s_[:, 1:, :1, :]),
        (
            Cropping3D,
            ((1, 1), (0, 1), (2, 0)),
            (1, 4, 3, 3, 2),
            np.s_[:, 1:3, 0:2, 2:, :],
        ),  # fmt: skip
    ],
)
def test_cropping(cls, cropping, shape, index):
    x = _rand(7, *shape)
    layer = cls(cropping)
    np.testing.assert_array_equal(layer(x), x[index])
    assert layer.compute_output_shape(shape) == x[index].shape


def test_cropping_channels_first():
    x = _rand(8, 2, 3, 5, 4)
    layer = Cropping2D(((1, 2), (0, 1)), data_format="channels_first")
    np.testing.assert_array_equal(layer(x), x[:, :, 1:3, 0:3])


def test_padding_and_cropping_errors():
    with pytest.raises(ValueError, match="removes all 4 entries"):
        Cropping2D(((2, 2), (0, 0)))(_rand(0, 1, 4, 4, 1))
    with pytest.raises(ValueError, match="removes all"):
        Cropping1D((3, 3)).build((None, 5, 2))
    with pytest.raises(ValueError, match=">= 0"):
        ZeroPadding2D(-1)
    with pytest.raises(ValueError, match="tuple of 3"):
        ZeroPadding3D((1, 1))
    with pytest.raises(ValueError, match="tuple of 2 ints"):
        Cropping1D((1, 2, 3))
    with pytest.raises(ValueError, match=r"\(ZeroPadding2D\).*expected ndim=4"):
        ZeroPadding2D()(_rand(0, 2, 3, 4))


def test_reshaping_configs_match_keras_layout():
    assert ZeroPadding1D().get_config()["padding"] == (1, 1)
    assert ZeroPadding2D(2).get_config()["padding"] == ((2, 2), (2, 2))
    assert Cropping1D(2).get_config()["cropping"] == (2, 2)
    assert "data_format" not in Cropping1D().get_config()
    assert layers.Reshape([-1, 2]).get_config()["target_shape"] == (-1, 2)  # a tuple
    for layer in [
        ZeroPadding3D(((1, 2), 0, 3)),
        Cropping2D((1, 2)),
        UpSampling2D(3, interpolation="bilinear"),
        UpSampling1D(4),
        Permute((2, 1)),
        RepeatVector(3),
        Masking(-1.0),
        layers.Reshape((-1, 2)),
    ]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


# --- masking ---------------------------------------------------------------------


def test_masking_mask_and_outputs():
    x = np.array(
        [[[1.0, 2.0], [-1.0, -1.0], [0.0, -1.0]], [[-1.0, -1.0], [3.0, 3.0], [-1, -1]]],
        dtype="float32",
    )
    layer = Masking(mask_value=-1.0)
    expected_mask = np.array([[True, False, True], [False, True, False]])
    np.testing.assert_array_equal(layer.compute_mask(x), expected_mask)
    np.testing.assert_array_equal(layer(x), x * expected_mask[..., None])
    assert layer.supports_masking
    with pytest.raises(TypeError, match="mask_value"):
        Masking("pad")


def test_masking_feeds_downstream_layers_in_a_model():
    inputs = layers.Input((4, 2))
    masked = Masking()(inputs)
    model = models.Model(inputs, GlobalAveragePooling1D()(masked))
    x = _rand(9, 2, 4, 2)
    x[0, 2:] = 0.0
    x[1, 0] = 0.0
    keep = np.any(x != 0, axis=-1)
    expected = np.stack([x[i][keep[i]].mean(0) for i in range(2)])
    np.testing.assert_allclose(model(x), expected, rtol=1e-6, atol=1e-6)


def test_flatten_and_reshape_are_exported_here():
    from kerasish.layers.reshaping.flatten import Flatten
    from kerasish.layers.reshaping.reshape import Reshape

    assert reshaping.Flatten is Flatten and reshaping.Reshape is Reshape


# --- Keras 3 -----------------------------------------------------------------------


@pytest.mark.compat
@pytest.mark.parametrize(
    "name, kwargs, shape",
    [
        ("Permute", dict(dims=(2, 3, 1)), (2, 3, 4, 5)),
        ("RepeatVector", dict(n=3), (2, 4)),
        ("UpSampling1D", dict(size=3), (2, 3, 4)),
        ("UpSampling2D", dict(size=(2, 3)), (2, 3, 4, 2)),
        ("UpSampling2D", dict(size=(2, 3), interpolation="bilinear"), (2, 3, 4, 2)),
        (
            "UpSampling2D",
            dict(size=2, interpolation="bilinear", data_format="channels_first"),
            (2, 2, 3, 4),
        ),  # fmt: skip
        ("UpSampling3D", dict(size=(1, 2, 3)), (1, 2, 3, 2, 2)),
        ("ZeroPadding1D", dict(padding=(1, 2)), (2, 3, 4)),
        ("ZeroPadding2D", dict(padding=((1, 0), (2, 3))), (2, 3, 4, 2)),
        (
            "ZeroPadding3D",
            dict(padding=1, data_format="channels_first"),
            (1, 2, 2, 3, 2),
        ),  # fmt: skip
        ("Cropping1D", dict(cropping=(1, 2)), (2, 5, 3)),
        ("Cropping2D", dict(cropping=((1, 0), (2, 1))), (2, 5, 6, 3)),
        ("Cropping3D", dict(cropping=1), (1, 4, 3, 5, 2)),
        ("Masking", dict(mask_value=0.5), (2, 4, 3)),
    ],
)
def test_reshaping_matches_keras(name, kwargs, shape):
    keras = pytest.importorskip("keras")
    x = _rand(10, *shape)
    if name == "Masking":
        x[0, 1] = 0.5
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(reshaping, name)(**kwargs)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-6)
    none_shape = (None,) + shape[1:]
    assert ours.compute_output_shape(none_shape) == tuple(
        theirs.compute_output_shape(none_shape)
    )
    their_config = theirs.get_config()
    for key, value in ours.get_config().items():
        if key not in ("name", "dtype", "trainable"):
            assert value == their_config[key], key
    if name == "Masking":
        np.testing.assert_array_equal(ours.compute_mask(x), theirs.compute_mask(x))
