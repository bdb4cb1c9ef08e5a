"""`RandomColorDegeneration`: blends each image toward its gray version."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """Randomly dulls the colors of each image:
    `outputs = clip(x + f * (gray(x) - x), *value_range)`, `f` uniform in
    `factor` per image (`0` is a no-op, `1` fully gray).

    Args:
        factor: A number in [-1, 1] (the range `(-|factor|, |factor|)`, Keras's
            parsing) or a pair `(lower, upper)`; use a pair in [0, 1].
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, 3)` or `(height, width, 3)`.
    Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomColorDegeneration((1.0, 1.0))
    >>> out = layer(np.random.uniform(0, 255, (2, 4, 4, 3)))
    >>> bool(np.allclose(out[..., 0], out[..., 1], atol=1e-3))
    True
    """

    def __init__(
        self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _color_utils.check_value_range(
            "RandomColorDegeneration", value_range
        )
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomColorDegeneration", images)
        factor = random.uniform(
            (batch_size, 1, 1, 1),
            minval=self.factor[0],
            maxval=self.factor[1],
            seed=self.generator if seed is None else seed,
        )
        return {"factor": factor}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = ops.cast(images, self.compute_dtype)
        factor = ops.cast(transformation["factor"], self.compute_dtype)
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        images = images + factor * (gray - images)
        images = ops.clip(images, self.value_range[0], self.value_range[1])
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
        input_shape = tuple(input_shape)
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "RandomColorDegeneration: expected a rank-3 image or a rank-4 "
                f"batch, received input_shape={input_shape}."
            )
        channels = input_shape[_color_utils.channel_axis(self.data_format)]
        if channels is not None and channels != 3:
            raise ValueError(
                "RandomColorDegeneration: input images must have 3 (RGB) channels, "
                f"received {channels} channels (input_shape={input_shape})."
            )
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }
