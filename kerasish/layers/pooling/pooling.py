"""Windowed pooling: `BasePooling`, `MaxPooling1D/2D/3D`, `AveragePooling1D/2D/3D`."""

from kerasish import ops
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


class BasePooling(Layer):
    """N-d max or average pooling over windows of `pool_size`.

    Args:
        pool_size: Int or tuple of `rank` ints, the window size.
        strides: Int or tuple of `rank` ints; `None` (default) means `pool_size`.
        rank: Number of spatial axes.
        pool_mode: "max" or "average".
        padding: "valid" (windows inside the input) or "same" (output size
            `ceil(size / stride)`; max ignores the padding, average divides by
            the number of real elements in each window).
        data_format: "channels_last" (default) or "channels_first".

    Output size per spatial axis: `floor((size - pool_size) / stride) + 1`
    ("valid") or `ceil(size / stride)` ("same").
    """

    _built_at_init = True

    def __init__(
        self,
        pool_size,
        strides,
        rank,
        pool_mode="max",
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.pool_size = args.standardize_tuple(pool_size, rank, "pool_size", cls)
        strides = self.pool_size if strides is None else strides
        self.strides = args.standardize_tuple(strides, rank, "strides", cls)
        if pool_mode not in ("max", "average"):
            raise ValueError(
                f"{cls}: `pool_mode` must be 'max' or 'average', got {pool_mode!r}."
            )
        self.pool_mode = pool_mode
        self.padding = args.standardize_padding(padding, cls)
        self.data_format = args.standardize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return pool(
            inputs,
            pool_size=self.pool_size,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
        output_shape = list(input_shape)
        for axis, k, s in zip(
            args.spatial_axes(self.data_format, self.rank),
            self.pool_size,
            self.strides,
        ):
            output_shape[axis] = args.conv_output_length(
                input_shape[axis], k, self.padding, s
            )
        output_shape = tuple(output_shape)
        args.check_output_size(self, input_shape, output_shape, self.rank)
        return output_shape

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


@register_builtin("layers")
class MaxPooling1D(BasePooling):
    """1D max pooling: the maximum over each window.

    Args:
        pool_size: Int or tuple of 1 ints; defaults to 2.
        strides: Int or tuple of 1 ints; defaults to `pool_size`.
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, steps, channels)` (channels_last);
    each spatial size is pooled.

    Example:
    >>> kerasish.layers.MaxPooling1D(2)(np.ones((2, 8, 3))).shape
    (2, 4, 3)
    """

    def __init__(
        self,
        pool_size=2,
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size, strides, 1, "max", padding, data_format, name, **kwargs
        )


@register_builtin("layers")
class MaxPooling2D(BasePooling):
    """2D max pooling: the maximum over each window.

    Args:
        pool_size: Int or tuple of 2 ints; defaults to (2, 2).
        strides: Int or tuple of 2 ints; defaults to `pool_size`.
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` (channels_last);
    each spatial size is pooled.

    Example:
    >>> kerasish.layers.MaxPooling2D(2)(np.ones((2, 8, 8, 3))).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self,
        pool_size=(2, 2),
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size, strides, 2, "max", padding, data_format, name, **kwargs
        )


@register_builtin("layers")
class MaxPooling3D(BasePooling):
    """3D max pooling: the maximum over each window.

    Args:
        pool_size: Int or tuple of 3 ints; defaults to (2, 2, 2).
        strides: Int or tuple of 3 ints; defaults to `pool_size`.
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, d1, d2, d3, channels)` (channels_last);
    each spatial size is pooled.

    Example:
    >>> kerasish.layers.MaxPooling3D(2)(np.ones((2, 4, 4, 4, 3))).shape
    (2, 2, 2, 2, 3)
    """

    def __init__(
        self,
        pool_size=(2, 2, 2),
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size, strides, 3, "max", padding, data_format, name, **kwargs
        )


@register_builtin("layers")
class AveragePooling1D(BasePooling):
    """1D average pooling: the mean over each window.

    Args:
        pool_size: Int or tuple of 1 ints.
        strides: Int or tuple of 1 ints; defaults to `pool_size`.
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, steps, channels)` (channels_last);
    each spatial size is pooled.

    Example:
    >>> kerasish.layers.AveragePooling1D(2)(np.ones((2, 8, 3))).shape
    (2, 4, 3)
    """

    def __init__(
        self,
        pool_size,
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size, strides, 1, "average", padding, data_format, name, **kwargs
        )


@register_builtin("layers")
class AveragePooling2D(BasePooling):
    """2D average pooling: the mean over each window.

    Args:
        pool_size: Int or tuple of 2 ints.
        strides: Int or tuple of 2 ints; defaults to `pool_size`.
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, height, width, channels)` (channels_last);
    each spatial size is pooled.

    Example:
    >>> kerasish.layers.AveragePooling2D(2)(np.ones((2, 8, 8, 3))).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self,
        pool_size,
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size, strides, 2, "average", padding, data_format, name, **kwargs
        )


@register_builtin("layers")
class AveragePooling3D(BasePooling):
    """3D average pooling: the mean over each window.

    Args:
        pool_size: Int or tuple of 3 ints.
        strides: Int or tuple of 3 ints; defaults to `pool_size`.
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, d1, d2, d3, channels)` (channels_last);
    each spatial size is pooled.

    Example:
    >>> kerasish.layers.AveragePooling3D(2)(np.ones((2, 4, 4, 4, 3))).shape
    (2, 2, 2, 2, 3)
    """

    def __init__(
        self,
        pool_size,
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size, strides, 3, "average", padding, data_format, name, **kwargs
        )


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
