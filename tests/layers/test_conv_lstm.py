"""ConvLSTM1D/2D/3D: against Keras 3 on copied weights and a numpy loop (1D)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

from kerasish import layers

RNG = np.random.default_rng(0)


def _pair(rank, **kwargs):
    ours = getattr(layers, f"ConvLSTM{rank}D")(**kwargs)
    theirs = getattr(keras.layers, f"ConvLSTM{rank}D")(**kwargs)
    return ours, theirs


def _copy_weights(ours, theirs, x):
    ours(x)
    theirs(x)
    weights = [
        RNG.normal(scale=0.3, size=w.shape).astype("float32") for w in theirs.weights
    ]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return weights


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def np_conv1d_same_or_valid(x, w, padding):
    """x (batch, steps, cin), w (k, cin, cout); stride 1, no dilation."""
    k = w.shape[0]
    if padding == "same":
        left = (k - 1) // 2
        x = np.pad(x, ((0, 0), (left, k - 1 - left), (0, 0)))
    steps = x.shape[1] - k + 1
    return np.stack(
        [np.einsum("bkc,kco->bo", x[:, t : t + k], w) for t in range(steps)], axis=1
    )


def np_conv_lstm1d(x, kernel, recurrent_kernel, bias, filters, padding):
    batch = x.shape[0]
    steps_out = x.shape[2] if padding == "same" else x.shape[2] - kernel.shape[0] + 1
    h = np.zeros((batch, steps_out, filters))
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        z = np_conv1d_same_or_valid(x[:, t], kernel, padding) + bias
        z = z + np_conv1d_same_or_valid(h, recurrent_kernel, "same")
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        c = _sigmoid(zf) * c + _sigmoid(zi) * np.tanh(zc)
        h = _sigmoid(zo) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_lstm1d_matches_numpy_loop(padding):
    x = RNG.normal(size=(2, 3, 7, 2)).astype("float32")
    layer = layers.ConvLSTM1D(4, 3, padding=padding, return_sequences=True)
    layer(x)
    weights = [
        RNG.normal(scale=0.3, size=w.shape).astype("float32") for w in layer.weights
    ]
    layer.set_weights(weights)
    want = np_conv_lstm1d(x.astype("float64"), *weights, 4, padding)
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-5)


# Each Keras comparison costs a few compilations; three cases cover the ranks,
# strides, dilation, both data formats, return_sequences and go_backwards.
CASES = [
    (1, (2, 3, 9, 3), dict(filters=2, kernel_size=2, strides=2)),
    (
        2,
        (2, 3, 2, 5, 4),
        dict(
            filters=3,
            kernel_size=(3, 2),
            padding="same",
            data_format="channels_first",
            return_sequences=True,
        ),
    ),
    # The N-d core is shared; rank 3 only changes the convolution's rank.
    pytest.param(
        3,
        (1, 2, 5, 4, 4, 2),
        dict(filters=2, kernel_size=2, dilation_rate=(2, 1, 1)),
        marks=pytest.mark.slow,
    ),
]


@pytest.mark.parametrize("rank, shape, kwargs", CASES)
def test_conv_lstm_matches_keras(rank, shape, kwargs):
    x = RNG.normal(size=shape).astype("float32")
    ours, theirs = _pair(rank, **kwargs)
    _copy_weights(ours, theirs, x)
    got = np.asarray(ours(x))
    want = np.asarray(theirs(x))
    assert got.shape == want.shape == theirs.compute_output_shape(shape)
    assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_conv_lstm_return_state_and_mask():
    x = RNG.normal(size=(2, 4, 5, 3)).astype("float32")
    layer = layers.ConvLSTM1D(
        2, 3, padding="same", return_state=True, go_backwards=False
    )
    h0 = RNG.normal(size=(2, 5, 2)).astype("float32")
    c0 = RNG.normal(size=(2, 5, 2)).astype("float32")
    output, h, c = layer(x, initial_state=[h0, c0])
    np.testing.assert_allclose(np.asarray(output), np.asarray(h))
    # A masked timestep keeps the states: the same as dropping that timestep.
    mask = np.array([[True, True, False, True], [True, True, True, True]])
    masked = layer(x, initial_state=[h0, c0], mask=mask)
    dropped = layer(x[:, [0, 1, 3]], initial_state=[h0, c0])
    for a, b in zip(masked, dropped):
        np.testing.assert_allclose(np.asarray(a)[0], np.asarray(b)[0], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(masked[1])[1], np.asarray(h)[1], rtol=1e-5)


def test_conv_lstm_weights_config_and_round_trip():
    ours, theirs = _pair(2, filters=3, kernel_size=2, unit_forget_bias=True)
    x = RNG.normal(size=(1, 2, 4, 4, 2)).astype("float32")
    ours(x)
    theirs.build(x.shape)  # weights only: a Keras call would cost a compilation
    assert [w.path.split("/")[-1] for w in ours.weights] == [
        w.path.split("/")[-1] for w in theirs.weights
    ]
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights
    ]
    # unit_forget_bias: the forget block of the bias starts at one.
    np.testing.assert_array_equal(
        np.asarray(ours.cell.bias.value), np.repeat([0.0, 1.0, 0.0, 0.0], 3)
    )
    config = ours.get_config()
    keras_config = theirs.get_config()
    assert set(config) == set(keras_config)
    for key in ("filters", "kernel_size", "strides", "padding", "dilation_rate"):
        assert config[key] == keras_config[key]
    again = layers.deserialize(layers.serialize(ours))
    assert isinstance(again, layers.ConvLSTM2D)
    again.build(x.shape)
    again.set_weights(ours.get_weights())
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(ours(x)), rtol=1e-6)
    # Keras reads kerasish's config.
    from_keras = keras.layers.ConvLSTM2D.from_config(config)
    assert from_keras.filters == 3


def test_conv_lstm_dropout_trains_and_fit_runs():
    from kerasish import models

    model = models.Sequential(
        [
            layers.Input((3, 6, 2)),
            layers.ConvLSTM1D(
                2, 3, padding="same", dropout=0.5, recurrent_dropout=0.5, seed=1
            ),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.normal(size=(8, 3, 6, 2)).astype("float32")
    y = RNG.normal(size=(8, 1)).astype("float32")
    conv = model.layers[0]
    # Inference ignores dropout: two calls agree; training draws masks.
    np.testing.assert_allclose(np.asarray(conv(x)), np.asarray(conv(x)))
    assert not np.allclose(np.asarray(conv(x, training=True)), np.asarray(conv(x)))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


def test_conv_lstm_errors():
    with pytest.raises(ValueError, match="strides > 1.*dilation_rate > 1"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="kernel_size"):
        layers.ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="dropout"):
        layers.ConvLSTM1D(2, 3, dropout=1.5)
    with pytest.raises(ValueError, match="ndim|expects|rank"):
        layers.ConvLSTM2D(2, 3)(np.ones((2, 3, 5, 2), "float32"))
