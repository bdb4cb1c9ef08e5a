"""The numpy engine runs the same models as the JAX engine, to float32 tolerance."""

import numpy as np
import pytest

import kerasish as keras
from kerasish import config, ops
from kerasish.engine import set_engine


@pytest.fixture
def numpy_engine():
    set_engine("numpy")
    yield
    set_engine("jax")


def _model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,))
    x = keras.layers.Dense(8, activation="gelu")(inputs)
    x = keras.layers.Dropout(0.5)(x)
    x = keras.layers.Dense(4, activation="softmax")(x)
    return keras.Model(inputs, x)


def test_numpy_engine_inference_matches_jax(numpy_engine):
    set_engine("jax")
    model = _model()
    x = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
    expected = np.asarray(model(x))
    set_engine("numpy")
    got = model(x)
    assert isinstance(got, np.ndarray)
    assert config.engine() == "numpy"
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_numpy_engine_ops_match_jax(numpy_engine):
    x = np.random.default_rng(2).normal(size=(2, 6, 6, 3)).astype("float32")
    k = np.random.default_rng(3).normal(size=(3, 3, 3, 4)).astype("float32")
    results = {}
    for name in ("numpy", "jax"):
        set_engine(name)
        results[name] = [
            np.asarray(ops.conv(x, k, strides=2, padding="same")),
            np.asarray(ops.max_pool(x, 2, padding="same")),
            np.asarray(ops.average_pool(x, 3, strides=2)),
            np.asarray(ops.softmax(x)),
            np.asarray(ops.logsumexp(x, axis=-1)),
        ]
    for a, b in zip(results["numpy"], results["jax"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_numpy_engine_refuses_training(numpy_engine):
    from kerasish.engine import get_engine

    with pytest.raises(NotImplementedError, match="inference only"):
        get_engine().value_and_grad(lambda v: v)
