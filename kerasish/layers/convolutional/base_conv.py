"""`BaseConv`: the N-d convolution that `Conv1D`, `Conv2D`, `Conv3D` specialize."""

from kerasish import activations, constraints, initializers, ops, regularizers
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.core.dense_quantization import (
    add_lora_weights,
    check_enable_lora,
    finish_enable_lora,
    lora_config,
)
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class BaseConv(Layer):
    """N-d convolution: `activation(conv(inputs, kernel) + bias)`.

    Args:
        rank: Number of spatial axes (1, 2 or 3).
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of `rank` ints, the window size.
        strides: Int or tuple of `rank` ints. Defaults to 1. Strides > 1 cannot be
            combined with `dilation_rate` > 1 (as in Keras).
        padding: "valid" (no padding), "same" (output size `ceil(input / stride)`)
            or, for `rank == 1` only, "causal" (left padding of
            `dilation_rate * (kernel_size - 1)`, so output `t` sees inputs `<= t`).
        data_format: "channels_last" (default: `config.image_data_format()`) or
            "channels_first".
        dilation_rate: Int or tuple of `rank` ints, the spacing of kernel taps.
        groups: Positive int dividing `filters` and the input channels; each
            group of `in / groups` input channels is convolved separately into
            `filters / groups` output channels.
        activation: Activation name or callable. Defaults to `None` (linear).
        use_bias: Whether to add a bias vector.
        kernel_initializer, bias_initializer: Defaults "glorot_uniform", "zeros".
        kernel_regularizer, bias_regularizer: Penalties added to the loss.
        activity_regularizer: Penalty on the outputs.
        kernel_constraint, bias_constraint: Projections after each update.
        lora_rank: If set, LoRA of this rank is enabled at build (see
            `enable_lora`).
        lora_alpha: LoRA's scale numerator (the delta is scaled by
            `lora_alpha / lora_rank`). Defaults to `lora_rank`.

    Weights: `kernel` of shape `kernel_size + (in_channels // groups, filters)`,
    then `bias` of shape `(filters,)` (then `lora_kernel_a`, `lora_kernel_b`).
    """

    def __init__(
        self,
        rank,
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
        lora_rank=None,
        lora_alpha=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.filters = args.positive_int(filters, "filters", cls)
        self.groups = args.positive_int(groups, "groups", cls)
        if self.filters % self.groups:
            raise ValueError(
                f"{cls}: `filters` must be divisible by `groups`, got "
                f"filters={self.filters}, groups={self.groups}."
            )
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
        self.padding = args.standardize_padding(padding, cls, allow_causal=rank == 1)
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
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def build(self, input_shape):
        channels = args.input_channels(self, input_shape, self.rank)
        if channels % self.groups:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): the input's "
                f"{channels} channels are not divisible by groups={self.groups} "
                f"(input shape {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)
        self._kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
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
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The kernel the convolution uses: the `kernel` weight, plus the LoRA
        delta `(lora_alpha / lora_rank) * lora_kernel_a @ lora_kernel_b`."""
        if not self.built:
            raise AttributeError(
                f"Layer '{self.name}' ({type(self).__name__}): you must build the "
                "layer before accessing `kernel`."
            )
        if not self.lora_enabled:
            return self._kernel
        delta = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
        return self._add_lora(self._kernel, delta)

    def enable_lora(
        self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"
    ):
        """Freezes the kernel and adds trainable `lora_kernel_a` of shape
        `kernel.shape[:-1] + (rank,)` and `lora_kernel_b` `(rank, filters)`, as
        Keras's convolutions do (`lora_alpha` defaults to `rank`)."""
        check_enable_lora(self, self.kernel_constraint)
        self.lora_kernel_a, self.lora_kernel_b = add_lora_weights(
            self,
            ("lora_kernel_a", "lora_kernel_b"),
            (self._kernel.shape[:-1] + (rank,), (rank, self.filters)),
            (a_initializer, b_initializer),
            self.kernel_regularizer,
        )
        finish_enable_lora(self, self._kernel, rank, lora_alpha)

    def save_own_variables(self, store):
        """Keras's layout: the kernel with any LoRA delta merged, then the bias."""
        if not self.built:
            return
        for index, value in enumerate([self.kernel, self.bias][: 1 + self.use_bias]):
            store[str(index)] = ops.convert_to_numpy(value)

    def load_own_variables(self, store):
        """Loads `save_own_variables`' layout; LoRA factors restart at zero
        (their delta is already in the saved kernel)."""
        if not self.lora_enabled:
            self._check_load_own_variables(store)
        if not self.built:
            return
        for index, target in enumerate([self._kernel, self.bias][: 1 + self.use_bias]):
            target.assign(store[str(index)])
        if self.lora_enabled:
            self.lora_kernel_a.assign(ops.zeros(self.lora_kernel_a.shape))
            self.lora_kernel_b.assign(ops.zeros(self.lora_kernel_b.shape))

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))
        if self.padding == "causal":
            # (left, right) per axis: only the time axis is padded, on the left.
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            pads = [(0, 0)] * 3
            pads[1 if self.data_format == "channels_last" else 2] = (left, 0)
            inputs = ops.pad(inputs, pads)
        outputs = self.convolution_op(inputs, self.kernel)
        outputs = args.add_bias(outputs, self.bias, self.data_format, self.rank)
        return self.activation(outputs) if self.activation is not None else outputs

    def convolution_op(self, inputs, kernel):
        """The convolution of `inputs` with `kernel`, before bias and activation.

        Subclasses override it to transform the kernel (weight standardization);
        `call` passes `self.kernel`. With `padding="causal"` the inputs arrive
        already padded on the left, so the convolution itself is "valid".
        """
        padding = "valid" if self.padding == "causal" else self.padding
        return ops.conv(
            inputs,
            kernel,
            strides=self.strides,
            padding=padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )

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
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            **lora_config(self),
        }
