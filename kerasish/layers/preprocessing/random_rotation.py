"""`RandomRotation`: rotates images by a random angle while training."""

import math

from kerasish import config, ops, random
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def rotation_transforms(angle, height, width):
    """Keras's `(batch, 8)` transforms rotating by `angle` (radians) about the
    image center `((width - 1) / 2, (height - 1) / 2)`.

    An output pixel `(x, y)` samples the input at
    `(a0 x + a1 y + a2, b0 x + b1 y + b2)` with `a0 = b1 = cos`, `a1 = -sin`,
    `b0 = sin`, `a2 = cx - cx a0 - cy a1`, `b2 = cy - cx b0 - cy b1`.
    """
    cx = 0.5 * (width - 1)
    cy = 0.5 * (height - 1)
    cos, sin = ops.cos(angle), ops.sin(angle)
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = cx - cx * a0 - cy * a1
    b2 = cy - cx * b0 - cy * b1
    zeros = ops.zeros_like(angle)
    return ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


@register_builtin("layers")
class RandomRotation(Layer):
    """Rotates each image by a random angle while training (identity otherwise).

    The angle is drawn uniformly from `[lower * 2pi, upper * 2pi]`: a number
    `factor` gives `lower, upper = -|factor|, |factor|`, a pair is used as is.
    As in Keras, a direct call without `training` augments.

    Args:
        factor: A number in [-1, 1] or a pair of numbers: the fraction of a full
            turn. `0.1` rotates by up to +-36 degrees.
        fill_mode: How points outside the input are filled: "reflect" (default),
            "wrap", "constant" (with `fill_value`), "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: Integer seed for repeatable draws.
        fill_value: The value for `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> kerasish.layers.RandomRotation(0.1, seed=0)(np.ones((2, 4, 4, 1))).shape
    (2, 4, 4, 1)
    """

    def __init__(
        self,
        factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.factor = _utils.parse_factor("RandomRotation", "factor", factor, -1, 1)
        _utils.check_choice("RandomRotation", "fill_mode", fill_mode, FILL_MODES)
        _utils.check_choice(
            "RandomRotation", "interpolation", interpolation, INTERPOLATIONS
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
        degrees = random.uniform(
            (batch,),
            minval=self.factor[0] * 360.0,
            maxval=self.factor[1] * 360.0,
            seed=self.generator,
        )
        transforms = rotation_transforms(
            degrees * (math.pi / 180.0), inputs.shape[h_axis], inputs.shape[w_axis]
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
            "factor": self.factor,
            "data_format": self.data_format,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
