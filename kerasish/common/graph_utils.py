"""`get_source_inputs`: the `Input` tensors a symbolic tensor was computed from."""

from kerasish.common import tree


def get_source_inputs(tensor):
    """Returns the list of input tensors that `tensor` depends on.

    A tensor without history is returned as is; an `Input` tensor gives `[it]`.

    Example:
    >>> x = kerasish.Input((3,))
    >>> y = kerasish.layers.Dense(2)(x)
    >>> kerasish.utils.get_source_inputs(y)[0] is x
    True
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return tensor if not hasattr(tensor, "_keras_history") else [tensor]
    operation, node_index, _ = history
    if not operation or not operation._inbound_nodes:
        return [tensor]
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return tree.flatten(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for x in get_source_inputs(parent):
            if all(x is not s for s in sources):
                sources.append(x)
    return sources
