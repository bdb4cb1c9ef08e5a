"""`RandomGrayscale`: turns a random subset of images gray."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomGrayscale(BaseImagePreprocessingLayer):
    """Converts each image to grayscale with probability `factor` while training.

    A converted image keeps its channel count, every channel holding
    `0.2989 R + 0.5870 G + 0.1140 B`; the others are unchanged.

    Args:
        factor: Probability in [0, 1] that an image is converted. Defaults to
            0.5.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, 3)` or `(height, width, 3)`.
    Output: same shape.

    Example:
    >>> layer = kerasish.layers.RandomGrayscale(factor=1.0)
    >>> out = layer(np.random.uniform(0, 255, (2, 4, 4, 3)))
    >>> bool(np.allclose(out[..., 0], out[..., 2]))
    True
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if (
            isinstance(factor, bool)
            or not isinstance(factor, int | float)
            or not 0 <= factor <= 1
        ):
            raise ValueError(
                "RandomGrayscale: `factor` must be a number between 0 and 1 (the "
                f"probability of converting an image); received factor={factor!r}."
            )
        self.factor = factor
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomGrayscale", images)
        values = random.uniform(
            (batch_size,), seed=self.generator if seed is None else seed
        )
        return (values < self.factor)[:, None, None, None]

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        if transformation is None:
            transformation = self.get_random_transformation(images)
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(transformation, gray, images)

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(
        self, bounding_boxes, transformation=None, training=True
    ):
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks, transformation=None, training=True
    ):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
