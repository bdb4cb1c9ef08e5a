"""`JSONLogger`: one JSON object per epoch (JSON lines), easy to load."""

import json
import math
import os

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.serialization import register_builtin


def jsonable(value):
    """A log value as JSON: floats (NaN/inf as strings), lists for arrays."""
    if isinstance(value, np.ndarray | np.generic):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf": strict JSON has no NaN
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


@register_builtin("callbacks")
class JSONLogger(Callback):
    """Appends `{"epoch": e, "loss": ..., "val_loss": ..., ...}` lines to a file.

    Each line is a complete JSON object, flushed at each epoch end, so a crash
    loses nothing and `pandas.read_json(path, lines=True)` loads the run.

    Args:
        filename: The `.jsonl` file.
        append: Append to an existing file instead of overwriting it.

    Example:
    >>> cb = kerasish.callbacks.JSONLogger("run/log.jsonl")
    """

    def __init__(self, filename, append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.append = append
        self._file = None

    def _write(self, record):
        self._file.write(json.dumps(jsonable(record)) + "\n")
        self._file.flush()

    def on_train_begin(self, logs=None):
        directory = os.path.dirname(self.filename)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self._file is not None and not self._file.closed:
            self._file.close()
        self._file = open(self.filename, "a" if self.append else "w")  # noqa: SIM115

    def on_epoch_end(self, epoch, logs=None):
        self._write({"epoch": epoch, **(logs or {})})

    def on_train_end(self, logs=None):
        if self._file is not None and not self._file.closed:
            self._file.close()
