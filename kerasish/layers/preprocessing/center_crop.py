"""`CenterCrop`: crops the central `(height, width)` window of images."""

from kerasish import ops
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.layers.preprocessing.resizing import (
    _check_image_rank,
    _input_size,
    resize_images,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the central `height x width` window of each image.

    An image smaller than the target on either side is instead cropped to the
    target aspect ratio and resized (bilinear), as Keras's `smart_resize` does.
    The crop starts at `(in_height - height) // 2, (in_width - width) // 2`.

    Args:
        height, width: The output's spatial size (positive ints).
        data_format: "channels_last" (default) or "channels_first".
        bounding_box_format: The format of the boxes of a dict input.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`, or a dict with "images" and optionally "labels" (kept),
    "bounding_boxes" (cropped with their image) and "segmentation_masks".
    Output: the same with `height, width` replaced; compute dtype.

    Example:
    >>> kerasish.layers.CenterCrop(2, 2)(np.ones((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _utils.check_int("CenterCrop", "height", height, minimum=1)
        self.width = _utils.check_int("CenterCrop", "width", width, minimum=1)
        self.built = True

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        _check_image_rank(self, inputs.shape)
        return self.transform_images(inputs)

    def transform_images(self, images, transformation=None, training=True):
        inputs = ops.cast(images, self.compute_dtype)
        h_axis, w_axis = _utils.image_axes(self.data_format, len(inputs.shape))
        h_diff = inputs.shape[h_axis] - self.height
        w_diff = inputs.shape[w_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            return _utils.slice_hw(
                inputs,
                self.data_format,
                h_diff // 2,
                w_diff // 2,
                self.height,
                self.width,
            )
        return resize_images(
            inputs,
            self.height,
            self.width,
            crop_to_aspect_ratio=True,
            data_format=self.data_format,
        )

    # A dict input: the same crop of every part, whatever `training` is.

    def get_random_transformation(self, data, training=True, seed=None):
        """The input's `(height, width)`."""
        return _input_size(self, data)

    def transform_segmentation_masks(
        self, segmentation_masks, transformation=None, training=True
    ):
        return self.transform_images(segmentation_masks)

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes clipped to the window the images are cut to; an image smaller
        than the target is cut to its aspect ratio and resized, so its boxes
        are scaled too (Keras's arithmetic)."""
        in_h, in_w = transformation
        bounding_boxes = converters.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", in_h, in_w
        )
        if in_h >= self.height and in_w >= self.width:
            top, left = int((in_h - self.height) / 2), int((in_w - self.width) / 2)
            crop_h, crop_w = self.height, self.width
        else:
            top, left, crop_h, crop_w = _utils.crop_box(
                in_h, in_w, self.height, self.width
            )
        boxes = bounding_boxes["boxes"]
        low = ops.convert_to_tensor([left, top] * 2, boxes.dtype)
        high = ops.convert_to_tensor([left + crop_w, top + crop_h] * 2, boxes.dtype)
        boxes = ops.clip(boxes, low, high) - low
        scale = [self.width / crop_w, self.height / crop_h] * 2
        boxes = boxes * ops.convert_to_tensor(scale, boxes.dtype)
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": boxes}, self.height, self.width
        )
        return converters.convert_format(
            bounding_boxes, "xyxy", self.bounding_box_format, self.height, self.width
        )

    def compute_output_shape(self, input_shape):
        _check_image_rank(self, input_shape)
        shape = list(input_shape)
        h_axis, w_axis = _utils.image_axes(self.data_format, len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
        }
