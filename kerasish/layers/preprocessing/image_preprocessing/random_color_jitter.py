"""`RandomColorJitter`: brightness, contrast, saturation and hue in turn."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing._augment_ops import ContrastOp
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.random_brightness import (
    RandomBrightness,
)
from kerasish.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from kerasish.layers.preprocessing.image_preprocessing.random_saturation import (
    RandomSaturation,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomColorJitter(BaseImagePreprocessingLayer):
    """Applies random brightness, contrast, saturation and hue changes, in that
    order, each only when its factor is given.

    Each step is the matching layer's transformation (`RandomBrightness`,
    `RandomContrast`, `RandomSaturation`, `RandomHue`), drawn from this
    layer's seed generator at every call.

    Args:
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        brightness_factor: `RandomBrightness`'s `factor`, or `None` to skip.
        contrast_factor: `RandomContrast`'s `factor` (`c` in `[1 - lower, 1 +
            upper]`), or `None`.
        saturation_factor: `RandomSaturation`'s `factor`, or `None`.
        hue_factor: `RandomHue`'s `factor`, or `None`.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, 3)` or `(height, width, 3)`.
    Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomColorJitter(brightness_factor=0.1, seed=0)
    >>> layer(np.ones((2, 4, 4, 3)) * 100.0).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self,
        value_range=(0, 255),
        brightness_factor=None,
        contrast_factor=None,
        saturation_factor=None,
        hue_factor=None,
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        common = {"value_range": value_range, "seed": seed}
        self.random_brightness = (
            None
            if brightness_factor is None
            else RandomBrightness(factor=brightness_factor, **common)
        )
        self.random_contrast = (
            None
            if contrast_factor is None
            else ContrastOp(factor=contrast_factor, **common)
        )
        self.random_saturation = (
            None
            if saturation_factor is None
            else RandomSaturation(factor=saturation_factor, **common)
        )
        self.random_hue = (
            None if hue_factor is None else RandomHue(factor=hue_factor, **common)
        )

    def _steps(self):
        return [
            step
            for step in (
                self.random_brightness,
                self.random_contrast,
                self.random_saturation,
                self.random_hue,
            )
            if step is not None
        ]

    def build(self, input_shape):
        for step in self._steps():
            step.build(input_shape)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.cast(images, self.compute_dtype)
        for step in self._steps():
            step_transformation = step.get_random_transformation(
                images, seed=self.generator
            )
            if step is self.random_contrast:
                step_transformation["contrast_factor"] = ops.cast(
                    step_transformation["contrast_factor"], self.compute_dtype
                )
            images = step.transform_images(images, step_transformation)
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
            "value_range": self.value_range,
            "brightness_factor": self.brightness_factor,
            "contrast_factor": self.contrast_factor,
            "saturation_factor": self.saturation_factor,
            "hue_factor": self.hue_factor,
            "seed": self.seed,
        }
