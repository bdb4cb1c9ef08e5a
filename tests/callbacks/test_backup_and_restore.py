"""BackupAndRestore: a crashed fit resumed ends with the uninterrupted weights."""

import json
import os

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import BackupAndRestore, Callback


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
    assert not os.path.exists(os.path.join(backup, "latest.backup.npz"))
    return model.get_weights(), history.history["loss"]


def assert_same_weights(model, expected):
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(got, want)


def test_resume_after_crash_at_epoch_matches_uninterrupted(tmp_path, uninterrupted):
    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit(model, [BackupAndRestore(backup), Crash(epoch=2)])
    meta_path = os.path.join(backup, "latest.backup.npz")
    with np.load(meta_path) as saved:
        meta = json.loads(str(saved["metadata"]))
    assert (meta["epoch"], meta["step"]) == (2, 0)

    resumed = make_model()  # a new process would rebuild the model the same way
    history = fit(resumed, [BackupAndRestore(backup)])
    assert history.epoch == [2, 3, 4]
    assert_same_weights(resumed, uninterrupted[0])
    np.testing.assert_array_equal(history.history["loss"], uninterrupted[1][2:])
    assert not os.path.exists(backup)  # delete_checkpoint=True after a clean end


def test_resume_mid_epoch_with_batch_save_freq(tmp_path, uninterrupted):
    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        # 6 batches per epoch; backups every 4 batches; crash after batch 3 of
        # epoch 2 (after the backup at the 16th batch = epoch 2, batch 3)
        fit(model, [BackupAndRestore(backup, save_freq=4), Crash(epoch=2, batch=3)])
    with np.load(os.path.join(backup, "latest.backup.npz")) as saved:
        meta = json.loads(str(saved["metadata"]))
    assert (meta["epoch"], meta["step"]) == (2, 4)

    resumed = make_model()
    history = fit(
        resumed, [BackupAndRestore(backup, save_freq=4, delete_checkpoint=False)]
    )
    assert history.epoch == [2, 3, 4]
    assert_same_weights(resumed, uninterrupted[0])
    assert os.path.exists(backup)  # delete_checkpoint=False keeps it


def test_corrupt_backup_falls_back_to_previous(tmp_path, uninterrupted):
    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [BackupAndRestore(backup, double_checkpoint=True), Crash(epoch=3)])
    latest = os.path.join(backup, "latest.backup.npz")
    assert os.path.exists(latest + ".bkp")
    with open(latest, "wb") as f:
        f.write(b"not an npz")
    resumed = make_model()
    history = fit(resumed, [BackupAndRestore(backup, double_checkpoint=True)])
    assert history.epoch == [2, 3, 4]  # the previous backup (end of epoch 1)
    assert_same_weights(resumed, uninterrupted[0])


def test_corrupt_backup_without_previous_raises(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "latest.backup.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="cannot be read.*Delete"):
        fit(make_model(), [BackupAndRestore(str(backup))], epochs=1)


def test_backup_is_atomic_and_another_model_is_rejected(tmp_path):
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError):
        fit(make_model(), [BackupAndRestore(backup), Crash(epoch=1)])
    assert sorted(os.listdir(backup)) == ["latest.backup.npz"]  # no temp files
    other = ks.Sequential([ks.Input((4,)), ks.layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="written by a different model"):
        fit(other, [BackupAndRestore(backup)], epochs=1)


@pytest.mark.parametrize("bad", [0, -3, "batch", 1.5])
def test_invalid_save_freq(tmp_path, bad):
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`"):
        BackupAndRestore(str(tmp_path), save_freq=bad)


def test_empty_backup_dir():
    with pytest.raises(ValueError, match="empty `backup_dir`"):
        BackupAndRestore("")
