"""`RandomErasing`: fills a random rectangle of each image while training."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
    _is_number,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandomErasing(BaseImagePreprocessingLayer):
    """Erases a random rectangle of each image (Cutout / Random Erasing).

    Per image, `(rx, ry) = sqrt(U(scale))` are the rectangle's width and height
    as fractions of the image's; its start is `U(0, 1) (size - length)` on each
    axis, and it covers the pixels `x0 <= x < x0 + rx W`, `y0 <= y < y0 + ry
    H`. Each image is erased with probability `p ~ U(factor)`. The rectangle
    is filled with `fill_value` or, when it is None, Gaussian noise times
    `value_range[1]`; fills are clipped to `value_range`. At inference the
    layer is the identity; a direct call without `training` augments. Labels,
    bounding boxes and segmentation masks pass through unchanged (as in Keras).

    Args:
        factor: A number `f` in [0, 1] or a pair `(lo, hi)`: per image, a
            probability `p ~ U(0, f)` (or `U(lo, hi)`) is drawn and the image
            is changed with probability `p` (as in Keras; `(1, 1)` always).
            Defaults to 1.0.
        scale: A number in [0, 1] or a pair: the range of the erased area's
            fraction along each axis before the square root. Defaults to
            `(0.02, 0.33)`.
        fill_value: None (noise, the default), a number, or 3 numbers (one per
            channel).
        value_range: `(low, high)` of the input values. Defaults to `(0, 255)`.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, H, W, C)` or `(H, W, C)`, or a dict with "images".
    Output: the same shape.

    Example:
    >>> layer = kerasish.layers.RandomErasing(fill_value=0.0, seed=0)
    >>> layer(np.ones((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=(0.02, 0.33),
        fill_value=None,
        value_range=(0, 255),
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._set_factor_by_name(scale, "scale")
        fill_ok = (
            fill_value is None
            or _is_number(fill_value)
            or (
                isinstance(fill_value, tuple | list)
                and len(fill_value) == 3
                and all(_is_number(v) for v in fill_value)
            )
        )
        if not fill_ok:
            raise ValueError(
                "RandomErasing: `fill_value` must be None (noise), a number, or "
                f"a list of 3 numbers (one per channel); received {fill_value!r}."
            )
        self._set_value_range(value_range)
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        if self.data_format == "channels_first":
            self.height_axis, self.width_axis, self.channel_axis = -2, -1, -3
        else:
            self.height_axis, self.width_axis, self.channel_axis = -3, -2, -1
        self.built = True

    def _crop_bounds(self, batch, length, ratio, seed):
        crop = ops.cast(ratio * length, self.compute_dtype)
        start = random.uniform((batch,), dtype=self.compute_dtype, seed=seed)
        start = start * (length - crop)
        return start, start + crop

    def _batch_masks(self, shape, x0, x1, y0, y1):
        """`(batch, H, W, C)` (or channels first) booleans: inside the box."""
        height, width = shape[self.height_axis], shape[self.width_axis]
        grid_y, grid_x = ops.meshgrid(
            ops.arange(height, dtype=self.compute_dtype),
            ops.arange(width, dtype=self.compute_dtype),
            indexing="ij",
        )
        if self.data_format == "channels_last":
            grid_x, grid_y = grid_x[None, :, :, None], grid_y[None, :, :, None]
        else:
            grid_x, grid_y = grid_x[None, None], grid_y[None, None]
        x0, x1, y0, y1 = (v[:, None, None, None] for v in (x0, x1, y0, y1))
        masks = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
        return ops.repeat(masks, shape[self.channel_axis], axis=self.channel_axis)

    def _fill(self, shape, seed):
        if self.fill_value is None:
            fill = random.normal(shape, dtype=self.compute_dtype, seed=seed)
            fill = fill * self.value_range[1]
        else:
            fill = ops.full(shape, 0.0, self.compute_dtype) + ops.convert_to_tensor(
                self.fill_value, self.compute_dtype
            )
        return ops.clip(fill, self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"apply_erasing": (batch,) bool, "batch_masks": image-shaped bool,
        "fill_value": image-shaped values}`."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        if len(shape) == 3:
            # The masks are built for the batch of one the image becomes.
            shape = (1, *shape)
        batch = shape[0]
        seed = self.generator if seed is None else seed
        ratios = ops.sqrt(
            random.uniform((batch, 2), *self.scale, dtype=self.compute_dtype, seed=seed)
        )
        x0, x1 = self._crop_bounds(batch, shape[self.width_axis], ratios[:, 0], seed)
        y0, y1 = self._crop_bounds(batch, shape[self.height_axis], ratios[:, 1], seed)
        masks = self._batch_masks(shape, x0, x1, y0, y1)
        probability = random.uniform((batch,), *self.factor, seed=seed)
        threshold = random.uniform((batch,), 0.0, 1.0, seed=seed)
        return {
            "apply_erasing": threshold < probability,
            "batch_masks": masks,
            "fill_value": self._fill(shape, seed),
        }

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        masks = ops.convert_to_tensor(transformation["batch_masks"])
        fill = ops.cast(transformation["fill_value"], self.compute_dtype)
        apply = ops.convert_to_tensor(transformation["apply_erasing"])
        erased = ops.where(masks, fill, images)
        return ops.where(apply[:, None, None, None], erased, images)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return segmentation_masks

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "seed": self.seed,
        }
