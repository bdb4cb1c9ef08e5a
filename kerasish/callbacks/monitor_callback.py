"""`MonitorCallback`: the shared "is this value an improvement?" logic."""

import warnings

import numpy as np

from kerasish.callbacks.callback import Callback

# Keras's metric directions ("up": higher is better), by the metric's name.
_UP = (
    "accuracy",
    "acc",
    "auc",
    "precision",
    "recall",
    "iou",
    "f1_score",
    "fbeta_score",
    "r2_score",
    "cosine_similarity",
    "sensitivity_at_specificity",
    "specificity_at_sensitivity",
    "true_positives",
    "true_negatives",
)
_DOWN = (
    "loss",
    "mean_squared_error",
    "mse",
    "mean_absolute_error",
    "mae",
    "mean_absolute_percentage_error",
    "mape",
    "mean_squared_logarithmic_error",
    "msle",
    "root_mean_squared_error",
    "crossentropy",
    "hinge",
    "kl_divergence",
    "kld",
    "poisson",
    "log_cosh_error",
    "logcosh",
    "false_positives",
    "false_negatives",
)


def _direction_from_name(name):
    """ "up", "down" or None for a metric name such as "val_output_1_accuracy"."""
    for suffixes, direction in ((_DOWN, "down"), (_UP, "up")):
        for suffix in suffixes:
            if name == suffix or name.endswith("_" + suffix):
                return direction
    return None


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged quantity (`monitor`).

    Args:
        monitor: The log key to watch, e.g. `"val_loss"` or `"val_accuracy"`.
        mode: `"min"`, `"max"`, or `"auto"` (the direction follows the metric:
            losses and errors go down, accuracies and AUC go up).
        baseline: The initial best value; `None` takes the first value seen.
        min_delta: The smallest change that counts as an improvement:
            `current - min_delta < best` in min mode, `current - min_delta >
            best` in max mode (Keras's convention; `min_delta` is made negative
            in min mode).
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                "mode. Valid modes: 'auto', 'min', 'max'.",
                stacklevel=3,
            )
            mode = "auto"
        if not isinstance(monitor, str):
            raise TypeError(
                f"{type(self).__name__}: `monitor` must be a log key (str) such as "
                f"'val_loss', got {type(monitor).__name__}: {monitor!r}."
            )
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None
        self._warned_missing = False

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor.removeprefix("val_")
            direction = "down" if name == "loss" else None
            for metric in getattr(self.model, "metrics", None) or []:
                if getattr(metric, "name", None) == name and hasattr(
                    metric, "_direction"
                ):
                    direction = metric._direction
            direction = direction or _direction_from_name(name)
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, "
                    "but kerasish isn't able to automatically determine whether "
                    "that metric should be maximized or minimized. Pass "
                    "`mode='max'` in order to monitor based on the highest metric "
                    "value, or pass `mode='min'` in order to use the lowest value."
                )
            self.monitor_op = np.less if direction == "down" else np.greater
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))

    def _missing_monitor(self, logs, what):
        """Warns once that `monitor` is not in `logs`, listing the keys there."""
        if self._warned_missing:
            return
        self._warned_missing = True
        warnings.warn(
            f"{what} conditioned on metric `{self.monitor}` which is not "
            f"available. Available metrics are: {','.join(list(logs))}. Set "
            f"`monitor=` of {type(self).__name__} to one of them (validation "
            "metrics need `validation_data` or `validation_split`).",
            stacklevel=3,
        )

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            self._missing_monitor(logs, self._what())
        return value

    def _what(self):
        return type(self).__name__
