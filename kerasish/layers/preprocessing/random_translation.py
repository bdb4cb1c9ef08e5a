"""`RandomTranslation`: shifts images by a random offset while training."""

from kerasish import ops, random
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)
from kerasish.layers.preprocessing.image_preprocessing.bounding_boxes import (
    converters,
)
from kerasish.layers.preprocessing.random_rotation import FILL_MODES, INTERPOLATIONS
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin


def translation_transforms(dx, dy):
    """`(batch, 8)` transforms reading the input at `(x - dx, y - dy)`: the
    image content moves by `dx` pixels right and `dy` pixels down."""
    ones, zeros = ops.ones_like(dx), ops.zeros_like(dx)
    return ops.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)


@register_builtin("layers")
class RandomTranslation(BaseImagePreprocessingLayer):
    """Randomly shifts each image while training (identity otherwise).

    The vertical shift is `u * height` pixels with `u` uniform in
    `[lower, upper]` (a number `f` gives `[-|f|, |f|]`), likewise horizontally.
    Positive values move the content down / right. Uncovered pixels are filled
    by `fill_mode`. As in Keras, a direct call without `training` augments.
    A dict input moves segmentation masks (nearest) and bounding boxes (by the
    same pixels, clipped to the image) with their images.

    Args:
        height_factor: A number or a pair of numbers in [-1, 1].
        width_factor: A number or a pair of numbers in [-1, 1].
        fill_mode: "reflect" (default), "wrap", "constant", "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: Integer seed for repeatable draws.
        fill_value: The value for `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomTranslation(0.1, 0.1, seed=0)
    >>> layer(np.ones((2, 4, 4, 1))).shape
    (2, 4, 4, 1)
    """

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _utils.parse_factor(
            "RandomTranslation", "height_factor", height_factor, -1, 1
        )
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _utils.parse_factor(
            "RandomTranslation", "width_factor", width_factor, -1, 1
        )
        _utils.check_choice("RandomTranslation", "fill_mode", fill_mode, FILL_MODES)
        _utils.check_choice(
            "RandomTranslation", "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.built = True

    _USE_BASE_FACTOR = False

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        _check_image_rank(self, inputs.shape)
        inputs = ops.cast(inputs, self.compute_dtype)
        if not training:
            return inputs
        return self.transform_images(inputs, self.get_random_transformation(inputs))

    def get_random_transformation(self, data, training=True, seed=None):
        """Keras's `{"translations": (batch, 2) [dx, dy] in pixels, "input_shape"}`."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(ops.shape(images))
        batch = shape[0] if len(shape) == 4 else 1
        h_axis, w_axis = _utils.image_axes(self.data_format, len(shape))
        seed = self.generator if seed is None else seed
        dy = random.uniform(
            (batch,), self.height_lower, self.height_upper, seed=seed
        ) * float(shape[h_axis])
        dx = random.uniform(
            (batch,), self.width_lower, self.width_upper, seed=seed
        ) * float(shape[w_axis])
        return {"translations": ops.stack([dx, dy], axis=1), "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        translations = ops.convert_to_tensor(transformation["translations"])
        transforms = translation_transforms(translations[:, 0], translations[:, 1])
        if len(images.shape) == 3:
            transforms = transforms[0]
        return ops.image.affine_transform(
            images,
            transforms,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        h_axis, w_axis = _utils.image_axes(self.data_format, len(shape))
        height, width = shape[h_axis], shape[w_axis]
        bounding_boxes = converters.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", height, width
        )
        translations = ops.convert_to_tensor(transformation["translations"])
        shift = ops.concatenate([translations, translations], axis=-1)[:, None, :]
        bounding_boxes = converters.clip_to_image_size(
            {**bounding_boxes, "boxes": bounding_boxes["boxes"] + shift},
            height=height,
            width=width,
        )
        return converters.convert_format(
            bounding_boxes, "xyxy", self.bounding_box_format, height, width
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }
