"""What a functional model's nodes record of a call's keyword arguments, as
Keras records them, and what the model does with them when it runs."""

import numpy as np

import kerasish
from tests.helpers import keras3


def _graph(lib):
    layers = lib.layers
    x = lib.Input((5, 3), name="x")
    m = lib.Input((5,), dtype="bool", name="m")
    h = layers.Dense(4, name="dense")(x)
    h = layers.Dropout(0.1, name="drop")(h)
    h = layers.LSTM(2, return_sequences=True, name="plain")(h)
    h = layers.LSTM(2, return_sequences=True, name="masked")(h, mask=m)
    h = layers.LSTM(2, return_sequences=True, name="inherits")(h)
    h = layers.Dropout(0.1, name="mc")(h, training=True)
    h = layers.LSTM(2, name="last")(h, initial_state=None)
    h = layers.BatchNormalization(name="bn")(h)
    return lib.Model([x, m], h)


def _node_kwargs(model):
    def plain(value):
        if isinstance(value, dict):  # a tensor: where it comes from
            return value["config"]["keras_history"]
        return value

    return {
        layer["name"]: {
            k: plain(v) for k, v in layer["inbound_nodes"][0]["kwargs"].items()
        }
        for layer in model.get_config()["layers"]
        if layer["inbound_nodes"]
    }


def test_nodes_record_the_filled_in_training_default_and_mask_as_keras():
    """A call of one tensor and no keyword arguments records `training`'s
    default and the input's mask (`__call__` filled them in); a call with
    keyword arguments records them as passed. Tensor shapes are tuples."""
    keras = keras3()
    keras.utils.clear_session()
    theirs = _graph(keras)
    ours = _graph(kerasish)
    assert _node_kwargs(ours) == _node_kwargs(theirs)
    got = _node_kwargs(ours)
    assert got["drop"] == {"training": False}
    assert got["plain"] == {"training": False, "mask": None}
    assert got["masked"] == {"mask": ["m", 0, 0]}
    assert got["inherits"] == {"training": False, "mask": ["m", 0, 0]}
    assert got["mc"] == {"training": True}
    assert got["bn"] == {"mask": None}  # its `training` defaults to None
    assert got["last"] == {"initial_state": None}
    (dense,) = [c for c in ours.get_config()["layers"] if c["name"] == "dense"]
    assert dense["inbound_nodes"][0]["args"][0]["config"]["shape"] == (None, 5, 3)


def _dropout_model(lib):
    inputs = lib.Input((50,))
    hidden = lib.layers.Dropout(0.5, name="drop")(inputs)
    outputs = lib.layers.Dense(1, kernel_initializer="ones", name="sum")(hidden)
    return lib.Model(inputs, outputs)


def test_a_recorded_training_default_does_not_switch_dropout_off(tmp_path):
    """A node's `training: False` (Keras writes it into every file) is the
    default filled in, not the user's choice: training still drops units, in
    kerasish's own models and in one Keras saved."""
    keras = keras3()
    path = tmp_path / "keras_dropout.keras"
    _dropout_model(keras).save(path)
    x = np.ones((64, 50), "float32")
    for model in (
        _dropout_model(kerasish),
        kerasish.saving.load_model(path),
        kerasish.models.model_from_json(_dropout_model(kerasish).to_json()),
    ):
        assert model.get_config()["layers"][1]["inbound_nodes"][0]["kwargs"] == {
            "training": False
        }
        np.testing.assert_allclose(np.asarray(model(x)), 50.0)
        np.testing.assert_allclose(np.asarray(model(x, training=False)), 50.0)
        trained = np.asarray(model(x, training=True)).ravel()
        # Each row keeps about half its units, each scaled by 2: a sum of 2k.
        assert np.all(trained % 2 == 0) and trained.std() > 0
        assert 30 < trained.mean() < 70


def test_training_passed_by_the_user_stays():
    """Monte Carlo dropout: `training=True` given at the call drops units in
    `predict` too (Keras 3's own functional models override it there)."""
    inputs = kerasish.Input((50,))
    hidden = kerasish.layers.Dropout(0.5)(inputs, training=True)
    model = kerasish.Model(
        inputs, kerasish.layers.Dense(1, kernel_initializer="ones")(hidden)
    )
    x = np.ones((64, 50), "float32")
    assert model.predict(x, verbose=0).std() > 0
