"""Bidirectional: merge modes against two numpy recurrences, states, Keras compat."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kerasish.layers.core.dense import Dense  # noqa: E402
from kerasish.layers.input_layer import Input  # noqa: E402
from kerasish.layers.rnn import GRU, LSTM, Bidirectional, SimpleRNN  # noqa: E402

RTOL, ATOL = 1e-5, 1e-5
X = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
MASK = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)


def simple_rnn_reference(
    x, kernel, recurrent_kernel, bias, mask=None, go_backwards=False
):
    """Outputs in original time order; masked steps output zeros (Bidirectional
    sets `zero_output_for_mask` when returning sequences)."""
    h = np.zeros((x.shape[0], kernel.shape[1]))
    outputs = np.zeros((x.shape[0], x.shape[1], kernel.shape[1]))
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in steps:
        new = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        m = np.ones((x.shape[0], 1), bool) if mask is None else mask[:, t][:, None]
        outputs[:, t] = np.where(m, new, 0.0)
        h = np.where(m, new, h)
    return outputs, h


def make(merge_mode="concat", **kwargs):
    layer = Bidirectional(SimpleRNN(2, **kwargs), merge_mode=merge_mode)
    layer.build(X.shape)
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    w = [w.astype("float64") for w in weights]
    return layer, w[:3], w[3:]


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], -1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
}


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("mask", [None, MASK])
def test_bidirectional_merge_modes_match_numpy(merge_mode, mask):
    layer, fw, bw = make(merge_mode, return_sequences=True)
    fwd_seq, fwd_h = simple_rnn_reference(X, *fw, mask=mask)
    bwd_seq, bwd_h = simple_rnn_reference(X, *bw, mask=mask, go_backwards=True)
    out = layer(X, mask=mask)
    if merge_mode is None:
        np.testing.assert_allclose(out[0], fwd_seq, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(out[1], bwd_seq, rtol=RTOL, atol=ATOL)
    else:
        expected = MERGES[merge_mode](fwd_seq, bwd_seq)
        np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    last, _, _ = make(merge_mode)
    out = last(X, mask=mask)
    if merge_mode is None:
        np.testing.assert_allclose(out[1], bwd_h, rtol=RTOL, atol=ATOL)
    else:
        expected = MERGES[merge_mode](fwd_h, bwd_h)
        np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


def test_bidirectional_return_state_and_initial_state():
    layer = Bidirectional(LSTM(3, return_state=True))
    out, fh, fc, bh, bc = layer(X)
    assert out.shape == (2, 6)
    np.testing.assert_allclose(out[:, :3], fh, atol=0)
    np.testing.assert_allclose(out[:, 3:], bh, atol=0)
    zeros = [np.zeros((2, 3), "float32")] * 4
    np.testing.assert_allclose(layer(X, initial_state=zeros)[0], out, atol=1e-6)
    ones = [np.ones((2, 3), "float32")] * 4
    assert not np.allclose(layer(X, initial_state=ones)[0], out)
    shapes = layer.compute_output_shape((None, 4, 3))
    assert shapes == ((None, 6), (None, 3), (None, 3), (None, 3), (None, 3))


def test_bidirectional_weights_names_and_params():
    layer = Bidirectional(LSTM(4, name="enc"))
    layer.build((None, 7, 8))
    assert layer.forward_layer.name == "forward_enc"
    assert layer.backward_layer.name == "backward_enc"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert layer.count_params() == 2 * 208
    assert len(layer.get_weights()) == 6


def test_bidirectional_custom_backward_layer_and_symbolic():
    backward = GRU(3, go_backwards=True, return_sequences=True)
    layer = Bidirectional(
        GRU(3, return_sequences=True), backward_layer=backward, merge_mode="sum"
    )
    assert layer.backward_layer is backward
    assert layer(Input((4, 3))).shape == (None, 4, 3)
    model_out = Dense(2)(layer(Input((4, 3))))
    assert model_out.shape == (None, 4, 2)


def test_bidirectional_stateful_reset():
    layer = Bidirectional(SimpleRNN(2, stateful=True))
    first = np.asarray(layer(X))
    assert not np.allclose(layer(X), first)
    layer.reset_states()
    np.testing.assert_allclose(layer(X), first, rtol=RTOL, atol=ATOL)
    with pytest.raises(AttributeError, match="must be stateful"):
        Bidirectional(SimpleRNN(2)).reset_state()


def test_bidirectional_config_round_trip():
    layer = Bidirectional(LSTM(3, return_sequences=True), merge_mode="ave")
    config = layer.get_config()
    clone = Bidirectional.from_config(config)
    assert clone.merge_mode == "ave" and clone.return_sequences
    assert clone.backward_layer.go_backwards


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="invalid merge mode.*'max'"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="Layer` instance"):
        Bidirectional("lstm")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2))
    with pytest.raises(ValueError, match='same value for attribute "return_sequences"'):
        Bidirectional(
            LSTM(2), backward_layer=LSTM(2, go_backwards=True, return_sequences=True)
        )
    with pytest.raises(ValueError, match="recurrent layer.*Dense"):
        Bidirectional(Dense(2))


@pytest.mark.compat
@pytest.mark.parametrize("merge_mode", ["concat", "mul", None])
def test_bidirectional_matches_keras(merge_mode):
    keras = pytest.importorskip("keras")
    theirs = keras.layers.Bidirectional(
        keras.layers.LSTM(3, return_sequences=True, return_state=True),
        merge_mode=merge_mode,
    )
    theirs.build(X.shape)
    ours = Bidirectional(
        LSTM(3, return_sequences=True, return_state=True), merge_mode=merge_mode
    )
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    assert ours.count_params() == theirs.count_params()
    for kwargs in ({}, {"mask": MASK}):
        expected, got = theirs(X, **kwargs), ours(X, **kwargs)
        assert len(expected) == len(got)
        for e, g in zip(expected, got):
            np.testing.assert_allclose(g, np.asarray(e), rtol=1e-5, atol=1e-5)
