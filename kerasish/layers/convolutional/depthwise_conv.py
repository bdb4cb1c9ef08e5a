"""Depthwise convolutions: `BaseDepthwiseConv`, `DepthwiseConv1D`, `DepthwiseConv2D`."""

from kerasish import activations, constraints, initializers, ops, regularizers
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


class BaseDepthwiseConv(Layer):
    """N-d depthwise convolution: each input channel gets its own filters.

    Output channel `c * depth_multiplier + m` is input channel `c` convolved with
    `kernel[..., c, m]`: a grouped convolution with `groups = in_channels`.

    Args:
        rank: Number of spatial axes.
        depth_multiplier: Positive int, output channels per input channel.
        kernel_size, strides, dilation_rate: Int or tuple of `rank` ints.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first".
        activation, use_bias: as `Conv2D`.
        depthwise_initializer, bias_initializer: Defaults "glorot_uniform", "zeros".
        depthwise_regularizer, bias_regularizer, activity_regularizer: Penalties.
        depthwise_constraint, bias_constraint: Projections after each update.

    Weights: `kernel` of shape `kernel_size + (in_channels, depth_multiplier)`,
    then `bias` of shape `(in_channels * depth_multiplier,)`.
    """

    def __init__(
        self,
        rank,
        depth_multiplier,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.depth_multiplier = args.positive_int(
            depth_multiplier, "depth_multiplier", cls
        )
        self.kernel_size = args.standardize_tuple(kernel_size, rank, "kernel_size", cls)
        self.strides = args.standardize_tuple(strides, rank, "strides", cls)
        self.dilation_rate = args.standardize_tuple(
            dilation_rate, rank, "dilation_rate", cls
        )
        self.padding = args.standardize_padding(padding, cls)
        self.data_format = args.standardize_data_format(data_format, cls)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels = args.input_channels(self, input_shape, self.rank)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(channels * self.depth_multiplier,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={args.channel_axis(self.data_format): channels}
        )

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))
        outputs = ops.depthwise_conv(
            inputs,
            self.kernel,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        outputs = args.add_bias(outputs, self.bias, self.data_format, self.rank)
        return self.activation(outputs) if self.activation is not None else outputs

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
        channels = input_shape[args.channel_axis(self.data_format)]
        filters = None if channels is None else channels * self.depth_multiplier
        spatial = [
            args.conv_output_length(input_shape[axis], k, self.padding, s, d)
            for axis, k, s, d in zip(
                args.spatial_axes(self.data_format, self.rank),
                self.kernel_size,
                self.strides,
                self.dilation_rate,
            )
        ]
        if self.data_format == "channels_last":
            output_shape = (input_shape[0], *spatial, filters)
        else:
            output_shape = (input_shape[0], filters, *spatial)
        args.check_output_size(self, input_shape, output_shape, self.rank)
        return output_shape

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


@register_builtin("layers")
class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution.

    Args: as `BaseDepthwiseConv`. Input `(batch, steps, channels)`; output
    `(batch, new_steps, channels * depth_multiplier)` (channels_last).

    Example:
    >>> kerasish.layers.DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 8, 3))).shape
    (2, 6, 6)
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1, depth_multiplier, kernel_size, strides, padding, data_format,
            dilation_rate, activation, use_bias, depthwise_initializer,
            bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


@register_builtin("layers")
class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution (the first half of a separable convolution).

    Args: as `BaseDepthwiseConv`. Input `(batch, height, width, channels)`;
    output `(batch, new_height, new_width, channels * depth_multiplier)`.

    Example:
    >>> kerasish.layers.DepthwiseConv2D(3)(np.ones((2, 8, 8, 3))).shape
    (2, 6, 6, 3)
    """

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2, depth_multiplier, kernel_size, strides, padding, data_format,
            dilation_rate, activation, use_bias, depthwise_initializer,
            bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip
