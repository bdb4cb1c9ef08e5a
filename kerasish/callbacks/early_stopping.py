"""`EarlyStopping`: stops `fit` when a monitored quantity stops improving."""

from kerasish.callbacks.monitor_callback import MonitorCallback
from kerasish.common import io_utils
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class EarlyStopping(MonitorCallback):
    """Stops training when `monitor` has not improved for `patience` epochs.

    An epoch improves when `monitor` beats the best value so far by more than
    `min_delta`. After `patience` epochs without improvement training stops at
    the end of the epoch (never in the first epoch).

    Args:
        monitor: The log key to watch. Defaults to `"val_loss"`.
        min_delta: Minimum change that counts as an improvement. Defaults to 0.
        patience: Epochs without improvement after which training stops.
        verbose: 1 prints a message when stopping or restoring.
        mode: `"auto"`, `"min"` or `"max"`.
        baseline: Training keeps counting `patience` until the value also
            beats `baseline`.
        restore_best_weights: At the end of training, restore the weights of
            the best epoch (if training stopped early or ran to the end).
        start_from_epoch: Epochs to wait before starting to monitor.

    Example:
    >>> callback = kerasish.callbacks.EarlyStopping(monitor="loss", patience=3)
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        for name, value in (
            ("patience", patience),
            ("start_from_epoch", start_from_epoch),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"EarlyStopping: `{name}` must be a non-negative int, got "
                    f"{value!r}."
                )
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        # Reusable across fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # The wait restarts only when the value beats the baseline too.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            io_utils.print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                io_utils.print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def _what(self):
        return "Early stopping"
