"""California housing prices regression (Keras's `california_housing.npz`)."""

import numpy as np

from kerasish.datasets import _common

_FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads the California housing dataset (8 features, median house value).

    Args:
        version: `"large"` (20,640 samples) or `"small"` (the first 600).
        path: File name in `~/.keras/datasets`.
        test_split: Fraction of samples kept for the test set, in `[0, 1)`.
        seed: Seed of the `np.random.RandomState` shuffle before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    _common.check_test_split(test_split)
    origin = f"{_common.ORIGIN_FOLDER}california_housing.npz"
    path = _common.fetch(path, origin, _FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(
            "Argument `version` must be one of 'small', 'large'. "
            f"Received: version={version}"
        )
    return _common.shuffle_split(x, y, test_split, seed)
