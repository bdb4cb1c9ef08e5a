"""`save_model`, `load_model`, `save_weights`, `load_weights`.

Whole models go to a `.keras` archive (see `keras_archive`); weights alone to
Keras's `.weights.h5` (see `h5_io`), or kerasish's earlier `.weights.npz`, keyed
by layer structure (see `weights_io`). Every save is atomic; every load is safe:
no pickle, no `eval`, Lambda code and file paths in configs are refused unless
`safe_mode=False`.
"""

import os
import shutil
import tempfile
import warnings

from kerasish import optimizers
from kerasish.optimizers.optax_optimizer import OptaxOptimizer
from kerasish.saving import (
    h5_io,
    keras_archive,
    keras_compat,
    legacy_h5,
    weights_io,
)
from kerasish.saving.file_io import atomic_write
from kerasish.serialization import (
    CustomObjectScope,
    SafeModeScope,
    UnknownObjectError,
    deserialize_keras_object,
    serialize_keras_object,
)

WEIGHTS_SUFFIX = ".weights.npz"


# -- whole models ----------------------------------------------------------------


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves `model` (architecture, weights, compile and optimizer state).

    Args:
        model: The model to save.
        filepath: A path ending in `.keras`.
        overwrite: Whether to replace an existing file (else `FileExistsError`).
        zipped: Only `None`/`True` (a zip archive) is supported.
        include_optimizer: Whether to store the optimizer state (default True).

    The file is written to a temporary file in the same directory and renamed
    into place, so an interrupted save leaves any previous file intact.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", False)
    if kwargs:
        raise TypeError(
            f"save_model() got unexpected keyword arguments {sorted(kwargs)}. "
            "Valid ones: overwrite, zipped, include_optimizer."
        )
    filepath = os.fspath(filepath)
    if save_format:
        # As Keras 3: the extension says the format.
        if not str(filepath).endswith((".h5", ".hdf5", ".keras")):
            raise ValueError(
                "The `save_format` argument is deprecated in Keras 3. Please remove "
                "this argument and pass a file path with either `.keras` or `.h5` "
                f"extension.Received: save_format={save_format}"
            )
        warnings.warn(
            "The `save_format` argument is deprecated in Keras 3. We recommend "
            "removing this argument as it can be inferred from the file path. "
            f"Received: save_format={save_format}",
            stacklevel=3,
        )
    if zipped is False:
        raise ValueError(
            "save_model: `zipped=False` (an unzipped directory) is not supported by "
            "kerasish; save to a '.keras' file."
        )
    if str(filepath).endswith((".h5", ".hdf5")):
        warnings.warn(
            "You are saving your model as an HDF5 file via `model.save()` or "
            "`keras.saving.save_model(model)`. This file format is considered "
            "legacy. We recommend using instead the native Keras format, e.g. "
            "`model.save('my_model.keras')`.",
            stacklevel=3,
        )
        legacy_h5.save_model(model, filepath, overwrite, include_optimizer)
        return
    if not str(filepath).endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a `.keras` "
            "extension for the native format (recommended) or a `.h5` extension "
            f"(legacy HDF5). Received: filepath={filepath!r}."
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(
            f"{filepath!r} already exists and `overwrite=False`. Pass "
            "`overwrite=True` to replace it, or choose another path."
        )
    config = model_to_config(model)
    writer = h5_io.H5Writer()
    assets = {}
    with tempfile.TemporaryDirectory() as tmp:

        def save_assets(path, obj):
            directory = os.path.join(tmp, *path.split("/")) if path else tmp
            os.makedirs(directory, exist_ok=True)
            obj.save_assets(directory)

        weights_io.save_state(
            model, writer, include_optimizer=include_optimizer, assets=save_assets
        )
        for root, _, files in os.walk(tmp):
            for name in sorted(files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                with open(full, "rb") as f:
                    assets[f"{keras_archive.ASSETS}/{rel}"] = f.read()
    keras_archive.write_archive(
        filepath, config, writer.getvalue(), assets, overwrite=overwrite
    )


def model_to_config(model):
    """The `config.json` content: Keras 3's serialized model, with its build
    and compile configs (`get_build_config`, `get_compile_config`)."""
    config = serialize_keras_object(model)
    get_build_config = getattr(model, "get_build_config", None)
    build_config = get_build_config() if callable(get_build_config) else None
    if build_config:
        config["build_config"] = _listify(build_config)
    else:
        config.pop("build_config", None)
    return config


def _listify(value):
    if isinstance(value, tuple | list):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


def compile_config(model):
    """The built-in `Model.get_compile_config`: `compile()`'s arguments
    serialized, or None (not compiled, or not serializable: with a warning)."""
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return None
    args = getattr(model, "_compile_args", {})
    try:
        optimizer = getattr(model, "_given_optimizer", model.optimizer)
        optimizer = serialize_keras_object(optimizer)
        compile_config = {
            "optimizer": optimizer,
            "loss": serialize_keras_object(args.get("loss")),
            "loss_weights": serialize_keras_object(args.get("loss_weights")),
            "metrics": serialize_keras_object(args.get("metrics")),
            "weighted_metrics": serialize_keras_object(args.get("weighted_metrics")),
            "run_eagerly": bool(model.run_eagerly),
            # Keras reads an int only; "auto" (kerasish's default) is written as
            # Keras's default, 1, and read back as "auto" (same results).
            "steps_per_execution": (
                1 if model.steps_per_execution == "auto" else model.steps_per_execution
            ),
            "jit_compile": getattr(model, "jit_compile", "auto"),
        }
    except (TypeError, ValueError, NotImplementedError) as error:
        warnings.warn(
            f"Model '{model.name}': its compile arguments cannot be serialized "
            f"({error}); the file is saved without them, and the loaded model must "
            "be compiled again.",
            stacklevel=4,
        )
        return None
    if isinstance(model.optimizer, OptaxOptimizer):
        warnings.warn(
            f"Model '{model.name}' is compiled with a raw optax transformation, which "
            "cannot be saved by name; the file is saved without compile arguments "
            "and optimizer state. Compile the loaded model again.",
            stacklevel=4,
        )
        return None
    return compile_config


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by `model.save()` (or a Keras 3 `.keras` file).

    Args:
        filepath: Path of the `.keras` file, or an orbax checkpoint directory
            written by `OrbaxCheckpoint` (its latest step).
        custom_objects: Dict mapping names to your classes/functions used in
            the model (or register them with `register_keras_serializable`).
        compile: Whether to compile the model with the saved compile arguments
            and restore the optimizer state.
        safe_mode: If True (default), Lambda layers whose function is Python code
            are refused. Set False only for files you trust.

    Returns:
        The model, with its weights (and optimizer state).
    """
    filepath = os.fspath(filepath)
    from kerasish.saving import orbax_io

    if orbax_io.is_orbax_checkpoint(filepath):
        return orbax_io.load_model(filepath, custom_objects, compile, safe_mode)
    if str(filepath).endswith((".h5", ".hdf5")) and os.path.isfile(filepath):
        return legacy_h5.load_model(filepath, custom_objects, compile, safe_mode)
    with keras_archive.Archive(filepath) as archive:
        config = archive.config
        if not archive.written_by_kerasish:
            config = keras_compat.adapt_keras_config(config)
        with SafeModeScope(safe_mode), CustomObjectScope(custom_objects or {}):
            model = _model_from_config(config, custom_objects, archive.name)
            compile_config = config.get("compile_config")
            if compile and compile_config:
                compile_from_config(model, compile_config, archive.name)
        store = archive.weights()
        try:
            unbuilt = [
                layer
                for _, layer in weights_io.layer_paths(model)
                if layer is not model and not getattr(layer, "built", True)
            ]
            if (
                not getattr(model, "built", True)
                and store.layer_paths()
                and (unbuilt or not weights_io.layer_paths(model)[1:])
            ):
                raise ValueError(
                    f"{archive.name}: model '{model.name}' ({type(model).__name__}) "
                    "cannot be built from the file: its input shape was not recorded "
                    "(`build_config` is empty). Rebuild it yourself: create the model, "
                    "call it on a batch of data, then `model.load_weights(path)`."
                )
            weights_io.assign_weights(model, store, source=archive.name)
            if archive.has_assets():
                _load_assets(model, archive)
            if compile and compile_config and getattr(model, "optimizer", None):
                order = "kerasish" if archive.legacy_npz else "keras"
                weights_io.restore_optimizer(
                    model, store, source=archive.name, order=order
                )
        finally:
            close = getattr(store, "close", None)
            if close is not None:
                close()
    return model


def _load_assets(model, archive):
    """Calls `load_assets(dir_path)` on every saveable that defines it, with a
    directory holding what its `save_assets` wrote."""
    for path, obj in weights_io.layer_paths(model):
        if not hasattr(obj, "load_assets"):
            continue
        directory = tempfile.mkdtemp(prefix="kerasish-assets-")
        try:
            archive.extract_assets(path, directory)
            obj.load_assets(directory)
        except ValueError as error:
            if archive.name in str(error):
                raise
            raise ValueError(
                f"{archive.name}: the assets of '{path}' cannot be loaded: {error}"
            ) from error
        except (OSError, UnicodeDecodeError, TypeError, KeyError) as error:
            raise ValueError(
                f"{archive.name}: the assets of '{path}' cannot be loaded "
                f"({type(error).__name__}: {error})."
            ) from error
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def _model_from_config(config, custom_objects, name):
    entry = {
        k: config[k]
        for k in ("module", "class_name", "config", "registered_name")
        if k in config
    }
    try:
        model = deserialize_keras_object(
            entry, kind="models", custom_objects=custom_objects
        )
        build_config = config.get("build_config")
        if not getattr(model, "built", True) and isinstance(build_config, dict):
            model.build_from_config(build_config)
    except ImportError:
        raise
    except (KeyError, IndexError, AttributeError) as error:
        raise ValueError(
            f"{name}: the model config is malformed ({type(error).__name__}: "
            f"{error}); the file is corrupt or was not written by Keras/kerasish."
        ) from error
    except ValueError as error:
        if name in str(error):
            raise
        raise ValueError(
            f"{name}: the model cannot be rebuilt from its config: {error}"
        ) from error
    except Exception as error:  # anything a constructor raises on forged args
        if getattr(error, "unknown_object", False):  # a class it cannot locate
            raise UnknownObjectError(f"{name}: {error}") from error
        raise ValueError(
            f"{name}: the model cannot be rebuilt from its config "
            f"({type(error).__name__}: {error}). The file is corrupt, or uses "
            "classes or arguments this program does not have."
        ) from error
    return model


def _deserialize_nested(value, kind, custom_objects):
    if isinstance(value, dict) and "class_name" in value:
        return deserialize_keras_object(value, kind=kind, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {
            k: _deserialize_nested(v, kind, custom_objects) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_deserialize_nested(v, kind, custom_objects) for v in value]
    return value


def compile_arguments(compile_config):
    """`compile()`'s keyword arguments from a saved compile config (the
    built-in `Model.compile_from_config`)."""
    optimizer = compile_config.get("optimizer")
    if isinstance(optimizer, dict):
        optimizer = optimizers.deserialize(optimizer)
    jit_compile = compile_config.get("jit_compile", "auto")
    return {
        "optimizer": optimizer or "rmsprop",
        "loss": _deserialize_nested(compile_config.get("loss"), "losses", None),
        "loss_weights": compile_config.get("loss_weights"),
        "metrics": _deserialize_nested(compile_config.get("metrics"), "metrics", None),
        "weighted_metrics": _deserialize_nested(
            compile_config.get("weighted_metrics"), "metrics", None
        ),
        "run_eagerly": bool(compile_config.get("run_eagerly", False)),
        "steps_per_execution": _steps_per_execution(compile_config),
        "jit_compile": "auto" if jit_compile is None else jit_compile,
    }


def compile_from_config(model, compile_config, name):
    """`model.compile_from_config(compile_config)` for a loaded model (a
    user's override included), which a forged or stale config cannot stop: the
    model is then returned uncompiled, with a warning."""
    try:
        model.compile_from_config(compile_config)
    except Exception as error:
        warnings.warn(
            f"{name}: could not compile the loaded model with its saved compile "
            f"arguments ({type(error).__name__}: {error}). The model is returned "
            "uncompiled; call `model.compile(...)` yourself.",
            stacklevel=3,
        )


# -- weights only ----------------------------------------------------------------


def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """Saves the weights of `model` to `filepath`, which must end in `.weights.h5`
    (Keras 3's layout) or `.weights.npz` (kerasish's earlier format).

    The arrays are keyed by layer structure (`layers/dense/vars/0`, ...), not by
    layer names, so any model of the same architecture can load them.
    """
    if kwargs:
        # Keras forwards e.g. `objects_to_skip` to its saving library.
        raise ValueError(
            f"save_weights: keyword argument(s) {sorted(kwargs)} are not supported "
            "by kerasish."
        )
    filepath = os.fspath(filepath)
    if max_shard_size is not None:
        raise ValueError(
            "save_weights: `max_shard_size` (sharded `.weights.json` files) is not "
            "supported by kerasish; save one `.weights.h5` file."
        )
    if not str(filepath).endswith((".weights.h5", WEIGHTS_SUFFIX)):
        raise ValueError(
            f"The filename must end in `.weights.h5`. Received: filepath={filepath}"
        )
    if not getattr(model, "built", False):
        raise ValueError(
            "You are saving a model that has not yet been built. Try building the "
            "model first by calling it on some data or by using `build()`. "
            f"(Model '{model.name}'.)"
        )
    if str(filepath).endswith(WEIGHTS_SUFFIX):
        arrays = weights_io.collect_weights(model, include_optimizer=False)
        with atomic_write(filepath, overwrite=overwrite) as f:
            weights_io.write_npz(f, arrays)
        return
    writer = h5_io.H5Writer()
    weights_io.save_state(model, writer, include_optimizer=True)
    data = writer.getvalue()
    with atomic_write(filepath, overwrite=overwrite) as f:
        f.write(data)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights into `model` from a `.weights.npz`, a Keras `.weights.h5` or a
    `.keras` file, matching layers by structure, or from an orbax checkpoint
    directory (`OrbaxCheckpoint`; weights and optimizer state, exactly).

    Args:
        model: A built model of the architecture that was saved.
        filepath: The weights file.
        skip_mismatch: If True, layers whose weights do not match are skipped
            (with a warning) instead of raising a ValueError.
        by_name: For a legacy `.h5` file (Keras 2's `save_weights`, or a
            `model.save("m.h5")` file): match layers by name, not position.
    """
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise TypeError(
            f"load_weights() got unexpected keyword arguments {sorted(kwargs)}."
        )
    filepath = os.fspath(filepath)
    legacy = str(filepath).endswith((".h5", ".hdf5")) and not str(filepath).endswith(
        ".weights.h5"
    )
    if by_name is not None and not legacy:
        raise ValueError(
            "`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
            f"Received: {filepath}"
        )
    if not getattr(model, "built", False):
        raise ValueError(
            f"Model '{model.name}' is not built; build it (call it on data or "
            "`model.build(input_shape)`) before loading weights into it."
        )
    from kerasish.saving import orbax_io

    if orbax_io.is_orbax_checkpoint(filepath):
        orbax_io.load_weights(model, filepath)
        return
    if str(filepath).endswith(".keras"):
        with keras_archive.Archive(filepath) as archive:
            store = archive.weights()
            try:
                weights_io.assign_weights(model, store, skip_mismatch, archive.name)
            finally:
                store.close() if hasattr(store, "close") else None
        return
    if not str(filepath).endswith((WEIGHTS_SUFFIX, ".weights.h5", ".h5", ".hdf5")):
        raise ValueError(
            "load_weights: the filename must end in `.weights.npz` (kerasish), "
            f"`.weights.h5` (Keras 3) or `.keras`. Received: filepath={filepath!r}."
        )
    if legacy and os.path.isfile(filepath):
        reader = legacy_h5.open_h5(filepath)
        with reader.file:
            if legacy_h5.is_legacy_file(reader.file):
                legacy_h5.load_weights(model, reader, skip_mismatch, bool(by_name))
                return
    store = weights_io.read_weights_file(filepath)
    try:
        weights_io.assign_weights(model, store, skip_mismatch, repr(filepath))
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and getattr(optimizer, "built", False):
            weights_io.restore_optimizer(model, store, source=repr(filepath))
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()


def _steps_per_execution(compile_config):
    """A file's `steps_per_execution`: Keras's default, 1, loads as "auto" (the
    same results; kerasish's default)."""
    value = compile_config.get("steps_per_execution") or 1
    return "auto" if value == 1 else value
