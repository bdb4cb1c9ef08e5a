"""Weights by layer structure, in Keras 3's path layout, stored as npz or h5.

Every layer of a model gets a path the way Keras 3 names it in `model.weights.h5`:
a Sequential's or Functional's layers live in the container `layers`, each named
by its class in snake case made unique in order (`layers/dense`, `layers/dense_1`;
a Functional lists its layers in Keras's depth order); other sub-layers are
reached through their attribute names as Keras's `_walk_saveable` visits them:
`dir(layer)` sorted with private names last, minus every layer's own attributes
(so MultiHeadAttention's `_query_dense` is saved under its property name
`query_dense`); lists and dicts of layers become containers. The optimizer is
`optimizer`, its state in Keras's variable order (see `optimizer_layout`).
Each saveable's `save_own_variables(store)` writes `<path>/vars/0`, `1`, ...
(a layer's own variables, trainable then non-trainable, by default) and
`load_own_variables(store)` reads them back. Names are independent of the
auto-generated layer names, so a model built twice maps onto the same keys.

kerasish additionally stores each layer's random-seed states as `<path>/seeds/i`
so that a resumed training draws the same dropout masks; files without them
(Keras's) keep fresh seeds.

Readers never unpickle: npz members are parsed header first, refused when their
dtype holds Python objects or when the declared shape does not match the bytes
the archive holds, before any array is allocated.
"""

import math
import os
import warnings
import zipfile

import numpy as np

# A compressed zip member may inflate to at most this many times its stored size
# (plus a small allowance); beyond that it is treated as a decompression bomb.
_MAX_COMPRESSION_RATIO = 1024
_SMALL_ALLOWANCE = 1 << 20


# -- walking a model -----------------------------------------------------------


def _name_key(name):
    # Keras visits private attributes last.
    return f"~{name}" if name.startswith("_") else name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _join(path, name):
    return f"{path}/{name}" if path else name


_SKIP = None


def _base_attributes():
    """Attributes every layer/model has: not sub-layers to walk."""
    global _SKIP
    if _SKIP is None:
        from kerasish.layers.layer import Layer
        from kerasish.trainers.trainer import Trainer

        probe = Layer(name="_kerasish_saving_probe")
        trainer = Trainer.__new__(Trainer)
        Trainer.__init__(trainer)
        _SKIP = (
            set(dir(probe))
            # The trainer's methods and properties (metrics, ...) hold no
            # layers; the optimizer is walked explicitly.
            | set(dir(Trainer))
            | set(vars(trainer))
            | {"_functional", "_nodes", "optimizer", "_compile_loss"}
        )
    return _SKIP


def keras_layer_order(model):
    """The model's layers in the order Keras 3 lists them (`model.layers`).

    For a Functional model that is by depth from the inputs, ties broken by the
    order a depth-first walk from the outputs first meets them; InputLayers are
    included. A Sequential lists its layers without the InputLayer.
    """
    from kerasish.models.functional import Functional
    from kerasish.models.sequential import Sequential

    if isinstance(model, Sequential):
        return list(model.layers)
    if not isinstance(model, Functional):
        return list(model.layers)
    outputs = list(model._flat_outputs)
    input_ids = {id(t) for t in model._flat_inputs}
    finished, order, index = set(), [], {}

    def visit(tensor):
        op, node_index, _ = tensor._keras_history
        node = op._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))
            return
        index.setdefault(id(op), (len(index), op))
        if not node.is_input:
            for parent in node.input_tensors:
                visit(parent)
        finished.add(id(node))
        order.append(node)

    for out in outputs:
        visit(out)
    in_graph = {id(n) for n in order}
    node_depth, op_depth = {}, {}
    for node in reversed(order):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in model._flat_inputs:
        op = t._keras_history.operation
        if id(op) not in op_depth:
            op_depth[id(op)] = 0
            index[id(op)] = (-1, op)
    ops = sorted(
        (op for _, op in index.values()),
        key=lambda op: (-op_depth[id(op)], index[id(op)][0]),
    )
    # Layers of the model that are not reachable from its outputs come last.
    seen = {id(op) for op in ops}
    return ops + [layer for layer in model._layers if id(layer) not in seen]


def _is_saveable(value):
    from kerasish.layers.layer import Layer
    from kerasish.optimizers.optimizer import Optimizer

    return isinstance(value, Layer | Optimizer)


def _children(obj):
    """`(attribute name, value)` pairs Keras's `_walk_saveable` visits, in order:
    a Sequential's or Functional's `layers` first, then `dir(obj)` sorted with
    private names last, minus the attributes every layer has."""
    from kerasish.models.functional import Functional
    from kerasish.models.sequential import Sequential
    from kerasish.optimizers.optimizer import Optimizer

    if isinstance(obj, Optimizer):
        return
    if isinstance(obj, Sequential | Functional):
        yield "layers", keras_layer_order(obj)
    skip = _base_attributes()
    for name in sorted(dir(obj), key=_name_key):
        if name.startswith("__") or name in skip:
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # a property that cannot be computed: not state
            continue
        yield name, value


def _has_state(layer):
    try:
        return bool(layer.variables)
    except Exception:  # an unbuilt or unusual layer: keep it
        return True


def saveables(model, include_optimizer=True):
    """Returns `[(path, saveable), ...]`: the model, every nested layer and the
    optimizer, with the paths Keras 3's `saving_lib` gives them."""
    visited = set()
    entries = []

    def walk(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        entries.append((path, obj))
        for name, value in _children(obj):
            if _is_saveable(value):
                walk(value, _join(path, name))
            elif isinstance(value, list | tuple | dict):
                container(value, _join(path, name), set())
        # kerasish's extra: tracked sub-layers no attribute reaches (Keras would
        # drop their weights) are saved under `_layers`.
        leftovers = [
            x
            for x in getattr(obj, "_layers", ())
            if id(x) not in visited and _has_state(x)
        ]
        if leftovers:
            container(leftovers, _join(path, "_layers"), set())

    def container(items, path, seen):
        if id(items) in seen:
            return
        seen.add(id(items))
        items = list(items.values()) if isinstance(items, dict) else list(items)
        used = {}
        for item in items:
            if _is_saveable(item):
                from kerasish.utils.naming import to_snake_case

                name = _unique(to_snake_case(type(item).__name__), used)
                walk(item, _join(path, name))
            elif isinstance(item, list | tuple | dict):
                container(item, _join(path, _unique("container", used)), seen)

    walk(model, "")
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and _is_saveable(optimizer):
        walk(optimizer, "optimizer")
    return entries


def layer_paths(model):
    """Returns `[(path, layer), ...]` for the model and every nested layer."""
    return [(p, x) for p, x in saveables(model, include_optimizer=False)]


def _own_variables(layer):
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def _own_seeds(layer):
    return [g.state for g in layer._seed_generators]


def _hook_overridden(obj, name):
    """Whether user code overrides hook `name`: kerasish's own layers (Layer's
    default, Dense's kernel-and-bias layout) go through the checked path."""
    method = getattr(type(obj), name, None)
    module = getattr(method, "__module__", None) or ""
    return method is not None and not module.startswith("kerasish.")


class DictWriter:
    """Collects `{key: array}` (for `.weights.npz`) through the store interface."""

    def __init__(self):
        self.arrays = {}

    def make(self, path, name=None):
        writer = self

        class _Store(dict):
            def __setitem__(self, key, value):
                array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
                writer.arrays[_join(path, f"vars/{key}")] = array
                super().__setitem__(key, array)

        return _Store()

    def write_seeds(self, path, arrays):
        for i, array in enumerate(arrays):
            writer_key = _join(path, f"seeds/{i}")
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
    from kerasish.optimizers.optimizer import Optimizer
    from kerasish.saving import optimizer_layout

    covered = set()
    for path, obj in saveables(model, include_optimizer=include_optimizer):
        name = obj.name if isinstance(getattr(obj, "name", None), str) else None
        if isinstance(obj, Optimizer):
            if not obj.built:
                continue
            store = writer.make(path, name)
            for i, array in enumerate(optimizer_layout.to_keras(obj)):
                store[str(i)] = array
            continue
        store = writer.make(path, name)
        obj.save_own_variables(store)
        covered.update(id(v) for v in _own_variables(obj))
        seeds = _own_seeds(obj)
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
        _hook_overridden(layer, "save_own_variables") for _, layer in layer_paths(model)
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
        own = _own_variables(layer)
        label = f"Layer '{layer.name}' ({type(layer).__name__}) at path '{path or '/'}'"
        if _hook_overridden(layer, "load_own_variables"):
            used_paths.add(path)
            hooks.append((layer, path, label))
            continue
        saved = store.vars(path)
        seeds, mine = store.seeds(path), _own_seeds(layer)
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
    extra = [p for p in store.layer_paths() if p not in used_paths]
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


def restore_optimizer(model, store, source="the file", order="keras"):
    """Restores the optimizer state saved under `optimizer/vars/*`, if any.

    `order` is "keras" (Keras 3's variable order, what `.keras` files hold) or
    "kerasish" (the raw state order of kerasish's earlier npz files).
    """
    from kerasish.saving import optimizer_layout

    arrays = store.vars("optimizer")
    optimizer = getattr(model, "optimizer", None)
    if not arrays or optimizer is None:
        return False
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
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
            stacklevel=3,
        )
        return False
    return True


# -- stores ----------------------------------------------------------------------


class NpzStore:
    """`{key: array}` read from an npz file, grouped by layer path."""

    def __init__(self, arrays):
        self.arrays = arrays
        self._groups = {}
        self._entries = {}
        for key in arrays:
            head, _, index = key.rpartition("/")
            path, _, kind = head.rpartition("/")
            if kind == "vars":
                self._entries.setdefault(path, {})[index] = arrays[key]
            if kind in ("vars", "seeds") and index.isdigit():
                self._groups.setdefault((path, kind), {})[int(index)] = key

    def entry(self, path):
        return dict(self._entries.get(path, {}))

    def _get(self, path, kind):
        group = self._groups.get((path, kind))
        if group is None:
            return None
        return [self.arrays[group[i]] for i in sorted(group)]

    def vars(self, path):
        return self._get(path, "vars")

    def seeds(self, path):
        return self._get(path, "seeds")

    def layer_paths(self):
        return [p for (p, kind) in self._groups if kind == "vars" and p != "optimizer"]


# -- npz files, read safely ------------------------------------------------------


def check_member_name(member, archive_name):
    """Refuses zip member names that are absolute or climb out with `..`."""
    name = member.replace("\\", "/")
    parts = name.split("/")
    if (
        name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
        or "\x00" in name
    ):
        raise ValueError(
            f"{archive_name}: refusing the archive member {member!r}: member names "
            "must be relative paths without '..'. The file may be malicious."
        )


def check_member_size(info, archive_name, archive_size=None):
    """Checks a member's declared sizes before anything is read or allocated."""
    if (
        info.compress_type == zipfile.ZIP_STORED
        and info.file_size != info.compress_size
    ):
        raise ValueError(
            f"{archive_name}: member {info.filename!r} is stored uncompressed but "
            f"declares {info.file_size} bytes with {info.compress_size} stored; the "
            "file is corrupt."
        )
    if info.file_size > info.compress_size * _MAX_COMPRESSION_RATIO + _SMALL_ALLOWANCE:
        raise ValueError(
            f"{archive_name}: member {info.filename!r} declares {info.file_size} "
            f"bytes from {info.compress_size} compressed bytes; refusing a likely "
            "decompression bomb."
        )
    if (
        archive_size is not None
        and info.header_offset + info.compress_size > archive_size
    ):
        raise ValueError(
            f"{archive_name}: member {info.filename!r} extends past the end of the "
            f"file ({archive_size} bytes); the file is truncated."
        )


def write_npz(fileobj, arrays):
    """Writes `{key: array}` as an uncompressed npz (numeric arrays only)."""
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, array in arrays.items():
            array = np.asarray(array)
            if array.dtype.hasobject:
                raise TypeError(f"Cannot save {key!r}: arrays of Python objects.")
            with zf.open(f"{key}.npy", "w", force_zip64=array.nbytes > 2**30) as f:
                np.lib.format.write_array(f, array, allow_pickle=False)


def read_npz(fileobj, name, size=None):
    """Reads an npz written by `write_npz` (or numpy), refusing anything unsafe.

    Args:
        fileobj: A seekable binary file object.
        name: How to name the file in errors.
        size: The file's size in bytes, if known (checks members against it).

    Returns:
        `{key: numpy array}`.
    """
    try:
        zf = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ValueError(
            f"{name}: not a valid npz weights file ({error}). It is truncated, "
            "corrupt, or not a weights file."
        ) from error
    arrays = {}
    with zf:
        for info in zf.infolist():
            check_member_name(info.filename, name)
            if info.is_dir():
                continue
            if not info.filename.endswith(".npy"):
                raise ValueError(
                    f"{name}: unexpected member {info.filename!r}; an npz weights "
                    "file holds only '.npy' arrays."
                )
            key = info.filename[: -len(".npy")]
            if key in arrays:
                raise ValueError(f"{name}: the member {info.filename!r} appears twice.")
            check_member_size(info, name, size)
            arrays[key] = _read_npy_member(zf, info, name)
    return arrays


def _read_npy_member(zf, info, name):
    label = f"{name}: array {info.filename!r}"
    try:
        with zf.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"unsupported .npy format version {version}")
            except ValueError as error:
                raise ValueError(f"{label} has an invalid header ({error}).") from error
            if dtype.hasobject:
                raise ValueError(
                    f"{label} holds Python objects (dtype {dtype}); loading it would "
                    "need pickle, which is refused. Only numeric arrays are loaded."
                )
            if any(d < 0 for d in shape):
                raise ValueError(f"{label} declares a negative shape {shape}.")
            nbytes = math.prod(shape) * dtype.itemsize
            header = f.tell()
            if header + nbytes != info.file_size:
                raise ValueError(
                    f"{label} declares shape {tuple(shape)} of {dtype} ({nbytes} "
                    f"bytes), but the archive holds {info.file_size - header} bytes "
                    "for it; the file is truncated or forged."
                )
            data = f.read(nbytes)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(
            f"{label} cannot be read ({error}); the file is corrupt or truncated."
        ) from error
    except Exception as error:  # zlib.error and friends from a corrupt stream
        if isinstance(error, ValueError):
            raise
        raise ValueError(
            f"{label} cannot be read ({type(error).__name__}: {error}); the file is "
            "corrupt."
        ) from error
    if len(data) != nbytes:
        raise ValueError(f"{label} is truncated ({len(data)} of {nbytes} bytes).")
    array = np.frombuffer(data, dtype=dtype)
    if fortran:
        return array.reshape(shape[::-1]).transpose().copy()
    return array.reshape(shape).copy()


def read_weights_file(filepath):
    """Opens a standalone weights file (`.weights.npz` or Keras's `.weights.h5`)."""
    filepath = os.fspath(filepath)
    if not os.path.isfile(filepath):
        raise ValueError(
            f"File not found: filepath={filepath!r}. Please ensure the file is an "
            "accessible weights file ('.weights.npz', or Keras's '.weights.h5')."
        )
    if filepath.endswith(".h5") or filepath.endswith(".hdf5"):
        from kerasish.saving import h5_io

        return h5_io.open_weights_file(filepath)
    size = os.path.getsize(filepath)
    with open(filepath, "rb") as f:
        return NpzStore(read_npz(f, repr(filepath), size))
