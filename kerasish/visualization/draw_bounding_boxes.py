"""`draw_bounding_boxes`: box outlines (and class labels) drawn into images."""

import warnings

import numpy as np

from kerasish.visualization import _common


def _rectangle(image, x1, y1, x2, y2, color, thickness):
    """Outline of the box with corners (x1, y1), (x2, y2), `thickness` pixels wide.

    The line is centered on the box edges: `thickness // 2` pixels outside and
    `thickness - 1 - thickness // 2` inside (1 pixel: exactly the edge pixels).
    """
    height, width = image.shape[:2]
    x1, x2 = sorted((x1, x2))
    y1, y2 = sorted((y1, y2))
    out, inner = thickness // 2, thickness - 1 - thickness // 2
    ys, xs = np.arange(height)[:, None], np.arange(width)[None, :]
    outer_box = (
        (ys >= y1 - out) & (ys <= y2 + out) & (xs >= x1 - out) & (xs <= x2 + out)
    )
    inner_box = (
        (ys > y1 + inner) & (ys < y2 - inner) & (xs > x1 + inner) & (xs < x2 - inner)
    )
    image[outer_box & ~inner_box] = np.asarray(color, dtype=image.dtype)[
        : image.shape[2]
    ]


def _text_location(x, y, font_scale, thickness):
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def _draw_text(image, text, origin, color, font_scale):
    """Draws `text` with Pillow when it is installed; returns whether it could."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return False
    pil = Image.fromarray(image)
    try:
        font = ImageFont.load_default(size=max(8, int(12 * font_scale)))
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    x, y = origin
    size = max(8, int(12 * font_scale))
    ImageDraw.Draw(pil).text((x, y - size), text, fill=tuple(color), font=font)
    image[...] = np.asarray(pil)
    return True


def draw_bounding_boxes(
    images,
    bounding_boxes,
    bounding_box_format,
    class_mapping=None,
    color=(128, 128, 128),
    line_thickness=2,
    text_thickness=1,
    font_scale=1.0,
    data_format=None,
):
    """Draws bounding boxes (and class labels) on a batch of images.

    Keras draws with OpenCV; kerasish draws the outlines in numpy and the
    labels with Pillow (skipped with a warning when Pillow is missing).

    Args:
        images: Batch of images, `(batch, height, width, channels)`. Float
            images in `[0, 1]` are scaled by 255; others are clipped to
            `[0, 255]`; the result is uint8.
        bounding_boxes: Dict with `"boxes"` `(batch, num_boxes, 4)`,
            `"labels"` `(batch, num_boxes)` (label -1: padding, not drawn) and
            optionally `"confidences"`.
        bounding_box_format: `"xyxy"`, `"yxyx"`, `"xywh"`, `"center_xywh"`,
            `"center_yxhw"`, or their `"rel_"` (relative) versions.
        class_mapping: Dict of class id -> label text drawn above each box.
        color: RGB color of the outlines and text.
        line_thickness: Outline width in pixels.
        text_thickness: Text stroke width (accepted for Keras compatibility).
        font_scale: Text size relative to 12 pixels.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        uint8 numpy array of the images with the boxes drawn, channels_last.
    """
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    data_format = _common.data_format_of(data_format)
    images = _common.to_numpy(images)
    _common.check_batched(images)
    if not isinstance(bounding_boxes, dict):
        raise TypeError(
            "`bounding_boxes` should be a dict. Received: bounding_boxes="
            f"{bounding_boxes} of type {type(bounding_boxes)}"
        )
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError(
            "`bounding_boxes` should be a dict containing 'boxes' and 'labels' "
            f"keys. Received: bounding_boxes={bounding_boxes}"
        )
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    height, width = images.shape[1:3]
    boxes = _common.boxes_to_xyxy(
        _common.to_numpy(bounding_boxes["boxes"]), bounding_box_format, height, width
    )
    labels = _common.to_numpy(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    if confidences is not None:
        confidences = _common.to_numpy(confidences)
    if images.dtype.kind == "f" and images.size > 0:
        images = (
            np.clip(images, 0, 1) * 255
            if images.max() <= 1.0
            else np.clip(images, 0, 255)
        )
    images = images.astype("uint8")  # a copy: the input is left untouched
    warned = False
    for i in range(images.shape[0]):
        for j in range(boxes[i].shape[0]):
            c = int(labels[i][j])
            if c == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in boxes[i][j].astype("int32"))
            _rectangle(images[i], x1, y1, x2, y2, color, line_thickness)
            if c in class_mapping:
                label = class_mapping[c]
                if confidences is not None:
                    label = f"{label} | {confidences[i][j]:.2f}"
                origin = _text_location(x1, y1, font_scale, text_thickness)
                if not _draw_text(images[i], label, origin, color, font_scale):
                    if not warned:
                        warnings.warn(
                            "draw_bounding_boxes: labels need Pillow "
                            "(`pip install kerasish[image]`); drawing boxes only.",
                            stacklevel=2,
                        )
                        warned = True
    return images
