"""`kerasish.preprocessing`: Keras's aliases and `smart_resize`."""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3


def test_aliases_are_the_utils_functions():
    pre = kerasish.preprocessing
    assert pre.sequence.pad_sequences is kerasish.utils.pad_sequences
    assert pre.image.load_img is kerasish.utils.load_img
    assert pre.timeseries_dataset_from_array is (
        kerasish.utils.timeseries_dataset_from_array
    )


def test_smart_resize_crops_the_center_then_resizes():
    # A 4x8 image resized to 2x2 keeps the central 4x4 window: columns 2..5.
    image = np.arange(4 * 8, dtype="float32").reshape(4, 8, 1)
    out = kerasish.preprocessing.image.smart_resize(image, (4, 4), "nearest")
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, image[:, 2:6])


def test_smart_resize_errors():
    with pytest.raises(ValueError, match="2 integers"):
        kerasish.preprocessing.image.smart_resize(np.zeros((4, 4, 1)), (2, 2, 2))
    with pytest.raises(ValueError, match=r"got shape \(4, 4\)"):
        kerasish.preprocessing.image.smart_resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(TypeError, match="unexpected keyword"):
        kerasish.preprocessing.image.smart_resize(np.zeros((4, 4, 1)), (2, 2), a=1)


@pytest.mark.compat
@pytest.mark.parametrize("shape", [(10, 16, 3), (2, 9, 5, 3)])
def test_smart_resize_matches_keras(shape):
    keras = keras3()
    image = np.random.default_rng(0).random(shape).astype("float32")
    ours = kerasish.preprocessing.image.smart_resize(image, (6, 4))
    theirs = keras.preprocessing.image.smart_resize(image, (6, 4))
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-6)
