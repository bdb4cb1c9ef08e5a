"""`UpSampling1D/2D/3D`: enlarge the spatial axes by integer factors."""

from kerasish import ops
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin, unknown_name_error

_INTERPOLATIONS = ("bicubic", "bilinear", "lanczos3", "lanczos5", "nearest")


class BaseUpSampling(Layer):
    """Repeats each entry `size[i]` times along spatial axis `i` (nearest).

    Args:
        rank: Number of spatial axes.
        size: Int or tuple of `rank` positive ints, the upsampling factors.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, rank, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.size = args.standardize_tuple(size, rank, "size", cls)
        self.data_format = args.standardize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        for axis, factor in zip(
            args.spatial_axes(self.data_format, self.rank), self.size
        ):
            if factor > 1:
                inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
        output = list(input_shape)
        for axis, factor in zip(
            args.spatial_axes(self.data_format, self.rank), self.size
        ):
            output[axis] = None if output[axis] is None else output[axis] * factor
        return tuple(output)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
        }


@register_builtin("layers")
class UpSampling1D(BaseUpSampling):
    """Repeats each timestep `size` times: `(batch, steps * size, features)`.

    Args:
        size: Positive int. Defaults to 2.

    Example:
    >>> kerasish.layers.UpSampling1D(3)(np.ones((2, 4, 5))).shape
    (2, 12, 5)
    """

    def __init__(self, size=2, **kwargs):
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(
                f"UpSampling1D: `size` must be a positive int, got {size!r}."
            )
        super().__init__(1, size, "channels_last", **kwargs)
        self.size = size

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, 1)
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


@register_builtin("layers")
class UpSampling2D(BaseUpSampling):
    """Upsamples height and width by `size`.

    Args:
        size: Int or `(height_factor, width_factor)`. Defaults to `(2, 2)`.
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (repeat rows and columns, the default),
            "bilinear", "bicubic", "lanczos3" or "lanczos5" (image resizing with
            half-pixel centers, as `ops.image.resize`).

    Example:
    >>> kerasish.layers.UpSampling2D(2)(np.ones((2, 3, 4, 5))).shape
    (2, 6, 8, 5)
    """

    def __init__(
        self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs
    ):
        super().__init__(2, size, data_format, **kwargs)
        if not isinstance(interpolation, str) or interpolation.lower() not in (
            _INTERPOLATIONS
        ):
            raise unknown_name_error(
                "UpSampling2D interpolation", interpolation, _INTERPOLATIONS
            )
        self.interpolation = interpolation.lower()

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        axes = args.spatial_axes(self.data_format, 2)
        size = tuple(inputs.shape[a] * f for a, f in zip(axes, self.size))
        return ops.image.resize(
            inputs, size, interpolation=self.interpolation, data_format=self.data_format
        )

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


@register_builtin("layers")
class UpSampling3D(BaseUpSampling):
    """Repeats entries along the three spatial axes by `size`.

    Args:
        size: Int or tuple of 3 ints. Defaults to `(2, 2, 2)`.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> kerasish.layers.UpSampling3D(2)(np.ones((1, 2, 3, 4, 5))).shape
    (1, 4, 6, 8, 5)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)
