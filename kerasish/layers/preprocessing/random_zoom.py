"""`RandomZoom`: zooms images in or out by a random factor while training."""

from kerasish import config, ops, random
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.random_rotation import FILL_MODES, INTERPOLATIONS
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin


def zoom_transforms(zoom_x, zoom_y, height, width):
    """`(batch, 8)` transforms scaling sample coordinates about the center:
    the input is read at `(zx x + (w - 1)/2 (1 - zx), zy y + (h - 1)/2 (1 - zy))`,
    so a factor above 1 zooms out and below 1 zooms in."""
    x_offset = 0.5 * (width - 1) * (1.0 - zoom_x)
    y_offset = 0.5 * (height - 1) * (1.0 - zoom_y)
    zeros = ops.zeros_like(zoom_x)
    return ops.stack(
        [zoom_x, zeros, x_offset, zeros, zoom_y, y_offset, zeros, zeros], axis=1
    )


@register_builtin("layers")
class RandomZoom(Layer):
    """Randomly zooms each image while training (identity otherwise).

    The zoom is `1 + u` with `u` uniform in `[lower, upper]`: a number `f` gives
    `[-|f|, |f|]`. A positive value zooms out (the image shrinks, the border is
    filled by `fill_mode`), a negative one zooms in. Without `width_factor` the
    vertical zoom is used for both axes (the aspect ratio is kept).
    As in Keras, a direct call without `training` augments.

    Args:
        height_factor: A number or a pair of numbers in (-1, 1].
        width_factor: Same, for the width; None (default) reuses the height zoom.
        fill_mode: "reflect" (default), "wrap", "constant", "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: Integer seed for repeatable draws.
        fill_value: The value for `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> kerasish.layers.RandomZoom(0.2, seed=0)(np.ones((2, 4, 4, 1))).shape
    (2, 4, 4, 1)
    """

    def __init__(
        self,
        height_factor,
        width_factor=None,
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
            "RandomZoom", "height_factor", height_factor, -1, 1, low_open=True
        )
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _utils.parse_factor(
                "RandomZoom", "width_factor", width_factor, -1, 1, low_open=True
            )
        _utils.check_choice("RandomZoom", "fill_mode", fill_mode, FILL_MODES)
        _utils.check_choice(
            "RandomZoom", "interpolation", interpolation, INTERPOLATIONS
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
        zoom_y = random.uniform(
            (batch,),
            minval=1.0 + self.height_lower,
            maxval=1.0 + self.height_upper,
            seed=self.generator,
        )
        if self.width_factor is not None:
            zoom_x = random.uniform(
                (batch,),
                minval=1.0 + self.width_lower,
                maxval=1.0 + self.width_upper,
                seed=self.generator,
            )
        else:
            zoom_x = zoom_y
        h_axis, w_axis = _utils.image_axes(self.data_format, rank)
        transforms = zoom_transforms(
            zoom_x, zoom_y, inputs.shape[h_axis], inputs.shape[w_axis]
        )
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
