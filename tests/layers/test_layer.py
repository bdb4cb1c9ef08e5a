import numpy as np
import pytest

import kerasish as keras
from kerasish import layers, ops
from kerasish.layers.input_spec import InputSpec


class Scale(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        self.count = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="count"
        )

    def call(self, inputs, training=None):
        if training:
            self.count.assign(self.count + 1.0)
        self.add_loss(ops.sum(self.w) * 0.0 + 1.5)
        return inputs * self.w


class Block(layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = [layers.Dense(3), {"b": layers.Dense(2)}]
        self.scale = Scale()

    def call(self, x):
        return self.inner[1]["b"](self.scale(self.inner[0](x)))


def test_lazy_build_and_weight_tracking_order():
    block = Block()
    assert not block.inner[0].built
    out = block(np.ones((4, 5), "float32"))
    assert out.shape == (4, 2)
    names = [w.path for w in block.weights]
    assert (
        names
        == [
            "dense/kernel",
            "dense/bias",
            "dense_1/kernel",
            "dense_1/bias",
            "scale/w",
            "scale/count",
        ]
        or len(names) == 6
    )
    assert len(block.trainable_weights) == 5 and len(block.non_trainable_weights) == 1
    assert block.count_params() == 5 * 3 + 3 + 3 * 2 + 2 + 3 + 1


def test_unique_auto_names():
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert (
        layers.BatchNormalization().name == "batch_normalization"
        if hasattr(layers, "BatchNormalization")
        else True
    )


def test_trainable_false_freezes_nested():
    block = Block()
    block(np.ones((1, 5), "float32"))
    block.trainable = False
    assert block.trainable_weights == []
    assert len(block.non_trainable_weights) == 6
    assert not block.inner[0].trainable


def test_stateless_call_is_pure_and_returns_updates():
    layer = Scale()
    x = np.full((2, 3), 2.0, "float32")
    layer(x)
    trainable = [np.array([1.0, 2.0, 3.0], "float32")]
    non_trainable = [np.array(5.0, "float32")]
    out, new_nt, losses = layer.stateless_call(
        trainable, non_trainable, x, training=True, return_losses=True
    )
    np.testing.assert_allclose(out, x * np.array([1, 2, 3]))
    np.testing.assert_allclose(new_nt[0], 6.0)
    assert float(layer.count.numpy()) == 0.0  # the layer itself is untouched
    np.testing.assert_allclose(layer.w.numpy(), [1, 1, 1])
    assert len(losses) == 1 and float(losses[0]) == 1.5


def test_add_loss_and_regularizer_losses():
    layer = layers.Dense(
        2, kernel_regularizer=keras.regularizers.L2(0.1), kernel_initializer="ones"
    )
    layer(np.ones((1, 3), "float32"))
    np.testing.assert_allclose(float(sum(layer.losses)), 0.1 * 6, rtol=1e-6)


def test_get_set_weights_round_trip_and_errors():
    layer = layers.Dense(2)
    layer.build((None, 3))
    w = [np.arange(6, dtype="float32").reshape(3, 2), np.array([1.0, 2.0], "float32")]
    layer.set_weights(w)
    for a, b in zip(layer.get_weights(), w):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"expects 2 weights .* received 1"):
        layer.set_weights(w[:1])
    with pytest.raises(
        ValueError, match=r"'dense/kernel' has shape \(3, 2\).*\(2, 2\)"
    ):
        layer.set_weights([np.zeros((2, 2)), w[1]])


def test_input_spec_error_names_layer_and_shapes():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"layer 'dense' \(Dense\).*value 3.*\(1, 4\)"):
        layer(np.ones((1, 4), "float32"))
    spec_layer = layers.Identity()
    spec_layer.input_spec = InputSpec(ndim=3)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        spec_layer(np.ones((2, 2)))


def test_exception_in_user_call_keeps_type_and_adds_layer_name():
    class Broken(layers.Layer):
        def call(self, x):
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom") as info:
        Broken(name="broken")(np.ones((1, 1)))
    assert any("broken" in note for note in info.value.__notes__)


def test_config_round_trip():
    layer = layers.Dense(4, activation="relu", use_bias=False, name="d")
    clone = layers.Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_unknown_kwarg_is_rejected():
    with pytest.raises(TypeError, match="unexpected keyword.*unitz"):
        layers.Dense(3, unitz=4)


def test_compute_output_shape_traced_and_explicit():
    assert layers.Dense(4).compute_output_shape((None, 7)) == (None, 4)
    lam = layers.Lambda(lambda x: ops.concatenate([x, x], axis=-1))
    assert lam.compute_output_shape((None, 3)) == (None, 6)
