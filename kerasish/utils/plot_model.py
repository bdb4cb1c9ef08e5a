"""`plot_model` / `model_to_dot`: draw a model's layer graph with graphviz."""

import os
import shutil


def _pydot():
    try:
        import pydot
    except ImportError as e:
        raise ImportError(
            "You must install pydot (`pip install pydot`, or `pip install "
            '"kerasish[plot]"`) and graphviz '
            "(https://graphviz.gitlab.io/download/, e.g. `apt-get install "
            "graphviz`) for `plot_model` to work."
        ) from e
    return pydot


def _check_graphviz():
    if shutil.which("dot") is None:
        raise ImportError(
            "You must install graphviz (the `dot` program; see "
            "https://graphviz.gitlab.io/download/, e.g. `apt-get install graphviz` "
            "or `brew install graphviz`) for `plot_model` to work. pydot is "
            "installed, but `dot` is not on the PATH."
        )


def _shape_text(tensors):
    shapes = [str(tuple(t.shape)) for t in tensors]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _label(
    layer,
    node,
    show_shapes,
    show_dtype,
    show_layer_names,
    show_layer_activations,
    show_trainable,
):
    title = type(layer).__name__
    if show_layer_names:
        title = f"{layer.name} ({title})"
    lines = [title]
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        name = getattr(activation, "__name__", type(activation).__name__)
        lines.append(f"activation: {name}")
    if show_shapes and node is not None:
        if node.input_tensors:
            lines.append(f"input: {_shape_text(node.input_tensors)}")
        lines.append(f"output: {_shape_text(node.output_tensors)}")
    if show_dtype and node is not None:
        dtypes = sorted({str(t.dtype) for t in node.output_tensors})
        lines.append(f"dtype: {', '.join(dtypes)}")
    if show_trainable:
        lines.append(f"trainable: {bool(layer.trainable)}")
    return "\\n".join(line.replace('"', "'") for line in lines)


def model_to_dot(
    model,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    subgraph=False,
    show_layer_activations=False,
    show_trainable=False,
    splines="ortho",
    **kwargs,
):
    """Returns a `pydot.Dot` of the model's layers (a node per layer).

    Functional and Sequential models draw their call graph; a subclassed
    model (no graph to read) is drawn as one node. Arguments are those of
    `plot_model`. Nested models are drawn as one node (`expand_nested` is
    accepted for Keras compatibility and not yet expanded).
    """
    if kwargs:
        raise TypeError(
            f"model_to_dot got unexpected keyword arguments {sorted(kwargs)}."
        )
    if rankdir not in ("TB", "LR"):
        raise ValueError(
            f"model_to_dot: `rankdir` must be 'TB' or 'LR', got {rankdir!r}."
        )
    if not getattr(model, "built", False):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling "
            "`build()` or by calling the model on a batch of data."
        )
    pydot = _pydot()
    dot = pydot.Dot(graph_type="digraph")
    dot.set("rankdir", rankdir)
    dot.set("concentrate", True)
    dot.set("dpi", dpi)
    dot.set("splines", splines)
    dot.set_node_defaults(shape="box", fontname="Helvetica")
    label_args = (
        show_shapes,
        show_dtype,
        show_layer_names,
        show_layer_activations,
        show_trainable,
    )
    nodes = list(getattr(model, "_nodes", None) or [])
    if not nodes:
        dot.add_node(pydot.Node(str(id(model)), label=_label(model, None, *label_args)))
        return dot
    added = set()
    for node in nodes:
        layer = node.operation
        if id(layer) not in added:
            added.add(id(layer))
            dot.add_node(
                pydot.Node(str(id(layer)), label=_label(layer, node, *label_args))
            )
    edges = set()
    for node in nodes:
        for parent in node.parent_nodes:
            edge = (str(id(parent.operation)), str(id(node.operation)))
            if edge not in edges:
                edges.add(edge)
                dot.add_edge(pydot.Edge(*edge))
    return dot


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=False,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
    splines="ortho",
    **kwargs,
):
    """Draws the model's layer graph into an image file (needs pydot + graphviz).

    Args:
        model: A built model.
        to_file: The image file; the format follows the extension (`.png`,
            `.svg`, `.pdf`, `.jpg`, `.dot`).
        show_shapes: Show each layer's input and output shapes.
        show_dtype: Show the output dtypes.
        show_layer_names: Show layer names next to class names.
        rankdir: `"TB"` (top to bottom) or `"LR"` (left to right).
        expand_nested: Accepted for Keras compatibility (nested models are
            drawn as one node).
        dpi: Resolution of raster images.
        show_layer_activations: Show the activation of layers that have one.
        show_trainable: Show whether each layer is trainable.
        splines: Graphviz's `splines` graph attribute, how edges are drawn
            (`"ortho"`, `"curved"`, `"polyline"`, `"line"`, ...).

    Returns:
        An `IPython.display.Image` in a notebook (raster formats), else None.

    Example:
    >>> kerasish.utils.plot_model(model, "m.png", show_shapes=True)  # doctest: +SKIP
    """
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
        splines=splines,
        **kwargs,
    )
    to_file = os.fspath(to_file)
    _, extension = os.path.splitext(to_file)
    extension = extension[1:].lower() or "png"
    if extension != "dot":
        _check_graphviz()
    directory = os.path.dirname(to_file)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if extension == "dot":
        dot.write(to_file, format="raw")
    else:
        dot.write(to_file, format=extension)
    if extension not in ("pdf", "svg", "dot"):
        try:
            from IPython import display

            if _in_notebook():
                return display.Image(filename=to_file)
        except ImportError:
            pass
    return None


def _in_notebook():
    import sys

    return "ipykernel" in sys.modules
