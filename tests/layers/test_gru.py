"""GRU / GRUCell: step-by-step numpy references for both `reset_after` forms,
gradients, and Keras 3 compat."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kerasish.layers.input_layer import Input  # noqa: E402
from kerasish.layers.rnn import GRU, RNN, GRUCell  # noqa: E402

RTOL, ATOL = 1e-5, 1e-5


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gru_reference(
    x,
    kernel,
    recurrent_kernel,
    bias,
    reset_after=True,
    h0=None,
    mask=None,
    go_backwards=False,
):
    """Keras's GRU one step at a time (gate order z, r, h)."""
    batch, steps, _ = x.shape
    u = recurrent_kernel.shape[0]
    if reset_after:
        b_in, b_rec = bias[0], bias[1]
    else:
        b_in, b_rec = bias, np.zeros(3 * u)
    h = np.zeros((batch, u)) if h0 is None else np.asarray(h0, "float64")
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        xz = x[:, t] @ kernel + b_in
        if reset_after:
            g = h @ recurrent_kernel + b_rec
            z = sigmoid(xz[:, :u] + g[:, :u])
            r = sigmoid(xz[:, u : 2 * u] + g[:, u : 2 * u])
            hh = np.tanh(xz[:, 2 * u :] + r * g[:, 2 * u :])
        else:
            z = sigmoid(xz[:, :u] + h @ recurrent_kernel[:, :u])
            r = sigmoid(xz[:, u : 2 * u] + h @ recurrent_kernel[:, u : 2 * u])
            hh = np.tanh(xz[:, 2 * u :] + (r * h) @ recurrent_kernel[:, 2 * u :])
        h_new = z * h + (1 - z) * hh
        if mask is not None:
            m = mask[:, t][:, None]
            h_new = np.where(m, h_new, h)
        h = h_new
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def make_gru(units, features, reset_after=True, **kwargs):
    rng = np.random.default_rng(0)
    layer = GRU(units, reset_after=reset_after, **kwargs)
    layer.build((3 if kwargs.get("stateful") else None, 5, features))
    bias_shape = (2, 3 * units) if reset_after else (3 * units,)
    weights = [
        rng.normal(scale=0.5, size=(features, 3 * units)).astype("float32"),
        rng.normal(scale=0.5, size=(units, 3 * units)).astype("float32"),
        rng.normal(scale=0.5, size=bias_shape).astype("float32"),
    ]
    layer.set_weights(weights)
    return layer, [w.astype("float64") for w in weights]


def inputs(batch=3, steps=5, features=4, seed=1):
    return (
        np.random.default_rng(seed)
        .normal(size=(batch, steps, features))
        .astype("float32")
    )


MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 0], [1, 1, 1, 1, 1]], dtype=bool)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_gru_matches_numpy(reset_after, go_backwards):
    layer, w = make_gru(
        3,
        4,
        reset_after,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
    )
    x = inputs()
    out, h = layer(x)
    seq, h_ref = gru_reference(
        x, *w, reset_after=reset_after, go_backwards=go_backwards
    )
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h, h_ref, rtol=RTOL, atol=ATOL)
    out, h = layer(x, mask=MASK)
    seq, h_ref = gru_reference(
        x, *w, reset_after=reset_after, mask=MASK, go_backwards=go_backwards
    )
    np.testing.assert_allclose(out, seq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h, h_ref, rtol=RTOL, atol=ATOL)


def test_gru_initial_state_and_stateful():
    layer, w = make_gru(3, 4)
    x = inputs()
    h0 = np.random.default_rng(4).normal(size=(3, 3)).astype("float32")
    _, h_ref = gru_reference(x, *w, h0=h0)
    np.testing.assert_allclose(layer(x, initial_state=h0), h_ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        layer(x, initial_state=[h0]), h_ref, rtol=RTOL, atol=ATOL
    )
    stateful, _ = make_gru(3, 4, stateful=True)
    x6 = inputs(steps=6)
    stateful(x6[:, :2])
    _, h_ref = gru_reference(x6, *w)
    np.testing.assert_allclose(stateful(x6[:, 2:]), h_ref, rtol=RTOL, atol=ATOL)
    stateful.reset_state()
    assert np.all(stateful.states[0].numpy() == 0)


def test_gru_weights_and_count_params():
    layer = GRU(4)
    layer.build((None, 7, 8))
    assert [v.name for v in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [v.shape for v in layer.weights] == [(8, 12), (4, 12), (2, 12)]
    assert layer.count_params() == 3 * 4 * (8 + 4) + 2 * 12  # Keras: 168
    old = GRU(4, reset_after=False)
    old.build((None, 7, 8))
    assert old.count_params() == 3 * 4 * (8 + 4 + 1)  # Keras: 156


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gradient_matches_finite_differences(reset_after):
    layer, _ = make_gru(3, 4, reset_after, return_sequences=True)
    x = inputs()
    weights = [v.value for v in layer.trainable_variables]
    fixed = [v.value for v in layer.non_trainable_variables]
    target = np.random.default_rng(2).normal(size=(3, 5, 3)).astype("float32")

    def loss(ws):
        out, _ = layer.stateless_call(ws, fixed, x, mask=MASK)
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


def test_gru_dropout_only_in_training():
    layer, _ = make_gru(3, 4, dropout=0.4, recurrent_dropout=0.4, seed=2)
    plain, _ = make_gru(3, 4)
    x = inputs()
    np.testing.assert_allclose(layer(x), plain(x), rtol=RTOL, atol=ATOL)
    assert not np.allclose(layer(x, training=True), plain(x))
    old, _ = make_gru(3, 4, reset_after=False, recurrent_dropout=0.4, seed=2)
    old_plain, _ = make_gru(3, 4, reset_after=False)
    np.testing.assert_allclose(old(x), old_plain(x), rtol=RTOL, atol=ATOL)
    old_training = np.asarray(old(x, training=True))
    assert np.isfinite(old_training).all()
    assert not np.allclose(old_training, old_plain(x))


def test_gru_cell_in_generic_rnn_matches_layer():
    layer, _ = make_gru(3, 4, return_sequences=True)
    rnn = RNN(GRUCell(3), return_sequences=True)
    x = inputs()
    rnn.build(x.shape)
    rnn.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        rnn(x, mask=MASK), layer(x, mask=MASK), rtol=RTOL, atol=ATOL
    )


def test_gru_config_round_trip_and_shapes():
    layer = GRU(5, reset_after=False, return_state=True)
    config = layer.get_config()
    assert config["reset_after"] is False and config["units"] == 5
    assert GRU.from_config(config).get_config() == config
    out, h = layer(Input((7, 3)))
    assert out.shape == (None, 5) and h.shape == (None, 5)


def test_gru_errors():
    with pytest.raises(ValueError, match="GRU.*units.*positive integer"):
        GRU(0)
    with pytest.raises(ValueError, match=r"'g' \(GRU\).*ndim=3.*\(4,\)"):
        GRU(2, name="g")(np.ones((4,), "float32"))
    with pytest.raises(ValueError, match="recurrent_dropout"):
        GRU(2, recurrent_dropout=-0.1)


@pytest.mark.compat
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_keras(reset_after):
    keras = pytest.importorskip("keras")
    x = inputs()
    kwargs = {
        "reset_after": reset_after,
        "return_sequences": True,
        "return_state": True,
        "go_backwards": True,
    }
    theirs = keras.layers.GRU(3, **kwargs)
    theirs.build(x.shape)
    ours = GRU(3, **kwargs)
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    assert ours.count_params() == theirs.count_params()
    for call_kwargs in ({}, {"mask": MASK}):
        for e, g in zip(theirs(x, **call_kwargs), ours(x, **call_kwargs)):
            np.testing.assert_allclose(g, np.asarray(e), rtol=1e-5, atol=1e-5)
