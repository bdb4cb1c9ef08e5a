"""`CutMix`: pastes a random box from another image of the batch."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class CutMix(BaseImagePreprocessingLayer):
    """CutMix: each image receives a box cut from another image of the batch,
    and its label becomes the area-weighted mix of the two labels.

    Per call, `alpha` is uniform in `factor` (plus 1e-6); per image, `lam ~
    Beta(alpha, alpha)`, the box has sides `sqrt(1 - lam) * (width, height)`
    at a uniform position, and the partner is given by a random permutation.
    Labels mix as `w * y + (1 - w) * y[perm]`, `w = 1 - box area / image
    area`. Unbatched inputs pass through unchanged.

    Args:
        factor: A number in [0, 1] (the range `(0, factor)`) or a pair: the
            range of the Beta distribution's parameter. Defaults to 1.0.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)`, or a dict with "images"
    and "labels" (`(batch, num_classes)`). Output: the same structure.

    Example:
    >>> layer = kerasish.layers.CutMix(seed=0)
    >>> out = layer({"images": np.ones((4, 8, 8, 3)), "labels": np.eye(4)})
    >>> out["labels"].shape
    (4, 4)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        if self.data_format == "channels_first":
            self.height_axis, self.width_axis, self.channel_axis = -2, -1, -3
        else:
            self.height_axis, self.width_axis, self.channel_axis = -3, -2, -1

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = _color_utils.images_of(data)
        _color_utils.batch_size_of("CutMix", images)
        if len(images.shape) == 3:
            return None
        shape = tuple(images.shape)
        batch_size = shape[0]
        height, width = shape[self.height_axis], shape[self.width_axis]
        seed = self.generator if seed is None else seed
        alpha = (
            random.uniform(
                (),
                minval=self.factor[0],
                maxval=self.factor[1],
                dtype=self.compute_dtype,
                seed=seed,
            )
            + 1e-6
        )
        lam = random.beta(
            (batch_size,), alpha, alpha, dtype=self.compute_dtype, seed=seed
        )
        ratio = ops.sqrt(1.0 - lam)
        x0, x1 = self._crop_bounds(batch_size, width, ratio, seed)
        y0, y1 = self._crop_bounds(batch_size, height, ratio, seed)
        masks, mix_weight = self._batch_masks(shape, (x0, x1, y0, y1))
        permutation = random.shuffle(
            ops.arange(0, batch_size, dtype="int32"), seed=seed
        )
        return {
            "permutation_order": permutation,
            "batch_masks": masks,
            "mix_weight": mix_weight,
        }

    def _crop_bounds(self, batch_size, length, ratio, seed):
        crop = ops.cast(ratio * length, self.compute_dtype)
        start = random.uniform((batch_size,), dtype=self.compute_dtype, seed=seed) * (
            length - crop
        )
        return start, start + crop

    def _batch_masks(self, shape, corners):
        height, width = shape[self.height_axis], shape[self.width_axis]
        grid_y, grid_x = ops.meshgrid(
            ops.arange(height, dtype=self.compute_dtype),
            ops.arange(width, dtype=self.compute_dtype),
            indexing="ij",
        )
        if self.data_format == "channels_last":
            grid_y, grid_x = grid_y[None, :, :, None], grid_x[None, :, :, None]
        else:
            grid_y, grid_x = grid_y[None, None], grid_x[None, None]
        x0, x1, y0, y1 = (v[:, None, None, None] for v in corners)
        masks = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
        masks = ops.repeat(masks, shape[self.channel_axis], axis=self.channel_axis)
        mix_weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        return masks, mix_weight

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training and transformation is not None:
            partners = ops.take(images, transformation["permutation_order"], axis=0)
            images = ops.where(transformation["batch_masks"], partners, images)
        return images

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        partners = ops.take(labels, transformation["permutation_order"], axis=0)
        weight = ops.reshape(transformation["mix_weight"], (-1, 1))
        return weight * labels + (1.0 - weight) * partners

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(
            "CutMix does not transform bounding boxes (neither does Keras's): "
            "pass a dict without a 'bounding_boxes' key."
        )

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return self.transform_images(segmentation_masks, transformation, training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
