"""Adaptive pooling: `AdaptiveAverage/AdaptiveMaxPooling1D/2D/3D`.

The output has a fixed spatial size whatever the input's. Along an axis of length
`L` pooled to `n` bins, bin `i` covers `[floor(i * L / n), ceil((i + 1) * L / n))`
(PyTorch's rule, which Keras 3 follows), so bins may overlap when `n` does not
divide `L`.
"""

from kerasish import ops
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


def _output_size(value, rank, layer):
    expected = f"a positive int or a tuple of {rank} positive int"
    expected += "s" if rank > 1 else ""
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * rank
    elif isinstance(value, list | tuple):
        if len(value) != rank:
            raise ValueError(
                f"{layer}: `output_size` must be {expected}, got {value!r} "
                f"(length {len(value)})."
            )
        values = tuple(value)
    else:
        raise TypeError(
            f"{layer}: `output_size` must be {expected}, got {value!r} of type "
            f"{type(value).__name__}."
        )
    if not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise ValueError(f"{layer}: `output_size` must be {expected}, got {value!r}.")
    return values


class BaseAdaptivePooling(Layer):
    """Pools each spatial axis to `output_size` bins with mean or max.

    Args:
        output_size: An int (every spatial axis) or a tuple, one per axis.
        data_format: "channels_last" (default) or "channels_first".
    """

    _rank = None
    _reduce = None  # "mean" or "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.output_size = _output_size(output_size, self._rank, cls)
        self.data_format = args.standardize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def build(self, input_shape):
        args.check_input_rank(self, input_shape, self._rank)

    def call(self, inputs):
        if self._reduce == "max":
            pool = ops.adaptive_max_pool
        else:
            pool = ops.adaptive_average_pool
        return pool(inputs, output_size=self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        return {
            **super().get_config(),
            "output_size": self.output_size,
            "data_format": self.data_format,
        }


@register_builtin("layers")
class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Adaptive average pooling of 1-D inputs to a fixed `output_size`.

    Args:
        output_size: An int, or a tuple (steps): the output's spatial size.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, steps, channels)` (channels_last).
    Output shape: `(batch, *output_size, channels)`.

    Example:
    >>> layer = kerasish.layers.AdaptiveAveragePooling1D(2)
    >>> layer(np.ones((1, 5, 3))).shape
    (1, 2, 3)
    """

    _rank = 1
    _reduce = "mean"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format=data_format, **kwargs)


@register_builtin("layers")
class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Adaptive average pooling of 2-D inputs to a fixed `output_size`.

    Args:
        output_size: An int, or a tuple (height, width): the output's spatial size.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` (channels_last).
    Output shape: `(batch, *output_size, channels)`.

    Example:
    >>> layer = kerasish.layers.AdaptiveAveragePooling2D(2)
    >>> layer(np.ones((1, 5, 5, 3))).shape
    (1, 2, 2, 3)
    """

    _rank = 2
    _reduce = "mean"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format=data_format, **kwargs)


@register_builtin("layers")
class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Adaptive average pooling of 3-D inputs to a fixed `output_size`.

    Args:
        output_size: An int, or a tuple (depth, height, width): the output's
            spatial size.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, depth, height, width, channels)` (channels_last).
    Output shape: `(batch, *output_size, channels)`.

    Example:
    >>> layer = kerasish.layers.AdaptiveAveragePooling3D(2)
    >>> layer(np.ones((1, 5, 5, 5, 3))).shape
    (1, 2, 2, 2, 3)
    """

    _rank = 3
    _reduce = "mean"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format=data_format, **kwargs)


@register_builtin("layers")
class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Adaptive max pooling of 1-D inputs to a fixed `output_size`.

    Args:
        output_size: An int, or a tuple (steps): the output's spatial size.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, steps, channels)` (channels_last).
    Output shape: `(batch, *output_size, channels)`.

    Example:
    >>> layer = kerasish.layers.AdaptiveMaxPooling1D(2)
    >>> layer(np.ones((1, 5, 3))).shape
    (1, 2, 3)
    """

    _rank = 1
    _reduce = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format=data_format, **kwargs)


@register_builtin("layers")
class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Adaptive max pooling of 2-D inputs to a fixed `output_size`.

    Args:
        output_size: An int, or a tuple (height, width): the output's spatial size.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` (channels_last).
    Output shape: `(batch, *output_size, channels)`.

    Example:
    >>> layer = kerasish.layers.AdaptiveMaxPooling2D(2)
    >>> layer(np.ones((1, 5, 5, 3))).shape
    (1, 2, 2, 3)
    """

    _rank = 2
    _reduce = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format=data_format, **kwargs)


@register_builtin("layers")
class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Adaptive max pooling of 3-D inputs to a fixed `output_size`.

    Args:
        output_size: An int, or a tuple (depth, height, width): the output's
            spatial size.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, depth, height, width, channels)` (channels_last).
    Output shape: `(batch, *output_size, channels)`.

    Example:
    >>> layer = kerasish.layers.AdaptiveMaxPooling3D(2)
    >>> layer(np.ones((1, 5, 5, 5, 3))).shape
    (1, 2, 2, 2, 3)
    """

    _rank = 3
    _reduce = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format=data_format, **kwargs)
