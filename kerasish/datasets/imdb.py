"""IMDB movie-review sentiment (Keras's `imdb.npz` of word-index lists)."""

import json
import warnings

import numpy as np

from kerasish.datasets import _common

_FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    **kwargs,
):
    """Loads IMDB reviews as lists of word indices (25,000 train, 25,000 test).

    Word `i` of the index (by frequency, 1-based) is encoded `i + index_from`.

    Args:
        path: File name in `~/.keras/datasets`.
        num_words: Keep indices below this; others become `oov_char`.
        skip_top: Indices below this become `oov_char` too.
        maxlen: Drop sequences of `maxlen` words or more.
        seed: Seed of the `np.random.RandomState` shuffles.
        start_char: Index prepended to each sequence (`None`: none).
        oov_char: Replacement for dropped words (`None`: remove them).
        index_from: Offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of int lists and
        integer labels.
    """
    if kwargs:
        # Keras accepts and ignores extra keywords (old `nb_words` code).
        warnings.warn(f"imdb.load_data: ignoring arguments {sorted(kwargs)}.")
    path = _common.fetch(path, f"{_common.ORIGIN_FOLDER}imdb.npz", _FILE_HASH)
    f = _common.load_npz(path)
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    x_train = _common.index_words(x_train, start_char, index_from)
    x_test = _common.index_words(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _common.remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = _common.remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no "
                "sequence was kept. Increase maxlen."
            )
    xs = _common.clip_words(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return (
        (_object_array(xs[:idx]), labels[:idx]),
        (_object_array(xs[idx:]), labels[idx:]),
    )


def _object_array(lists):
    out = np.empty(len(lists), dtype="object")
    out[:] = lists
    return out


def get_word_index(path="imdb_word_index.json"):
    """The word -> index dictionary of the IMDB dataset (before `index_from`)."""
    origin = f"{_common.ORIGIN_FOLDER}imdb_word_index.json"
    path = _common.fetch(path, origin, _INDEX_HASH)
    with open(path) as f:
        return json.load(f)
