"""What a fit costs in memory and time, shown to the user (beyond Keras).

- Before the first epoch (`verbose >= 1`) one line estimates device memory:
  parameters, optimizer state, the data placed on the device, and a batch's
  activations as the compiled train step's temporary buffers (XLA's memory
  analysis of the program that runs).
- Each epoch records samples per second and the fraction of the epoch's wall
  time the host loop spent producing input chunks (iterating the user's data,
  stacking and placing batches): `History.throughput`, and in the logs when
  `kerasish.config.enable_throughput_logs()` was called (off by default: Keras's
  logs have no such keys, and callbacks such as CSVLogger write every key).
- An out-of-memory error from XLA is re-raised with that estimate and a batch
  size that would fit.
- Inference merges batches into larger calls (`merged_batches`) only as far as
  the model's activations per row allow.
"""

import functools
from typing import NamedTuple

import numpy as np

from kerasish.engine import get_engine


class MemoryEstimate(NamedTuple):
    """Bytes on the device for one fit (see the module docstring)."""

    parameters: int
    optimizer: int
    data: int
    activations: int  # the compiled step's temporaries, for one chunk
    batch_size: int
    steps: int  # steps the compiled chunk runs (its temporaries cover them)

    @property
    def total(self):
        return self.parameters + self.optimizer + self.data + self.activations


def tree_bytes(tree):
    """Bytes of every array leaf of `tree`."""
    total = 0
    for leaf in get_engine().tree_leaves(tree):
        nbytes = getattr(leaf, "nbytes", None)
        if nbytes is None and hasattr(leaf, "shape"):
            nbytes = int(np.prod(leaf.shape)) * np.dtype(leaf.dtype).itemsize
        total += int(nbytes or 0)
    return total


def compiled_temp_bytes(compiled):
    """The temporary (activation) bytes of a compiled program, or None where the
    engine does not analyse its programs."""
    analysis = getattr(compiled, "memory_analysis", None)
    if not callable(analysis):
        return None
    try:
        stats = analysis()
    except Exception:  # an engine or platform without the analysis
        return None
    stats = stats[0] if isinstance(stats, list | tuple) and stats else stats
    temp = getattr(stats, "temp_size_in_bytes", None)
    return None if temp is None else int(temp)


def estimate(state, data_arrays, compiled, batch_size, steps=1):
    """A `MemoryEstimate`, or None if the compiled step cannot be analysed."""
    temp = compiled_temp_bytes(compiled)
    if temp is None:
        return None
    return MemoryEstimate(
        parameters=tree_bytes((state.trainable, state.non_trainable)),
        optimizer=tree_bytes(state.optimizer),
        data=tree_bytes(data_arrays),
        activations=temp,
        batch_size=int(batch_size),
        steps=int(steps),
    )


def format_bytes(n):
    """`n` bytes as a short human figure (`"1.5 MiB"`)."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} TiB"


def format_estimate(est):
    """The line printed before the first epoch."""
    fused = f" x {est.steps} fused steps" if est.steps > 1 else ""
    return (
        f"Memory estimate: {format_bytes(est.total)} = parameters "
        f"{format_bytes(est.parameters)} + optimizer state "
        f"{format_bytes(est.optimizer)} + data on the device "
        f"{format_bytes(est.data)} + activations {format_bytes(est.activations)} "
        f"(batch {est.batch_size}{fused}, from the compiled step)"
    )


def device_memory_limit():
    """The device's memory in bytes, where the platform reports it, else None."""
    try:
        device = get_engine().devices()[0]
    except Exception:  # no device to ask
        return None
    return _memory_limit(device)


@functools.cache
def _memory_limit(device):
    try:
        stats = device.memory_stats() or {}
    except Exception:  # CPU and some platforms have no memory stats
        return None
    limit = stats.get("bytes_limit") or stats.get("bytes_reservable_limit")
    return int(limit) if limit else None


def suggested_batch_size(est, limit=None):
    """The largest power-of-two batch size whose activations (scaled by rows)
    fit 90% of the memory left after parameters, optimizer state and data; half
    the batch when the device's memory is unknown or nothing is left."""
    half = max(1, est.batch_size // 2)
    if limit is None:
        return half
    per_row = est.activations / max(1, est.batch_size * est.steps)
    room = limit - est.parameters - est.optimizer - est.data
    if per_row <= 0 or room <= 0:
        return half
    fits = int(room * 0.9 / (per_row * est.steps))
    if fits < 1:
        return 1
    size = 1 << (fits.bit_length() - 1)
    return min(size, max(1, est.batch_size - 1))  # smaller than what failed


def is_out_of_memory(error):
    """Whether `error` is the engine's out-of-memory error."""
    text = str(error)
    return "RESOURCE_EXHAUSTED" in text or "Out of memory" in text


def out_of_memory_error(error, est, limit=None):
    """The error to raise instead of `error`: its message, the estimate, and a
    batch size to try."""
    lines = [str(error).strip(), ""]
    if est is None:
        lines.append(
            "kerasish: the device ran out of memory. Try a smaller `batch_size`, "
            "or `steps_per_execution=1`."
        )
    else:
        size = suggested_batch_size(est, limit)
        lines.append(f"kerasish: the device ran out of memory. {format_estimate(est)}.")
        if limit is not None:
            lines.append(f"The device has {format_bytes(limit)}.")
        lines.append(
            f"Try `batch_size={size}` (now {est.batch_size})"
            + (", or `steps_per_execution=1`" if est.steps > 1 else "")
            + "."
        )
    message = "\n".join(lines)
    try:
        new = type(error)(message)
    except Exception:  # an exception type that does not take a message
        new = MemoryError(message)
    return new


# `evaluate` and `predict` over arrays merge the user's batches into calls of
# up to `MERGED_ROWS` rows (fewer calls, the same numbers), and of at most
# `MERGED_BYTES` of activations alive at once, or a sixteenth of the device's
# memory where that is less: a convnet on 224x224 images holds megabytes per
# row, and 8192 rows of it would not fit where Keras's batches of 32 do.
MERGED_ROWS = 8192
MERGED_BYTES = 1 << 30
# Rows the model is traced at to count its activations: a dimension that a
# weight is unlikely to have, so that values with it scale with the rows.
_PROBE_ROWS = 23


def activation_bytes_per_row(model, x):
    """Peak bytes of the values the model's inference holds at once, per input
    row (`Engine.peak_bytes`), or None where the engine builds no program or
    the model cannot run at another row count. Cached per input signature.

    Args:
        model: A built model.
        x: Host inputs as the compiled step receives them (any row count).
    """
    key = tuple((a.shape[1:], a.dtype) for a in get_engine().tree_leaves(x))
    cache = model.__dict__.setdefault("_activation_bytes", {})
    if key not in cache:
        cache[key] = _traced_bytes_per_row(model, x)
    return cache[key]


def _traced_bytes_per_row(model, x):
    from kerasish.trainers.step_compiler import spec_of

    engine = get_engine()
    probe = engine.tree_map(
        lambda a: engine.shape_dtype_struct(
            (_PROBE_ROWS, *np.shape(a)[1:]), spec_of(a).dtype
        ),
        x,
    )
    state = model._inference_state()
    try:
        peak = engine.peak_bytes(model._predict_rows, state, probe, dim=_PROBE_ROWS)
    except Exception:  # e.g. a model built for one fixed batch size
        return None
    return None if peak is None else peak / _PROBE_ROWS


def merged_batches(model, x, batch_size, limit=None):
    """How many batches of `batch_size` rows one merged inference call runs: a
    power of two, at most `MERGED_ROWS` rows and `MERGED_BYTES` (or a sixteenth
    of `limit`, by default the device's memory) of activations; at least one."""
    n = max(1, MERGED_ROWS // batch_size)
    per_row = activation_bytes_per_row(model, x)
    if per_row:
        limit = device_memory_limit() if limit is None else limit
        budget = MERGED_BYTES if limit is None else min(MERGED_BYTES, limit // 16)
        n = min(n, int(budget // (per_row * batch_size)))
    return 1 << (max(1, n).bit_length() - 1)
