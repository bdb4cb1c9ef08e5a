"""`RandAugment`: applies `num_ops` randomly chosen augmentations."""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _composite
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin


@register_builtin("layers")
class RandAugment(BaseImagePreprocessingLayer):
    """RandAugment: `num_ops` times in turn, one of eleven augmentations
    (shear, translation, rotation, brightness, color degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast, equalization) is
    picked at random and applied to the whole batch.

    The picks are drawn in the graph (`randint`), so a compiled step picks
    anew at every call; as in Keras, every augmentation is computed and the
    picked one kept with `where`.

    Args:
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        num_ops: Number of augmentations applied in turn. Defaults to 2.
        factor: Strength of each augmentation, a number in [0, 1] (the range
            `(0, factor)`) or a pair. Defaults to 0.5.
        interpolation: "bilinear" (default) or "nearest", for the geometric
            augmentations.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandAugment(seed=0)
    >>> layer(np.random.uniform(0, 255, (2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = [
        "random_shear",
        "random_translation",
        "random_rotation",
        "random_brightness",
        "random_color_degeneration",
        "random_contrast",
        "random_sharpness",
        "random_posterization",
        "solarization",
        "auto_contrast",
        "equalization",
    ]

    def __init__(
        self,
        value_range=(0, 255),
        num_ops=2,
        factor=0.5,
        interpolation="bilinear",
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(
                f"RandAugment: `num_ops` must be a non-negative integer; received "
                f"num_ops={num_ops!r}."
            )
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        _composite.make_augment_layers(
            self, self._AUGMENT_LAYERS, self.factor, value_range, interpolation, seed
        )

    def build(self, input_shape):
        for name in self._AUGMENT_LAYERS:
            getattr(self, name).build(input_shape)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        layer_idxes = random.randint(
            (self.num_ops,), 0, len(self._AUGMENT_LAYERS), seed=self.generator
        )
        transforms = {
            name: getattr(self, name).get_random_transformation(
                data, training=training, seed=self.generator
            )
            for name in self._AUGMENT_LAYERS
        }
        return {"transforms": transforms, "layer_idxes": layer_idxes}

    def _apply(self, inputs, transformation, method):
        layer_idxes = transformation["layer_idxes"]
        transforms = transformation["transforms"]
        for i in range(self.num_ops):
            # By `_AUGMENT_LAYERS`'s order, not the dict's: a dict passed through
            # `jit` comes back with its keys sorted.
            for index, name in enumerate(self._AUGMENT_LAYERS):
                applied = getattr(getattr(self, name), method)(inputs, transforms[name])
                inputs = ops.where(layer_idxes[i] == index, applied, inputs)
        return inputs

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training:
            images = self._apply(images, transformation, "transform_images")
        return ops.cast(images, self.compute_dtype)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(
            "RandAugment does not transform bounding boxes in kerasish yet (its "
            "rotation and translation steps have no box transform here): pass a "
            "dict without a 'bounding_boxes' key."
        )

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        if not training:
            return segmentation_masks
        return self._apply(
            segmentation_masks, transformation, "transform_segmentation_masks"
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_ops": self.num_ops,
            "factor": self.factor,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
