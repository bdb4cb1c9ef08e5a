"""Wrapper, SpectralNormalization, ReversibleEmbedding and layers.(de)serialize."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

from kerasish import layers, models

RNG = np.random.default_rng(0)


def test_wrapper_builds_the_wrapped_layer_and_round_trips():
    class Twice(layers.Wrapper):
        def call(self, x):
            return 2.0 * self.layer(x)

    wrapper = Twice(layers.Dense(3, use_bias=False))
    x = RNG.normal(size=(2, 4)).astype("float32")
    out = np.asarray(wrapper(x))
    kernel = np.asarray(wrapper.layer.kernel.value)
    np.testing.assert_allclose(out, 2.0 * x @ kernel, rtol=1e-6)
    config = wrapper.get_config()
    assert config["layer"]["class_name"] == "Dense"
    again = Twice.from_config(config)
    assert isinstance(again.layer, layers.Dense) and again.layer.units == 3


def test_wrapper_rejects_a_non_layer():
    with pytest.raises(ValueError, match="must be a kerasish Layer instance.*Dense"):
        layers.Wrapper(layers.Dense)


def np_spectral(kernel, u, iterations):
    w = kernel.reshape(-1, kernel.shape[-1]).astype("float64")
    u = u.astype("float64")
    for _ in range(iterations):
        v = u @ w.T
        v = v / np.linalg.norm(v)
        u = v @ w
        u = u / np.linalg.norm(u)
    sigma = (v @ w @ u.T).item()
    return u, kernel / sigma


@pytest.mark.parametrize("iterations", [1, 3])
def test_spectral_normalization_matches_numpy_and_keras(iterations):
    x = RNG.normal(size=(5, 4)).astype("float32")
    ours = layers.SpectralNormalization(layers.Dense(3), power_iterations=iterations)
    theirs = keras.layers.SpectralNormalization(
        keras.layers.Dense(3), power_iterations=iterations
    )
    ours.build((None, 4))
    theirs.build((None, 4))
    assert [w.path.split("/")[-1] for w in ours.weights] == [
        w.path.split("/")[-1] for w in theirs.weights
    ]
    weights = [RNG.normal(size=w.shape).astype("float32") for w in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    kernel, u = weights[0], weights[1]
    # Inference: the kernel as stored.
    np.testing.assert_allclose(
        np.asarray(ours(x)), x @ kernel + weights[2], rtol=1e-5, atol=1e-5
    )
    got = np.asarray(ours(x, training=True))
    want = np.asarray(theirs(x, training=True))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    ref_u, ref_kernel = np_spectral(kernel, u, iterations)
    np.testing.assert_allclose(got, x @ ref_kernel + weights[2], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(ours.vector_u.value), ref_u, rtol=1e-4)
    np.testing.assert_allclose(
        np.asarray(ours.layer.kernel.value), np.asarray(theirs.layer.kernel), 1e-5
    )
    # Largest singular value of the normalized kernel is ~1 after iterations.
    if iterations == 3:
        sigma = np.linalg.svd(np.asarray(ours.layer.kernel.value), compute_uv=False)
        assert abs(sigma[0] - 1.0) < 0.2


def test_spectral_normalization_in_fit_updates_vector_u_and_trains():
    model = models.Sequential(
        [layers.Input((4,)), layers.SpectralNormalization(layers.Dense(1))]
    )
    model.compile(optimizer="sgd", loss="mse")
    sn = model.layers[0]
    u0 = np.asarray(sn.vector_u.value).copy()
    k0 = np.asarray(sn.layer.kernel.value).copy()
    x = RNG.normal(size=(16, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=1, batch_size=16, verbose=0)
    assert not np.allclose(np.asarray(sn.vector_u.value), u0)
    assert not np.allclose(np.asarray(sn.layer.kernel.value), k0)


def test_spectral_normalization_config_and_errors():
    layer = layers.SpectralNormalization(layers.Dense(2), power_iterations=2)
    config = layer.get_config()
    ref = keras.layers.SpectralNormalization(keras.layers.Dense(2), power_iterations=2)
    assert config["power_iterations"] == ref.get_config()["power_iterations"] == 2
    again = layers.deserialize(layers.serialize(layer))
    assert isinstance(again, layers.SpectralNormalization)
    assert again.power_iterations == 2 and again.layer.units == 2
    with pytest.raises(ValueError, match="power_iterations` must be a positive int"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="neither a `kernel` nor an `embeddings`"):
        layers.SpectralNormalization(layers.Identity())(np.ones((1, 2), "float32"))


@pytest.mark.parametrize("tie_weights", [True, False])
@pytest.mark.parametrize("soft_cap", [None, 2.0])
def test_reversible_embedding_matches_keras(tie_weights, soft_cap):
    kwargs = dict(tie_weights=tie_weights, logit_soft_cap=soft_cap)
    ours = layers.ReversibleEmbedding(7, 4, **kwargs)
    theirs = keras.layers.ReversibleEmbedding(7, 4, **kwargs)
    ours.build()
    theirs.build()
    weights = [RNG.normal(size=w.shape).astype("float32") for w in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    ids = np.array([[1, 2, 6], [0, 3, 3]])
    hidden = np.asarray(ours(ids))
    np.testing.assert_allclose(hidden, weights[0][ids])
    logits = np.asarray(ours(hidden, reverse=True))
    kernel = weights[0].T if tie_weights else weights[1]
    want = hidden @ kernel
    if soft_cap:
        want = np.tanh(want / soft_cap) * soft_cap
    np.testing.assert_allclose(logits, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        logits, np.asarray(theirs(hidden, reverse=True)), rtol=1e-5, atol=1e-5
    )
    assert ours.compute_output_shape((2, 3, 4), reverse=True) == (2, 3, 7)
    config = ours.get_config()
    for key in ("tie_weights", "logit_soft_cap", "reverse_dtype", "input_dim"):
        assert config[key] == theirs.get_config()[key]
    again = layers.ReversibleEmbedding.from_config(config)
    assert (again.tie_weights, again.logit_soft_cap) == (tie_weights, soft_cap)


def test_reversible_embedding_mask_and_errors():
    layer = layers.ReversibleEmbedding(5, 3, mask_zero=True)
    out = layer(np.array([[0, 1, 2]]))
    np.testing.assert_array_equal(np.asarray(out._keras_mask), [[False, True, True]])
    with pytest.raises(ValueError, match="output_dim=3.*\\(1, 4\\)"):
        layer(np.ones((1, 4), "float32"), reverse=True)
    with pytest.raises(ValueError, match="logit_soft_cap"):
        layers.ReversibleEmbedding(5, 3, logit_soft_cap=-1.0)


def test_layers_serialize_deserialize_round_trip_and_error():
    dense = layers.Dense(3, activation="relu", name="d")
    config = layers.serialize(dense)
    assert config["class_name"] == "Dense"
    assert config["config"]["units"] == 3
    again = layers.deserialize(config)
    assert isinstance(again, layers.Dense) and again.name == "d"
    assert again.get_config() == dense.get_config()
    # Keras reads kerasish's config and back.
    k_layer = keras.layers.deserialize(config)
    assert isinstance(k_layer, keras.layers.Dense) and k_layer.units == 3
    from_keras = layers.deserialize(keras.layers.serialize(keras.layers.Dropout(0.3)))
    assert isinstance(from_keras, layers.Dropout) and from_keras.rate == 0.3
    with pytest.raises(ValueError, match="does not describe a layer"):
        layers.deserialize({"class_name": "function", "config": "relu"})
