"""`Resizing`: resizes images to a fixed `(height, width)`."""

import numpy as np

from kerasish import config, ops
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.serialization import register_builtin

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def resize_images(
    images,
    height,
    width,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_value=0.0,
    data_format=None,
):
    """Resizes rank-3/4 `images`, first cropping or padding (centered) to the
    target aspect ratio when asked. Integer images are rounded and clipped back
    to their dtype."""
    data_format = config.standardize_data_format(data_format)
    h_axis, w_axis = _utils.image_axes(data_format, len(images.shape))
    in_height, in_width = images.shape[h_axis], images.shape[w_axis]
    input_dtype = str(images.dtype)
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = _utils.crop_box(in_height, in_width, height, width)
        images = _utils.slice_hw(images, data_format, top, left, crop_h, crop_w)
    elif pad_to_aspect_ratio:
        pad_h = max(in_height, int(float(in_width * height) / width))
        pad_w = max(in_width, int(float(in_height * width) / height))
        top = int(float(pad_h - in_height) / 2)
        left = int(float(pad_w - in_width) / 2)
        # Keras pads the same amount on both sides of one axis only.
        pads = [(0, 0)] * len(images.shape)
        if top > 0:
            pads[h_axis] = (top, top)
        elif left > 0:
            pads[w_axis] = (left, left)
        images = ops.pad(images, pads, constant_values=fill_value)
    out = ops.image.resize(
        images,
        (height, width),
        interpolation=interpolation,
        antialias=antialias,
        data_format=data_format,
    )
    if "int" in input_dtype and str(out.dtype) != input_dtype:
        info = np.iinfo(input_dtype)
        out = ops.cast(ops.clip(ops.round(out), info.min, info.max), input_dtype)
    return out


@register_builtin("layers")
class Resizing(BaseImagePreprocessingLayer):
    """Resizes a batch of images (or one image) to `(height, width)`.

    Args:
        height, width: The output's spatial size (positive ints).
        interpolation: "bilinear" (default), "nearest", "bicubic", "lanczos3",
            "lanczos5". Sampling uses half-pixel centers.
        crop_to_aspect_ratio: Crop the largest centered window with the target
            aspect ratio before resizing, so the image is not distorted.
        pad_to_aspect_ratio: Pad (centered, with `fill_value`) to the target
            aspect ratio before resizing instead.
        fill_mode: Only "constant" is supported (for `pad_to_aspect_ratio`).
        fill_value: The padding value.
        antialias: Use an antialiasing filter when downsampling.
        data_format: "channels_last" (default) or "channels_first".
        bounding_box_format: The format of the boxes of a dict input ("xyxy",
            "rel_xyxy", ...), as in the augmentation layers.

    Input shape: `(batch, height, width, channels)` or `(height, width, channels)`
    (channels_last), or a dict with "images" and optionally "labels" (kept),
    "bounding_boxes" (moved with their image, then clipped to it; empty boxes
    stay zero) and "segmentation_masks" (resized "nearest"). Output shape: the
    same with `height, width` replaced.

    Example:
    >>> kerasish.layers.Resizing(2, 3)(np.ones((1, 4, 6, 3))).shape
    (1, 2, 3, 3)
    """

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _utils.check_int("Resizing", "height", height, minimum=1)
        self.width = _utils.check_int("Resizing", "width", width, minimum=1)
        _utils.check_choice("Resizing", "interpolation", interpolation, INTERPOLATIONS)
        _utils.check_choice("Resizing", "fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Resizing: only one of `crop_to_aspect_ratio` and "
                "`pad_to_aspect_ratio` can be True."
            )
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        # Keras's attributes: the image axes counted from the end.
        channels_first = self.data_format == "channels_first"
        self.height_axis, self.width_axis = (-2, -1) if channels_first else (-3, -2)
        self.built = True

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        _check_image_rank(self, inputs.shape)
        return self._resize(inputs, self.interpolation)

    def _resize(self, images, interpolation):
        return resize_images(
            images,
            self.height,
            self.width,
            interpolation=interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    # A dict input: the same resizing of every part, whatever `training` is.

    def get_random_transformation(self, data, training=True, seed=None):
        """The input's `(height, width)`."""
        return _input_size(self, data)

    def transform_images(self, images, transformation=None, training=True):
        return self._resize(images, self.interpolation)

    def transform_segmentation_masks(
        self, segmentation_masks, transformation=None, training=True
    ):
        return self._resize(segmentation_masks, "nearest")

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Keras's box arithmetic for each mode; all-zero or all -1 (padding)
        boxes come out as zeros."""
        in_h, in_w = transformation
        boxes = ops.convert_to_tensor(bounding_boxes["boxes"])
        empty = ops.logical_or(
            ops.all(boxes == -1, axis=-1), ops.all(boxes == 0, axis=-1)
        )
        bounding_boxes = converters.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", in_h, in_w
        )
        (scale_y, scale_x), (offset_y, offset_x) = self._box_scale_and_offset(
            in_h, in_w
        )
        boxes = bounding_boxes["boxes"]
        boxes = boxes * ops.convert_to_tensor(
            [scale_x, scale_y] * 2, boxes.dtype
        ) + ops.convert_to_tensor([offset_x, offset_y] * 2, boxes.dtype)
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": boxes}, self.height, self.width
        )
        bounding_boxes["boxes"] = ops.where(
            ops.expand_dims(empty, -1), 0.0, bounding_boxes["boxes"]
        )
        return converters.convert_format(
            bounding_boxes, "xyxy", self.bounding_box_format, self.height, self.width
        )

    def _box_scale_and_offset(self, in_h, in_w):
        """`((scale_y, scale_x), (offset_y, offset_x))` taking input pixel
        coordinates to the output's, as Keras computes them."""
        if self.pad_to_aspect_ratio:
            ratio = min(self.height / in_h, self.width / in_w)
            offset_y = (self.height - in_h * ratio) // 2
            offset_x = (self.width - in_w * ratio) // 2
            return (ratio, ratio), (offset_y, offset_x)
        if self.crop_to_aspect_ratio:
            source, target = in_w / in_h, self.width / self.height
            new_w = self.height * source if source > target else self.width
            new_h = self.height if source > target else self.width / source
            crop_left = (new_w - self.width) // 2
            crop_top = (new_h - self.height) // 2
            return (new_h / in_h, new_w / in_w), (-crop_top, -crop_left)
        return (self.height / in_h, self.width / in_w), (0.0, 0.0)

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
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }


def _check_image_rank(layer, shape):
    if len(shape) not in (3, 4):
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) expects a rank-4 batch "
            "of images or a rank-3 image, received input of shape "
            f"{tuple(shape)}."
        )


def _input_size(layer, data):
    """The `(height, width)` of a call's images (a batch or one image)."""
    shape = ops.shape(data["images"] if isinstance(data, dict) else data)
    _check_image_rank(layer, shape)
    h_axis, w_axis = _utils.image_axes(layer.data_format, len(shape))
    return shape[h_axis], shape[w_axis]
