"""Host memory bounded by the data: big arrays stream to the device in chunks.

Array data up to the device budget (`config.set_device_data_budget`) is put on
the device once; each epoch puts a copy of its rows in the epoch's order there
(shuffled data), and each step slices its batch from it. Larger data stays where
the user's arrays are: each call gathers only the rows its steps need on the host
(`np.take` over the epoch's index vector), so the extra host memory is a few
batches, never a padded copy of the whole data set. On CPU the device is host
memory, so the automatic budget there is small.
"""

import numpy as np

from kerasish import config
from kerasish.common import tree
from kerasish.engine import get_engine

_CPU_BUDGET = 16 << 20
_ACCELERATOR_BUDGET = 1 << 30


def device_budget():
    """The budget in bytes: the configured one, or automatic per platform."""
    budget = config.device_data_budget()
    if budget >= 0:
        return budget
    devices = get_engine().devices()
    platform = getattr(devices[0], "platform", "cpu") if devices else "cpu"
    return _CPU_BUDGET if platform == "cpu" else _ACCELERATOR_BUDGET


def should_stream(data):
    """True for numpy data larger than the device budget, and for every process's
    own rows under a many-process distribution (they meet only as a batch)."""
    from kerasish.trainers import distributed

    if distributed.many_processes():
        return True
    leaves = [
        a for a in tree.flatten((data.x, data.y, data.sample_weight)) if a is not None
    ]
    if not all(isinstance(a, np.ndarray) for a in leaves):
        return False  # already on a device (jax arrays), or host-only objects
    return sum(a.nbytes for a in leaves) > device_budget()


def host_chunk(data, indices, mask, start, n, rows, host_fn):
    """`n` batches of `rows` rows from epoch position `start`, stacked on the host.

    Returns `(x, y, sample_weight, mask)`, each of shape `(n, rows, ...)`.
    """
    idx = indices[start : start + n * rows]
    if len(idx) < n * rows:  # a last chunk past the end: point at row 0, masked
        idx = np.concatenate([idx, np.zeros(n * rows - len(idx), idx.dtype)])
    m = np.asarray(mask[start : start + n * rows], dtype="float32")
    m = np.concatenate([m, np.zeros(n * rows - len(m), "float32")]).reshape(n, rows)

    def take(a):
        if a is None:
            return None
        return np.take(a, idx, axis=0)

    def stack(a):
        return None if a is None else a.reshape((n, rows) + a.shape[1:])

    x = host_fn(tree.map_structure(take, data.x))
    x = tree.map_structure(stack, x)
    y = None if data.y is None else [stack(take(a)) for a in data.y]
    sw = (
        None
        if data.sample_weight is None
        else [stack(take(a)) for a in data.sample_weight]
    )
    return x, y, sw, m
