"""Image preprocessing layers: Resizing, CenterCrop and the random augmentations.
Numpy references (half-pixel bilinear resize, crop indices, exact flips and
rotations by quarter turns, bilinear sampling for zoom/translation), errors and
compat tests against Keras 3."""

import math
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish.layers.preprocessing import (
    CenterCrop,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Resizing,
)
from tests import recorded
from tests.layers.image_records import assert_tree_close, cases_digest

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, size=(3, 6, 8, 2)).astype("float32")
SQUARE = RNG.uniform(0, 1, size=(2, 5, 5, 3)).astype("float32")


def bilinear_resize_reference(images, height, width):
    """Half-pixel-center bilinear resize with edge clamping, by direct loops."""
    batch, in_h, in_w, channels = images.shape
    out = np.zeros((batch, height, width, channels))
    for i in range(height):
        sy = min(max((i + 0.5) * in_h / height - 0.5, 0.0), in_h - 1)
        y0 = int(math.floor(sy))
        y1, fy = min(y0 + 1, in_h - 1), sy - y0
        for j in range(width):
            sx = min(max((j + 0.5) * in_w / width - 0.5, 0.0), in_w - 1)
            x0 = int(math.floor(sx))
            x1, fx = min(x0 + 1, in_w - 1), sx - x0
            out[:, i, j] = (
                (1 - fy) * (1 - fx) * images[:, y0, x0]
                + (1 - fy) * fx * images[:, y0, x1]
                + fy * (1 - fx) * images[:, y1, x0]
                + fy * fx * images[:, y1, x1]
            )
    return out


def bilinear_sample_constant(image, src_y, src_x, fill):
    """Samples one `(h, w, c)` image at float points; corners outside read `fill`."""
    h, w, _ = image.shape
    y0, x0 = math.floor(src_y), math.floor(src_x)
    value = 0.0
    for yy in (y0, y0 + 1):
        for xx in (x0, x0 + 1):
            weight = (1 - abs(src_y - yy)) * (1 - abs(src_x - xx))
            inside = 0 <= yy < h and 0 <= xx < w
            value = value + weight * (image[yy, xx] if inside else fill)
    return value


# -- Resizing --------------------------------------------------------------------
@pytest.mark.parametrize("size", [(3, 4), (9, 13), (6, 5)])
def test_resizing_bilinear_matches_reference(size):
    out = Resizing(*size)(IMAGES)
    np.testing.assert_allclose(
        out, bilinear_resize_reference(IMAGES, *size), rtol=1e-4, atol=1e-3
    )


def test_resizing_nearest_halving_picks_odd_pixels():
    # Output pixel i reads input floor((i + 0.5) * 2) = 2i + 1.
    out = Resizing(3, 4, interpolation="nearest")(IMAGES)
    np.testing.assert_array_equal(out, IMAGES[:, 1::2, 1::2])


def test_resizing_crop_to_aspect_ratio_is_center_crop_then_resize():
    # 6x8 to a square: the central 6x6 window (columns 1..6), then resize.
    out = Resizing(3, 3, crop_to_aspect_ratio=True)(IMAGES)
    expected = bilinear_resize_reference(IMAGES[:, :, 1:7], 3, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-3)


def test_resizing_pad_to_aspect_ratio_pads_centered():
    # 6x8 to 8x8: one row of fill_value above and below, then an identity resize.
    out = np.asarray(Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0)(IMAGES))
    np.testing.assert_allclose(out[:, 1:7], IMAGES, rtol=1e-5)
    np.testing.assert_array_equal(out[:, [0, 7]], -1.0)


def test_resizing_unbatched_channels_first_and_int():
    single = Resizing(3, 4)(IMAGES[0])
    np.testing.assert_allclose(single, Resizing(3, 4)(IMAGES)[0], rtol=1e-6)
    first = np.transpose(IMAGES, (0, 3, 1, 2))
    out = Resizing(3, 4, data_format="channels_first")(first)
    np.testing.assert_allclose(
        np.transpose(out, (0, 2, 3, 1)), Resizing(3, 4)(IMAGES), rtol=1e-5
    )
    ints = IMAGES.astype("uint8")
    out = Resizing(3, 4)(ints)
    assert str(out.dtype) == "uint8"
    ref = np.clip(
        np.round(bilinear_resize_reference(ints.astype("float64"), 3, 4)), 0, 255
    )
    assert np.abs(np.asarray(out, "float64") - ref).max() <= 1


def test_resizing_shapes_config_and_errors():
    import kerasish

    inputs = kerasish.layers.Input((None, None, 3))
    assert Resizing(4, 5)(inputs).shape == (None, 4, 5, 3)
    layer = Resizing(4, 5, interpolation="nearest", crop_to_aspect_ratio=True)
    again = Resizing.from_config(layer.get_config())
    np.testing.assert_array_equal(again(IMAGES), layer(IMAGES))
    with pytest.raises(ValueError, match="unknown value for `interpolation`: 'cubic'"):
        Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match="`height` must be >= 1"):
        Resizing(0, 2)
    with pytest.raises(ValueError, match="only one of `crop_to_aspect_ratio`"):
        Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="expects a rank-4 batch of images"):
        Resizing(2, 2)(np.zeros((4, 4)))


# -- CenterCrop ------------------------------------------------------------------
@pytest.mark.parametrize("size", [(3, 5), (6, 8), (1, 1), (4, 3)])
def test_center_crop_indices(size):
    h, w = size
    top, left = (6 - h) // 2, (8 - w) // 2
    out = CenterCrop(h, w)(IMAGES)
    np.testing.assert_array_equal(out, IMAGES[:, top : top + h, left : left + w])


def test_center_crop_larger_than_input_resizes():
    # Target 10x4 (aspect 2.5): crop the central 6x2 (columns 3..4), resize.
    out = CenterCrop(10, 4)(IMAGES)
    expected = bilinear_resize_reference(IMAGES[:, :, 3:5], 10, 4)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-3)


def test_center_crop_unbatched_channels_first_and_errors():
    np.testing.assert_array_equal(CenterCrop(2, 2)(IMAGES[0]), IMAGES[0, 2:4, 3:5])
    first = np.transpose(IMAGES, (0, 3, 1, 2))
    out = CenterCrop(2, 2, data_format="channels_first")(first)
    np.testing.assert_array_equal(out, first[:, :, 2:4, 3:5])
    assert CenterCrop(2, 3).compute_output_shape((None, 9, 9, 1)) == (None, 2, 3, 1)
    with pytest.raises(ValueError, match="`width` must be >= 1"):
        CenterCrop(2, -1)
    with pytest.raises(TypeError, match="`height` must be an int"):
        CenterCrop(2.5, 2)


# -- RandomFlip ------------------------------------------------------------------
def test_random_flip_each_image_flipped_or_kept():
    images = RNG.uniform(size=(32, 3, 4, 1)).astype("float32")
    for mode, axes in [
        ("horizontal", (1,)),
        ("vertical", (0,)),
        ("horizontal_and_vertical", (0, 1)),
    ]:
        out = np.asarray(RandomFlip(mode, seed=3)(images, training=True))
        flipped = 0
        for image, result in zip(images, out):
            if np.array_equal(result, image):
                continue
            np.testing.assert_array_equal(result, np.flip(image, axis=axes))
            flipped += 1
        assert 4 < flipped < 28  # about half, each image decided independently


def test_random_flip_inference_identity_and_unbatched():
    layer = RandomFlip(seed=1)
    np.testing.assert_array_equal(layer(IMAGES, training=False), IMAGES)
    out = np.asarray(layer(IMAGES[0], training=True))
    assert np.array_equal(out, IMAGES[0]) or np.array_equal(out, IMAGES[0, ::-1, ::-1])


def test_random_flip_seeded_and_stateless():
    a = np.asarray(RandomFlip(seed=7)(SQUARE, training=True))
    b = np.asarray(RandomFlip(seed=7)(SQUARE, training=True))
    np.testing.assert_array_equal(a, b)
    from kerasish.engine import get_engine

    layer = RandomFlip("horizontal", seed=5)
    state = [v.value for v in layer.non_trainable_variables]
    step = get_engine().jit(lambda s, x: layer.stateless_call([], s, x, training=True))
    images = RNG.uniform(size=(16, 2, 2, 1)).astype("float32")
    out1, state = step(state, images)
    out2, state = step(state, images)
    # The seed state advances: the two steps draw different flips.
    assert not np.array_equal(np.asarray(out1), np.asarray(out2))


def test_random_flip_errors_and_config():
    with pytest.raises(ValueError, match="unknown value for `mode`: 'diagonal'"):
        RandomFlip("diagonal")
    layer = RandomFlip("vertical", seed=3)
    config = layer.get_config()
    assert config["mode"] == "vertical" and config["seed"] == 3
    assert RandomFlip.from_config(config).mode == "vertical"


# -- RandomRotation --------------------------------------------------------------
def test_random_rotation_zero_is_identity():
    out = RandomRotation(0.0, seed=1)(IMAGES, training=True)
    np.testing.assert_allclose(out, IMAGES, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("turn, k", [(0.25, 1), (-0.5, 2)])
def test_random_rotation_quarter_turns_are_exact(turn, k):
    layer = RandomRotation((turn, turn), fill_mode="constant")
    out = layer(SQUARE, training=True)
    np.testing.assert_allclose(out, np.rot90(SQUARE, k=k, axes=(1, 2)), atol=1e-5)


def test_random_rotation_general_angle_vs_bilinear_reference():
    turn = 0.1  # 36 degrees counterclockwise in (x right, y down) pixel space
    image = SQUARE[0]
    out = np.asarray(
        RandomRotation((turn, turn), fill_mode="constant", fill_value=0.5)(
            image, training=True
        )
    )
    theta = 2 * math.pi * turn
    c = 2.0  # center of a 5x5 image
    for y in range(5):
        for x in range(5):
            src_x = math.cos(theta) * (x - c) - math.sin(theta) * (y - c) + c
            src_y = math.sin(theta) * (x - c) + math.cos(theta) * (y - c) + c
            expected = bilinear_sample_constant(image, src_y, src_x, 0.5)
            np.testing.assert_allclose(out[y, x], expected, atol=1e-4)


def test_random_rotation_draws_within_factor_and_inference_identity():
    layer = RandomRotation(0.05, seed=2)
    np.testing.assert_array_equal(layer(IMAGES, training=False), IMAGES)
    out = np.asarray(layer(IMAGES, training=True))
    assert not np.allclose(out, IMAGES)


def test_random_rotation_errors_and_config():
    with pytest.raises(ValueError, match=r"`factor` must be a number or a pair"):
        RandomRotation(1.5)
    with pytest.raises(
        ValueError, match=r"in the range \[-1, 1\], got \(0.1, 0.2, 0.3\)"
    ):
        RandomRotation((0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="unknown value for `fill_mode`: 'mirror'"):
        RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="Valid values are 'nearest', 'bilinear'"):
        RandomRotation(0.1, interpolation="bicubic")
    layer = RandomRotation((-0.1, 0.2), fill_mode="constant", seed=4)
    again = RandomRotation.from_config(layer.get_config())
    assert again.factor == (-0.1, 0.2) and again.fill_mode == "constant"


# -- RandomZoom -------------------------------------------------------------------
def test_random_zoom_fixed_factor_vs_bilinear_reference():
    zoom_y, zoom_x = 1.3, 0.8  # height_factor 0.3 zooms out, width -0.2 zooms in
    layer = RandomZoom((0.3, 0.3), (-0.2, -0.2), fill_mode="constant", fill_value=2.0)
    image = IMAGES[0]
    out = np.asarray(layer(image, training=True))
    for y in range(6):
        for x in range(8):
            src_y = zoom_y * y + 2.5 * (1 - zoom_y)
            src_x = zoom_x * x + 3.5 * (1 - zoom_x)
            expected = bilinear_sample_constant(image, src_y, src_x, 2.0)
            np.testing.assert_allclose(out[y, x], expected, rtol=1e-4, atol=1e-3)


def test_random_zoom_zero_identity_and_errors():
    np.testing.assert_allclose(
        RandomZoom(0.0)(IMAGES, training=True), IMAGES, rtol=1e-5, atol=1e-3
    )
    np.testing.assert_array_equal(RandomZoom(0.5)(IMAGES, training=False), IMAGES)
    with pytest.raises(ValueError, match=r"in the range \(-1, 1\], got -1.0"):
        RandomZoom(-1.0)
    with pytest.raises(ValueError, match="`width_factor` must be a number"):
        RandomZoom(0.1, width_factor="wide")
    config = RandomZoom(0.2, (0.1, 0.3), seed=1).get_config()
    assert config["height_factor"] == 0.2 and config["width_factor"] == (0.1, 0.3)


# -- RandomTranslation ------------------------------------------------------------
def test_random_translation_integer_shift_is_exact():
    # height_factor 1/3 of 6 rows = 2 rows down; width -0.25 of 8 = 2 columns left.
    layer = RandomTranslation(
        (1 / 3, 1 / 3),
        (-0.25, -0.25),
        fill_mode="constant",
        fill_value=-1.0,
        interpolation="nearest",
    )
    out = np.asarray(layer(IMAGES, training=True))
    expected = np.full_like(IMAGES, -1.0)
    expected[:, 2:, :6] = IMAGES[:, :4, 2:]
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_random_translation_fractional_shift_vs_reference():
    layer = RandomTranslation((0.1, 0.1), (0.05, 0.05), fill_mode="constant")
    image = IMAGES[1]
    out = np.asarray(layer(image, training=True))
    dy, dx = 0.1 * 6, 0.05 * 8
    for y in range(6):
        for x in range(8):
            expected = bilinear_sample_constant(image, y - dy, x - dx, 0.0)
            np.testing.assert_allclose(out[y, x], expected, rtol=1e-4, atol=1e-3)


def test_random_translation_reflect_keeps_values_and_errors():
    out = np.asarray(
        RandomTranslation(0.3, 0.3, interpolation="nearest", seed=3)(
            IMAGES, training=True
        )
    )
    assert np.isin(out, IMAGES).all()  # nearest + reflect only copies pixels
    with pytest.raises(ValueError, match=r"`height_factor` must be a number"):
        RandomTranslation(1.2, 0.1)
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        RandomTranslation(0.1)


# -- RandomContrast ---------------------------------------------------------------
def test_random_contrast_formula_and_factor_range():
    images = RNG.uniform(50, 200, size=(64, 3, 3, 2)).astype("float32")
    out = np.asarray(RandomContrast(0.5, seed=3)(images, training=True))
    mean = images.mean(axis=(1, 2), keepdims=True)
    factor = (out - mean)[:, 0, 0, 0] / (images - mean)[:, 0, 0, 0]
    # Keras 3 parses factor=0.5 as (0, 0.5): contrast factors in [1, 1.5].
    assert factor.min() >= 1.0 - 1e-4 and factor.max() <= 1.5 + 1e-4
    expected = np.clip((images - mean) * factor[:, None, None, None] + mean, 0, 255)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-3)


def test_random_contrast_clips_and_inference_identity():
    images = RNG.uniform(0, 1, size=(8, 4, 4, 1)).astype("float32")
    layer = RandomContrast((0.5, 0.9), value_range=(0.2, 0.8), seed=0)
    out = np.asarray(layer(images, training=True))
    assert out.min() >= 0.2 and out.max() <= 0.8
    np.testing.assert_array_equal(layer(images, training=False), images)


def test_random_contrast_errors():
    with pytest.raises(ValueError, match=r"in the range \[0, 1\], got 1.5"):
        RandomContrast(1.5)
    with pytest.raises(ValueError, match="`value_range` must be a pair"):
        RandomContrast(0.1, value_range=5)
    with pytest.raises(ValueError, match="min <= max"):
        RandomContrast(0.1, value_range=(1, 0))


def test_augmentation_model_fit_and_predict():
    import kerasish

    model = kerasish.Sequential(
        [
            kerasish.layers.Input((6, 8, 2)),
            RandomFlip(seed=1),
            RandomRotation(0.1, seed=2),
            RandomContrast(0.2, seed=5),
            Resizing(4, 4),
            CenterCrop(2, 2),
            kerasish.layers.Flatten(),
            kerasish.layers.Dense(1),
        ]
    )
    model.compile("sgd", "mse")
    model.fit(IMAGES / 255.0, np.ones((3, 1)), epochs=1, verbose=0)
    # predict runs the augmentations in inference mode: deterministic.
    p1 = model.predict(IMAGES / 255.0, verbose=0)
    p2 = model.predict(IMAGES / 255.0, verbose=0)
    np.testing.assert_array_equal(p1, p2)


# -- compat with Keras 3 ---------------------------------------------------------
# Keras's side is recorded (`keras_image_preprocessing.json.gz`, by
# `tools/record_keras.py image_preprocessing`); the default tests compare
# kerasish with the record and the `slow` test `test_record_is_what_keras_gives`
# reruns Keras live.
RESIZE_CASES = [
    dict(height=4, width=5),
    dict(height=9, width=3, interpolation="nearest"),
    dict(height=4, width=4, crop_to_aspect_ratio=True),
    dict(height=4, width=8, pad_to_aspect_ratio=True, fill_value=1.0),
    dict(height=3, width=3, antialias=True),
]
CROP_CASES = [(3, 5), (10, 4)]
# Dict inputs: boxes (one all-zero padding box) in two formats, masks, labels.
BOXES = (
    np.array([[[0.5, 1, 6, 5], [2, 0, 8, 6], [0, 0, 0, 0]]] * 3, "float32")
    + np.arange(3, dtype="float32")[:, None, None] * 0.25
)
BOX_CASES = [
    ("Resizing", dict(height=4, width=5), "xyxy"),
    ("Resizing", dict(height=4, width=4, crop_to_aspect_ratio=True), "xyxy"),
    ("Resizing", dict(height=4, width=8, pad_to_aspect_ratio=True), "xyxy"),
    ("Resizing", dict(height=12, width=6), "rel_xyxy"),
    ("CenterCrop", dict(height=3, width=5), "xyxy"),
    ("CenterCrop", dict(height=10, width=4), "xyxy"),
    ("CenterCrop", dict(height=4, width=4), "center_xywh"),
]


def box_data(bounding_box_format):
    boxes = BOXES / [8, 6, 8, 6] if bounding_box_format == "rel_xyxy" else BOXES
    if bounding_box_format == "center_xywh":
        boxes = np.concatenate(
            [(BOXES[..., :2] + BOXES[..., 2:]) / 2, BOXES[..., 2:] - BOXES[..., :2]],
            -1,
        )
    return {
        "images": IMAGES,
        "segmentation_masks": (IMAGES[..., :1] > 128).astype("float32"),
        "labels": np.arange(3, dtype="int32"),
        "bounding_boxes": {
            "boxes": boxes.astype("float32"),
            "labels": np.tile(np.array([[1, 2, 0]], "int32"), (3, 1)),
        },
    }


def boxed(keras, name, kwargs, bounding_box_format):
    layer = getattr(keras.layers, name)(
        **kwargs, bounding_box_format=bounding_box_format
    )
    out = layer(box_data(bounding_box_format))
    return {
        "images": np.asarray(out["images"]),
        "masks": np.asarray(out["segmentation_masks"]),
        "labels": np.asarray(out["labels"]),
        "boxes": np.asarray(out["bounding_boxes"]["boxes"]),
        "box_labels": np.asarray(out["bounding_boxes"]["labels"]),
    }


# A factor pair (a, a) makes the draw deterministic in both libraries.
FIXED_CASES = [
    ("RandomRotation", ((0.13, 0.13),), {}),
    (
        "RandomZoom",
        ((0.3, 0.3), (-0.2, -0.2)),
        {"fill_mode": "constant", "fill_value": 3.0},
    ),
    ("RandomTranslation", ((0.2, 0.2), (-0.3, -0.3)), {"fill_mode": "wrap"}),
]
FIXED_OURS = {
    "RandomRotation": RandomRotation,
    "RandomZoom": RandomZoom,
    "RandomTranslation": RandomTranslation,
}


def keras_side(keras):
    """Keras 3's outputs for the compat tests below."""
    return {
        "resizing": [
            np.asarray(keras.layers.Resizing(**kwargs)(IMAGES))
            for kwargs in RESIZE_CASES
        ],
        "center_crop": [
            np.asarray(keras.layers.CenterCrop(h, w)(IMAGES)) for h, w in CROP_CASES
        ],
        "boxed": [boxed(keras, *case) for case in BOX_CASES],
        "fixed": [
            np.asarray(getattr(keras.layers, name)(*args, **kw)(IMAGES, training=True))
            for name, args, kw in FIXED_CASES
        ],
    }


RECORD = Path(__file__).with_name("keras_image_preprocessing.json.gz")


def _digest():
    return cases_digest(
        keras_side, IMAGES, RESIZE_CASES, CROP_CASES, FIXED_CASES, BOXES, BOX_CASES,
        box_data, boxed,
    )  # fmt: skip


@pytest.fixture(scope="module")
def record():
    """Keras's side as recorded; the `slow` twin below checks it live."""
    return recorded.load(RECORD, "digest", _digest(), "image_preprocessing")["keras"]


@pytest.mark.slow  # the two compat tests below compare kerasish with this record
@pytest.mark.compat
def test_record_is_what_keras_gives(record):
    keras = pytest.importorskip("keras")
    assert_tree_close(keras_side(keras), record, rtol=1e-5, atol=1e-4)


@pytest.mark.compat
def test_compat_resizing_and_center_crop(record):
    for kwargs, expected in zip(RESIZE_CASES, record["resizing"]):
        np.testing.assert_allclose(
            Resizing(**kwargs)(IMAGES), expected, rtol=1e-4, atol=1e-3, err_msg=kwargs
        )
    for (h, w), expected in zip(CROP_CASES, record["center_crop"]):
        np.testing.assert_allclose(CenterCrop(h, w)(IMAGES), expected, atol=1e-3)


@pytest.mark.compat
def test_compat_dict_inputs_move_boxes_and_masks_with_the_images(record):
    import kerasish

    for case, expected in zip(BOX_CASES, record["boxed"]):
        got = boxed(kerasish, *case)
        assert sorted(got) == sorted(expected)
        for key in expected:
            np.testing.assert_allclose(
                got[key], expected[key], rtol=1e-5, atol=1e-3, err_msg=f"{case} {key}"
            )


def test_resizing_boxes_scale_with_the_image_and_padding_stays_zero():
    out = Resizing(12, 4, bounding_box_format="xyxy")(box_data("xyxy"))
    want = BOXES * [4 / 8, 12 / 6, 4 / 8, 12 / 6]  # x by 1/2, y by 2
    want = np.minimum(want, [4, 12, 4, 12])  # clipped to the output image
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"], want, rtol=1e-6)
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"][:, 2], -1)
    np.testing.assert_array_equal(out["labels"], [0, 1, 2])


def test_a_dict_with_boxes_needs_a_box_format():
    with pytest.raises(ValueError, match="no bounding box format.*bounding_box_format"):
        CenterCrop(3, 3)(box_data("xyxy"))


@pytest.mark.compat
def test_compat_fixed_transforms(record):
    for (name, args, kw), expected in zip(FIXED_CASES, record["fixed"]):
        ours = FIXED_OURS[name](*args, **kw)
        np.testing.assert_allclose(
            ours(IMAGES, training=True), expected, rtol=1e-4, atol=1e-3, err_msg=name
        )
