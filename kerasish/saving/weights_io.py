"""Weights by layer structure, in Keras 3's path layout, stored as npz or h5.

The paths come from `walk` (Keras's `_walk_saveable` naming: `layers/dense`,
`layers/dense_1`, attribute names for other sub-layers, `optimizer`). Each
saveable's `save_own_variables(store)` writes `<path>/vars/0`, `1`, ... (a layer's
own variables, trainable then non-trainable, by default) and
`load_own_variables(store)` reads them back. The optimizer's state is in Keras's
variable order (see `optimizer_layout`).

kerasish additionally stores each layer's random-seed states as `<path>/seeds/i`
so that a resumed training draws the same dropout masks; files without them
(Keras's) keep fresh seeds.

npz files are read and written by `npz_io` (re-exported here).
"""

import os
import warnings

import numpy as np

from kerasish.optimizers.optimizer import Optimizer
from kerasish.saving import h5_io, optimizer_layout
from kerasish.saving.npz_io import (
    NpzStore,
    check_member_name,
    check_member_size,
    read_npz,
    write_npz,
)
from kerasish.saving.walk import (
    hook_overridden,
    join,
    layer_paths,
    own_seeds,
    own_variables,
    saveables,
)

__all__ = [
    "DictWriter",
    "NpzStore",
    "assign_weights",
    "check_member_name",
    "check_member_size",
    "collect_weights",
    "layer_paths",
    "read_npz",
    "read_weights_file",
    "restore_optimizer",
    "save_state",
    "saveables",
    "write_npz",
]


class DictWriter:
    """Collects `{key: array}` (for `.weights.npz`) through the store interface."""

    def __init__(self):
        self.arrays = {}

    def make(self, path, name=None):
        writer = self

        class _Store(dict):
            def __setitem__(self, key, value):
                array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
                writer.arrays[join(path, f"vars/{key}")] = array
                super().__setitem__(key, array)

        return _Store()

    def write_seeds(self, path, arrays):
        for i, array in enumerate(arrays):
            writer_key = join(path, f"seeds/{i}")
            self.arrays[writer_key] = np.asarray(array.numpy())


def save_state(model, writer, include_optimizer=True, assets=None):
    """Writes every saveable's state the way Keras's `_save_state` does.

    Args:
        model: The model.
        writer: An `h5_io.H5Writer` or a `DictWriter`.
        include_optimizer: Whether to write `optimizer/vars`.
        assets: `None`, or a function `(path, saveable)` called for saveables
            that define `save_assets`.
    """
    covered = set()
    for path, obj in saveables(model, include_optimizer=include_optimizer):
        name = obj.name if isinstance(getattr(obj, "name", None), str) else None
        if isinstance(obj, Optimizer):
            if not obj.built:
                continue
            store = writer.make(path, name)
            for i, array in enumerate(optimizer_layout.to_keras(obj)):
                store[str(i)] = array
            # Keras also writes a wrapper's inner optimizers' own variables:
            # a MultiOptimizer's at `optimizers/<name>`, a LossScaleOptimizer's
            # at `inner_optimizer`.
            for child, inner in getattr(obj, "_saved_children", list)():
                inner_path = join(path, child)
                inner_store = writer.make(inner_path, inner.name)
                for i, array in enumerate(optimizer_layout.to_keras(inner)):
                    inner_store[str(i)] = array
            continue
        store = writer.make(path, name)
        obj.save_own_variables(store)
        covered.update(id(v) for v in own_variables(obj))
        seeds = own_seeds(obj)
        writer.write_seeds(path, seeds)
        covered.update(id(v) for v in seeds)
        if assets is not None and hasattr(obj, "save_assets"):
            assets(path, obj)
    missing = [
        v.path
        for v in model.variables
        if id(v) not in covered and not _hook_overridden_any(model)
    ]
    if missing:
        raise ValueError(
            f"Cannot save model '{model.name}': variables {missing} are not owned by "
            "any layer reachable from the model (through its layers or its "
            "attributes). Assign the layers that own them as attributes of the model."
        )


def _hook_overridden_any(model):
    return any(
        hook_overridden(layer, "save_own_variables") for _, layer in layer_paths(model)
    )


def collect_weights(model, include_optimizer=True):
    """Returns `{key: numpy array}` for every variable of `model` (see module doc)."""
    writer = DictWriter()
    save_state(model, writer, include_optimizer=include_optimizer)
    return writer.arrays


# -- assigning -----------------------------------------------------------------


def assign_weights(
    model, store, skip_mismatch=False, source="the file", optimizer_order="keras"
):
    """Assigns the layer weights in `store` to `model`.

    Every layer is checked before anything is assigned: a mismatch raises a
    ValueError naming the layer, its path and the shapes, unless `skip_mismatch`,
    in which case mismatched layers are skipped with a warning. Layers that
    override `load_own_variables` get the store of their path (dict-like, keys
    "0", "1", ...) once the others have been checked.
    """
    plan, problems, hooks = [], [], []
    used_paths = set()
    for path, layer in layer_paths(model):
        own = own_variables(layer)
        label = f"Layer '{layer.name}' ({type(layer).__name__}) at path '{path or '/'}'"
        if hook_overridden(layer, "load_own_variables"):
            used_paths.add(path)
            hooks.append((layer, path, label))
            continue
        saved = store.vars(path)
        seeds, mine = store.seeds(path), own_seeds(layer)
        # Random-seed states are kerasish's own extra: restored when they fit.
        if seeds is not None and [tuple(v.shape) for v in mine] == [
            tuple(a.shape) for a in seeds
        ]:
            plan.append((mine, seeds))
        if saved is None or (not saved and own):
            if own:
                problems.append(
                    f"{label} has {len(own)} weight(s) but {source} has none for "
                    "this path"
                )
            continue
        used_paths.add(path)
        if len(saved) != len(own):
            problems.append(
                f"{label} expects {len(own)} weight(s) "
                f"({', '.join(_describe(v) for v in own) or 'none'}), but {source} "
                f"has {len(saved)} ({', '.join(str(tuple(a.shape)) for a in saved)})"
            )
            continue
        bad = [
            f"{label}: weight '{v.path}' expects shape {tuple(v.shape)}, {source} "
            f"has shape {tuple(a.shape)}"
            for v, a in zip(own, saved)
            if tuple(v.shape) != tuple(a.shape)
        ]
        bad += [
            f"{label}: weight '{v.path}' has dtype {v.dtype}, {source} has a "
            f"non-numeric array of dtype {a.dtype}"
            for v, a in zip(own, saved)
            if a.dtype.kind not in "biufV"
        ]
        if bad:
            problems.extend(bad)
            continue
        plan.append((own, saved))
    extra = [
        p
        for p in store.layer_paths()
        if p not in used_paths and not _optimizer_state(store.vars(p))
    ]
    if extra:
        problems.append(
            f"{source} has weights for {len(extra)} path(s) the model lacks: "
            f"{', '.join(sorted(extra)[:8])}"
        )
    if problems:
        text = "\n  - ".join(problems[:12])
        more = f"\n  ... and {len(problems) - 12} more" if len(problems) > 12 else ""
        if not skip_mismatch:
            raise ValueError(
                f"The weights in {source} do not match model '{model.name}' "
                f"({type(model).__name__}):\n  - {text}{more}\nThe model's "
                "architecture differs from the one that was saved. Build the same "
                "architecture, or pass `skip_mismatch=True` to load the layers that "
                "match and skip the others."
            )
        warnings.warn(
            f"Skipping mismatched weights while loading {source} into model "
            f"'{model.name}':\n  - {text}{more}",
            stacklevel=3,
        )
    for variables, arrays in plan:
        for v, a in zip(variables, arrays):
            v.assign(a)
    for layer, path, label in hooks:
        try:
            layer.load_own_variables(store.entry(path))
        except Exception as error:  # a user's hook: report it against the file
            if not skip_mismatch:
                raise ValueError(
                    f"{label}: its `load_own_variables` failed on {source} "
                    f"({type(error).__name__}: {error})."
                ) from error
            warnings.warn(f"Skipping {label}: {error}", stacklevel=3)


def _describe(v):
    return f"'{v.path}' {tuple(v.shape)}"


def _optimizer_state(arrays):
    """Whether saved arrays are an optimizer's state (Keras's layout starts
    with `iterations`, an integer scalar, and `learning_rate`, a float one):
    one the model held as an attribute (`self.d_optimizer`), restored by
    `restore_optimizer` when the loaded model has it, not a layer's weights."""
    return (
        arrays is not None
        and len(arrays) >= 2
        and np.ndim(arrays[0]) == 0
        and np.asarray(arrays[0]).dtype.kind in "iu"
        and np.ndim(arrays[1]) == 0
        and np.asarray(arrays[1]).dtype.kind == "f"
    )


def restore_optimizer(model, store, source="the file", order="keras"):
    """Restores the state of the model's optimizers, if saved: `model.optimizer`
    and any optimizer the model holds as an attribute, each at the path Keras's
    walk gives it (`optimizer/vars/*`, or the attribute's name where the walk
    reaches it first, as the saving guide's `self.model_optimizer`). An
    optimizer other than `model.optimizer` that is not built yet is skipped,
    as Keras skips it.

    `order` is "keras" (Keras 3's variable order, what `.keras` files hold) or
    "kerasish" (the raw state order of kerasish's earlier npz files).
    """
    restored = False
    for path, optimizer in saveables(model):
        if not isinstance(optimizer, Optimizer):
            continue
        arrays = store.vars(path)
        if not arrays:
            continue
        if not optimizer.built:
            if optimizer is not getattr(model, "optimizer", None):
                continue
            optimizer.build(model.trainable_variables)
        restored |= restore_optimizer_arrays(optimizer, arrays, source, order)
    return restored


def restore_optimizer_arrays(optimizer, arrays, source, order="keras"):
    """Sets a built optimizer's state from saved arrays; warns and returns
    False (the state stays fresh) when they do not fit."""
    if order == "keras":
        ok = optimizer_layout.from_keras(optimizer, arrays)
    else:
        expected = optimizer.variables
        ok = len(expected) == len(arrays) and all(
            tuple(np.shape(e)) == tuple(a.shape) for e, a in zip(expected, arrays)
        )
        if ok:
            optimizer.set_state_from_variables(arrays)
    if not ok:
        warnings.warn(
            f"Not restoring the optimizer state from {source}: optimizer "
            f"'{optimizer.name}' ({type(optimizer).__name__}) does not have the "
            f"{len(arrays)} state arrays of the file (or their shapes differ). "
            "Training continues with a fresh optimizer state.",
            stacklevel=4,
        )
    return ok


def read_weights_file(filepath):
    """Opens a standalone weights file (`.weights.npz` or Keras's `.weights.h5`)."""
    filepath = os.fspath(filepath)
    if not os.path.isfile(filepath):
        raise ValueError(
            f"File not found: filepath={filepath!r}. Please ensure the file is an "
            "accessible weights file ('.weights.npz', or Keras's '.weights.h5')."
        )
    if filepath.endswith(".h5") or filepath.endswith(".hdf5"):
        return h5_io.open_weights_file(filepath)
    size = os.path.getsize(filepath)
    with open(filepath, "rb") as f:
        return NpzStore(read_npz(f, repr(filepath), size))
