"""Symbolic shape inference: a layer's output spec found by tracing its `call`.

`Layer.compute_output_spec` (and `compute_output_shape`, unless a layer writes it)
runs `call` abstractly (`engine.eval_shape`) on inputs whose unknown (`None`)
dimensions are given two different probe sizes; a dimension that differs between
the two traces is unknown in the output too. Masks of symbolic outputs are inferred
the same way from `compute_mask`.
"""

import numpy as np

from kerasish import scopes
from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.ops._forward import is_host_strings
from kerasish.variables import StatelessScope

# Sizes substituted for unknown (None) dimensions when inferring output shapes;
# a dimension that differs between the two traces is unknown in the output too.
_PROBE_SIZES = (83, 89)
# The text a string input holds in the two traces: one token, then two, so a
# size that follows the text (TextVectorization's tokens) comes out unknown.
PROBE_TEXTS = ("a", "a b")
_PROBING = []  # the probe size of the trace running now (innermost last)


def probing():
    """Whether a shape-inference trace is running (its inputs are made up)."""
    return bool(_PROBING)


def recorded_shapes(shapes):
    """Build shapes as a layer records them (`get_build_config`): inside a
    shape-inference trace, the probe size stands for an unknown dimension and
    is recorded as None, as Keras records an unknown batch."""
    if not _PROBING:
        return shapes
    size = _PROBING[-1]

    def unknown(shape):
        if _is_shape(shape):
            return tuple(_known(d, size) for d in shape)
        if isinstance(shape, dict):
            return {k: unknown(v) for k, v in shape.items()}
        if isinstance(shape, list | tuple):
            return type(shape)(unknown(v) for v in shape)
        return shape

    return {k: unknown(v) for k, v in shapes.items()}


def shown_shape(shape):
    """A shape as an error message shows it: inside a shape-inference trace,
    the probe size is the user's unknown (None) dimension."""
    if not _PROBING:
        return tuple(shape)
    return tuple(_known(d, _PROBING[-1]) for d in shape)


def _known(d, size):
    """A dimension of a traced shape as the user knows it: None for the probe
    size, and for a symbolic size (or an expression of one)."""
    if d is None or not isinstance(d, int) or d == size:
        return None
    return d


def _is_shape(x):
    # Dimensions: None, ints, or a symbolic size (not a container).
    return isinstance(x, tuple | list) and all(
        d is None
        or (isinstance(d, int) and not isinstance(d, bool))
        or not isinstance(d, tuple | list | dict | str | bool | float)
        for d in x
    )


def _shapes_to_tensors(shapes, dtype):
    """A shape, or a nested structure of shapes, as KerasTensors."""
    if _is_shape(shapes):
        return KerasTensor(tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shapes.items()}
    return type(shapes)(_shapes_to_tensors(s, dtype) for s in shapes)


def _trace_output_spec(layer, args, kwargs):
    engine = get_engine()

    def run(size):
        def to_struct(x):
            if isinstance(x, KerasTensor):
                shape = tuple(size if d is None else d for d in x.shape)
                if x.dtype == "string":
                    # No abstract strings: a host-side layer inside (a nested
                    # model's TextVectorization) reads concrete ones.
                    text = PROBE_TEXTS[size != _PROBE_SIZES[0]]
                    return np.full(shape, text, dtype=object)
                return engine.shape_dtype_struct(shape, x.dtype)
            return x

        spec_args = tree.map_structure(to_struct, args)
        spec_kwargs = tree.map_structure(to_struct, kwargs)
        flat_in = tree.flatten((spec_args, spec_kwargs))
        positions = [i for i, x in enumerate(flat_in) if _is_struct(x)]

        def fn(*arrays):
            flat = list(flat_in)
            for i, a in zip(positions, arrays):
                flat[i] = a
            a, k = tree.pack_sequence_as((spec_args, spec_kwargs), flat)
            with StatelessScope(collect_losses=True):
                out = layer._eager_call(a, k) if layer.built else layer(*a, **k)
            # Strings cannot leave the trace: their shapes do, as placeholders.
            flat_out = engine.tree_leaves(out, is_leaf=is_host_strings)
            strings[:] = [i for i, x in enumerate(flat_out) if is_host_strings(x)]
            return tree.map_structure(
                lambda x: (
                    engine.numpy.zeros(x.shape, "int8") if is_host_strings(x) else x
                ),
                out,
            )

        _PROBING.append(size)
        try:
            return engine.eval_shape(fn, *[flat_in[i] for i in positions])
        finally:
            _PROBING.pop()

    strings = []  # positions of string outputs among the flat outputs
    symbolic = engine.unknown_size()
    texts = any(
        isinstance(x, KerasTensor) and x.dtype == "string"
        for x in tree.flatten((args, kwargs))
    )
    first = second = None
    if symbolic is not None and not texts:
        # One trace with a symbolic size for the unknown dimensions, as Keras
        # traces (`call` runs once).
        counts = scopes.name_counts()
        try:
            first = second = run(symbolic)
        except Exception:
            # Code that needs a concrete size: probed with two. Names the
            # failed trace took for layers made in `call` are given back;
            # sub-layers it built (and kept) keep theirs.
            kept = {sub.name for sub in layer._flatten_layers()}
            scopes.give_back_names(counts, kept)
    if first is None:
        first, second = run(_PROBE_SIZES[0]), run(_PROBE_SIZES[1])
    flat_first = engine.tree_leaves(first)
    flat_second = engine.tree_leaves(second)
    merged = [
        KerasTensor(
            tuple(
                d1 if isinstance(d1, int) and d1 == d2 else None
                for d1, d2 in zip(a.shape, b.shape)
            ),
            "string" if i in strings else a.dtype,
        )
        for i, (a, b) in enumerate(zip(flat_first, flat_second))
    ]
    structure = engine.tree_structure(first)
    return engine.tree_unflatten(structure, merged)


def _trace_mask_spec(layer, inputs, mask):
    """`layer.compute_mask` on symbolic tensors: KerasTensors (or None). A mask
    passed on unchanged is the input's mask tensor itself, as in Keras's graph."""
    engine = get_engine()
    flat_in = tree.flatten((inputs, mask))
    positions = [i for i, x in enumerate(flat_in) if isinstance(x, KerasTensor)]
    passed_on = {}  # output leaf index -> the input it returned as it was

    def run(size):
        structs = [
            engine.shape_dtype_struct(
                tuple(size if d is None else d for d in flat_in[i].shape),
                flat_in[i].dtype,
            )
            for i in positions
        ]

        def fn(*arrays):
            flat = list(flat_in)
            for i, a in zip(positions, arrays):
                flat[i] = a
            x, m = tree.pack_sequence_as((inputs, mask), flat)
            with StatelessScope():
                out = layer.compute_mask(x, m)
            for j, leaf in enumerate(engine.tree_leaves(out)):
                for i, a in zip(positions, arrays):
                    if leaf is a:
                        passed_on[j] = flat_in[i]
            return out

        return engine.eval_shape(fn, *structs)

    first, second = run(_PROBE_SIZES[0]), run(_PROBE_SIZES[1])
    if first is None:
        return None
    return [
        passed_on[j]
        if j in passed_on
        else KerasTensor(
            tuple(d1 if d1 == d2 else None for d1, d2 in zip(a.shape, b.shape)),
            a.dtype,
        )
        for j, (a, b) in enumerate(
            zip(engine.tree_leaves(first), engine.tree_leaves(second))
        )
    ]


def _is_struct(x):
    return type(x).__name__ in ("ShapeDtypeStruct", "_ShapeDtype")
