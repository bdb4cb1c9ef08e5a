"""MNIST handwritten digits (Keras's `mnist.npz`)."""

import numpy as np

from kerasish.datasets import _common

_FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Loads MNIST: 60,000 train and 10,000 test 28x28 uint8 digit images.

    Reads `~/.keras/datasets/mnist.npz` (Keras's cache), downloading it first
    when absent.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`.
    """
    path = _common.fetch(path, f"{_common.ORIGIN_FOLDER}mnist.npz", _FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
