"""`KerasFileEditor`: inspect, edit and resave Keras weights files.

The file is read with the same audited reader as `load_weights` (no links, no
external storage, bounded sizes). Its weights become a nested dict by path
(`{"layers": {"dense": {"0": kernel, "1": bias}}}`), which the methods edit;
`save` writes a `.weights.h5` in Keras's layout.
"""

import os

import numpy as np

from kerasish.saving import h5_io, keras_archive, weights_io
from kerasish.saving.file_io import atomic_write


class KerasFileEditor:
    """Utility to inspect, edit, and resave Keras weights files.

    Args:
        filepath: A `.keras` or `.weights.h5` file.

    Example:
    >>> editor = KerasFileEditor("my_model.weights.h5")  # doctest: +SKIP
    >>> editor.delete_object("layers/dense_2")  # doctest: +SKIP
    >>> editor.add_object("layers/dense_3", {"0": k, "1": b})  # doctest: +SKIP
    >>> editor.resave_weights("edited_model.weights.h5")  # doctest: +SKIP
    """

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        self.metadata = None
        self.config = None
        if self.filepath.endswith(".keras"):
            with keras_archive.Archive(self.filepath) as archive:
                self.config = archive.config
                self.metadata = archive.metadata
                store = archive.weights()
                try:
                    self.weights_dict, self.object_metadata = _extract(store)
                finally:
                    getattr(store, "close", lambda: None)()
        elif self.filepath.endswith(".weights.h5"):
            if not os.path.isfile(self.filepath):
                raise ValueError(f"File not found: filepath={self.filepath}")
            store = h5_io.open_weights_file(self.filepath)
            try:
                self.weights_dict, self.object_metadata = _extract(store)
            finally:
                store.close()
        else:
            raise ValueError(
                "Invalid filename: expected a `.keras` `.weights.h5` extension. "
                f"Received: filepath={self.filepath}"
            )
        # As Keras, the file and (for a `.keras` file) what saved it.
        print(f"Keras model file '{self.filepath}'")
        if self.metadata is not None:
            print(
                f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                f"{self.metadata.get('date_saved')}"
            )

    # -- inspecting --------------------------------------------------------------
    def summary(self):
        """Prints the weight structure of the opened file, as Keras's tree."""
        print("Weights structure")
        for line in _tree_lines(self.weights_dict, prefix="  ", first=[True]):
            print(line)

    def weights_summary(self):
        """Prints the weight structure (Keras's name for `summary`)."""
        self.summary()

    def compare(self, reference_model):
        """Compares the opened file with `reference_model`; prints the mismatches.

        Returns:
            Dict with `'status'` (`'success'` or `'error'`), `'error_count'`
            and `'match_count'`.
        """
        reference = {}
        for path, obj in weights_io.saveables(reference_model):
            if path == "optimizer" or not hasattr(obj, "save_own_variables"):
                continue
            store = {}
            obj.save_own_variables(store)
            if store:
                reference[path] = {k: np.shape(v) for k, v in store.items()}
        mine = {
            path: {k: np.shape(v) for k, v in weights}
            for path, weights in _flatten(self.weights_dict)
            if path != "optimizer"
        }
        errors, matches = 0, 0
        for path in sorted(set(reference) | set(mine)):
            if path not in mine:
                print(f"Object '{path}' is missing from the file.")
                errors += 1
            elif path not in reference:
                print(f"Object '{path}' is in the file but not in the model.")
                errors += 1
            elif mine[path] != reference[path]:
                print(
                    f"Object '{path}': the file has {mine[path]}, the model "
                    f"expects {reference[path]}."
                )
                errors += 1
            else:
                matches += len(mine[path])
        status = "success" if errors == 0 else "error"
        print(f"Comparison: {status}, {errors} error(s), {matches} match(es).")
        return {"status": status, "error_count": errors, "match_count": matches}

    # -- editing -----------------------------------------------------------------
    def _locate(self, source_name):
        """`(parent dict, key)` of an object given by path or unique name."""
        if "/" in source_name:
            parts = source_name.split("/")
            node = self.weights_dict
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    raise ValueError(f"Path '{source_name}' not found in model.")
                node = node[part]
            if parts[-1] not in node:
                raise ValueError(f"Path '{source_name}' not found in model.")
            return node, parts[-1]
        found = []

        def visit(node):
            for value in node.values():
                if isinstance(value, dict):
                    visit(value)
            if source_name in node:
                found.append(node)

        visit(self.weights_dict)
        if len(found) > 1:
            raise ValueError(
                f"Name '{source_name}' occurs more than once in the model; try "
                "passing a complete path"
            )
        if not found:
            raise ValueError(
                f"Source name '{source_name}' does not appear in the model. Use "
                "`editor.weights_summary()` to list all objects."
            )
        return found[0], source_name

    def rename_object(self, object_name, new_name):
        """Renames an object (e.g. a layer), given by name or path."""
        if "/" in new_name:
            raise ValueError(
                "Argument `target_name` should be a leaf name, not a full path "
                f"name. Received: target_name='{new_name}'"
            )
        parent, key = self._locate(object_name)
        parent[new_name] = parent.pop(key)

    def delete_object(self, object_name):
        """Removes an object (e.g. a layer), given by name or path."""
        parent, key = self._locate(object_name)
        parent.pop(key)

    def add_object(self, object_path, weights):
        """Adds an object at `object_path` with `weights` (`{"0": array, ...}`)."""
        weights = _check_weights(weights)
        parts = object_path.split("/")
        node = self.weights_dict
        for part in parts[:-1]:
            if part not in node:
                raise ValueError(f"Path '{'/'.join(parts[:-1])}' not found in model.")
            node = node[part]
        node[parts[-1]] = weights

    def delete_weight(self, object_name, weight_name):
        """Removes weight `weight_name` (e.g. `"0"`) from an object."""
        parent, key = self._locate(object_name)
        if weight_name not in parent[key]:
            raise ValueError(
                f"Weight {weight_name} not found in object {object_name}. Weights "
                f"found: {list(parent[key].keys())}"
            )
        parent[key].pop(weight_name)

    def add_weights(self, object_name, weights):
        """Adds weights (`{"name": array}`) to an existing object."""
        weights = _check_weights(weights)
        parent, key = self._locate(object_name)
        parent[key].update(weights)

    def save(self, filepath):
        """Writes the edited weights to `filepath` (a `.weights.h5` file)."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(
                "Invalid `filepath` argument: expected a `.weights.h5` extension. "
                f"Received: filepath={filepath}"
            )
        writer = h5_io.H5Writer()
        for path, weights in _flatten(self.weights_dict):
            name = self.object_metadata.get(f"/{path}", {}).get("name")
            store = writer.make(path, name)
            for key, value in weights:
                store[key] = value
        data = writer.getvalue()
        with atomic_write(filepath) as f:
            f.write(data)

    def resave_weights(self, filepath):
        """Same as `save`."""
        self.save(filepath)


def _check_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names "
            "(usually '0', '1', etc.) and values are NumPy arrays. "
            f"Received: type(weights)={type(weights)}"
        )
    return {str(k): np.asarray(v) for k, v in weights.items()}


def _extract(store):
    """`(nested weights dict, {path: {"name": ...}})` from a reader."""
    tree, metadata = {}, {}
    if isinstance(store, h5_io.H5Reader):
        paths = sorted(store._vars)
        for path in paths:
            datasets = store._vars[path]
            if not datasets:
                continue
            name = store.file[h5_io._join(path, "vars")].attrs.get("name")
            if name is not None:
                metadata[f"/{path}"] = {"name": str(name)}  # Keras's keys
            _insert(tree, path, {k: store.read(v) for k, v in datasets.items()})
    else:  # an earlier kerasish npz store
        for path in sorted(store._entries):
            _insert(tree, path, dict(store._entries[path]))
    return tree, metadata


def _insert(tree, path, weights):
    node = tree
    for part in [p for p in path.split("/") if p]:
        node = node.setdefault(part, {})
    node.update(weights)


def _tree_lines(tree, prefix, first):
    """Keras's summary tree: `> ` before the very first entry, then `├─ ` /
    `└─ ` (the last of a level), arrays as `key: shape=..., dtype=...`."""
    lines = []
    items = list(tree.items())
    for index, (key, value) in enumerate(items):
        last = index == len(items) - 1
        connector = "> " if first[0] else ("└─ " if last else "├─ ")
        first[0] = False
        if isinstance(value, dict):
            lines.append(f"{prefix}{connector}{key}")
            below = prefix + ("    " if last else "│   ")
            lines.extend(_tree_lines(value, below, first))
        else:
            value = np.asarray(value)
            lines.append(
                f"{prefix}{connector}{key}: shape={value.shape}, dtype={value.dtype}"
            )
    return lines


def _flatten(tree, prefix=""):
    """`[(path, [(key, array), ...]), ...]` for every object holding arrays."""
    out = []
    arrays = [(k, v) for k, v in tree.items() if not isinstance(v, dict)]
    if arrays:
        out.append((prefix, arrays))
    for key, value in tree.items():
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{prefix}/{key}" if prefix else key))
    return out
