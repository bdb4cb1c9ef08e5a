"""CIFAR-10 (Keras's extracted `cifar-10-batches-py` python pickles)."""

import os

import numpy as np

from kerasish import config
from kerasish.datasets import _common
from kerasish.utils.file_utils import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Loads CIFAR-10: 50,000 train and 10,000 test 32x32 colour images.

    The batches are pickles; they are read with an unpickler that rebuilds only
    numpy arrays and builtin values.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape
        `(n, 32, 32, 3)` (channels_last) or `(n, 3, 32, 32)`, labels `(n, 1)`.
    """
    path = get_file(
        fname="cifar-10-batches-py-target",
        origin=_ORIGIN,
        extract=True,
        file_hash=_FILE_HASH,
    )
    path = os.path.join(path, "cifar-10-batches-py")
    xs, ys = [], []
    for i in range(1, 6):
        x, y = _common.read_cifar_batch(os.path.join(path, f"data_batch_{i}"))
        xs.append(x.astype("uint8"))
        ys.append(np.asarray(y, dtype="uint8"))
    x_train, y_train = np.concatenate(xs), np.concatenate(ys)
    x_test, y_test = _common.read_cifar_batch(os.path.join(path, "test_batch"))
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(y_train.dtype)
    x_test = x_test.astype(x_train.dtype)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
