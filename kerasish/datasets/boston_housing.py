"""Boston housing prices regression (Keras's `boston_housing.npz`)."""

import numpy as np

from kerasish.datasets import _common

_FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston housing dataset (13 features, price target).

    Args:
        path: File name in `~/.keras/datasets`.
        test_split: Fraction of samples kept for the test set, in `[0, 1)`.
        seed: Seed of the `np.random.RandomState` shuffle before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    _common.check_test_split(test_split)
    origin = f"{_common.ORIGIN_FOLDER}boston_housing.npz"
    path = _common.fetch(path, origin, _FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return _common.shuffle_split(x, y, test_split, seed)
