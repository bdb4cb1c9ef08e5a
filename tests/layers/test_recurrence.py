"""The fused recurrence's own gradient (`layers/rnn/recurrence.py`): the same
forward values as the plain loop, and the gradients JAX's autodiff of the plain
loop gives, to float rounding."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish import layers
from kerasish.layers.rnn import recurrence

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 7, 3)).astype("float32")


def _loss_and_grads(layer, inputs, custom, monkeypatch, mask=None):
    """A weighted sum of every output, and its gradients with respect to the
    layer's weights and every input (the sequences, then any initial states),
    through the recurrence (`custom`) or the plain loop."""
    trainable = [v.value for v in layer.trainable_variables]
    fixed = [v.value for v in layer.non_trainable_variables]
    runs = []
    monkeypatch.setattr(recurrence, "run", _counting(recurrence.run, runs))
    if not custom:
        monkeypatch.setattr(recurrence, "supports", lambda *args: False)

    def loss(trainable, inputs):
        states = {"initial_state": list(inputs[1:])} if len(inputs) > 1 else {}
        out, _ = layer.stateless_call(
            trainable, fixed, inputs[0], training=True, mask=mask, **states
        )
        outs = out if isinstance(out, list | tuple) else [out]
        total = 0.0
        for o in outs:
            weights = np.cos(np.arange(o.size)).reshape(o.shape).astype("float32")
            total = total + jnp.sum(jnp.tanh(o) * weights)
        return total

    value, grads = jax.value_and_grad(loss, argnums=(0, 1))(trainable, inputs)
    monkeypatch.undo()
    assert bool(runs) is custom  # the path asked for ran
    return value, jax.tree_util.tree_leaves(grads)


def _counting(fn, calls):
    def counted(*args, **kwargs):
        calls.append(1)
        return fn(*args, **kwargs)

    return counted


CASES = [
    (layers.LSTM, {}),
    (layers.LSTM, {"return_sequences": True, "use_bias": False}),
    (layers.LSTM, {"return_state": True, "go_backwards": True}),
    (layers.GRU, {}),
    (layers.GRU, {"return_sequences": True, "return_state": True}),
    (layers.GRU, {"use_bias": False, "go_backwards": True}),
    (layers.SimpleRNN, {"return_sequences": True}),
    (layers.SimpleRNN, {"activation": "relu", "return_state": True}),
    # Input dropout: one mask, applied to the sequences before the loop.
    (layers.LSTM, {"dropout": 0.5}),
    (layers.GRU, {"dropout": 0.3, "return_sequences": True}),
]


@pytest.mark.parametrize("cls, kwargs", CASES)
def test_the_recurrence_gives_the_plain_loops_values_and_gradients(
    cls, kwargs, monkeypatch
):
    layer = cls(5, **kwargs)
    layer(X)
    inputs = (X,)
    value, grads = _loss_and_grads(layer, inputs, True, monkeypatch)
    ref_value, ref_grads = _loss_and_grads(layer, inputs, False, monkeypatch)
    assert float(value) == float(ref_value)  # the same forward operations
    assert len(grads) == len(ref_grads) == len(layer.trainable_variables) + 1
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)
        assert float(np.max(np.abs(r))) > 0  # every gradient is exercised


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
def test_gradients_reach_a_given_initial_state(cls, monkeypatch):
    layer = cls(5, return_sequences=True)
    n_states = 2 if cls is layers.LSTM else 1
    states = [RNG.normal(size=(4, 5)).astype("float32") for _ in range(n_states)]
    layer(X, initial_state=states)

    results = [
        _loss_and_grads(layer, (X, *states), custom, monkeypatch)
        for custom in (True, False)
    ]
    (value, grads), (ref_value, ref_grads) = results
    assert float(value) == float(ref_value)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)
    assert float(np.max(np.abs(grads[-1]))) > 0  # the last state's gradient


@pytest.mark.parametrize(
    "layer, mask",
    [
        (layers.LSTM(5, recurrent_dropout=0.5), None),
        (layers.GRU(5, recurrent_dropout=0.5), None),
        (layers.GRU(5, reset_after=False), None),
    ],
)
def test_masks_and_dropout_keep_the_plain_loop(layer, mask, monkeypatch):
    calls = []
    monkeypatch.setattr(recurrence, "run", _counting(recurrence.run, calls))
    layer(X, mask=mask, training=True)
    layer(X)  # inference: the plain loop too
    assert calls == []


# Rows of 7, 5, 3 and 1 real steps, the last row's hole in the middle included.
MASK = np.arange(7)[None, :] < np.array([[7], [5], [3], [1]])
MASK[0, 3] = False

MASKED_CASES = [
    (layers.LSTM, {}),
    (layers.LSTM, {"return_sequences": True}),
    (layers.LSTM, {"return_sequences": True, "zero_output_for_mask": True}),
    (layers.GRU, {"return_sequences": True, "return_state": True}),
    (layers.GRU, {"go_backwards": True, "zero_output_for_mask": True}),
    (layers.SimpleRNN, {"return_sequences": True, "dropout": 0.3}),
]


@pytest.mark.parametrize("cls, kwargs", MASKED_CASES)
def test_masked_steps_keep_their_states_in_values_and_gradients(
    cls, kwargs, monkeypatch
):
    """A masked step keeps the states before it (and outputs the previous
    output, or zeros): the recurrence gives the plain loop's values and
    gradients, and no gradient flows through a masked step's gates."""
    layer = cls(5, **kwargs)
    layer(X)
    results = [
        _loss_and_grads(layer, (X,), custom, monkeypatch, mask=MASK)
        for custom in (True, False)
    ]
    (value, grads), (ref_value, ref_grads) = results
    assert float(value) == float(ref_value)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)
    # The input gradient is zero at masked steps, and only there.
    d_x = np.abs(grads[-1]).sum(axis=-1)
    np.testing.assert_array_equal(d_x > 0, MASK)
