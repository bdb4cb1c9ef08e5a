"""`BackupAndRestore`: resumes an interrupted `fit` where it stopped."""

import json
import os
import shutil
import tempfile

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.saving.registry import register_builtin

_FORMAT = "kerasish.BackupAndRestore/1"


def _write_atomic(path, write):
    """Writes through `write(file)` into a temp file beside `path`, then renames."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


@register_builtin("callbacks")
class BackupAndRestore(Callback):
    """Backs up the training state so an interrupted `fit` can resume.

    At the end of each epoch (or every `save_freq` batches) the callback writes
    the model's variables (weights and random-seed states), the optimizer's
    state, the epoch and step reached and the shuffling seed into
    `backup_dir/latest.backup.npz`, atomically. When `fit` starts again with
    the same `backup_dir` after a crash, the state is restored and training
    resumes from that epoch (and step): the run ends with the same weights as
    one that was never interrupted. When `fit` ends normally the backup is
    deleted (`delete_checkpoint=True`).

    Args:
        backup_dir: Directory of the backup. Use one per training job.
        save_freq: `"epoch"`, an int (back up every that many batches), or
            `False` (only restore, never back up).
        double_checkpoint: Also keep the previous backup
            (`latest.backup.npz.bkp`), used if the latest one is unreadable.
        delete_checkpoint: Delete `backup_dir` when training ends normally.

    Example:
    >>> cb = kerasish.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    """

    def __init__(
        self,
        backup_dir,
        save_freq="epoch",
        double_checkpoint=False,
        delete_checkpoint=True,
    ):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                "BackupAndRestore: empty `backup_dir` argument passed; give a "
                "directory such as '/tmp/backup'."
            )
        if (
            save_freq != "epoch"
            and save_freq is not False
            and (
                isinstance(save_freq, bool)
                or not isinstance(save_freq, int)
                or save_freq <= 0
            )
        ):
            raise ValueError(
                "Invalid value for argument `save_freq`. Received: "
                f"save_freq={save_freq!r}. Expected either 'epoch', a positive "
                "integer (a number of batches) or False."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._backup_path = os.path.join(self.backup_dir, "latest.backup.npz")
        self._prev_backup_path = self._backup_path + ".bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._current_epoch = 0

    # -- restore -------------------------------------------------------------
    def on_train_begin(self, logs=None):
        model = self.model
        if not model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built "
                f"before you call `fit()`. Model '{model.name}' is unbuilt; build "
                "it by calling it on a batch of data."
            )
        self._current_epoch = 0
        self._last_batch_seen = -1
        self._batches_seen_since_last_saving = 0
        if not os.path.exists(self._backup_path) and not os.path.exists(
            self._prev_backup_path
        ):
            return
        try:
            self._restore(self._backup_path)
        except (OSError, ValueError, KeyError) as e:
            if not os.path.exists(self._prev_backup_path):
                raise ValueError(
                    f"BackupAndRestore: the backup {self._backup_path} cannot be "
                    f"read ({e}). Delete {self.backup_dir} to start afresh."
                ) from e
            self._restore(self._prev_backup_path)

    def _restore(self, path):
        model = self.model
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["metadata"]))
            if meta.get("format") != _FORMAT:
                raise ValueError(f"{path} is not a kerasish BackupAndRestore file")
            variables = model.variables
            count = meta["num_variables"]
            if count != len(variables):
                raise ValueError(
                    f"BackupAndRestore: the backup in {self.backup_dir} holds "
                    f"{count} variables, model '{model.name}' has {len(variables)}. "
                    "It was written by a different model; use another "
                    "`backup_dir` or delete this one."
                )
            values = [data[f"variable_{i}"] for i in range(count)]
            for i, (v, value) in enumerate(zip(variables, values)):
                if tuple(value.shape) != tuple(v.shape):
                    raise ValueError(
                        f"BackupAndRestore: variable {i} ('{v.path}') has shape "
                        f"{tuple(v.shape)}, the backup in {self.backup_dir} has "
                        f"{tuple(value.shape)}. It was written by a different "
                        "model; use another `backup_dir` or delete this one."
                    )
            optimizer_values = [
                data[f"optimizer_{i}"] for i in range(meta["num_optimizer_variables"])
            ]
        for v, value in zip(variables, values):
            v.assign(value)
        optimizer = model.optimizer
        if optimizer is not None and optimizer_values:
            if not getattr(optimizer, "built", False):
                optimizer.build(model.trainable_variables)
            optimizer.set_state_from_variables(optimizer_values)
        model._initial_epoch = meta["epoch"]
        model._initial_step = meta["step"]
        if meta.get("shuffle_seed") is not None:
            model._shuffle_seed = meta["shuffle_seed"]
        self._current_epoch = meta["epoch"]

    # -- back up -------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        # A resumed epoch starts after the steps already done (fit reads
        # `model._initial_step` after this hook).
        self._last_batch_seen = int(getattr(self.model, "_initial_step", 0) or 0) - 1

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = -1
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save(self._current_epoch, batch + 1)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch" or self.save_freq is False:
            return False
        # With steps_per_execution=N the hook sees every N-th batch index.
        added = (
            batch + 1
            if batch <= self._last_batch_seen
            else batch - self._last_batch_seen
        )
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save(self, epoch, step):
        model = self.model
        os.makedirs(self.backup_dir, exist_ok=True)
        optimizer = model.optimizer
        optimizer_values = list(optimizer.variables) if optimizer is not None else []
        seed = getattr(model, "_shuffle_seed", None)
        meta = {
            "format": _FORMAT,
            "epoch": int(epoch),
            "step": int(step),
            "shuffle_seed": None if seed is None else int(np.asarray(seed)),
            "num_variables": len(model.variables),
            "num_optimizer_variables": len(optimizer_values),
        }
        arrays = {"metadata": np.asarray(json.dumps(meta))}
        for i, v in enumerate(model.variables):
            arrays[f"variable_{i}"] = np.asarray(v.numpy())
        for i, value in enumerate(optimizer_values):
            arrays[f"optimizer_{i}"] = np.asarray(value)
        if self.double_checkpoint and os.path.exists(self._backup_path):
            os.replace(self._backup_path, self._prev_backup_path)
        _write_atomic(self._backup_path, lambda f: np.savez(f, **arrays))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
