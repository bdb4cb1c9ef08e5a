"""Global pooling: `GlobalMax/GlobalAveragePooling1D/2D/3D` reduce spatial axes."""

from kerasish import ops
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


class BaseGlobalPooling(Layer):
    """Reduces all spatial axes with max or mean.

    Args:
        rank: Number of spatial axes.
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keep the spatial axes with size 1.

    Output shape: `(batch, channels)`, or with `keepdims`
    `(batch, 1, ..., 1, channels)` (channels_last) / `(batch, channels, 1, ...)`.
    """

    _built_at_init = True

    _reduce = None  # "max" or "mean", set by subclasses

    def __init__(self, rank, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.data_format = args.standardize_data_format(data_format, cls)
        if not isinstance(keepdims, bool):
            raise TypeError(f"{cls}: `keepdims` must be a bool, got {keepdims!r}.")
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)

    def call(self, inputs):
        axes = args.spatial_axes(self.data_format, self.rank)
        reduce = ops.max if self._reduce == "max" else ops.mean
        return reduce(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
        channels = input_shape[args.channel_axis(self.data_format)]
        if not self.keepdims:
            return (input_shape[0], channels)
        if self.data_format == "channels_last":
            return (input_shape[0],) + (1,) * self.rank + (channels,)
        return (input_shape[0], channels) + (1,) * self.rank

    def get_config(self):
        return {
            **super().get_config(),
            "data_format": self.data_format,
            "keepdims": self.keepdims,
        }


@register_builtin("layers")
class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps axis; masked steps (from `mask=`) are left out.

    With a mask of shape `(batch, steps)` the output is
    `sum(inputs * mask) / sum(mask)` over the steps.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keep the steps axis with size 1.

    Input shape: `(batch, steps, features)`; output `(batch, features)`.

    Example:
    >>> kerasish.layers.GlobalAveragePooling1D()(np.ones((2, 5, 3))).shape
    (2, 3)
    """

    _reduce = "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        # (batch, steps) -> (batch, steps, 1) or (batch, 1, steps)
        mask = ops.expand_dims(ops.cast(mask, "bool"), 3 - steps_axis)
        weights = ops.cast(mask, inputs.dtype)
        total = ops.sum(ops.where(mask, inputs, 0), axis=steps_axis, keepdims=True)
        count = ops.sum(weights, axis=steps_axis, keepdims=True)
        out = total / count
        return out if self.keepdims else ops.squeeze(out, axis=steps_axis)

    def compute_mask(self, inputs, mask=None):
        return None


@register_builtin("layers")
class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over height and width.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keep the spatial axes with size 1.

    Input shape: `(batch, height, width, channels)`; output `(batch, channels)`.

    Example:
    >>> kerasish.layers.GlobalAveragePooling2D()(np.ones((2, 4, 4, 3))).shape
    (2, 3)
    """

    _reduce = "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


@register_builtin("layers")
class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the three spatial axes.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keep the spatial axes with size 1.

    Input shape: `(batch, d1, d2, d3, channels)`; output `(batch, channels)`.

    Example:
    >>> kerasish.layers.GlobalAveragePooling3D()(np.ones((2, 2, 2, 2, 3))).shape
    (2, 3)
    """

    _reduce = "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)


@register_builtin("layers")
class GlobalMaxPooling1D(BaseGlobalPooling):
    """Maximum over the steps axis.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keep the steps axis with size 1.

    Input shape: `(batch, steps, features)`; output `(batch, features)`.

    Example:
    >>> kerasish.layers.GlobalMaxPooling1D()(np.ones((2, 5, 3))).shape
    (2, 3)
    """

    _reduce = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)


@register_builtin("layers")
class GlobalMaxPooling2D(BaseGlobalPooling):
    """Maximum over height and width.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keep the spatial axes with size 1.

    Input shape: `(batch, height, width, channels)`; output `(batch, channels)`.

    Example:
    >>> kerasish.layers.GlobalMaxPooling2D()(np.ones((2, 4, 4, 3))).shape
    (2, 3)
    """

    _reduce = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


@register_builtin("layers")
class GlobalMaxPooling3D(BaseGlobalPooling):
    """Maximum over the three spatial axes.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keep the spatial axes with size 1.

    Input shape: `(batch, d1, d2, d3, channels)`; output `(batch, channels)`.

    Example:
    >>> kerasish.layers.GlobalMaxPooling3D()(np.ones((2, 2, 2, 2, 3))).shape
    (2, 3)
    """

    _reduce = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)


GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
