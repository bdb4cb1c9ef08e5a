"""JaxLayer (a JAX function as a layer) and FlaxLayer: against Keras and numpy."""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import kerasish
from kerasish import layers, models, optimizers, saving

RNG = np.random.default_rng(0)


def dense_init(rng, inputs):
    k1, _ = jax.random.split(rng)
    return {"w": jax.random.normal(k1, (inputs.shape[-1], 2)) * 0.1, "b": jnp.zeros(2)}


def dense_call(params, inputs):
    return inputs @ params["w"] + params["b"]


def stateful_call(params, state, rng, inputs, training):
    out = inputs @ params["w"]
    if training:
        out = out + 0.0 * jax.random.normal(rng, out.shape)
    return out * state["scale"], {"scale": state["scale"] + 1.0}


def test_jax_layer_with_params_and_state_matches_keras():
    params = {"w": RNG.normal(size=(3, 2)).astype("float32")}
    state = {"scale": np.ones((), "float32")}
    x = RNG.normal(size=(4, 3)).astype("float32")
    kerasish.utils.clear_session()  # auto names depend on what ran before
    keras.utils.clear_session()
    ours = layers.JaxLayer(stateful_call, params=params, state=state)
    theirs = keras.layers.JaxLayer(stateful_call, params=params, state=state)
    assert [(w.path, w.trainable) for w in ours.weights] == [
        (w.path, w.trainable) for w in theirs.weights
    ]
    for training in (False, True, True):
        got = np.asarray(ours(x, training=training))
        want = np.asarray(theirs(x, training=training))
        np.testing.assert_allclose(got, want, rtol=1e-6)
    # The state advanced once per call: 1 -> 4.
    np.testing.assert_allclose(np.asarray(ours.state["scale"].value), 4.0)
    np.testing.assert_allclose(got, x @ params["w"] * 3.0, rtol=1e-5)


def test_jax_layer_init_fn_trains_in_fit_and_predicts():
    x = RNG.normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0, -1.0], [0.5, 0.0], [0.0, 2.0]], "float32")
    model = models.Sequential(
        [layers.Input((3,)), layers.JaxLayer(dense_call, dense_init, seed=1)]
    )
    assert [tuple(w.shape) for w in model.trainable_weights] == [(2,), (3, 2)]
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    b, w = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ w + b, rtol=1e-5)


def test_jax_layer_stateless_call_and_round_trip(tmp_path):
    saving.register_keras_serializable(package="test_jax_layer")(dense_call)
    saving.register_keras_serializable(package="test_jax_layer")(dense_init)
    layer = layers.JaxLayer(dense_call, dense_init)
    x = RNG.normal(size=(2, 3)).astype("float32")
    layer(x)
    trainable = [np.full(v.shape, 0.5, "float32") for v in layer.trainable_variables]
    out, _ = layer.stateless_call(trainable, [], x)
    np.testing.assert_allclose(np.asarray(out), x @ np.full((3, 2), 0.5) + 0.5, 1e-5)
    config = layer.get_config()
    again = layers.JaxLayer.from_config(config)
    assert again.call_fn is dense_call and again.init_fn is dense_init


def test_jax_layer_errors():
    with pytest.raises(ValueError, match="must have a `inputs` argument"):
        layers.JaxLayer(lambda params, x: x, params={})
    with pytest.raises(ValueError, match="unsupported argument `mask`"):
        layers.JaxLayer(lambda inputs, mask: inputs)
    with pytest.raises(ValueError, match="cannot all be None"):
        layers.JaxLayer(dense_call)
    with pytest.raises(TypeError, match="`call_fn` must be a function"):
        layers.JaxLayer("dense")


def test_flax_layer_without_flax_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "flax", None)
    with pytest.raises(ImportError, match="kerasish\\[flax\\]"):
        layers.FlaxLayer(object())


def test_flax_layer_matches_keras():
    nn = pytest.importorskip("flax.linen")

    class Mlp(nn.Module):
        @nn.compact
        def __call__(self, inputs, training=False):
            x = nn.Dense(4)(inputs)
            x = nn.Dropout(0.5, deterministic=not training)(x)
            return nn.Dense(2)(x)

    x = RNG.normal(size=(3, 5)).astype("float32")
    variables = Mlp().init(jax.random.key(0), x)
    ours = layers.FlaxLayer(Mlp(), variables=variables)
    theirs = keras.layers.FlaxLayer(Mlp(), variables=variables)
    np.testing.assert_allclose(
        np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6
    )
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 4
