"""draw_* pixel values against the drawn boxes/masks; plots produce figures."""

import inspect

import numpy as np
import pytest

from kerasish import visualization
from tests.helpers import keras3

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

_NAMES = [
    "draw_bounding_boxes",
    "draw_segmentation_masks",
    "plot_bounding_box_gallery",
    "plot_image_gallery",
    "plot_segmentation_mask_gallery",
]


@pytest.mark.compat
@pytest.mark.parametrize("name", _NAMES)
def test_signatures_match_keras(name):
    keras3()
    import keras

    assert inspect.signature(getattr(visualization, name)) == inspect.signature(
        getattr(keras.visualization, name)
    )


def _outline(h, w, x1, y1, x2, y2, out, inner):
    ys, xs = np.mgrid[:h, :w]
    outer = (ys >= y1 - out) & (ys <= y2 + out) & (xs >= x1 - out) & (xs <= x2 + out)
    hole = (ys > y1 + inner) & (ys < y2 - inner) & (xs > x1 + inner) & (xs < x2 - inner)
    return outer & ~hole


@pytest.mark.parametrize(
    "fmt,box",
    [
        ("xyxy", [2, 3, 7, 8]),
        ("yxyx", [3, 2, 8, 7]),
        ("xywh", [2, 3, 5, 5]),
        ("center_xywh", [4.5, 5.5, 5, 5]),
        ("center_yxhw", [5.5, 4.5, 5, 5]),
        # 16 x 16 images: relative coordinates are exact in float32
        ("rel_xyxy", [2 / 16, 3 / 16, 7 / 16, 8 / 16]),
        ("rel_yxyx", [3 / 16, 2 / 16, 8 / 16, 7 / 16]),
        ("rel_xywh", [2 / 16, 3 / 16, 5 / 16, 5 / 16]),
    ],
)
@pytest.mark.parametrize("thickness", [1, 2, 3])
def test_draw_bounding_boxes_pixels(fmt, box, thickness):
    images = np.zeros((2, 16, 16, 3), dtype="float32")
    boxes = {
        "boxes": np.array([[box, box], [box, box]], dtype="float32"),
        "labels": np.array([[1, -1], [-1, -1]]),  # -1: padding, not drawn
    }
    out = visualization.draw_bounding_boxes(
        images, boxes, fmt, color=(255, 0, 10), line_thickness=thickness
    )
    assert out.dtype == np.uint8 and out.shape == images.shape
    mask = _outline(16, 16, 2, 3, 7, 8, thickness // 2, thickness - 1 - thickness // 2)
    expected = np.zeros((16, 16, 3), "uint8")
    expected[mask] = (255, 0, 10)
    np.testing.assert_array_equal(out[0], expected)
    np.testing.assert_array_equal(out[1], 0)
    assert images.max() == 0  # input untouched


def test_draw_bounding_boxes_scales_and_labels():
    images = np.full((1, 64, 64, 3), 0.5, dtype="float32")  # [0, 1] -> * 255
    boxes = {"boxes": np.array([[[5, 40, 50, 60]]]), "labels": np.array([[0]])}
    kw = dict(line_thickness=1, color=(255, 0, 0))
    plain = visualization.draw_bounding_boxes(images, boxes, "xyxy", **kw)
    assert plain[0, 0, 0, 0] == 127  # 0.5 * 255, truncated
    labelled = visualization.draw_bounding_boxes(
        images, boxes, "xyxy", class_mapping={0: "cat"}, **kw
    )
    # Keras's placement: the label sits 8 px above the box's top edge (y=40)
    changed = np.argwhere((labelled[0] != plain[0]).any(-1))
    assert len(changed) and changed[:, 0].max() < 40 and changed[:, 1].min() >= 5
    np.testing.assert_array_equal(labelled[0, 40:], plain[0, 40:])


def test_draw_bounding_boxes_errors():
    images = np.zeros((1, 4, 4, 3))
    with pytest.raises(ValueError, match="batched 4D"):
        visualization.draw_bounding_boxes(images[0], {"boxes": 0, "labels": 0}, "xyxy")
    with pytest.raises(TypeError, match="should be a dict"):
        visualization.draw_bounding_boxes(images, [1], "xyxy")
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        visualization.draw_bounding_boxes(images, {"boxes": 1}, "xyxy")
    with pytest.raises(ValueError, match="Invalid bounding_box_format"):
        visualization.draw_bounding_boxes(
            images, {"boxes": np.zeros((1, 1, 4)), "labels": np.zeros((1, 1))}, "xy"
        )


def _mask_case():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 5, 6, 3)).astype("float32")
    masks = rng.integers(-1, 3, (2, 5, 6, 1)).astype("int32")
    return images, masks


@pytest.mark.parametrize("blend", [True, False])
def test_draw_segmentation_masks_matches_formula(blend):
    images, masks = _mask_case()
    colors = {0: (255, 0, 0), 1: (0, 255, 0), 2: (0, 0, 255)}
    out = visualization.draw_segmentation_masks(
        images, masks, num_classes=3, color_mapping=colors, alpha=0.25, blend=blend
    )
    painted = images.copy()
    for c, color in colors.items():
        painted[masks[..., 0] == c] = color
    if blend:
        expected = images * 0.75 + painted * 0.25
        expected = np.where(masks != -1, expected, images).astype("uint8")
    else:
        expected = painted
    np.testing.assert_array_equal(out, expected)


@pytest.mark.compat
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"num_classes": 3, "alpha": 0.5}, {"num_classes": 4, "ignore_index": 0}],
)
def test_draw_segmentation_masks_matches_keras(kwargs):
    keras3()
    import keras

    images, masks = _mask_case()
    ours = visualization.draw_segmentation_masks(images, masks, **kwargs)
    theirs = np.asarray(
        keras.visualization.draw_segmentation_masks(images, masks, **kwargs)
    )
    np.testing.assert_array_equal(ours, theirs)
    chw = visualization.draw_segmentation_masks(
        images.transpose(0, 3, 1, 2),
        masks.transpose(0, 3, 1, 2),
        data_format="channels_first",
        **kwargs,
    )
    np.testing.assert_array_equal(chw, theirs)
    with pytest.raises(TypeError, match="integer dtype"):
        visualization.draw_segmentation_masks(images, masks.astype("float32"))


def test_plot_functions_return_figures(tmp_path):
    images = np.random.default_rng(0).uniform(0, 1, (4, 8, 8, 3))
    fig = visualization.plot_image_gallery(
        images,
        y_true=np.array([0, 1, 0, 1]),
        label_map={0: "a", 1: "b"},
        value_range=(0, 1),
        path=tmp_path / "g.png",
    )
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 4
    assert fig.axes[1].get_title() == "Label: b"
    assert (tmp_path / "g.png").stat().st_size > 0
    boxes = {"boxes": np.array([[[1, 1, 5, 5]]] * 4), "labels": np.zeros((4, 1))}
    fig = visualization.plot_bounding_box_gallery(
        images * 255, "xyxy", y_true=boxes, y_pred=boxes, legend=True, show=False
    )
    assert isinstance(fig, matplotlib.figure.Figure) and fig.legends
    masks = np.zeros((4, 8, 8, 1), "int32")
    fig = visualization.plot_segmentation_mask_gallery(
        images * 255, num_classes=2, y_true=masks, y_pred=masks, show=False
    )
    assert len(fig.axes) == 12  # 4 rows x (image, true, pred)
    shown = fig.axes[1].get_images()[0].get_array()
    np.testing.assert_array_equal(
        shown,
        visualization.draw_segmentation_masks(images * 255, masks, num_classes=2)[0],
    )
    with pytest.raises(ValueError, match="label_map"):
        visualization.plot_image_gallery(images, y_true=[0, 1, 0, 1])
    with pytest.raises(ValueError, match="either `path`"):
        visualization.plot_image_gallery(images, path="x.png", show=True)
    with pytest.raises(ValueError, match="OR `legend_handles`"):
        visualization.plot_bounding_box_gallery(
            images, "xyxy", legend=True, legend_handles=[1], show=False
        )
    matplotlib.pyplot.close("all")
