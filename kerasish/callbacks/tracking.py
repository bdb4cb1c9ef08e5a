"""What the experiment-tracker callbacks log: run parameters and scalar metrics.

Shared by `MLflowLogger` and `WandbLogger`, so both record the same parameters
under the same names.
"""

import json
import numbers

import numpy as np


def _plain(value):
    """A config value as a bool, int, float, str or None (nested ones as JSON)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def run_params(model, params, extra=None):
    """The parameters of a `fit` run, flat: `optimizer.*`, sizes, counts.

    `optimizer` is the optimizer's class name and `optimizer.<key>` its
    `get_config()` entries (a learning-rate schedule as JSON); `batch_size`,
    `epochs` and `steps_per_epoch` describe the call; `param_count` and
    `trainable_param_count` the model. `extra` (the user's) comes last and wins.
    """
    params = params or {}
    out = {
        "model": getattr(model, "name", type(model).__name__),
        "param_count": int(model.count_params()) if model.built else None,
        "trainable_param_count": int(
            sum(int(np.prod(v.shape)) for v in model.trainable_variables)
        ),
        "batch_size": getattr(model, "_fit_batch_size", None),
        "epochs": params.get("epochs"),
        "steps_per_epoch": params.get("steps"),
    }
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        out["optimizer"] = type(optimizer).__name__
        for key, value in optimizer.get_config().items():
            if isinstance(value, float):
                # Hyperparameters live in float32 variables: 0.1 reads back as
                # 0.10000000149011612 after training. Log the float32 value's
                # shortest form, so runs compare equal.
                value = float(str(np.float32(value)))
            out[f"optimizer.{key}"] = _plain(value)
    out.update({str(k): _plain(v) for k, v in (extra or {}).items()})
    return out


def scalar_logs(logs):
    """The scalar entries of `logs` as floats (arrays and strings are skipped)."""
    out = {}
    for key, value in (logs or {}).items():
        if isinstance(value, str | bytes):
            continue
        if not isinstance(value, numbers.Number):
            array = np.asarray(value)
            if array.ndim != 0 or array.dtype.kind not in "biuf":
                continue
            value = array
        out[str(key)] = float(value)
    return out


class BatchCounter:
    """The global step of `fit`'s training batches, across epochs.

    A batch hook gets the index within the epoch of the (last) batch it ran;
    with `steps_per_execution`, one call covers several batches.
    """

    def __init__(self):
        self.offset = 0  # batches of the epochs already finished
        self.last = -1  # the last batch index seen this epoch

    def step(self, batch):
        self.last = batch
        return self.offset + batch

    def end_epoch(self):
        self.offset += self.last + 1
        self.last = -1
