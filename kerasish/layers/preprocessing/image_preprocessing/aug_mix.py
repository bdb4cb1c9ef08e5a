"""`AugMix`: mixes several chains of random augmentations with the image."""

import random as py_random

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _composite
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.serialization import register_builtin

AUGMENT_LAYERS_ALL = [
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
    "random_brightness",
    "random_color_degeneration",
    "random_contrast",
    "random_sharpness",
]
AUGMENT_LAYERS = AUGMENT_LAYERS_ALL[:7]


@register_builtin("layers")
class AugMix(BaseImagePreprocessingLayer):
    """AugMix: `y = m x + (1 - m) sum_k w_k chain_k(x)`, clipped to
    `value_range`.

    Per call: chain weights `w ~ Dirichlet(alpha)` (normalized Gamma draws),
    `m ~ Beta(alpha, alpha)`, and `num_chains` chains, each of up to
    `chain_depth` operations: at each depth one of the augmentations (or none)
    is picked at random. As in Keras the pick happens in Python, so under a
    compiled step it is fixed at trace time; unlike Keras, the picks come from
    a `random.Random(seed)` owned by the layer, so a seeded layer repeats.
    The same transformation is applied to the whole batch.

    Args:
        value_range: The `(low, high)` of the pixel values. Defaults to
            `(0, 255)`.
        num_chains: Number of chains mixed. Defaults to 3.
        chain_depth: Most operations per chain. Defaults to 3.
        factor: Strength of each operation, a number in [0, 1] (the range
            `(0, factor)`) or a pair. Defaults to 0.3.
        alpha: The Beta and Dirichlet parameter. Defaults to 1.0.
        all_ops: Also use brightness, color degeneration, contrast and
            sharpness. Defaults to True.
        interpolation: "bilinear" (default) or "nearest", for the geometric
            operations.
        seed: Integer seed for repeatable draws.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.AugMix(seed=0)
    >>> layer(np.random.uniform(0, 255, (2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        value_range=(0, 255),
        num_chains=3,
        chain_depth=3,
        factor=0.3,
        alpha=1.0,
        all_ops=True,
        interpolation="bilinear",
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        for arg, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"AugMix: `{arg}` must be a positive integer; received "
                    f"{arg}={value!r}."
                )
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self._augment_layers = AUGMENT_LAYERS_ALL if all_ops else AUGMENT_LAYERS
        _composite.make_augment_layers(
            self, self._augment_layers, self.factor, value_range, interpolation, seed
        )

    def build(self, input_shape):
        for name in self._augment_layers:
            getattr(self, name).build(input_shape)

    def _sample_from_dirichlet(self, shape, alpha, seed):
        gamma = random.gamma(shape, alpha=alpha, seed=seed)
        return gamma / ops.sum(gamma, axis=-1, keepdims=True)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        chain_mixing_weights = self._sample_from_dirichlet(
            (self.num_chains,), self.alpha, seed
        )
        weight_sample = random.beta((), self.alpha, self.alpha, seed=seed)
        chain_transforms = []
        for _ in range(self.num_chains):
            depth_transforms = []
            for _ in range(self.chain_depth):
                # Python's global generator picks, as Keras's (`set_random_seed`).
                name = py_random.choice(self._augment_layers + [None])
                if name is None:
                    continue
                depth_transforms.append(
                    {
                        "layer_name": name,
                        "transformation": getattr(self, name).get_random_transformation(
                            data, seed=self.generator
                        ),
                    }
                )
            chain_transforms.append(depth_transforms)
        return {
            "chain_mixing_weights": chain_mixing_weights,
            "weight_sample": weight_sample,
            "chain_transforms": chain_transforms,
        }

    def _mix(self, inputs, transformation, method):
        weights = ops.cast(transformation["chain_mixing_weights"], self.compute_dtype)
        weight_sample = ops.cast(transformation["weight_sample"], self.compute_dtype)
        mixed = ops.zeros_like(inputs)
        for index, chain in enumerate(transformation["chain_transforms"]):
            chained = inputs
            for step in chain:
                layer = getattr(self, step["layer_name"])
                chained = getattr(layer, method)(chained, step["transformation"])
            mixed = mixed + chained * weights[index]
        return weight_sample * inputs + (1 - weight_sample) * mixed

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training:
            images = self._mix(images, transformation, "transform_images")
            images = ops.clip(images, self.value_range[0], self.value_range[1])
        return ops.cast(images, self.compute_dtype)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        if not training:
            return segmentation_masks
        return self._mix(
            segmentation_masks, transformation, "transform_segmentation_masks"
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_chains": self.num_chains,
            "chain_depth": self.chain_depth,
            "factor": self.factor,
            "alpha": self.alpha,
            "all_ops": self.all_ops,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
