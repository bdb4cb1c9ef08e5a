"""Directory indexing for the `*_dataset_from_directory` utilities, and
`split_dataset`. The datasets they return are `data_pipeline.Dataset`s.
"""

import os
import random
from multiprocessing.pool import ThreadPool

import numpy as np

from kerasish.common import tree
from kerasish.utils.data_pipeline import Dataset, _index, _Pipeline, _stack


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be between 0 and 1, received: {validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            "If `subset` is set, `validation_split` must be set, and inversely."
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            '`subset` must be either "training", "validation" or "both", '
            f"received: {subset}"
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a "
            "`seed` argument, to make sure that there is no overlap between the "
            "training and validation subset."
        )


def check_labels_args(labels, label_mode, class_names):
    if labels not in ("inferred", None):
        if not isinstance(labels, list | tuple):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the "
                "same size as the number of files in the target directory, "
                '"inferred" or None. Received: labels=' + repr(labels)
            )
        if class_names:
            raise ValueError(
                'You can only pass `class_names` if `labels="inferred"`. '
                f"Received: labels={labels}, and class_names={class_names}"
            )
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", '
            f"or None. Received: label_mode={label_mode}"
        )


def _iter_valid_files(directory, follow_links, formats):
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def _index_subdirectory(directory, class_indices, follow_links, formats):
    dirname = os.path.basename(directory)
    labels, filenames = [], []
    for root, fname in _iter_valid_files(directory, follow_links, formats):
        labels.append(class_indices[dirname])
        relative = os.path.relpath(os.path.join(root, fname), directory)
        filenames.append(os.path.join(dirname, relative))
    return filenames, labels


def index_directory(
    directory,
    labels,
    formats,
    class_names=None,
    shuffle=True,
    seed=None,
    follow_links=False,
    verbose=True,
):
    """Lists the files under `directory` with their labels, as Keras orders them.

    Returns:
        `(file_paths, labels, class_names)`.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"Directory not found or not a directory: {directory!r}.")
    if labels == "inferred":
        subdirs = [
            s
            for s in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, s)) and not s.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the "
                    f"subdirectories of the target directory. Expected: {subdirs} "
                    f"(or a subset of it), but received: class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError(
                    "When `labels=None` (no labels), argument `class_names` cannot "
                    "be specified."
                )
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` cannot "
                "be specified (the `class_names` will be the sorted list of labels)."
            )
    class_names = subdirs
    class_indices = dict(zip(class_names, range(len(class_names))))
    # Keras indexes the sub-directories on a thread pool; order is by class.
    with ThreadPool() as pool:
        results = [
            pool.apply_async(
                _index_subdirectory,
                (os.path.join(directory, s), class_indices, follow_links, formats),
            )
            for s in subdirs
        ]
        parts = [r.get() for r in results]
    filenames = [f for names, _ in parts for f in names]
    if labels == "inferred":
        labels = np.array([lab for _, labs in parts for lab in labs], dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in "
                f"the target directory. len(labels) is {len(labels)} while we found "
                f"{len(filenames)} files in directory {directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(
                f"Found {len(filenames)} files belonging to {len(class_names)} classes."
            )
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The tail `validation_split` fraction is the validation subset."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        samples = samples[:-num_val]
        if labels is not None:
            labels = labels[:-num_val]
    elif subset == "validation":
        print(f"Using {num_val} files for validation.")
        samples = samples[-num_val:]
        if labels is not None:
            labels = labels[-num_val:]
    else:
        raise ValueError(
            f'`subset` must be either "training" or "validation", received: {subset}'
        )
    return samples, labels


def encode_labels(labels, label_mode, num_classes):
    """int -> int32; binary -> float32 (n, 1); categorical -> float32 one-hot."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels.astype("int64")]
    return labels.astype("int32")


def files_dataset(
    paths,
    labels,
    label_mode,
    num_classes,
    load_batch,
    batch_size,
    shuffle,
    seed,
    class_names,
    file_paths_attr=True,
):
    """A `Dataset` over files: `load_batch(paths) -> array`, plus labels."""
    paths = list(paths)
    encoded = (
        None if label_mode is None else encode_labels(labels, label_mode, num_classes)
    )

    def load(ids):
        x = load_batch([paths[i] for i in ids])
        if encoded is None:
            return x
        return x, encoded[np.asarray(ids, dtype="int64")]

    # Keras shuffles the files with `shuffle(buffer_size=1024, seed=seed)`.
    ds = Dataset(
        len(paths),
        load,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        shuffle_buffer_size=1024,
    )
    ds.class_names = class_names
    if file_paths_attr:
        ds.file_paths = paths
    return ds


def make_directory_datasets(
    directory,
    labels,
    label_mode,
    class_names,
    batch_size,
    shuffle,
    seed,
    validation_split,
    subset,
    follow_links,
    verbose,
    formats,
    what,
    load_batch,
    file_paths_attr=True,
):
    """Shared body of the `*_dataset_from_directory` functions."""
    check_labels_args(labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory,
        labels,
        formats=formats,
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 '
            f"class_names. Received: class_names={class_names}"
        )
    num_classes = len(class_names) if class_names else 0

    def build(subset_name, subset_shuffle):
        sub_paths, sub_labels = get_training_or_validation_split(
            paths, labels, validation_split, subset_name
        )
        if not sub_paths:
            kind = {"training": "training ", "validation": "validation "}.get(
                subset_name if subset == "both" else "", ""
            )
            raise ValueError(
                f"No {kind}{what} found in directory {directory}. Allowed "
                f"formats: {formats}"
            )
        return files_dataset(
            sub_paths,
            sub_labels,
            label_mode,
            num_classes,
            load_batch,
            batch_size,
            subset_shuffle,
            seed,
            class_names,
            file_paths_attr,
        )

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)


# --- split_dataset --------------------------------------------------------------


def _rescale_split_sizes(left_size, right_size, total_length):
    left_type, right_type = type(left_size), type(right_size)
    for size, side in [(left_size, "left"), (right_size, "right")]:
        if size is not None and type(size) not in (int, float):
            raise TypeError(
                f"Invalid `{side}_size` Type. Expected: int or float or None, "
                f"Received: type({side}_size)={type(size)}."
            )
    if left_size is None and right_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. "
            "Received: left_size=None and right_size=None"
        )
    if left_size == 0 and right_size == 0:
        raise ValueError(
            "Both `left_size` and `right_size` are zero. At least one of the split "
            "sizes must be non-zero."
        )
    for size, kind, side in [
        (left_size, left_type, "left"),
        (right_size, right_type, "right"),
    ]:
        if (kind is int and (size <= 0 or size >= total_length)) or (
            kind is float and (size <= 0 or size >= 1)
        ):
            raise ValueError(
                f"`{side}_size` should be either a positive integer smaller than "
                f"{total_length}, or a float within the range `[0, 1]`. Received: "
                f"{side}_size={size}"
            )
    if right_type is left_type is float and right_size + left_size > 1:
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. It must be "
            "less than or equal to 1."
        )
    if left_type is float:
        left_size = round(left_size * total_length)
    if right_type is float:
        right_size = round(right_size * total_length)
    if left_size is None:
        left_size = total_length - right_size
    elif right_size is None:
        right_size = total_length - left_size
    if left_size + right_size > total_length:
        raise ValueError(
            "The sum of `left_size` and `right_size` should be smaller than the "
            f"{total_length}. Received: left_size + right_size = "
            f"{left_size + right_size} and total_length = {total_length}"
        )
    for split, side in [(left_size, "left"), (right_size, "right")]:
        if split == 0:
            raise ValueError(
                f"With `dataset` of length={total_length}, `left_size`={left_size} "
                f"and `right_size`={right_size}. Resulting {side} side dataset split "
                "will be empty. Adjust any of the aforementioned parameters"
            )
    return int(left_size), int(right_size)


def _to_sample_list(dataset):
    """Per-sample elements of arrays, tuples/lists/dicts of arrays, or datasets."""
    if isinstance(dataset, _Pipeline):
        # A batched dataset is split by samples and batched again, as Keras.
        batch_size = dataset._batch_size
        return list(dataset.unbatch() if batch_size else dataset), batch_size
    if isinstance(dataset, np.ndarray) or hasattr(dataset, "__array__"):
        array = np.asarray(dataset)
        return [array[i] for i in range(len(array))], None
    if isinstance(dataset, list | tuple | dict):
        leaves = [np.asarray(a) for a in tree.flatten(dataset)]
        if not leaves:
            raise ValueError("`split_dataset` received an empty structure.")
        lengths = {len(a) for a in leaves}
        if len(lengths) != 1:
            raise ValueError(
                "`split_dataset`: all arrays must have the same length (first "
                f"axis); received lengths {sorted(lengths)}."
            )
        structure = dataset if isinstance(dataset, dict) else tuple(dataset)
        arrays = tree.pack_sequence_as(structure, leaves)
        return [_index(arrays, i) for i in range(lengths.pop())], None
    if hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__"):
        return [dataset[i] for i in range(len(dataset))], None
    raise TypeError(
        "The `dataset` argument must be a kerasish Dataset, a tf.data Dataset, a "
        "numpy array, or a "
        f"list/tuple of arrays. Received: dataset={dataset!r} of type "
        f"{type(dataset)}"
    )


def _from_samples(samples, batch_size):
    stacked = _stack(samples)
    load = lambda ids: _index(stacked, np.asarray(ids))  # noqa: E731
    return Dataset(len(samples), load, batch_size)


def split_dataset(
    dataset,
    left_size=None,
    right_size=None,
    shuffle=False,
    seed=None,
    preferred_backend=None,
):
    """Splits a dataset into a left and a right part (e.g. train / test).

    Args:
        dataset: A kerasish `Dataset`, a `tf.data.Dataset` (split into two
            tf.data datasets, as Keras does), a numpy array, or a list/tuple
            (or dict) of arrays of the same length.
        left_size: Float in `(0, 1)`: the fraction of samples on the left; int:
            their number; `None`: the complement of `right_size`.
        right_size: As `left_size`, for the right part.
        shuffle: Shuffle (Python's `random` with `seed`, as Keras) before
            splitting.
        seed: Seed of that shuffle.
        preferred_backend: Accepted for Keras compatibility; ignored.

    Returns:
        `(left, right)` datasets of samples, batched like `dataset` if it was.
    """
    tf_data = _is_tf_dataset(dataset)
    if tf_data:
        samples, batch_size = _tf_samples(dataset)
    else:
        samples, batch_size = _to_sample_list(dataset)
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(samples)
    left_size, right_size = _rescale_split_sizes(left_size, right_size, len(samples))
    parts = samples[:left_size], samples[-right_size:]
    if tf_data:
        return tuple(_tf_from_samples(dataset, part, batch_size) for part in parts)
    return tuple(_from_samples(part, batch_size) for part in parts)


def _is_tf_dataset(dataset):
    return type(dataset).__module__.startswith("tensorflow") and hasattr(
        dataset, "as_numpy_iterator"
    )


def _tf_samples(dataset):
    """A tf.data dataset's samples as numpy (a batched one unbatched, as
    Keras splits it), and its batch size."""
    batch_size = getattr(dataset, "_batch_size", None)
    if batch_size is not None:
        batch_size = int(batch_size)
        dataset = dataset.unbatch()
    return list(dataset.as_numpy_iterator()), batch_size


def _tf_from_samples(like, samples, batch_size):
    """A tf.data dataset of `samples` (batched again if `like` was), as
    Keras's `split_dataset` returns for a tf.data input."""
    import tensorflow as tf  # the user's own: their dataset is one

    part = tf.data.Dataset.from_tensor_slices(_stack(samples))
    return part.batch(batch_size) if batch_size is not None else part
