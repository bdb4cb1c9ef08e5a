"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers against numpy and Keras 3."""

import inspect
import io

import numpy as np
import pytest

import kerasish
from kerasish import layers
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3, 5)).astype("float32") * 3


def _relu_ref(x, max_value=None, negative_slope=0.0, threshold=0.0):
    out = np.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.minimum(out, max_value)
    return out


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 2.0},
        {"negative_slope": 0.1},
        {"threshold": 1.0},
        {"max_value": 4.0, "negative_slope": 0.5, "threshold": 0.5},
    ],
)
def test_relu_matches_numpy(kwargs):
    out = layers.ReLU(**kwargs)(X)
    np.testing.assert_allclose(out, _relu_ref(X, **kwargs), rtol=1e-6, atol=1e-6)


def test_leaky_relu_matches_numpy():
    np.testing.assert_allclose(
        layers.LeakyReLU()(X), np.where(X >= 0, X, 0.3 * X), rtol=1e-6
    )
    np.testing.assert_allclose(
        layers.LeakyReLU(negative_slope=0.05)(X), np.where(X >= 0, X, 0.05 * X)
    )
    with pytest.warns(UserWarning, match="alpha.*deprecated"):
        layer = layers.LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2


def test_elu_matches_numpy():
    out = layers.ELU(alpha=0.7)(X)
    np.testing.assert_allclose(
        out, np.where(X > 0, X, 0.7 * np.expm1(X)), rtol=1e-5, atol=1e-6
    )


def test_prelu_matches_numpy_and_shares_axes():
    alpha = RNG.uniform(0.1, 0.9, size=(1, 5)).astype("float32")
    layer = layers.PReLU(shared_axes=1)
    layer.build((None, 3, 5))
    assert [v.path for v in layer.weights] == ["p_re_lu/alpha"]
    assert layer.alpha.shape == (1, 5)
    layer.set_weights([alpha])
    np.testing.assert_allclose(layer(X), np.where(X >= 0, X, alpha * X), rtol=1e-6)
    full = layers.PReLU()
    full.build((None, 3, 5))
    assert full.alpha.shape == (3, 5)
    np.testing.assert_allclose(full(X), np.maximum(X, 0))  # alpha starts at zeros


def test_softmax_matches_numpy_with_mask_and_axes():
    e = np.exp(X - X.max(-1, keepdims=True))
    np.testing.assert_allclose(layers.Softmax()(X), e / e.sum(-1, keepdims=True), 1e-5)
    mask = RNG.uniform(size=(4, 1, 5)) > 0.3
    mask[:, :, 0] = True
    masked = np.where(mask, X, -1e9)
    e = np.exp(masked - masked.max(-1, keepdims=True))
    expected = np.where(mask, e / e.sum(-1, keepdims=True), 0.0)
    out = layers.Softmax()(X, mask=mask)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)
    out_float = layers.Softmax()(X, mask=mask.astype("float32"))
    np.testing.assert_allclose(out_float, expected, rtol=1e-5, atol=1e-7)
    e = np.exp(X - X.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(
        layers.Softmax(axis=[1, 2])(X), e / e.sum(axis=(1, 2), keepdims=True), 1e-5
    )


def test_softmax_mask_in_functional_model():
    inputs = kerasish.Input((3, 5))
    mask = kerasish.Input((3, 5), dtype="bool")
    model = kerasish.Model([inputs, mask], layers.Softmax()(inputs, mask=mask))
    m = np.ones((4, 3, 5), bool)
    m[:, :, -2:] = False
    out = np.asarray(model([X, m]))
    np.testing.assert_allclose(out[..., -2:], 0.0)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="max_value"):
        layers.ReLU(max_value=-1.0)
    with pytest.raises(ValueError, match="negative_slope"):
        layers.ReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="threshold"):
        layers.ReLU(threshold=None)
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-1)
    with pytest.raises(TypeError, match="alpha"):
        layers.ELU(alpha="big")
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="out of range"):
        layers.PReLU(shared_axes=[3]).build((None, 4))
    with pytest.raises(ValueError, match="broadcastable"):
        layers.Softmax()(X, mask=np.ones((4, 3, 2), bool))
    prelu = layers.PReLU(shared_axes=[1])
    prelu(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="p_re_lu"):
        prelu(np.ones((2, 3, 5), "float32"))


CASES = [
    ("ReLU", {"max_value": 4.0, "negative_slope": 0.5, "threshold": 0.5}),
    ("LeakyReLU", {"negative_slope": 0.1}),
    ("ELU", {"alpha": 0.5}),
    ("Softmax", {"axis": 1}),
    ("Softmax", {"axis": [1, 2]}),
    ("PReLU", {"shared_axes": [1], "alpha_regularizer": "l2"}),
]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_config_round_trip(name, kwargs):
    layer = getattr(layers, name)(**kwargs)
    layer.build((None, 3, 5))
    if name == "PReLU":
        layer.set_weights([RNG.uniform(size=(1, 5)).astype("float32")])
    config = layer.get_config()
    for key, value in kwargs.items():
        if key != "alpha_regularizer":
            assert config[key] == value
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone.build((None, 3, 5))
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(X), layer(X))


def _comparable(config):
    """A config without the nested objects' module paths (which name the library)."""
    if isinstance(config, dict):
        return {
            k: _comparable(v)
            for k, v in config.items()
            if k not in ("module", "registered_name")
        }
    return config


@pytest.mark.compat
@pytest.mark.parametrize("name, kwargs", CASES)
def test_matches_keras(name, kwargs):
    keras = keras3()
    ours = getattr(layers, name)(name="act", **kwargs)
    theirs = getattr(keras.layers, name)(name="act", **kwargs)
    assert inspect.signature(type(ours)) == inspect.signature(type(theirs))
    ours.build((None, 3, 5))
    theirs.build((None, 3, 5))
    weights = [RNG.uniform(size=w.shape).astype("float32") for w in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]
    np.testing.assert_allclose(ours(X), np.asarray(theirs(X)), rtol=1e-5, atol=1e-6)
    assert _comparable(ours.get_config()) == _comparable(theirs.get_config())
    if name == "Softmax":
        mask = np.arange(5) < 3
        np.testing.assert_allclose(
            ours(X, mask=mask), np.asarray(theirs(X, mask=mask)), atol=1e-6
        )


@pytest.mark.compat
def test_prelu_summary_counts_match_keras():
    keras = keras3()

    def summary(lib):
        model = lib.Sequential(
            [
                lib.Input((8, 8, 3)),
                lib.layers.Conv2D(4, 3),
                lib.layers.PReLU(shared_axes=[1, 2]),
                lib.layers.Flatten(),
                lib.layers.Dense(2),
                lib.layers.PReLU(),
            ]
        )
        lines = []
        model.summary(print_fn=lambda line, **_: lines.append(line), line_length=90)
        return model, "\n".join(lines)

    kerasish.utils.clear_session()  # auto names depend on what ran before
    keras.utils.clear_session()
    ours, text = summary(kerasish)
    theirs, keras_text = summary(keras)
    # conv 3*3*3*4 + 4, prelu (1, 1, 4), dense 144*2 + 2, prelu (2,)
    assert ours.count_params() == theirs.count_params() == 112 + 4 + 290 + 2
    assert [layer.count_params() for layer in ours.layers] == [112, 4, 0, 290, 2]
    assert [layer.count_params() for layer in theirs.layers] == [112, 4, 0, 290, 2]
    assert "p_re_lu (PReLU)" in text and "p_re_lu (PReLU)" in keras_text
    totals = [line for line in text.splitlines() if "params:" in line]
    assert totals == [line for line in keras_text.splitlines() if "params:" in line]
    assert totals[0] == " Total params: 408 (1.59 KB)"


def test_summary_prints_prelu_params():
    model = kerasish.Sequential([kerasish.Input((6,)), layers.PReLU()])
    buffer = io.StringIO()
    model.summary(print_fn=lambda line, **_: buffer.write(line + "\n"))
    assert "p_re_lu (PReLU)" in buffer.getvalue()
    assert "Total params: 6" in buffer.getvalue()
