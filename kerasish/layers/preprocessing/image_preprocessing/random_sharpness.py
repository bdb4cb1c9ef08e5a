"""`RandomSharpness`: blends each image with a smoothed copy of itself."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomSharpness(BaseImagePreprocessingLayer):
    """Randomly sharpens or blurs each image:
    `outputs = clip(x + (1 - 2 f) * (smooth(x) - x), *value_range)`.

    `smooth` is a depthwise 3x3 convolution ("same" zero padding) with the
    kernel `[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`; `f` is uniform in `factor`
    per image (`0` blurs, `0.5` is a no-op, `1` sharpens).

    Args:
        factor: A number in [0, 1] (the range `(0, factor)`) or a pair.
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomSharpness((0.5, 0.5))
    >>> x = np.random.uniform(0, 255, (1, 4, 4, 3))
    >>> bool(np.allclose(layer(x), x, atol=1e-3))
    True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _color_utils.check_value_range(
            "RandomSharpness", value_range
        )
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomSharpness", images)
        factor = random.uniform(
            (batch_size,),
            minval=self.factor[0],
            maxval=self.factor[1],
            seed=self.generator if seed is None else seed,
        )
        return {"factor": factor}

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training:
            return images
        if self.data_format == "channels_first":
            images = ops.swapaxes(images, -3, -1)
        sharpness = ops.cast(transformation["factor"] * 2, self.compute_dtype)
        sharpness = ops.reshape(sharpness, (-1, 1, 1, 1))
        channels = images.shape[-1]
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = ops.convert_to_tensor(
            [[a, a, a], [a, b, a], [a, a, a]], dtype=self.compute_dtype
        )
        kernel = ops.tile(ops.reshape(kernel, (3, 3, 1, 1)), (1, 1, channels, 1))
        smoothed = ops.depthwise_conv(
            images, kernel, strides=1, padding="same", data_format="channels_last"
        )
        smoothed = ops.cast(smoothed, self.compute_dtype)
        images = images + (1.0 - sharpness) * (smoothed - images)
        images = ops.clip(images, self.value_range[0], self.value_range[1])
        if self.data_format == "channels_first":
            images = ops.swapaxes(images, -3, -1)
        return images

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
