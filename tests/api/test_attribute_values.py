"""Values of attributes user code reads, against Keras 3 (issue 17's known gaps)."""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

pytestmark = pytest.mark.compat


def _data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("axis", [-1, None, (1, 2)])
def test_normalization_mean_and_variance_after_adapt_match_keras(axis):
    keras = keras3()
    data = _data(16, 3, 4) * 3.0 + 1.0
    theirs = keras.layers.Normalization(axis=axis)
    theirs.adapt(data)
    ours = kerasish.layers.Normalization(axis=axis)
    assert ours.mean is None and ours.variance is None  # as Keras, before build
    ours.adapt(data)
    for name in ("mean", "variance"):
        expected = np.asarray(getattr(theirs, name))
        got = np.asarray(getattr(ours, name))
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    if axis == -1:  # an independent reference too: per-feature numpy moments
        flat = data.reshape(-1, 4).astype("float64")
        np.testing.assert_allclose(np.ravel(ours.mean), flat.mean(0), rtol=1e-5)
        np.testing.assert_allclose(np.ravel(ours.variance), flat.var(0), rtol=1e-5)


def test_normalization_mean_follows_set_weights_and_given_values():
    layer = kerasish.layers.Normalization()
    layer.adapt(_data(8, 3))
    layer.set_weights([np.full(3, 2.0), np.full(3, 4.0), np.array(0)])
    np.testing.assert_allclose(np.asarray(layer.mean), [[2.0, 2.0, 2.0]])
    np.testing.assert_allclose(np.asarray(layer.variance), [[4.0, 4.0, 4.0]])
    given = kerasish.layers.Normalization(mean=1.0, variance=9.0)
    given.build((None, 2))
    np.testing.assert_allclose(np.asarray(given.mean), [[1.0, 1.0]])
    np.testing.assert_allclose(given(np.full((1, 2), 4.0)), [[1.0, 1.0]])
