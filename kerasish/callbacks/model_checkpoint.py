"""`ModelCheckpoint`: saves the model (or its weights) during training."""

import os
import warnings

import numpy as np

from kerasish.callbacks.monitor_callback import MonitorCallback
from kerasish.common import io_utils
from kerasish.serialization import register_builtin

_WEIGHTS_EXTS = (".weights.h5", ".weights.npz")
_MODEL_EXTS = (".keras", ".h5")  # Keras accepts legacy ".h5" here too


class _FilepathKeyError(KeyError):
    """A KeyError (as Keras raises) whose message prints without quoting."""

    def __str__(self):
        return str(self.args[0])


def format_filepath(template, what, **values):
    """`template.format(**values)`, or a KeyError naming the missing key."""
    try:
        return template.format(**values)
    except KeyError as e:
        missing = e.args[0]
        raise _FilepathKeyError(
            f'Failed to format this callback filepath: "{template}". Reason: the '
            f"key {missing!r} is not in the logs. Available keys: "
            f"{sorted(values)}. {what} fills the template from `epoch`, `batch` "
            "and the epoch's logs; validation keys (`val_*`) need "
            "`validation_data` in `fit`."
        ) from None


@register_builtin("callbacks")
class ModelCheckpoint(MonitorCallback):
    """Saves the model or its weights at some frequency during `fit`.

    `filepath` may hold `str.format` fields filled from the epoch (1-based),
    the batch (with an integer `save_freq`) and the logs:
    `"ckpt/{epoch:02d}-{val_loss:.2f}.keras"`. Files are written through
    `model.save` / `model.save_weights`, which write atomically.

    Args:
        filepath: Where to save: ends in `.keras` (whole model) or, with
            `save_weights_only=True`, in `.weights.h5` (or `.weights.npz`).
            Missing directories are created.
        monitor: The log key compared with `save_best_only`.
        verbose: 1 prints a line per save.
        save_best_only: Save only when `monitor` improves on the best so far
            (the file is overwritten unless `filepath` has fields).
        save_weights_only: Save weights only (`model.save_weights`).
        mode: `"auto"`, `"min"` or `"max"` for `monitor`.
        save_freq: `"epoch"`, or an int: save every that many batches.
        initial_value_threshold: The initial "best" value of `monitor`; only a
            better value is saved (with `save_best_only`).

    Example:
    >>> cb = kerasish.callbacks.ModelCheckpoint("best.keras", save_best_only=True)
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (
            isinstance(save_freq, bool)
            or not isinstance(save_freq, int)
            or save_freq <= 0
        ):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
                "'epoch' or a positive integer (a number of batches)."
            )
        # Keras's rules and messages (kerasish also takes its `.weights.npz`).
        if save_weights_only:
            if not self.filepath.endswith(_WEIGHTS_EXTS):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`"
                    ", the filepath provided must end in `.weights.h5` "
                    "(Keras weights format). Received: "
                    f"filepath={self.filepath}"
                )
        elif not self.filepath.endswith(_MODEL_EXTS):
            raise ValueError(
                "The filepath provided must end in `.keras` "
                "(Keras model format). Received: "
                f"filepath={self.filepath}"
            )

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch):
        # With steps_per_execution=N the hook sees every N-th batch index.
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            self._missing_monitor(logs, "Saving the best model")
            return True
        if np.ndim(current) > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. "
                f"Received: {current}. Falling back to `save_best_only=False`.",
                stacklevel=3,
            )
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                io_utils.print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}"
            )
        return False

    def _save_model(self, epoch, batch, logs):
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            )
        if not self._should_save_model(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: finished saving model to {filepath}"
            )

    def _get_file_path(self, epoch, batch, logs):
        values = dict(logs)
        values["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            values["batch"] = batch + 1
        return format_filepath(self.filepath, "ModelCheckpoint", **values)
