import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

RNG = np.random.default_rng(0)


def test_dense_matches_numpy():
    x, w, b = (RNG.normal(size=s).astype("float32") for s in [(5, 3), (3, 2), (2,)])
    layer = layers.Dense(2, activation="relu")
    layer.build((None, 3))
    layer.set_weights([w, b])
    np.testing.assert_allclose(layer(x), np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)


def test_dense_on_3d_inputs():
    layer = layers.Dense(4)
    x = RNG.normal(size=(2, 3, 5)).astype("float32")
    out = layer(x)
    w, b = layer.get_weights()
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("units", [0, -1, 2.5, True])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match="units"):
        layers.Dense(units)


def test_activation_layer_and_unknown_name():
    np.testing.assert_allclose(
        layers.Activation("relu")(np.array([-1.0, 2.0])), [0.0, 2.0]
    )
    with pytest.raises(ValueError, match="rellu.*relu"):
        layers.Activation("rellu")


def test_dropout_training_only():
    layer = layers.Dropout(0.5, seed=1)
    x = np.ones((1000, 10), "float32")
    np.testing.assert_array_equal(layer(x), x)
    y = np.asarray(layer(x, training=True))
    assert abs((y == 0).mean() - 0.5) < 0.03
    np.testing.assert_allclose(y[y != 0], 2.0)
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_flatten_reshape_identity():
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(layers.Flatten()(x), x.reshape(2, 12))
    np.testing.assert_array_equal(layers.Reshape((4, 3))(x), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(layers.Reshape((-1, 2))(x), x.reshape(2, 6, 2))
    np.testing.assert_array_equal(layers.Identity()(x), x)
    with pytest.raises(ValueError, match="cannot reshape"):
        layers.Reshape((5,))(x)


def test_embedding_lookup_and_mask():
    layer = layers.Embedding(10, 3, mask_zero=True)
    ids = np.array([[0, 1, 2], [3, 0, 9]])
    out = np.asarray(layer(ids))
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(out, table[ids])
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    assert np.abs(table).max() <= 0.05


def test_lambda_layer():
    np.testing.assert_allclose(
        layers.Lambda(lambda x, k: x * k, arguments={"k": 3.0})(np.ones((1, 2))),
        [[3.0, 3.0]],
    )


def test_input_layer():
    x = keras.Input((3, 4), batch_size=2, dtype="int32", name="ids")
    assert x.shape == (2, 3, 4) and x.dtype == "int32" and x.name == "ids"
    with pytest.raises(ValueError, match="non-negative int"):
        keras.Input((-3,))


def test_activation_set_to_none_after_construction_gives_the_logits():
    """keras.io's Grad-CAM sets `model.layers[-1].activation = None`; Keras's
    Dense and convolutions then return the pre-activation values."""
    dense = layers.Dense(3, activation="softmax")
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    dense(x)
    dense.activation = None
    kernel, bias = (np.asarray(w) for w in dense.get_weights())
    np.testing.assert_allclose(dense(x), x @ kernel + bias, rtol=1e-5)
    conv = layers.Conv1D(2, 1, activation="relu")
    conv(x[:, :, None])
    conv.activation = None
    kernel, bias = (np.asarray(w) for w in conv.get_weights())
    np.testing.assert_allclose(
        conv(x[:, :, None]), x[:, :, None] @ kernel[0] + bias, rtol=1e-5
    )
