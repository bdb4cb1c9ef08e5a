"""Color, intensity and mixing image augmentation layers.

Random streams differ between kerasish and Keras, so each layer is compared
deterministically: Keras draws one transformation (`get_random_transformation`),
it is converted to numpy, and both libraries' `transform_images` (and
`transform_labels`) apply it to the same images. Keras's side is recorded
(`keras_image_color.json.gz`, by `tools/record_keras.py image_color`); the
default tests compare kerasish with the record and the `slow` test
`test_record_is_what_keras_gives` reruns Keras live. Beside that: `training=False`
against Keras, a seeded layer repeats, configs equal Keras's and round-trip,
numpy references for the simple ones, and every error path.
"""

import copy
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import layers
from tests import recorded
from tests.helpers import keras3
from tests.layers.image_records import assert_tree_close, cases_digest

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, size=(3, 6, 7, 3)).astype("float32")
UNIT = (IMAGES / 255.0).astype("float32")
LOW_CONTRAST = (0.2 + 0.5 * UNIT).astype("float32")
LABELS = np.eye(3, dtype="float32")[[0, 2, 1]]
CF = "channels_first"


def _cf(x):
    return np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))


@pytest.fixture(scope="module")
def keras():
    return keras3()


def _numpy_tree(value):
    """Keras's transformation as numpy arrays (dicts, lists, tuples kept)."""
    if isinstance(value, dict):
        return {k: _numpy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numpy_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_numpy_tree(v) for v in value)
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return np.asarray(value)
    return value


# (class name, constructor kwargs, images); each case is drawn once by Keras.
CASES = [
    ("RandomBrightness", {"factor": (-0.2, 0.5), "value_range": (0, 1)}, UNIT),
    ("RandomHue", {"factor": 0.8}, IMAGES),
    ("RandomHue", {"factor": 0.8, "data_format": CF}, _cf(IMAGES)),
    ("RandomSaturation", {"factor": (0.2, 0.9), "value_range": (0, 1)}, UNIT),
    ("RandomGrayscale", {"factor": 0.7, "data_format": CF}, _cf(IMAGES)),
    ("RandomColorDegeneration", {"factor": (0.2, 0.8)}, IMAGES),
    ("RandomInvert", {"factor": (0.3, 0.9), "value_range": (0, 1)}, UNIT),
    ("RandomPosterization", {"factor": 4}, IMAGES),
    ("RandomPosterization", {"factor": (2, 6), "value_range": (0, 1)}, UNIT),
    ("Solarization", {"addition_factor": 0.3, "threshold_factor": (0.4, 0.9)}, IMAGES),
    (
        "Solarization",
        {"addition_factor": (0.1, 0.2), "threshold_factor": 0.7, "value_range": (0, 1)},
        UNIT,
    ),
    ("RandomSharpness", {"factor": 0.8, "data_format": CF}, _cf(IMAGES)),
    ("RandomGaussianBlur", {"kernel_size": 5, "value_range": (0, 1)}, UNIT),
    ("AutoContrast", {"value_range": (0, 1)}, LOW_CONTRAST),
    ("Equalization", {}, IMAGES),
    ("Equalization", {"bins": 64, "value_range": (0, 1)}, UNIT),
    (
        "ContrastLimitedAdaptiveHistogramEqualization",
        {"tile_grid_size": (2, 3)},
        IMAGES,
    ),
    (
        "ContrastLimitedAdaptiveHistogramEqualization",
        {"clip_limit": 2.0, "tile_grid_size": (3, 2), "value_range": (0, 1)},
        UNIT,
    ),
    (
        "ContrastLimitedAdaptiveHistogramEqualization",
        {"tile_grid_size": (2, 2), "clip_limit": 0, "data_format": CF},
        _cf(IMAGES),
    ),
    ("CutMix", {}, IMAGES),
    ("CutMix", {"factor": (0.3, 0.8), "data_format": CF}, _cf(IMAGES)),
    ("MixUp", {"alpha": 0.4}, IMAGES),
]
SEEDED = {
    "AutoContrast",
    "Equalization",
    "ContrastLimitedAdaptiveHistogramEqualization",
}
CASE_IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


def _ours(name, kwargs, seed=7):
    kwargs = dict(kwargs)
    if name not in SEEDED:
        kwargs["seed"] = seed
    return getattr(layers, name)(**kwargs)


DETERMINISTIC = ("AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization")
JITTER = {
    # Degenerate ranges make every draw a constant: brightness +0.1, contrast
    # 1.2 (Keras's pair (-0.2, 0.2) gives [1.2, 1.2]), saturation 0.7.
    "value_range": (0, 1),
    "brightness_factor": (0.1, 0.1),
    "contrast_factor": (-0.2, 0.2),
    "saturation_factor": (0.7, 0.7),
    "hue_factor": (0.0, 0.0),
    "seed": 3,
}
RAND_AUGMENT = {"value_range": (0, 255), "num_ops": 2, "factor": 0.6, "seed": 5}
AUG_MIX = {"num_chains": 2, "chain_depth": 3, "factor": 0.4, "seed": 4}


def keras_side(keras):
    """Everything this file compares with Keras, computed by Keras 3: per case
    the transformation Keras draws and what its `transform_images` (and
    `transform_labels`) give; configs; the `training=False` outputs of the
    deterministic layers; RandomColorJitter, RandomHue at both hue signs,
    RandAugment's and AugMix's transformations and outputs. Recorded by
    `tools/record_keras.py image_color`."""
    import random as py_random

    side = {"cases": [], "configs": [], "inference": {}}
    for name, kwargs, images in CASES:
        theirs = getattr(keras.layers, name)(
            **kwargs, **({} if name in SEEDED else {"seed": 7})
        )
        x = keras.ops.convert_to_tensor(images)
        transformation = theirs.get_random_transformation(x, training=True)
        case = {
            "transformation": _numpy_tree(transformation),
            "images": np.asarray(theirs.transform_images(x, transformation)),
        }
        if name in ("CutMix", "MixUp"):
            labels = keras.ops.convert_to_tensor(LABELS)
            case["labels"] = np.asarray(theirs.transform_labels(labels, transformation))
        side["cases"].append(case)
        side["configs"].append(_plain(theirs.get_config()))
    for name, kwargs, images in {c[0]: c for c in CASES}.values():
        if name in DETERMINISTIC:
            theirs = getattr(keras.layers, name)(**kwargs)
            side["inference"][name] = np.asarray(theirs(images, training=False))
    side["jitter"] = np.asarray(keras.layers.RandomColorJitter(**JITTER)(UNIT))
    side["hue_signs"] = []
    for factor in (0.2, -0.2):
        k_layer = keras.layers.RandomHue((0.4, 0.4), value_range=(0, 1))
        x = keras.ops.convert_to_tensor(UNIT)
        out = k_layer.transform_images(x, {"factor": np.full(3, factor)})
        side["hue_signs"].append(np.asarray(out))
    theirs = keras.layers.RandAugment(**RAND_AUGMENT)
    x = keras.ops.convert_to_tensor(IMAGES)
    transformation = theirs.get_random_transformation(x, training=True)
    side["rand_augment"] = {
        "transformation": _numpy_tree(transformation),
        "images": np.asarray(theirs.transform_images(x, transformation)),
    }
    theirs = keras.layers.AugMix(**AUG_MIX)
    py_random.seed(0)  # Keras picks AugMix's chains with Python's `random`
    side["aug_mix"] = []
    for _ in range(2):
        transformation = theirs.get_random_transformation(x, training=True)
        side["aug_mix"].append(
            {
                "transformation": _numpy_tree(transformation),
                "images": np.asarray(theirs.transform_images(x, transformation)),
            }
        )
    return side


RECORD = Path(__file__).with_name("keras_image_color.json.gz")


def _digest():
    return cases_digest(
        keras_side, _numpy_tree, _plain, CASES, SEEDED, LABELS, JITTER, RAND_AUGMENT,
        AUG_MIX,
    )  # fmt: skip


@pytest.fixture(scope="module")
def record():
    """Keras's side as recorded; the `slow` twin below checks it live."""
    return recorded.load(RECORD, "digest", _digest(), "image_color")["keras"]


@pytest.mark.slow  # the default tests below compare kerasish with this record
@pytest.mark.compat
def test_record_is_what_keras_gives(keras, record):
    assert_tree_close(keras_side(keras), record, rtol=1e-5, atol=1e-4)


@pytest.mark.compat
@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_transform_matches_keras(record, case):
    name, kwargs, images = CASES[case]
    theirs = record["cases"][case]
    ours = _ours(name, kwargs)
    # kerasish's side is compiled whole: one XLA compilation instead of one per
    # op, and the layer is checked to trace.
    got = np.asarray(jax.jit(ours.transform_images)(images, theirs["transformation"]))
    atol = 1e-3 if images.max() > 1.5 else 1e-5
    np.testing.assert_allclose(got, theirs["images"], rtol=1e-5, atol=atol)
    if name in ("CutMix", "MixUp"):
        got = np.asarray(ours.transform_labels(LABELS, theirs["transformation"]))
        np.testing.assert_allclose(got, theirs["labels"], rtol=1e-5, atol=1e-6)


@pytest.mark.compat
def test_inference_call_and_configs_match_keras(record):
    """`training=False` is the identity, except for the deterministic layers
    (AutoContrast, CLAHE: same output as Keras's); `get_config()` equals
    Keras's and round-trips through `layers.serialize`/`deserialize`."""
    for (name, kwargs, _), case, theirs in zip(CASES, CASE_IDS, record["configs"]):
        ours = _ours(name, kwargs)
        config = ours.get_config()
        assert _plain(config) == theirs, case
        clone = layers.deserialize(layers.serialize(ours))
        assert type(clone) is type(ours), case
        assert _plain(clone.get_config()) == _plain(config), case
    for name, kwargs, images in {c[0]: c for c in CASES}.values():
        ours = getattr(layers, name)(**kwargs)
        got = np.asarray(ours(images, training=False))
        if name in DETERMINISTIC:
            expected = record["inference"][name]
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)
        else:
            np.testing.assert_array_equal(got, images, err_msg=name)


def _plain(config):
    """Tuples and lists compare alike; auto-numbered names are dropped."""
    if isinstance(config, dict):
        return {k: _plain(v) for k, v in config.items() if k != "name"}
    if isinstance(config, tuple | list):
        return [_plain(v) for v in config]
    return config


def test_seeded_layers_repeat_and_draw_anew():
    for name, kwargs, images in CASES:
        if name in SEEDED:
            continue
        first = getattr(layers, name)(**kwargs, seed=11)
        second = getattr(layers, name)(**kwargs, seed=11)
        a, b = np.asarray(first(images)), np.asarray(second(images))
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_unbatched_image_is_a_batch_of_one():
    image = IMAGES[0]
    for name, kwargs in (("RandomHue", {"factor": (0.5, 0.5)}), ("Solarization", {})):
        single = np.asarray(getattr(layers, name)(**kwargs, seed=1)(image))
        batch = np.asarray(getattr(layers, name)(**kwargs, seed=1)(image[None]))
        assert single.shape == image.shape
        np.testing.assert_allclose(single, batch[0], rtol=1e-6, atol=1e-4)


# -- numpy references ------------------------------------------------------------
def test_invert_posterization_solarization_grayscale_match_numpy():
    x = np.round(IMAGES)
    out = layers.RandomInvert(factor=(1.0, 1.0))(x)
    np.testing.assert_allclose(out, 255.0 - x, atol=1e-4)

    layer = layers.RandomPosterization(factor=(3, 3))
    expected = ((x.astype(np.uint8) >> 5) << 5).astype("float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), expected)

    layer = layers.Solarization(addition_factor=0.2, threshold_factor=0.6, seed=0)
    t = layer.get_random_transformation(x)
    shifted = np.clip(x + np.asarray(t["additions"]), 0, 255)
    expected = np.where(shifted < np.asarray(t["thresholds"]), shifted, 255 - shifted)
    np.testing.assert_allclose(layer.transform_images(x, t), expected, atol=1e-4)

    out = np.asarray(layers.RandomGrayscale(factor=1.0)(x))
    gray = x @ np.array([0.2989, 0.587, 0.114], dtype="float32")
    np.testing.assert_allclose(out, np.repeat(gray[..., None], 3, axis=-1), atol=1e-3)
    np.testing.assert_array_equal(layers.RandomGrayscale(factor=0.0)(x), x)


def _equalize_reference(x, bins=256):
    """Keras's equalization by direct numpy steps, one histogram per channel
    over the whole batch."""
    out = np.empty_like(x)
    for c in range(x.shape[-1]):
        channel = x[..., c].astype("float32")
        index = np.clip((channel * (bins - 1) / 255.0).astype(np.int32), 0, bins - 1)
        hist = np.bincount(index.ravel(), minlength=bins)
        if np.count_nonzero(hist) <= 1:
            out[..., c] = channel
            continue
        cdf = np.cumsum(hist)
        cdf_min = cdf[np.nonzero(cdf)[0][0]]
        # float32 division, as the layer computes it
        lut = ((cdf - cdf_min) * 255).astype("float32") / np.float32(cdf[-1] - cdf_min)
        lut = np.clip(np.round(lut), 0, 255)
        out[..., c] = lut[
            np.clip(channel / 255.0 * (bins - 1), 0, bins - 1).astype(int)
        ]
    return out


def test_equalization_and_auto_contrast_match_numpy():
    x = np.round(IMAGES * 0.5 + 20)
    np.testing.assert_allclose(
        layers.Equalization()(x), _equalize_reference(x), atol=1e-4
    )
    # With 32 bins a LUT entry lands on an exact .5, which XLA's and numpy's
    # float32 division may round to either side.
    np.testing.assert_allclose(
        layers.Equalization(bins=32)(x), _equalize_reference(x, 32), atol=1.0
    )
    # x's own shape: the layers' compiled ops are reused, not built anew.
    constant = np.full(x.shape, 7.0, "float32")
    np.testing.assert_array_equal(layers.Equalization()(constant), constant)

    low = x.min(axis=(1, 2), keepdims=True)
    high = x.max(axis=(1, 2), keepdims=True)
    expected = np.clip((x - low) * 255.0 / (high - low), 0, 255)
    np.testing.assert_allclose(layers.AutoContrast()(x), expected, atol=1e-3)
    # channels_first reduces over its own spatial axes (Keras uses (1, 2)).
    got = layers.AutoContrast(data_format=CF)(_cf(x))
    np.testing.assert_allclose(got, _cf(expected), atol=1e-3)
    # A constant channel is left as it was.
    np.testing.assert_array_equal(layers.AutoContrast()(constant), constant)


def test_mix_up_and_cut_mix_keep_label_mass():
    data = {"images": IMAGES, "labels": LABELS}
    for layer in (layers.MixUp(alpha=0.5, seed=3), layers.CutMix(seed=3)):
        out = layer(data)
        np.testing.assert_allclose(np.sum(out["labels"], axis=-1), 1.0, atol=1e-5)
        assert not np.allclose(out["labels"], LABELS)
    # An unbatched image passes CutMix unchanged.
    np.testing.assert_array_equal(layers.CutMix(seed=1)(IMAGES[0]), IMAGES[0])


def test_mix_up_bounding_boxes_and_masks():
    boxes = {
        "boxes": np.arange(3 * 2 * 4, dtype="float32").reshape(3, 2, 4),
        "labels": np.arange(6, dtype="float32").reshape(3, 2),
    }
    masks = RNG.integers(0, 3, size=(3, 6, 7, 1)).astype("float32")
    layer = layers.MixUp(seed=0, bounding_box_format="xyxy")
    transformation = {
        "mix_weight": np.array([0.25, 0.5, 1.0], "float32"),
        "permutation_order": np.array([2, 0, 1], "int32"),
    }
    out = layer.transform_bounding_boxes(boxes, transformation)
    np.testing.assert_array_equal(
        out["boxes"], np.concatenate([boxes["boxes"], boxes["boxes"][[2, 0, 1]]], 1)
    )
    np.testing.assert_array_equal(
        out["labels"], np.concatenate([boxes["labels"], boxes["labels"][[2, 0, 1]]], 1)
    )
    w = transformation["mix_weight"][:, None, None, None]
    np.testing.assert_allclose(
        layer.transform_segmentation_masks(masks, transformation),
        w * masks + (1 - w) * masks[[2, 0, 1]],
        rtol=1e-6,
    )


# -- RandomColorJitter -------------------------------------------------------------
@pytest.mark.compat
def test_color_jitter_matches_keras_with_fixed_factors(record):
    layer = layers.RandomColorJitter(**JITTER)
    np.testing.assert_allclose(layer(UNIT), record["jitter"], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer(UNIT, training=False), UNIT)
    # The hue shift's sign is random per image: each image matches one sign.
    hue = {"value_range": (0, 1), "hue_factor": (0.4, 0.4), "seed": 1}
    got = np.asarray(layers.RandomColorJitter(**hue)(UNIT))
    for i in range(3):
        assert any(np.allclose(got[i], s[i], atol=1e-5) for s in record["hue_signs"])


# -- AugMix and RandAugment ----------------------------------------------------------
@pytest.mark.compat
def test_rand_augment_applies_keras_transformation(record):
    """Keras's own transformation (which ops, with which parameters) fed to
    kerasish's RandAugment gives Keras's output."""
    ours = layers.RandAugment(**RAND_AUGMENT)
    # Without the static "input_shape" entries, which jit would trace.
    ours_t = copy.deepcopy(record["rand_augment"]["transformation"])
    shapes = {
        k: v.pop("input_shape")
        for k, v in ours_t["transforms"].items()
        if isinstance(v, dict) and "input_shape" in v
    }

    def apply(images, t):
        for k, shape in shapes.items():
            t["transforms"][k]["input_shape"] = shape
        return ours.transform_images(images, t)

    got = jax.jit(apply)(IMAGES, ours_t)
    expected = record["rand_augment"]["images"]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-2)
    # A seeded layer draws the same transformation.
    a = ours.get_random_transformation(IMAGES)
    b = layers.RandAugment(**RAND_AUGMENT).get_random_transformation(IMAGES)
    for left, right in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_array_equal(left, right)


@pytest.mark.compat
def test_aug_mix_applies_keras_transformation(record):
    """Keras picks AugMix's chains with Python's global `random`; with it seeded
    and its transformation fed to kerasish, the outputs agree."""
    ours = layers.AugMix(**AUG_MIX)
    names = set()
    for draw in record["aug_mix"]:
        transformation = draw["transformation"]
        names |= {
            s["layer_name"] for c in transformation["chain_transforms"] for s in c
        }
        got = ours.transform_images(IMAGES, transformation)
        np.testing.assert_allclose(got, draw["images"], rtol=1e-4, atol=2e-2)
    assert len(names) >= 3  # the draws above exercised several operations


def test_aug_mix_seeded_repeats_and_mixes_toward_the_input():
    import kerasish

    # As Keras: the seed draws the numbers; Python's `random` picks the ops.
    kerasish.utils.set_random_seed(0)
    a = np.asarray(layers.AugMix(seed=9)(IMAGES))
    kerasish.utils.set_random_seed(0)
    b = np.asarray(layers.AugMix(seed=9)(IMAGES))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, IMAGES)
    np.testing.assert_array_equal(layers.AugMix(seed=9)(IMAGES, training=False), IMAGES)
    layer = layers.AugMix(seed=1, num_chains=4)
    t = layer.get_random_transformation(IMAGES)
    np.testing.assert_allclose(np.sum(t["chain_mixing_weights"]), 1.0, rtol=1e-5)
    assert len(t["chain_transforms"]) == 4
    assert all(len(chain) <= 3 for chain in t["chain_transforms"])


# -- errors ------------------------------------------------------------------------
def test_errors_name_the_layer_and_argument():
    cases = [
        (lambda: layers.RandomBrightness(0.2, value_range=5), "value_range"),
        (lambda: layers.RandomBrightness(0.2, value_range=(0, 1, 2)), "value_range"),
        (lambda: layers.RandomHue(2.0), "factor"),
        (lambda: layers.RandomGrayscale(factor=1.5), "factor"),
        (lambda: layers.RandomPosterization(9), "factor"),
        (lambda: layers.Solarization(addition_factor=1.5), "addition_factor"),
        (lambda: layers.Solarization(threshold_factor=(0.1, 0.2, 0.3)), "threshold"),
        (lambda: layers.RandomGaussianBlur(kernel_size=4), "kernel_size"),
        (lambda: layers.RandomGaussianBlur(sigma=2.0), "sigma"),
        (lambda: layers.Equalization(bins=0), "bins"),
        (
            lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit="x"),
            "clip_limit",
        ),
        (
            lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(
                tile_grid_size=(0, 2)
            ),
            "tile_grid_size",
        ),
        (lambda: layers.MixUp(alpha=0.0), "alpha"),
        (lambda: layers.AugMix(num_chains=0), "num_chains"),
        (lambda: layers.RandAugment(num_ops=-1), "num_ops"),
        (lambda: layers.RandomInvert()(np.ones((2, 2))), "rank-3"),
        (
            lambda: layers.RandomColorDegeneration(0.2).compute_output_shape(
                (2, 4, 4, 1)
            ),
            "3 \\(RGB\\) channels",
        ),
    ]
    for make, match in cases:
        with pytest.raises(ValueError, match=match):
            make()
    boxes = {"boxes": np.zeros((3, 1, 4), "float32"), "labels": np.zeros((3, 1))}
    data = {"images": IMAGES, "bounding_boxes": boxes}
    with pytest.raises(NotImplementedError, match="CutMix does not transform"):
        layers.CutMix(seed=0, bounding_box_format="xyxy")(data)
    with pytest.raises(NotImplementedError, match="RandAugment does not transform"):
        layers.RandAugment(seed=0, bounding_box_format="xyxy")(data)
