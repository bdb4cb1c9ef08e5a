"""Orbax checkpoints of a model: what `OrbaxCheckpoint` writes and what
`model.load_weights(directory)` / `kerasish.saving.load_model(directory)` read.

A checkpoint directory holds one sub-directory per step (orbax's
`CheckpointManager` layout). Each step holds the item `pytree`:

```
{"trainable_variables": [...], "non_trainable_variables": [...],
 "optimizer_variables": [...]}    # optimizer: `optimizer.variables`, Keras's order
```

(numpy arrays in the model's variable order, saved with their dtypes, so a
restore is bitwise) and, unless weights only, the item `model_config`: the
model's `config.json` content (architecture, build and compile config).

orbax-checkpoint is optional (`pip install "kerasish[orbax]"`) and imported only
here, when a checkpoint is written or read.
"""

import os

import numpy as np

PYTREE = "pytree"
MODEL_CONFIG = "model_config"


def import_orbax():
    """`orbax.checkpoint`, or an ImportError naming the extra."""
    try:
        import orbax.checkpoint as ocp
    except ImportError as error:
        raise ImportError(
            "Orbax checkpoints need the `orbax-checkpoint` package. Install it "
            'with `pip install "kerasish[orbax]"`.'
        ) from error
    return ocp


def is_orbax_checkpoint(path):
    """Whether `path` is a directory of orbax steps (or one step)."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        return False
    names = os.listdir(path)
    if PYTREE in names or "_CHECKPOINT_METADATA" in names:
        return True
    return any(
        name.isdigit() and os.path.isdir(os.path.join(path, name)) for name in names
    )


def manager(directory, max_to_keep=None, background=False, read_only=False):
    """An orbax `CheckpointManager` over `directory`."""
    ocp = import_orbax()
    options = ocp.CheckpointManagerOptions(
        max_to_keep=max_to_keep,
        enable_async_checkpointing=background,
        create=not read_only,
    )
    return ocp.CheckpointManager(
        os.path.abspath(os.fspath(directory)),
        options=options,
        item_names=(PYTREE, MODEL_CONFIG),
    )


def state_tree(model, weights_only=False):
    """The model's state as numpy arrays (see the module docstring)."""
    tree = {
        "trainable_variables": [np.array(v.value) for v in model.trainable_variables],
        "non_trainable_variables": [
            np.array(v.value) for v in model.non_trainable_variables
        ],
    }
    optimizer = getattr(model, "optimizer", None)
    if not weights_only and optimizer is not None and optimizer.built:
        tree["optimizer_variables"] = [np.array(v.value) for v in optimizer.variables]
    return tree


def save(checkpoints, step, model, weights_only=False):
    """Writes `model`'s state (and config) as step `step` of `checkpoints`."""
    ocp = import_orbax()
    items = {PYTREE: ocp.args.StandardSave(state_tree(model, weights_only))}
    if not weights_only:
        from kerasish.saving.saving_api import model_to_config

        items[MODEL_CONFIG] = ocp.args.JsonSave(model_to_config(model))
    checkpoints.save(int(step), args=ocp.args.Composite(**items))


def _step_and_root(path):
    """`(root directory, step)` for a checkpoint root (latest step) or a step."""
    path = os.path.abspath(os.fspath(path))
    name = os.path.basename(path)
    if name.isdigit() and os.path.isdir(os.path.join(path, PYTREE)):
        return os.path.dirname(path), int(name)
    checkpoints = manager(path, read_only=True)
    step = checkpoints.latest_step()
    if step is None or not os.path.isdir(os.path.join(path, str(step), PYTREE)):
        raise ValueError(
            f"No orbax checkpoint found in {path!r}: it has no complete step "
            "directory. Point to the directory `OrbaxCheckpoint` wrote to."
        )
    return path, step


def _restore_items(path, names, target=None):
    ocp = import_orbax()
    root, step = _step_and_root(path)
    checkpoints = manager(root, read_only=True)
    args = {}
    for name in names:
        if name == PYTREE:
            args[name] = ocp.args.StandardRestore(target)
        else:
            args[name] = ocp.args.JsonRestore()
    return checkpoints.restore(step, args=ocp.args.Composite(**args))


def load_weights(model, path):
    """Restores weights (and the optimizer state, when saved and the model has
    an optimizer) from an orbax checkpoint, exactly."""
    saved = _restore_items(path, [PYTREE])[PYTREE]
    _assign(model, saved, path)


def _assign(model, saved, path):
    for key, variables in (
        ("trainable_variables", model.trainable_variables),
        ("non_trainable_variables", model.non_trainable_variables),
    ):
        arrays = list(saved.get(key) or [])
        if len(arrays) != len(variables):
            raise ValueError(
                f"The orbax checkpoint {os.fspath(path)!r} holds {len(arrays)} "
                f"{key.replace('_', ' ')}, model '{model.name}' has "
                f"{len(variables)}. Restore into the architecture that was saved."
            )
        for variable, array in zip(variables, arrays):
            array = np.asarray(array)
            if tuple(array.shape) != tuple(variable.shape):
                raise ValueError(
                    f"The orbax checkpoint {os.fspath(path)!r} holds shape "
                    f"{tuple(array.shape)} for '{variable.path}', which has shape "
                    f"{tuple(variable.shape)}."
                )
            variable.assign(array)
    arrays = saved.get("optimizer_variables")
    optimizer = getattr(model, "optimizer", None)
    if arrays is not None and optimizer is not None:
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        optimizer.set_state_from_variables([np.asarray(a) for a in arrays])


def load_model(path, custom_objects=None, compile=True, safe_mode=True):
    """Rebuilds the model from the checkpoint's config, then restores its state."""
    from kerasish.saving import saving_api
    from kerasish.serialization import CustomObjectScope, SafeModeScope

    root, step = _step_and_root(path)
    if not os.path.isdir(os.path.join(root, str(step), MODEL_CONFIG)):
        raise ValueError(
            f"The orbax checkpoint {os.fspath(path)!r} has no model config (it was "
            "saved with `save_weights_only=True`). Build the model yourself and "
            "call `model.load_weights(directory)`."
        )
    config = _restore_items(path, [MODEL_CONFIG])[MODEL_CONFIG]
    name = repr(os.fspath(path))
    with SafeModeScope(safe_mode), CustomObjectScope(custom_objects or {}):
        model = saving_api._model_from_config(config, custom_objects, name)
        compile_config = config.get("compile_config")
        if compile and compile_config:
            saving_api.compile_from_config(model, compile_config, name)
    saved = _restore_items(path, [PYTREE])[PYTREE]
    if not (compile and compile_config):
        saved = {k: v for k, v in saved.items() if k != "optimizer_variables"}
    _assign(model, saved, path)
    return model
