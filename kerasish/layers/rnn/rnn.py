"""`RNN`: runs a recurrent cell over the time axis of a sequence with `ops.scan`.

Two loops share one contract (Keras's, including masking and `go_backwards`):

- The fused loop, for the built-in cells (`SimpleRNNCell`, `LSTMCell`, `GRUCell`):
  a step is one input matmul and one recurrent matmul with all gates fused
  (`(features, 4 * units)` and `(units, 4 * units)` for LSTM) plus the gate
  arithmetic, with dropout masks drawn once before the loop. Hoisting the input
  matmul out of the loop (one `(timesteps * batch, features)` matmul) is supported
  (`RNN._hoist_input_projection`) but off: on XLA:CPU (jax 0.10) it made the
  bench's LSTM train step 2-3x slower, because the step then slices a wide
  `(timesteps, batch, 4 * units)` array inside the fused gate arithmetic.
- The generic loop, for any other cell (a user cell, `StackedRNNCells`): each step
  calls `cell(input_t, states)`.

Masking (Keras 3): a masked timestep keeps the previous states, and its output is
the previous output (`states[0]`), or zeros when `zero_output_for_mask=True`
(`Bidirectional` sets it when returning sequences).
"""

from kerasish import ops
from kerasish.common import tree
from kerasish.layers.layer import Layer
from kerasish.layers.rnn import recurrence
from kerasish.layers.rnn.cell_state import carry_cell_state
from kerasish.layers.rnn.dropout_rnn_cell import DropoutRNNCell, FusedRNNCell
from kerasish.layers.rnn.stacked_rnn_cells import StackedRNNCells, _accepts_training
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)
from kerasish.variables import Variable


class _StateSlot:
    """Holds one `stateful` RNN state variable.

    The layer lists these with its random-seed states, so the state is part of
    `variables` / `non_trainable_variables` (the trainer carries it through the
    compiled step) but not of `weights`: as in Keras, `get_weights()`,
    `set_weights()` and `count_params()` do not see RNN states. Keras 3 on JAX
    keeps them out of `non_trainable_variables` too, so its `fit` and
    `predict` start each call from the states held before it and never carry
    them from batch to batch; here they carry, as `stateful` promises (and as
    Keras's other backends and Keras 2 do).
    """

    def __init__(self, variable):
        self.state = variable


def _uses_fused_loop(cell):
    return isinstance(cell, FusedRNNCell) and type(cell).call is FusedRNNCell.call


def _expand_mask(mask_t, x):
    """A step's `(batch, 1)` mask, reshaped to broadcast against `x` (a state of
    any rank, e.g. ConvLSTM's `(batch, rows, cols, filters)`)."""
    extra = len(x.shape) - len(mask_t.shape)
    if extra <= 0:
        return mask_t
    return ops.reshape(mask_t, tuple(mask_t.shape) + (1,) * extra)


def _is_nested(x):
    return isinstance(x, list | tuple)


@register_builtin("layers")
class RNN(Layer):
    """Base class for recurrent layers: runs `cell` over the timesteps.

    Args:
        cell: An RNN cell (a layer with `call(input_t, states) -> (output,
            new_states)` and a `state_size`), or a list of cells, which are
            stacked (`StackedRNNCells`).
        return_sequences: Whether to return the output of every timestep
            `(batch, timesteps, units)` or only the last `(batch, units)`.
        return_state: Whether to also return the final states.
        go_backwards: Process the sequence backwards; the returned sequence is
            then in processing order (reversed).
        stateful: Carry the final states of a batch over as the initial states
            of the next one. Needs a fixed batch size.
        unroll: Unroll the loop (the scan is fully unrolled; for short sequences).
        zero_output_for_mask: Output zeros (instead of the previous output) at
            masked timesteps when returning sequences.

    Call arguments:
        sequences: `(batch, timesteps, features)`.
        initial_state: A tensor or list of tensors, the cell's initial states.
        mask: Boolean `(batch, timesteps)`; `False` timesteps are skipped.
        training: Passed to the cell (dropout).

    Output: `(batch, units)`, or `(batch, timesteps, units)` with
    `return_sequences`; with `return_state` followed by the final states.

    Example:
    >>> cell = kerasish.layers.LSTMCell(4)
    >>> kerasish.layers.RNN(cell)(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    # See the module docstring: measured slower on XLA:CPU, so off by default.
    _hoist_input_projection = False
    # `unroll` of the compiled scan when the user did not ask for `unroll=True`.
    # On a quiet XLA:CPU 1 is fastest for the bench's LSTM (4 was 1.4x slower);
    # on a heavily loaded machine 4 was faster. Results are identical either way.
    _scan_unroll = 1

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        if isinstance(cell, list | tuple):
            cell = StackedRNNCells(cell)
        name = type(self).__name__
        if not callable(getattr(cell, "call", None)):
            raise ValueError(
                f"{name}: argument `cell` should have a `call` method, received "
                f"cell={cell!r}. Pass a cell such as LSTMCell(units)."
            )
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError(
                f"{name}: the RNN cell should have a `state_size` attribute (an "
                "int, or a list of ints, one per state), received "
                f"cell={cell!r}."
            )
        if not isinstance(state_size, list | tuple | int):
            raise ValueError(
                f"{name}: `cell.state_size` must be an int or a list/tuple of "
                f"ints, got {state_size!r}."
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.supports_masking = True
        self.input_spec = None
        self._state_slots = None
        self._state_structure = None
        self._expected_batch_size = None
        if isinstance(state_size, int):
            self.state_size = [state_size]
            self.single_state = True
        else:
            self.state_size = list(state_size)
            self.single_state = False

    # -- shapes ----------------------------------------------------------------
    def _check_sequences_shape(self, shape):
        shape = tuple(shape)
        if any(isinstance(d, tuple | list) for d in shape):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) takes one sequence "
                f"tensor of shape (batch, timesteps, features), received a "
                f"structure of {len(shape)} inputs with shapes {shape}. Nested "
                "inputs to a cell are not supported (in Keras 3 either): "
                "concatenate them on the features axis, or run one RNN per input."
            )
        if len(shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects inputs of "
                "shape (batch, timesteps, features), i.e. ndim=3, but received "
                f"shape {shape} (ndim={len(shape)}). Add a time axis, e.g. "
                "`x[:, None, :]`, or use a Dense layer for 2-D data."
            )
        if shape[-1] is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs a known "
                f"features axis, received shape {shape}."
            )

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch_size, length = sequences_shape[0], sequences_shape[1]
        states_shape = []
        for size in self.state_size:
            if isinstance(size, int):
                states_shape.append((batch_size, size))
            else:
                states_shape.append([(batch_size, s) for s in size])
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = self.state_size[0]
        if not isinstance(output_size, int):
            raise ValueError(
                f"Layer '{self.name}': the cell's `output_size` must be an int, got "
                f"{output_size!r}."
            )
        if self.return_sequences:
            output_shape = (batch_size, length, output_size)
        else:
            output_shape = (batch_size, output_size)
        if self.return_state:
            return (output_shape, *states_shape)
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if mask is not None:
            mask = tree.flatten(mask)[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # -- build and state -------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        self._check_sequences_shape(sequences_shape)
        step_input_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_input_shape)
            self.cell.built = True
        if self.stateful:
            if self._state_slots is not None:
                self.reset_state()
                return
            batch_size = sequences_shape[0]
            if batch_size is None:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) has "
                    "`stateful=True`, which needs a static batch size, but the "
                    f"input shape is {tuple(sequences_shape)}. Pass `batch_size=` "
                    "to `keras.Input(...)` (or `batch_shape=`) so every batch has "
                    "the same size."
                )
            self._create_state_variables(batch_size)

    def _create_state_variables(self, batch_size):
        initial = self.get_initial_state(batch_size)
        self._state_structure = initial
        slots = [
            _StateSlot(
                Variable(
                    value,
                    dtype=self.variable_dtype,
                    trainable=False,
                    name="rnn_state",
                    path=f"{self.name}/rnn_state",
                )
            )
            for value in tree.flatten(initial)
        ]
        self._state_slots = slots
        self._seed_generators.extend(slots)
        self._expected_batch_size = batch_size

    @property
    def states(self):
        """The `stateful` state variables (structured as the cell's states)."""
        if self._state_slots is None:
            return None
        return tree.pack_sequence_as(
            self._state_structure, [slot.state for slot in self._state_slots]
        )

    def get_initial_state(self, batch_size):
        """Zero states for `batch_size` sequences, as a list (one per state)."""
        get_initial_state = getattr(self.cell, "get_initial_state", None)
        if get_initial_state is None:
            return [
                ops.zeros((batch_size, d), dtype=self.cell.compute_dtype)
                for d in self.state_size
            ]
        initial = get_initial_state(batch_size=batch_size)
        if not _is_nested(initial):
            initial = [initial]
        return list(initial)

    def reset_state(self):
        """Sets the `stateful` states back to zeros."""
        if self._state_slots is not None:
            for slot in self._state_slots:
                slot.state.assign(ops.zeros_like(slot.state.value))

    def reset_states(self):
        """Alias of `reset_state`."""
        self.reset_state()

    # -- call ------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        self._check_sequences_shape(sequences.shape)
        timesteps = sequences.shape[1]
        if self.stateful:
            batch = sequences.shape[0]
            if self._expected_batch_size is not None and batch != (
                self._expected_batch_size
            ):
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) is stateful and "
                    f"was built for batches of {self._expected_batch_size}, but "
                    f"received a batch of {batch} (input shape "
                    f"{tuple(sequences.shape)}). Keep the batch size fixed (for a "
                    "last short batch, pad it or drop it)."
                )
        if initial_state is None:
            if self.stateful:
                initial_state = self.states
            else:
                initial_state = self.get_initial_state(sequences.shape[0])
        if not _is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = tree.map_structure(
            lambda s: ops.convert_to_tensor(
                s.value if isinstance(s, Variable) else s,
                dtype=self.cell.compute_dtype,
            ),
            list(initial_state),
        )
        if mask is not None:
            mask = tree.flatten(mask)[0]
            if mask is not None and mask.dtype != "bool":
                mask = ops.cast(mask, "bool")
        loop = self._fused_loop if _uses_fused_loop(self.cell) else self._generic_loop
        last_output, outputs, states = loop(
            sequences, initial_state, mask, bool(training), timesteps
        )
        if self.stateful:
            for slot, state in zip(self._state_slots, tree.flatten(states)):
                slot.state.assign(ops.cast(state, slot.state.dtype))
        output = outputs if self.return_sequences else last_output
        output = ops.cast(output, self.compute_dtype)
        if self.return_state:
            states = tree.map_structure(
                lambda s: ops.cast(s, self.compute_dtype), states
            )
            return (output, *states)
        return output

    def _time_major(self, sequences, mask):
        """`(timesteps, batch, ...)` inputs and `(timesteps, batch, 1)` mask, in
        processing order."""
        axes = [1, 0, *range(2, len(sequences.shape))]
        xs = ops.transpose(sequences, axes)
        if mask is not None:
            mask = ops.expand_dims(ops.transpose(mask, (1, 0)), -1)
        if self.go_backwards:
            xs = ops.flip(xs, axis=0)
            mask = None if mask is None else ops.flip(mask, axis=0)
        return xs, mask

    def _scan(self, body, carry, xs, timesteps):
        unroll = timesteps if (self.unroll and timesteps) else self._scan_unroll
        return ops.scan(body, carry, xs, unroll=unroll)

    def _fused_loop(self, sequences, initial_state, mask, training, timesteps):
        cell = self.cell
        dp_mask = rec_mask = None
        if training:
            dp_mask = cell.get_dropout_mask(sequences[:, 0])
            rec_mask = cell.get_recurrent_dropout_mask(initial_state[0])
        xs, step_mask = self._time_major(sequences, mask)
        hoist = self._hoist_input_projection
        if hoist:
            # (timesteps, batch, gates * units): the input kernel for all steps.
            xs = cell.project_inputs(xs, dp_mask)
        zero_output = self.zero_output_for_mask
        keep_outputs = self.return_sequences

        def step(x_t, states):
            if not hoist:
                x_t = cell.project_inputs(x_t, dp_mask)
            return cell.recurrent_step(x_t, list(states), rec_mask)

        if step_mask is None:

            def body(states, x_t):
                output, new_states = step(x_t, states)
                return tuple(new_states), (output if keep_outputs else None)

            xs_scan = xs
        else:

            def body(states, inputs_t):
                x_t, m_t = inputs_t
                output, new_states = step(x_t, states)
                new_states = tuple(
                    ops.where(m_t, new, old) for new, old in zip(new_states, states)
                )
                if not keep_outputs:
                    return new_states, None
                if zero_output:
                    return new_states, ops.where(m_t, output, ops.zeros_like(output))
                return new_states, new_states[0]

            xs_scan = (xs, step_mask)

        if recurrence.supports(cell, training and not hoist, dp_mask, rec_mask):
            unroll = timesteps if (self.unroll and timesteps) else self._scan_unroll
            if dp_mask is not None:  # one mask for every gate: `(x * m) @ W`
                xs = xs * dp_mask
            states, outputs = recurrence.run(
                cell, xs, initial_state, keep_outputs, unroll, step_mask, zero_output
            )
        else:
            states, outputs = self._scan(body, tuple(initial_state), xs_scan, timesteps)
        states = list(states)
        if keep_outputs:
            outputs = ops.swapaxes(outputs, 0, 1)
            last_output = outputs[:, -1]
        else:
            last_output = states[0]
            if step_mask is not None and zero_output:
                last_output = ops.where(
                    step_mask[-1], last_output, ops.zeros_like(last_output)
                )
        return last_output, outputs, states

    def _prepare_masks(self, cell, step_input, states):
        if isinstance(cell, DropoutRNNCell):
            state = states[0] if _is_nested(states) else states
            cell.prepare_dropout_masks(step_input, tree.flatten(state)[0])
        if isinstance(cell, StackedRNNCells):
            for sub, sub_states in zip(cell.cells, states):
                self._prepare_masks(sub, step_input, sub_states)
                sub_states = (
                    list(sub_states) if _is_nested(sub_states) else [sub_states]
                )
                step_input, _ = sub(step_input, sub_states)

    def _reset_masks(self, cell):
        if isinstance(cell, DropoutRNNCell):
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        if isinstance(cell, StackedRNNCells):
            for sub in cell.cells:
                self._reset_masks(sub)

    def _generic_loop(self, sequences, initial_state, mask, training, timesteps):
        cell = self.cell
        cell_kwargs = {}
        if _accepts_training(cell):
            cell_kwargs["training"] = training
        if training:
            self._prepare_masks(cell, sequences[:, 0], initial_state)
        xs, step_mask = self._time_major(sequences, mask)
        structure = initial_state
        zero_output = self.zero_output_for_mask
        keep_outputs = self.return_sequences

        def step(flat_states, x_t):
            states = tree.pack_sequence_as(structure, list(flat_states))
            output, new_states = cell(x_t, states, **cell_kwargs)
            if not _is_nested(new_states):
                new_states = [new_states]
            flat_new = tuple(
                ops.cast(new, old.dtype)
                for new, old in zip(tree.flatten(new_states), flat_states)
            )
            return states, output, flat_new

        if step_mask is None:

            def body(flat_states, x_t):
                _, output, flat_new = step(flat_states, x_t)
                return flat_new, output

            xs_scan = xs
        else:

            def body(flat_states, inputs_t):
                x_t, m_t = inputs_t
                states, output, flat_new = step(flat_states, x_t)
                if zero_output:
                    output = ops.where(
                        _expand_mask(m_t, output), output, ops.zeros_like(output)
                    )
                else:
                    # Keras's convention: the previous output is the first state
                    # (of the last cell when the states are nested).
                    previous = states[0]
                    if _is_nested(previous):
                        previous = tree.flatten(states[-1])[0]
                    output = ops.where(_expand_mask(m_t, output), output, previous)
                flat_new = tuple(
                    ops.where(_expand_mask(m_t, new), new, old)
                    for new, old in zip(flat_new, flat_states)
                )
                return flat_new, output

            xs_scan = (xs, step_mask)

        body, carry, finish = carry_cell_state(
            cell, body, tuple(tree.flatten(initial_state)), xs_scan
        )
        try:
            final, outputs = self._scan(body, carry, xs_scan, timesteps)
            flat_states = finish(final)
        finally:
            self._reset_masks(cell)
        states = tree.pack_sequence_as(structure, list(flat_states))
        last_output = outputs[-1]
        outputs = ops.swapaxes(outputs, 0, 1) if keep_outputs else None
        return last_output, outputs, states

    # -- config ----------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = deserialize_keras_object(
                cell, kind="layers", custom_objects=custom_objects
            )
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(cell, **config)
