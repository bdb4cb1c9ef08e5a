"""`ConvLSTM1D/2D/3D`: an LSTM whose input and recurrent transforms are convolutions.

With `*` an N-d convolution (the input one with the layer's `strides`, `padding`
and `dilation_rate`; the recurrent one with stride 1 and "same" padding), and the
kernels split into four gate blocks along their output axis in the order
`i, f, c, o`:

    z = x_t * kernel + h_{t-1} * recurrent_kernel + bias
    i = sigmoid(z_i)   f = sigmoid(z_f)   o = sigmoid(z_o)
    c_t = f * c_{t-1} + i * tanh(z_c)
    h_t = o * tanh(c_t)

(`sigmoid` is `recurrent_activation`, `tanh` is `activation`.) Without dropout a
step is two convolutions with all four gates fused (`4 * filters` output
channels); with dropout each gate sees its own mask, as in Keras, and gets its own
convolution.
"""

from kerasish import activations, constraints, initializers, ops, random, regularizers
from kerasish.common import tree
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.rnn.cell_layer import CellLayerMixin, serialize_arg
from kerasish.layers.rnn.dropout_rnn_cell import DropoutRNNCell, _check_rate
from kerasish.layers.rnn.lstm import forget_bias_initializer
from kerasish.layers.rnn.rnn import RNN
from kerasish.serialization import register_builtin

_CELL_ARGS = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "activation",
    "recurrent_activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "unit_forget_bias",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
)


@register_builtin("layers")
class ConvLSTMCell(Layer, DropoutRNNCell):
    """One ConvLSTM step over `(batch, *spatial, channels)` inputs; states `[h, c]`.

    Args:
        rank: Number of spatial axes (1, 2 or 3).
        filters: Positive int, channels of the output and of each state.
        kernel_size: Int or tuple of `rank` ints, the convolution window.
        strides: Int or tuple of `rank` ints (input convolution only).
            `strides > 1` is incompatible with `dilation_rate > 1`.
        padding: "valid" or "same" (input convolution only).
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: Int or tuple of `rank` ints (input convolution only).
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias,
            kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed: As in `LSTMCell`.

    Weights: `kernel (*kernel_size, channels, 4 * filters)`, `recurrent_kernel
    (*kernel_size, filters, 4 * filters)`, `bias (4 * filters,)`.
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
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        if rank not in (1, 2, 3):
            raise ValueError(
                f"{name}: `rank` must be 1, 2 or 3 (ConvLSTM1D/2D/3D), received "
                f"rank={rank!r}."
            )
        self.rank = rank
        self.filters = args.positive_int(filters, "filters", name)
        self.kernel_size = args.standardize_tuple(
            kernel_size, rank, "kernel_size", name
        )
        self.strides = args.standardize_tuple(strides, rank, "strides", name)
        self.padding = args.standardize_padding(padding, name)
        self.data_format = args.standardize_data_format(data_format, name)
        self.dilation_rate = args.standardize_tuple(
            dilation_rate, rank, "dilation_rate", name
        )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{name}: `strides > 1` is not compatible with `dilation_rate > 1`, "
                f"received strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}. Use strides=1 or "
                "dilation_rate=1."
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _check_rate(name, "dropout", dropout)
        self.recurrent_dropout = _check_rate(
            name, "recurrent_dropout", recurrent_dropout
        )
        self.dropout_mask_count = 4
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.input_spec = InputSpec(ndim=rank + 2)
        # As in Keras: the states' shapes come from `get_initial_state`.
        self.state_size = -1

    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        if len(inputs_shape) != self.rank + 2:
            raise ValueError(
                f"Layer '{self.name}' (ConvLSTMCell) expects {self.rank + 2}D step "
                f"inputs (batch, {self.rank} spatial axes, channels), received "
                f"shape {inputs_shape}."
            )
        if self.data_format == "channels_first":
            channel_axis, spatial = 1, inputs_shape[2:]
        else:
            channel_axis, spatial = -1, inputs_shape[1:-1]
        if None in spatial:
            raise ValueError(
                f"Layer '{self.name}' (ConvLSTM{self.rank}D) needs static spatial "
                f"dimensions, received step input shape {inputs_shape}. Give the "
                "input a fixed spatial size."
            )
        if inputs_shape[channel_axis] is None:
            raise ValueError(
                f"Layer '{self.name}' (ConvLSTM{self.rank}D) needs a known channel "
                f"axis, received step input shape {inputs_shape}."
            )
        self.spatial_dims = tuple(spatial)
        self.input_dim = inputs_shape[channel_axis]
        self.kernel_shape = self.kernel_size + (self.input_dim, self.filters * 4)
        self.kernel = self.add_weight(
            shape=self.kernel_shape,
            initializer=self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, self.filters * 4),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                bias_initializer = forget_bias_initializer(
                    self.bias_initializer, self.filters
                )
            self.bias = self.add_weight(
                shape=(self.filters * 4,),
                name="bias",
                initializer=bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _channel_split_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def input_conv(self, x, w, b=None, padding="valid"):
        """`conv(x, w)` with the input strides and dilation, plus `b` per channel."""
        out = ops.conv(
            x,
            w,
            strides=self.strides,
            padding=padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        return args.add_bias(out, b, self.data_format, self.rank)

    def recurrent_conv(self, x, w):
        """`conv(x, w)` with stride 1 and "same" padding (keeps the state's shape)."""
        return ops.conv(x, w, strides=1, padding="same", data_format=self.data_format)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        dp_mask = rec_mask = None
        if training and 0.0 < self.dropout < 1.0:
            dp_mask = self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            rec_mask = self.get_recurrent_dropout_mask(h_tm1)
        if dp_mask is None and rec_mask is None:
            # One convolution each for the four gates: (..., 4 * filters).
            z = self.input_conv(inputs, self.kernel, self.bias, self.padding)
            z = z + self.recurrent_conv(h_tm1, self.recurrent_kernel)
            z_i, z_f, z_c, z_o = ops.split(z, 4, axis=self._channel_split_axis())
        else:
            kernels = ops.split(self.kernel, 4, axis=self.rank + 1)
            recurrent = ops.split(self.recurrent_kernel, 4, axis=self.rank + 1)
            biases = ops.split(self.bias, 4) if self.use_bias else [None] * 4
            z_i, z_f, z_c, z_o = [
                self.input_conv(
                    inputs if dp_mask is None else inputs * dp_mask[k],
                    kernels[k],
                    biases[k],
                    self.padding,
                )
                + self.recurrent_conv(
                    h_tm1 if rec_mask is None else h_tm1 * rec_mask[k], recurrent[k]
                )
                for k in range(4)
            ]
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        spatial = [
            args.conv_output_length(length, k, self.padding, s, d)
            for length, k, s, d in zip(
                inputs_shape[1:-1]
                if self.data_format == "channels_last"
                else inputs_shape[2:],
                self.kernel_size,
                self.strides,
                self.dilation_rate,
            )
        ]
        if self.data_format == "channels_last":
            shape = (inputs_shape[0], *spatial, self.filters)
        else:
            shape = (inputs_shape[0], self.filters, *spatial)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        if self.data_format == "channels_last":
            input_shape = (batch_size, *self.spatial_dims, self.input_dim)
        else:
            input_shape = (batch_size, self.input_dim, *self.spatial_dims)
        state_shape = self.compute_output_shape(input_shape)[0]
        return [
            ops.zeros(state_shape, dtype=self.compute_dtype),
            ops.zeros(state_shape, dtype=self.compute_dtype),
        ]

    def get_config(self):
        config = {**super().get_config(), "rank": self.rank}
        for name in _CELL_ARGS:
            config[name] = serialize_arg(name, getattr(self, name))
        config["seed"] = self.seed
        return config


class ConvLSTM(CellLayerMixin, RNN):
    """Base of `ConvLSTM1D/2D/3D`: an `RNN` around one `ConvLSTMCell`.

    Args:
        rank: Number of spatial axes.
        filters, kernel_size, strides, padding, data_format, dilation_rate,
            activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias,
            kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed: As in `ConvLSTMCell`.
        activity_regularizer: Penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful: As in `RNN`.
    """

    _cell_args = _CELL_ARGS

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        **kwargs,
    ):
        cell = ConvLSTMCell(
            rank=rank,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            name="conv_lstm_cell",
            dtype=kwargs.get("dtype"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=rank + 3)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        batch_size, steps = sequences_shape[0], sequences_shape[1]
        step_shape = (batch_size, *sequences_shape[2:])
        state_shape = tuple(self.cell.compute_output_shape(step_shape)[0][1:])
        if self.return_sequences:
            output_shape = (batch_size, steps, *state_shape)
        else:
            output_shape = (batch_size, *state_shape)
        if self.return_state:
            batched = (batch_size, *state_shape)
            return output_shape, batched, batched
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if mask is not None:
            mask = tree.flatten(mask)[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask, None, None]
        return output_mask
