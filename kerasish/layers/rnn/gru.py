"""`GRUCell` and `GRU`: gated recurrent unit (Cho et al., 2014).

Gate order `z, r, h` (update, reset, candidate). With `x = x_t @ kernel + b_in`:

    reset_after=True (Keras's default, the cuDNN form; bias shape (2, 3 * units)):
        g = h_{t-1} @ recurrent_kernel + b_rec
        z = sigmoid(x_z + g_z)    r = sigmoid(x_r + g_r)
        hh = tanh(x_h + r * g_h)
    reset_after=False (bias shape (3 * units,)):
        z = sigmoid(x_z + h_{t-1} @ U_z)    r = sigmoid(x_r + h_{t-1} @ U_r)
        hh = tanh(x_h + (r * h_{t-1}) @ U_h)
    h_t = z * h_{t-1} + (1 - z) * hh
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
class GRUCell(FusedRNNCell):
    """One GRU step; the state is `h`.

    Args:
        units: Positive int, size of the output and the state.
        activation: Defaults to "tanh" (the candidate).
        recurrent_activation: Defaults to "sigmoid" (the gates).
        use_bias: Whether to add `bias`.
        kernel_initializer: Defaults to "glorot_uniform".
        recurrent_initializer: Defaults to "orthogonal".
        bias_initializer: Defaults to "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: Projections.
        dropout: Fraction of the inputs dropped (one mask per sequence).
        recurrent_dropout: Fraction of `h` dropped in the recurrent matmul.
        reset_after: Apply the reset gate after the recurrent matmul (True, the
            default) or before it.
        seed: Integer seed for the dropout masks.

    Weights: `kernel (features, 3 * units)`, `recurrent_kernel (units, 3 *
    units)`, `bias` of shape `(2, 3 * units)` (input and recurrent biases) with
    `reset_after`, else `(3 * units,)`; gate blocks in the order `z, r, h`.

    Example:
    >>> cell = kerasish.layers.GRUCell(4)
    >>> h, states = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    >>> h.shape
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
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        reset_after=True,
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
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = self._check_input_dim(input_shape)
        self.kernel = self.add_weight(
            shape=(input_dim, self.units * 3),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units * 3),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            # reset_after keeps separate input and recurrent biases (Keras's
            # (2, 3 * units), not cuDNN's flat (6 * units,)).
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(
                shape=shape,
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _biases(self):
        if self.bias is None:
            return None, None
        if self.reset_after:
            bias = self.bias.value if hasattr(self.bias, "value") else self.bias
            return bias[0], bias[1]
        return self.bias, None

    def project_inputs(self, inputs, dropout_mask=None):
        x = apply_masked_kernel(inputs, self.kernel, dropout_mask, 3)
        input_bias, _ = self._biases()
        return x if input_bias is None else ops.add(x, input_bias)

    def recurrent_step(self, projected, states, recurrent_dropout_mask=None):
        h_tm1 = states[0]
        u = self.units
        masks = recurrent_dropout_mask
        if self.reset_after:
            _, recurrent_bias = self._biases()
            # One (units, 3 * units) matmul for the three blocks.
            inner = apply_masked_kernel(h_tm1, self.recurrent_kernel, masks, 3)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            return self.gate_step(projected, inner, states)
        else:
            x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
            kernel = self.recurrent_kernel
            kernel = kernel.value if hasattr(kernel, "value") else kernel
            zr_masks = masks[:2] if isinstance(masks, list | tuple) else masks
            inner = apply_masked_kernel(h_tm1, kernel[:, : 2 * u], zr_masks, 2)
            g_z, g_r = ops.split(inner, 2, axis=-1)
            z = self.recurrent_activation(x_z + g_z)
            r = self.recurrent_activation(x_r + g_r)
            h_for_h = h_tm1
            if isinstance(masks, list | tuple):
                h_for_h = h_tm1 * masks[2]
            elif masks is not None:
                h_for_h = h_tm1 * masks
            hh = self.activation(x_h + ops.matmul(r * h_for_h, kernel[:, 2 * u :]))
        h = z * h_tm1 + (1.0 - z) * hh
        return h, [h]

    def recurrence_weights(self):
        """`(kernel, input bias, recurrent kernel, recurrent bias)` with
        `reset_after` (one recurrent matmul); None without it: see
        `recurrence.py`."""
        if not self.reset_after:
            return None
        input_bias, recurrent_bias = self._biases()
        return weight_values(
            self.kernel, input_bias, self.recurrent_kernel, recurrent_bias
        )

    def gate_step(self, projected, recurrent, states):
        """The `reset_after` step's arithmetic after its two matmuls (the
        recurrent one with its bias): `(output, new states)`."""
        h_tm1 = states[0]
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
        g_z, g_r, g_h = ops.split(recurrent, 3, axis=-1)
        z = self.recurrent_activation(x_z + g_z)
        r = self.recurrent_activation(x_r + g_r)
        hh = self.activation(x_h + r * g_h)
        h = z * h_tm1 + (1.0 - z) * hh
        return h, [h]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
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
            "reset_after": self.reset_after,
            "seed": self.seed,
        }


@register_builtin("layers")
class GRU(CellLayerMixin, RNN):
    """Gated Recurrent Unit layer: an `RNN` around a `GRUCell`.

    Args:
        units: Positive int, size of the output.
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, kernel_regularizer,
            recurrent_regularizer, bias_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
            reset_after, seed: As in `GRUCell`.
        activity_regularizer: Penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: As in
            `RNN`. With `return_state` the outputs are `[output, h]`.
        use_cudnn: Accepted for compatibility ("auto", True, False).

    Input: `(batch, timesteps, features)`. Output: `(batch, units)`, or
    `(batch, timesteps, units)` with `return_sequences`.

    Example:
    >>> kerasish.layers.GRU(4)(np.ones((2, 5, 3))).shape
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
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
        "dropout",
        "recurrent_dropout",
        "reset_after",
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
        reset_after=True,
        use_cudnn="auto",
        **kwargs,
    ):
        check_units("GRU", units)
        cell = GRUCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
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
            reset_after=reset_after,
            seed=seed,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="gru_cell",
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
        self.use_cudnn = check_use_cudnn("GRU", use_cudnn)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )
