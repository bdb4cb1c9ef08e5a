"""Invalid argument combinations raise Keras's errors, before anything is built."""

import pytest

import kerasish
from kerasish import applications
from kerasish.applications import inception_resnet_v2
from tests.applications.conftest import build_keras, numpy_keras_initializers
from tests.helpers import keras3

pytestmark = pytest.mark.compat


def keras_error(name, kwargs):
    keras3()
    with pytest.raises(Exception) as info, numpy_keras_initializers():
        build_keras(name, **kwargs)
    return info


# Errors whose text is the same in every family that raises them.
SAME_AS_KERAS = [
    ("ResNet50", {"weights": "/no/such/file.h5"}),
    ("VGG16", {"weights": "imagenet", "classes": 10}),
    ("ResNet101", {"weights": "imagenet", "input_shape": (100, 100, 3)}),
    ("VGG19", {"weights": None, "include_top": False, "input_shape": (16, 16, 3)}),
    ("Xception", {"weights": None, "include_top": False, "input_shape": (64, 64, 3)}),
    (
        "ResNet50V2",
        {"weights": "imagenet", "include_top": False, "input_shape": (64, 64, 1)},
    ),
    ("DenseNet121", {"weights": None, "input_shape": (None, None, 3)}),
    ("ResNet152", {"weights": None, "include_top": False, "input_shape": (64, 64)}),
    ("MobileNet", {"weights": "imagenet", "alpha": 0.3}),
    ("MobileNet", {"weights": "imagenet", "depth_multiplier": 2}),
    ("MobileNetV2", {"weights": "imagenet", "alpha": 0.3}),
    ("MobileNetV3Small", {"weights": "imagenet", "alpha": 0.5}),
    ("MobileNetV3Large", {"weights": None, "input_shape": (16, 16, 3)}),
    ("NASNetLarge", {"weights": "imagenet", "input_shape": (None, 331, 3)}),
    ("MobileNet", {"weights": "imagenet", "classifier_activation": "relu"}),
]


@pytest.mark.parametrize("case", SAME_AS_KERAS, ids=lambda c: f"{c[0]}-{sorted(c[1])}")
def test_error_equals_keras(case):
    name, kwargs = case
    expected = keras_error(name, kwargs)
    with pytest.raises(expected.type) as info:
        getattr(applications, name)(**kwargs)
    ours, theirs = str(info.value), str(expected.value)
    if "classifier_activation=" in theirs:
        # The message names the activation function object of each library.
        ours, theirs = ours.split("Received")[0], theirs.split("Received")[0]
    assert ours == theirs


@pytest.mark.parametrize("name", ["DenseNet121", "NASNetMobile", "ConvNeXtTiny"])
def test_channels_first_only_families_refuse_it(name):
    family = {"DenseNet121": "DenseNet", "NASNetMobile": "NASNet"}.get(name, "ConvNeXt")
    kerasish.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match=f"{family} does not support the "):
            getattr(applications, name)(weights=None)
    finally:
        kerasish.config.set_image_data_format("channels_last")


def test_convnext_imagenet_name_must_name_the_variant():
    with pytest.raises(ValueError, match='Model name "mine" does not match weights'):
        applications.ConvNeXtTiny(weights="imagenet", name="mine")


def test_unknown_inception_resnet_block():
    x = kerasish.Input((8, 8, 4))
    with pytest.raises(ValueError, match="but got: block99"):
        inception_resnet_v2.inception_resnet_block(x, 0.1, "block99", 1)


def test_mobilenet_v2_input_tensor_must_match_input_shape():
    x = kerasish.Input((96, 96, 3))
    with pytest.raises(ValueError, match=r"input_tensor.shape\[2\] must equal"):
        applications.MobileNetV2(
            weights=None, include_top=False, input_tensor=x, input_shape=(128, 128, 3)
        )


def test_other_channel_counts_warn_and_build():
    with pytest.warns(UserWarning, match="with 4 input channels"):
        model = applications.VGG16(
            weights=None, include_top=False, input_shape=(32, 32, 4)
        )
    assert model.input.shape == (None, 32, 32, 4)


def test_imagenet_mobilenet_odd_size_warns_and_uses_224(tmp_path, monkeypatch):
    # Keras falls back to the 224 weights, with a warning, for other sizes.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    seen = []
    monkeypatch.setattr(
        "kerasish.applications._common.fetch_weights",
        lambda *args: seen.append(args) or pytest.skip("stop before loading"),
    )
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\)"):
        try:
            applications.MobileNet(
                weights="imagenet", include_top=False, input_shape=(100, 100, 3)
            )
        except pytest.skip.Exception:
            pass
    assert seen[0][0] == "mobilenet_1_0_224_tf_no_top.h5"
