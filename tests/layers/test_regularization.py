"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization: identity at inference, statistics while training."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish.layers.regularization import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


RANDOM_LAYERS = [
    lambda: SpatialDropout1D(0.5, seed=1),
    lambda: SpatialDropout2D(0.5, seed=1),
    lambda: SpatialDropout3D(0.5, seed=1),
    lambda: GaussianNoise(0.5, seed=1),
    lambda: GaussianDropout(0.5, seed=1),
    lambda: AlphaDropout(0.5, seed=1),
]
SHAPES = [(2, 3, 4), (2, 3, 3, 4), (2, 2, 2, 2, 4), (2, 5), (2, 5), (2, 5)]


@pytest.mark.parametrize("index", range(len(RANDOM_LAYERS)))
def test_identity_at_inference(index):
    layer = RANDOM_LAYERS[index]()
    x = _x(*SHAPES[index])
    for training in (False, None):
        np.testing.assert_array_equal(np.asarray(layer(x, training=training)), x)
    assert layer.compute_output_shape(x.shape) == x.shape


@pytest.mark.parametrize(
    "layer_cls, shape, channel_axis",
    [
        (SpatialDropout1D, (64, 10, 32), -1),
        (SpatialDropout2D, (16, 6, 6, 32), -1),
        (SpatialDropout3D, (16, 3, 3, 3, 32), -1),
    ],
)
def test_spatial_dropout_drops_whole_channels(layer_cls, shape, channel_axis):
    rate = 0.3
    layer = layer_cls(rate, seed=3)
    x = np.ones(shape, "float32")
    y = np.asarray(layer(x, training=True))
    # Each (example, channel) map is all zero or all 1 / (1 - rate).
    maps = np.moveaxis(y, channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
    assert np.all(maps.min(-1) == maps.max(-1))
    values = np.unique(maps)
    np.testing.assert_allclose(values, [0.0, 1 / (1 - rate)], rtol=1e-6)
    dropped = (maps[:, :, 0] == 0).mean()
    assert abs(dropped - rate) < 0.1


def test_spatial_dropout_2d_channels_first():
    layer = SpatialDropout2D(0.5, data_format="channels_first", seed=0)
    y = np.asarray(layer(np.ones((8, 16, 4, 4), "float32"), training=True))
    flat = y.reshape(8, 16, -1)
    assert np.all(flat.min(-1) == flat.max(-1))
    assert layer.get_config()["data_format"] == "channels_first"


def test_gaussian_noise_statistics():
    x = np.full((200, 500), 3.0, "float32")
    noise = np.asarray(GaussianNoise(0.2, seed=0)(x, training=True)) - x
    assert abs(noise.mean()) < 3e-3
    assert abs(noise.std() - 0.2) < 3e-3


def test_gaussian_dropout_statistics():
    rate = 0.2
    x = np.full((200, 500), 2.0, "float32")
    factor = np.asarray(GaussianDropout(rate, seed=0)(x, training=True)) / 2.0
    assert abs(factor.mean() - 1.0) < 5e-3
    assert abs(factor.std() - np.sqrt(rate / (1 - rate))) < 5e-3


def test_alpha_dropout_keeps_mean_and_variance_and_saturates():
    rate = 0.2
    x = RNG.normal(size=(400, 500)).astype("float32")
    y = np.asarray(AlphaDropout(rate, seed=0)(x, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1.0) < 0.02
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.01
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-5)


def test_alpha_dropout_noise_shape_shares_mask():
    layer = AlphaDropout(0.5, noise_shape=(None, 1), seed=2)
    y = np.asarray(layer(np.zeros((20, 7), "float32"), training=True))
    assert np.all(y.min(-1) == y.max(-1))


def test_seeded_layers_repeat_and_advance():
    x = np.ones((4, 50), "float32")
    first = np.asarray(GaussianNoise(0.3, seed=7)(x, training=True))
    again = GaussianNoise(0.3, seed=7)
    np.testing.assert_array_equal(np.asarray(again(x, training=True)), first)
    assert not np.array_equal(np.asarray(again(x, training=True)), first)


def test_activity_regularization_adds_penalty():
    x = _x(4, 3)
    layer = ActivityRegularization(l1=0.1, l2=0.01)
    y = layer(x)
    np.testing.assert_array_equal(np.asarray(y), x)
    want = (0.1 * np.abs(x).sum() + 0.01 * (x**2).sum()) / 4
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), want, rtol=1e-5)
    config = layer.get_config()
    assert config["l1"] == 0.1 and "activity_regularizer" not in config
    assert ActivityRegularization.from_config(config).get_config() == config


def test_dropout_is_exported_here():
    np.testing.assert_array_equal(
        np.asarray(Dropout(0.5)(np.ones(3), training=False)), 1
    )


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SpatialDropout1D(1.5), r"`rate` must be a float in \[0, 1\)"),
        (lambda: SpatialDropout2D(-0.1), r"`rate` must be a float in \[0, 1\)"),
        (lambda: GaussianNoise(-1.0), r"`stddev` must be a float in \[0, 1\]"),
        (lambda: GaussianDropout(1.0), r"`rate` must be a float in \[0, 1\)"),
        (lambda: AlphaDropout(2), r"`rate` must be a float in \[0, 1\)"),
        (lambda: ActivityRegularization(l1=-1), "`l1` must be a float >= 0"),
        (lambda: SpatialDropout2D(0.5, data_format="nhwc"), "data_format"),
    ],
)
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_type_errors_and_rank_errors():
    with pytest.raises(TypeError, match="`seed` must be an int"):
        GaussianNoise(0.1, seed="x")
    with pytest.raises(TypeError, match="`noise_shape` must be a tuple"):
        AlphaDropout(0.1, noise_shape="bad")
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        SpatialDropout2D(0.5)(_x(2, 3, 4))


@pytest.mark.compat
@pytest.mark.parametrize(
    "name, kwargs, shape",
    [
        ("SpatialDropout1D", {"rate": 0.3}, (2, 3, 4)),
        (
            "SpatialDropout2D",
            {"rate": 0.3, "data_format": "channels_first"},
            (2, 3, 4, 4),
        ),
        ("SpatialDropout3D", {"rate": 0.3}, (2, 3, 3, 3, 4)),
        ("GaussianNoise", {"stddev": 0.3, "seed": 1}, (2, 5)),
        ("GaussianDropout", {"rate": 0.3}, (2, 5)),
        ("AlphaDropout", {"rate": 0.3, "noise_shape": (None, 1)}, (2, 5)),
        ("ActivityRegularization", {"l1": 0.1, "l2": 0.2}, (2, 5)),
    ],
)
def test_matches_keras(name, kwargs, shape):
    keras = pytest.importorskip("keras")
    import kerasish.layers.regularization as ours_module

    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(ours_module, name)(**kwargs)
    x = _x(*shape)
    np.testing.assert_array_equal(np.asarray(ours(x)), np.asarray(theirs(x)))
    assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
    their_config = theirs.get_config()
    our_config = ours.get_config()
    assert set(their_config) - {"dtype"} <= set(our_config)
    for key in set(their_config) - {"dtype", "name"}:
        assert our_config[key] == their_config[key], key
    if name == "ActivityRegularization":
        np.testing.assert_allclose(
            float(ours.losses[0]), float(theirs.losses[0]), rtol=1e-6
        )


def test_spatial_dropout_configs_as_keras():
    """Keras's BaseSpatialDropout config: rate, seed, name and the dtype's name,
    no `trainable`; 2D and 3D add `data_format`."""
    one = SpatialDropout1D(0.3, seed=2, name="s1").get_config()
    assert one == {"rate": 0.3, "seed": 2, "name": "s1", "dtype": "float32"}
    two = SpatialDropout2D(0.3, name="s2").get_config()
    assert two == {
        "rate": 0.3,
        "seed": None,
        "name": "s2",
        "dtype": "float32",
        "data_format": "channels_last",
    }
    assert SpatialDropout2D.from_config(two).get_config() == two
