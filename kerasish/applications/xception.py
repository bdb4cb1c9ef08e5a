"""`kerasish.applications.xception`: Xception (Chollet, 2017)."""

from kerasish import layers
from kerasish.applications import _common, imagenet_utils

BASE_WEIGHTS_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
)
WEIGHTS_HASHES = (
    "0a58e3b7378bc2990ea3b43d5981f1f6",
    "b0042744bf5b25fce3cb969f33bebb97",
)


def _sepconv_bn(x, filters, name, axis):
    x = layers.SeparableConv2D(
        filters, (3, 3), padding="same", use_bias=False, name=name
    )(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _downsample_block(x, block, filters, axis, first_relu=True):
    """Two separable convs and a strided max pool, plus a strided 1x1 shortcut."""
    residual = layers.Conv2D(
        filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False
    )(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D(
        (3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool"
    )(x)
    return layers.add([x, residual])


def Xception(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="xception",
):
    """Instantiates the Xception architecture (299x299 by default, at least 71).

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: As `ResNet50`.

    Returns:
        A `Model`; preprocess inputs with `xception.preprocess_input`.
    """
    _common.check_weights(weights, include_top, classes)
    input_shape = _common.default_input_shape(
        input_shape, 299, 71, include_top, weights
    )
    img_input = _common.image_input(input_tensor, input_shape)
    axis = _common.channel_axis()

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(
        img_input
    )
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    # Keras names block 2's second activation `block2_sepconv2_act` and has no
    # activation before its first separable conv.
    x = _downsample_block(x, 2, (128, 128), axis, first_relu=False)
    x = _downsample_block(x, 3, (256, 256), axis)
    x = _downsample_block(x, 4, (728, 728), axis)
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for conv in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{conv}_act")(x)
            x = _sepconv_bn(x, 728, f"{prefix}_sepconv{conv}", axis)
        x = layers.add([x, residual])
    x = _downsample_block(x, 13, (728, 1024), axis)

    x = _sepconv_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(
            x
        )
    else:
        x = _common.feature_pooling(x, pooling)

    def imagenet_file():
        suffix = "" if include_top else "_notop"
        file_name = f"xception_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        return (
            file_name,
            BASE_WEIGHTS_PATH + file_name,
            WEIGHTS_HASHES[0 if include_top else 1],
        )

    inputs = _common.model_inputs(input_tensor, img_input)
    return _common.finish(inputs, x, name, weights, imagenet_file)


def preprocess_input(x, data_format=None):
    """ImageNet "tf" preprocessing: `x / 127.5 - 1`."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """Decodes ImageNet predictions; see `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)


__all__ = ["Xception", "decode_predictions", "preprocess_input"]
