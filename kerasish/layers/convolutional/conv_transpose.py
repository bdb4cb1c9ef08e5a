"""Transposed convolutions: `BaseConvTranspose` and `Conv1D/2D/3DTranspose`."""

from kerasish import activations, constraints, initializers, ops, regularizers
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


class BaseConvTranspose(Layer):
    """N-d transposed convolution (the gradient of a convolution w.r.t. its input).

    Each input position scatters `kernel`-weighted copies of its channels into the
    output at `stride`-spaced offsets; the result is then cropped (`padding`) and
    extended on the right (`output_padding`) as Keras does.

    Args:
        rank: Number of spatial axes.
        filters: Positive int, the number of output channels.
        kernel_size, strides, dilation_rate: Int or tuple of `rank` ints.
        padding: "valid" or "same".
        output_padding: None, or an int / tuple of `rank` ints, each strictly less
            than the stride, added to the output size on the right.
        data_format: "channels_last" or "channels_first".
        activation, use_bias, initializers, regularizers, constraints: as `Conv2D`.

    Output size per spatial axis, with `k = dilation * (kernel - 1) + 1`:
    "valid": `(size - 1) * stride + k + output_padding` (default output_padding
    `max(k, stride) - k`); "same": `size * stride`, or
    `(size - 1) * stride + k % 2 + output_padding` when it is given.

    Weights: `kernel` of shape `kernel_size + (filters, in_channels)`, then `bias`.
    """

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.filters = args.positive_int(filters, "filters", cls)
        self.kernel_size = args.standardize_tuple(kernel_size, rank, "kernel_size", cls)
        self.strides = args.standardize_tuple(strides, rank, "strides", cls)
        self.dilation_rate = args.standardize_tuple(
            dilation_rate, rank, "dilation_rate", cls
        )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{cls}: `strides` > 1 cannot be combined with `dilation_rate` > 1, "
                f"got strides={self.strides}, dilation_rate={self.dilation_rate}."
            )
        self.padding = args.standardize_padding(padding, cls)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = args.standardize_tuple(
                output_padding, rank, "output_padding", cls, allow_zero=True
            )
            for axis, (pad, stride) in enumerate(
                zip(self.output_padding, self.strides)
            ):
                if pad >= stride:
                    raise ValueError(
                        f"{cls}: each `output_padding` must be strictly less than "
                        f"the stride; on axis {axis} output_padding={pad} but "
                        f"strides={stride} (output_padding={self.output_padding}, "
                        f"strides={self.strides})."
                    )
        self.data_format = args.standardize_data_format(data_format, cls)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels = args.input_channels(self, input_shape, self.rank)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
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
        outputs = ops.conv_transpose(
            inputs,
            self.kernel,
            strides=self.strides,
            padding=self.padding,
            output_padding=self.output_padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        outputs = args.add_bias(outputs, self.bias, self.data_format, self.rank)
        return self.activation(outputs) if self.activation is not None else outputs

    def compute_output_shape(self, input_shape):
        args.check_input_rank(self, input_shape, self.rank)
        output_padding = self.output_padding or (None,) * self.rank
        spatial = [
            args.conv_transpose_output_length(
                input_shape[axis], k, self.padding, s, p, d
            )
            for axis, k, s, p, d in zip(
                args.spatial_axes(self.data_format, self.rank),
                self.kernel_size,
                self.strides,
                output_padding,
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
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


@register_builtin("layers")
class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution (upsampling a sequence with a learned kernel).

    Args: as `BaseConvTranspose`. Input `(batch, steps, channels)`; output
    `(batch, new_steps, filters)` (channels_last).

    Example:
    >>> kerasish.layers.Conv1DTranspose(4, 3, strides=2)(np.ones((2, 5, 3))).shape
    (2, 11, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
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
            1, filters, kernel_size, strides, padding, output_padding, data_format,
            dilation_rate, activation, use_bias, kernel_initializer,
            bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


@register_builtin("layers")
class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution ("deconvolution"), e.g. in decoders.

    Args: as `BaseConvTranspose`. Input `(batch, height, width, channels)`;
    output `(batch, new_height, new_width, filters)` (channels_last).

    Example:
    >>> layer = kerasish.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
    >>> layer(np.ones((2, 5, 5, 3))).shape
    (2, 10, 10, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1),
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
            2, filters, kernel_size, strides, padding, output_padding, data_format,
            dilation_rate, activation, use_bias, kernel_initializer,
            bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


@register_builtin("layers")
class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution.

    Args: as `BaseConvTranspose` (note Keras's argument order here:
    `data_format` comes before `output_padding`). Input
    `(batch, d1, d2, d3, channels)`; output `(batch, n1, n2, n3, filters)`.

    Example:
    >>> kerasish.layers.Conv3DTranspose(4, 2, strides=2)(np.ones((1, 3, 3, 3, 2))).shape
    (1, 6, 6, 6, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        output_padding=None,
        dilation_rate=(1, 1, 1),
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
            3, filters, kernel_size, strides, padding, output_padding, data_format,
            dilation_rate, activation, use_bias, kernel_initializer,
            bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
