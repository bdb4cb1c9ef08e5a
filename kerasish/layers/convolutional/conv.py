"""`Conv1D`, `Conv2D`, `Conv3D`: thin rank-fixing subclasses of `BaseConv`."""

from kerasish.layers.convolutional.base_conv import BaseConv
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Conv1D(BaseConv):
    """1D convolution over a sequence (temporal convolution).

    Args: as `BaseConv` (`filters`, `kernel_size`, `strides`, `padding`
    ("valid", "same", "causal"), `data_format`, `dilation_rate`, `groups`, `activation`,
    `use_bias`, initializers, regularizers, constraints).

    Input shape: `(batch, steps, channels)` (channels_last) or
    `(batch, channels, steps)` (channels_first).
    Output shape: the same with `filters` channels and each spatial size
    `ceil(size / stride)` ("same") or
    `floor((size - dilation * (kernel - 1) - 1) / stride) + 1` ("valid").

    Example:
    >>> kerasish.layers.Conv1D(4, 3)(np.ones((2, 8, 3))).shape
    (2, 6, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            activation,
            use_bias,
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            activity_regularizer,
            kernel_constraint,
            bias_constraint,
            **kwargs,
        )


@register_builtin("layers")
class Conv2D(BaseConv):
    """2D convolution over images (spatial convolution).

    Args: as `BaseConv` (`filters`, `kernel_size`, `strides`, `padding`
    ("valid", "same"), `data_format`, `dilation_rate`, `groups`, `activation`,
    `use_bias`, initializers, regularizers, constraints).

    Input shape: `(batch, height, width, channels)` (channels_last) or
    `(batch, channels, height, width)` (channels_first).
    Output shape: the same with `filters` channels and each spatial size
    `ceil(size / stride)` ("same") or
    `floor((size - dilation * (kernel - 1) - 1) / stride) + 1` ("valid").

    Example:
    >>> kerasish.layers.Conv2D(4, 3)(np.ones((2, 8, 8, 3))).shape
    (2, 6, 6, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            activation,
            use_bias,
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            activity_regularizer,
            kernel_constraint,
            bias_constraint,
            **kwargs,
        )


@register_builtin("layers")
class Conv3D(BaseConv):
    """3D convolution over volumes.

    Args: as `BaseConv` (`filters`, `kernel_size`, `strides`, `padding`
    ("valid", "same"), `data_format`, `dilation_rate`, `groups`, `activation`,
    `use_bias`, initializers, regularizers, constraints).

    Input shape: `(batch, d1, d2, d3, channels)` (channels_last) or
    `(batch, channels, d1, d2, d3)` (channels_first).
    Output shape: the same with `filters` channels and each spatial size
    `ceil(size / stride)` ("same") or
    `floor((size - dilation * (kernel - 1) - 1) / stride) + 1` ("valid").

    Example:
    >>> kerasish.layers.Conv3D(4, 3)(np.ones((2, 5, 5, 5, 3))).shape
    (2, 3, 3, 3, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1, 1),
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            3,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            activation,
            use_bias,
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            activity_regularizer,
            kernel_constraint,
            bias_constraint,
            **kwargs,
        )


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
