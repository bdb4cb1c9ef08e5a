"""LayerNormalization, GroupNormalization, UnitNormalization, RMSNormalization vs
numpy formulas and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import warnings

import numpy as np
import pytest

from kerasish.layers.normalization import (
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
    UnitNormalization,
)

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(1.0, 2.0, size=shape).astype("float32")


# -- LayerNormalization --------------------------------------------------------------
def test_layer_norm_last_axis_matches_numpy():
    x = _x(3, 4, 5)
    ln = LayerNormalization(epsilon=1e-2)
    ln.build(x.shape)
    gamma, beta = _x(5), _x(5)
    ln.set_weights([gamma, beta])
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    want = gamma * (x - mean) / np.sqrt(var + 1e-2) + beta
    np.testing.assert_allclose(ln(x), want, rtol=1e-5, atol=1e-5)
    assert [v.name for v in ln.weights] == ["gamma", "beta"]


def test_layer_norm_several_axes():
    x = _x(2, 3, 4, 5)
    ln = LayerNormalization(axis=[1, 3])
    ln.build(x.shape)
    gamma, beta = _x(3, 5), _x(3, 5)
    ln.set_weights([gamma, beta])
    mean = x.mean((1, 3), keepdims=True)
    var = x.var((1, 3), keepdims=True)
    g = gamma[None, :, None, :]
    b = beta[None, :, None, :]
    want = g * (x - mean) / np.sqrt(var + 1e-3) + b
    np.testing.assert_allclose(ln(x), want, rtol=1e-5, atol=1e-5)
    assert ln.get_config()["axis"] == [1, 3]


def test_layer_norm_without_center_and_scale_has_no_weights():
    x = _x(4, 6)
    ln = LayerNormalization(center=False, scale=False)
    want = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(ln(x), want, rtol=1e-5, atol=1e-5)
    assert ln.weights == []


def test_layer_norm_rms_scaling_is_deprecated_variance_scaling():
    x = _x(3, 4)
    with pytest.warns(UserWarning, match="deprecated"):
        ln = LayerNormalization(rms_scaling=True)
    y = np.asarray(ln(x))
    np.testing.assert_allclose(
        y, x / np.sqrt(x.var(-1, keepdims=True) + 1e-3), rtol=1e-5
    )
    assert [v.name for v in ln.weights] == ["gamma"]


def test_layer_norm_errors():
    with pytest.raises(TypeError, match="`axis` must be an int or"):
        LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="duplicate"):
        LayerNormalization(axis=[1, 1])
    with pytest.raises(ValueError, match=r"axis 2 is out of bounds.*rank 2"):
        LayerNormalization(axis=2)(_x(2, 3))
    with pytest.raises(ValueError, match="names the same input axis twice"):
        LayerNormalization(axis=[1, -1])(_x(2, 3))
    with pytest.raises(ValueError, match="`epsilon` must be >= 0"):
        LayerNormalization(epsilon=-1.0)


# -- GroupNormalization --------------------------------------------------------------
def _np_group_norm(x, groups, gamma, beta, eps, axis=-1):
    x = np.moveaxis(x, axis, -1)
    shape = x.shape
    c = shape[-1]
    g = x.reshape(shape[0], -1, groups, c // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    y = ((g - mean) / np.sqrt(var + eps)).reshape(shape) * gamma + beta
    return np.moveaxis(y, -1, axis)


@pytest.mark.parametrize("groups", [1, 2, 6, -1])
def test_group_norm_matches_numpy(groups):
    x = _x(3, 4, 5, 6)
    gn = GroupNormalization(groups=groups)
    gn.build(x.shape)
    gamma, beta = _x(6), _x(6)
    gn.set_weights([gamma, beta])
    n = 6 if groups == -1 else groups
    np.testing.assert_allclose(
        gn(x), _np_group_norm(x, n, gamma, beta, 1e-3), rtol=1e-4, atol=1e-4
    )


def test_group_norm_channels_first():
    x = _x(2, 4, 3, 3)
    gn = GroupNormalization(groups=2, axis=1)
    gn.build(x.shape)
    gamma, beta = _x(4), _x(4)
    gn.set_weights([gamma, beta])
    want = _np_group_norm(x, 2, gamma, beta, 1e-3, axis=1)
    np.testing.assert_allclose(gn(x), want, rtol=1e-4, atol=1e-4)


def test_group_norm_errors():
    with pytest.raises(ValueError, match="`groups` must be a positive int"):
        GroupNormalization(groups=0)
    with pytest.raises(TypeError, match="`axis` must be an int"):
        GroupNormalization(axis=[1])
    with pytest.raises(ValueError, match="cannot be split into 4 equal groups"):
        GroupNormalization(groups=4)(_x(2, 6))
    with pytest.raises(ValueError, match="cannot be split into 32 equal groups"):
        GroupNormalization()(_x(2, 6))
    with pytest.raises(ValueError, match="batch axis"):
        GroupNormalization(groups=1, axis=0)(_x(2, 6))


# -- UnitNormalization ---------------------------------------------------------------
def test_unit_norm_matches_numpy():
    x = _x(3, 4, 5)
    np.testing.assert_allclose(
        UnitNormalization()(x), x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-5
    )
    norm = np.sqrt((x**2).sum(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(UnitNormalization(axis=[1, 2])(x), x / norm, rtol=1e-5)


def test_unit_norm_zero_vector_stays_zero():
    y = np.asarray(UnitNormalization()(np.zeros((1, 3), "float32")))
    np.testing.assert_array_equal(y, np.zeros((1, 3)))


def test_unit_norm_errors():
    with pytest.raises(TypeError, match="`axis` must be an int or"):
        UnitNormalization(axis=1.5)
    with pytest.raises(ValueError, match="out of bounds"):
        UnitNormalization(axis=3)(_x(2, 3))


# -- RMSNormalization ----------------------------------------------------------------
def test_rms_norm_matches_numpy():
    x = _x(3, 4, 5)
    rms = RMSNormalization(epsilon=1e-5)
    rms.build(x.shape)
    scale = _x(5)
    rms.set_weights([scale])
    want = x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-5) * scale
    np.testing.assert_allclose(rms(x), want, rtol=1e-5, atol=1e-5)
    assert [v.name for v in rms.weights] == ["scale"]
    assert rms.get_config()["epsilon"] == 1e-5


def test_rms_norm_errors():
    with pytest.raises(ValueError, match="`epsilon` must be >= 0"):
        RMSNormalization(epsilon=-1)
    with pytest.raises(ValueError, match="out of bounds"):
        RMSNormalization(axis=-3)(_x(2, 3))


def test_config_round_trips():
    for layer in [
        LayerNormalization(axis=[1, 2], epsilon=0.1, center=False),
        GroupNormalization(groups=4, axis=1),
        UnitNormalization(axis=[1, 2]),
        RMSNormalization(epsilon=1e-3),
    ]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


# -- Keras 3 ------------------------------------------------------------------------
@pytest.mark.compat
@pytest.mark.parametrize(
    "name, kwargs, shape",
    [
        ("LayerNormalization", {}, (3, 4, 6)),
        ("LayerNormalization", {"axis": [-2, -1], "epsilon": 0.1}, (3, 4, 6)),
        ("LayerNormalization", {"rms_scaling": True}, (3, 6)),
        ("GroupNormalization", {"groups": 3}, (2, 5, 6)),
        ("GroupNormalization", {"groups": 2, "axis": 1}, (2, 4, 3, 3)),
        ("GroupNormalization", {"groups": -1, "center": False}, (2, 5, 4)),
        ("UnitNormalization", {"axis": [1, 2]}, (2, 3, 4)),
        ("RMSNormalization", {}, (3, 4, 6)),
        ("RMSNormalization", {"axis": [-2, -1]}, (3, 4, 6)),
    ],
)
def test_matches_keras(name, kwargs, shape):
    keras = pytest.importorskip("keras")
    import kerasish.layers.normalization as ours_module

    x = _x(*shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = getattr(keras.layers, name)(**kwargs)
        ours = getattr(ours_module, name)(**kwargs)
    theirs.build(shape)
    ours.build(shape)
    weights = [
        w + RNG.normal(size=w.shape).astype("float32") for w in theirs.get_weights()
    ]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    assert set(theirs.get_config()) <= set(ours.get_config())
