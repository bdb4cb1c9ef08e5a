"""`RandomFlip`: flips images left-right and/or up-down while training."""

from kerasish import config, ops, random
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.resizing import _check_image_rank
from kerasish.serialization import register_builtin

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


@register_builtin("layers")
class RandomFlip(Layer):
    """Randomly flips each image with probability 1/2 while training.

    With "horizontal_and_vertical", one draw per image decides both flips (as
    in Keras): an image is either flipped both ways or left as is. At inference
    (`training=False`) the layer is the identity. As in Keras, a direct call
    without `training` augments (the default of `training` is True); `predict`
    and `evaluate` run it with `training=False`.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: Integer seed for repeatable flips.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` or `(height, width,
    channels)`. Output: same shape, in the compute dtype.

    Example:
    >>> layer = kerasish.layers.RandomFlip("horizontal", seed=0)
    >>> layer(np.ones((2, 4, 4, 3)), training=False).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs
    ):
        super().__init__(**kwargs)
        _utils.check_choice("RandomFlip", "mode", mode, MODES)
        self.mode = mode
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
        flips_shape = (inputs.shape[0], 1, 1, 1) if rank == 4 else (1, 1, 1)
        flips = ops.less_equal(random.uniform(flips_shape, seed=self.generator), 0.5)
        h_axis, w_axis = _utils.image_axes(self.data_format, rank)
        outputs = inputs
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            outputs = ops.where(flips, ops.flip(outputs, axis=w_axis), outputs)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            outputs = ops.where(flips, ops.flip(outputs, axis=h_axis), outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "mode": self.mode,
            "seed": self.seed,
            "data_format": self.data_format,
        }
