"""Logs between the compiled step and the callbacks, and the progress-bar bridge.

The step returns logs as device arrays. They are read on the host only when
something looks at them: a callback that reads a key, or the progress bar about
to print.
"""

from collections.abc import MutableMapping

import numpy as np


def to_python(logs):
    """Device logs as Python floats (scalars) or numpy arrays, keys sorted (as
    Keras's `pythonify_logs` hands them to callbacks)."""
    if logs is None:
        return {}
    out = {}
    for k, v in sorted(logs.items()):
        a = np.asarray(v)  # one read of each value from the device
        out[k] = float(a) if a.ndim == 0 else a
    return out


def format_batch_logs(model, logs, return_dict):
    """`evaluate`/`train_on_batch`/`test_on_batch`'s result: the dict, or its
    values in Keras's order (`Trainer._result_order`, then the other keys sorted;
    a name listed twice gives its value twice, as in Keras), one value alone
    when there is one."""
    if return_dict:
        return logs
    names = model._result_order()
    values = [logs[name] for name in names if name in logs]
    values += [logs[key] for key in sorted(logs) if key not in names]
    return values[0] if len(values) == 1 else values


class LazyLogs(MutableMapping):
    """Logs read from the device only when a callback looks at them."""

    def __init__(self, device_logs):
        self._device = device_logs
        self._values = None

    @property
    def _logs(self):
        if self._values is None:
            self._values = to_python(self._device)
        return self._values

    def __getitem__(self, key):
        return self._logs[key]

    def __setitem__(self, key, value):
        self._logs[key] = value

    def __delitem__(self, key):
        del self._logs[key]

    def __iter__(self):
        return iter(self._logs)

    def __len__(self):
        return len(self._logs)

    def copy(self):
        return dict(self._logs)


def progbar_of(callbacks):
    """A bridge to the verbose progress bar among `callbacks`, or None."""
    from kerasish.callbacks.progbar_logger import ProgbarLogger

    for cb in callbacks.callbacks:
        if isinstance(cb, ProgbarLogger) and cb.verbose:
            return ProgbarBridge(cb)
    return None


class ProgbarBridge:
    """Feeds the progress bar without a host sync unless it is about to print."""

    def __init__(self, logger):
        self.logger = logger

    def compiling(self, seconds):
        self.logger.compiling(seconds)

    def on_batch(self, kind, index, logs):
        if kind == "train":
            self.logger.on_train_batch_end(index, LazyLogs(logs))
        elif not self.logger.model._in_fit:
            self.logger.on_test_batch_end(index, LazyLogs(logs))
