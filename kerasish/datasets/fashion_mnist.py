"""Fashion-MNIST (gzipped idx files in `~/.keras/datasets/fashion-mnist`)."""

import gzip
import os

import numpy as np

from kerasish.utils.file_utils import get_file

_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILES = [
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
]


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """Loads Fashion-MNIST: 60,000 train and 10,000 test 28x28 uint8 images.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`.
    """
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(f, origin=_BASE + f, cache_subdir=dirname) for f in _FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
