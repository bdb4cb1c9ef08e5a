"""`kerasish.applications.vgg19`: VGG19 (the VGG builder with 4 convs in blocks
3 to 5)."""

from kerasish.applications.vgg16 import VGG, decode_predictions, preprocess_input


def VGG19(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg19",
):
    """Instantiates the VGG19 model; arguments as `VGG16`."""
    return VGG(
        (2, 2, 4, 4, 4),
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
        "vgg19",
    )


__all__ = ["VGG19", "decode_predictions", "preprocess_input"]
