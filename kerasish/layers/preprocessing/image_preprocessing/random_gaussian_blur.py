"""`RandomGaussianBlur`: blurs a random subset of images with a Gaussian."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """Randomly blurs images with a Gaussian kernel while training.

    Per image, a probability `p` is drawn uniform in `factor` and the image is
    blurred when a uniform draw in [0, 1) falls below `p`. One pair of
    standard deviations `(sigma_y, sigma_x)`, each uniform in `sigma` (plus
    1e-6), is drawn per call and shared by the batch, as in Keras. Outputs are
    clipped to `value_range`.

    Args:
        factor: A number in [0, 1] (the range `(0, factor)`) or a pair.
            Defaults to 1.0.
        kernel_size: Odd integer (or a pair of odd integers): the kernel's
            size. Defaults to 3.
        sigma: A number in [0, 1] (the range `(0, sigma)`) or a pair: the
            Gaussian's standard deviation. Defaults to 1.0.
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomGaussianBlur(seed=0)
    >>> layer(np.ones((2, 5, 5, 3))).shape
    (2, 5, 5, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        kernel_size=3,
        sigma=1.0,
        value_range=(0, 255),
        data_format=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = self._set_kernel_size(kernel_size, "kernel_size")
        self.sigma = self._set_factor_by_name(sigma, "sigma")
        self.value_range = _color_utils.check_value_range(
            "RandomGaussianBlur", value_range, sort=False
        )
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _set_kernel_size(self, factor, name):
        def odd(v):
            return isinstance(v, int) and not isinstance(v, bool) and v % 2 == 1

        sizes = tuple(factor) if isinstance(factor, tuple | list) else (factor,) * 2
        if len(sizes) != 2 or not all(odd(v) for v in sizes):
            raise ValueError(
                f"RandomGaussianBlur: `{name}` must be an odd integer or a pair of "
                f"odd integers, e.g. 3 or (3, 5); received {name}={factor!r}."
            )
        return sizes

    def _set_factor_by_name(self, factor, name):
        low, high = self._FACTOR_BOUNDS
        message = (
            f"RandomGaussianBlur: `{name}` must be a number or a list of two "
            f"numbers in the range [{low}, {high}]; received {name}={factor!r}."
        )
        if isinstance(factor, tuple | list):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
            return lower, upper
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            raise ValueError(message)
        if factor < low or factor > high:
            raise ValueError(message)
        factor = abs(factor)
        return max(-factor, low), factor

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomGaussianBlur", images)
        seed = self.generator if seed is None else seed
        probability = random.uniform(
            (batch_size,), minval=self.factor[0], maxval=self.factor[1], seed=seed
        )
        threshold = random.uniform((batch_size,), seed=seed)
        blur_factor = (
            random.uniform(
                (2,),
                minval=self.sigma[0],
                maxval=self.sigma[1],
                dtype=self.compute_dtype,
                seed=seed,
            )
            + 1e-6
        )
        return {
            "should_apply_blur": threshold < probability,
            "blur_factor": blur_factor,
        }

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        blurred = ops.image.gaussian_blur(
            images,
            kernel_size=self.kernel_size,
            sigma=transformation["blur_factor"],
            data_format=self.data_format,
        )
        apply = transformation["should_apply_blur"][:, None, None, None]
        images = ops.where(apply, blurred, images)
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
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "kernel_size": self.kernel_size,
            "sigma": self.sigma,
            "value_range": self.value_range,
            "seed": self.seed,
        }
