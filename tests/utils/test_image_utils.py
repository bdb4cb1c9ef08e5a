"""load_img / img_to_array / array_to_img / save_img against Keras on the same files."""

import inspect
import io
import sys

import numpy as np
import pytest

from kerasish import utils
from tests.helpers import keras3

PIL = pytest.importorskip("PIL.Image")

_NAMES = ["load_img", "img_to_array", "array_to_img", "save_img"]


@pytest.fixture
def kimg():
    keras3()
    from keras.src.utils import image_utils

    return image_utils


@pytest.mark.compat
@pytest.mark.parametrize("name", _NAMES)
def test_signatures_match_keras(kimg, name):
    assert inspect.signature(getattr(utils, name)) == inspect.signature(
        getattr(kimg, name)
    )


def _png(tmp_path, shape=(7, 9, 3), mode="RGB"):
    arr = np.random.default_rng(0).integers(0, 256, shape, dtype="uint8")
    path = tmp_path / "img.png"
    PIL.fromarray(arr if len(shape) == 3 else arr, mode).save(path)
    return path, arr


@pytest.mark.compat
@pytest.mark.parametrize("color_mode", ["rgb", "rgba", "grayscale"])
@pytest.mark.parametrize(
    "target_size,interpolation,keep",
    [
        (None, "nearest", False),
        ((4, 5), "bilinear", False),
        ((5, 3), "bicubic", True),
        ((10, 10), "lanczos", True),
    ],
)
def test_load_img_matches_keras(
    tmp_path, kimg, color_mode, target_size, interpolation, keep
):
    path, arr = _png(tmp_path)
    args = dict(
        color_mode=color_mode,
        target_size=target_size,
        interpolation=interpolation,
        keep_aspect_ratio=keep,
    )
    ours = utils.img_to_array(utils.load_img(path, **args))
    theirs = kimg.img_to_array(kimg.load_img(path, **args))
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs)
    if target_size is None and color_mode == "rgb":
        np.testing.assert_array_equal(ours, arr)  # lossless png round trip
    # bytes in memory and str paths too
    buf = io.BytesIO(path.read_bytes())
    np.testing.assert_array_equal(utils.img_to_array(utils.load_img(buf, **args)), ours)
    np.testing.assert_array_equal(
        utils.img_to_array(utils.load_img(str(path), **args)), ours
    )


@pytest.mark.compat
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("scale", [True, False])
def test_array_to_img_and_save_match_keras(
    tmp_path, kimg, channels, data_format, scale
):
    x = np.random.default_rng(1).uniform(0, 255, (6, 5, channels)).astype("float32")
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    ours = utils.array_to_img(x, data_format=data_format, scale=scale)
    theirs = kimg.array_to_img(x, data_format=data_format, scale=scale)
    assert ours.mode == theirs.mode
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    # numpy reference for the scaling: (x - min) / max(x - min) * 255, truncated
    ref = x - x.min()
    ref = (ref / ref.max() * 255) if scale else x
    ref = ref.astype("uint8")
    if data_format == "channels_first":
        ref = ref.transpose(1, 2, 0)
    np.testing.assert_array_equal(
        np.asarray(ours), ref if channels > 1 else ref[..., 0]
    )
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    utils.save_img(a, x, data_format=data_format, scale=scale)
    kimg.save_img(b, x, data_format=data_format, scale=scale)
    np.testing.assert_array_equal(np.asarray(PIL.open(a)), np.asarray(PIL.open(b)))
    back = utils.img_to_array(
        utils.load_img(
            a,
            color_mode="rgba"
            if channels == 4
            else "rgb"
            if channels == 3
            else "grayscale",
        ),
        data_format=data_format,
    )
    np.testing.assert_array_equal(
        back, kimg.img_to_array(PIL.open(b), data_format=data_format)
    )


def test_save_jpg_rgba_warns_and_converts(tmp_path):
    x = np.full((4, 4, 4), 200, dtype="float32")
    with pytest.warns(UserWarning, match="JPEG"):
        utils.save_img(tmp_path / "a.jpg", x, scale=False)
    assert PIL.open(tmp_path / "a.jpg").mode == "RGB"


def test_image_errors(tmp_path):
    path, _ = _png(tmp_path)
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation"):
        utils.load_img(path, target_size=(2, 2), interpolation="area")
    with pytest.raises(TypeError, match="path should be path-like"):
        utils.load_img(123)
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number"):
        utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Unsupported image shape"):
        utils.img_to_array(np.zeros((1, 2, 2, 3)))


def test_missing_pillow_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"kerasish\[image\]"):
        utils.load_img(tmp_path / "x.png")
    with pytest.raises(ImportError, match=r"kerasish\[image\]"):
        utils.array_to_img(np.zeros((2, 2, 3)))
