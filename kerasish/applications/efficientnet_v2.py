"""`kerasish.applications.efficientnet_v2`: EfficientNetV2B0-B3/S/M/L (Tan & Le,
2021). One builder, `EfficientNetV2`, takes a block table (S, M, L, and B0's,
which B1-B3 scale by width and depth coefficients)."""

import copy
import math

from kerasish import initializers, layers
from kerasish.applications import _common, imagenet_utils
from kerasish.applications.efficientnet import (
    CONV_KERNEL_INITIALIZER,
    DENSE_KERNEL_INITIALIZER,
    squeeze_excite,
)

BASE_WEIGHTS_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
)
# (with top, without top) md5 of Keras's published files.
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}

# Stages: (conv_type (1 fused, 0 MBConv), num_repeat, input_filters,
# output_filters, expand_ratio, se_ratio, strides); every kernel is 3x3.
_TABLES = {
    "s": (
        (1, 2, 24, 24, 1, 0, 1),
        (1, 4, 24, 48, 4, 0, 2),
        (1, 4, 48, 64, 4, 0, 2),
        (0, 6, 64, 128, 4, 0.25, 2),
        (0, 9, 128, 160, 6, 0.25, 1),
        (0, 15, 160, 256, 6, 0.25, 2),
    ),
    "m": (
        (1, 3, 24, 24, 1, 0, 1),
        (1, 5, 24, 48, 4, 0, 2),
        (1, 5, 48, 80, 4, 0, 2),
        (0, 7, 80, 160, 4, 0.25, 2),
        (0, 14, 160, 176, 6, 0.25, 1),
        (0, 18, 176, 304, 6, 0.25, 2),
        (0, 5, 304, 512, 6, 0.25, 1),
    ),
    "l": (
        (1, 4, 32, 32, 1, 0, 1),
        (1, 7, 32, 64, 4, 0, 2),
        (1, 7, 64, 96, 4, 0, 2),
        (0, 10, 96, 192, 4, 0.25, 2),
        (0, 19, 192, 224, 6, 0.25, 1),
        (0, 25, 224, 384, 6, 0.25, 2),
        (0, 7, 384, 640, 6, 0.25, 1),
    ),
    "b": (
        (1, 1, 32, 16, 1, 0, 1),
        (1, 2, 16, 32, 4, 0, 2),
        (1, 2, 32, 48, 4, 0, 2),
        (0, 3, 48, 96, 4, 0.25, 2),
        (0, 5, 96, 112, 6, 0.25, 1),
        (0, 8, 112, 192, 6, 0.25, 2),
    ),
}


def _blocks_args(table):
    return [
        {
            "kernel_size": 3,
            "num_repeat": r,
            "input_filters": fi,
            "output_filters": fo,
            "expand_ratio": e,
            "se_ratio": se,
            "strides": s,
            "conv_type": t,
        }
        for t, r, fi, fo, e, se, s in _TABLES[table]
    ]


DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _blocks_args("s"),
    "efficientnetv2-m": _blocks_args("m"),
    "efficientnetv2-l": _blocks_args("l"),
    **{f"efficientnetv2-b{i}": _blocks_args("b") for i in range(4)},
}

# weights_name -> (width, depth, default size)
VARIANTS = {
    "b0": (1.0, 1.0, 224),
    "b1": (1.0, 1.1, 240),
    "b2": (1.1, 1.2, 260),
    "b3": (1.2, 1.4, 300),
    "-s": (1.0, 1.0, 384),
    "-m": (1.0, 1.0, 480),
    "-l": (1.0, 1.0, 480),
}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """Scales `filters` by the width and rounds to a multiple of the divisor."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    rounded = int(filters + depth_divisor / 2) // depth_divisor * depth_divisor
    return int(max(minimum_depth, rounded))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _bn(x, momentum, name):
    return layers.BatchNormalization(
        axis=_common.bn_axis(), momentum=momentum, name=name
    )(x)


def _conv(filters, kernel_size, strides, name, **kwargs):
    return layers.Conv2D(
        filters,
        kernel_size=kernel_size,
        strides=strides,
        kernel_initializer=CONV_KERNEL_INITIALIZER,
        padding="same",
        use_bias=False,
        name=name,
        **kwargs,
    )


def _skip(x, inputs, survival_probability, name):
    if survival_probability:
        x = layers.Dropout(
            survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop"
        )(x)
    return layers.add([x, inputs], name=f"{name}add")


def MBConvBlock(
    input_filters,
    output_filters,
    expand_ratio=1,
    kernel_size=3,
    strides=1,
    se_ratio=0.0,
    bn_momentum=0.9,
    activation="swish",
    survival_probability=0.8,
    name=None,
):
    """Inverted residual block: 1x1 expand, depthwise, squeeze-excite, project."""
    if name is None:
        name = str(_common.naming.get_uid("block0"))

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, 1, 1, f"{name}expand_conv")(x)
            x = _bn(x, bn_momentum, f"{name}expand_bn")
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(
            kernel_size=kernel_size,
            strides=strides,
            depthwise_initializer=CONV_KERNEL_INITIALIZER,
            padding="same",
            use_bias=False,
            name=f"{name}dwconv2",
        )(x)
        x = _bn(x, bn_momentum, f"{name}bn")
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
        x = _conv(output_filters, 1, 1, f"{name}project_conv")(x)
        x = _bn(x, bn_momentum, f"{name}project_bn")
        if strides == 1 and input_filters == output_filters:
            x = _skip(x, inputs, survival_probability, name)
        return x

    return apply


def FusedMBConvBlock(
    input_filters,
    output_filters,
    expand_ratio=1,
    kernel_size=3,
    strides=1,
    se_ratio=0.0,
    bn_momentum=0.9,
    activation="swish",
    survival_probability=0.8,
    name=None,
):
    """Fused block: one full KxK expand convolution instead of 1x1 + depthwise."""
    if name is None:
        name = str(_common.naming.get_uid("block0"))

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, kernel_size, strides, f"{name}expand_conv")(x)
            x = _bn(x, bn_momentum, f"{name}expand_bn")
            x = layers.Activation(
                activation=activation, name=f"{name}expand_activation"
            )(x)
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
        fused = expand_ratio != 1
        x = _conv(
            output_filters,
            1 if fused else kernel_size,
            1 if fused else strides,
            f"{name}project_conv",
        )(x)
        x = _bn(x, bn_momentum, f"{name}project_bn")
        if not fused:
            x = layers.Activation(
                activation=activation, name=f"{name}project_activation"
            )(x)
        if strides == 1 and input_filters == output_filters:
            x = _skip(x, inputs, survival_probability, name)
        return x

    return apply


def EfficientNetV2(
    width_coefficient,
    depth_coefficient,
    default_size,
    dropout_rate=0.2,
    drop_connect_rate=0.2,
    depth_divisor=8,
    min_depth=8,
    bn_momentum=0.9,
    activation="swish",
    blocks_args="default",
    name="efficientnetv2",
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    weights_name=None,
):
    """The EfficientNetV2 builder (see the module docstring)."""
    variant = f"efficientnetv2-{weights_name.lstrip('-')}" if weights_name else name
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    _common.check_weights(weights, include_top, classes)
    input_shape = _common.default_input_shape(
        input_shape, default_size, 32, include_top, weights
    )
    img_input = _common.image_input(input_tensor, input_shape)
    axis = _common.bn_axis()

    def filters(count):
        return round_filters(count, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        num_channels = input_shape[axis - 1]
        if variant.split("-")[-1].startswith("b") and num_channels == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(
                mean=[0.485, 0.456, 0.406],
                variance=[0.229**2, 0.224**2, 0.225**2],
                axis=axis,
            )(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    x = layers.Conv2D(
        filters=filters(blocks_args[0]["input_filters"]),
        kernel_size=3,
        strides=2,
        kernel_initializer=CONV_KERNEL_INITIALIZER,
        padding="same",
        use_bias=False,
        name="stem_conv",
    )(x)
    x = _bn(x, bn_momentum, "stem_bn")
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(
                "The number of repeats in `EfficientNetV2` must be > 0. "
                f"Received: num_repeat={args['num_repeat']}"
            )
        args["input_filters"] = filters(args["input_filters"])
        args["output_filters"] = filters(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        repeats = round_repeats(args.pop("num_repeat"), depth_coefficient)
        for j in range(repeats):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(
                activation=activation,
                bn_momentum=bn_momentum,
                survival_probability=drop_connect_rate * b / blocks,
                name=f"block{i + 1}{chr(j + 97)}_",
                **args,
            )(x)
            b += 1

    x = _conv(filters(1280), 1, 1, "top_conv")(x)
    x = _bn(x, bn_momentum, "top_bn")
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Dense(
            classes,
            activation=classifier_activation,
            kernel_initializer=DENSE_KERNEL_INITIALIZER,
            bias_initializer=initializers.Constant(0.0),
            name="predictions",
        )(x)
    else:
        x = _common.feature_pooling(x, pooling, "avg_pool", "max_pool")

    def imagenet_file():
        # Keras names the file after the model's `name`.
        file_name = name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        return file_name, BASE_WEIGHTS_PATH + file_name, file_hash

    inputs = _common.model_inputs(input_tensor, img_input)
    return _common.finish(inputs, x, name, weights, imagenet_file)


def _variant(key, name, **kwargs):
    width, depth, size = VARIANTS[key]
    return EfficientNetV2(
        width_coefficient=width,
        depth_coefficient=depth,
        default_size=size,
        name=name,
        weights_name=key,
        **kwargs,
    )


def EfficientNetV2B0(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="efficientnetv2-b0",
):
    """Instantiates EfficientNetV2B0 (224x224 by default).

    With `include_preprocessing=True` the model takes images with values in
    `[0, 255]` and rescales them itself (`efficientnet_v2.preprocess_input` is a
    no-op).

    Args:
        include_preprocessing: Whether to include the input rescaling layers.
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: As `ResNet50`.

    Returns:
        A `Model`.
    """
    return _variant(
        "b0",
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )


def EfficientNetV2B1(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="efficientnetv2-b1",
):
    """Instantiates EfficientNetV2B1 (240x240 by default); arguments as
    `EfficientNetV2B0`."""
    return _variant(
        "b1",
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )


def EfficientNetV2B2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="efficientnetv2-b2",
):
    """Instantiates EfficientNetV2B2 (260x260 by default); arguments as
    `EfficientNetV2B0`."""
    return _variant(
        "b2",
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )


def EfficientNetV2B3(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="efficientnetv2-b3",
):
    """Instantiates EfficientNetV2B3 (300x300 by default); arguments as
    `EfficientNetV2B0`."""
    return _variant(
        "b3",
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )


def EfficientNetV2S(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="efficientnetv2-s",
):
    """Instantiates EfficientNetV2S (384x384 by default); arguments as
    `EfficientNetV2B0`."""
    return _variant(
        "-s",
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )


def EfficientNetV2M(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="efficientnetv2-m",
):
    """Instantiates EfficientNetV2M (480x480 by default); arguments as
    `EfficientNetV2B0`."""
    return _variant(
        "-m",
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )


def EfficientNetV2L(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="efficientnetv2-l",
):
    """Instantiates EfficientNetV2L (480x480 by default); arguments as
    `EfficientNetV2B0`."""
    return _variant(
        "-l",
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )


def preprocess_input(x, data_format=None):
    """A no-op: EfficientNetV2 models rescale their inputs themselves."""
    return x


def decode_predictions(preds, top=5):
    """Decodes ImageNet predictions; see `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)


__all__ = [
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "decode_predictions",
    "preprocess_input",
]
