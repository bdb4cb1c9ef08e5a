"""`RandomInvert`: inverts the colors of a random subset of images."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomInvert(BaseImagePreprocessingLayer):
    """Randomly inverts images while training: `outputs = value_range[1] - x`.

    Per image, a probability `p` is drawn uniform in `factor`, and the image is
    inverted when a uniform draw in [0, 1) falls below `p`. As in Keras the
    inversion is `high - x` (not `low + high - x`).

    Args:
        factor: A number in [0, 1] (the range `(0, factor)`) or a pair.
            Defaults to 1.0.
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomInvert(factor=(1.0, 1.0))
    >>> float(layer(np.full((1, 2, 2, 3), 55.0))[0, 0, 0, 0])
    200.0
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _color_utils.check_value_range(
            "RandomInvert", value_range, sort=False
        )
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomInvert", images)
        seed = self.generator if seed is None else seed
        probability = random.uniform(
            (batch_size,), minval=self.factor[0], maxval=self.factor[1], seed=seed
        )
        threshold = random.uniform((batch_size,), seed=seed)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.cast(images, self.compute_dtype)
        apply = transformation["apply_inversion"][:, None, None, None]
        return ops.where(apply, self.value_range[1] - images, images)

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
