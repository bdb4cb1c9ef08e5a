"""`RandomHue`: rotates each image's hue by a random amount."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomHue(BaseImagePreprocessingLayer):
    """Randomly shifts the hue of each image.

    The image is scaled to [0, 1], converted to HSV, its hue channel shifted
    by `delta = sign * f / 2` (wrapped into [0, 1]), converted back, clipped
    and scaled back to `value_range`. Per image, `f` is uniform in `factor`
    and `sign` is +-1 with equal odds.

    Args:
        factor: A number in [0, 1] (the range `(0, factor)`) or a pair.
            `0` is a no-op, `1` the strongest shift.
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, 3)` or `(height, width, 3)` (channels
    first likewise). Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomHue(0.5, seed=0)
    >>> layer(np.ones((2, 4, 4, 3)) * 128.0).shape
    (2, 4, 4, 3)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _color_utils.check_value_range(
            "RandomHue", value_range, sort=False
        )
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomHue", images)
        seed = self.generator if seed is None else seed
        invert = random.uniform((batch_size,), seed=seed)
        invert = ops.where(invert > 0.5, -ops.ones_like(invert), ops.ones_like(invert))
        factor = random.uniform(
            (batch_size,), minval=self.factor[0], maxval=self.factor[1], seed=seed
        )
        return {"factor": invert * factor * 0.5}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = ops.cast(images, self.compute_dtype)
        images = self._transform_value_range(images, self.value_range, (0, 1))
        delta = ops.cast(transformation["factor"], images.dtype)[:, None, None]
        hsv = ops.image.rgb_to_hsv(images, data_format=self.data_format)
        axis = _color_utils.channel_axis(self.data_format)
        h, s, v = (ops.take(hsv, i, axis=axis) for i in range(3))
        h = h + delta
        h = ops.where(h > 1.0, h - 1.0, h)
        h = ops.where(h < 0.0, h + 1.0, h)
        hsv = ops.stack([h, s, v], axis=axis)
        images = ops.image.hsv_to_rgb(hsv, data_format=self.data_format)
        images = ops.clip(images, 0, 1)
        images = self._transform_value_range(images, (0, 1), self.value_range)
        return ops.cast(images, self.compute_dtype)

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
