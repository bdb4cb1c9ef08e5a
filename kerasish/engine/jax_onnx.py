"""A pure JAX function as an ONNX model, through jax2onnx (the `onnx` extra).

`to_onnx(fn, arg_specs)` traces `fn` for argument shapes in which `None`
dimensions are symbolic (axis 0 is the shared `batch`), converts the jaxpr with
jax2onnx and returns the serialized `onnx.ModelProto`. Closed-over arrays (the
weights) become initializers, so the bytes are the whole model.

A conversion that fails raises `OnnxConversionError`; its `callers` lists the
Python methods (qualified name, and the `self` object where known) the failing
operation was traced from, outermost first, so the caller can name the object
(the layer) that used it.
"""

import traceback

import jax
import numpy as np

_EXTRA_HINT = 'Install it with `pip install "kerasish[onnx]"` (jax2onnx, onnxruntime).'
_converter = None


class OnnxConversionError(RuntimeError):
    """jax2onnx could not convert an operation of the function.

    Attributes:
        reason: The converter's own message (`"TypeName: message"`).
        callers: `[(qualified_name, obj_or_None), ...]`, outermost first: the
            methods the failing operation was traced from.
    """

    def __init__(self, reason, callers):
        super().__init__(reason)
        self.reason = reason
        self.callers = callers


def _load_converter():
    """Imports jax2onnx with only its JAX-primitive plugins.

    jax2onnx's first conversion imports every plugin it ships, including its
    Equinox and Flax examples, which build and compile models at import time
    (about a minute on a laptop CPU). The primitives of plain JAX programs live
    under `jax2onnx.plugins.jax`; registering just that tree gives the same
    conversions in a few seconds.
    """
    global _converter
    if _converter is not None:
        return _converter
    try:
        import jax2onnx
        import onnx  # noqa: F401  (jax2onnx returns an onnx.ModelProto)
    except ImportError as error:
        raise ImportError(
            "Exporting to ONNX needs the `jax2onnx` package. " + _EXTRA_HINT
        ) from error
    try:
        from pathlib import Path

        from jax2onnx.plugins import plugin_system

        if not getattr(plugin_system, "_already_imported_plugins", True):
            root = Path(plugin_system.__file__).parent / "jax"
            plugin_system._import_tree(root, "jax2onnx.plugins.jax")
            plugin_system._already_imported_plugins = True
    except (ImportError, AttributeError):
        pass  # another jax2onnx layout: it imports all its plugins itself
    _converter = jax2onnx
    return _converter


def _symbolic_inputs(arg_specs):
    inputs = []
    for i, (shape, dtype) in enumerate(arg_specs):
        dims = tuple(
            ("batch" if axis == 0 else f"dim_{i}_{axis}") if d is None else int(d)
            for axis, d in enumerate(shape)
        )
        inputs.append(jax.ShapeDtypeStruct(dims, np.dtype(dtype)))
    return inputs


def to_onnx(fn, arg_specs, input_names=None, output_names=None, opset=None):
    """Converts `fn(*inputs)` to ONNX; returns the serialized model as bytes.

    Args:
        fn: A pure function of `len(arg_specs)` arrays returning an array or a
            (flat) list/tuple/dict of arrays.
        arg_specs: One `(shape, dtype)` per argument; `None` marks a symbolic
            dimension.
        input_names: ONNX names for the inputs (default: jax2onnx's).
        output_names: ONNX names for the outputs, in flattening order.
        opset: The ONNX opset version (default: jax2onnx's, 23 today).

    Raises:
        OnnxConversionError: an operation has no ONNX conversion.
    """
    converter = _load_converter()
    kwargs = {"return_mode": "proto"}
    if input_names is not None:
        kwargs["input_names"] = list(input_names)
    if output_names is not None:
        kwargs["output_names"] = list(output_names)
    if opset is not None:
        kwargs["opset"] = int(opset)
    try:
        proto = converter.to_onnx(fn, inputs=_symbolic_inputs(arg_specs), **kwargs)
    except Exception as error:  # jax2onnx raises many kinds; all mean "cannot"
        reason = f"{type(error).__name__}: {error}"
        raise OnnxConversionError(reason, _callers(error)) from error
    _channels_first_max_pools(proto)
    try:
        return proto.SerializeToString()
    except ValueError as error:  # protobuf's 2 GB limit
        raise ValueError(
            f"The ONNX model is too large to serialize in one file ({error})."
        ) from error


def _callers(error):
    """The methods a failing operation came from, outermost first.

    Two sources: the Python frames of the error itself (a failure while
    tracing happens inside the layer's `call`, whose `self` is in the frame),
    and the trace-time stack recorded in the jaxpr equation being converted
    when the converter failed (frames found in its lowering functions' `eqn`).
    """
    callers = []
    for frame, _ in traceback.walk_tb(error.__traceback__):
        local = frame.f_locals
        eqn = local.get("eqn")
        source = getattr(getattr(eqn, "source_info", None), "traceback", None)
        if source is not None:
            names = [f.function_name for f in getattr(source, "frames", ())]
            callers.extend((name, None) for name in reversed(names))
        code = frame.f_code
        if "self" in local and code.co_name in ("call", "__call__"):
            callers.append((getattr(code, "co_qualname", code.co_name), local["self"]))
    return callers


def _channels_first_max_pools(proto):
    """Rewrites channels-last `MaxPool` nodes into ones onnxruntime can run.

    jax2onnx lowers `reduce_window_max` over an (N, *spatial, C) array by adding
    two unit axes and pooling all N+2 axes with a window of 1 on N and C: valid
    ONNX, but onnxruntime runs at most 3-d pooling and refuses it ("Unsupported
    pooling size"). Each such node becomes
    Squeeze -> Transpose to (N, C, *spatial) -> MaxPool over the spatial axes ->
    Transpose back -> Unsqueeze, the same values.
    """
    from onnx import helper, numpy_helper

    graph = proto.graph
    producers = {out: n.op_type for n in graph.node for out in n.output}
    new_nodes = []
    changed = False
    counter = 0
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        kernel = list(attrs.get("kernel_shape", ()))
        rank = len(kernel)
        if (
            node.op_type != "MaxPool"
            or rank < 3
            or node.domain not in ("", "ai.onnx")
            or producers.get(node.input[0]) != "Unsqueeze"  # the two added axes
        ):
            new_nodes.append(node)
            continue
        strides = list(attrs.get("strides", [1] * rank))
        pads = list(attrs.get("pads", [0] * 2 * rank))
        dilations = list(attrs.get("dilations", [1] * rank))
        keep = [0, rank - 1]  # batch and channels: a window of 1, untouched
        if any(
            kernel[a] != 1
            or strides[a] != 1
            or dilations[a] != 1
            or pads[a] != 0
            or pads[a + rank] != 0
            for a in keep
        ) or set(attrs) - {"kernel_shape", "strides", "pads", "dilations"}:
            new_nodes.append(node)
            continue
        counter += 1
        prefix = f"kerasish_maxpool_{counter}"
        spatial = list(range(1, rank - 1))
        axes = numpy_helper.from_array(np.asarray([0, 1], np.int64), prefix + "_axes")
        graph.initializer.append(axes)
        x, y = node.input[0], node.output[0]
        pool_attrs = {
            "kernel_shape": [kernel[a] for a in spatial],
            "strides": [strides[a] for a in spatial],
            "pads": [pads[a] for a in spatial] + [pads[a + rank] for a in spatial],
        }
        if any(dilations[a] != 1 for a in spatial):
            pool_attrs["dilations"] = [dilations[a] for a in spatial]
        new_nodes += [
            helper.make_node("Squeeze", [x, axes.name], [prefix + "_x"]),
            helper.make_node(
                "Transpose",
                [prefix + "_x"],
                [prefix + "_nchw"],
                perm=[0, rank - 1, *spatial],
            ),
            helper.make_node(
                "MaxPool", [prefix + "_nchw"], [prefix + "_pooled"], **pool_attrs
            ),
            helper.make_node(
                "Transpose",
                [prefix + "_pooled"],
                [prefix + "_nhwc"],
                perm=[0, *range(2, rank), 1],
            ),
            helper.make_node("Unsqueeze", [prefix + "_nhwc", axes.name], [y]),
        ]
        changed = True
    if changed:
        del graph.node[:]
        graph.node.extend(new_nodes)
