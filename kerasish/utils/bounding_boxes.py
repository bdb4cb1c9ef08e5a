"""`kerasish.utils.bounding_boxes`: Keras's `keras.utils.bounding_boxes`.

Converting boxes between formats, clipping, cropping, padding and affine
transforms of boxes, anchor delta encoding and IoU. The functions live with the
image preprocessing layers that use them.
"""

from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (  # noqa: E501
    affine_transform,
    clip_to_image_size,
    convert_format,
    crop,
    decode_deltas_to_boxes,
    encode_box_to_deltas,
    pad,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes.iou import (
    compute_ciou,
    compute_iou,
)

__all__ = [
    "affine_transform",
    "clip_to_image_size",
    "compute_ciou",
    "compute_iou",
    "convert_format",
    "crop",
    "decode_deltas_to_boxes",
    "encode_box_to_deltas",
    "pad",
]
