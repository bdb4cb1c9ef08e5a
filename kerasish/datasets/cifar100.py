"""CIFAR-100 (Keras's extracted `cifar-100-python` python pickles)."""

import os

import numpy as np

from kerasish import config
from kerasish.datasets import _common
from kerasish.utils.file_utils import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Loads CIFAR-100: 50,000 train and 10,000 test 32x32 colour images.

    Args:
        label_mode: `"fine"` (100 classes) or `"coarse"` (20 super-classes).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape
        `(n, 32, 32, 3)` (channels_last) or `(n, 3, 32, 32)`, labels `(n, 1)`.
    """
    if label_mode not in ["fine", "coarse"]:
        raise ValueError(
            '`label_mode` must be one of `"fine"`, `"coarse"`. '
            f"Received: label_mode={label_mode}."
        )
    path = get_file(
        fname="cifar-100-python-target",
        origin=_ORIGIN,
        extract=True,
        file_hash=_FILE_HASH,
    )
    path = os.path.join(path, "cifar-100-python")
    key = f"{label_mode}_labels"
    x_train, y_train = _common.read_cifar_batch(os.path.join(path, "train"), key)
    x_test, y_test = _common.read_cifar_batch(os.path.join(path, "test"), key)
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
