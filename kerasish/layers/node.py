"""`Node`: one call of a layer on symbolic tensors, an edge of the layer graph.

`Layer.__call__` on `KerasTensor`s appends a `Node` to the layer's
`_inbound_nodes`; each output tensor's `_keras_history` points back to it, and the
functional model walks these nodes from its outputs to its inputs.
"""

from kerasish.common import tree
from kerasish.layers.keras_tensor import KerasTensor


class Node:
    """One call of a layer on symbolic tensors: its arguments and outputs."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.operation = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [
            x
            for x in tree.flatten((call_args, call_kwargs))
            if isinstance(x, KerasTensor)
        ]
        self.output_tensors = tree.flatten(outputs)
        self.parent_nodes = [
            t._keras_history.operation._inbound_nodes[t._keras_history.node_index]
            for t in self.input_tensors
            if t._keras_history is not None
        ]

    @property
    def is_input(self):
        return not self.input_tensors


__all__ = ["Node"]
