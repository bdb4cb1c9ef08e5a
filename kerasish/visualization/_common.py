"""Helpers shared by the visualization functions (numpy only)."""

import numpy as np

from kerasish import config, ops

_FORMATS = (
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


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(x)) if ops.is_tensor(x) else np.asarray(x)


def data_format_of(data_format):
    return data_format or config.image_data_format()


def check_batched(images):
    shape = np.shape(images)
    if len(shape) != 4:
        raise ValueError(
            f"`images` must be batched 4D tensor. Received: images.shape={shape}"
        )


def boxes_to_xyxy(boxes, source, height, width):
    """Absolute `[left, top, right, bottom]` boxes from any Keras box format."""
    source = source.lower()
    if source not in _FORMATS:
        raise ValueError(
            f"Invalid bounding_box_format {source!r}. Valid formats: {_FORMATS}"
        )
    b = np.asarray(boxes, dtype="float64")
    if b.shape[-1] != 4:
        raise ValueError(
            f"Bounding boxes must have a last axis of 4; received shape {b.shape}."
        )
    rel = source.startswith("rel_")
    kind = source[4:] if rel else source
    a, c, d, e = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    if kind == "xyxy":
        x1, y1, x2, y2 = a, c, d, e
    elif kind == "yxyx":
        y1, x1, y2, x2 = a, c, d, e
    elif kind == "xywh":
        x1, y1, x2, y2 = a, c, a + d, c + e
    elif kind == "center_xywh":
        x1, y1, x2, y2 = a - d / 2, c - e / 2, a + d / 2, c + e / 2
    else:  # center_yxhw
        y1, x1, y2, x2 = a - d / 2, c - e / 2, a + d / 2, c + e / 2
    if rel:
        x1, x2, y1, y2 = x1 * width, x2 * width, y1 * height, y2 * height
    return np.stack([x1, y1, x2, y2], axis=-1)


def transform_value_range(images, original_range, target_range):
    """Maps `original_range` linearly onto `target_range` (float32)."""
    if tuple(original_range) == tuple(target_range):
        return images
    images = np.asarray(images, dtype="float32")
    lo, hi = (np.float32(v) for v in original_range)
    t_lo, t_hi = (np.float32(v) for v in target_range)
    return (images - lo) / (hi - lo) * (t_hi - t_lo) + t_lo
