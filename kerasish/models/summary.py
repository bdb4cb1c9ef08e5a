"""`model.summary()`: Keras 3's table, character for character, without `rich`.

Keras renders with rich: columns at `positions` of `line_length` (88, or 108 with a
"Connected to" column, capped by the terminal width less 4), then rich shrinks the
padded columns to the table width by `ratio_reduce` and wraps cells at spaces. The
same arithmetic is done here.
"""

import math
import shutil

from kerasish.common import tree


def _count(weights):
    return int(sum(math.prod(w.shape) for w in weights))


def _memory(weights):
    import numpy as np

    unique = {id(w): w for w in weights}.values()
    return float(sum(math.prod(w.shape) * np.dtype(w.dtype).itemsize for w in unique))


def readable_memory_size(size):
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _layer_shape(layer):
    if layer._inbound_nodes:
        # A flat list, as Keras's `node.output_tensors`, whatever the structure.
        outputs = tree.flatten(layer._inbound_nodes[-1].outputs)
        shapes = [_format_shape(t.shape) for t in outputs]
        return shapes[0] if len(shapes) == 1 else str(shapes).replace("'", "")
    from kerasish.models.functional import Functional

    if isinstance(layer, Functional):
        # Called eagerly (inside a subclass's `call`): its own output shapes,
        # as Keras shows a Functional, built at construction.
        shapes = [_format_shape(t.shape) for t in tree.flatten(layer.outputs)]
        return shapes[0] if len(shapes) == 1 else "(" + ", ".join(shapes) + ")"
    if not layer._build_shapes_dict:
        return "?"
    try:
        shapes = layer.compute_output_shape(**layer._build_shapes_dict)
    except Exception:  # A layer that cannot say is shown as unknown, as in Keras.
        return "?"
    if isinstance(shapes, tuple) and all(
        d is None or isinstance(d, int) for d in shapes
    ):
        return _format_shape(shapes)
    return "?"


def _ratio_reduce(total, ratios, maximums, values):
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _ratio_distribute(total, ratios):
    total_ratio = sum(ratios)
    remaining = total
    out = []
    for ratio in ratios:
        distributed = (
            math.ceil(ratio * remaining / total_ratio) if total_ratio > 0 else remaining
        )
        out.append(distributed)
        total_ratio -= ratio
        remaining -= distributed
    return out


def _column_widths(line_length, positions):
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    # rich: each column is its width plus one space of padding on each side; the
    # table (borders included) is `line_length` wide.
    padded = [w + 2 for w in widths]
    available = line_length - (len(widths) + 1)
    total = sum(padded)
    if total > available:
        padded = _ratio_reduce(total - available, [1] * len(padded), padded, padded)
    elif total < available:
        padded = [
            w + p for w, p in zip(padded, _ratio_distribute(available - total, padded))
        ]
    return padded


def _wrap(text, width):
    """Greedy wrap at spaces, as Keras's table cells (rich, overflow
    "ellipsis"): a word longer than the width goes on a line of its own and is
    cut to `width - 1` characters and "…"."""
    lines = []
    for paragraph in text.split("\n"):
        # Leading spaces (a nested layer's indent) stay with the first word.
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip(" "))]
        words = paragraph.lstrip(" ").split(" ")
        words[0] = indent + words[0]
        line = ""
        for word in words:
            candidate = word if not line else f"{line} {word}"
            if len(candidate) <= width:
                line = candidate
            else:
                if line:
                    lines.append(line)
                line = word
        lines.append(line)
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]


def _align(text, width, align):
    """rich's alignment: a centred cell has the odd space on its right."""
    if align == "right":
        return text.rjust(width)
    if align == "center":
        left = (width - len(text)) // 2
        return " " * left + text + " " * (width - len(text) - left)
    return text.ljust(width)


def _render(header, rows, widths, alignment):
    inner = [w - 2 for w in widths]

    def border(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def cells(values, sep, bottom=False):
        wrapped = [_wrap(str(v), w) for v, w in zip(values, inner)]
        height = max(len(c) for c in wrapped)
        if bottom:  # rich aligns header cells to the bottom
            wrapped = [[""] * (height - len(c)) + c for c in wrapped]
        out = []
        for i in range(height):
            parts = []
            for lines, w, align in zip(wrapped, inner, alignment):
                text = lines[i] if i < len(lines) else ""
                parts.append(" " + _align(text, w, align) + " ")
            out.append(sep + sep.join(parts) + sep)
        return out

    lines = [border("┏", "┳", "┓", "━")]
    lines += cells(header, "┃", bottom=True)
    lines.append(border("┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        if i:
            lines.append(border("├", "┼", "┤", "─"))
        lines += cells(row, "│")
    lines.append(border("└", "┴", "┘", "─"))
    return lines


def _is_sequential_like(model):
    from kerasish.models.functional import Functional

    if not isinstance(model, Functional) or getattr(model, "_is_sequential", False):
        return True
    for depth_nodes in model._nodes_by_depth():
        if len(depth_nodes) > 1 or (
            len(depth_nodes) == 1 and len(depth_nodes[0].input_tensors) > 1
        ):
            return False
    nodes = set(id(n) for n in model._nodes)
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in nodes) > 1:
            return False
    return True


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
    layer_range=None,
):
    """Prints (or passes to `print_fn`) the Keras-style summary of `model`."""
    from kerasish.models.functional import Functional

    layers = model._summary_layers()
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        alignment = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths = _column_widths(line_length, positions)
    relevant = (
        set(id(n) for n in model._nodes) if isinstance(model, Functional) else set()
    )

    def connections(layer):
        parts = []
        for node in layer._inbound_nodes:
            if relevant and id(node) not in relevant:
                continue
            for kt in node.input_tensors:
                op, node_index, tensor_index = kt._keras_history
                parts.append(f"{op.name}[{node_index}][{tensor_index}]")
        return ", ".join(parts) or "-"

    def fields(layer, prefix=""):
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        row = [
            f"{prefix}{layer.name} ({type(layer).__name__})",
            _layer_shape(layer),
            params,
        ]
        if not sequential_like:
            row.append(connections(layer))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    def rows_for(layer, level=0):
        prefix = "   " * level + "└ " if level else ""
        rows = [fields(layer, prefix)]
        if expand_nested and getattr(layer, "layers", None):
            for sub in layer.layers:
                rows += rows_for(sub, level + 1)
        return rows

    start, stop = _layer_range(layers, layer_range)
    rows = [row for layer in layers[start:stop] for row in rows_for(layer)]
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    optimizer_vars = []
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        optimizer_vars = list(optimizer.variables)
    total = _count(trainable) + _count(non_trainable) + _count(optimizer_vars)
    memory = _memory(trainable) + _memory(non_trainable) + _memory(optimizer_vars)
    lines = [f'Model: "{model.name}"']
    lines += _render(header, rows, widths, alignment)
    lines.append(f" Total params: {total:,} ({readable_memory_size(memory)})")
    lines.append(
        f" Trainable params: {_count(trainable):,} "
        f"({readable_memory_size(_memory(trainable))})"
    )
    lines.append(
        f" Non-trainable params: {_count(non_trainable):,} "
        f"({readable_memory_size(_memory(non_trainable))})"
    )
    if optimizer_vars:
        lines.append(
            f" Optimizer params: {_count(optimizer_vars):,} "
            f"({readable_memory_size(_memory(optimizer_vars))})"
        )
    text = "\n".join(lines)
    if print_fn is None:
        print(text)
    else:
        print_fn(text + "\n")  # Keras passes its console's capture, "\n"-ended


def _layer_range(layers, layer_range):
    import re

    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(x, str) for x in layer_range):
        raise ValueError(
            f"`layer_range` must be two layer names (or regexes), got {layer_range!r}."
        )
    names = [layer.name for layer in layers]
    starts = [i for i, n in enumerate(names) if re.match(layer_range[0], n)]
    ends = [i for i, n in enumerate(names) if re.match(layer_range[1], n)]
    if not starts or not ends:
        raise ValueError(
            f"`layer_range` {layer_range!r} matches no layer. Layers: {names}."
        )
    return starts[0], ends[-1] + 1
