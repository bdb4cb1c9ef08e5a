"""`DropoutRNNCell`: per-sequence dropout masks, and the base of the built-in cells.

Recurrent dropout in Keras is "variational": one mask per sequence, shared by every
timestep. The `RNN` layer draws the masks before its loop (`prepare_dropout_masks`)
and clears them after (`reset_dropout_mask`), so the loop body draws nothing and
stays pure. A cell called on its own draws fresh masks on each call.

`FusedRNNCell` is the base of `SimpleRNNCell`, `LSTMCell` and `GRUCell`. A step is
split in two: `project_inputs` (the input kernel and bias, applied to all timesteps
at once before the loop) and `recurrent_step` (the recurrent matmul and the gates,
the only work inside the loop). `RNN` uses that split when the cell's `call` is the
one defined here.
"""

from kerasish import ops, random
from kerasish.layers.layer import Layer


def _check_rate(cls_name, name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0.0 <= value <= 1.0)
    ):
        raise ValueError(
            f"{cls_name}: `{name}` must be a float in [0, 1], got {value!r}."
        )
    return float(value)


def check_units(cls_name, units):
    """`units` as a positive int, or a ValueError naming the class."""
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(
            f"{cls_name}: received an invalid value for argument `units`, "
            f"expected a positive integer, got {units!r}."
        )
    return units


class DropoutRNNCell:
    """Mixin holding the dropout masks of a cell for the length of one sequence.

    A cell using it has `dropout`, `recurrent_dropout` and `seed_generator`, and
    optionally `dropout_mask_count` (one mask per gate instead of one shared).
    """

    dropout_mask_count = None

    def _create_dropout_mask(self, step_input, rate):
        ones = ops.ones_like(step_input)
        if self.dropout_mask_count is None:
            return random.dropout(ones, rate, seed=self.seed_generator)
        return [
            random.dropout(ones, rate, seed=self.seed_generator)
            for _ in range(self.dropout_mask_count)
        ]

    def get_dropout_mask(self, step_input):
        """The input mask of the current sequence (drawn if none is cached)."""
        cached = getattr(self, "_dropout_mask", None)
        if cached is not None or not 0.0 < self.dropout < 1.0:
            return cached
        return self._create_dropout_mask(step_input, self.dropout)

    def get_recurrent_dropout_mask(self, step_input):
        """The recurrent-state mask of the current sequence."""
        cached = getattr(self, "_recurrent_dropout_mask", None)
        if cached is not None or not 0.0 < self.recurrent_dropout < 1.0:
            return cached
        return self._create_dropout_mask(step_input, self.recurrent_dropout)

    def prepare_dropout_masks(self, step_input, state):
        """Draws and caches both masks for one sequence (called by `RNN`)."""
        object.__setattr__(self, "_dropout_mask", self.get_dropout_mask(step_input))
        object.__setattr__(
            self, "_recurrent_dropout_mask", self.get_recurrent_dropout_mask(state)
        )

    def reset_dropout_mask(self):
        object.__setattr__(self, "_dropout_mask", None)

    def reset_recurrent_dropout_mask(self):
        object.__setattr__(self, "_recurrent_dropout_mask", None)


def weight_values(*weights):
    """The values of `weights` (Variables, read as `ops` reads them, or arrays);
    None stays None."""
    return tuple(getattr(w, "value", w) for w in weights)


def apply_masked_kernel(x, kernel, masks, num_gates):
    """`x @ kernel` with the gate `k` block of the kernel seeing `x * masks[k]`.

    `masks` is None (no dropout), one mask for all gates, or a list of `num_gates`
    masks; each broadcasts against `x`.
    """
    if masks is None:
        return ops.matmul(x, kernel)
    if not isinstance(masks, list | tuple):
        return ops.matmul(x * masks, kernel)
    blocks = ops.split(kernel, num_gates, axis=-1)
    return ops.concatenate(
        [ops.matmul(x * m, k) for m, k in zip(masks, blocks)], axis=-1
    )


class FusedRNNCell(Layer, DropoutRNNCell):
    """Base of the built-in cells: `call` = `recurrent_step(project_inputs(x))`.

    Subclasses implement `project_inputs(inputs, dropout_mask)` (works on any
    leading axes: `(batch, features)` or `(time, batch, features)`) and
    `recurrent_step(projected, states, recurrent_dropout_mask) -> (output,
    new_states)`, where `output` is `new_states[0]`.
    """

    def call(self, inputs, states, training=False):
        single = not isinstance(states, list | tuple)
        states = [states] if single else list(states)
        dp_mask = rec_mask = None
        if training:
            dp_mask = self.get_dropout_mask(inputs)
            rec_mask = self.get_recurrent_dropout_mask(states[0])
        projected = self.project_inputs(inputs, dp_mask)
        output, new_states = self.recurrent_step(projected, states, rec_mask)
        return output, (new_states[0] if single else new_states)

    def get_initial_state(self, batch_size=None):
        sizes = (
            self.state_size if isinstance(self.state_size, list) else [self.state_size]
        )
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        batch = inputs_shape[0]
        sizes = (
            self.state_size if isinstance(self.state_size, list) else [self.state_size]
        )
        return (batch, self.output_size), [(batch, d) for d in sizes]

    def _check_input_dim(self, input_shape):
        if input_shape is None or len(input_shape) < 1 or input_shape[-1] is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs inputs with a "
                f"known last (features) axis, received shape {input_shape}."
            )
        return input_shape[-1]

    def _rates(self, dropout, recurrent_dropout):
        name = type(self).__name__
        self.dropout = _check_rate(name, "dropout", dropout)
        self.recurrent_dropout = _check_rate(
            name, "recurrent_dropout", recurrent_dropout
        )
