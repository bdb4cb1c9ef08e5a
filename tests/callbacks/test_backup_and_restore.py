"""BackupAndRestore: Keras's backup layout; a crashed fit resumed ends with the
uninterrupted weights; either library restores the other's backup."""

import json
import os

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import BackupAndRestore, Callback
from tests.helpers import keras3


class Crash(Callback):
    """Raises at the start of `epoch` (or after training batch `batch` of it)."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch = epoch, batch
        if batch is None:
            self._unused_hooks = ("on_train_batch_end",)

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch
        if self.batch is None and epoch == self.epoch:
            raise RuntimeError("simulated crash")

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == self.batch:
            raise RuntimeError("simulated crash")


def make_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 4)).astype("float32")
    y = (np.sin(x.sum(axis=1, keepdims=True))).astype("float32")
    return x, y


def make_model():
    ks.utils.set_random_seed(7)
    model = ks.Sequential(
        [
            ks.Input((4,)),
            ks.layers.Dense(16, activation="relu"),
            ks.layers.Dropout(0.3),
            ks.layers.Dense(1),
        ]
    )
    model.compile(optimizer=ks.optimizers.Adam(0.01), loss="mse")
    return model


def fit(model, callbacks, epochs=5):
    x, y = make_data()
    return model.fit(
        x, y, batch_size=8, epochs=epochs, shuffle=True, callbacks=callbacks, verbose=0
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    # save_freq=False: restore only; with no backup it starts from scratch and
    # writes nothing (so this is also the plain, uninterrupted run)
    backup = str(tmp_path_factory.mktemp("none") / "backup")
    model = make_model()
    history = fit(model, [BackupAndRestore(backup, save_freq=False)])
    assert history.epoch == [0, 1, 2, 3, 4]
    assert not os.path.exists(backup)
    return model.get_weights(), history.history["loss"]


def assert_same_weights(model, expected):
    got = model.get_weights()
    assert len(got) == len(expected)
    for g, want in zip(got, expected):
        np.testing.assert_array_equal(g, want)


def read_metadata(backup, name="training_metadata.json"):
    with open(os.path.join(backup, name)) as f:
        return json.load(f)


def test_resume_after_crash_at_epoch_matches_uninterrupted(tmp_path, uninterrupted):
    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit(model, [BackupAndRestore(backup), Crash(epoch=2)])
    # Keras's layout: the two files, the JSON with Keras's keys and values.
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    assert read_metadata(backup) == {"epoch": 2, "batch": 0}

    resumed = make_model()  # a new process would rebuild the model the same way
    history = fit(resumed, [BackupAndRestore(backup)])
    assert history.epoch == [2, 3, 4]
    assert_same_weights(resumed, uninterrupted[0])
    np.testing.assert_array_equal(history.history["loss"], uninterrupted[1][2:])
    assert not os.path.exists(backup)  # delete_checkpoint=True after a clean end


def test_backup_holds_the_weights_and_optimizer_state(tmp_path):
    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [BackupAndRestore(backup), Crash(epoch=2)])
    fresh = make_model()
    fresh.optimizer.build(fresh.trainable_variables)
    fresh.load_weights(os.path.join(backup, "latest.weights.h5"))
    assert_same_weights(fresh, model.get_weights())
    assert int(fresh.optimizer.iterations.numpy()) == 2 * 6  # two epochs of 6
    for a, b in zip(fresh.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_mid_epoch_backup_resumes_at_the_start_of_its_epoch_as_keras(tmp_path):
    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        # 6 batches per epoch; backups every 4 batches; crash after batch 3 of
        # epoch 2 (after the backup at the 16th batch = epoch 2, batch 3)
        fit(model, [BackupAndRestore(backup, save_freq=4), Crash(epoch=2, batch=3)])
    assert read_metadata(backup) == {"epoch": 2, "batch": 3}
    assert int(model.optimizer.iterations.numpy()) == 16
    # The reference: the backup's weights and optimizer state, then epochs 2-4
    # run whole (built before the resumed run overwrites the backup).
    reference = make_model()
    reference.optimizer.build(reference.trainable_variables)
    reference.load_weights(os.path.join(backup, "latest.weights.h5"))
    assert_same_weights(reference, model.get_weights())
    x, y = make_data()
    # The resumed run draws the shuffled orders of the epochs it skips (an
    # explicit `initial_epoch` does not, as in Keras): so does the reference.
    np.random.permutation(len(x)), np.random.permutation(len(x))
    reference.fit(
        x, y, batch_size=8, epochs=5, initial_epoch=2, shuffle=True, verbose=0
    )

    resumed = make_model()
    history = fit(
        resumed, [BackupAndRestore(backup, save_freq=4, delete_checkpoint=False)]
    )
    # As in Keras: the epoch of a mid-epoch backup runs again from its start,
    # from the weights of the backup.
    assert history.epoch == [2, 3, 4]
    assert int(resumed.optimizer.iterations.numpy()) == 16 + 3 * 6
    assert_same_weights(resumed, reference.get_weights())
    assert os.path.exists(backup)  # delete_checkpoint=False keeps it
    # The resumed run's last batch-level backup (its 16th batch: epoch 4,
    # batch 3) names the epoch in progress, not the epoch the callback began at.
    assert read_metadata(backup) == {"epoch": 4, "batch": 3}


@pytest.mark.compat
def test_metadata_matches_keras_for_the_same_schedule(tmp_path):
    """The JSON Keras writes for 2 epochs of 6 batches, saving every 4 batches
    (last save after epoch 1, batch 5: 12 batches), is kerasish's byte for byte
    in content."""
    k3 = keras3()
    x, y = make_data()
    for lib, name in ((k3, "keras"), (ks, "kerasish")):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        cb = lib.callbacks.BackupAndRestore(
            str(tmp_path / name), save_freq=4, delete_checkpoint=False
        )
        model.fit(x, y, batch_size=8, epochs=2, callbacks=[cb], verbose=0)
    assert read_metadata(tmp_path / "kerasish") == read_metadata(tmp_path / "keras")
    assert read_metadata(tmp_path / "kerasish") == {"epoch": 1, "batch": 5}
    assert sorted(os.listdir(tmp_path / "kerasish")) == sorted(
        os.listdir(tmp_path / "keras")
    )


def _dense_model(lib, seed):
    model = lib.Sequential(
        [lib.Input((4,)), lib.layers.Dense(8, activation="relu"), lib.layers.Dense(1)]
    )
    model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    return model


@pytest.mark.compat
@pytest.mark.parametrize("writer", ["kerasish", "keras"])
def test_backup_restores_across_libraries(tmp_path, writer):
    """A backup one library writes, the other's BackupAndRestore restores: the
    weights, the optimizer state and the epoch to resume at."""
    k3 = keras3()
    write_lib, read_lib = (ks, k3) if writer == "kerasish" else (k3, ks)
    backup = str(tmp_path / "backup")
    x, y = make_data()
    source = _dense_model(write_lib, 0)
    source.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        verbose=0,
        callbacks=[
            write_lib.callbacks.BackupAndRestore(backup, delete_checkpoint=False)
        ],
    )
    assert read_metadata(backup) == {"epoch": 2, "batch": 0}
    target = _dense_model(read_lib, 1)
    # epochs=2 and a backup at epoch 2: the restored fit runs no epoch at all.
    history = target.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        verbose=0,
        callbacks=[
            read_lib.callbacks.BackupAndRestore(backup, delete_checkpoint=False)
        ],
    )
    assert history.epoch == []
    for got, want in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert int(np.asarray(target.optimizer.iterations)) == 12
    # Going on from the restored state, the target takes the steps the source
    # takes: the optimizer state (Adam's moments) came across too.
    source.fit(x, y, batch_size=8, epochs=3, initial_epoch=2, shuffle=False, verbose=0)
    more = target.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[read_lib.callbacks.BackupAndRestore(backup)],
    )
    assert more.epoch == [2]
    for got, want in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_corrupt_backup_falls_back_to_previous(tmp_path, uninterrupted):
    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [BackupAndRestore(backup, double_checkpoint=True), Crash(epoch=3)])
    assert sorted(os.listdir(backup)) == [
        "latest.weights.h5",
        "latest.weights.h5.bkp",
        "training_metadata.json",
        "training_metadata.json.bkp",
    ]
    assert read_metadata(backup) == {"epoch": 3, "batch": 0}
    assert read_metadata(backup, "training_metadata.json.bkp") == {
        "epoch": 2,
        "batch": 0,
    }
    latest = os.path.join(backup, "latest.weights.h5")
    with open(latest, "wb") as f:
        f.write(b"not an h5 file")
    resumed = make_model()
    history = fit(resumed, [BackupAndRestore(backup, double_checkpoint=True)])
    assert history.epoch == [2, 3, 4]  # the previous backup (end of epoch 1)
    assert_same_weights(resumed, uninterrupted[0])


def test_corrupt_backup_without_previous_raises(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "latest.weights.h5").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="cannot restore the backup.*delete"):
        fit(make_model(), [BackupAndRestore(str(backup))], epochs=1)


def test_corrupt_metadata_raises(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "training_metadata.json").write_text('{"epoch": "two"}')
    with pytest.raises(ValueError, match="epoch='two'.*non-negative int"):
        fit(make_model(), [BackupAndRestore(str(backup))], epochs=1)
    (backup / "training_metadata.json").write_text("not json")
    with pytest.raises(ValueError, match="is not the JSON"):
        fit(make_model(), [BackupAndRestore(str(backup))], epochs=1)


def test_backup_is_atomic_and_another_model_is_rejected(tmp_path):
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError):
        fit(make_model(), [BackupAndRestore(backup), Crash(epoch=1)])
    # no temporary files left behind
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    other = ks.Sequential([ks.Input((4,)), ks.layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="cannot restore.*do not match model"):
        fit(other, [BackupAndRestore(backup)], epochs=1)


def test_epoch_backups_do_not_ask_for_every_batch(tmp_path):
    assert "on_train_batch_end" in BackupAndRestore(str(tmp_path))._unused_hooks
    assert not hasattr(BackupAndRestore(str(tmp_path), save_freq=3), "_unused_hooks")


@pytest.mark.parametrize("bad", [0, -3, "batch", 1.5])
def test_invalid_save_freq(tmp_path, bad):
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`"):
        BackupAndRestore(str(tmp_path), save_freq=bad)


def test_empty_backup_dir():
    with pytest.raises(ValueError, match="empty `backup_dir`"):
        BackupAndRestore("")
