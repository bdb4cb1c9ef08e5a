"""`OrbaxCheckpoint`: checkpoints written during `fit` restore bitwise (weights,
non-trainable state and optimizer state) into a fresh model."""

import os
import sys

import numpy as np
import pytest

import kerasish

pytest.importorskip("orbax.checkpoint")

RNG = np.random.default_rng(11)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = RNG.normal(size=(32, 2)).astype("float32")


def _model():
    inputs = kerasish.Input((3,))
    hidden = kerasish.layers.Dense(4, activation="relu")(inputs)
    hidden = kerasish.layers.BatchNormalization()(hidden)
    model = kerasish.Model(inputs, kerasish.layers.Dense(2)(hidden))
    model.compile(optimizer=kerasish.optimizers.Adam(0.01, use_ema=True), loss="mse")
    return model


def _snapshot(model):
    weights = [np.array(w) for w in model.get_weights()]
    return weights, [np.array(v.value) for v in model.optimizer.variables]


def _assert_same(got, want):
    for part_got, part_want in zip(got, want):
        assert len(part_got) == len(part_want)
        for a, b in zip(part_got, part_want):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained 2 epochs x 4 batches, checkpointed every 3 batches (steps
    3 and 6 on disk), with its state recorded after every batch."""
    directory = str(tmp_path_factory.mktemp("orbax") / "ckpt")
    model = _model()
    snapshots = {}

    def record(batch, logs):
        snapshots[int(model.optimizer.iterations)] = _snapshot(model)

    recorder = kerasish.callbacks.LambdaCallback(on_train_batch_end=record)
    checkpoint = kerasish.callbacks.OrbaxCheckpoint(
        directory, save_freq=3, max_to_keep=2
    )
    model.fit(
        X,
        Y,
        batch_size=8,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[checkpoint, recorder],
    )
    return model, directory, snapshots


def test_restores_bitwise_into_a_fresh_model(trained):
    model, directory, snapshots = trained
    assert sorted(os.listdir(directory), key=str) == ["3", "6"]
    fresh = _model()
    fresh.load_weights(directory)  # the latest step: 6 of 8
    _assert_same(_snapshot(fresh), snapshots[6])
    assert int(fresh.optimizer.iterations) == 6
    # One step directory can be named too.
    fresh.load_weights(os.path.join(directory, "3"))
    _assert_same(_snapshot(fresh), snapshots[3])
    # Training from the restored state repeats the original run's last 2 steps
    # (both fits end by writing the moving averages into the model).
    fresh.load_weights(directory)
    fresh.fit(X[16:], Y[16:], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_load_model_rebuilds_and_restores(trained):
    _, directory, snapshots = trained
    loaded = kerasish.saving.load_model(directory)
    assert type(loaded.optimizer).__name__ == "Adam" and loaded.optimizer.use_ema
    _assert_same(_snapshot(loaded), snapshots[6])


def test_epoch_saves_best_only_and_weights_only(tmp_path):
    directory = str(tmp_path / "best")
    model = _model()
    at_epoch_end = []
    recorder = kerasish.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: at_epoch_end.append(model.get_weights())
    )
    checkpoint = kerasish.callbacks.OrbaxCheckpoint(
        directory,
        monitor="loss",
        save_best_only=True,
        max_to_keep=None,
        save_on_background=False,
        save_weights_only=True,
    )
    history = model.fit(
        X, Y, batch_size=8, epochs=3, verbose=0, callbacks=[recorder, checkpoint]
    ).history
    best = np.minimum.accumulate(history["loss"])
    improved = [str(e) for e in range(3) if e == 0 or best[e] < best[e - 1]]
    assert sorted(os.listdir(directory)) == improved
    fresh = _model()
    fresh.load_weights(directory)
    for a, b in zip(fresh.get_weights(), at_epoch_end[int(improved[-1])]):
        np.testing.assert_array_equal(a, np.asarray(b))
    assert not fresh.optimizer.built  # no optimizer state in a weights-only save
    with pytest.raises(ValueError, match="saved with `save_weights_only=True`"):
        kerasish.saving.load_model(directory)


def test_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unrecognized save_freq 'batch'"):
        kerasish.callbacks.OrbaxCheckpoint(str(tmp_path / "a"), save_freq="batch")
    with pytest.raises(ValueError, match="`max_to_keep` must be a positive int"):
        kerasish.callbacks.OrbaxCheckpoint(str(tmp_path / "b"), max_to_keep=0)
    empty = tmp_path / "empty" / "7"
    empty.mkdir(parents=True)
    with pytest.raises(ValueError, match="No orbax checkpoint found"):
        _model().load_weights(str(tmp_path / "empty"))
    monkeypatch.setitem(sys.modules, "orbax.checkpoint", None)
    with pytest.raises(ImportError, match=r'pip install "kerasish\[orbax\]"'):
        kerasish.callbacks.OrbaxCheckpoint(str(tmp_path / "c"))
