"""`ExportArchive`: several endpoints over tracked layers, written as one file.

Keras's API (`track`, `add_endpoint`, `add_variable_collection`, `write_out`);
the file is kerasish's export format (see `export_lib`), with one serialized
function per endpoint instead of TF's SavedModel:

    metadata.json              {"format": "kerasish.export", "endpoints": {...},
                                "variable_collections": {...}, ...}
    endpoints/<name>.jaxexport the endpoint, weights as arguments, batch symbolic
    weights.npz                "variables/<i>" and "collections/<name>/<i>"

`kerasish.export.load(path)` returns an object with one method per endpoint
(`reloaded.serve(x)`) and one list of arrays per variable collection.
"""

import datetime
import json
import zipfile

import numpy as np

from kerasish.engine import get_engine
from kerasish.layers.layer import Layer
from kerasish.saving import weights_io
from kerasish.saving.file_io import atomic_write
from kerasish.variables import StatelessScope, Variable

FORMAT_VERSION = 1


class ExportArchive:
    """Writes chosen functions of tracked layers as a file that serves without code.

    Example:
    >>> archive = kerasish.export.ExportArchive()  # doctest: +SKIP
    >>> archive.track(model)  # doctest: +SKIP
    >>> archive.add_endpoint(
    ...     "serve", model.call, [kerasish.InputSpec(shape=(None, 3))]
    ... )  # doctest: +SKIP
    >>> archive.write_out("model.kerasish_export")  # doctest: +SKIP
    >>> kerasish.export.load("model.kerasish_export").serve(x)  # doctest: +SKIP
    """

    def __init__(self):
        self._tracked = []
        self._endpoints = {}
        self._collections = {}

    @property
    def variables(self):
        seen, out = set(), []
        for layer in self._tracked:
            for v in layer.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_variables(self):
        return [v for v in self.variables if v.trainable]

    @property
    def non_trainable_variables(self):
        return [v for v in self.variables if not v.trainable]

    def track(self, resource):
        """Tracks a built layer or model: its variables become the file's weights."""
        if not isinstance(resource, Layer):
            raise ValueError(
                "Invalid resource type. Expected a Keras `Layer` or `Model`. "
                f"Received object {resource} of type '{type(resource)}'."
            )
        if not resource.built:
            raise ValueError(
                "The layer provided has not yet been built. It must be built before "
                "export."
            )
        if all(resource is not r for r in self._tracked):
            self._tracked.append(resource)

    def add_endpoint(self, name, fn, input_signature=None, **kwargs):
        """Registers `fn` (e.g. `model.call`) as the endpoint `name`.

        Args:
            name: The endpoint's name: `reloaded.<name>(...)` after loading.
            fn: A function of the tracked layers; it is traced once.
            input_signature: One spec per positional argument of `fn`: an
                `InputSpec`, a `KerasTensor`, a `(shape, dtype)` pair, or a list
                or dict of those. `None` in a shape is a symbolic size.
            **kwargs: Ignored (Keras's `jax2tf_kwargs` and `is_static`).
        """
        kwargs.pop("jax2tf_kwargs", None)
        kwargs.pop("is_static", None)
        if kwargs:
            raise TypeError(
                f"add_endpoint() got unexpected arguments {sorted(kwargs)}."
            )
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"Endpoint name must be a Python identifier, received {name!r}."
            )
        if name in self._endpoints or name in self._collections:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if not callable(fn):
            raise TypeError(f"add_endpoint: `fn` must be callable, received {fn!r}.")
        if input_signature is None:
            raise ValueError(
                "You must provide an `input_signature` argument to specify the shape "
                "and dtype of the function arguments. Example:\n\n"
                "export_archive.add_endpoint(name='call', fn=model.call, "
                "input_signature=[keras.InputSpec(shape=(None, 224, 224, 3), "
                "dtype='float32')])"
            )
        if not self._tracked:
            raise ValueError(
                "No layer is tracked: call `track(model)` before `add_endpoint` so "
                "the endpoint's weights can be saved."
            )
        if not isinstance(input_signature, list | tuple):
            input_signature = [input_signature]
        self._endpoints[name] = (fn, [_spec_structure(s) for s in input_signature])
        return fn

    def track_and_add_endpoint(self, name, resource, input_signature, **kwargs):
        """`track(resource)`, then an endpoint calling `resource` itself."""
        self.track(resource)
        return self.add_endpoint(name, resource.__call__, input_signature, **kwargs)

    def add_variable_collection(self, name, variables):
        """Saves `variables` (a list, tuple or set) as `reloaded.<name>`."""
        if not isinstance(variables, list | tuple | set):
            raise ValueError(
                "Expected `variables` to be a list/tuple/set. Received instead "
                f"object of type '{type(variables)}'."
            )
        if not all(isinstance(v, Variable) for v in variables):
            raise ValueError(
                "Expected all elements in `variables` to be `kerasish.Variable` "
                "instances. Found instead the following types: "
                f"{sorted({type(v).__name__ for v in variables})}"
            )
        if (
            not isinstance(name, str)
            or not name.isidentifier()
            or (name in self._endpoints)
        ):
            raise ValueError(f"Invalid or taken collection name {name!r}.")
        self._collections[name] = list(variables)

    def write_out(self, filepath, options=None, verbose=True):
        """Writes the archive to `filepath` (`options` is ignored)."""
        from kerasish.export.export_lib import _METADATA, FORMAT_NAME
        from kerasish.saving.keras_archive import kerasish_version

        if not self._endpoints:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        engine = get_engine()
        if engine.export is None:
            raise ValueError(
                f"The active engine {engine.name!r} cannot export; use the JAX engine."
            )
        variables = self.variables
        values = [np.asarray(v.numpy()) for v in variables]
        weight_specs = [(tuple(a.shape), str(a.dtype)) for a in values]
        functions, described = {}, {}
        for name, (fn, signature) in self._endpoints.items():

            def pure(weights, inputs, fn=fn):
                with StatelessScope(zip(variables, weights)):
                    return fn(*inputs)

            functions[name] = engine.export.serialize_function(
                pure, (weight_specs, [_as_pairs(s) for s in signature])
            )
            described[name] = signature
        weights = {f"variables/{i}": a for i, a in enumerate(values)}
        for cname, cvars in self._collections.items():
            for i, v in enumerate(cvars):
                weights[f"collections/{cname}/{i}"] = np.asarray(v.numpy())
        metadata = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "endpoints": described,
            "num_variables": len(values),
            "variable_collections": {k: len(v) for k, v in self._collections.items()},
            "platforms": list(engine.export.default_platforms()),
            "kerasish_version": kerasish_version(),
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
        with atomic_write(filepath) as f:
            with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
                zf.writestr(_METADATA, json.dumps(metadata), zipfile.ZIP_DEFLATED)
                for name, data in functions.items():
                    zf.writestr(
                        f"endpoints/{name}.jaxexport", data, zipfile.ZIP_DEFLATED
                    )
                with zf.open("weights.npz", "w", force_zip64=True) as member:
                    weights_io.write_npz(member, weights)
        if verbose:
            lines = [f"Saved artifact at '{filepath}'. Endpoints:"]
            for name, signature in described.items():
                lines.append(f"  {name}({signature})")
            print("\n".join(lines))


def _spec_structure(spec):
    """An input spec as JSON: `{"shape": [...], "dtype": ...}` leaves in lists/dicts."""
    if hasattr(spec, "shape") and not isinstance(spec, list | tuple | dict):
        shape = spec.shape
        if shape is None:
            raise ValueError(
                f"Input spec {spec!r} has no shape; give every input a shape "
                "(`None` for symbolic sizes)."
            )
        dtype = getattr(spec, "dtype", None) or "float32"
        return {"shape": list(shape), "dtype": get_engine().standardize_dtype(dtype)}
    if (
        isinstance(spec, list | tuple)
        and len(spec) == 2
        and isinstance(spec[1], str)
        and isinstance(spec[0], list | tuple)
    ):
        return {"shape": list(spec[0]), "dtype": spec[1]}
    if isinstance(spec, dict):
        return {"dict": {k: _spec_structure(v) for k, v in spec.items()}}
    if isinstance(spec, list | tuple):
        return {"list": [_spec_structure(v) for v in spec]}
    raise TypeError(
        f"Cannot read the input spec {spec!r}: expected a kerasish.InputSpec, a "
        "KerasTensor, a (shape, dtype) pair, or a list or dict of them."
    )


def _as_pairs(structure):
    """The `(shape, dtype)` pytree `jax_export` takes (lists and dicts)."""
    if "dict" in structure:
        return {k: _as_pairs(v) for k, v in structure["dict"].items()}
    if "list" in structure:
        return [_as_pairs(v) for v in structure["list"]]
    return (tuple(structure["shape"]), structure["dtype"])


def _convert_inputs(structure, value, where):
    if "dict" in structure:
        if not isinstance(value, dict) or set(value) != set(structure["dict"]):
            raise ValueError(
                f"{where}: expected a dict with keys {sorted(structure['dict'])}."
            )
        return {
            k: _convert_inputs(s, value[k], where) for k, s in structure["dict"].items()
        }
    if "list" in structure:
        if not isinstance(value, list | tuple) or len(value) != len(structure["list"]):
            raise ValueError(f"{where}: expected a list of {len(structure['list'])}.")
        return [_convert_inputs(s, v, where) for s, v in zip(structure["list"], value)]
    array = np.asarray(value, dtype=structure["dtype"])
    shape = structure["shape"]
    if array.ndim != len(shape) or any(
        d is not None and d != s for d, s in zip(shape, array.shape)
    ):
        raise ValueError(
            f"{where}: expected shape {tuple(shape)} (None: any size), received "
            f"{tuple(array.shape)}."
        )
    return array


class _Endpoint:
    def __init__(self, name, function, signature, weights, source):
        self.__name__ = name
        self._function = function
        self._signature = signature
        self._weights = weights
        self._source = source

    def __call__(self, *args):
        where = f"Endpoint '{self.__name__}' of {self._source}"
        if len(args) != len(self._signature):
            raise ValueError(
                f"{where} takes {len(self._signature)} argument(s), received "
                f"{len(args)}."
            )
        inputs = [_convert_inputs(s, a, where) for s, a in zip(self._signature, args)]
        return self._function(self._weights, inputs)


class ReloadedArchive:
    """What `kerasish.export.load` returns for an `ExportArchive` file."""

    def __init__(self, metadata, endpoints, collections):
        self.metadata = metadata
        self._endpoint_names = list(endpoints)
        for name, endpoint in endpoints.items():
            setattr(self, name, endpoint)
        for name, arrays in collections.items():
            setattr(self, name, arrays)

    def __repr__(self):
        return f"<ReloadedArchive endpoints={self._endpoint_names}>"


def load_archive(zf, metadata, source, deserialize):
    """Reads an `ExportArchive` file from the open zip `zf` (checked by `load`)."""
    import io

    arrays = weights_io.read_npz(io.BytesIO(zf.read("weights.npz")), source)
    weights = [arrays[f"variables/{i}"] for i in range(metadata["num_variables"])]
    endpoints = {}
    for name, signature in metadata["endpoints"].items():
        data = zf.read(f"endpoints/{name}.jaxexport")
        endpoints[name] = _Endpoint(name, deserialize(data), signature, weights, source)
    collections = {
        name: [arrays[f"collections/{name}/{i}"] for i in range(count)]
        for name, count in metadata.get("variable_collections", {}).items()
    }
    return ReloadedArchive(metadata, endpoints, collections)
