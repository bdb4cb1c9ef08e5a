"""`LearningRateScheduler`: sets the learning rate at each epoch's start."""

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.common import io_utils
from kerasish.serialization import register_builtin


def _optimizers_of(optimizer):
    """The optimizers whose rate a callback sets (one, or a list's members)."""
    inner = getattr(optimizer, "optimizers", None)
    return list(inner) if inner else [optimizer]


@register_builtin("callbacks")
class LearningRateScheduler(Callback):
    """Sets `model.optimizer.learning_rate = schedule(epoch, lr)` per epoch.

    The optimizer's learning rate lives in its state, so changing it does not
    recompile the step. A `schedule` taking one argument is called as
    `schedule(epoch)`. The rate in force is logged as `"learning_rate"`.

    Args:
        schedule: A function `(epoch: int (0-based), lr: float) -> float`.
        verbose: 1 prints the rate set at each epoch.

    Example:
    >>> def schedule(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> cb = kerasish.callbacks.LearningRateScheduler(schedule)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: `schedule` must be a callable "
                f"`(epoch, lr) -> new_lr`, got {type(schedule).__name__}: "
                f"{schedule!r}. For a fixed rate, set it on the optimizer instead."
            )
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        lr = float(np.asarray(optimizer.learning_rate))
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:  # a one-argument schedule(epoch)
            new_lr = self.schedule(epoch)
        if isinstance(new_lr, np.ndarray) and new_lr.ndim == 0:
            new_lr = new_lr[()]
        if isinstance(new_lr, bool) or not isinstance(
            new_lr, float | int | np.floating | np.integer
        ):
            raise ValueError(
                "The output of the `schedule` function should be a float. Got: "
                f"{new_lr!r} (at epoch {epoch})."
            )
        optimizer.learning_rate = float(new_lr)
        return float(new_lr)

    def on_train_begin(self, logs=None):
        require_learning_rates(self.model.optimizer, "LearningRateScheduler")

    def on_epoch_begin(self, epoch, logs=None):
        optimizers = _optimizers_of(self.model.optimizer)
        for opt in optimizers:
            lr = self._update_optimizer_lr(opt, epoch)
            if self.verbose > 0:
                name = f" {opt.name}" if len(optimizers) > 1 else ""
                io_utils.print_msg(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting{name} "
                    f"learning rate to {lr}."
                )

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        log_learning_rates(self.model.optimizer, logs)


def log_learning_rates(optimizer, logs):
    """Adds `learning_rate` (or `learning_rate_<name>` per optimizer) to `logs`."""
    optimizers = _optimizers_of(optimizer)
    if len(optimizers) > 1:
        for opt in optimizers:
            lr = readable_learning_rate(opt)
            if lr is not None:
                logs[f"learning_rate_{opt.name}"] = lr
    else:
        lr = readable_learning_rate(optimizer)
        if lr is not None:  # a raw optax optimizer may have none to log
            logs["learning_rate"] = lr
    return logs


def readable_learning_rate(optimizer):
    """The learning rate as a float, or None for a raw optax optimizer without one.

    Only a rate injected with `optax.inject_hyperparams` can be read (and set).
    """
    from kerasish.optimizers import OptaxOptimizer

    try:
        return float(np.asarray(optimizer.learning_rate))
    except ValueError:
        if isinstance(optimizer, OptaxOptimizer):
            return None
        raise


def require_learning_rates(optimizer, callback):
    """Raises when `callback` must set a rate that `optimizer` cannot hold."""
    for opt in _optimizers_of(optimizer):
        if readable_learning_rate(opt) is None:
            raise ValueError(
                f"{callback} changes the learning rate, but optimizer '{opt.name}' "
                "wraps a raw optax transformation without one: expected a rate "
                "injected with `optax.inject_hyperparams`, e.g. `compile(optimizer="
                "optax.inject_hyperparams(optax.adam)(learning_rate=1e-3))`; "
                "received an optax "
                f"{type(getattr(opt, 'transformation', opt)).__name__} without "
                "hyperparameters."
            )
