"""`RandomBrightness`: adds a random per-image offset to every pixel."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomBrightness(BaseImagePreprocessingLayer):
    """Randomly brightens or darkens each image while training:
    `outputs = clip(x + delta * (high - low), low, high)`, with `delta` drawn
    per image, uniform in `factor`, and `(low, high) = value_range`.

    Identity when `training=False`. As in Keras, a direct call without
    `training` augments.

    Args:
        factor: A number in [-1, 1] (the range `(-|factor|, |factor|)`) or a
            pair `(lower, upper)`. `-1` makes an image black, `1` white.
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape.

    Example:
    >>> layer = kerasish.layers.RandomBrightness((0.1, 0.1), value_range=(0, 1))
    >>> round(float(layer(np.zeros((1, 2, 2, 3)))[0, 0, 0, 0]), 4)
    0.1
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.value_range = _color_utils.check_value_range(
            "RandomBrightness", value_range
        )

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        _color_utils.batch_size_of("RandomBrightness", images)
        shape = (1, 1, 1) if len(images.shape) == 3 else (images.shape[0], 1, 1, 1)
        if not training:
            return {"rgb_delta": ops.zeros(shape)}
        rgb_delta = random.uniform(
            shape,
            minval=self.factor[0],
            maxval=self.factor[1],
            seed=self.generator if seed is None else seed,
        )
        return {"rgb_delta": rgb_delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = images + ops.cast(transformation["rgb_delta"], images.dtype)
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }
