"""`RandomPosterization`: keeps only the top bits of each color channel."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomPosterization(BaseImagePreprocessingLayer):
    """Reduces the number of bits of each channel to a random `bits` per image.

    Pixels are mapped to [0, 255], cast to uint8 (truncating), shifted right
    then left by `8 - bits` (zeroing the low bits), and mapped back to
    `value_range`. `bits` is drawn from `[lower, upper)` (Keras's `randint`,
    upper bound exclusive), or is `lower` when the bounds are equal.

    Args:
        factor: Bits to keep, in [1, 8]: a number `n` gives the range `(1, n)`,
            a pair `(lower, upper)` is used as is.
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomPosterization(factor=(2, 2))
    >>> float(layer(np.full((1, 1, 1, 3), 200.0))[0, 0, 0, 0])
    192.0
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(
        self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _color_utils.check_value_range(
            "RandomPosterization", value_range
        )
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomPosterization", images)
        if self.factor[0] != self.factor[1]:
            bits = random.randint(
                (batch_size,),
                minval=self.factor[0],
                maxval=self.factor[1],
                dtype="uint8",
                seed=self.generator if seed is None else seed,
            )
        else:
            bits = ops.ones((batch_size,), dtype="uint8") * int(self.factor[0])
        return {"shift_factor": self._MAX_FACTOR - bits}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        shift = ops.cast(transformation["shift_factor"], "uint8")[:, None, None, None]
        images = self._transform_value_range(
            images, self.value_range, (0, 255), dtype=self.compute_dtype
        )
        images = ops.cast(images, "uint8")
        images = ops.bitwise_left_shift(ops.bitwise_right_shift(images, shift), shift)
        images = ops.cast(images, self.compute_dtype)
        return self._transform_value_range(
            images, (0, 255), self.value_range, dtype=self.compute_dtype
        )

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
