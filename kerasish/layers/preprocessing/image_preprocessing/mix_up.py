"""`MixUp`: blends each image (and label) with another one of the batch."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class MixUp(BaseImagePreprocessingLayer):
    """MixUp: `x' = w x + (1 - w) x[perm]` and `y' = w y + (1 - w) y[perm]`,
    with `w ~ Beta(alpha, alpha)` per image and `perm` a random permutation
    of the batch.

    Bounding boxes are concatenated with the partner's (boxes and their labels
    along the box axis); segmentation masks are blended like images.

    Args:
        alpha: Positive float, the Beta distribution's parameter; small values
            mix little. Defaults to 0.2.
        data_format: "channels_last" (default) or "channels_first".
        seed: Integer seed for repeatable draws.

    Input shape: `(batch, height, width, channels)`, or a dict with "images"
    and "labels" (`(batch, num_classes)`). Output: the same structure.

    Example:
    >>> layer = kerasish.layers.MixUp(alpha=0.2, seed=0)
    >>> out = layer({"images": np.ones((4, 8, 8, 3)), "labels": np.eye(4)})
    >>> bool(np.allclose(np.sum(out["labels"], axis=-1), 1.0))
    True
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, int | float) or alpha <= 0:
            raise ValueError(
                f"MixUp: `alpha` must be a positive number (the Beta "
                f"distribution's parameter, e.g. 0.2); received alpha={alpha!r}."
            )
        self.alpha = alpha
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("MixUp", images)
        seed = self.generator if seed is None else seed
        permutation = random.shuffle(
            ops.arange(0, batch_size, dtype="int32"), seed=seed
        )
        mix_weight = random.beta((batch_size,), self.alpha, self.alpha, seed=seed)
        return {"mix_weight": mix_weight, "permutation_order": permutation}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = ops.cast(images, self.compute_dtype)
        weight = ops.cast(
            ops.reshape(transformation["mix_weight"], (-1, 1, 1, 1)), self.compute_dtype
        )
        partners = ops.take(images, transformation["permutation_order"], axis=0)
        return weight * images + (1.0 - weight) * partners

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        partners = ops.take(labels, transformation["permutation_order"], axis=0)
        weight = ops.reshape(transformation["mix_weight"], (-1, 1))
        return weight * labels + (1.0 - weight) * partners

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        permutation = transformation["permutation_order"]
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        # Keras concatenates the labels along axis 0 (the batch), which breaks
        # the box/label pairing; both go along the box axis here.
        boxes = ops.concatenate([boxes, ops.take(boxes, permutation, axis=0)], axis=1)
        labels = ops.concatenate(
            [labels, ops.take(labels, permutation, axis=0)], axis=1
        )
        return {"boxes": boxes, "labels": labels}

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        if not training:
            return segmentation_masks
        weight = ops.reshape(transformation["mix_weight"], (-1, 1, 1, 1))
        # Keras takes from the flattened masks (no axis); the batch axis is meant.
        partners = ops.take(
            segmentation_masks, transformation["permutation_order"], axis=0
        )
        return weight * segmentation_masks + (1.0 - weight) * partners

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}
