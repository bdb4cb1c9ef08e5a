"""`ReduceLROnPlateau`: lowers the learning rate when a metric stalls."""

import numpy as np

from kerasish.callbacks.learning_rate_scheduler import (
    _optimizers_of,
    log_learning_rates,
    require_learning_rates,
)
from kerasish.callbacks.monitor_callback import MonitorCallback
from kerasish.common import io_utils
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` after `patience` stalled epochs.

    The rate lives in the optimizer's state, so it changes without
    recompiling. The rate in force is logged as `"learning_rate"`.

    Args:
        monitor: The log key to watch. Defaults to `"val_loss"`.
        factor: `new_lr = max(lr * factor, min_lr)`; must be < 1.
        patience: Epochs without improvement before reducing.
        verbose: 1 prints a line when reducing.
        mode: `"auto"`, `"min"` or `"max"`.
        min_delta: Minimum change that counts as an improvement.
        cooldown: Epochs to wait after a reduction before counting again.
        min_lr: Lower bound of the learning rate.

    Example:
    >>> cb = kerasish.callbacks.ReduceLROnPlateau(factor=0.2, patience=5)
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if kwargs:
            raise TypeError(
                f"ReduceLROnPlateau got unexpected keyword arguments {sorted(kwargs)}."
            )
        if factor >= 1.0:
            raise ValueError(
                "ReduceLROnPlateau does not support a factor >= 1.0. Received "
                f"factor={factor}. Use a factor in (0, 1), e.g. 0.1."
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()
        require_learning_rates(self.model.optimizer, "ReduceLROnPlateau")

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _reduce(self, optimizer, epoch, name=""):
        old_lr = float(np.asarray(optimizer.learning_rate))
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name = f" {name}" if name else ""
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name} learning "
                f"rate to {new_lr}."
            )
        return True

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = {} if logs is None else logs
        log_learning_rates(self.model.optimizer, logs)
        current = logs.get(self.monitor)
        if current is None:
            self._missing_monitor(logs, "Learning rate reduction")
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                optimizers = _optimizers_of(self.model.optimizer)
                names = [o.name if len(optimizers) > 1 else "" for o in optimizers]
                reduced = [self._reduce(o, epoch, n) for o, n in zip(optimizers, names)]
                if any(reduced):
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _what(self):
        return "Learning rate reduction"
