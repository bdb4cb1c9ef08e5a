"""`LSTMCell` and `LSTM`: long short-term memory (Hochreiter & Schmidhuber, 1997).

With `z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias` split into four blocks
in Keras's gate order `i, f, c, o`:

    i = sigmoid(z_i)   f = sigmoid(z_f)   o = sigmoid(z_o)
    c_t = f * c_{t-1} + i * tanh(z_c)
    h_t = o * tanh(c_t)

(`sigmoid` is `recurrent_activation`, `tanh` is `activation`.)
"""

from kerasish import activations, constraints, initializers, ops, random, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.rnn.cell_layer import CellLayerMixin, check_use_cudnn
from kerasish.layers.rnn.dropout_rnn_cell import (
    FusedRNNCell,
    apply_masked_kernel,
    check_units,
    weight_values,
)
from kerasish.layers.rnn.rnn import RNN
from kerasish.serialization import register_builtin


@register_builtin("layers")
class LSTMCell(FusedRNNCell):
    """One LSTM step; the states are `[h, c]`.

    Args:
        units: Positive int, size of the output and of each state.
        activation: Defaults to "tanh" (cell input and output).
        recurrent_activation: Defaults to "sigmoid" (the gates).
        use_bias: Whether to add `bias`.
        kernel_initializer: Defaults to "glorot_uniform".
        recurrent_initializer: Defaults to "orthogonal".
        bias_initializer: Defaults to "zeros".
        unit_forget_bias: Add 1 to the forget gate's bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: Projections.
        dropout: Fraction of the inputs dropped (one mask per sequence; one per
            gate when `recurrent_dropout` is used too, as Keras).
        recurrent_dropout: Fraction of `h` dropped in the recurrent matmul.
        seed: Integer seed for the dropout masks.

    Weights: `kernel (features, 4 * units)`, `recurrent_kernel (units, 4 *
    units)`, `bias (4 * units,)`, gate blocks in the order `i, f, c, o`.

    Example:
    >>> cell = kerasish.layers.LSTMCell(4)
    >>> h, (h, c) = cell(np.ones((2, 3)), [np.zeros((2, 4)), np.zeros((2, 4))])
    >>> c.shape
    (2, 4)
    """

    def __init__(
        self,
        units,
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
        units = check_units(type(self).__name__, units)
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._rates(dropout, recurrent_dropout)
        # Keras: with recurrent dropout every gate gets its own masks.
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = self._check_input_dim(input_shape)
        self.kernel = self.add_weight(
            shape=(input_dim, self.units * 4),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units * 4),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                bias_initializer = forget_bias_initializer(
                    self.bias_initializer, self.units
                )
            self.bias = self.add_weight(
                shape=(self.units * 4,),
                name="bias",
                initializer=bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def project_inputs(self, inputs, dropout_mask=None):
        x = apply_masked_kernel(inputs, self.kernel, dropout_mask, 4)
        return x if self.bias is None else ops.add(x, self.bias)

    def recurrent_step(self, projected, states, recurrent_dropout_mask=None):
        # One (units, 4 * units) matmul for the four gates.
        recurrent = apply_masked_kernel(
            states[0], self.recurrent_kernel, recurrent_dropout_mask, 4
        )
        return self.gates(projected + recurrent, states)

    def recurrence_weights(self):
        """`(kernel, bias, recurrent kernel, None)`: see `recurrence.py`."""
        return weight_values(self.kernel, self.bias, self.recurrent_kernel, None)

    def gates(self, z, states):
        """The step's arithmetic after its matmuls, from their sum `z`:
        `(output, new states)`."""
        c_tm1 = states[1]
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        o = self.recurrent_activation(z_o)
        c = f * c_tm1 + i * self.activation(z_c)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


@register_builtin("layers")
class LSTM(CellLayerMixin, RNN):
    """Long Short-Term Memory layer: an `RNN` around an `LSTMCell`.

    Args:
        units: Positive int, size of the output.
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias,
            kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed: As in `LSTMCell`.
        activity_regularizer: Penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: As in
            `RNN`. With `return_state` the outputs are `[output, h, c]`.
        use_cudnn: Accepted for compatibility ("auto", True, False); XLA picks
            the kernels.

    Input: `(batch, timesteps, features)`. Output: `(batch, units)`, or
    `(batch, timesteps, units)` with `return_sequences`.

    Example:
    >>> kerasish.layers.LSTM(4)(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    _cell_args = (
        "units",
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

    def __init__(
        self,
        units,
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
        activity_regularizer=None,
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
        unroll=False,
        use_cudnn="auto",
        **kwargs,
    ):
        check_units("LSTM", units)
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            unit_forget_bias=unit_forget_bias,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="lstm_cell",
            implementation=kwargs.pop("implementation", 2),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = check_use_cudnn("LSTM", use_cudnn)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )


def forget_bias_initializer(base, units):
    """Keras's `unit_forget_bias`: the forget gate's bias starts at one, the other
    three gates' (input, cell, output) from `base`."""

    def initializer(shape, dtype=None):
        return ops.concatenate(
            [
                base((units,), dtype=dtype),
                ops.ones((units,), dtype=dtype),
                base((units * 2,), dtype=dtype),
            ]
        )

    return initializer
