"""`kerasish.applications.mobilenet_v3`: MobileNetV3Small/Large (Howard et al.,
2019), one builder with a per-size `stack_fn`."""

import warnings

from kerasish import config, layers
from kerasish.applications import _common, imagenet_utils
from kerasish.applications.mobilenet_v2 import check_input_tensor
from kerasish.backend.common import is_keras_tensor

BASE_WEIGHT_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
)
# (with top, without top) md5 of Keras's published files.
WEIGHTS_HASHES = {
    "large_224_0.75_float": (
        "765b44a33ad4005b3ac83185abf1d0eb",
        "40af19a13ebea4e2ee0c676887f69a2e",
    ),
    "large_224_1.0_float": (
        "59e551e166be033d707958cf9e29a6a7",
        "07fb09a5933dd0c8eaafa16978110389",
    ),
    "large_minimalistic_224_1.0_float": (
        "675e7b876c45c57e9e63e6d90a36599c",
        "ec5221f64a2f6d1ef965a614bdae7973",
    ),
    "small_224_0.75_float": (
        "cb65d4e5be93758266aa0a7f2c6708b7",
        "ebdb5cc8e0b497cd13a7c275d475c819",
    ),
    "small_224_1.0_float": (
        "8768d4c2e7dee89b9d02b2d03d65d862",
        "d3e8ec802a04aa4fc771ee12a9a9b836",
    ),
    "small_minimalistic_224_1.0_float": (
        "99cd97fb2fcdad2bf028eb838de69e37",
        "cde8136e733e811080d9fcd8a252f7e4",
    ),
}

# (expansion, filters, kernel ("k": the variant's), stride, squeeze-excite,
#  activation ("relu" or "a": the variant's)) of each inverted residual block.
SMALL_BLOCKS = (
    (1, 16, 3, 2, True, "relu"),
    (72.0 / 16, 24, 3, 2, False, "relu"),
    (88.0 / 24, 24, 3, 1, False, "relu"),
    (4, 40, "k", 2, True, "a"),
    (6, 40, "k", 1, True, "a"),
    (6, 40, "k", 1, True, "a"),
    (3, 48, "k", 1, True, "a"),
    (3, 48, "k", 1, True, "a"),
    (6, 96, "k", 2, True, "a"),
    (6, 96, "k", 1, True, "a"),
    (6, 96, "k", 1, True, "a"),
)
LARGE_BLOCKS = (
    (1, 16, 3, 1, False, "relu"),
    (4, 24, 3, 2, False, "relu"),
    (3, 24, 3, 1, False, "relu"),
    (3, 40, "k", 2, True, "relu"),
    (3, 40, "k", 1, True, "relu"),
    (3, 40, "k", 1, True, "relu"),
    (6, 80, 3, 2, False, "a"),
    (2.5, 80, 3, 1, False, "a"),
    (2.3, 80, 3, 1, False, "a"),
    (2.3, 80, 3, 1, False, "a"),
    (6, 112, 3, 1, True, "a"),
    (6, 112, 3, 1, True, "a"),
    (6, 160, "k", 2, True, "a"),
    (6, 160, "k", 1, True, "a"),
    (6, 160, "k", 1, True, "a"),
)


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    # relu6(x + 3) / 6
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _stack_fn(blocks, alpha):
    def stack_fn(x, kernel, activation, se_ratio):
        for block_id, (expansion, filters, k, stride, se, act) in enumerate(blocks):
            x = _inverted_res_block(
                x,
                expansion,
                _common.make_divisible(filters * alpha),
                kernel if k == "k" else k,
                stride,
                se_ratio if se else None,
                relu if act == "relu" else activation,
                block_id,
            )
        return x

    return stack_fn


def MobileNetV3(
    stack_fn,
    last_point_ch,
    input_shape=None,
    alpha=1.0,
    model_type="large",
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name=None,
):
    """The MobileNetV3 builder; `stack_fn(x, kernel, activation, se_ratio)` adds
    the inverted residual blocks of one size."""
    _common.check_weights(weights, include_top, classes)
    check_input_tensor(input_tensor, input_shape)
    first = config.image_data_format() == "channels_first"
    if input_shape is None and is_keras_tensor(input_tensor):
        rows, cols = input_tensor.shape[2:4] if first else input_tensor.shape[1:3]
        input_shape = (3, cols, rows) if first else (cols, rows, 3)
    if input_shape is None and input_tensor is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    rows, cols = input_shape[1:3] if first else input_shape[0:2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(
            f"Input size must be at least 32x32; Received `input_shape={input_shape}`"
        )
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (
            minimalistic and alpha != 1.0
        ):
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.75`, "
                "`1.0` for non minimalistic or `1.0` for minimalistic only."
            )
        if rows != cols or rows != 224:
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not 224. "
                "Weights for input shape (224, 224) will be loaded as the default.",
                stacklevel=2,
            )
    img_input = _common.image_input(input_tensor, input_shape)
    axis = _common.channel_axis()
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25

    def bn(x, name):
        return layers.BatchNormalization(
            axis=axis, epsilon=1e-3, momentum=0.999, name=name
        )(x)

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(
        16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv"
    )(x)
    x = activation(bn(x, "conv_bn"))
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _common.make_divisible(x.shape[axis] * 6)
    if alpha > 1.0:
        last_point_ch = _common.make_divisible(last_point_ch * alpha)
    x = layers.Conv2D(
        last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1"
    )(x)
    x = activation(bn(x, "conv_1_bn"))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(
            last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2"
        )(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.feature_pooling(x, pooling, "avg_pool", "max_pool")

    def imagenet_file():
        minimal = "_minimalistic" if minimalistic else ""
        model_name = f"{model_type}{minimal}_224_{alpha}_float"
        suffix = ".h5" if include_top else "_no_top_v2.h5"
        file_name = f"weights_mobilenet_v3_{model_name}{suffix}"
        file_hash = WEIGHTS_HASHES[model_name][0 if include_top else 1]
        return file_name, BASE_WEIGHT_PATH + file_name, file_hash

    inputs = _common.model_inputs(input_tensor, img_input)
    return _common.finish(inputs, x, name, weights, imagenet_file)


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(
        keepdims=True, name=f"{prefix}squeeze_excite_avg_pool"
    )(inputs)
    x = layers.Conv2D(
        _common.make_divisible(filters * se_ratio),
        kernel_size=1,
        padding="same",
        name=f"{prefix}squeeze_excite_conv",
    )(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(
        filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1"
    )(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(
    x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id
):
    axis = _common.channel_axis()
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[axis]

    def bn(x, suffix):
        return layers.BatchNormalization(
            axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}{suffix}"
        )(x)

    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(
            _common.make_divisible(infilters * expansion),
            kernel_size=1,
            padding="same",
            use_bias=False,
            name=f"{prefix}expand",
        )(x)
        x = activation(bn(x, "expand_bn"))
    if stride == 2:
        x = layers.ZeroPadding2D(
            padding=_common.correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad"
        )(x)
    x = layers.DepthwiseConv2D(
        kernel_size,
        strides=stride,
        padding="same" if stride == 1 else "valid",
        use_bias=False,
        name=f"{prefix}depthwise",
    )(x)
    x = activation(bn(x, "depthwise_bn"))
    if se_ratio:
        x = _se_block(
            x, _common.make_divisible(infilters * expansion), se_ratio, prefix
        )
    x = layers.Conv2D(
        filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project"
    )(x)
    x = bn(x, "project_bn")
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def MobileNetV3Small(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Small",
):
    """Instantiates MobileNetV3Small.

    Args:
        input_shape: Optional shape; defaults to `(None, None, 3)`.
        alpha: Width multiplier (ImageNet weights: 0.75 or 1.0).
        minimalistic: Whether to drop squeeze-excite, hard-swish and 5x5 kernels.
        dropout_rate: Dropout rate before the logits.
        include_preprocessing: Whether the model rescales inputs from `[0, 255]`
            to `[-1, 1]` itself (a `Rescaling` layer).
        include_top, weights, input_tensor, classes, pooling,
            classifier_activation, name: As `ResNet50`.

    Returns:
        A `Model` taking images with values in `[0, 255]`.
    """
    return MobileNetV3(
        _stack_fn(SMALL_BLOCKS, alpha),
        1024,
        input_shape,
        alpha,
        "small",
        minimalistic,
        include_top,
        weights,
        input_tensor,
        classes,
        pooling,
        dropout_rate,
        classifier_activation,
        include_preprocessing,
        name=name,
    )


def MobileNetV3Large(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Large",
):
    """Instantiates MobileNetV3Large; arguments as `MobileNetV3Small`."""
    return MobileNetV3(
        _stack_fn(LARGE_BLOCKS, alpha),
        1280,
        input_shape,
        alpha,
        "large",
        minimalistic,
        include_top,
        weights,
        input_tensor,
        classes,
        pooling,
        dropout_rate,
        classifier_activation,
        include_preprocessing,
        name=name,
    )


def preprocess_input(x, data_format=None):
    """A no-op: MobileNetV3 models preprocess inside (`include_preprocessing`)."""
    return x


def decode_predictions(preds, top=5):
    """Decodes ImageNet predictions; see `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)


# As in Keras, the models are exported from `kerasish.applications` only.
__all__ = ["decode_predictions", "preprocess_input"]
