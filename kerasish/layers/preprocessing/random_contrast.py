"""`RandomContrast`: scales each image's contrast by a random factor."""

from kerasish import ops, random
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomContrast(BaseImagePreprocessingLayer):
    """Adjusts each image's contrast by a random factor while training:
    `outputs = clip((x - mean) * c + mean, *value_range)`, with `mean` the
    per-image, per-channel mean over height and width.

    `c` is uniform in `[1 - lower, 1 + upper]`. Keras 3 parses a number `f` into
    `(lower, upper) = (0, f)` (bounds [0, 1]), so `c` is in `[1, 1 + f]`; a pair
    `(lower, upper)` gives `[1 - lower, 1 + upper]`. This layer does the same.
    As in Keras, a direct call without `training` augments. A dict input
    changes its "images"; labels, bounding boxes and segmentation masks pass
    through.

    Args:
        factor: A number in [0, 1], or a pair of numbers in [0, 1].
        value_range: The `(min, max)` of the pixel values; outputs are clipped
            to it. Defaults to `(0, 255)`.
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomContrast(0.2, seed=0)
    >>> layer(np.ones((2, 4, 4, 3)), training=False).shape
    (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        lower, upper = _utils.parse_factor("RandomContrast", "factor", factor, 0, 1)
        if not isinstance(factor, tuple | list):
            lower = max(lower, 0.0)  # Keras clips the lower bound to 0.
        self.factor = (lower, upper)
        try:
            low, high = (float(v) for v in value_range)
        except (TypeError, ValueError):
            raise ValueError(
                "RandomContrast: `value_range` must be a pair of numbers "
                f"(min, max), got {value_range!r}."
            ) from None
        if low > high:
            raise ValueError(
                f"RandomContrast: `value_range` must be (min, max) with min <= max, "
                f"got {value_range!r}."
            )
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        _check_image_rank(self, inputs.shape)
        if not training:  # as Keras's: the images as given (uint8 stays uint8)
            return inputs
        inputs = ops.cast(inputs, self.compute_dtype)
        return self.transform_images(inputs, self.get_random_transformation(inputs))

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"contrast_factor": (batch, 1, 1, 1)}` (an image: `(1, 1, 1)`)."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        factor_shape = (shape[0], 1, 1, 1) if len(shape) == 4 else (1, 1, 1)
        contrast = random.uniform(
            factor_shape,
            minval=1.0 - self.factor[0],
            maxval=1.0 + self.factor[1],
            dtype=self.compute_dtype,
            seed=self.generator if seed is None else seed,
        )
        return {"contrast_factor": contrast}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        contrast = ops.cast(transformation["contrast_factor"], self.compute_dtype)
        h_axis, w_axis = _utils.image_axes(self.data_format, len(images.shape))
        mean = ops.mean(images, axis=(h_axis, w_axis), keepdims=True)
        outputs = (images - mean) * contrast + mean
        return ops.clip(outputs, self.value_range[0], self.value_range[1])

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
            "data_format": self.data_format,
        }
