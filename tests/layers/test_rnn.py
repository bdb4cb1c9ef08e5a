"""The generic RNN layer: user cells, StackedRNNCells, masking, state, errors."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerasish  # noqa: E402
from kerasish import ops  # noqa: E402
from kerasish.layers.input_layer import Input  # noqa: E402
from kerasish.layers.layer import Layer  # noqa: E402
from kerasish.layers.rnn import (  # noqa: E402
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
)
from kerasish.serialization import register_keras_serializable

RTOL, ATOL = 1e-5, 1e-5
X = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], dtype=bool)


@register_keras_serializable(package="test_rnn")
class MinimalRNNCell(Layer):
    """The Keras docs' minimal cell: `h = x @ W + h_prev @ U` (no activation)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="glorot_uniform",
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer="orthogonal",
            name="recurrent_kernel",
        )

    def call(self, inputs, states):
        output = ops.matmul(inputs, self.kernel) + ops.matmul(
            states[0], self.recurrent_kernel
        )
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def minimal_reference(x, w, u, mask=None, go_backwards=False, zero_output=False):
    h = np.zeros((x.shape[0], w.shape[1]))
    outputs = []
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in steps:
        new = x[:, t] @ w + h @ u
        if mask is None:
            out = h = new
        else:
            m = mask[:, t][:, None]
            out = np.where(m, new, 0.0 if zero_output else h)
            h = np.where(m, new, h)
        outputs.append(out)
    return np.stack(outputs, 1), h


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_rnn_with_custom_cell_matches_numpy(go_backwards, zero_output):
    layer = RNN(
        MinimalRNNCell(4),
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        zero_output_for_mask=zero_output,
    )
    out, h = layer(X)
    w, u = (v.astype("float64") for v in layer.get_weights())
    seq, h_ref = minimal_reference(X, w, u, go_backwards=go_backwards)
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h, h_ref, rtol=RTOL, atol=ATOL)
    out, h = layer(X, mask=MASK)
    seq, h_ref = minimal_reference(X, w, u, MASK, go_backwards, zero_output)
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h, h_ref, rtol=RTOL, atol=ATOL)


def test_rnn_last_output_with_zero_output_for_mask_follows_keras():
    """Keras returns the last processed step's (zeroed) output here."""
    keras = pytest.importorskip("keras")
    theirs = keras.layers.RNN(keras.layers.LSTMCell(3), zero_output_for_mask=True)
    expected = np.asarray(theirs(X, mask=MASK))
    layer = RNN(LSTMCell(3), zero_output_for_mask=True)
    layer(X, mask=MASK)
    layer.set_weights([np.asarray(w) for w in theirs.get_weights()])
    out = np.asarray(layer(X, mask=MASK))
    assert np.all(out[0] == 0) and np.all(out[1] != 0)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


def test_stacked_cells_match_two_layers():
    cells = [LSTMCell(4), GRUCell(3)]
    stacked = RNN(cells, return_sequences=True, return_state=True)
    out, lstm_states, gru_state = stacked(X, mask=MASK)
    first = RNN(cells[0], return_sequences=True, return_state=True)
    second = RNN(cells[1], return_sequences=True, return_state=True)
    mid, h1, c1 = first(X, mask=MASK)
    expected, h2 = second(mid, mask=MASK)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(lstm_states[0], h1, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(lstm_states[1], c1, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(gru_state[0], h2, rtol=RTOL, atol=ATOL)
    assert isinstance(stacked.cell, StackedRNNCells)
    assert stacked.count_params() == first.count_params() + second.count_params()
    assert stacked.compute_output_shape((None, 5, 3))[0] == (None, 5, 3)


def test_rnn_stateful_stacked_and_reset():
    layer = RNN([SimpleRNNCell(3), LSTMCell(2)], stateful=True)
    layer(X[:, :2])
    assert [tuple(s.shape) for s in [layer.states[0][0], *layer.states[1]]] == [
        (2, 3),
        (2, 2),
        (2, 2),
    ]
    carried = layer(X[:, 2:])
    fresh = RNN(layer.cell)  # same cell and weights, no carried state
    np.testing.assert_allclose(carried, fresh(X), rtol=RTOL, atol=ATOL)
    layer.reset_states()
    np.testing.assert_allclose(layer(X), fresh(X), rtol=RTOL, atol=ATOL)


def test_rnn_compute_mask_and_output_shape():
    layer = RNN(SimpleRNNCell(2), return_sequences=True, return_state=True)
    mask = layer.compute_mask(X, MASK)
    assert mask[0] is MASK and mask[1] is None
    assert RNN(SimpleRNNCell(2)).compute_mask(X, MASK) is None
    assert layer.compute_output_shape((None, 7, 3)) == ((None, 7, 2), (None, 2))
    outputs = layer(Input((7, 3)))
    assert [t.shape for t in outputs] == [(None, 7, 2), (None, 2)]


def test_rnn_training_flag_reaches_dropout_cells():
    layer = RNN([SimpleRNNCell(3, dropout=0.5, seed=1), GRUCell(2)])
    np.testing.assert_allclose(layer(X), layer(X), atol=0)
    assert not np.allclose(layer(X, training=True), layer(X))


def test_rnn_config_round_trip():
    layer = RNN(MinimalRNNCell(4), return_sequences=True, go_backwards=True)
    config = layer.get_config()
    clone = RNN.from_config(config)
    assert isinstance(clone.cell, MinimalRNNCell) and clone.cell.units == 4
    assert clone.go_backwards and clone.return_sequences
    stacked = RNN([LSTMCell(2), SimpleRNNCell(3)])
    clone = RNN.from_config(stacked.get_config())
    assert [type(c).__name__ for c in clone.cell.cells] == ["LSTMCell", "SimpleRNNCell"]


def test_rnn_cell_errors():
    with pytest.raises(ValueError, match="`call` method"):
        RNN(object())

    class NoState(Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match="state_size"):
        RNN(NoState())
    with pytest.raises(ValueError, match="state_size"):
        StackedRNNCells([LSTMCell(2), NoState()])
    with pytest.raises(ValueError, match="SimpleRNNCell.*units"):
        SimpleRNNCell(0)
    with pytest.raises(ValueError, match=r"\(RNN\).*ndim=3.*\(2, 5\)"):
        RNN(SimpleRNNCell(2))(np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match=r"structure of 2 inputs.*\(2, 5, 6, 4\).*"):
        RNN(SimpleRNNCell(2))((np.ones((2, 5, 8)), np.ones((2, 5, 6, 4))))


@pytest.mark.compat
def test_rnn_stacked_cells_match_keras():
    keras = pytest.importorskip("keras")
    theirs = keras.layers.RNN(
        [keras.layers.LSTMCell(4), keras.layers.GRUCell(3)], return_sequences=True
    )
    theirs.build(X.shape)
    ours = RNN([LSTMCell(4), GRUCell(3)], return_sequences=True)
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    for kwargs in ({}, {"mask": MASK}):
        np.testing.assert_allclose(
            ours(X, **kwargs), np.asarray(theirs(X, **kwargs)), rtol=1e-5, atol=1e-5
        )


class _StatefulSubLayerCell(Layer):
    """A cell whose sub-layers write state at each step: BatchNormalization's
    moving mean and a Dropout's seed generator."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state_size = 2
        self.norm = kerasish.layers.BatchNormalization(momentum=0.9)
        self.drop = kerasish.layers.Dropout(0.5, seed=3)

    def call(self, inputs, states, training=None):
        h = self.norm(inputs, training=training)
        h = self.drop(h, training=training)
        return h, [states[0] + h]


def test_a_cell_whose_sub_layers_write_state_carries_it_through_the_loop():
    """Keras 3 fails here (a leaked tracer); the state rides in the carry."""

    cell = _StatefulSubLayerCell()
    rnn = RNN(cell, return_sequences=True)
    x = np.random.default_rng(0).normal(2.0, 1.0, (4, 3, 2)).astype("float32")
    out = np.asarray(rnn(x, training=True))
    moving = np.zeros(2)
    for t in range(3):  # one update per step, with that step's batch mean
        moving = 0.9 * moving + 0.1 * x[:, t].mean(axis=0)
    np.testing.assert_allclose(cell.norm.moving_mean, moving, rtol=1e-5)
    # Three draws from the dropout's generator, one per step: masks differ.
    np.testing.assert_array_equal(cell.drop.seed_generator.state.value, [3, 3])
    kept = out != 0
    assert not (kept[:, 0] == kept[:, 1]).all()
    # In a compiled fit too: state advanced by 3 draws per batch of 2 batches.
    model = kerasish.Sequential([kerasish.Input((3, 2)), RNN(cell)])
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((4, 2)), batch_size=2, epochs=1, verbose=0)
    np.testing.assert_array_equal(cell.drop.seed_generator.state.value, [3, 9])
