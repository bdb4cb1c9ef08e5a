"""`preprocess_input` of every mode and family equals Keras's on the same array."""

import numpy as np
import pytest

from kerasish import applications, ops
from tests.helpers import keras3

pytestmark = pytest.mark.compat

MODULES = [
    "convnext",
    "densenet",
    "efficientnet",
    "efficientnet_v2",
    "inception_resnet_v2",
    "inception_v3",
    "mobilenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "nasnet",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
    "xception",
]


def images(shape=(2, 4, 5, 3), seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype("float32")


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (3, 4, 5)])
def test_modes_match_keras_numpy_and_tensor(mode, data_format, shape):
    keras = keras3()
    if data_format == "channels_first":
        shape = (2, 3, 4, 5) if len(shape) == 4 else (3, 4, 5)
    else:
        shape = shape if len(shape) == 4 else (4, 5, 3)
    x = images(shape)
    expected = keras.applications.imagenet_utils.preprocess_input(
        x.copy(), data_format=data_format, mode=mode
    )
    ours = applications.imagenet_utils.preprocess_input(
        x.copy(), data_format=data_format, mode=mode
    )
    assert isinstance(ours, np.ndarray)
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-5)
    tensor = applications.imagenet_utils.preprocess_input(
        ops.convert_to_tensor(x), data_format=data_format, mode=mode
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(tensor), expected, rtol=1e-6, atol=1e-5
    )


def test_caffe_is_bgr_minus_means_by_hand():
    x = images((1, 2, 2, 3))
    expected = x[..., ::-1] - np.array([103.939, 116.779, 123.68], "float32")
    ours = applications.vgg16.preprocess_input(x.copy())
    np.testing.assert_allclose(ours, expected, rtol=1e-6)


def test_integer_input_becomes_float32():
    keras = keras3()
    x = np.arange(2 * 2 * 2 * 3, dtype="uint8").reshape(2, 2, 2, 3)
    ours = applications.densenet.preprocess_input(x.copy())
    assert ours.dtype == np.float32
    np.testing.assert_allclose(
        ours, keras.applications.densenet.preprocess_input(x.copy()), rtol=1e-6
    )


@pytest.mark.parametrize("module", MODULES)
def test_family_preprocess_matches_keras(module):
    keras = keras3()
    x = images()
    expected = getattr(keras.applications, module).preprocess_input(x.copy())
    ours = getattr(applications, module).preprocess_input(x.copy())
    np.testing.assert_allclose(np.asarray(ours), np.asarray(expected), rtol=1e-6)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match=r"one of `caffe`, `tf` or `torch`.*mode=cafe"):
        applications.imagenet_utils.preprocess_input(images(), mode="cafe")


def test_unknown_data_format_is_refused():
    with pytest.raises(ValueError, match="data_format=channels_middle"):
        applications.imagenet_utils.preprocess_input(
            images(), data_format="channels_middle"
        )
