"""`kerasish.ops.image`: every Keras name, its signature, and values vs references.

Keras's side (names, signatures, values) is recorded (`keras_image_ops.json.gz`,
by `tools/record_keras.py image_ops`); the default tests compare kerasish with the
record and the `slow` test `test_record_is_what_keras_gives` reruns Keras live."""

import colorsys
import inspect
import itertools
from pathlib import Path

import jax
import numpy as np
import pytest
import scipy.ndimage

from kerasish import ops
from tests import recorded
from tests.helpers import keras3
from tests.layers.image_records import assert_tree_close, cases_digest

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(size=(2, 6, 7, 3)).astype("float32")

# `keras.ops.image`'s public names (Keras 3.15); the compat test checks the list.
IMAGE_NAMES = """
affine_transform crop_images elastic_transform extract_patches extract_patches_3d
gaussian_blur hsv_to_rgb map_coordinates pad_images perspective_transform resize
rgb_to_grayscale rgb_to_hsv scale_and_translate sobel_edges ssim
""".split()


def _params(fn):
    """(name, kind, default) per parameter; a required one's default is
    "<required>"."""
    return [
        (
            p.name,
            p.kind.name,
            "<required>" if p.default is inspect.Parameter.empty else p.default,
        )
        for p in inspect.signature(fn).parameters.values()
    ]


RESIZE_CASES = [
    {"crop_to_aspect_ratio": True},
    {"pad_to_aspect_ratio": True, "fill_value": 0.5},
]
START = np.array([[[0, 0], [6, 0], [0, 5], [6, 5]]] * 2, "float32")
END = START + np.array([[1, 1], [-1, 0], [0, -1], [0, 0]], "float32")
SSIM_A = np.tile(IMAGES, (1, 2, 2, 1))
SSIM_B = np.tile(np.clip(IMAGES + 0.05, 0, 1), (1, 2, 2, 1))
AFFINE = np.array([[1.1, 0.2, -1, 0.1, 0.9, 0.5, 0, 0]] * 2, "float32")


def keras_side(keras):
    """Everything this file compares with Keras, computed by Keras 3."""
    k = keras.ops.image
    names = sorted(n for n in dir(k) if not n.startswith("_"))
    return {
        "names": names,
        "signatures": {name: _params(getattr(k, name)) for name in names},
        "resize": [
            np.asarray(k.resize(IMAGES, (4, 3), **kwargs)) for kwargs in RESIZE_CASES
        ],
        "perspective": np.asarray(k.perspective_transform(IMAGES, START, END)),
        "ssim": np.asarray(k.ssim(SSIM_A, SSIM_B, filter_size=5)),
        "affine": np.asarray(k.affine_transform(IMAGES, AFFINE)),
    }


RECORD = Path(__file__).with_name("keras_image_ops.json.gz")


def _digest():
    return cases_digest(
        keras_side, _params, IMAGES, RESIZE_CASES, START, END, SSIM_A, SSIM_B, AFFINE
    )


@pytest.fixture(scope="module")
def record():
    """Keras's side as recorded; the `slow` twin below checks it live."""
    return recorded.load(RECORD, "digest", _digest(), "image_ops")["keras"]


@pytest.mark.slow  # the default tests below compare kerasish with this record
@pytest.mark.compat
def test_record_is_what_keras_gives(record):
    assert_tree_close(keras_side(keras3()), record, rtol=1e-5, atol=1e-5)


@pytest.mark.compat
def test_image_name_list_is_keras(record):
    assert record["names"] == sorted(IMAGE_NAMES)


@pytest.mark.compat
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_image_signature_matches_keras(record, name):
    assert _params(getattr(ops.image, name)) == record["signatures"][name]


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_image_ops_have_docstrings(name):
    doc = getattr(ops.image, name).__doc__
    assert doc and doc.strip()


def test_colour_conversions_match_references():
    gray = ops.image.rgb_to_grayscale(images=IMAGES)
    ref = IMAGES @ np.array([0.2989, 0.5870, 0.1140], "float32")
    np.testing.assert_allclose(gray, ref[..., None], rtol=1e-5)
    hsv = np.asarray(ops.image.rgb_to_hsv(IMAGES))
    ref = np.array([colorsys.rgb_to_hsv(*p) for p in IMAGES.reshape(-1, 3)])
    np.testing.assert_allclose(hsv.reshape(-1, 3), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.image.hsv_to_rgb(hsv), IMAGES, atol=1e-5)
    first = np.moveaxis(IMAGES, -1, 1)
    np.testing.assert_allclose(
        np.moveaxis(ops.image.rgb_to_hsv(first, data_format="channels_first"), 1, -1),
        hsv,
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="1 or 3 channels"):
        ops.image.rgb_to_grayscale(IMAGES[..., :2])
    with pytest.raises(ValueError, match="floating"):
        ops.image.rgb_to_hsv(IMAGES.astype("int32"))
    with pytest.raises(ValueError, match="rank-3 image or rank-4"):
        ops.image.hsv_to_rgb(IMAGES[0, 0])


def test_crop_and_pad_match_slicing():
    out = ops.image.crop_images(
        IMAGES, top_cropping=1, left_cropping=2, target_height=3, target_width=4
    )
    np.testing.assert_array_equal(out, IMAGES[:, 1:4, 2:6])
    out = ops.image.crop_images(IMAGES[0], 1, 2, bottom_cropping=2, right_cropping=1)
    np.testing.assert_array_equal(out, IMAGES[0, 1:4, 2:6])
    out = ops.image.pad_images(IMAGES, 1, 2, target_height=9, target_width=10)
    np.testing.assert_array_equal(out, np.pad(IMAGES, ((0, 0), (1, 2), (2, 1), (0, 0))))
    first = np.moveaxis(IMAGES, -1, 1)
    out = ops.image.pad_images(
        first,
        bottom_padding=1,
        right_padding=0,
        target_height=8,
        target_width=7,
        data_format="channels_first",
    )
    np.testing.assert_array_equal(out, np.pad(first, ((0, 0), (0, 0), (1, 1), (0, 0))))
    with pytest.raises(ValueError, match="exactly two of top_cropping"):
        ops.image.crop_images(IMAGES, 1, 1, 1, 1, target_height=2)
    with pytest.raises(ValueError, match="target_height must be >= 0"):
        ops.image.crop_images(IMAGES, 4, 0, 4, 0)
    with pytest.raises(ValueError, match="bottom_padding must be >= 0"):
        ops.image.pad_images(IMAGES, 3, 0, target_height=5, target_width=7)


def test_extract_patches_match_loops():
    out = np.asarray(ops.image.extract_patches(IMAGES, size=(2, 3), strides=(2, 2)))
    ref = np.stack(
        [
            np.stack(
                [
                    IMAGES[:, i : i + 2, j : j + 3].reshape(2, -1)
                    for j in range(0, 5, 2)
                ],
                axis=1,
            )
            for i in range(0, 5, 2)
        ],
        axis=1,
    )
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    volumes = RNG.normal(size=(4, 4, 6, 2)).astype("float32")
    out = np.asarray(ops.image.extract_patches_3d(volumes, 2))
    assert out.shape == (2, 2, 3, 16)
    for d, h, w in itertools.product(range(2), range(2), range(3)):
        block = volumes[2 * d : 2 * d + 2, 2 * h : 2 * h + 2, 2 * w : 2 * w + 2]
        np.testing.assert_allclose(out[d, h, w], block.reshape(-1), rtol=1e-6)
    with pytest.raises(TypeError, match="2 or 3 ints"):
        ops.image.extract_patches(IMAGES, (1, 2, 3, 4))
    with pytest.raises(TypeError, match="3 ints"):
        ops.image.extract_patches_3d(volumes, (2, 2))


def _correlate_same(plane, kernel):
    kh, kw = kernel.shape
    padded = np.pad(plane, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
    out = np.zeros_like(plane)
    for i, j in np.ndindex(plane.shape):
        out[i, j] = np.sum(padded[i : i + kh, j : j + kw] * kernel)
    return out


def test_gaussian_blur_and_sobel_match_direct_correlation():
    image = IMAGES[0, :, :, 0]
    kx = np.exp(-0.5 * (np.arange(5) - 2) ** 2 / 2.0**2)
    ky = np.exp(-0.5 * (np.arange(3) - 1) ** 2)
    kernel = np.outer(ky / ky.sum(), kx / kx.sum())
    out = ops.image.gaussian_blur(IMAGES, kernel_size=(5, 3), sigma=(2.0, 1.0))
    np.testing.assert_allclose(
        out[0, :, :, 0], _correlate_same(image, kernel), rtol=1e-5, atol=1e-6
    )
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "float32")
    edges = ops.image.sobel_edges(IMAGES)
    np.testing.assert_allclose(
        edges[0, :, :, 0, 0], _correlate_same(image, sobel_x.T), atol=1e-5
    )
    np.testing.assert_allclose(
        edges[0, :, :, 0, 1], _correlate_same(image, sobel_x), atol=1e-5
    )


def test_map_coordinates_matches_scipy():
    coordinates = RNG.uniform(-2, 8, size=(3, 4, 5)).astype("float32")
    coordinates[2] = np.round(coordinates[2]) % 3
    # jax's "constant" and "wrap" are scipy's "grid-constant" and "grid-wrap".
    modes = {"nearest": "nearest", "constant": "grid-constant", "wrap": "grid-wrap"}
    modes.update(mirror="mirror", reflect="reflect")
    for order, mode in itertools.product([0, 1], modes):
        out = ops.image.map_coordinates(
            IMAGES[0], coordinates, order, fill_mode=mode, fill_value=0.5
        )
        ref = scipy.ndimage.map_coordinates(
            IMAGES[0], coordinates, order=order, mode=modes[mode], cval=0.5
        )
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="order"):
        ops.image.map_coordinates(IMAGES[0], coordinates, 3)
    with pytest.raises(ValueError, match="fill_mode"):
        ops.image.map_coordinates(IMAGES[0], coordinates, 1, fill_mode="edge")
    with pytest.raises(ValueError, match="first axis"):
        ops.image.map_coordinates(IMAGES[0], coordinates[:2], 1)


def test_warps_with_identity_parameters_return_the_image():
    corners = np.array([[0, 0], [6, 0], [0, 5], [6, 5]], "float32")
    out = ops.image.perspective_transform(IMAGES, corners, corners)
    np.testing.assert_allclose(out, IMAGES, atol=1e-5)
    shifted = ops.image.perspective_transform(
        IMAGES, corners + [1, 0], corners, interpolation="nearest"
    )
    np.testing.assert_allclose(
        np.asarray(shifted)[:, :, :-1], IMAGES[:, :, 1:], atol=1e-5
    )
    # sigma is static: the same sigma as below shares one compilation.
    out = ops.image.elastic_transform(IMAGES, alpha=0.0, sigma=1.0, seed=3)
    np.testing.assert_allclose(out, IMAGES, atol=1e-6)
    first = ops.image.elastic_transform(IMAGES, alpha=2.0, sigma=1.0, seed=3)
    again = ops.image.elastic_transform(IMAGES, alpha=2.0, sigma=1.0, seed=3)
    np.testing.assert_array_equal(first, again)
    assert np.abs(np.asarray(first) - IMAGES).mean() > 1e-3
    # Compiled whole (one XLA compilation instead of one per op).
    out = jax.jit(ops.image.scale_and_translate, static_argnums=(1, 4, 5))(
        IMAGES,
        (2, 6, 7, 3),
        np.ones(2, "float32"),
        np.zeros(2, "float32"),
        (1, 2),
        "linear",
    )
    np.testing.assert_allclose(out, IMAGES, atol=1e-5)
    with pytest.raises(ValueError, match="method"):
        ops.image.scale_and_translate(
            IMAGES, (2, 6, 7, 3), [1, 1], [0, 0], (1, 2), "cubicle"
        )
    with pytest.raises(ValueError, match="interpolation"):
        ops.image.elastic_transform(IMAGES, interpolation="bicubic")
    with pytest.raises(ValueError, match="start_points"):
        ops.image.perspective_transform(IMAGES, corners[:3], corners[:3])


def test_ssim_of_an_image_with_itself_is_one_and_drops_with_noise():
    a = RNG.uniform(size=(2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(ops.image.ssim(a, a), [1.0, 1.0], rtol=1e-5)
    noisy = np.clip(a + RNG.normal(scale=0.2, size=a.shape), 0, 1).astype("float32")
    assert np.all(np.asarray(ops.image.ssim(a, noisy)) < 0.9)


def test_resize_options():
    out = ops.image.resize(IMAGES, (3, 7), interpolation="nearest")
    np.testing.assert_array_equal(out, IMAGES[:, 1::2])  # half-pixel centers
    with pytest.raises(ValueError, match="at most one"):
        ops.image.resize(
            IMAGES, (3, 3), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True
        )
    with pytest.raises(ValueError, match="fill_mode"):
        ops.image.resize(IMAGES, (3, 3), fill_mode="reflect")
    with pytest.raises(ValueError, match="interpolation"):
        ops.image.resize(IMAGES, (3, 3), interpolation="area")
    assert not hasattr(ops, "resize")  # as keras.ops: only ops.image has it


@pytest.mark.compat
def test_image_ops_match_keras(record):
    for kwargs, expected in zip(RESIZE_CASES, record["resize"]):
        np.testing.assert_allclose(
            ops.image.resize(IMAGES, (4, 3), **kwargs),
            expected,
            rtol=1e-5,
            atol=1e-6,
            err_msg=kwargs,
        )
    np.testing.assert_allclose(
        ops.image.perspective_transform(IMAGES, START, END),
        record["perspective"],
        rtol=1e-4,
        atol=1e-4,
    )
    np.testing.assert_allclose(
        ops.image.ssim(SSIM_A, SSIM_B, filter_size=5), record["ssim"], rtol=1e-5
    )
    np.testing.assert_allclose(
        ops.image.affine_transform(IMAGES, AFFINE),
        record["affine"],
        rtol=1e-5,
        atol=1e-5,
    )


# -- integer images keep their dtype, as in Keras -----------------------------------
STEPS = np.arange(16, dtype="int32").reshape(4, 4, 1) * 7


def test_resize_of_integer_images_rounds_and_keeps_dtype():
    out = ops.image.resize(STEPS, (3, 3))
    assert ops.dtype(out) == "int32"
    # Keras 3.15.1 (jax): jax.image.resize in float, then round and cast back.
    np.testing.assert_array_equal(
        out[..., 0], [[6, 15, 25], [43, 52, 62], [81, 90, 99]]
    )
    out = ops.image.resize(STEPS, (3, 3), antialias=True)
    np.testing.assert_array_equal(
        out[..., 0],
        [[10, 19, 27], [44, 52, 61], [78, 86, 95]],  # Keras 3.15.1
    )
    flags = ops.image.resize(STEPS.astype(bool), (3, 3))
    assert ops.dtype(flags) == "bool"
    np.testing.assert_array_equal(flags, np.ones((3, 3, 1), bool))  # Keras 3.15.1


@pytest.mark.parametrize("interpolation", ["bicubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("dtype", ["uint8", "int8"])
def test_resize_of_integer_images_saturates(interpolation, dtype):
    # A checkerboard overshoots [0, 255] under cubic/lanczos kernels: the cast back
    # clips to the dtype's range instead of wrapping around.
    info = np.iinfo(dtype)
    board = np.where(np.indices((4, 4)).sum(0) % 2, info.max, info.min)
    image = board.astype(dtype)[..., None]
    floats = np.asarray(
        ops.image.resize(image.astype("float32"), (7, 7), interpolation=interpolation)
    )
    assert floats.min() < info.min or floats.max() > info.max
    out = ops.image.resize(image, (7, 7), interpolation=interpolation)
    assert ops.dtype(out) == dtype
    np.testing.assert_array_equal(out, np.clip(np.round(floats), info.min, info.max))


def test_resize_pads_integer_images_with_a_float_fill():
    # Keras pads with `ones(dtype) * fill_value`: 3.6 makes the image float first
    # (padding the int32 image with int(3.6) = 3 would give 3, not 4, at the edges).
    out = ops.image.resize(STEPS, (2, 4), pad_to_aspect_ratio=True, fill_value=3.6)
    assert ops.dtype(out) == "int32"
    padded = np.pad(STEPS.astype("float32"), ((0, 0), (2, 2), (0, 0)), "constant")
    padded[:, :2] = padded[:, -2:] = 3.6
    floats = ops.image.resize(padded, (2, 4))
    np.testing.assert_array_equal(out, np.round(np.asarray(floats)))
    np.testing.assert_array_equal(out[:, 0, 0], [4, 4])  # Keras 3.15.1


def test_resize_rejects_empty_sizes():
    with pytest.raises(ValueError, match=r"positive height and width.*\(0, 4\)"):
        ops.image.resize(IMAGES, (0, 4))


def test_crop_images_of_numpy_gives_an_engine_tensor():
    out = ops.image.crop_images(
        IMAGES.astype("float64"), 1, 2, target_height=3, target_width=4
    )
    assert ops.is_tensor(out) and ops.dtype(out) == "float32"
    np.testing.assert_allclose(out, IMAGES[:, 1:4, 2:6], rtol=1e-7)
