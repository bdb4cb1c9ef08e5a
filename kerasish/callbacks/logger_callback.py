"""`LoggerCallback`: sends training progress to any `logging.Logger`."""

import logging

from kerasish.callbacks.callback import Callback
from kerasish.common.progbar import format_value
from kerasish.serialization import register_builtin


def format_logs(logs):
    """`"loss=0.1234 val_loss=0.2345"`: the logs in a stable, greppable form."""
    parts = []
    for key in sorted(logs or {}):
        try:
            parts.append(f"{key}={format_value(logs[key])}")
        except (TypeError, ValueError):
            continue
    return " ".join(parts)


@register_builtin("callbacks")
class LoggerCallback(Callback):
    """Logs `fit`'s progress through a `logging.Logger` (epoch lines, start, end).

    This is the ready-made hook for an application's logging setup: handlers,
    formatters and levels decide where the lines go (files, syslog, a cloud
    logger). Each epoch logs `epoch 3/10: loss=0.1234 val_loss=0.2345`.

    Args:
        logger: A `logging.Logger`, a logger name, or `None` for the logger
            named `"kerasish"`.
        level: The level of the messages. Defaults to `logging.INFO`.
        log_evaluate: Also log the end of `evaluate` runs outside `fit`.

    Example:
    >>> import logging
    >>> cb = kerasish.callbacks.LoggerCallback(logging.getLogger("train"))
    """

    def __init__(self, logger=None, level=logging.INFO, log_evaluate=False):
        super().__init__()
        if logger is None or isinstance(logger, str):
            logger = logging.getLogger(logger or "kerasish")
        if not isinstance(logger, logging.Logger | logging.LoggerAdapter):
            raise TypeError(
                "LoggerCallback: `logger` must be a logging.Logger, a logger name "
                f"or None, got {type(logger).__name__}: {logger!r}."
            )
        if isinstance(level, str):
            resolved = logging.getLevelName(level.upper())
            if not isinstance(resolved, int):
                raise ValueError(
                    f"LoggerCallback: unknown logging level {level!r}. Valid "
                    "levels: 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'."
                )
            level = resolved
        self.logger = logger
        self.level = level
        self.log_evaluate = log_evaluate

    def _epochs(self):
        return (self.params or {}).get("epochs")

    def on_train_begin(self, logs=None):
        name = getattr(self.model, "name", "model")
        self.logger.log(self.level, "fit %s: %s epochs", name, self._epochs())

    def on_epoch_end(self, epoch, logs=None):
        total = self._epochs()
        where = f"{epoch + 1}/{total}" if total else f"{epoch + 1}"
        self.logger.log(self.level, "epoch %s: %s", where, format_logs(logs))

    def on_train_end(self, logs=None):
        self.logger.log(self.level, "fit done: %s", format_logs(logs))

    def on_test_end(self, logs=None):
        if self.log_evaluate and not getattr(self.model, "_in_fit", False):
            self.logger.log(self.level, "evaluate: %s", format_logs(logs))
