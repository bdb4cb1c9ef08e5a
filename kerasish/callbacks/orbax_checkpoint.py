"""`OrbaxCheckpoint`: saves the model's weights and optimizer state with orbax."""

import numbers
import warnings

from kerasish.callbacks.monitor_callback import MonitorCallback
from kerasish.common import io_utils
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class OrbaxCheckpoint(MonitorCallback):
    """Saves the model's state (weights, optimizer state and, unless
    `save_weights_only`, its config) as orbax checkpoints during `fit`.

    Each save is a step directory under `directory` (the epoch index with
    `save_freq="epoch"`, the number of batches seen with an integer
    `save_freq`). `model.load_weights(directory)` restores the latest step's
    weights and optimizer state exactly; `kerasish.saving.load_model(directory)`
    rebuilds the model too. Needs `pip install "kerasish[orbax]"`.

    Args:
        directory: The checkpoint directory (created if missing).
        monitor: The log key compared with `save_best_only`.
        verbose: 1 prints a line per save.
        save_best_only: Save only when `monitor` improves on the best so far.
        mode: `"auto"`, `"min"` or `"max"` for `monitor`.
        save_freq: `"epoch"`, or an int: save every that many batches.
        initial_value_threshold: The initial "best" value of `monitor`.
        max_to_keep: Int or `None`: how many recent checkpoints to keep (1).
        save_on_background: Whether to write asynchronously while training goes
            on (True); `wait_until_finished()` (and the end of `fit`) waits.
        save_weights_only: Save the weights only (no optimizer state, no config).

    Example:
    >>> callback = kerasish.callbacks.OrbaxCheckpoint("/tmp/ckpt", save_freq=100)
    """

    def __init__(
        self,
        directory,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
        max_to_keep=1,
        save_on_background=True,
        save_weights_only=False,
    ):
        from kerasish.saving import orbax_io

        orbax_io.import_orbax()  # a clear ImportError now, not at the first save
        super().__init__(monitor, mode, initial_value_threshold)
        if save_freq != "epoch" and (
            isinstance(save_freq, bool)
            or not isinstance(save_freq, numbers.Integral)
            or save_freq < 1
        ):
            raise ValueError(
                f"OrbaxCheckpoint: unrecognized save_freq {save_freq!r}. Expected "
                "'epoch' or a positive int (a number of batches)."
            )
        if max_to_keep is not None and (
            isinstance(max_to_keep, bool)
            or not isinstance(max_to_keep, numbers.Integral)
            or max_to_keep < 1
        ):
            raise ValueError(
                "OrbaxCheckpoint: `max_to_keep` must be a positive int or None (keep "
                f"all), got {max_to_keep!r}."
            )
        self.directory = directory
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_freq = save_freq
        self.max_to_keep = max_to_keep
        self.save_on_background = save_on_background
        self.save_weights_only = save_weights_only
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._total_batches_seen = 0
        if save_freq == "epoch":
            self._unused_hooks = ("on_train_batch_end",)
        self.checkpointer = orbax_io.manager(
            directory, max_to_keep=max_to_keep, background=save_on_background
        )

    def set_model(self, model):
        super().set_model(model)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and getattr(optimizer, "built", False):
            # A reloaded model continues the step count.
            self._total_batches_seen = int(optimizer.iterations)

    def is_multihost_enabled(self):
        """False: kerasish checkpoints from one process."""
        return False

    def is_primary_host(self):
        """True: kerasish checkpoints from one process."""
        return True

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        self._total_batches_seen += added
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _improved(self, logs, where):
        if not self.save_best_only:
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available, skipping "
                f"save at {where}.",
                stacklevel=3,
            )
            return False
        if not self._is_improvement(current, self.best):
            return False
        self.best = current
        return True

    def _save(self, step):
        from kerasish.saving import orbax_io

        orbax_io.save(
            self.checkpointer, step, self.model, weights_only=self.save_weights_only
        )
        if self.verbose > 0:
            io_utils.print_msg(
                f"OrbaxCheckpoint: saved step {step} to {self.directory}"
            )

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch) and self._improved(logs, f"batch {batch}"):
            self._save(self._total_batches_seen)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch" and self._improved(logs, f"epoch {epoch}"):
            self._save(epoch)

    def on_train_end(self, logs=None):
        self.wait_until_finished()

    def wait_until_finished(self):
        """Blocks until every checkpoint being written is complete."""
        self.checkpointer.wait_until_finished()
