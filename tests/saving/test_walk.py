"""The saving walk: Keras's weight paths from public structure alone."""

import io

import h5py
import numpy as np
import pytest

import kerasish
from kerasish.saving import npz_io, walk, weights_io
from kerasish.trainers.trainer import Trainer
from tests.helpers import keras3


def _model(lib):
    @lib.saving.register_keras_serializable(package="test_walk")
    class Tower(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = [lib.layers.Dense(4), lib.layers.Dense(4)]
            self.head = lib.layers.Dense(1)
            self.norm = lib.layers.LayerNormalization()

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    model = Tower()
    model(np.ones((2, 3), "float32"))
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


def _paths_with_vars(data):
    """The paths `p` of a weights file that hold datasets `p/vars/i`."""
    paths = set()
    with h5py.File(io.BytesIO(data), "r") as f:

        def visit(name, item):
            if isinstance(item, h5py.Dataset) and "/vars/" in f"/{name}":
                paths.add(f"/{name}".rsplit("/vars/", 1)[0].lstrip("/"))

        f.visititems(visit)
    return paths


@pytest.mark.compat
def test_subclassed_model_paths_are_keras_paths(tmp_path):
    k3 = keras3()
    ours, theirs = _model(kerasish), _model(k3)
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    expected = _paths_with_vars((tmp_path / "theirs.weights.h5").read_bytes())
    # Keras's walk reaches `norm` first through the model's `layers` property
    # ("blocks" < "head" < "layers" < "norm"), as a container entry.
    assert expected == {
        "blocks/dense",
        "blocks/dense_1",
        "head",
        "layers/layer_normalization",
        "optimizer",
    }
    assert _paths_with_vars((tmp_path / "ours.weights.h5").read_bytes()) == expected
    got = {
        p for p, x in walk.saveables(ours) if p == "optimizer" or walk.own_variables(x)
    }
    assert got == expected


def test_obj_type_as_keras():
    dense = kerasish.layers.Dense(2)
    sequential = kerasish.Sequential([kerasish.Input((2,)), dense])
    inputs = kerasish.Input((2,))
    functional = kerasish.Model(inputs, kerasish.layers.Dense(1)(inputs))
    assert [x._obj_type() for x in (dense, sequential, functional)] == [
        "Layer",
        "Sequential",
        "Functional",
    ]
    assert dense in sequential._tracked_layers() and sequential.layers == [dense]


def test_saving_builds_no_trainer(tmp_path, monkeypatch):
    """The walk skips a model's trainer attributes by name; it never makes a
    throwaway Trainer (or Model) to learn them."""
    model = _model(kerasish)
    calls = []
    original = Trainer.__init__

    def counting(self, *args, **kwargs):
        calls.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "__init__", counting)
    monkeypatch.setattr(walk, "_SKIP", None)  # rebuilt from a bare Layer
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.keras")
    assert calls == []
    fresh = _model(kerasish)
    fresh.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_io_keeps_its_public_names():
    for name in ("NpzStore", "check_member_name", "read_npz", "write_npz"):
        assert getattr(weights_io, name) is getattr(npz_io, name)
    assert weights_io.saveables is walk.saveables
    assert weights_io.layer_paths is walk.layer_paths
