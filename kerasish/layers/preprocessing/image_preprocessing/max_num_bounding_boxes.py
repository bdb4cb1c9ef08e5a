"""`MaxNumBoundingBoxes`: pads or cuts the bounding boxes to a fixed count."""

from kerasish import ops
from kerasish.layers.preprocessing._utils import check_int
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Makes every image carry exactly `max_number` bounding boxes.

    Boxes past `max_number` are dropped; missing ones are added with all 4
    coordinates and the label equal to `fill_value`. Images, labels and
    segmentation masks pass through unchanged. As in Keras, the boxes are
    padded whatever `training` is, so a detection model sees fixed shapes in
    `fit` and `predict` alike.

    Args:
        max_number: Positive int, the number of boxes per image.
        fill_value: The value of added boxes' coordinates and labels.
            Defaults to -1.
        bounding_box_format: The boxes' format (a base-layer keyword argument).

    Input: a dict with "images" and "bounding_boxes" (`{"boxes": (batch, N,
    4), "labels": (batch, N)}`). Output: the same dict with `N = max_number`.

    Example:
    >>> layer = kerasish.layers.MaxNumBoundingBoxes(3, bounding_box_format="xyxy")
    >>> boxes = {"boxes": np.ones((2, 1, 4)), "labels": np.ones((2, 1))}
    >>> layer({"images": np.ones((2, 4, 4, 3)), "bounding_boxes": boxes})[
    ...     "bounding_boxes"]["labels"]
    Array([[ 1., -1., -1.],
           [ 1., -1., -1.]], dtype=float32)
    """

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = check_int("MaxNumBoundingBoxes", "max_number", max_number, 1)
        self.fill_value = check_int("MaxNumBoundingBoxes", "fill_value", fill_value)
        self.built = True

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        batch, num_boxes = boxes.shape[0], boxes.shape[1]
        missing = max(self.max_number - num_boxes, 0)
        boxes = ops.pad(
            boxes[:, : self.max_number],
            [(0, 0), (0, missing), (0, 0)],
            constant_values=self.fill_value,
        )
        labels = ops.pad(
            labels[:, : self.max_number],
            [(0, 0), (0, missing)],
            constant_values=self.fill_value,
        )
        return {
            **bounding_boxes,
            "boxes": ops.reshape(boxes, (batch, self.max_number, 4)),
            "labels": ops.reshape(labels, (batch, self.max_number)),
        }

    def transform_segmentation_masks(
        self, segmentation_masks, transformation=None, training=True
    ):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, dict) or "bounding_boxes" not in input_shape:
            return input_shape
        extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
        if extra:
            raise KeyError(
                f"MaxNumBoundingBoxes: unsupported keys in `bounding_boxes`: "
                f"{sorted(extra)}. Only 'boxes' and 'labels' are supported."
            )
        boxes = list(input_shape["bounding_boxes"]["boxes"])
        labels = list(input_shape["bounding_boxes"]["labels"])
        boxes[1] = labels[1] = self.max_number
        return {
            **input_shape,
            "bounding_boxes": {"boxes": tuple(boxes), "labels": tuple(labels)},
        }

    def get_config(self):
        # Keras 3.15 omits `fill_value`; kerasish keeps it (Keras reads it back).
        return {
            **super().get_config(),
            "max_number": self.max_number,
            "fill_value": self.fill_value,
        }
