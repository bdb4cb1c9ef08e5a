"""`timeseries_dataset_from_array`: sliding windows over an array, batched."""

import numpy as np

from kerasish.utils.data_pipeline import Dataset


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length,
    sequence_stride=1,
    sampling_rate=1,
    batch_size=128,
    shuffle=False,
    seed=None,
    start_index=None,
    end_index=None,
    format="tf",
):
    """Windows over `data[start_index:end_index]`, with optional targets.

    Window `i` starts at `p_i = i * sequence_stride` (relative to
    `start_index`) and holds `data[start_index + p_i + k * sampling_rate]` for
    `k < sequence_length`; its target is `targets[start_index + p_i]`. The
    number of windows is `end - start - (sequence_length - 1) * sampling_rate`
    positions (capped by `len(targets)`), stepped by `sequence_stride`.

    Args:
        data: Array (or array-like) whose first axis is time.
        targets: Array aligned with `data`, or `None`.
        sequence_length: Time steps per window.
        sequence_stride: Offset between consecutive windows.
        sampling_rate: Step between time steps within a window.
        batch_size: Windows per batch, or `None` for single windows.
        shuffle: Shuffle the windows (numpy `RandomState(seed)`, as Keras) and
            reshuffle after each epoch.
        seed: Shuffle seed.
        start_index, end_index: Restrict the data to `[start_index, end_index)`.
        format: Accepted for Keras compatibility (`"tf"` or `"grain"`).

    Returns:
        A `Dataset` of `(windows, targets)` batches, or windows alone.
    """
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(
                "`start_index` must be 0 or greater. Received: "
                f"start_index={start_index}"
            )
        if start_index >= n:
            raise ValueError(
                "`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {n}"
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index} "
            )
        if end_index >= n:
            raise ValueError(
                "`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {n}"
            )
        if end_index <= 0:
            raise ValueError(
                f"`end_index` must be higher than 0. Received: end_index={end_index}"
            )
    steps = [(sampling_rate, "sampling_rate"), (sequence_stride, "sequence_stride")]
    for value, name in steps:
        if value <= 0:
            raise ValueError(
                f"`{name}` must be higher than 0. Received: {name}={value}"
            )
        if value >= n:
            raise ValueError(
                f"`{name}` must be lower than the length of the data. Received: "
                f"{name}={value}, for data of length {n}"
            )
    if format not in ("tf", "grain"):
        raise ValueError(
            f'`format` should be either "tf" or "grain". Received: format={format}'
        )
    start = start_index or 0
    end = n if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    window = np.arange(sequence_length, dtype="int64") * sampling_rate
    values = np.asarray(data)[start:end]
    target_values = None if targets is None else np.asarray(targets)[start:end]

    def load(ids):
        positions = starts[np.asarray(ids, dtype="int64")]
        x = values[positions[:, None] + window[None, :]]
        if target_values is None:
            return x
        return x, target_values[positions]

    return Dataset(len(starts), load, batch_size=batch_size, shuffle=shuffle, seed=seed)
