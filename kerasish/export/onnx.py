"""`model.export(path, format="onnx")`: the forward pass as an ONNX model.

The engine traces `model.stateless_call(..., training=False)` with the weights as
constants and converts it with jax2onnx (the `onnx` extra); the file is one
self-contained `.onnx` (weights inside), written atomically. Serve it with
onnxruntime:

    session = onnxruntime.InferenceSession("model.onnx")
    outputs = session.run(None, {session.get_inputs()[0].name: x})

Inputs are named as the model's inputs (`keras.Input(name=...)`), outputs as its
output layers (or the keys of a dict of outputs); the batch dimension, and any
other `None` dimension, stays symbolic.
"""

import numpy as np

from kerasish.common import io_utils
from kerasish.engine import get_engine
from kerasish.export import export_lib
from kerasish.saving.file_io import atomic_write


def export_onnx(
    model, filepath, verbose=None, input_signature=None, opset_version=None
):
    """Writes `model`'s inference function to `filepath` as an ONNX model.

    Args:
        model: A built model.
        filepath: Destination file (conventionally ending in `.onnx`).
        verbose: Print where the file was saved. Defaults to `True` (Keras's
            default for ONNX).
        input_signature: One `(shape, dtype)` (or object with `.shape` and
            `.dtype`) per input, `None` for symbolic dimensions; default: the
            model's recorded inputs.
        opset_version: The ONNX opset (default: jax2onnx's).

    Raises:
        ImportError: jax2onnx is not installed (`pip install "kerasish[onnx]"`).
        ValueError: a layer uses an operation the converter cannot express in
            ONNX; the message names the layer.
    """
    if opset_version is not None and (
        isinstance(opset_version, bool) or not isinstance(opset_version, int)
    ):
        raise TypeError(
            f"export(format='onnx'): `opset_version` must be an int (e.g. 17), "
            f"received {opset_version!r}."
        )
    inputs = export_lib._input_specs(model, input_signature)
    names = [spec["name"] for spec in inputs]
    structure = export_lib._input_structure(model, len(inputs))
    trainable = [np.asarray(v.numpy()) for v in model.trainable_variables]
    non_trainable = [np.asarray(v.numpy()) for v in model.non_trainable_variables]
    output_keys = []

    def forward(*flat_inputs):
        x = export_lib._pack_inputs(structure, flat_inputs, names)
        y, _ = model.stateless_call(trainable, non_trainable, x, training=False)
        if isinstance(y, dict):
            output_keys[:] = list(y)
            return tuple(y.values())
        if isinstance(y, list | tuple):
            return tuple(y)
        return y

    specs = [(tuple(spec["shape"]), spec["dtype"]) for spec in inputs]
    engine = get_engine()
    spec_structs = [
        engine.shape_dtype_struct(export_lib._concrete(shape), dtype)
        for shape, dtype in specs
    ]
    out_spec = engine.eval_shape(forward, *spec_structs)
    num_outputs = len(out_spec) if isinstance(out_spec, tuple) else 1
    output_names = _output_names(model, output_keys, num_outputs, names)
    try:
        data = engine.export.to_onnx(
            forward,
            specs,
            input_names=names,
            output_names=output_names,
            opset=opset_version,
        )
    except ImportError:
        raise
    except Exception as error:
        callers = getattr(error, "callers", None)
        if callers is None:
            raise
        raise ValueError(_conversion_message(model, error, callers)) from error
    with atomic_write(filepath) as f:
        f.write(data)
    if verbose is None or verbose:
        io_utils.print_msg(f"Saved artifact at '{filepath}'.")
    return filepath


def _output_names(model, output_keys, num_outputs, input_names):
    if output_keys:
        candidates = [str(k) for k in output_keys]
    else:
        candidates = list(getattr(model, "output_names", None) or [])
    if len(candidates) != num_outputs:
        candidates = [f"output_{i}" for i in range(num_outputs)]
    if len(set(candidates)) != num_outputs or set(candidates) & set(input_names):
        candidates = [f"output_{i}" for i in range(num_outputs)]
    return candidates


def _conversion_message(model, error, callers):
    """Names the layer whose operation the converter refused."""
    layers = model._flatten_layers(include_self=False)
    by_id = {id(layer): layer for layer in layers}
    culprit = None
    # Innermost first: a layer's own frame (with `self`) names the instance.
    for qualname, obj in reversed(callers):
        if obj is not None and id(obj) in by_id:
            culprit = [by_id[id(obj)]]
            break
        if obj is None and qualname.endswith(".call"):
            owner = qualname[: -len(".call")]
            matches = [layer for layer in layers if type(layer).__qualname__ == owner]
            if matches:
                culprit = matches
                break
    reason = getattr(error, "reason", str(error))
    hint = (
        "Replace or remove that layer for ONNX, or export with format='jax' "
        "(StableHLO, served by `kerasish.export.load`)."
    )
    if culprit:
        described = ", ".join(f"'{c.name}' ({type(c).__name__})" for c in culprit)
        noun, verb = ("Layer", "uses") if len(culprit) == 1 else ("Layers", "use")
        return (
            f"Cannot export model '{model.name}' to ONNX: {noun} {described} "
            f"{verb} an operation the ONNX converter (jax2onnx) cannot convert. "
            f"Converter error: {reason}. {hint}"
        )
    return (
        f"Cannot export model '{model.name}' to ONNX: an operation of its "
        f"forward pass cannot be converted by jax2onnx. Converter error: {reason}. "
        f"{hint}"
    )
