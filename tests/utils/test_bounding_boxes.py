"""`kerasish.utils.bounding_boxes` vs Keras 3's `keras.utils.bounding_boxes` on
the same inputs, plus closed-form values and the error paths.

Keras's side is recorded (`keras_bounding_boxes.json.gz`, by
`tools/record_keras.py bounding_boxes`); the default tests compare kerasish with
the record and the `slow` test `test_record_is_what_keras_gives` reruns Keras live."""

from pathlib import Path

import jax
import numpy as np
import pytest

from kerasish.utils import bounding_boxes as bb
from tests import recorded
from tests.helpers import keras3
from tests.layers.image_records import assert_tree_close, cases_digest

FORMATS = (
    "xyxy",
    "yxyx",
    "xywh",
    "center_xywh",
    "center_yxhw",
    "rel_xyxy",
    "rel_yxyx",
    "rel_xywh",
    "rel_center_xywh",
)
H, W = 40, 60


def _boxes(shape=(2, 5), seed=0):
    """Valid "xyxy" boxes inside a `W x H` image, shape `shape + (4,)`."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, W, size=shape + (2,)), axis=-1)
    y = np.sort(rng.uniform(0, H, size=shape + (2,)), axis=-1)
    return np.stack([x[..., 0], y[..., 0], x[..., 1], y[..., 1]], -1).astype("float32")


CLIP_BOXES = np.array(
    [[[-10, -20, 150, 160], [50, 40, 70, 80], [70, 10, 90, 30]]], "float32"
)
CLIP_LABELS = np.array([[0, 1, 2]], "int32")


def _affine_params():
    rng = np.random.default_rng(2)
    params = [rng.uniform(-30, 30, 3).astype("float32")]  # angle
    params += [rng.uniform(-0.2, 0.2, 3).astype("float32") for _ in range(2)]
    params += [rng.uniform(0.8, 1.2, 3).astype("float32")]  # scale
    params += [rng.uniform(-20, 20, 3).astype("float32") for _ in range(2)]
    return params


DELTA_CASES = [
    (kwargs, encoding)
    for kwargs in ({}, {"variance": [0.1, 0.1, 0.2, 0.2]})
    for encoding in ("center_yxhw", "center_xywh")
]


def _iou_inputs():
    a = _boxes((2, 5), seed=6)
    b = _boxes((2, 3), seed=7)
    b[0, 1] = -1.0  # padding rows, masked with use_masking
    return a, b, ((a, b), (a[0], b[0]), (a, b[0]), (a[0], b))


def keras_side(keras):
    """Everything this file compares with Keras, computed by Keras 3."""
    kb = keras.utils.bounding_boxes

    def np_(x):
        return {k: np.asarray(v) for k, v in x.items()} if isinstance(x, dict) else (
            np.asarray(x)
        )  # fmt: skip

    boxes = _boxes()
    side = {"convert": {}}
    for source in FORMATS:
        src = np.asarray(kb.convert_format(boxes, "xyxy", source, height=H, width=W))
        side["convert"][source] = {
            "src": src,
            "to": {
                target: np_(kb.convert_format(src, source, target, height=H, width=W))
                for target in FORMATS
            },
        }
    data = {"boxes": CLIP_BOXES, "labels": CLIP_LABELS}
    rel = {"boxes": CLIP_BOXES / 100.0, "labels": CLIP_LABELS}
    side["clip"] = np_(kb.clip_to_image_size(data, height=100, width=60))
    side["clip_rel"] = np_(kb.clip_to_image_size(rel, bounding_box_format="rel_xyxy"))
    boxes = _boxes((3, 4), seed=1)
    side["affine"] = [
        np_(
            kb.affine_transform(
                boxes, *_affine_params(), H, W, center_x=center, center_y=center
            )
        )
        for center in (None, 0.25)
    ]
    boxes = _boxes((2, 6), seed=3)
    side["crop"] = np_(kb.crop(boxes, 5, 7, 20, 30))
    side["pad"] = np_(kb.pad(boxes, 5, 7))
    anchors, boxes = _boxes((7,), seed=4), _boxes((2, 7), seed=5)
    side["deltas"] = [
        np_(kb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", enc, **kwargs))
        for kwargs, enc in DELTA_CASES
    ]
    a, b, pairs = _iou_inputs()
    side["iou"] = []
    for x, y in pairs:
        entry = {"plain": np_(kb.compute_iou(x, y, "xyxy"))}
        if x.ndim == y.ndim:  # Keras's masking fails on mixed ranks
            entry["masked"] = np_(kb.compute_iou(x, y, "xyxy", use_masking=True))
        side["iou"].append(entry)
    a, b = _boxes((2, 5), seed=8), _boxes((2, 5), seed=9)
    side["ciou"] = []
    for fmt in ("xyxy", "center_xywh"):
        x = np_(kb.convert_format(a, "xyxy", fmt))
        y = np_(kb.convert_format(b, "xyxy", fmt))
        side["ciou"].append({"x": x, "y": y, "ciou": np_(kb.compute_ciou(x, y, fmt))})
    return side


RECORD = Path(__file__).with_name("keras_bounding_boxes.json.gz")


def _digest():
    return cases_digest(
        keras_side, _boxes, _affine_params, _iou_inputs, FORMATS, H, W, CLIP_BOXES,
        CLIP_LABELS, DELTA_CASES,
    )  # fmt: skip


@pytest.fixture(scope="module")
def record():
    """Keras's side as recorded; the `slow` twin below checks it live."""
    return recorded.load(RECORD, "digest", _digest(), "bounding_boxes")["keras"]


@pytest.mark.slow  # the default tests below compare kerasish with this record
@pytest.mark.compat
def test_record_is_what_keras_gives(record):
    assert_tree_close(keras_side(keras3()), record, rtol=1e-5, atol=1e-5)


def test_convert_format_matches_keras_for_every_pair(record):
    for source in FORMATS:
        src = record["convert"][source]["src"]
        for target in FORMATS:
            expected = record["convert"][source]["to"][target]
            got = bb.convert_format(src, source, target, height=H, width=W)
            np.testing.assert_allclose(
                got, expected, rtol=1e-5, atol=1e-4, err_msg=f"{source}->{target}"
            )


def test_convert_format_closed_form_and_dict():
    boxes = np.array([[10.0, 20.0, 30.0, 60.0]])
    np.testing.assert_allclose(
        bb.convert_format(boxes, "xyxy", "center_yxhw"), [[40.0, 20.0, 40.0, 20.0]]
    )
    np.testing.assert_allclose(
        bb.convert_format(boxes, "XYXY", "rel_xywh", height=100, width=50),
        [[0.2, 0.2, 0.4, 0.4]],
        rtol=1e-6,
    )
    data = {"boxes": boxes, "labels": np.array([3])}
    out = bb.convert_format(data, "xyxy", "yxyx")
    np.testing.assert_allclose(out["boxes"], [[20.0, 10.0, 60.0, 30.0]])
    np.testing.assert_array_equal(out["labels"], [3])
    np.testing.assert_array_equal(data["boxes"], boxes)  # the input is untouched


def test_convert_format_errors():
    with pytest.raises(ValueError, match="unknown bounding box format.*'xyz'"):
        bb.convert_format(np.zeros((1, 4)), "xyz", "xyxy")
    with pytest.raises(ValueError, match=r"last axis of size 4.*\(1, 3\)"):
        bb.convert_format(np.zeros((1, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="`height` and `width` are required"):
        bb.convert_format(np.zeros((1, 4)), "xyxy", "rel_xyxy")


def test_clip_to_image_size_matches_keras(record):
    boxes, labels = CLIP_BOXES, CLIP_LABELS
    expected = record["clip"]
    got = bb.clip_to_image_size(
        {"boxes": boxes, "labels": labels}, height=100, width=60
    )
    np.testing.assert_allclose(got["boxes"], expected["boxes"])
    np.testing.assert_array_equal(got["labels"], expected["labels"])
    np.testing.assert_array_equal(got["labels"], [[0, 1, -1]])  # zero area -> -1
    rel = {"boxes": boxes / 100.0, "labels": labels}
    expected = record["clip_rel"]
    got = bb.clip_to_image_size(rel, bounding_box_format="rel_xyxy")
    np.testing.assert_allclose(got["boxes"], expected["boxes"], rtol=1e-6)
    np.testing.assert_array_equal(got["labels"], expected["labels"])
    with pytest.raises(NotImplementedError, match="'xywh'"):
        bb.clip_to_image_size(rel, bounding_box_format="xywh")
    with pytest.raises(ValueError, match="`height` and `width` are required"):
        bb.clip_to_image_size(rel)


def test_affine_transform_matches_keras_and_identity(record):
    boxes = _boxes((3, 4), seed=1)
    params = _affine_params()
    for center, expected in zip((None, 0.25), record["affine"]):
        got = bb.affine_transform(
            boxes, *params, H, W, center_x=center, center_y=center
        )
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)
    zeros, ones = np.zeros(3, "float32"), np.ones(3, "float32")
    same = bb.affine_transform(boxes, zeros, zeros, zeros, ones, zeros, zeros, H, W)
    np.testing.assert_allclose(same, boxes, atol=1e-4)
    # A pure translation by (0.1, -0.2) of (W - 1, H - 1) moves every corner.
    moved = bb.affine_transform(
        boxes, zeros, zeros + 0.1, zeros - 0.2, ones, zeros, zeros, H, W
    )
    np.testing.assert_allclose(
        moved, boxes + np.array([0.1 * (W - 1), -0.2 * (H - 1)] * 2), atol=1e-3
    )
    with pytest.raises(NotImplementedError, match="'xywh'"):
        bb.affine_transform(boxes, *params, H, W, bounding_box_format="xywh")


def test_crop_and_pad_match_keras_and_numpy(record):
    boxes = _boxes((2, 6), seed=3)
    got = bb.crop(boxes, top=5, left=7, height=20, width=30)
    np.testing.assert_allclose(got, record["crop"], rtol=1e-6)
    shifted = boxes - np.array([7, 5, 7, 5], "float32")
    reference = np.clip(shifted, 0, np.array([30, 20, 30, 20], "float32"))
    np.testing.assert_allclose(got, reference, rtol=1e-6)
    got = bb.pad(boxes, top=5, left=7)
    np.testing.assert_allclose(got, record["pad"], rtol=1e-6)
    np.testing.assert_allclose(got, boxes + np.array([7, 5, 7, 5]), rtol=1e-6)
    for fn, args in ((bb.crop, (0, 0, 1, 1)), (bb.pad, (0, 0))):
        with pytest.raises(NotImplementedError, match="'yxyx'"):
            fn(boxes, *args, bounding_box_format="yxyx")


def test_box_deltas_match_keras_and_round_trip(record):
    anchors = _boxes((7,), seed=4)
    boxes = _boxes((2, 7), seed=5)
    for (kwargs, encoding), expected in zip(DELTA_CASES, record["deltas"]):
        deltas = bb.encode_box_to_deltas(
            anchors, boxes, "xyxy", "xyxy", encoding, **kwargs
        )
        np.testing.assert_allclose(deltas, expected, rtol=1e-4, atol=1e-5)
        decoded = bb.decode_deltas_to_boxes(
            anchors, deltas, "xyxy", "xyxy", encoding, **kwargs
        )
        np.testing.assert_allclose(decoded, boxes, rtol=1e-4, atol=1e-3)
    rel = bb.encode_box_to_deltas(
        anchors, boxes / [W, H, W, H], "xyxy", "rel_xyxy", image_shape=(H, W, 3)
    )
    np.testing.assert_allclose(
        rel, bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy"), atol=1e-4
    )
    deltas = np.asarray(bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy"))
    levels = bb.decode_deltas_to_boxes({"p3": anchors}, {"p3": deltas}, "xyxy", "yxyx")
    np.testing.assert_allclose(levels["p3"], boxes[..., [1, 0, 3, 2]], atol=1e-3)
    with pytest.raises(ValueError, match="`variance` must have 4 values"):
        bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", variance=[1, 2])
    with pytest.raises(ValueError, match="`encoding_format` must be"):
        bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", "xyxy")
    with pytest.raises(ValueError, match="`encoded_format` must be"):
        bb.decode_deltas_to_boxes(anchors, boxes, "xyxy", "xyxy", "xyxy")


def test_compute_iou_matches_keras_and_closed_form(record):
    # Compiled whole: one XLA compilation per shape instead of one per op.
    iou = jax.jit(bb.compute_iou, static_argnums=(2, 3, 4, 5))
    a, b, pairs = _iou_inputs()
    for (x, y), theirs in zip(pairs, record["iou"]):
        expected = theirs["plain"]
        np.testing.assert_allclose(iou(x, y, "xyxy"), expected, rtol=1e-5)
        if x.ndim == y.ndim:  # Keras's masking fails on mixed ranks
            expected = theirs["masked"]
            got = iou(x, y, "xyxy", use_masking=True)
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # Mixed ranks: the padding column of b[0] is masked in every batch item.
    got = np.asarray(iou(a, b[0], "xyxy", use_masking=True, mask_val=-2))
    expected = np.array(record["iou"][2]["plain"])  # Keras's (a, b[0])
    expected[:, :, 1] = -2
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # Two unit squares overlapping by half: IoU 1/3.
    square = np.array([[0.0, 0.0, 1.0, 1.0]])
    np.testing.assert_allclose(
        iou(square, square + [0.5, 0, 0.5, 0], "xyxy"), [[1 / 3]], rtol=1e-5
    )
    rel = iou(
        a[0] / [W, H, W, H], a[0] / [W, H, W, H], "rel_xyxy", image_shape=(H, W, 3)
    )
    np.testing.assert_allclose(np.diag(rel), np.ones(5), rtol=1e-4)
    with pytest.raises(ValueError, match="needs `image_shape"):
        bb.compute_iou(a, b, "rel_xyxy")
    with pytest.raises(ValueError, match=r"`boxes1` must be.*\(4,\)"):
        bb.compute_iou(np.zeros(4), b, "xyxy")


def test_compute_ciou_matches_keras(record):
    a, b = _boxes((2, 5), seed=8), _boxes((2, 5), seed=9)
    for fmt, theirs in zip(("xyxy", "center_xywh"), record["ciou"]):
        x, y, expected = theirs["x"], theirs["y"], theirs["ciou"]
        np.testing.assert_allclose(bb.compute_ciou(x, y, fmt), expected, rtol=1e-4)
    same = bb.compute_ciou(a, a, "xyxy")
    np.testing.assert_allclose(same, np.ones((2, 5)), atol=1e-4)  # identical: 1
    with pytest.raises(ValueError, match="relative formats are not supported"):
        bb.compute_ciou(a, b, "rel_xyxy")
