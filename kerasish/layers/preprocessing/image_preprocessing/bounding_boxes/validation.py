"""Checks and densifies the `{"boxes", "labels"}` dicts the image layers take."""

import numpy as np

from kerasish import ops


def validate_bounding_boxes(bounding_boxes):
    """Raises a ValueError unless `bounding_boxes` is a well-formed dict."""
    if (
        not isinstance(bounding_boxes, dict)
        or "boxes" not in bounding_boxes
        or "labels" not in bounding_boxes
    ):
        got = (
            f"a dict with keys {sorted(bounding_boxes)}"
            if isinstance(bounding_boxes, dict)
            else type(bounding_boxes).__name__
        )
        raise ValueError(
            "Expected `bounding_boxes` to be a dict with keys 'boxes' and "
            f"'labels', received {got}."
        )
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list | tuple):
        if not isinstance(labels, list | tuple) or len(boxes) != len(labels):
            raise ValueError(
                "When `bounding_boxes['boxes']` is a list, "
                "`bounding_boxes['labels']` must be a list of the same length; "
                f"received {len(boxes)} boxes and labels {labels!r}."
            )
        return
    boxes_rank = len(ops.shape(boxes))
    labels_rank = len(ops.shape(labels))
    if boxes_rank not in (2, 3):
        raise ValueError(
            "Expected `bounding_boxes['boxes']` of shape (num_boxes, 4) or "
            f"(batch, num_boxes, 4), received shape {tuple(ops.shape(boxes))}."
        )
    if labels_rank not in (boxes_rank - 1, boxes_rank):
        raise ValueError(
            f"`bounding_boxes['boxes']` has shape {tuple(ops.shape(boxes))}, so "
            f"`bounding_boxes['labels']` must have rank {boxes_rank - 1} or "
            f"{boxes_rank}; received shape {tuple(ops.shape(labels))}."
        )


def _pad_rows(rows, width, fill, dtype):
    out = np.full((len(rows), width, *np.shape(rows[0])[1:]), fill, dtype=dtype)
    for i, row in enumerate(rows):
        row = np.asarray(row, dtype=dtype)[:width]
        out[i, : len(row)] = row
    return out


def densify_bounding_boxes(
    bounding_boxes,
    is_batched=False,
    max_boxes=None,
    boxes_default_value=0,
    labels_default_value=-1,
):
    """Returns a new dict with dense "boxes" (float32) and "labels" arrays.

    Python lists of per-image boxes (ragged across a batch) are padded to the
    longest image's count (or cut to `max_boxes`) with `boxes_default_value`
    and `labels_default_value`.
    """
    validate_bounding_boxes(bounding_boxes)
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list | tuple):
        if is_batched:
            rows = [np.asarray(b, dtype="float32").reshape(-1, 4) for b in boxes]
            label_rows = [np.asarray(lab, dtype="int32").reshape(-1) for lab in labels]
            width = max_boxes or max((len(r) for r in rows), default=0)
            boxes = _pad_rows(rows, width, boxes_default_value, "float32")
            labels = _pad_rows(label_rows, width, labels_default_value, "int32")
        else:
            boxes = np.asarray(boxes, dtype="float32").reshape(-1, 4)
            labels = np.asarray(labels, dtype="int32").reshape(-1)
    return {
        **bounding_boxes,
        "boxes": ops.convert_to_tensor(boxes, dtype="float32"),
        "labels": ops.convert_to_tensor(labels),
    }
