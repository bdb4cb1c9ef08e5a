"""`kerasish.applications.imagenet_utils`: ImageNet preprocessing and decoding."""

import json

import numpy as np

from kerasish import config, ops
from kerasish.utils import file_utils

CLASS_INDEX = None
CLASS_INDEX_PATH = (
    "https://storage.googleapis.com/download.tensorflow.org/"
    "data/imagenet_class_index.json"
)
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

# Per-channel statistics of ImageNet: BGR means for "caffe", RGB for "torch".
CAFFE_MEAN = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a batch of images (a numpy array or a tensor, values 0-255).

    Args:
        x: A float numpy array or tensor, 3D or 4D with 3 color channels. A numpy
            float array is modified in place.
        data_format: `"channels_first"`, `"channels_last"`, or `None` for
            `kerasish.config.image_data_format()`.
        mode: One of `"caffe"` (RGB to BGR, then minus the ImageNet channel means,
            no scaling), `"tf"` (`x / 127.5 - 1`) or `"torch"`
            (`(x / 255 - mean) / std` per channel). Defaults to `"caffe"`.

    Returns:
        The preprocessed array or tensor (float32 for integer input).

    Example:
    >>> preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")[0, 0, 0]
    array([1., 1., 1.])
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(
            "Expected mode to be one of `caffe`, `tf` or `torch`. "
            f"Received: mode={mode}"
        )
    if data_format is None:
        data_format = config.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Expected data_format to be one of `channels_first` or `channels_last`. "
            f"Received: data_format={data_format}"
        )
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_index(ndim, data_format, channel):
    if data_format == "channels_first":
        return (channel,) if ndim == 3 else (slice(None), channel)
    return (Ellipsis, channel)


def _preprocess_numpy(x, data_format, mode):
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = TORCH_MEAN, TORCH_STD
    else:
        # RGB -> BGR along the channel axis.
        flip = _channel_index(x.ndim, data_format, slice(None, None, -1))
        x = x[flip]
        mean, std = CAFFE_MEAN, None
    for c in range(3):
        index = _channel_index(x.ndim, data_format, c)
        x[index] -= mean[c]
        if std is not None:
            x[index] /= std[c]
    return x


def _preprocess_tensor(x, data_format, mode):
    ndim = len(x.shape)
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        x = x / 255.0
        mean, std = TORCH_MEAN, TORCH_STD
    else:
        axis = (0 if ndim == 3 else 1) if data_format == "channels_first" else -1
        x = ops.flip(x, axis=axis)
        mean, std = CAFFE_MEAN, None
    if data_format == "channels_first":
        shape = (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)
    else:
        shape = (1,) * (ndim - 1) + (3,)
    dtype = x.dtype
    x = x - ops.reshape(ops.convert_to_tensor(np.array(mean), dtype=dtype), shape)
    if std is not None:
        x = x / ops.reshape(ops.convert_to_tensor(np.array(std), dtype=dtype), shape)
    return x


def decode_predictions(preds, top=5):
    """Decodes the predictions of an ImageNet model.

    The class index (`imagenet_class_index.json`) is fetched once with
    `kerasish.utils.get_file` into `~/.keras/models/`, where Keras keeps it too.

    Args:
        preds: Array of shape `(samples, 1000)`.
        top: How many top guesses to return per sample. Defaults to `5`.

    Returns:
        One list per sample of `(class_name, class_description, score)` tuples,
        best first.
    """
    global CLASS_INDEX
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array "
            f"of shape (samples, 1000)). Received array with shape: {preds.shape}"
        )
    if CLASS_INDEX is None:
        path = file_utils.get_file(
            "imagenet_class_index.json",
            CLASS_INDEX_PATH,
            cache_subdir="models",
            file_hash=CLASS_INDEX_HASH,
        )
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    preds = ops.convert_to_numpy(preds)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda entry: entry[2], reverse=True)
        results.append(result)
    return results


__all__ = ["decode_predictions", "preprocess_input"]
