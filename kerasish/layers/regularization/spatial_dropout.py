"""`SpatialDropout1D/2D/3D`: drop whole feature maps (channels) while training."""

from kerasish import config, random
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.regularization._validate import check_rate, check_seed
from kerasish.layers.regularization.dropout import Dropout
from kerasish.serialization import register_builtin


class _SpatialDropout(Dropout):
    """Dropout whose mask is shared over the spatial axes: each channel of each
    example is kept (and scaled by `1 / (1 - rate)`) or zeroed as a whole."""

    _rank = None  # number of spatial axes

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        cls_name = type(self).__name__
        check_rate(cls_name, "rate", rate)
        check_seed(cls_name, seed)
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _noise_shape(self, shape):
        ones = (1,) * self._rank
        if self.data_format == "channels_first":
            return (shape[0], shape[1], *ones)
        return (shape[0], *ones, shape[-1])

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise_shape = self._noise_shape(tuple(inputs.shape))
        return random.dropout(
            inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator
        )

    def get_config(self):
        # Keras's (its BaseSpatialDropout's): no `trainable`, the dtype as a
        # name; 2D and 3D add `data_format`.
        config_ = {
            "rate": self.rate,
            "seed": self.seed,
            "name": self.name,
            "dtype": self.dtype,
        }
        if self._rank > 1:
            config_["data_format"] = self.data_format
        return config_


@register_builtin("layers")
class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1D feature maps: one draw per (example, channel), shared over
    the steps. Identity at inference.

    Args:
        rate: Float in [0, 1), the fraction of channels to drop.
        seed: Integer seed for repeatable masks.

    Input shape: `(batch, steps, channels)`. Output shape: same.

    Example:
    >>> kerasish.layers.SpatialDropout1D(0.5)(np.ones((1, 2, 2))).shape
    (1, 2, 2)
    """

    _rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(
            rate, data_format="channels_last", seed=seed, name=name, dtype=dtype
        )


@register_builtin("layers")
class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2D feature maps: one draw per (example, channel), shared over
    rows and columns. Identity at inference.

    Args:
        rate: Float in [0, 1), the fraction of channels to drop.
        data_format: "channels_last" (`(batch, rows, cols, channels)`) or
            "channels_first"; defaults to `keras.config.image_data_format()`.
        seed: Integer seed for repeatable masks.

    Input shape: 4D. Output shape: same.

    Example:
    >>> kerasish.layers.SpatialDropout2D(0.5)(np.ones((1, 2, 2, 3))).shape
    (1, 2, 2, 3)
    """

    _rank = 2


@register_builtin("layers")
class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3D feature maps: one draw per (example, channel), shared over
    the three spatial axes. Identity at inference.

    Args:
        rate: Float in [0, 1), the fraction of channels to drop.
        data_format: "channels_last" (`(batch, d1, d2, d3, channels)`) or
            "channels_first"; defaults to `keras.config.image_data_format()`.
        seed: Integer seed for repeatable masks.

    Input shape: 5D. Output shape: same.

    Example:
    >>> kerasish.layers.SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3))).shape
    (1, 2, 2, 2, 3)
    """

    _rank = 3
