"""TimeDistributed: equals the wrapped layer applied to each timestep."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kerasish.layers.core.dense import Dense  # noqa: E402
from kerasish.layers.input_layer import Input  # noqa: E402
from kerasish.layers.layer import Layer  # noqa: E402
from kerasish.layers.rnn import TimeDistributed  # noqa: E402
from kerasish.layers.rnn.lstm import LSTM  # noqa: E402

X = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")


def test_time_distributed_dense_equals_per_timestep_numpy():
    layer = TimeDistributed(Dense(4, activation="relu"))
    out = np.asarray(layer(X))
    kernel, bias = (w.astype("float64") for w in layer.get_weights())
    for t in range(5):
        np.testing.assert_allclose(
            out[:, t], np.maximum(X[:, t] @ kernel + bias, 0), rtol=1e-5, atol=1e-6
        )
    assert layer.count_params() == 3 * 4 + 4


def test_time_distributed_higher_rank_and_shapes():
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5)).astype("float32")
    layer = TimeDistributed(Dense(2))
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None, 3, 4, 5)) == (None, 3, 4, 2)
    assert TimeDistributed(Dense(2))(Input((7, 3))).shape == (None, 7, 2)
    assert layer.get_config()["layer"]["class_name"] == "Dense"
    clone = TimeDistributed.from_config(layer.get_config())
    assert clone.layer.units == 2


def test_time_distributed_passes_training_and_mask():
    seen = {}

    class Probe(Layer):
        def call(self, inputs, training=None, mask=None):
            seen["training"], seen["mask"] = training, mask
            return inputs * 2

        def compute_output_shape(self, input_shape):
            return input_shape

    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    out = TimeDistributed(Probe())(X, training=True, mask=mask)
    np.testing.assert_allclose(out, X * 2, atol=0)
    assert seen["training"] is True
    np.testing.assert_array_equal(seen["mask"], mask.reshape(10))


def test_time_distributed_errors():
    with pytest.raises(ValueError, match="Layer` instance"):
        TimeDistributed(lambda x: x)
    with pytest.raises(ValueError, match=r"\(TimeDistributed\).*at least 3.*\(2, 3\)"):
        TimeDistributed(Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="mask.*incompatible"):
        TimeDistributed(Dense(2))(X, mask=np.ones((2, 4), bool))


def test_time_distributed_around_lstm():
    x = np.random.default_rng(2).normal(size=(2, 3, 4, 5)).astype("float32")
    layer = TimeDistributed(LSTM(6))
    out = np.asarray(layer(x))
    assert out.shape == (2, 3, 6)
    np.testing.assert_allclose(out[:, 1], layer.layer(x[:, 1]), rtol=1e-5, atol=1e-6)


@pytest.mark.compat
def test_time_distributed_matches_keras():
    keras = pytest.importorskip("keras")
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(4))
    theirs.build(X.shape)
    ours = TimeDistributed(Dense(4))
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(X), np.asarray(theirs(X)), rtol=1e-5, atol=1e-6)
