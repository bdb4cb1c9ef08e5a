"""Bounding box formats, conversions and geometric transforms.

Public as `kerasish.utils.bounding_boxes` (Keras's `keras.utils.bounding_boxes`).
Boxes are arrays whose last axis holds 4 coordinates, `(N, 4)` or
`(batch, N, 4)`; "bounding boxes" are dicts `{"boxes": ..., "labels": ...}`.
Every function is written with `kerasish.ops`, so it runs eagerly and under
`jit` alike.

Formats (case-insensitive):
- "xyxy": `[left, top, right, bottom]`
- "yxyx": `[top, left, bottom, right]`
- "xywh": `[left, top, width, height]`
- "center_xywh": `[center_x, center_y, width, height]`
- "center_yxhw": `[center_y, center_x, height, width]`
- "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh": the same with
  coordinates divided by the image width (x) and height (y).
"""

import math

from kerasish import config, ops

SUPPORTED_FORMATS = (
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


def _split4(boxes):
    return ops.split(boxes, 4, axis=-1)


def _join(*parts):
    return ops.concatenate(list(parts), axis=-1)


def _to_xyxy(boxes, source, height, width):
    """Boxes in `source` (without its "rel_" prefix) to "xyxy"."""
    a, b, c, d = _split4(boxes)
    if source == "xyxy":
        return boxes
    if source == "yxyx":
        return _join(b, a, d, c)
    if source == "xywh":
        return _join(a, b, a + c, b + d)
    if source == "center_xywh":
        return _join(a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0)
    if source == "center_yxhw":
        return _join(b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0)
    # Relative formats scale x by the width and y by the height.
    if source == "rel_xyxy":
        return _join(a * width, b * height, c * width, d * height)
    if source == "rel_yxyx":
        return _join(b * width, a * height, d * width, c * height)
    if source == "rel_xywh":
        return _join(a * width, b * height, (a + c) * width, (b + d) * height)
    # rel_center_xywh
    return _join(
        (a - c / 2.0) * width,
        (b - d / 2.0) * height,
        (a + c / 2.0) * width,
        (b + d / 2.0) * height,
    )


def _from_xyxy(boxes, target, height, width):
    """ "xyxy" boxes to `target`."""
    x1, y1, x2, y2 = _split4(boxes)
    if target == "xyxy":
        return boxes
    if target == "yxyx":
        return _join(y1, x1, y2, x2)
    if target == "xywh":
        return _join(x1, y1, x2 - x1, y2 - y1)
    if target == "center_xywh":
        return _join(x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0, x2 - x1, y2 - y1)
    if target == "center_yxhw":
        return _join(y1 + (y2 - y1) / 2.0, x1 + (x2 - x1) / 2.0, y2 - y1, x2 - x1)
    if target == "rel_xyxy":
        return _join(x1 / width, y1 / height, x2 / width, y2 / height)
    if target == "rel_yxyx":
        return _join(y1 / height, x1 / width, y2 / height, x2 / width)
    if target == "rel_xywh":
        return _join(x1 / width, y1 / height, (x2 - x1) / width, (y2 - y1) / height)
    # rel_center_xywh
    return _join(
        (x1 + (x2 - x1) / 2.0) / width,
        (y1 + (y2 - y1) / 2.0) / height,
        (x2 - x1) / width,
        (y2 - y1) / height,
    )


def check_format(function, arg, value, allowed=SUPPORTED_FORMATS):
    """Lower-cases a format name and checks it is one of `allowed`."""
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(
            f"{function}: unknown bounding box format for `{arg}`: {value!r}. "
            f"Valid formats are {', '.join(repr(f) for f in allowed)}."
        )
    return value.lower()


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Converts bounding boxes between formats.

    Args:
        boxes: Boxes `(..., 4)`, or a dict whose "boxes" entry is converted
            (the other entries are kept).
        source: The format of `boxes` (see the module docstring).
        target: The format to convert to.
        height: Image height; required when either format is relative.
        width: Image width; required when either format is relative.
        dtype: The dtype of the result. Defaults to "float32".

    Returns:
        The converted boxes (a new dict when `boxes` is a dict).

    Example:
    >>> kerasish.utils.bounding_boxes.convert_format(
    ...     np.array([[10, 20, 30, 40]]), source="xyxy", target="xywh")
    Array([[10., 20., 20., 20.]], dtype=float32)
    """
    if isinstance(boxes, dict):
        converted = convert_format(
            boxes["boxes"], source, target, height=height, width=width, dtype=dtype
        )
        return {**boxes, "boxes": converted}
    source = check_format("convert_format", "source", source)
    target = check_format("convert_format", "target", target)
    shape = ops.shape(boxes)
    if not shape or shape[-1] != 4:
        raise ValueError(
            "convert_format: `boxes` must have a last axis of size 4 (the box "
            f"coordinates), received shape {tuple(shape)}."
        )
    relative = source.startswith("rel_") or target.startswith("rel_")
    if relative and (height is None or width is None):
        raise ValueError(
            f"convert_format: converting from {source!r} to {target!r} involves a "
            f"relative format, so `height` and `width` are required; received "
            f"height={height!r} and width={width!r}. Pass the image size."
        )
    boxes = ops.cast(boxes, dtype)
    if source == target:
        return boxes
    if height is not None:
        height = ops.cast(height, dtype)
    if width is not None:
        width = ops.cast(width, dtype)
    # Between two relative formats no scaling is needed.
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def compute_area(boxes):
    """Areas of "xyxy" boxes, with a kept last axis of size 1."""
    x1, y1, x2, y2 = _split4(boxes)
    return (x2 - x1) * (y2 - y1)


def clip_to_image_size(
    bounding_boxes, height=None, width=None, bounding_box_format="xyxy"
):
    """Clips boxes to the image; boxes left with no area get label -1.

    Args:
        bounding_boxes: A dict with "boxes" `(N, 4)` or `(batch, N, 4)` and,
            optionally, "labels" `(N,)` or `(batch, N)`.
        height: Image height (required for "xyxy").
        width: Image width (required for "xyxy").
        bounding_box_format: "xyxy" (clip to `[0, width] x [0, height]`) or
            "rel_xyxy" (clip to `[0, 1]`).

    Returns:
        A new dict with the clipped boxes and updated labels.
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(
            "clip_to_image_size: only the 'xyxy' and 'rel_xyxy' formats are "
            f"supported (as in Keras), received {bounding_box_format!r}. Convert "
            "the boxes with `convert_format` first."
        )
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError(
            "clip_to_image_size: `height` and `width` are required for the "
            f"'xyxy' format; received height={height!r} and width={width!r}."
        )
    boxes = bounding_boxes["boxes"]
    labels = bounding_boxes.get("labels")
    x1, y1, x2, y2 = _split4(boxes)
    if bounding_box_format == "xyxy":
        width = ops.cast(width, boxes.dtype)
        height = ops.cast(height, boxes.dtype)
        x_max, y_max = width, height
    else:
        x_max = y_max = 1.0
    boxes = _join(
        ops.clip(x1, 0, x_max),
        ops.clip(y1, 0, y_max),
        ops.clip(x2, 0, x_max),
        ops.clip(y2, 0, y_max),
    )
    result = {**bounding_boxes, "boxes": boxes}
    if labels is not None:
        areas = ops.squeeze(compute_area(boxes), axis=-1)
        result["labels"] = ops.where(areas > 0, labels, -1)
    return result


def _inverse_affine_matrix(
    center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y,
    height, width,
):  # fmt: skip
    """The `(batch, 3, 3)` matrix mapping input points to output points.

    It inverts the rotation-scale-shear about the center `(cx, cy)`; with
    `rot = -angle`, `sx = -shear_x`, `sy = -shear_y` (radians):
    `a = cos(rot - sy) / cos(sy)`, `b = a tan(sx) + sin(rot)`,
    `c = -sin(rot - sy) / cos(sy)`, `d = cos(rot) - c tan(sx)`, and the 2x2
    part is `scale * [[d, -b], [-c, a]]`.
    """
    angle = ops.convert_to_tensor(angle)
    dtype = angle.dtype
    batch = ops.shape(angle)[0]
    to_radians = math.pi / 180.0
    cx = center_x * (width - 1)
    cy = center_y * (height - 1)
    rot = -angle * to_radians
    tx = -translate_x * (width - 1)
    ty = -translate_y * (height - 1)
    sx = -shear_x * to_radians
    sy = -shear_y * to_radians
    cos_sy = ops.cos(sy)
    tan_sx = ops.tan(sx)
    a = ops.cos(rot - sy) / cos_sy
    b = a * tan_sx + ops.sin(rot)
    c = -ops.sin(rot - sy) / cos_sy
    d = ops.cos(rot) - c * tan_sx
    a0, a1 = d * scale, -b * scale
    b0, b1 = -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    zeros = ops.zeros((batch,), dtype)
    ones = ops.ones((batch,), dtype)
    matrix = ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], axis=-1)
    return ops.reshape(matrix, (batch, 3, 3))


def affine_transform(
    boxes,
    angle,
    translate_x,
    translate_y,
    scale,
    shear_x,
    shear_y,
    height,
    width,
    center_x=None,
    center_y=None,
    bounding_box_format="xyxy",
):
    """Applies an affine transformation (per batch item) to "xyxy" boxes.

    Each box's four corners are mapped and the result is their enclosing
    axis-aligned box.

    Args:
        boxes: `(batch, N, 4)` boxes.
        angle: `(batch,)` rotation angles in degrees.
        translate_x: `(batch,)` horizontal translations, fractions of `width - 1`.
        translate_y: `(batch,)` vertical translations, fractions of `height - 1`.
        scale: `(batch,)` scaling factors.
        shear_x: `(batch,)` shear angles along x, in degrees.
        shear_y: `(batch,)` shear angles along y, in degrees.
        height: Image height.
        width: Image width.
        center_x: The center's x as a fraction of `width - 1`. Defaults to 0.5.
        center_y: The center's y as a fraction of `height - 1`. Defaults to 0.5.
        bounding_box_format: Only "xyxy" is supported (as in Keras).

    Returns:
        The transformed `(batch, N, 4)` boxes.
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "affine_transform: only the 'xyxy' format is supported (as in Keras), "
            f"received {bounding_box_format!r}. Convert the boxes first."
        )
    center_x = 0.5 if center_x is None else center_x
    center_y = 0.5 if center_y is None else center_y
    matrix = _inverse_affine_matrix(
        center_x, center_y, angle, translate_x, translate_y, scale, shear_x,
        shear_y, height, width,
    )  # fmt: skip
    boxes = ops.cast(boxes, matrix.dtype)
    batch, num_boxes = ops.shape(boxes)[:2]
    # Corners (x1, y1), (x2, y1), (x2, y2), (x1, y2): (batch, N, 4, 2).
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    corners = ops.stack([x1, y1, x2, y1, x2, y2, x1, y2], axis=-1)
    corners = ops.reshape(corners, (batch, num_boxes, 4, 2))
    ones = ops.ones((batch, num_boxes, 4, 1), corners.dtype)
    corners = ops.concatenate([corners, ones], axis=-1)
    rows = ops.transpose(matrix[:, :2, :], (0, 2, 1))  # (batch, 3, 2)
    mapped = ops.einsum("bnxy,byz->bnxz", corners, rows)
    return ops.concatenate([ops.amin(mapped, axis=2), ops.amax(mapped, axis=2)], -1)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """Moves "xyxy" boxes into the crop `[left, left+width] x [top, top+height]`.

    Coordinates are shifted by `(-left, -top)` and clipped to the crop.

    Example:
    >>> kerasish.utils.bounding_boxes.crop(
    ...     np.array([[10., 20., 50., 60.]]), top=10, left=20, height=40, width=30)
    Array([[ 0., 10., 30., 40.]], dtype=float32)
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "crop: only the 'xyxy' format is supported (as in Keras), received "
            f"{bounding_box_format!r}. Convert the boxes first."
        )
    x1, y1, x2, y2 = _split4(boxes)
    return _join(
        ops.clip(x1 - left, 0, width),
        ops.clip(y1 - top, 0, height),
        ops.clip(x2 - left, 0, width),
        ops.clip(y2 - top, 0, height),
    )


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """Shifts "xyxy" boxes by `(left, top)`, as padding the image does.

    `height` and `width` are accepted for Keras's signature and unused.
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "pad: only the 'xyxy' format is supported (as in Keras), received "
            f"{bounding_box_format!r}. Convert the boxes first."
        )
    x1, y1, x2, y2 = _split4(boxes)
    return _join(x1 + left, y1 + top, x2 + left, y2 + top)


def _check_variance(function, variance):
    if variance is None:
        return None
    variance = ops.convert_to_tensor(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(
            f"{function}: `variance` must have 4 values (one per box coordinate), "
            f"received {variance!r}."
        )
    return variance


def _check_encoding(function, arg, value):
    if value not in ("center_xywh", "center_yxhw"):
        raise ValueError(
            f"{function}: `{arg}` must be 'center_xywh' or 'center_yxhw', "
            f"received {value!r}."
        )


def _image_hw(image_shape):
    if image_shape is None:
        return None, None
    height, width, _ = image_shape
    return height, width


def encode_box_to_deltas(
    anchors,
    boxes,
    anchor_format,
    box_format,
    encoding_format="center_yxhw",
    variance=None,
    image_shape=None,
):
    """Encodes boxes as deltas from anchors.

    In `encoding_format` (centers `c`, sizes `s`, sizes floored at epsilon):
    `delta = concat[(c_box - c_anchor) / s_anchor, log(s_box / s_anchor)]`,
    divided by `variance` when given.

    Args:
        anchors: `(N, 4)` anchor boxes in `anchor_format`.
        boxes: `(N, 4)` or `(batch, N, 4)` boxes in `box_format`.
        anchor_format: The anchors' format.
        box_format: The boxes' format.
        encoding_format: "center_yxhw" (default) or "center_xywh".
        variance: Optional 4 scale factors.
        image_shape: `(height, width, channels)`, for relative formats.

    Returns:
        The deltas, shaped like `boxes`.
    """
    variance = _check_variance("encode_box_to_deltas", variance)
    _check_encoding("encode_box_to_deltas", "encoding_format", encoding_format)
    height, width = _image_hw(image_shape)
    anchors = convert_format(
        anchors, anchor_format, encoding_format, height=height, width=width
    )
    boxes = convert_format(
        boxes, box_format, encoding_format, height=height, width=width
    )
    anchor_sizes = ops.maximum(anchors[..., 2:], config.epsilon())
    box_sizes = ops.maximum(boxes[..., 2:], config.epsilon())
    deltas = ops.concatenate(
        [
            (boxes[..., :2] - anchors[..., :2]) / anchor_sizes,
            ops.log(box_sizes / anchor_sizes),
        ],
        axis=-1,
    )
    if variance is not None:
        deltas = deltas / variance
    return deltas


def decode_deltas_to_boxes(
    anchors,
    boxes_delta,
    anchor_format,
    box_format,
    encoded_format="center_yxhw",
    variance=None,
    image_shape=None,
):
    """Decodes deltas from `encode_box_to_deltas` back to boxes in `box_format`.

    `anchors` and `boxes_delta` may be arrays or dicts of arrays with the same
    keys (one entry per feature level); the result has the same structure.
    """
    variance = _check_variance("decode_deltas_to_boxes", variance)
    _check_encoding("decode_deltas_to_boxes", "encoded_format", encoded_format)
    height, width = _image_hw(image_shape)

    def decode(anchor, delta):
        anchor = convert_format(
            anchor, anchor_format, encoded_format, height=height, width=width
        )
        if variance is not None:
            delta = delta * variance
        box = ops.concatenate(
            [
                delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                ops.exp(delta[..., 2:]) * anchor[..., 2:],
            ],
            axis=-1,
        )
        return convert_format(
            box, encoded_format, box_format, height=height, width=width
        )

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(a, boxes_delta[level]) for level, a in anchors.items()}
    return decode(anchors, boxes_delta)
