"""`kerasish.applications.resnet`: ResNet50/101/152 and the shared ResNet builder.

One builder, `ResNet`, serves V1 (post-activation, `residual_block_v1`) and V2
(pre-activation, `residual_block_v2`, in `resnet_v2`); the variants differ only
in how many blocks each of the four stages stacks.
"""

from kerasish import layers
from kerasish.applications import _common, imagenet_utils

BASE_WEIGHTS_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
)
# (with top, without top) md5 of Keras's published files.
WEIGHTS_HASHES = {
    "resnet50": (
        "2cb95161c43110f7111970584f804107",
        "4d473c1dd8becc155b73f8504c6f6626",
    ),
    "resnet101": (
        "f1aeb4b969a6efcfb50fad2f0c20cfc5",
        "88cf7a10940856eca736dc7b7e228a21",
    ),
    "resnet152": (
        "100835be76be38e30d865e96f2aaae62",
        "ee4c566cf9a93f14d82f913c2dc6dd0c",
    ),
    "resnet50v2": (
        "3ef43a0b657b3be2300d5770ece849e0",
        "fac2f116257151a9d068a22e544a4917",
    ),
    "resnet101v2": (
        "6343647c601c52e1368623803854d971",
        "c0ed64b8031c3730f411d2eb4eea35b5",
    ),
    "resnet152v2": (
        "a49b44d1979771252814e80f8ec446f9",
        "ed17cf2e0169df9d443503ef94b23b33",
    ),
}
EPSILON = 1.001e-5


def ResNet(
    stack_fn,
    preact,
    use_bias,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet",
    weights_name=None,
):
    """Builds a ResNet (V1 when `preact` is False, V2 when True).

    Args:
        stack_fn: Function mapping the stem's output to the last stage's output.
        preact: Whether blocks are pre-activation (V2).
        use_bias: Whether the stem convolution has a bias.
        weights_name: Key of `WEIGHTS_HASHES` for `weights="imagenet"`.
        Other arguments: as `ResNet50`.
    """
    _common.check_weights(weights, include_top, classes)
    input_shape = _common.default_input_shape(
        input_shape, 224, 32, include_top, weights
    )
    img_input = _common.image_input(input_tensor, input_shape)
    axis = _common.bn_axis()

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=axis, epsilon=EPSILON, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=axis, epsilon=EPSILON, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(
            x
        )
    else:
        x = _common.feature_pooling(x, pooling, "avg_pool", "max_pool")

    def imagenet_file():
        if weights_name not in WEIGHTS_HASHES:
            return None
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        return file_name, BASE_WEIGHTS_PATH + file_name, file_hash

    inputs = _common.model_inputs(input_tensor, img_input)
    return _common.finish(inputs, x, name, weights, imagenet_file)


def _bn(x, name):
    return layers.BatchNormalization(
        axis=_common.bn_axis(), epsilon=EPSILON, name=name
    )(x)


def residual_block_v1(
    x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None
):
    """A bottleneck block of ResNet V1: conv-bn-relu x3, then add and relu."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(
            x
        )
        shortcut = _bn(shortcut, f"{name}_0_bn")
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _bn(x, f"{name}_1_bn")
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = _bn(x, f"{name}_2_bn")
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(x, f"{name}_3_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """A V1 stage: the first block projects (and strides), the rest are identity."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(
    x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None
):
    """A pre-activation bottleneck block of ResNet V2."""
    preact = _bn(x, f"{name}_preact_bn")
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(
            preact
        )
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(
        preact
    )
    x = _bn(x, f"{name}_1_bn")
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(
        filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv"
    )(x)
    x = _bn(x, f"{name}_2_bn")
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """A V2 stage: the first block projects, the last one strides."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _stacks(block_counts, version):
    """`stack_fn` for four stages of 64/128/256/512 bottleneck filters."""

    def stack_fn(x):
        for stage, (filters, blocks) in enumerate(
            zip((64, 128, 256, 512), block_counts)
        ):
            name = f"conv{stage + 2}"
            if version == 1:
                stride1 = 1 if stage == 0 else 2
                x = stack_residual_blocks_v1(x, filters, blocks, stride1, name=name)
            else:
                stride1 = 1 if stage == 3 else 2
                x = stack_residual_blocks_v2(x, filters, blocks, stride1, name=name)
        return x

    return stack_fn


DEPTHS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def _build(depth, version, name, **kwargs):
    suffix = "v2" if version == 2 else ""
    return ResNet(
        _stacks(DEPTHS[depth], version),
        preact=version == 2,
        use_bias=True,
        name=name,
        weights_name=f"resnet{depth}{suffix}",
        **kwargs,
    )


def ResNet50(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet50",
):
    """Instantiates the ResNet50 architecture (He et al., 2015).

    Args:
        include_top: Whether to include the classifier (`avg_pool`, `predictions`).
        weights: `None` (random), `"imagenet"`, or the path of a weights file.
        input_tensor: Optional symbolic tensor to use as the image input.
        input_shape: Optional `(height, width, 3)` shape (with `include_top=True`
            and ImageNet weights it must be `(224, 224, 3)`); at least 32x32.
        pooling: With `include_top=False`: `None` (4D feature map), `"avg"` or
            `"max"` (global pooling, 2D output).
        classes: Number of classes of the classifier.
        classifier_activation: Activation of the classifier (`None` for logits);
            with pretrained weights only `None` or `"softmax"`.
        name: The model's name.

    Returns:
        A `Model`. Its inputs are expected to be preprocessed with
        `kerasish.applications.resnet.preprocess_input`.
    """
    return _build(
        50,
        1,
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
    )


def ResNet101(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet101",
):
    """Instantiates the ResNet101 architecture; arguments as `ResNet50`."""
    return _build(
        101,
        1,
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
    )


def ResNet152(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet152",
):
    """Instantiates the ResNet152 architecture; arguments as `ResNet50`."""
    return _build(
        152,
        1,
        name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
    )


def preprocess_input(x, data_format=None):
    """ImageNet "caffe" preprocessing: RGB to BGR, minus the channel means."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """Decodes ImageNet predictions; see `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)


__all__ = [
    "ResNet101",
    "ResNet152",
    "ResNet50",
    "decode_predictions",
    "preprocess_input",
]
