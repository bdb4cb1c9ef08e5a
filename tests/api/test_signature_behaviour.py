"""Behaviour behind the Keras-equal signatures (see tests/api/test_public_api.py)."""

import numpy as np
import pytest

import kerasish as keras


def test_keras_tensor_sparse_and_ragged_are_refused():
    t = keras.KerasTensor((None, 3), dtype="float32", sparse=False, ragged=False)
    assert not t.sparse and not t.ragged and t.record_history
    with pytest.raises(ValueError, match="`sparse=True` is not supported"):
        keras.KerasTensor((2,), sparse=True)
    with pytest.raises(ValueError, match="`ragged=True` is not supported"):
        keras.KerasTensor((2,), ragged=True)


def test_variable_accepts_keras_arguments():
    v = keras.Variable(
        np.ones(2), autocast=False, aggregation="mean", synchronization="auto"
    )
    assert v.autocast is False and v.aggregation == "mean"
    assert v.synchronization == "auto"
    w = keras.Variable(1.0, name="w", path="block/w", regularizer=None)
    assert w.path == "block/w" and w.aggregation == "none"
    with pytest.raises(TypeError, match="unexpected keyword"):
        keras.Variable(1.0, bogus=1)
    with pytest.raises(TypeError, match="`layout` must be a.*TensorLayout"):
        keras.Variable(1.0, layout=object())


def test_variable_autocast_false_keeps_dtype():
    from kerasish.variables import AutocastScope

    cast = keras.Variable(np.ones(2, "float32"))
    kept = keras.Variable(np.ones(2, "float32"), autocast=False)
    with AutocastScope("float16"):
        assert str(cast.value.dtype) == "float16"
        assert str(kept.value.dtype) == "float32"


def test_deserialize_keras_object_keras_signature():
    config = keras.saving.serialize_keras_object(keras.layers.Dense(3))
    assert keras.saving.deserialize_keras_object(config, safe_mode=True).units == 3
    layer = keras.saving.deserialize_keras_object(config, None, False)
    assert isinstance(layer, keras.layers.Dense)
    assert keras.saving.deserialize_keras_object is keras.utils.deserialize_keras_object


def test_seed_generator_kwargs():
    gen = keras.random.SeedGenerator(1, name="g", backend=None)
    assert gen.initial_seed == 1
    with pytest.raises(ValueError, match="unrecognized"):
        keras.random.SeedGenerator(1, foo=2)


def test_layers_without_kwargs_have_keras_configs():
    """Keras's `__init__` of these takes no `**kwargs`, so their configs hold
    neither `trainable` nor a policy dict (Keras could not load them)."""
    for layer in (
        keras.layers.Discretization(bin_boundaries=[0.0, 1.0]),
        keras.layers.SpatialDropout1D(0.2, seed=1),
        keras.layers.SpatialDropout2D(0.2, data_format="channels_first"),
        keras.layers.SpatialDropout3D(0.3, name="sd", dtype="float32"),
    ):
        config = layer.get_config()
        assert "trainable" not in config and config["dtype"] == "float32"
        rebuilt = type(layer).from_config(config)
        assert rebuilt.get_config() == config
    with pytest.raises(TypeError):
        keras.layers.Discretization(bin_boundaries=[0.0], trainable=False)


def test_random_contrast_data_format_via_kwargs():
    layer = keras.layers.RandomContrast(0.2, data_format="channels_first")
    assert layer.data_format == "channels_first"
    assert keras.layers.RandomContrast(0.2).data_format == "channels_last"


def test_sequential_and_optimizer_signatures():
    with pytest.raises(TypeError):
        keras.Sequential([], dtype="float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="s")
    rebuilt = keras.Sequential.from_config(model.get_config())
    assert rebuilt.name == "s" and len(rebuilt.layers) == 1
    with pytest.raises(TypeError):
        keras.optimizers.Optimizer()
    assert keras.optimizers.SGD().learning_rate == pytest.approx(0.01)


def test_losses_deserialize_name_and_save_weights_kwargs(tmp_path):
    assert keras.losses.deserialize(name="mse") is keras.losses.mean_squared_error
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    path = tmp_path / "m.weights.h5"
    keras.saving.save_weights(model, path)
    with pytest.raises(ValueError, match="objects_to_skip"):
        keras.saving.save_weights(model, path, objects_to_skip=[])
