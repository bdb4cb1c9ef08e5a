"""`kerasish.applications.vgg16`: VGG16, and the VGG builder VGG19 shares."""

from kerasish import layers
from kerasish.applications import _common, imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/"
# (with top, without top) md5 of Keras's published files.
WEIGHTS_HASHES = {
    "vgg16": ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
    "vgg19": ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"),
}


def VGG(
    convs_per_block,
    include_top,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes,
    classifier_activation,
    name,
    weights_name,
):
    """Five blocks of 3x3 'same' convolutions (64, 128, 256, 512, 512 filters),
    each followed by 2x2 max pooling; the top is two 4096-unit dense layers."""
    _common.check_weights(weights, include_top, classes)
    input_shape = _common.default_input_shape(
        input_shape, 224, 32, include_top, weights
    )
    img_input = _common.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(
        zip((64, 128, 256, 512, 512), convs_per_block), start=1
    ):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(
                filters,
                (3, 3),
                activation="relu",
                padding="same",
                name=f"block{block}_conv{conv}",
            )(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(
            x
        )
    else:
        x = _common.feature_pooling(x, pooling)

    def imagenet_file():
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        origin = f"{BASE_WEIGHTS_PATH}{weights_name}/{file_name}"
        return file_name, origin, WEIGHTS_HASHES[weights_name][0 if include_top else 1]

    inputs = _common.model_inputs(input_tensor, img_input)
    return _common.finish(inputs, x, name, weights, imagenet_file)


def VGG16(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg16",
):
    """Instantiates the VGG16 model (Simonyan & Zisserman, 2014).

    Args:
        include_top: Whether to include the 3 fully-connected layers on top.
        weights: `None` (random), `"imagenet"`, or the path of a weights file.
        input_tensor: Optional symbolic tensor to use as the image input.
        input_shape: Optional shape, only with `include_top=False` (otherwise
            `(224, 224, 3)`); at least 32x32 with 3 channels.
        pooling: With `include_top=False`: `None`, `"avg"` or `"max"`.
        classes: Number of classes (only without ImageNet weights).
        classifier_activation: Activation of the top layer (`None` for logits).
        name: The model's name.

    Returns:
        A `Model`; preprocess its inputs with `vgg16.preprocess_input`.
    """
    return VGG(
        (2, 2, 3, 3, 3),
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
        "vgg16",
    )


def preprocess_input(x, data_format=None):
    """ImageNet "caffe" preprocessing: RGB to BGR, minus the channel means."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """Decodes ImageNet predictions; see `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)


__all__ = ["VGG16", "decode_predictions", "preprocess_input"]
