"""Keras's legacy HDF5 format: `model.save("model.h5")`, and tf.keras's files.

A model file holds, at its root, the attributes `model_config` (JSON
`{"class_name", "config"}`), `training_config` (JSON of `compile`'s arguments),
`keras_version` and `backend`; a group `model_weights` with the attribute
`layer_names` and one group per layer, whose attribute `weight_names` lists its
arrays (trainable, then non-trainable: the Keras 2 order); and a group
`optimizer_weights` in the optimizer's variables order. A weights-only legacy
file (`save_weights("w.h5")` in Keras 2) is `model_weights`' content at the root.

Weights are matched to layers by position (the layers that have weights, in
`model.layers` order), or by layer name with `by_name=True`, as Keras's
`legacy_h5_format` does. Loading reads JSON and arrays only: no code runs
(a Lambda's Python code is refused under `safe_mode`, as in `.keras` files).
"""

import io
import json
import os
import warnings

import numpy as np

from kerasish.saving import h5_io, keras_compat, weights_io
from kerasish.saving.file_io import atomic_write
from kerasish.saving.keras_archive import KERAS_FORMAT_VERSION, kerasish_version

# HDF5 object headers hold 64 KiB; Keras splits longer attribute lists.
_HEADER_LIMIT = 64512


def open_h5(filepath):
    """The file opened for reading and audited as `.weights.h5` files are
    (no links, external or virtual datasets, or arrays larger than stored)."""
    return h5_io.H5Reader(os.fspath(filepath), repr(os.fspath(filepath)))


def is_legacy_file(h5file):
    """Whether an open HDF5 file has the legacy layout (not `.weights.h5`)."""
    return "model_weights" in h5file or any(
        name.startswith("layer_names") for name in h5file.attrs
    )


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _read_attribute(group, name):
    """A list attribute, joined from Keras's chunks (`name0`, `name1`, ...)."""
    if name in group.attrs:
        values = group.attrs[name]
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [_text(v) for v in np.atleast_1d(values)] if len(values) else []


def _write_attribute(group, name, values):
    if not values:
        group.attrs[name] = np.zeros((0,))  # as Keras writes an empty list
        return
    data = np.asarray([v.encode("utf8") for v in values], dtype=object)
    if data.nbytes <= _HEADER_LIMIT:
        group.attrs[name] = data
        return
    chunks = int(np.ceil(data.nbytes / _HEADER_LIMIT))
    for i, part in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{i}"] = part


def _read_arrays(reader, group):
    arrays = []
    for name in _read_attribute(group, "weight_names"):
        dataset = group.get(name)
        if not isinstance(dataset, h5_io.import_h5py().Dataset):
            raise ValueError(
                f"{reader.name}: the weight {name!r} listed in group "
                f"{group.name!r} is missing; the file is truncated or corrupt."
            )
        arrays.append(reader.read(dataset))
    return arrays


def _write_arrays(group, variables):
    names = [v.path for v in variables]
    _write_attribute(group, "weight_names", names)
    for name, variable in zip(names, variables):
        group.create_dataset(name, data=np.asarray(variable.numpy()))


# -- weights ---------------------------------------------------------------------


def load_weights(model, reader, skip_mismatch=False, by_name=False):
    """Loads a legacy file's layer weights into `model` (Keras's
    `load_weights_from_hdf5_group`, or `..._by_name`); `reader` is `open_h5`'s."""
    source, h5file = reader.name, reader.file
    if not _read_attribute(h5file, "layer_names") and "model_weights" in h5file:
        h5file = h5file["model_weights"]
    saved = [
        name
        for name in _read_attribute(h5file, "layer_names")
        if _read_attribute(h5file[name], "weight_names")
    ]
    if by_name:
        targets = {}
        for layer in model.layers:
            targets.setdefault(layer.name, []).append(layer)
        pairs = [(layer, name) for name in saved for layer in targets.get(name, ())]
    else:
        layers = [layer for layer in model.layers if _legacy_weights(layer)]
        if len(layers) != len(saved):
            raise ValueError(
                f"{source}: layer count mismatch when loading weights. Model "
                f"'{model.name}' expects {len(layers)} layers with weights, the "
                f"file has {len(saved)} ({saved[:8]}). Build the same "
                "architecture, or pass `by_name=True` to match layers by name."
            )
        pairs = list(zip(layers, saved))
    for layer, name in pairs:
        _set_layer(layer, _read_arrays(reader, h5file[name]), name, skip_mismatch)
    if "top_level_model_weights" in h5file:
        own = _own_weights(model)
        values = _read_arrays(reader, h5file["top_level_model_weights"])
        if values or own:
            _assign(own, values, f"model '{model.name}'", skip_mismatch)


def _own_weights(model):
    """The weights the model holds itself, outside its layers."""
    in_layers = {id(w) for layer in model.layers for w in layer.weights}
    return [v for v in model.weights if id(v) not in in_layers]


def _set_layer(layer, values, saved_name, skip_mismatch):
    where = f"layer '{layer.name}' (saved as '{saved_name}')"
    _assign(_legacy_weights(layer), values, where, skip_mismatch)


def _assign(variables, values, where, skip_mismatch):
    if len(variables) != len(values):
        _mismatch(
            f"Skipping {where}.",
            f"Weight count mismatch for {where}: it expects {len(variables)} "
            f"weight(s), the file has {len(values)}.",
            skip_mismatch,
        )
        return
    for variable, value in zip(variables, values):
        if tuple(variable.shape) == tuple(value.shape):
            variable.assign(value)
            continue
        _mismatch(
            "Skipping it.",
            f"Shape mismatch in {where} for weight '{variable.path}': it expects "
            f"shape {tuple(variable.shape)}, the file has {tuple(value.shape)}.",
            skip_mismatch,
        )


def _mismatch(skipping, message, skip_mismatch):
    """Raises `message`, or warns and goes on with `skip_mismatch`."""
    if not skip_mismatch:
        raise ValueError(message)
    warnings.warn(f"{skipping} {message}", stacklevel=5)


def _write_versions(group):
    group.attrs["backend"] = "jax"
    group.attrs["keras_version"] = KERAS_FORMAT_VERSION
    group.attrs["kerasish_version"] = kerasish_version()


def save_weights_group(model, group):
    """Writes `model`'s layer weights in the legacy layout into `group`."""
    _write_attribute(group, "layer_names", [layer.name for layer in model.layers])
    _write_versions(group)
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        _write_arrays(group.create_group(layer.name), _legacy_weights(layer))
    _write_arrays(group.create_group("top_level_model_weights"), _own_weights(model))


# -- whole models ------------------------------------------------------------------


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Writes `model` as a legacy `.h5` file, atomically."""
    from kerasish.saving.saving_api import compile_config, model_to_config

    h5py = h5_io.import_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _write_versions(f)
        f.attrs["model_config"] = json.dumps(model_to_config(model))
        save_weights_group(model, f.create_group("model_weights"))
        training = compile_config(model) if include_optimizer else None
        if training is not None:
            training = dict(training)
            training["optimizer_config"] = training.pop("optimizer")
            f.attrs["training_config"] = json.dumps(training)
            optimizer = model.optimizer
            if optimizer.built and optimizer.variables:
                _write_arrays(f.create_group("optimizer_weights"), optimizer.variables)
    with atomic_write(filepath, overwrite=overwrite) as out:
        out.write(buffer.getvalue())


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a legacy `.h5` model file (Keras 3's or tf.keras's)."""
    from kerasish.saving.saving_api import _model_from_config, compile_from_config
    from kerasish.serialization import CustomObjectScope, SafeModeScope

    reader = open_h5(filepath)
    source, f = reader.name, reader.file
    with f:
        if "model_config" not in f.attrs:
            raise ValueError(
                f"{source} holds no model config: it is a weights file. Create "
                "the model, then call `model.load_weights(path)`."
            )
        try:
            config = json.loads(_text(f.attrs["model_config"]))
        except json.JSONDecodeError as error:
            raise ValueError(f"{source}: the model config is not JSON.") from error
        if "kerasish_version" not in f.attrs:
            config = keras_compat.adapt_keras_config(config)
        with SafeModeScope(safe_mode), CustomObjectScope(custom_objects or {}):
            model = _model_from_config(config, custom_objects, source)
        load_weights(model, reader)
        training = f.attrs.get("training_config")
        if compile and training is not None:
            training = json.loads(_text(training))
            training["optimizer"] = training.pop("optimizer_config", None)
            with CustomObjectScope(custom_objects or {}):
                compile_from_config(model, training, source)
            if "optimizer_weights" in f and getattr(model, "compiled", False):
                _load_optimizer(model, reader, f["optimizer_weights"])
    return model


def _load_optimizer(model, reader, group):
    """The optimizer state, in `optimizer.variables` order as `.keras` files
    hold it (a tf.keras state of another layout is left out, with a warning)."""
    model.optimizer.build(model.trainable_variables)
    weights_io.restore_optimizer_arrays(
        model.optimizer, _read_arrays(reader, group), reader.name
    )
