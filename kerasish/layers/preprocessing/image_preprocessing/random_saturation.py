"""`RandomSaturation`: scales each image's saturation by a random factor."""

from kerasish import config, ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomSaturation(BaseImagePreprocessingLayer):
    """Randomly scales the saturation of each image.

    The image is converted to HSV and its saturation channel multiplied by
    `f / (1 - f + epsilon)` (`f` uniform in `factor`, per image), clipped to
    `value_range`, and converted back. `f = 0.5` is a no-op, `0` gives gray,
    `1` full saturation. As in Keras, the image is converted as given (no
    rescaling to [0, 1] first) and the saturation is clipped to `value_range`.

    Args:
        factor: A number in [-1, 1] (the range `(-|factor|, |factor|)`, Keras's
            parsing) or a pair `(lower, upper)`; use a pair in [0, 1].
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, 3)` or `(height, width, 3)`.
    Output: same shape.

    Example:
    >>> layer = kerasish.layers.RandomSaturation((0.5, 0.5), value_range=(0, 1))
    >>> x = np.full((1, 2, 2, 3), 0.5, "float32")
    >>> bool(np.allclose(layer(x), x))
    True
    """

    def __init__(
        self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _color_utils.check_value_range(
            "RandomSaturation", value_range
        )
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomSaturation", images)
        factor = random.uniform(
            (batch_size,),
            minval=self.factor[0],
            maxval=self.factor[1],
            seed=self.generator if seed is None else seed,
        )
        return {"factor": factor / (1 - factor + config.epsilon())}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        scale = ops.cast(transformation["factor"], self.compute_dtype)[:, None, None]
        hsv = ops.image.rgb_to_hsv(images, data_format=self.data_format)
        axis = _color_utils.channel_axis(self.data_format)
        h, s, v = (ops.take(hsv, i, axis=axis) for i in range(3))
        s = ops.clip(s * scale, self.value_range[0], self.value_range[1])
        hsv = ops.stack([h, s, v], axis=axis)
        return ops.image.hsv_to_rgb(hsv, data_format=self.data_format)

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
