"""`text_dataset_from_directory`: labelled text batches from class folders."""

import numpy as np

from kerasish.utils import dataset_utils


def _read_text(path, max_length):
    with open(path, "rb") as f:
        data = f.read()
    if max_length is not None:
        data = data[:max_length]  # bytes, as tf.strings.substr
    return data


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    format="tf",
    verbose=True,
):
    """Batches of texts and labels from a directory.

    With `labels="inferred"`, each sub-directory holds the `.txt` files of one
    class. Arguments as `image_dataset_from_directory`, plus `max_length`, the
    maximum number of bytes kept from each file. A batch of texts is a numpy
    array of dtype object holding each file's raw `bytes`, as `np.asarray`
    makes of Keras's `tf.string` batch: `texts[0].decode()` gives a `str`.
    `TextVectorization` and `StringLookup` take such arrays (UTF-8).

    Returns:
        A `Dataset` of `(texts, labels)` batches (or texts alone) with a
        `class_names` attribute, or a list of two for `subset="both"`.
    """
    if format not in ("tf", "grain"):
        raise ValueError(
            f'`format` should be either "tf" or "grain". Received: format={format}'
        )

    def load_batch(paths):
        texts = np.empty(len(paths), dtype=object)
        texts[:] = [_read_text(p, max_length) for p in paths]
        return texts

    return dataset_utils.make_directory_datasets(
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
        (".txt",),
        "text files",
        load_batch,
        file_paths_attr=False,
    )
