"""Reuters newswire topics (Keras's `reuters.npz` of word-index lists)."""

import json

import numpy as np

from kerasish.datasets import _common
from kerasish.datasets.imdb import _object_array

_FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
    "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc",
    "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Loads the Reuters newswire classification dataset (46 topics).

    Args: as `kerasish.datasets.imdb.load_data`, plus `test_split`, the fraction
    of the shuffled samples kept for the test set.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of int lists and
        integer topic labels.
    """
    path = _common.fetch(path, f"{_common.ORIGIN_FOLDER}reuters.npz", _FILE_HASH)
    f = _common.load_npz(path)
    xs, labels = f["x"], f["y"]
    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    if start_char is not None or index_from:
        xs = _common.index_words(xs, start_char, index_from)
    if maxlen:
        xs, labels = _common.remove_long_seq(maxlen, xs, labels)
    xs = _common.clip_words(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return (
        (_object_array(xs[:idx]), np.array(labels[:idx])),
        (_object_array(xs[idx:]), np.array(labels[idx:])),
    )


def get_word_index(path="reuters_word_index.json"):
    """The word -> index dictionary of the Reuters dataset (before `index_from`)."""
    origin = f"{_common.ORIGIN_FOLDER}reuters_word_index.json"
    path = _common.fetch(path, origin, _INDEX_HASH)
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed by label."""
    return _LABEL_NAMES
