"""`SimpleRNNCell` and `SimpleRNN`: `h_t = activation(x_t @ W + h_{t-1} @ U + b)`."""

from kerasish import activations, constraints, initializers, ops, random, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.rnn.cell_layer import CellLayerMixin
from kerasish.layers.rnn.dropout_rnn_cell import (
    FusedRNNCell,
    apply_masked_kernel,
    check_units,
    weight_values,
)
from kerasish.layers.rnn.rnn import RNN
from kerasish.serialization import register_builtin


@register_builtin("layers")
class SimpleRNNCell(FusedRNNCell):
    """One step of a fully connected RNN: `h = activation(x @ kernel + h_prev @
    recurrent_kernel + bias)`.

    Args:
        units: Positive int, size of the state and output.
        activation: Defaults to "tanh".
        use_bias: Whether to add `bias`.
        kernel_initializer: Defaults to "glorot_uniform".
        recurrent_initializer: Defaults to "orthogonal".
        bias_initializer: Defaults to "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: Projections.
        dropout: Fraction of the inputs dropped (one mask per sequence).
        recurrent_dropout: Fraction of the previous state dropped.
        seed: Integer seed for the dropout masks.

    Weights: `kernel (features, units)`, `recurrent_kernel (units, units)`,
    `bias (units,)`.

    Example:
    >>> cell = kerasish.layers.SimpleRNNCell(4)
    >>> out, states = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    >>> out.shape
    (2, 4)
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
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
        super().__init__(**kwargs)
        self.units = units
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.activation = activations.get(activation)
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
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = self._check_input_dim(input_shape)
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def project_inputs(self, inputs, dropout_mask=None):
        x = apply_masked_kernel(inputs, self.kernel, dropout_mask, 1)
        return x if self.bias is None else ops.add(x, self.bias)

    def recurrent_step(self, projected, states, recurrent_dropout_mask=None):
        h = states[0]
        if recurrent_dropout_mask is not None:
            h = h * recurrent_dropout_mask
        return self.gates(projected + ops.matmul(h, self.recurrent_kernel), states)

    def recurrence_weights(self):
        """`(kernel, bias, recurrent kernel, None)`: see `recurrence.py`."""
        return weight_values(self.kernel, self.bias, self.recurrent_kernel, None)

    def gates(self, z, states):
        """The step's arithmetic after its matmuls, from their sum `z`:
        `(output, new states)`."""
        output = self.activation(z)
        return output, [output]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
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
class SimpleRNN(CellLayerMixin, RNN):
    """Fully connected RNN whose output is fed back as the next input state.

    Args:
        units: Positive int, size of the output.
        activation, use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer,
            bias_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint, dropout, recurrent_dropout, seed: As in
            `SimpleRNNCell`.
        activity_regularizer: Penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: As in
            `RNN`.

    Input: `(batch, timesteps, features)`. Output: `(batch, units)`, or
    `(batch, timesteps, units)` with `return_sequences`.

    Example:
    >>> kerasish.layers.SimpleRNN(4)(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    _cell_args = (
        "units",
        "activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
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
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        seed=None,
        **kwargs,
    ):
        check_units("SimpleRNN", units)
        cell = SimpleRNNCell(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
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
            name="simple_rnn_cell",
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

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )
