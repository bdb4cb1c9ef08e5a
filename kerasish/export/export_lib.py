"""`export_model` and `load`: a model's forward pass as a file for serving.

The file is a zip archive:

    metadata.json    {"format": "kerasish.export", "format_version": 1, "inputs":
                      [{"name", "shape", "dtype"}], "outputs": {...},
                      "platforms", "kerasish_version", "date_saved"}
    function.jaxexport   the forward function serialized by `jax.export`
                         (StableHLO), batch dimension symbolic
    weights.npz      its weight arguments ("trainable/0", "non_trainable/0", ...)

`load(path)` needs neither the model's classes nor kerasish's layers: it reads the
arrays (no pickle) and deserializes the compiled function.
"""

import datetime
import io
import json
import os
import zipfile

import numpy as np

from kerasish.engine import get_engine
from kerasish.saving import weights_io
from kerasish.saving.file_io import atomic_write

FORMATS = ("jax", "onnx")
FORMAT_NAME = "kerasish.export"
FORMAT_VERSION = 1
_FUNCTION = "function.jaxexport"
_METADATA = "metadata.json"
_WEIGHTS = "weights.npz"


def export_model(
    model, filepath, format="jax", verbose=None, input_signature=None, **kwargs
):
    """Writes `model`'s inference function to `filepath` (see module doc).

    Args:
        model: A built model.
        filepath: Destination file. For `"jax"`, conventionally ending in
            `.kerasish_export` (any name works); for `"onnx"`, in `.onnx`.
        format: `"jax"` (`jax.export` / StableHLO, loaded back with
            `kerasish.export.load`) or `"onnx"` (through jax2onnx, served by any
            ONNX runtime; needs the `onnx` extra).
        verbose: For `"onnx"`, print where the file was saved (default `True`,
            as in Keras); ignored for `"jax"`.
        input_signature: For subclassed models without recorded input shapes: a
            list of `(shape, dtype)` pairs or objects with `.shape`/`.dtype`, one
            per input; `None` marks a symbolic dimension (the batch).
        platforms: `"jax"` only: platforms to lower for (default: this
            machine's and "cpu").
        opset_version: `"onnx"` only: the ONNX opset (default: the converter's).
    """
    platforms = kwargs.pop("platforms", None)
    opset_version = kwargs.pop("opset_version", None)
    if kwargs:
        raise TypeError(f"export() got unexpected keyword arguments {sorted(kwargs)}.")
    if format not in FORMATS:
        raise ValueError(
            f"Unknown export format {format!r}. Valid formats: {', '.join(FORMATS)} "
            "(TF SavedModel, OpenVINO, LiteRT and torch are not supported)."
        )
    engine = get_engine()
    if engine.export is None:
        raise ValueError(
            f"The active engine {engine.name!r} cannot export; use the JAX engine "
            "(`kerasish.config.set_engine('jax')`)."
        )
    if not getattr(model, "built", False):
        raise ValueError(
            f"Model '{model.name}' is not built; call it on data (or build it) "
            "before exporting."
        )
    if format == "onnx":
        if platforms is not None:
            raise TypeError("export(format='onnx') takes no `platforms` argument.")
        from kerasish.export.onnx import export_onnx

        return export_onnx(
            model,
            filepath,
            verbose=verbose,
            input_signature=input_signature,
            opset_version=opset_version,
        )
    if opset_version is not None:
        raise TypeError(
            "`opset_version` applies to format='onnx' only; received it with "
            f"format={format!r}."
        )
    inputs = _input_specs(model, input_signature)
    trainable = [np.asarray(v.numpy()) for v in model.trainable_variables]
    non_trainable = [np.asarray(v.numpy()) for v in model.non_trainable_variables]
    structure = _input_structure(model, len(inputs))

    def forward(trainable_values, non_trainable_values, flat_inputs):
        x = _pack_inputs(structure, flat_inputs, [s["name"] for s in inputs])
        y, _ = model.stateless_call(
            trainable_values, non_trainable_values, x, training=False
        )
        return y

    specs = (
        [(tuple(a.shape), str(a.dtype)) for a in trainable],
        [(tuple(a.shape), str(a.dtype)) for a in non_trainable],
        [(tuple(s["shape"]), s["dtype"]) for s in inputs],
    )
    out_spec = engine.eval_shape(
        forward,
        *[
            [
                engine.shape_dtype_struct(_concrete(shape), dtype)
                for shape, dtype in group
            ]
            for group in specs
        ],
    )
    outputs = _describe_outputs(out_spec)
    data = engine.export.serialize_function(forward, specs, platforms=platforms)
    from kerasish.saving.keras_archive import kerasish_version

    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model_name": model.name,
        "inputs": inputs,
        "input_structure": structure,
        "outputs": outputs,
        "platforms": list(platforms or engine.export.default_platforms()),
        "kerasish_version": kerasish_version(),
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    weights = {f"trainable/{i}": a for i, a in enumerate(trainable)}
    weights |= {f"non_trainable/{i}": a for i, a in enumerate(non_trainable)}
    with atomic_write(filepath) as f:
        with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
            zf.writestr(_METADATA, json.dumps(metadata), zipfile.ZIP_DEFLATED)
            zf.writestr(_FUNCTION, data, zipfile.ZIP_DEFLATED)
            with zf.open(_WEIGHTS, "w", force_zip64=True) as member:
                weights_io.write_npz(member, weights)
    return filepath


def _concrete(shape):
    # A stand-in size for symbolic dimensions when inferring output shapes.
    return tuple(3 if d is None else d for d in shape)


def _input_specs(model, input_signature):
    if input_signature is not None:
        signature = (
            input_signature
            if isinstance(input_signature, list | tuple)
            and input_signature
            and not isinstance(input_signature[0], int | type(None))
            else [input_signature]
        )
        specs = []
        for i, item in enumerate(signature):
            if hasattr(item, "shape"):
                shape, dtype = item.shape, getattr(item, "dtype", None) or "float32"
            elif (
                isinstance(item, list | tuple)
                and len(item) == 2
                and isinstance(item[1], str)
            ):
                shape, dtype = item
            else:
                shape, dtype = item, "float32"
            specs.append(
                {"name": f"input_{i}", "shape": list(shape), "dtype": str(dtype)}
            )
        return specs
    flat = getattr(model, "inputs", None)
    if flat:
        return [
            {"name": t.name, "shape": list(t.shape), "dtype": str(t.dtype)}
            for t in flat
        ]
    shapes = getattr(model, "_build_shapes_dict", None) or {}
    shape = next(iter(shapes.values()), None)
    if shape is None:
        raise ValueError(
            f"Cannot export model '{model.name}': its input shapes are unknown. Pass "
            "`input_signature=[((None, 784), 'float32')]` (one `(shape, dtype)` per "
            "input; `None` for the batch dimension)."
        )
    if isinstance(shape, list) and shape and isinstance(shape[0], list | tuple):
        return [
            {"name": f"input_{i}", "shape": list(s), "dtype": "float32"}
            for i, s in enumerate(shape)
        ]
    return [{"name": "input_0", "shape": list(shape), "dtype": "float32"}]


def _input_structure(model, n):
    struct = getattr(model, "_inputs_struct", None)
    if isinstance(struct, dict):
        return "dict"
    if isinstance(struct, list | tuple) or n > 1:
        return "list"
    return "single"


def _pack_inputs(structure, flat, names):
    flat = list(flat)
    if structure == "dict":
        return dict(zip(names, flat))
    if structure == "list":
        return flat
    return flat[0]


def _describe_outputs(spec):
    def leaf(s):
        return {"shape": list(s.shape), "dtype": str(s.dtype)}

    if isinstance(spec, dict):
        return {"kind": "dict", "items": {k: leaf(v) for k, v in spec.items()}}
    if isinstance(spec, list | tuple):
        return {"kind": "list", "items": [leaf(s) for s in spec]}
    return {"kind": "single", "items": [leaf(spec)]}


class ExportedModel:
    """A model loaded by `kerasish.export.load`: call it like the model.

    `exported(x)` (or `exported.serve(x)`) takes one array per model input (a
    list, positional arguments, or a dict by input name) with any batch size and
    returns numpy arrays structured like the model's outputs.
    """

    def __init__(self, function, metadata, trainable, non_trainable, name):
        self._function = function
        self.metadata = metadata
        self._trainable = trainable
        self._non_trainable = non_trainable
        self._name = name
        self.inputs = metadata["inputs"]

    def __call__(self, *args):
        flat = self._flatten_inputs(args)
        out = self._function(self._trainable, self._non_trainable, flat)
        kind = self.metadata["outputs"]["kind"]
        if kind == "dict":
            return dict(out)
        if kind == "list":
            return list(out)
        return out

    serve = __call__

    def _flatten_inputs(self, args):
        specs = self.inputs
        names = [s["name"] for s in specs]
        if len(args) == 1 and isinstance(args[0], dict):
            missing = [n for n in names if n not in args[0]]
            if missing:
                raise ValueError(
                    f"Exported model {self._name}: the input dict lacks {missing}; "
                    f"its inputs are {names}."
                )
            values = [args[0][n] for n in names]
        elif len(args) == 1 and isinstance(args[0], list | tuple) and len(specs) > 1:
            values = list(args[0])
        else:
            values = list(args)
        if len(values) != len(specs):
            raise ValueError(
                f"Exported model {self._name} takes {len(specs)} input(s) ({names}), "
                f"received {len(values)}."
            )
        out = []
        for spec, value in zip(specs, values):
            value = np.asarray(value, dtype=spec["dtype"])
            shape = spec["shape"]
            if value.ndim != len(shape) or any(
                d is not None and d != s for d, s in zip(shape, value.shape)
            ):
                expected = tuple(shape)
                raise ValueError(
                    f"Exported model {self._name}: input '{spec['name']}' expects "
                    f"shape {expected} (None: any size), received "
                    f"{tuple(value.shape)}."
                )
            out.append(value)
        return out


def load(filepath):
    """Loads a file written by `model.export(filepath)`; returns an `ExportedModel`.

    Example:
    >>> serve = kerasish.export.load("model.kerasish_export")  # doctest: +SKIP
    >>> serve(np.zeros((5, 784), "float32")).shape  # doctest: +SKIP
    (5, 10)
    """
    filepath = os.fspath(filepath)
    name = repr(filepath)
    if not os.path.isfile(filepath):
        raise ValueError(f"File not found: filepath={filepath!r}.")
    size = os.path.getsize(filepath)
    try:
        zf = zipfile.ZipFile(filepath)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(
            f"{name} is not an exported kerasish model: not a valid zip archive "
            f"({error})."
        ) from error
    with zf:
        names = set()
        for info in zf.infolist():
            weights_io.check_member_name(info.filename, name)
            weights_io.check_member_size(info, name, size)
            names.add(info.filename)
        if _METADATA in names and _FUNCTION not in names:
            archive = _maybe_archive(zf, name)  # written by `ExportArchive`
            if archive is not None:
                return archive
        missing = [m for m in (_METADATA, _FUNCTION, _WEIGHTS) if m not in names]
        if missing:
            raise ValueError(
                f"{name} is not an exported kerasish model: it lacks {missing}. (A "
                "'.keras' file is loaded with `kerasish.models.load_model`.)"
            )
        try:
            metadata = json.loads(zf.read(_METADATA).decode("utf-8"))
            function_bytes = zf.read(_FUNCTION)
            weights_bytes = zf.read(_WEIGHTS)
        except (zipfile.BadZipFile, EOFError, OSError, UnicodeDecodeError) as error:
            raise ValueError(f"{name} is corrupt or truncated ({error}).") from error
        except json.JSONDecodeError as error:
            raise ValueError(f"{name}: metadata.json is not valid JSON.") from error
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ValueError(f"{name} is not an exported kerasish model (wrong format).")
    if metadata.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{name} uses export format version {metadata['format_version']}, newer "
            f"than this kerasish reads ({FORMAT_VERSION}); upgrade kerasish."
        )
    arrays = weights_io.read_npz(io.BytesIO(weights_bytes), f"{name} ({_WEIGHTS})")
    trainable = _ordered(arrays, "trainable")
    non_trainable = _ordered(arrays, "non_trainable")
    engine = get_engine()
    if engine.export is None:
        engine = get_engine("jax")  # the function was serialized by jax.export
    try:
        function = engine.export.deserialize_function(function_bytes)
    except Exception as error:  # flatbuffer/jax errors on damaged bytes
        raise ValueError(
            f"{name}: the serialized function cannot be loaded "
            f"({type(error).__name__}: {error})."
        ) from error
    return ExportedModel(function, metadata, trainable, non_trainable, name)


def _maybe_archive(zf, name):
    """An `ExportArchive` file's endpoints, or None if it is not one."""
    from kerasish.export.export_archive import load_archive

    try:
        metadata = json.loads(zf.read(_METADATA).decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{name}: metadata.json is not readable ({error}).") from error
    if not isinstance(metadata, dict) or "endpoints" not in metadata:
        return None
    if metadata.get("format") != FORMAT_NAME:
        raise ValueError(f"{name} is not an exported kerasish model (wrong format).")
    try:
        return load_archive(zf, metadata, name, _engine_export().deserialize_function)
    except (KeyError, TypeError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{name} is corrupt or incomplete ({error!r}).") from error


def _engine_export():
    engine = get_engine()
    if engine.export is None:
        engine = get_engine("jax")  # the function was serialized by jax.export
    return engine.export


def _ordered(arrays, prefix):
    keys = [k for k in arrays if k.startswith(prefix + "/")]
    return [arrays[f"{prefix}/{i}"] for i in range(len(keys))]
