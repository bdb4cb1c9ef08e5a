"""`BackupAndRestore`: resumes an interrupted `fit` from its last backup.

The backup is Keras 3's layout, so either library restores the other's:

    backup_dir/latest.weights.h5           `model.save_weights(...)`: the weights
                                           and the optimizer state
    backup_dir/training_metadata.json      {"epoch": ..., "batch": ...}
    backup_dir/*.bkp                       the previous pair (`double_checkpoint`)
"""

import json
import os
import shutil

from kerasish.callbacks.callback import Callback
from kerasish.saving.file_io import atomic_write
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class BackupAndRestore(Callback):
    """Backs up the training state so an interrupted `fit` can resume.

    At the end of each epoch (or every `save_freq` batches) the callback writes
    the model's weights and optimizer state to `backup_dir/latest.weights.h5`
    and the epoch reached to `backup_dir/training_metadata.json`
    (`{"epoch": e, "batch": b}`: `e` is the epoch to run next, or the one in
    progress for a backup taken mid-epoch; `b` the last batch index seen, 0 at
    an epoch's end), each file atomically. When `fit` starts again with the
    same `backup_dir`, the weights are restored and training resumes at epoch
    `e`, as in Keras: a backup taken mid-epoch resumes at the start of that
    epoch. A run interrupted between epochs and resumed (with
    `kerasish.utils.set_random_seed` for the shuffling and dropout) ends with
    the weights of one that was never interrupted. When `fit` ends normally the
    backup is deleted (`delete_checkpoint=True`).

    Args:
        backup_dir: Directory of the backup. Use one per training job.
        save_freq: `"epoch"`, an int (back up every that many batches), or
            `False` (only restore, never back up).
        double_checkpoint: Also keep the previous backup (`latest.weights.h5.bkp`
            and `training_metadata.json.bkp`), restored if the latest one
            cannot be read.
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
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(
            self.backup_dir, "training_metadata.json"
        )
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if not isinstance(save_freq, int) or save_freq is False:
            # Nothing to do per batch: the trainer need not sync every batch.
            self._unused_hooks = ("on_train_batch_end",)

    # -- restore -------------------------------------------------------------
    def on_train_begin(self, logs=None):
        model = self.model
        if not model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built "
                f"before you call `fit()`. Model '{model.name}' is unbuilt; build "
                "it by calling it on a batch of data."
            )
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        try:
            self._restore()
        except (OSError, ValueError) as error:
            if not os.path.exists(self._prev_weights_path):
                raise ValueError(
                    f"BackupAndRestore: cannot restore the backup in "
                    f"{self.backup_dir!r} into model '{model.name}' ({error}). If "
                    "the backup is damaged or was written by a different model, "
                    f"delete {self.backup_dir!r} to start afresh."
                ) from error
            # As Keras: the previous pair becomes the latest, then loads.
            _copy(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                _copy(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._restore()

    def _restore(self):
        model = self.model
        if os.path.exists(self._weights_path):
            optimizer = model.optimizer
            if optimizer is not None and not optimizer.built:
                optimizer.build(model.trainable_variables)
            model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path, encoding="utf-8") as f:
                try:
                    metadata = json.load(f)
                    epoch = metadata["epoch"]
                except (ValueError, KeyError, TypeError) as error:
                    raise ValueError(
                        f"{self._training_metadata_path!r} is not the JSON "
                        '`{"epoch": ..., "batch": ...}` BackupAndRestore writes '
                        f"({type(error).__name__}: {error})"
                    ) from None
            if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
                raise ValueError(
                    f"{self._training_metadata_path!r} holds epoch={epoch!r}; "
                    "expected a non-negative int"
                )
            model._initial_epoch = epoch

    # -- back up -------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        # A resumed fit starts at the restored epoch: a mid-epoch backup names it.
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save()

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch" or self.save_freq is False:
            return False
        # With steps_per_execution=N the hook sees every N-th batch index.
        if batch <= self._last_batch_seen:  # a new epoch
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            _copy(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            _copy(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        with atomic_write(self._training_metadata_path) as f:
            f.write(json.dumps(metadata).encode("utf-8"))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _copy(source, destination):
    """Copies a file atomically (a temporary file renamed into place)."""
    with open(source, "rb") as src, atomic_write(destination) as dst:
        shutil.copyfileobj(src, dst)
