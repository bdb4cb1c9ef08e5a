"""SimpleRNN / SimpleRNNCell: numpy recurrence, dropout, Keras 3 compat."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kerasish.layers.rnn import SimpleRNN, SimpleRNNCell  # noqa: E402

RTOL, ATOL = 1e-5, 1e-5
MASK = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)


def simple_rnn_reference(
    x,
    kernel,
    recurrent_kernel,
    bias,
    activation=np.tanh,
    mask=None,
    go_backwards=False,
    h0=None,
):
    batch, steps, _ = x.shape
    h = np.zeros((batch, kernel.shape[1])) if h0 is None else h0
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        h_new = activation(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        if mask is not None:
            h_new = np.where(mask[:, t][:, None], h_new, h)
        h = h_new
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def make(units=3, features=2, **kwargs):
    rng = np.random.default_rng(0)
    layer = SimpleRNN(units, **kwargs)
    layer.build((2 if kwargs.get("stateful") else None, 4, features))
    weights = [
        rng.normal(size=(features, units)).astype("float32"),
        rng.normal(scale=0.5, size=(units, units)).astype("float32"),
        rng.normal(size=(units,)).astype("float32"),
    ]
    layer.set_weights(weights)
    return layer, [w.astype("float64") for w in weights]


X = np.random.default_rng(1).normal(size=(2, 4, 2)).astype("float32")


@pytest.mark.parametrize("go_backwards", [False, True])
def test_simple_rnn_matches_numpy(go_backwards):
    layer, w = make(return_sequences=True, return_state=True, go_backwards=go_backwards)
    seq, h = simple_rnn_reference(X, *w, go_backwards=go_backwards)
    out, state = layer(X)
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(state, h, rtol=RTOL, atol=ATOL)
    seq, h = simple_rnn_reference(X, *w, mask=MASK, go_backwards=go_backwards)
    out, state = layer(X, mask=MASK)
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(state, h, rtol=RTOL, atol=ATOL)


def test_simple_rnn_relu_no_bias_and_initial_state():
    layer, w = make(activation="relu")
    h0 = np.ones((2, 3), "float32")
    _, h = simple_rnn_reference(X, *w, activation=lambda v: np.maximum(v, 0), h0=h0)
    np.testing.assert_allclose(layer(X, initial_state=[h0]), h, rtol=RTOL, atol=ATOL)
    no_bias = SimpleRNN(3, use_bias=False)
    no_bias.build((None, 4, 2))
    assert [v.name for v in no_bias.weights] == ["kernel", "recurrent_kernel"]
    assert no_bias.count_params() == 2 * 3 + 3 * 3


def test_simple_rnn_stateful_two_calls():
    layer, w = make(stateful=True, return_sequences=True)
    seq, _ = simple_rnn_reference(X, *w)
    np.testing.assert_allclose(layer(X[:, :2]), seq[:, :2], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer(X[:, 2:]), seq[:, 2:], rtol=RTOL, atol=ATOL)


def test_simple_rnn_dropout_mask_shared_over_time():
    """With input dropout only and a zero recurrent kernel and bias, each step's
    output is tanh((x_t * m) @ W): the same mask m at every step."""
    layer = SimpleRNN(
        3, dropout=0.5, return_sequences=True, seed=7, recurrent_initializer="zeros"
    )
    x = np.ones((2, 4, 2), "float32")
    out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(out, np.repeat(out[:, :1], 4, axis=1), atol=1e-6)
    np.testing.assert_allclose(layer(x), layer(x), atol=0)
    kept = np.tanh(x[:, 0] @ layer.cell.kernel.numpy())
    assert not np.allclose(out[:, 0], kept)


def test_simple_rnn_cell_standalone():
    cell = SimpleRNNCell(3)
    h, states = cell(X[:, 0], [np.zeros((2, 3), "float32")])
    k, rk, b = (w.astype("float64") for w in cell.get_weights())
    np.testing.assert_allclose(h, np.tanh(X[:, 0] @ k + b), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(states[0], h, atol=0)


def test_simple_rnn_errors_and_config():
    with pytest.raises(ValueError, match="SimpleRNN.*units"):
        SimpleRNN(-1)
    with pytest.raises(ValueError, match=r"\(SimpleRNN\).*ndim=3"):
        SimpleRNN(2)(np.ones((2, 3, 4, 5), "float32"))
    config = SimpleRNN(4, activation="relu", go_backwards=True).get_config()
    assert config["activation"] == "relu" and config["go_backwards"] is True
    assert SimpleRNN.from_config(config).get_config() == config


@pytest.mark.compat
def test_simple_rnn_matches_keras():
    keras = pytest.importorskip("keras")
    kwargs = {"return_sequences": True, "return_state": True}
    theirs = keras.layers.SimpleRNN(3, **kwargs)
    theirs.build(X.shape)
    ours = SimpleRNN(3, **kwargs)
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    for call_kwargs in ({}, {"mask": MASK}):
        for e, g in zip(theirs(X, **call_kwargs), ours(X, **call_kwargs)):
            np.testing.assert_allclose(g, np.asarray(e), rtol=1e-5, atol=1e-5)
