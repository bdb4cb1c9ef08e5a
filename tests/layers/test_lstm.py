"""LSTM / LSTMCell: a step-by-step numpy recurrence, gradients, Keras 3 compat."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kerasish.layers.core.dense import Dense  # noqa: E402
from kerasish.layers.core.embedding import Embedding  # noqa: E402
from kerasish.layers.input_layer import Input  # noqa: E402
from kerasish.layers.rnn import LSTM, RNN, LSTMCell  # noqa: E402
from kerasish.models import Model, Sequential  # noqa: E402

RTOL, ATOL = 1e-5, 1e-5


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_reference(
    x,
    kernel,
    recurrent_kernel,
    bias,
    h0=None,
    c0=None,
    mask=None,
    go_backwards=False,
    zero_output_for_mask=False,
):
    """Keras's LSTM, one timestep at a time: gate order i, f, c, o; a masked step
    keeps (h, c) and outputs the previous h (or zeros). Outputs are returned in
    processing order."""
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units)) if h0 is None else np.asarray(h0, "float64")
    c = np.zeros((batch, units)) if c0 is None else np.asarray(c0, "float64")
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i = sigmoid(z[:, :units])
        f = sigmoid(z[:, units : 2 * units])
        g = np.tanh(z[:, 2 * units : 3 * units])
        o = sigmoid(z[:, 3 * units :])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        if mask is None:
            h, c, out = h_new, c_new, h_new
        else:
            m = mask[:, t][:, None]
            out = np.where(m, h_new, 0.0 if zero_output_for_mask else h)
            h, c = np.where(m, h_new, h), np.where(m, c_new, c)
        outputs.append(out)
    return np.stack(outputs, axis=1), h, c


def make_lstm(units, features, weight_seed=0, **kwargs):
    rng = np.random.default_rng(weight_seed)
    layer = LSTM(units, **kwargs)
    layer.build((3 if kwargs.get("stateful") else None, 5, features))
    weights = [
        rng.normal(scale=0.5, size=(features, 4 * units)).astype("float32"),
        rng.normal(scale=0.5, size=(units, 4 * units)).astype("float32"),
        rng.normal(scale=0.5, size=(4 * units,)).astype("float32"),
    ]
    layer.set_weights(weights)
    return layer, [w.astype("float64") for w in weights]


def inputs(batch=3, steps=5, features=4, seed=1):
    return (
        np.random.default_rng(seed)
        .normal(size=(batch, steps, features))
        .astype("float32")
    )


def test_lstm_last_output_matches_numpy():
    layer, w = make_lstm(3, 4)
    x = inputs()
    seq, h, _ = lstm_reference(x, *w)
    np.testing.assert_allclose(layer(x), h, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer(x), seq[:, -1], rtol=RTOL, atol=ATOL)


def test_lstm_sequences_and_states_match_numpy():
    layer, w = make_lstm(3, 4, return_sequences=True, return_state=True)
    x = inputs()
    out, h, c = layer(x)
    seq, h_ref, c_ref = lstm_reference(x, *w)
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h, h_ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, c_ref, rtol=RTOL, atol=ATOL)


def test_lstm_go_backwards_returns_processing_order():
    layer, w = make_lstm(3, 4, return_sequences=True, go_backwards=True)
    x = inputs()
    seq, _, _ = lstm_reference(x, *w, go_backwards=True)
    np.testing.assert_allclose(layer(x), seq, rtol=RTOL, atol=ATOL)
    # Processing x backwards is processing the time-reversed x forwards.
    forward, _ = make_lstm(3, 4, return_sequences=True)
    np.testing.assert_allclose(layer(x), forward(x[:, ::-1]), rtol=RTOL, atol=ATOL)


def test_lstm_initial_state():
    layer, w = make_lstm(3, 4, return_state=True)
    x = inputs()
    rng = np.random.default_rng(5)
    h0, c0 = (rng.normal(size=(3, 3)).astype("float32") for _ in range(2))
    out, h, c = layer(x, initial_state=[h0, c0])
    _, h_ref, c_ref = lstm_reference(x, *w, h0=h0, c0=c0)
    np.testing.assert_allclose(out, h_ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, c_ref, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_mask_keeps_state_and_repeats_output(go_backwards):
    layer, w = make_lstm(
        3, 4, return_sequences=True, return_state=True, go_backwards=go_backwards
    )
    x = inputs()
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 0], [0, 1, 1, 1, 1]], dtype=bool)
    out, h, c = layer(x, mask=mask)
    seq, h_ref, c_ref = lstm_reference(x, *w, mask=mask, go_backwards=go_backwards)
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h, h_ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, c_ref, rtol=RTOL, atol=ATOL)
    # A right-padded sequence ends with its last real step's output.
    if not go_backwards:
        np.testing.assert_allclose(out[0, 3], out[0, 2], rtol=0, atol=0)


def test_lstm_mask_zero_output_for_mask():
    layer, w = make_lstm(3, 4, return_sequences=True, zero_output_for_mask=True)
    x = inputs()
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 0]], dtype=bool)
    seq, _, _ = lstm_reference(x, *w, mask=mask, zero_output_for_mask=True)
    out = np.asarray(layer(x, mask=mask))
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    assert np.all(out[0, 3:] == 0)


def test_lstm_mask_from_embedding_in_a_model():
    """The functional model passes Embedding(mask_zero=True)'s mask to the LSTM:
    trailing padding does not change the result."""
    tokens = Input((6,), dtype="int32")
    embedded = Embedding(10, 4, mask_zero=True)(tokens)
    model = Model(tokens, LSTM(3)(embedded))
    padded = np.array([[3, 1, 4, 0, 0, 0]])
    unpadded = Sequential(
        [Input((3,), dtype="int32"), model.layers[1], model.layers[2]]
    )
    np.testing.assert_allclose(
        model(padded), unpadded(padded[:, :3]), rtol=RTOL, atol=ATOL
    )


def test_lstm_unroll_matches_loop():
    layer, _ = make_lstm(3, 4, return_sequences=True)
    unrolled, _ = make_lstm(3, 4, return_sequences=True, unroll=True)
    x = inputs()
    np.testing.assert_allclose(layer(x), unrolled(x), rtol=RTOL, atol=ATOL)


def test_lstm_stateful_carries_state_across_calls():
    layer, w = make_lstm(3, 4, stateful=True, return_sequences=True)
    x = inputs(steps=6)
    first, second = layer(x[:, :3]), layer(x[:, 3:])
    seq, _, _ = lstm_reference(x, *w)
    np.testing.assert_allclose(first, seq[:, :3], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(second, seq[:, 3:], rtol=RTOL, atol=ATOL)
    assert len(layer.states) == 2
    layer.reset_states()
    assert all(np.all(s.numpy() == 0) for s in layer.states)
    np.testing.assert_allclose(layer(x[:, :3]), seq[:, :3], rtol=RTOL, atol=ATOL)


def test_lstm_stateful_state_is_not_a_weight_but_is_carried_by_stateless_call():
    layer, w = make_lstm(3, 4, stateful=True)
    assert len(layer.get_weights()) == 3 and layer.count_params() == 4 * 3 * (4 + 3 + 1)
    x = inputs()
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    out, new_state = layer.stateless_call(trainable, non_trainable, x)
    _, h_ref, c_ref = lstm_reference(x, *w)
    # By identity: `==` on variables is elementwise, as in Keras.
    ids = [id(v) for v in layer.non_trainable_variables]
    states = [ids.index(id(s)) for s in layer.states]
    np.testing.assert_allclose(new_state[states[0]], h_ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(new_state[states[1]], c_ref, rtol=RTOL, atol=ATOL)
    assert np.all(layer.states[0].numpy() == 0)  # stateless: nothing applied


def test_lstm_cell_in_generic_rnn_matches_lstm_layer():
    layer, _ = make_lstm(3, 4, return_sequences=True)
    rnn = RNN(LSTMCell(3), return_sequences=True)
    x = inputs()
    rnn.build(x.shape)
    rnn.set_weights(layer.get_weights())
    np.testing.assert_allclose(rnn(x), layer(x), rtol=RTOL, atol=ATOL)
    h, (h2, c) = rnn.cell(x[:, 0], [np.zeros((3, 3)), np.zeros((3, 3))])
    np.testing.assert_allclose(h, layer(x[:, :1])[:, 0], rtol=RTOL, atol=ATOL)


def test_lstm_weights_names_shapes_and_forget_bias():
    layer = LSTM(4)
    layer.build((None, 7, 8))
    assert [v.name for v in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [v.shape for v in layer.weights] == [(8, 16), (4, 16), (16,)]
    np.testing.assert_array_equal(
        layer.cell.bias.numpy(), np.r_[np.zeros(4), np.ones(4), np.zeros(8)]
    )
    assert layer.count_params() == 208  # Keras: LSTM(4) on 8 features
    no_forget = LSTM(4, unit_forget_bias=False)
    no_forget.build((None, 7, 8))
    assert np.all(no_forget.cell.bias.numpy() == 0)


def test_lstm_dropout_only_in_training_and_seeded():
    layer, _ = make_lstm(3, 4, dropout=0.5, return_sequences=True, seed=3)
    twin, _ = make_lstm(3, 4, dropout=0.5, return_sequences=True, seed=3)
    x = inputs()
    plain, _ = make_lstm(3, 4, return_sequences=True)
    np.testing.assert_allclose(layer(x), plain(x), rtol=RTOL, atol=ATOL)
    out = np.asarray(layer(x, training=True))
    assert not np.allclose(out, plain(x))
    # The same seed draws the same masks.
    np.testing.assert_allclose(twin(x, training=True), out, rtol=RTOL, atol=ATOL)


def test_lstm_recurrent_dropout_runs_and_is_inactive_at_inference():
    layer, _ = make_lstm(3, 4, dropout=0.3, recurrent_dropout=0.3, seed=1)
    plain, _ = make_lstm(3, 4)
    x = inputs()
    assert layer.cell.implementation == 1
    np.testing.assert_allclose(layer(x), plain(x), rtol=RTOL, atol=ATOL)
    trained = np.asarray(layer(x, training=True))
    assert trained.shape == (3, 3) and not np.allclose(trained, plain(x))


def test_lstm_gradient_matches_finite_differences():
    layer, _ = make_lstm(3, 4, return_sequences=True)
    x = inputs()
    weights = [v.value for v in layer.trainable_variables]
    fixed = [v.value for v in layer.non_trainable_variables]
    target = np.random.default_rng(2).normal(size=(3, 5, 3)).astype("float32")

    def loss(ws):
        out, _ = layer.stateless_call(ws, fixed, x)
        return jax.numpy.sum((out - target) ** 2)

    grads = jax.grad(loss)(weights)
    rng = np.random.default_rng(3)
    eps = 1e-2
    for _ in range(3):
        direction = [rng.normal(size=w.shape).astype("float32") for w in weights]
        plus = [w + eps * d for w, d in zip(weights, direction)]
        minus = [w - eps * d for w, d in zip(weights, direction)]
        numeric = (float(loss(plus)) - float(loss(minus))) / (2 * eps)
        analytic = sum(float(np.sum(g * d)) for g, d in zip(grads, direction))
        np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=1e-2)


def test_lstm_config_round_trip():
    layer = LSTM(
        5, dropout=0.1, return_sequences=True, go_backwards=True, seed=4, name="enc"
    )
    config = layer.get_config()
    assert config["units"] == 5 and config["unit_forget_bias"] is True
    assert config["recurrent_activation"] == "sigmoid" and config["seed"] == 4
    clone = LSTM.from_config(config)
    assert clone.get_config() == config
    assert layer.units == 5 and layer.dropout == 0.1
    assert layer.recurrent_initializer is layer.cell.recurrent_initializer


def test_lstm_symbolic_output_shapes():
    x = Input((7, 3))
    out, h, c = LSTM(4, return_sequences=True, return_state=True)(x)
    assert out.shape == (None, 7, 4) and h.shape == (None, 4) and c.shape == (None, 4)
    assert LSTM(4)(x).shape == (None, 4)


@pytest.mark.parametrize("units", [0, -2, 2.5, "4", True])
def test_lstm_invalid_units(units):
    with pytest.raises(ValueError, match="LSTM.*units.*positive integer"):
        LSTM(units)


def test_lstm_wrong_rank_names_layer_and_shape():
    layer = LSTM(4, name="my_lstm")
    with pytest.raises(ValueError, match=r"'my_lstm' \(LSTM\).*ndim=3.*\(2, 3\)"):
        layer(np.ones((2, 3), "float32"))


def test_lstm_stateful_needs_fixed_batch_size():
    with pytest.raises(
        ValueError, match=r"stateful=True.*static batch size.*batch_size"
    ):
        LSTM(4, stateful=True)(Input((5, 3)))
    fixed = LSTM(4, stateful=True)
    fixed(np.ones((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match="built for batches of 2.*batch of 3"):
        fixed(np.ones((3, 5, 3), "float32"))


def test_lstm_invalid_dropout_and_cudnn():
    with pytest.raises(ValueError, match="LSTMCell.*`dropout`.*\\[0, 1\\]"):
        LSTM(4, dropout=1.5)
    with pytest.raises(ValueError, match="use_cudnn"):
        LSTM(4, use_cudnn="yes")


def test_lstm_classifier_summary_param_count():
    # Keras 3 prints 160 + 208 + 5 = 373 for this model.
    model = Sequential(
        [
            Input((10,), dtype="int32"),
            Embedding(20, 8),
            LSTM(4),
            Dense(1, activation="sigmoid"),
        ]
    )
    assert [layer.count_params() for layer in model.layers] == [160, 208, 5]
    assert model.count_params() == 373


@pytest.mark.compat
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"return_sequences": True, "go_backwards": True},
        {"return_state": True, "unit_forget_bias": False, "use_bias": False},
        {
            "return_sequences": True,
            "activation": "relu",
            "recurrent_activation": "hard_sigmoid",
        },
    ],
)
def test_lstm_matches_keras(kwargs):
    keras = pytest.importorskip("keras")
    x = inputs()
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 0]], dtype=bool)
    theirs = keras.layers.LSTM(3, **kwargs)
    theirs.build(x.shape)
    ours = LSTM(3, **kwargs)
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    for call_kwargs in ({}, {"mask": mask}):
        expected = theirs(x, **call_kwargs)
        got = ours(x, **call_kwargs)
        for e, g in zip(
            jax.tree_util.tree_leaves(expected), jax.tree_util.tree_leaves(got)
        ):
            np.testing.assert_allclose(g, np.asarray(e), rtol=1e-5, atol=1e-5)


@pytest.mark.compat
def test_lstm_model_with_masking_embedding_matches_keras():
    keras = pytest.importorskip("keras")
    tokens = np.array([[3, 1, 4, 1, 0, 0], [5, 9, 2, 6, 5, 3], [5, 0, 0, 0, 0, 0]])

    def build(lib, Input_, Embedding_, LSTM_, Dense_, Model_):
        inp = Input_((6,), dtype="int32")
        h = Embedding_(10, 4, mask_zero=True)(inp)
        h = LSTM_(3, return_sequences=True)(h)
        h = LSTM_(2)(h)
        return Model_(inp, Dense_(1)(h))

    theirs = build(
        keras,
        keras.Input,
        keras.layers.Embedding,
        keras.layers.LSTM,
        keras.layers.Dense,
        keras.Model,
    )
    ours = build(None, Input, Embedding, LSTM, Dense, Model)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        ours(tokens), np.asarray(theirs(tokens)), rtol=1e-5, atol=1e-5
    )
    assert ours.count_params() == theirs.count_params()


def test_lstm_hoisted_input_projection_gives_same_result():
    layer, w = make_lstm(3, 4, return_sequences=True, dropout=0.3, seed=1)
    layer._hoist_input_projection = True
    x = inputs()
    seq, _, _ = lstm_reference(x, *w, mask=MASK_3x5)
    np.testing.assert_allclose(layer(x, mask=MASK_3x5), seq, rtol=RTOL, atol=ATOL)
    assert np.isfinite(np.asarray(layer(x, training=True))).all()


MASK_3x5 = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 0], [0, 1, 1, 1, 1]], dtype=bool)
