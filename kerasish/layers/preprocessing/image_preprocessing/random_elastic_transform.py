"""`RandomElasticTransform`: smooth random displacement fields while training."""

from kerasish import ops, random
from kerasish.layers.preprocessing._utils import check_choice
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.random.random import draw_key
from kerasish.serialization import register_builtin

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


@register_builtin("layers")
class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Displaces pixels by a smooth random field (`ops.image.elastic_transform`).

    Per call, a distortion `d ~ U(scale)` sets `alpha = 0.1 d max(H, W)` (the
    displacement size) and `sigma = 0.05 d min(H, W)` (its smoothness); each
    image is distorted with probability `p ~ U(factor)`. Outputs are clipped
    to `value_range` (as in Keras, also for images left as they were). At
    inference the layer is the identity; a direct call without `training`
    augments. Bounding boxes are not supported (as in Keras).

    Args:
        factor: A number `f` in [0, 1] or a pair `(lo, hi)`: per image, a
            probability `p ~ U(0, f)` (or `U(lo, hi)`) is drawn and the image
            is changed with probability `p` (as in Keras; `(1, 1)` always).
            Defaults to 1.0.
        scale: A number in [0, 1] or a pair: the range of the distortion `d`.
            Defaults to 1.0.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "constant", "nearest", "wrap", "mirror".
        fill_value: The value for `fill_mode="constant"`.
        value_range: `(low, high)` of the input values. Defaults to `(0, 255)`.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, H, W, C)` or `(H, W, C)`, or a dict with "images".
    Output: the same shape.

    Example:
    >>> layer = kerasish.layers.RandomElasticTransform(seed=0)
    >>> layer(np.ones((2, 8, 8, 1))).shape
    (2, 8, 8, 1)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=1.0,
        interpolation="bilinear",
        fill_mode="reflect",
        fill_value=0.0,
        value_range=(0, 255),
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._set_factor_by_name(scale, "scale")
        check_choice(
            "RandomElasticTransform", "interpolation", interpolation, INTERPOLATIONS
        )
        check_choice("RandomElasticTransform", "fill_mode", fill_mode, FILL_MODES)
        self._set_value_range(value_range)
        self.value_range = value_range
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        if self.data_format == "channels_first":
            self.height_axis, self.width_axis, self.channel_axis = -2, -1, -3
        else:
            self.height_axis, self.width_axis, self.channel_axis = -3, -2, -1
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"apply_transform": (batch,) bool, "distortion_factor": scalar,
        "seed": the key of the displacement field}`."""
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        batch = 1 if len(shape) == 3 else shape[0]
        seed = self.generator if seed is None else seed
        probability = random.uniform((batch,), *self.factor, seed=seed)
        threshold = random.uniform((batch,), 0.0, 1.0, seed=seed)
        distortion = random.uniform(
            (), *self.scale, seed=seed, dtype=self.compute_dtype
        )
        return {
            "apply_transform": threshold < probability,
            "distortion_factor": distortion,
            # One key, so images and segmentation masks share the field.
            "seed": draw_key(seed),
        }

    def get_elastic_transform_params(self, height, width, factor):
        """`(alpha, sigma) = (0.1 factor max(h, w), 0.05 factor min(h, w))`."""
        return max(height, width) * 0.1 * factor, min(height, width) * 0.05 * factor

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        height = images.shape[self.height_axis]
        width = images.shape[self.width_axis]
        alpha, sigma = self.get_elastic_transform_params(
            height, width, transformation["distortion_factor"]
        )
        # The blur kernel covers +-3 sigma of the largest sigma `scale` allows,
        # so its size is static and the layer compiles; for the largest
        # distortion this is `ops.image.elastic_transform` (Keras sizes the
        # kernel from the drawn sigma, which a compiled step cannot do).
        _, sigma_max = self.get_elastic_transform_params(height, width, self.scale[1])
        transformed = self._elastic(
            images,
            alpha,
            sigma,
            int(6 * sigma_max) | 1,
            interpolation,
            transformation["seed"],
        )
        apply = ops.convert_to_tensor(transformation["apply_transform"])
        apply = (
            apply[:, None, None]
            if len(images.shape) == 3
            else apply[:, None, None, None]
        )
        images = ops.where(apply, transformed, images)
        images = ops.clip(images, self.value_range[0], self.value_range[1])
        return ops.cast(images, self.compute_dtype)

    def _elastic(self, images, alpha, sigma, kernel_size, interpolation, key):
        """`images` sampled at `(y + alpha dy, x + alpha dx)`, `(dy, dx)` being
        N(0, 1) noise times `sigma`, Gaussian-blurred (`sigma`, zero padding)."""
        dtype = images.dtype
        unbatched = len(images.shape) == 3
        if unbatched:
            images = ops.expand_dims(images, 0)
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 2, 3, 1))
        images = ops.cast(images, "float32")
        batch, height, width, channels = images.shape
        sigma = ops.cast(sigma, "float32")
        noise = random.normal((2, batch, height, width, 1), seed=key) * sigma
        dy, dx = (
            ops.image.gaussian_blur(
                n, (kernel_size, kernel_size), (sigma, sigma), "channels_last"
            )[..., 0]
            for n in (noise[0], noise[1])
        )
        grid_y, grid_x = ops.meshgrid(
            ops.arange(height, dtype="float32"),
            ops.arange(width, dtype="float32"),
            indexing="ij",
        )
        src_y = ops.broadcast_to(grid_y + alpha * dy, (channels, batch, height, width))
        src_x = ops.broadcast_to(grid_x + alpha * dx, (channels, batch, height, width))
        index_b = ops.broadcast_to(
            ops.reshape(ops.arange(batch, dtype="float32"), (1, batch, 1, 1)),
            src_y.shape,
        )
        index_c = ops.broadcast_to(
            ops.reshape(ops.arange(channels, dtype="float32"), (channels, 1, 1, 1)),
            src_y.shape,
        )
        # (4, C, B, H, W) coordinates into the (B, H, W, C) batch.
        coordinates = ops.stack([index_b, src_y, src_x, index_c], axis=0)
        outputs = ops.image.map_coordinates(
            images,
            coordinates,
            order=1 if interpolation == "bilinear" else 0,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
        )
        outputs = ops.transpose(outputs, (1, 2, 3, 0))  # (B, H, W, C)
        if self.data_format == "channels_first":
            outputs = ops.transpose(outputs, (0, 3, 1, 2))
        if unbatched:
            outputs = ops.squeeze(outputs, 0)
        return ops.cast(outputs, dtype)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "interpolation": self.interpolation,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "seed": self.seed,
        }
