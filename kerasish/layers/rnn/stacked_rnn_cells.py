"""`StackedRNNCells`: several RNN cells run one after another within a timestep."""

from kerasish import ops
from kerasish.common import tree
from kerasish.layers.layer import Layer
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


def _accepts_training(cell):
    import inspect

    try:
        params = inspect.signature(cell.call).parameters
    except (AttributeError, TypeError, ValueError):
        return False
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


@register_builtin("layers")
class StackedRNNCells(Layer):
    """Wraps a list of RNN cells into one cell: each feeds the next.

    Args:
        cells: List of RNN cells; the states are one list per cell.

    Example:
    >>> cells = [kerasish.layers.LSTMCell(4), kerasish.layers.GRUCell(3)]
    >>> kerasish.layers.RNN(cells)(np.ones((2, 5, 6))).shape
    (2, 3)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        if not cells:
            raise ValueError("StackedRNNCells: `cells` must be a non-empty list.")
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(
                    "StackedRNNCells: all cells must have a `call` method. "
                    f"Received cell without a `call` method: {cell!r}"
                )
            if getattr(cell, "state_size", None) is None:
                raise ValueError(
                    "StackedRNNCells: all cells must have a `state_size` attribute. "
                    f"Received cell without a `state_size`: {cell!r}"
                )
        self.cells = cells

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        if isinstance(last.state_size, list | tuple):
            return last.state_size[0]
        return last.state_size

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            get_initial_state = getattr(cell, "get_initial_state", None)
            if get_initial_state is not None:
                states.append(get_initial_state(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(
                    ops.zeros((batch_size, cell.state_size), dtype=self.compute_dtype)
                )
            else:
                states.append(
                    [
                        ops.zeros((batch_size, d), dtype=self.compute_dtype)
                        for d in cell.state_size
                    ]
                )
        return states

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_list = tree.is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            kwargs = {"training": training} if _accepts_training(cell) else {}
            inputs, cell_states = cell(inputs, cell_states, **kwargs)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not was_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            if getattr(cell, "output_size", None) is not None:
                output_dim = cell.output_size
            elif isinstance(cell.state_size, list | tuple):
                output_dim = cell.state_size[0]
            else:
                output_dim = cell.state_size
            input_shape = (tree.flatten(input_shape)[0], output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "cells": [serialize_keras_object(cell) for cell in self.cells],
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [
            deserialize_keras_object(c, kind="layers", custom_objects=custom_objects)
            for c in config.pop("cells")
        ]
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(cells, **config)
