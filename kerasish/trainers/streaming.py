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
    """True for numpy data larger than the device budget, for data whose rows are
    each read once (`data.read_once`: merged evaluation batches, a one-batch
    evaluation, `train_on_batch`; placing the whole data first would be a copy
    for nothing), and for every process's own rows under a many-process
    distribution (they meet only as a batch)."""
    from kerasish.trainers import distributed

    if distributed.many_processes():
        return True
    leaves = [
        a for a in tree.flatten((data.x, data.y, data.sample_weight)) if a is not None
    ]
    if not all(isinstance(a, np.ndarray) for a in leaves):
        return False  # already on a device (jax arrays), or host-only objects
    if getattr(data, "read_once", False):
        return True
    return sum(a.nbytes for a in leaves) > device_budget()


def host_chunk(data, indices, mask, start, n, rows, host_fn):
    """`n` batches of `rows` rows from epoch position `start`, stacked on the host.

    Returns `(x, y, sample_weight, mask)`, each of shape `(n, rows, ...)`.
    `indices=None` reads the rows in the data's own order: slices, not copies,
    where no padding is needed.
    """
    total = n * rows
    m = np.asarray(mask[start : start + total], dtype="float32")
    if len(m) < total:
        m = np.concatenate([m, np.zeros(total - len(m), "float32")])
    m = m.reshape(n, rows)
    if indices is None:

        def take(a):
            if a is None:
                return None
            part = a[start : start + total]
            if len(part) == total:
                return part
            # Past the end: row 0 again, masked out (a real row: no NaN to mask).
            filler = np.repeat(np.asarray(a[:1]), total - len(part), axis=0)
            return np.concatenate([np.asarray(part), filler])

    else:
        idx = indices[start : start + total]
        if len(idx) < total:  # a last chunk past the end: point at row 0, masked
            idx = np.concatenate([idx, np.zeros(total - len(idx), idx.dtype)])

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
