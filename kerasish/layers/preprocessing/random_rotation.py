"""`RandomRotation`: rotates images by a random angle while training."""

import math

from kerasish import ops, random
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def rotation_transforms(angle, height, width):
    """Keras's `(batch, 8)` transforms rotating by `angle` (radians) about the
    image center `((width - 1) / 2, (height - 1) / 2)`.

    An output pixel `(x, y)` samples the input at
    `(a0 x + a1 y + a2, b0 x + b1 y + b2)` with `a0 = b1 = cos`, `a1 = -sin`,
    `b0 = sin`, `a2 = cx - cx a0 - cy a1`, `b2 = cy - cx b0 - cy b1`.
    """
    cx = 0.5 * (width - 1)
    cy = 0.5 * (height - 1)
    cos, sin = ops.cos(angle), ops.sin(angle)
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = cx - cx * a0 - cy * a1
    b2 = cy - cx * b0 - cy * b1
    zeros = ops.zeros_like(angle)
    return ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


@register_builtin("layers")
class RandomRotation(BaseImagePreprocessingLayer):
    """Rotates each image by a random angle while training (identity otherwise).

    The angle is drawn uniformly from `[lower * 2pi, upper * 2pi]`: a number
    `factor` gives `lower, upper = -|factor|, |factor|`, a pair is used as is.
    As in Keras, a direct call without `training` augments.

    A dict input (`{"images", "labels", "bounding_boxes",
    "segmentation_masks"}`) rotates masks (nearest) and boxes with their
    images; a box becomes the enclosing box of its rotated corners, clipped to
    the image (boxes need `bounding_box_format`).

    Args:
        factor: A number in [-1, 1] or a pair of numbers: the fraction of a full
            turn. `0.1` rotates by up to +-36 degrees.
        fill_mode: How points outside the input are filled: "reflect" (default),
            "wrap", "constant" (with `fill_value`), "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: Integer seed for repeatable draws.
        fill_value: The value for `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> kerasish.layers.RandomRotation(0.1, seed=0)(np.ones((2, 4, 4, 1))).shape
    (2, 4, 4, 1)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = _utils.parse_factor("RandomRotation", "factor", factor, -1, 1)
        _utils.check_choice("RandomRotation", "fill_mode", fill_mode, FILL_MODES)
        _utils.check_choice(
            "RandomRotation", "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        _check_image_rank(self, inputs.shape)
        inputs = ops.cast(inputs, self.compute_dtype)
        if not training:
            return inputs
        return self.transform_images(inputs, self.get_random_transformation(inputs))

    def get_random_transformation(self, data, training=True, seed=None):
        """Keras's `{"angle" (degrees), "rotation_matrix", "image_height",
        "image_width", "batch_size"}`; the matrix is `(batch, 8)` (an image:
        `(8,)`)."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        batch = shape[0] if len(shape) == 4 else 1
        h_axis, w_axis = _utils.image_axes(self.data_format, len(shape))
        seed = self.generator if seed is None else seed
        degrees = random.uniform(
            (batch,),
            minval=self.factor[0] * 360.0,
            maxval=self.factor[1] * 360.0,
            seed=seed,
        )
        matrix = rotation_transforms(
            degrees * (math.pi / 180.0), shape[h_axis], shape[w_axis]
        )
        return {
            "angle": degrees,
            "rotation_matrix": matrix[0] if len(shape) == 3 else matrix,
            "image_height": shape[h_axis],
            "image_width": shape[w_axis],
            "batch_size": batch,
        }

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = ops.convert_to_tensor(transformation["rotation_matrix"])
        if len(images.shape) == 4 and len(matrix.shape) == 1:
            matrix = matrix[None]  # an image's transformation on a batch of one
        return ops.image.affine_transform(
            images,
            matrix,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        height = transformation["image_height"]
        width = transformation["image_width"]
        angle = ops.convert_to_tensor(transformation["angle"])
        zeros, ones = ops.zeros_like(angle), ops.ones_like(angle)
        bounding_boxes = converters.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", height, width
        )
        boxes = converters.affine_transform(
            bounding_boxes["boxes"], angle, zeros, zeros, ones, zeros, zeros,
            height, width,
        )  # fmt: skip
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": boxes}, height=height, width=width
        )
        return converters.convert_format(
            bounding_boxes, "xyxy", self.bounding_box_format, height, width
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "data_format": self.data_format,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
