"""`kerasish.applications.mobilenet_v2`: MobileNetV2 (Sandler et al., 2018)."""

import warnings

from kerasish import config, layers
from kerasish.applications import _common, imagenet_utils
from kerasish.backend.common import is_keras_tensor

BASE_WEIGHT_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
)
# (filters, stride, expansion) of the 17 inverted residual blocks.
BLOCKS = (
    (16, 1, 1),
    (24, 2, 6),
    (24, 1, 6),
    (32, 2, 6),
    (32, 1, 6),
    (32, 1, 6),
    (64, 2, 6),
    (64, 1, 6),
    (64, 1, 6),
    (64, 1, 6),
    (96, 1, 6),
    (96, 1, 6),
    (96, 1, 6),
    (160, 2, 6),
    (160, 1, 6),
    (160, 1, 6),
    (320, 1, 6),
)
SIZES = (96, 128, 160, 192, 224)


def _rows_cols(shape, batch=False):
    first = config.image_data_format() == "channels_first"
    start = (1 if batch else 0) + (1 if first else 0)
    return shape[start], shape[start + 1]


def check_input_tensor(input_tensor, input_shape):
    """Keras's consistency checks between `input_tensor` and `input_shape`."""
    if input_tensor is None or input_shape is None:
        return
    if not is_keras_tensor(input_tensor):
        raise ValueError(
            "input_tensor is not a Keras tensor; Received "
            f"`input_tensor={input_tensor}`"
        )
    if config.image_data_format() == "channels_first":
        if input_tensor.shape[1] != input_shape[1]:
            raise ValueError(
                "input_shape[1] must equal shape(input_tensor)[1] when "
                "`image_data_format` is `channels_first`; Received "
                f"`input_tensor.shape={input_tensor.shape}`, "
                f"`input_shape={input_shape}`"
            )
    elif input_tensor.shape[2] != input_shape[1]:
        raise ValueError(
            "input_tensor.shape[2] must equal input_shape[1]; Received "
            f"`input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`"
        )


def MobileNetV2(
    input_shape=None,
    alpha=1.0,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
):
    """Instantiates the MobileNetV2 architecture.

    Args:
        input_shape: Optional shape (with `include_top=False`); at least 32x32.
        alpha: Width multiplier (ImageNet weights: 0.35, 0.5, 0.75, 1.0, 1.3,
            1.4).
        include_top, weights, input_tensor, pooling, classes,
            classifier_activation: As `ResNet50`.
        name: The model's name; defaults to `mobilenetv2_{alpha:.2f}_{rows}`.

    Returns:
        A `Model`; preprocess inputs with `mobilenet_v2.preprocess_input`.
    """
    _common.check_weights(weights, include_top, classes)
    check_input_tensor(input_tensor, input_shape)
    default_size = 224
    if input_shape is None and is_keras_tensor(input_tensor):
        rows, cols = _rows_cols(input_tensor.shape, batch=True)
        if rows == cols and rows in SIZES:
            default_size = rows
    elif input_shape is not None:
        rows, cols = _rows_cols(input_shape)
        if rows == cols and rows in SIZES:
            default_size = rows
    input_shape = _common.default_input_shape(
        input_shape, default_size, 32, include_top, weights
    )
    rows, cols = _rows_cols(input_shape)
    if weights == "imagenet":
        if alpha not in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4):
            raise ValueError(
                "If imagenet weights are being loaded, alpha must be one of `0.35`, "
                "`0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received "
                f"`alpha={alpha}`"
            )
        if rows != cols or rows not in SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in "
                "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) will "
                "be loaded as the default.",
                stacklevel=2,
            )
    img_input = _common.image_input(input_tensor, input_shape)
    axis = _common.channel_axis()

    x = layers.Conv2D(
        _common.make_divisible(32 * alpha, 8),
        kernel_size=3,
        strides=(2, 2),
        padding="same",
        use_bias=False,
        name="Conv1",
    )(img_input)
    x = layers.BatchNormalization(
        axis=axis, epsilon=1e-3, momentum=0.999, name="bn_Conv1"
    )(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_block_filters = (
        _common.make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    )
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(
        x
    )
    x = layers.BatchNormalization(
        axis=axis, epsilon=1e-3, momentum=0.999, name="Conv_1_bn"
    )(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(
            x
        )
    else:
        x = _common.feature_pooling(x, pooling)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"

    def imagenet_file():
        suffix = ".h5" if include_top else "_no_top.h5"
        file_name = (
            f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
            f"{suffix}"
        )
        return file_name, BASE_WEIGHT_PATH + file_name, None

    inputs = _common.model_inputs(input_tensor, img_input)
    return _common.finish(inputs, x, name, weights, imagenet_file)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    axis = _common.channel_axis()
    in_channels = inputs.shape[axis]
    pointwise_filters = _common.make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"

    def bn(x, suffix):
        return layers.BatchNormalization(
            axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}{suffix}"
        )(x)

    if block_id:
        x = layers.Conv2D(
            expansion * in_channels,
            kernel_size=1,
            padding="same",
            use_bias=False,
            activation=None,
            name=f"{prefix}expand",
        )(x)
        x = bn(x, "expand_BN")
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(
            padding=_common.correct_pad(x, 3), name=f"{prefix}pad"
        )(x)
    x = layers.DepthwiseConv2D(
        kernel_size=3,
        strides=stride,
        activation=None,
        use_bias=False,
        padding="same" if stride == 1 else "valid",
        name=f"{prefix}depthwise",
    )(x)
    x = bn(x, "depthwise_BN")
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(
        pointwise_filters,
        kernel_size=1,
        padding="same",
        use_bias=False,
        activation=None,
        name=f"{prefix}project",
    )(x)
    x = bn(x, "project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def preprocess_input(x, data_format=None):
    """ImageNet "tf" preprocessing: `x / 127.5 - 1`."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """Decodes ImageNet predictions; see `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)


__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]
