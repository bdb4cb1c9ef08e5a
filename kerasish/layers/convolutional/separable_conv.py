"""Separable convolutions: `BaseSeparableConv`, `SeparableConv1D`, `SeparableConv2D`."""

from kerasish import activations, constraints, initializers, ops, regularizers
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


class BaseSeparableConv(Layer):
    """N-d separable convolution: a depthwise convolution, then a 1x1 convolution.

    `activation(pointwise(depthwise(inputs)) + bias)`: the depthwise step filters
    each input channel separately (`depth_multiplier` outputs per channel, with
    `strides`, `padding`, `dilation_rate`), the pointwise step mixes the
    `in_channels * depth_multiplier` results into `filters` channels.

    Args:
        rank: Number of spatial axes.
        depth_multiplier: Positive int.
        filters: Positive int, the number of output channels.
        kernel_size, strides, dilation_rate: Int or tuple of `rank` ints.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first".
        activation, use_bias: as `Conv2D`.
        depthwise_initializer, pointwise_initializer, bias_initializer.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, pointwise_constraint,
        bias_constraint.

    Weights, in order: `depthwise_kernel` of shape
    `kernel_size + (in_channels, depth_multiplier)`, `pointwise_kernel` of shape
    `(1,) * rank + (in_channels * depth_multiplier, filters)`, `bias` `(filters,)`.
    """

    def __init__(
        self,
        rank,
        depth_multiplier,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.depth_multiplier = args.positive_int(
            depth_multiplier, "depth_multiplier", cls
        )
        self.filters = args.positive_int(filters, "filters", cls)
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
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels = args.input_channels(self, input_shape, self.rank)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={args.channel_axis(self.data_format): channels}
        )

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))
        outputs = ops.separable_conv(
            inputs,
            self.depthwise_kernel,
            self.pointwise_kernel,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        outputs = args.add_bias(outputs, self.bias, self.data_format, self.rank)
        return self.activation(outputs) if self.activation is not None else outputs

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
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
            output_shape = (input_shape[0], *spatial, self.filters)
        else:
            output_shape = (input_shape[0], self.filters, *spatial)
        args.check_output_size(self, input_shape, output_shape, self.rank)
        return output_shape

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


@register_builtin("layers")
class SeparableConv1D(BaseSeparableConv):
    """1D separable convolution (depthwise, then pointwise).

    Args: as `BaseSeparableConv`. Input `(batch, steps, channels)`; output
    `(batch, new_steps, filters)` (channels_last).

    Example:
    >>> kerasish.layers.SeparableConv1D(4, 3)(np.ones((2, 8, 3))).shape
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
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1, depth_multiplier, filters, kernel_size, strides, padding,
            data_format, dilation_rate, activation, use_bias,
            depthwise_initializer, pointwise_initializer, bias_initializer,
            depthwise_regularizer, pointwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, pointwise_constraint,
            bias_constraint, **kwargs,
        )  # fmt: skip


@register_builtin("layers")
class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution (depthwise, then pointwise), as in Xception.

    Args: as `BaseSeparableConv`. Input `(batch, height, width, channels)`;
    output `(batch, new_height, new_width, filters)` (channels_last).

    Example:
    >>> kerasish.layers.SeparableConv2D(4, 3)(np.ones((2, 8, 8, 3))).shape
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
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2, depth_multiplier, filters, kernel_size, strides, padding,
            data_format, dilation_rate, activation, use_bias,
            depthwise_initializer, pointwise_initializer, bias_initializer,
            depthwise_regularizer, pointwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, pointwise_constraint,
            bias_constraint, **kwargs,
        )  # fmt: skip


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
