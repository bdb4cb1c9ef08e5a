"""`RandomTranslation`: shifts images by a random offset while training."""

from kerasish import config, ops, random
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.random_rotation import FILL_MODES, INTERPOLATIONS
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin


def translation_transforms(dx, dy):
    """`(batch, 8)` transforms reading the input at `(x - dx, y - dy)`: the
    image content moves by `dx` pixels right and `dy` pixels down."""
    ones, zeros = ops.ones_like(dx), ops.zeros_like(dx)
    return ops.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)


@register_builtin("layers")
class RandomTranslation(Layer):
    """Randomly shifts each image while training (identity otherwise).

    The vertical shift is `u * height` pixels with `u` uniform in
    `[lower, upper]` (a number `f` gives `[-|f|, |f|]`), likewise horizontally.
    Positive values move the content down / right. Uncovered pixels are filled
    by `fill_mode`. As in Keras, a direct call without `training` augments.

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
        super().__init__(**kwargs)
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
        self.data_format = config.standardize_data_format(data_format)
        self.built = True

    def call(self, inputs, training=True):
        _check_image_rank(self, inputs.shape)
        inputs = ops.cast(inputs, self.compute_dtype)
        if not training:
            return inputs
        rank = len(inputs.shape)
        batch = inputs.shape[0] if rank == 4 else 1
        h_axis, w_axis = _utils.image_axes(self.data_format, rank)
        dy = random.uniform(
            (batch,), self.height_lower, self.height_upper, seed=self.generator
        ) * float(inputs.shape[h_axis])
        dx = random.uniform(
            (batch,), self.width_lower, self.width_upper, seed=self.generator
        ) * float(inputs.shape[w_axis])
        transforms = translation_transforms(dx, dy)
        if rank == 3:
            transforms = transforms[0]
        return ops.affine_transform(
            inputs,
            transforms,
            interpolation=self.interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
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
