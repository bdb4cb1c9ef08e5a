"""The keras.applications zoo with weights=None at each model's smallest input:
parameter, layer and weight counts, layer names, output shapes with a 10-class
top and with include_top=False + pooling="max", and the errors for inputs below
the minimum size.

Only the architectures Keras builds in a few seconds are built here (Keras
compiles an initializer per weight shape): VGG, ResNet (v1, v2), MobileNet and
Xception. MobileNetV2 and ResNet50 are also built in prog_applications_transfer.
"""

import numpy as np


def error_of(fn, **kwargs):
    """`(type name, message)` of what `fn(**kwargs)` raises, or `(None, None)`."""
    try:
        fn(**kwargs)
    except Exception as e:  # noqa: BLE001 - the error itself is what is compared
        return type(e).__name__, str(e)
    return None, None


def run(keras, workdir):
    apps = keras.applications
    keras.utils.set_random_seed(0)
    # (constructor, smallest input side Keras accepts with weights=None)
    zoo = [
        (apps.VGG16, 32),
        (apps.VGG19, 32),
        (apps.ResNet50, 32),
        (apps.ResNet101, 32),
        (apps.ResNet50V2, 32),
        (apps.MobileNet, 32),
        (apps.Xception, 71),
    ]
    out = {}
    for constructor, size in zoo:
        key = constructor.__name__
        model = constructor(weights=None, input_shape=(size, size, 3), classes=10)
        names = [layer.name for layer in model.layers]
        head = model.layers[-1]
        out[f"same_{key}_top"] = {
            "name": model.name,
            "count_params": model.count_params(),
            "layers": len(model.layers),
            "weights": len(model.weights),
            "trainable_weights": len(model.trainable_weights),
            "first_layers": names[:5],
            "last_layers": names[-5:],
            "input_shape": tuple(model.input.shape),
            "output_shape": tuple(model.output.shape),
            "head": (type(head).__name__, head.get_config().get("activation")),
        }
        features = constructor(
            include_top=False,
            weights=None,
            input_shape=(size, size, 3),
            pooling="max",
        )
        names = [layer.name for layer in features.layers]
        out[f"same_{key}_features"] = {
            "count_params": features.count_params(),
            "layers": len(features.layers),
            "weights": len(features.weights),
            "last_layers": names[-5:],
            "output_shape": tuple(features.output.shape),
        }
        keras.utils.clear_session()

    # A 10-class head without softmax, for from_logits losses.
    logits_model = apps.VGG16(
        weights=None, input_shape=(32, 32, 3), classes=10, classifier_activation=None
    )
    out["same_vgg16_logits_head"] = logits_model.layers[-1].get_config()["activation"]

    # ResNet50 feature maps with include_top=False and no pooling; any input size.
    resnet_maps = apps.ResNet50(include_top=False, weights=None)
    out["same_resnet_maps_shapes"] = (
        tuple(resnet_maps.input.shape),
        tuple(resnet_maps.output.shape),
    )
    images = np.random.default_rng(0).random((2, 64, 48, 3)).astype("float32")
    out["same_resnet_maps_predict_shape"] = resnet_maps.predict(images, verbose=0).shape

    # Inputs below each architecture's minimum size (no model gets built).
    too_small = [
        ("VGG16", 31),
        ("VGG19", 31),
        ("ResNet50", 31),
        ("ResNet50V2", 31),
        ("MobileNet", 31),
        ("MobileNetV2", 31),
        ("MobileNetV3Small", 31),
        ("MobileNetV3Large", 31),
        ("DenseNet121", 31),
        ("EfficientNetB0", 31),
        ("EfficientNetV2B0", 31),
        ("ConvNeXtTiny", 31),
        ("NASNetMobile", 31),
        ("Xception", 70),
        ("InceptionV3", 74),
        ("InceptionResNetV2", 74),
    ]
    for name, size in too_small:
        error = error_of(
            getattr(apps, name),
            weights=None,
            include_top=False,
            input_shape=(size, size, 3),
        )
        out[f"same_{name}_too_small_error"] = error[0]
        out[f"{name}_too_small_message"] = error[1]

    # Non-square, one side too small.
    error = error_of(
        lambda: apps.VGG16(weights=None, include_top=False, input_shape=(64, 16, 3))
    )
    out["same_vgg16_narrow_error"] = error[0]
    out["vgg16_narrow_message"] = error[1]

    # A top needs a static input shape.
    error = error_of(
        lambda: apps.ResNet50(
            weights=None, include_top=True, input_shape=(None, None, 3)
        )
    )
    out["same_dynamic_top_error"] = error[0]
    out["dynamic_top_message"] = error[1]

    # ImageNet weights come with 1000 classes (checked before any download).
    error = error_of(lambda: apps.VGG16(weights="imagenet", classes=10))
    out["same_imagenet_classes_error"] = error[0]
    out["imagenet_classes_message"] = error[1]

    # Not None, "imagenet" or an existing file.
    missing = str(workdir / "no_such_weights.h5")
    error = error_of(lambda: apps.MobileNet(weights=missing, input_shape=(32, 32, 3)))
    out["same_bad_weights_error"] = error[0]
    out["bad_weights_message"] = error[1].replace(str(workdir), "<workdir>")

    # input_shape must have three entries.
    error = error_of(
        lambda: apps.ResNet50(weights=None, include_top=False, input_shape=(32, 32))
    )
    out["same_two_dims_error"] = error[0]
    out["two_dims_message"] = error[1]
    return out
