"""What every application builder shares: argument checks, the input tensor, the
classifier head, the finished model, and loading weights (Keras 3's `.weights.h5`
or the legacy Keras 2 `.h5` layout of Keras's published application weights).
"""

import math
import os
import warnings

import numpy as np

from kerasish import activations, config, layers
from kerasish.backend.common import is_keras_tensor
from kerasish.common.graph_utils import get_source_inputs
from kerasish.models.functional import Functional
from kerasish.utils import file_utils

WEIGHTS_ARGUMENT_ERROR = (
    "The `weights` argument should be either `None` (random initialization), "
    "'imagenet' (pre-training on ImageNet), or the path to the weights file to be "
    "loaded.  Received: weights={weights}"
)


def channels_last():
    return config.image_data_format() == "channels_last"


def bn_axis():
    """The channel axis of a 4D image batch (3 or 1)."""
    return 3 if channels_last() else 1


def channel_axis():
    """The channel axis as Keras's mobile families write it (-1 or 1)."""
    return -1 if channels_last() else 1


def check_weights(weights, include_top, classes):
    """Keras's first two checks in every application builder."""
    if not (
        weights in {"imagenet", None}
        or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))
    ):
        raise ValueError(WEIGHTS_ARGUMENT_ERROR.format(weights=weights))
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` "
            f"should be 1000.  Received classes={classes}"
        )


def check_channels_last(family):
    if not channels_last():
        raise ValueError(
            f"{family} does not support the `channels_first` image data format. "
            "Switch to `channels_last` by editing your local config file at "
            "~/.keras/keras.json"
        )


def image_input(input_tensor, input_shape):
    """The model's input tensor: a new `Input`, or the user's `input_tensor`."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def model_inputs(input_tensor, img_input):
    if input_tensor is not None:
        return get_source_inputs(input_tensor)
    return img_input


def feature_pooling(x, pooling, avg_name=None, max_name=None):
    """`pooling="avg"`/`"max"` for `include_top=False` (anything else: no pooling)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def validate_activation(classifier_activation, weights):
    """Pretrained weights allow only a `None` or `"softmax"` classifier."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the "
            "`classifier_activation` argument when using pretrained weights, with "
            f"`include_top=True`; Received: classifier_activation={activation}"
        )


def obtain_input_shape(
    input_shape, default_size, min_size, data_format, require_flatten, weights=None
):
    """Validates `input_shape` (or makes the default one), as Keras does."""
    first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(
                "This model usually expects 1 or 3 input channels. However, it was "
                f"passed an input_shape with {channels} input channels.",
                stacklevel=2,
            )
        if first:
            default_shape = (input_shape[0], default_size, default_size)
        else:
            default_shape = (default_size, default_size, input_shape[-1])
    else:
        default_shape = (3, default_size, default_size)
        if not first:
            default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, "
                f"`input_shape` should be {default_shape}.  "
                f"Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels = input_shape[0] if first else input_shape[-1]
        if channels != 3 and weights == "imagenet":
            raise ValueError(
                f"The input must have 3 channels; Received `input_shape={input_shape}`"
            )
        rows, cols = input_shape[1:] if first else input_shape[:2]
        if (rows is not None and rows < min_size) or (
            cols is not None and cols < min_size
        ):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; Received: "
                f"input_shape={input_shape}"
            )
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}"
        )
    return input_shape


def default_input_shape(input_shape, default_size, min_size, include_top, weights):
    return obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=min_size,
        data_format=config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )


def correct_pad(inputs, kernel_size):
    """Zero padding `((top, bottom), (left, right))` for a strided 'valid' conv
    that centres its kernel as TensorFlow's 'same' padding does."""
    start = 2 if config.image_data_format() == "channels_first" else 1
    size = inputs.shape[start : start + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def make_divisible(value, divisor=8, min_value=None):
    """Rounds `value` to a multiple of `divisor`, losing at most 10%."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def fetch_weights(file_name, origin, file_hash=None):
    """The published weights file, from the cache (`~/.keras/models`) or `origin`."""
    return file_utils.get_file(
        file_name, origin, cache_subdir="models", file_hash=file_hash
    )


def finish(inputs, outputs, name, weights, imagenet_file=None):
    """Builds the `Functional` model and loads its weights.

    Args:
        imagenet_file: For `weights="imagenet"`, `(file_name, origin, file_hash)`
            or a callable returning it (or `None` when no weights are published).
    """
    model = Functional(inputs, outputs, name=name)
    if weights == "imagenet":
        if callable(imagenet_file):
            imagenet_file = imagenet_file()
        if imagenet_file is not None:
            load_weights(model, fetch_weights(*imagenet_file))
    elif weights is not None:
        load_weights(model, weights)
    return model


# -- weights files ---------------------------------------------------------------


def load_weights(model, filepath):
    """Loads `filepath` into `model` as Keras 3's `model.load_weights` does.

    A `.h5`/`.hdf5` file that is not a `.weights.h5` file is Keras 2's layout (the
    published application weights): its layers are matched to the model's layers
    that own weights, in order. Everything else goes to `model.load_weights`.
    """
    path = os.fspath(filepath)
    if path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5"):
        from kerasish.saving import h5_io

        reader = h5_io.H5Reader(path, repr(path))
        try:
            group = reader.file
            if "layer_names" not in group.attrs and "model_weights" in group:
                group = group["model_weights"]
            if "layer_names" in group.attrs:
                _load_legacy_h5(model, group, reader)
                return
        finally:
            reader.close()
    model.load_weights(path)


def _names(attrs, key):
    # Keras 2 splits long name lists into `key0`, `key1`, ... attributes.
    if key in attrs:
        values = list(attrs[key])
    else:
        values, chunk = [], 0
        while f"{key}{chunk}" in attrs:
            values.extend(attrs[f"{key}{chunk}"])
            chunk += 1
    return [v.decode("utf8") if hasattr(v, "decode") else str(v) for v in values]


def _layer_variables(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _load_legacy_h5(model, group, reader):
    targets = [layer for layer in model.layers if _layer_variables(layer)]
    saved = []
    for layer_name in _names(group.attrs, "layer_names"):
        layer_group = group[layer_name]
        weight_names = _names(layer_group.attrs, "weight_names")
        if weight_names:
            saved.append((layer_name, layer_group, weight_names))
    if len(saved) != len(targets):
        raise ValueError(
            "Layer count mismatch when loading weights from file. Model expected "
            f"{len(targets)} layers, found {len(saved)} saved layers."
        )
    pending = []
    for k, ((saved_name, layer_group, weight_names), layer) in enumerate(
        zip(saved, targets)
    ):
        variables = _layer_variables(layer)
        values = [reader.read(layer_group[n]) for n in weight_names]
        if len(values) != len(variables):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the "
                f"current model, {saved_name} in the save file). Layer expects "
                f"{len(variables)} weight(s). Received {len(values)} saved weight(s)"
            )
        for variable, value in zip(variables, values):
            if tuple(variable.shape) != tuple(value.shape):
                raise ValueError(
                    f"Shape mismatch in layer #{k} (named {layer.name}) for weight "
                    f"{variable.path}. Weight expects shape {tuple(variable.shape)}. "
                    f"Received saved weight with shape {tuple(value.shape)}"
                )
            pending.append((variable, value))
    for variable, value in pending:
        variable.assign(np.asarray(value))


def isqrt_list(values):
    return [1.0 / math.sqrt(v) for v in values]
