"""`Solarization`: inverts the pixels at or above a random threshold."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Solarization(BaseImagePreprocessingLayer):
    """Solarizes images: on the [0, 255] scale, `y = clip(x + a, 0, 255)`, then
    `y` where `y < t` and `255 - y` elsewhere, mapped back to `value_range`.

    Per image, the addition `a` is uniform in `[a_low, a_high * 255]` and the
    threshold `t` uniform in `[t_low, t_high * 255]` (as in Keras, only the
    upper bound is scaled by 255). With the defaults every pixel is inverted.

    Args:
        addition_factor: A number in [0, 1] (the range `(0, value)`) or a pair.
            Defaults to 0.0.
        threshold_factor: A number in [0, 1] (the range `(0, value)`) or a
            pair. Defaults to 0.0.
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.Solarization(value_range=(0, 255))
    >>> float(layer(np.full((1, 1, 1, 3), 55.0))[0, 0, 0, 0])
    200.0
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        addition_factor=0.0,
        threshold_factor=0.0,
        value_range=(0, 255),
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.addition_factor = self._set_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._set_factor(threshold_factor, "threshold_factor")
        self.value_range = _color_utils.check_value_range("Solarization", value_range)

    def _set_factor(self, factor, factor_name="factor"):
        _color_utils.check_number_or_pair("Solarization", factor_name, factor, 0, 1)
        if isinstance(factor, tuple | list):
            lower, upper = sorted(factor)
            return lower, upper
        return 0, factor

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = _color_utils.images_of(data)
        _color_utils.batch_size_of("Solarization", images)
        shape = (images.shape[0], 1, 1, 1) if len(images.shape) == 4 else (1, 1, 1)
        seed = self.generator if seed is None else seed
        additions = random.uniform(
            shape,
            minval=self.addition_factor[0],
            maxval=self.addition_factor[1] * 255,
            dtype=self.compute_dtype,
            seed=seed,
        )
        thresholds = random.uniform(
            shape,
            minval=self.threshold_factor[0],
            maxval=self.threshold_factor[1] * 255,
            dtype=self.compute_dtype,
            seed=seed,
        )
        return {"additions": additions, "thresholds": thresholds}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        images = self._transform_value_range(
            images, self.value_range, (0, 255), dtype=self.compute_dtype
        )
        results = ops.clip(images + transformation["additions"], 0, 255)
        results = ops.where(
            results < transformation["thresholds"], results, 255 - results
        )
        results = self._transform_value_range(
            results, (0, 255), self.value_range, dtype=self.compute_dtype
        )
        return ops.cast(results, self.compute_dtype)

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
            "addition_factor": self.addition_factor,
            "threshold_factor": self.threshold_factor,
            "seed": self.seed,
        }
