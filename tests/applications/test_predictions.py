"""With identical weights (copied through `set_weights`, so the weight order is
Keras's too), one architecture per family predicts what Keras predicts."""

import numpy as np
import pytest

from kerasish import applications
from tests.applications.conftest import random_weights

pytestmark = pytest.mark.compat

CASES = [
    ("ResNet50", (32, 32, 3), {}),
    ("ResNet50V2", (32, 32, 3), {}),
    ("VGG16", (32, 32, 3), {}),
    ("MobileNet", (32, 32, 3), {"alpha": 0.25}),
    ("MobileNetV2", (32, 32, 3), {"alpha": 0.35}),
    ("MobileNetV3Small", (32, 32, 3), {"alpha": 0.75}),
    ("EfficientNetB0", (32, 32, 3), {}),
    ("EfficientNetV2B0", (32, 32, 3), {}),
    ("DenseNet121", (32, 32, 3), {}),
    ("InceptionV3", (75, 75, 3), {}),
    ("InceptionResNetV2", (75, 75, 3), {}),
    ("Xception", (71, 71, 3), {}),
    ("NASNetMobile", (32, 32, 3), {}),
    ("ConvNeXtTiny", (32, 32, 3), {}),
]
# Compiling a whole network for Keras's predict takes most of these tests' time;
# the cheapest ones run by default, the rest are marked slow.
FAST = {"VGG16", "MobileNet", "MobileNetV3Small"}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=() if c[0] in FAST else pytest.mark.slow, id=c[0])
        for c in CASES
    ],
)
def test_predictions_match_keras(case, keras_build):
    name, shape, kwargs = case
    kwargs = {"weights": None, "include_top": False, "input_shape": shape, **kwargs}
    keras_model = keras_build(name, **kwargs)
    model = getattr(applications, name)(**kwargs)
    weights = random_weights(model, seed=1)
    model.set_weights(weights)
    keras_model.set_weights(weights)
    images = np.random.default_rng(2).uniform(0, 255, (2,) + shape).astype("float32")
    images = getattr(applications, _module(name)).preprocess_input(images)
    expected = keras_model.predict(images, verbose=0)
    np.testing.assert_allclose(
        model.predict(images, verbose=0), expected, rtol=1e-4, atol=1e-4
    )


def _module(name):
    return {
        "ResNet50": "resnet",
        "ResNet50V2": "resnet_v2",
        "VGG16": "vgg16",
        "MobileNet": "mobilenet",
        "MobileNetV2": "mobilenet_v2",
        "MobileNetV3Small": "mobilenet_v3",
        "EfficientNetB0": "efficientnet",
        "EfficientNetV2B0": "efficientnet_v2",
        "DenseNet121": "densenet",
        "InceptionV3": "inception_v3",
        "InceptionResNetV2": "inception_resnet_v2",
        "Xception": "xception",
        "NASNetMobile": "nasnet",
        "ConvNeXtTiny": "convnext",
    }[name]


def test_classifier_predictions_match_keras(keras_build):
    # The MobileNet top: pooled, 1x1 conv "conv_preds", reshape, softmax.
    kwargs = {"weights": None, "alpha": 0.25, "input_shape": (128, 128, 3)}
    keras_model = keras_build("MobileNet", classes=7, **kwargs)
    model = applications.MobileNet(classes=7, **kwargs)
    assert model.name == keras_model.name == "mobilenet_0.25_128"
    weights = random_weights(model, seed=3)
    model.set_weights(weights)
    keras_model.set_weights(weights)
    images = np.random.default_rng(4).uniform(-1, 1, (2, 128, 128, 3))
    probabilities = model.predict(images, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(
        probabilities, keras_model.predict(images, verbose=0), rtol=1e-4, atol=1e-5
    )
