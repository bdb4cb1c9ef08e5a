"""Intersection over union of bounding boxes: `compute_iou`, `compute_ciou`."""

import math

from kerasish import config, ops
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)


def _check_rank(name, boxes):
    rank = len(ops.shape(boxes))
    if rank not in (2, 3):
        raise ValueError(
            f"compute_iou: `{name}` must be `(N, 4)` or `(batch, N, 4)`, received "
            f"shape {tuple(ops.shape(boxes))}."
        )
    return rank


def _image_hw(image_shape):
    if image_shape is None:
        return None, None
    height, width, _ = image_shape
    return height, width


def compute_iou(
    boxes1,
    boxes2,
    bounding_box_format,
    use_masking=False,
    mask_val=-1,
    image_shape=None,
):
    """Pairwise IoU table of two sets of boxes.

    `(M, 4), (N, 4) -> (M, N)`; with a batch axis on either side the result
    is `(batch, M, N)`. IoU is `intersection / (union + epsilon)`.

    Args:
        boxes1: `(M, 4)` or `(batch, M, 4)` boxes.
        boxes2: `(N, 4)` or `(batch, N, 4)` boxes.
        bounding_box_format: The boxes' format (see `convert_format`).
        use_masking: If True, pairs where either box has all 4 coordinates
            below 0 (padding) get `mask_val`.
        mask_val: The value for masked pairs. Defaults to -1.
        image_shape: `(height, width, channels)`, required for relative formats.

    Returns:
        The IoU table.
    """
    _check_rank("boxes1", boxes1)
    _check_rank("boxes2", boxes2)
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError(
            f"compute_iou: the relative format {bounding_box_format!r} needs "
            "`image_shape=(height, width, channels)`; received image_shape=None."
        )
    height, width = _image_hw(image_shape)
    boxes1 = converters.convert_format(
        boxes1, bounding_box_format, "yxyx", height=height, width=width
    )
    boxes2 = converters.convert_format(
        boxes2, bounding_box_format, "yxyx", height=height, width=width
    )
    y_min1, x_min1, y_max1, x_max1 = ops.split(boxes1, 4, axis=-1)
    y_min2, x_min2, y_max2, x_max2 = ops.split(boxes2, 4, axis=-1)
    # boxes2's coordinates as rows: (1, N) or (batch, 1, N).
    perm = (1, 0) if len(boxes2.shape) == 2 else (0, 2, 1)
    rows = [ops.transpose(t, perm) for t in (y_min2, x_min2, y_max2, x_max2)]
    inter_h = ops.maximum(
        ops.minimum(y_max1, rows[2]) - ops.maximum(y_min1, rows[0]), 0
    )
    inter_w = ops.maximum(
        ops.minimum(x_max1, rows[3]) - ops.maximum(x_min1, rows[1]), 0
    )
    intersection = inter_h * inter_w
    area1 = (y_max1 - y_min1) * (x_max1 - x_min1)  # (..., M, 1)
    area2 = ops.squeeze((y_max2 - y_min2) * (x_max2 - x_min2), axis=-1)
    area2 = ops.expand_dims(area2, axis=1 if len(area2.shape) == 2 else 0)
    union = area1 + area2 - intersection
    iou = intersection / (union + config.epsilon())
    if not use_masking:
        return iou
    # Padding boxes (all coordinates < 0): (..., M, 1) or'd with (..., 1, N).
    # Keras transposes by boxes1's rank, which fails on mixed ranks.
    mask1 = ops.max(boxes1, axis=-1, keepdims=True) < 0.0
    mask2 = ops.max(boxes2, axis=-1, keepdims=True) < 0.0
    background = ops.logical_or(mask1, ops.transpose(mask2, perm))
    return ops.where(background, ops.cast(mask_val, iou.dtype), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes: `iou - (rho^2 / c^2 + alpha v)`.

    `rho` is the distance between centers, `c` the diagonal of the enclosing
    box, `v = 4 / pi^2 (atan(w2 / h2) - atan(w1 / h1))^2` and
    `alpha = v / (v - iou + 1 + epsilon)`; heights get `+ epsilon`.

    Args:
        boxes1: `(..., 4)` boxes.
        boxes2: `(..., 4)` boxes, broadcastable against `boxes1`.
        bounding_box_format: The boxes' format; relative formats are rejected
            (as in Keras).
        image_shape: Unused for absolute formats; kept for Keras's signature.

    Returns:
        The CIoU, shaped like the boxes without their last axis.
    """
    if "rel" in bounding_box_format:
        raise ValueError(
            f"compute_ciou: relative formats are not supported (as in Keras), "
            f"received {bounding_box_format!r}. Convert the boxes to an absolute "
            "format with `convert_format` first."
        )
    eps = config.epsilon()
    height, width = _image_hw(image_shape)
    boxes1 = converters.convert_format(
        boxes1, bounding_box_format, "xyxy", height=height, width=width
    )
    boxes2 = converters.convert_format(
        boxes2, bounding_box_format, "xyxy", height=height, width=width
    )
    x_min1, y_min1, x_max1, y_max1 = ops.split(boxes1, 4, axis=-1)
    x_min2, y_min2, x_max2, y_max2 = ops.split(boxes2, 4, axis=-1)
    width1, height1 = x_max1 - x_min1, y_max1 - y_min1 + eps
    width2, height2 = x_max2 - x_min2, y_max2 - y_min2 + eps
    intersection = ops.maximum(
        ops.minimum(x_max1, x_max2) - ops.maximum(x_min1, x_min2), 0
    ) * ops.maximum(ops.minimum(y_max1, y_max2) - ops.maximum(y_min1, y_min2), 0)
    union = width1 * height1 + width2 * height2 - intersection + eps
    iou = ops.squeeze(intersection / (union + eps), axis=-1)
    hull_w = ops.maximum(x_max1, x_max2) - ops.minimum(x_min1, x_min2)
    hull_h = ops.maximum(y_max1, y_max2) - ops.minimum(y_min1, y_min2)
    diagonal2 = ops.squeeze(hull_w**2 + hull_h**2 + eps, axis=-1)
    centers2 = ops.squeeze(
        ((x_min1 + x_max1) / 2 - (x_min2 + x_max2) / 2) ** 2
        + ((y_min1 + y_max1) / 2 - (y_min2 + y_max2) / 2) ** 2,
        axis=-1,
    )
    v = ops.squeeze(
        (4 / math.pi**2)
        * (ops.arctan(width2 / height2) - ops.arctan(width1 / height1)) ** 2,
        axis=-1,
    )
    alpha = v / (v - iou + (1 + eps))
    return iou - (centers2 / diagonal2 + v * alpha)
