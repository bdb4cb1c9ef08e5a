"""Keras 3's HDF5 weights layout, written and read safely.

Layout (what Keras's `H5IOStore` writes): one group per saveable at its path
(`layers/dense`, `layers/lstm/cell`, `optimizer`, the model itself at the
root), holding a group `vars` whose attribute `name` is the object's name and
whose datasets `"0"`, `"1"`, ... are its variables. kerasish adds each layer's
random-seed states as `<path>/seeds/0, 1, ...`, which Keras ignores.

Reading trusts nothing: before any array is read, every link of the file is
visited once. External links, soft links, datasets with external storage and
virtual datasets are refused (each of them makes HDF5 open other files), as are
non-numeric datasets and datasets that declare far more bytes than the file
stores for them.
"""

import io
import math
import os

import numpy as np

# A dataset may declare at most this many times the bytes the file stores for
# it (plus an allowance for small, chunked arrays): beyond is a "shape bomb".
MAX_EXPANSION = 100
SMALL_ALLOWANCE = 1 << 20
# No dataset larger than this is ever allocated.
MAX_ARRAY_BYTES = 1 << 35
# Files with more links than this are refused (a pathological file could list
# millions of empty groups).
MAX_LINKS = 1 << 20


def import_h5py():
    try:
        import h5py
    except ImportError as error:
        raise ImportError(
            "Reading and writing Keras's `.weights.h5` / `.keras` weights needs "
            "h5py. Install it with `pip install kerasish[h5]` (or `pip install "
            "h5py`)."
        ) from error
    return h5py


def _join(path, name):
    return f"{path}/{name}" if path else name


def _to_numpy(value):
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


# -- writing ---------------------------------------------------------------------


class WriteStore:
    """The dict-like store a `save_own_variables(store)` hook writes into:
    `store["0"] = array` creates the dataset `<path>/vars/0`."""

    def __init__(self, writer, path, name):
        self._writer = writer
        self._path = path
        self._name = name
        self._group = None
        if name is not None:
            self._make()

    def _make(self):
        if self._group is None:
            group = self._writer.file.require_group(_join(self._path, "vars"))
            if self._name is not None:
                group.attrs["name"] = self._name
            self._group = group
        return self._group

    def __setitem__(self, key, value):
        if not isinstance(key, str):
            raise TypeError(
                f"Weight store keys are strings ('0', '1', ...), got {key!r}."
            )
        array = _to_numpy(value)
        if array.dtype.hasobject:
            raise TypeError(
                f"Cannot save {key!r} at '{self._path or '/'}': arrays of Python "
                "objects are not weights. Save strings as assets instead."
            )
        group = self._make()
        if array.dtype.name == "bfloat16":
            dataset = group.create_dataset(key, data=array)
            dataset.attrs["dtype"] = "bfloat16"
        else:
            group[key] = array

    def __getitem__(self, key):
        return np.asarray(self._make()[key])

    def __delitem__(self, key):
        del self._make()[key]

    def __contains__(self, key):
        return self._group is not None and key in self._group

    def keys(self):
        return [] if self._group is None else list(self._group.keys())

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())


class H5Writer:
    """Builds a `.weights.h5` file in memory; `getvalue()` returns its bytes."""

    def __init__(self):
        h5py = import_h5py()
        self._buffer = io.BytesIO()
        self.file = h5py.File(self._buffer, "w")

    def make(self, path, name=None):
        return WriteStore(self, path, name)

    def write_seeds(self, path, arrays):
        if not arrays:
            return
        group = self.file.require_group(_join(path, "seeds"))
        for i, array in enumerate(arrays):
            group[str(i)] = _to_numpy(array)

    def getvalue(self):
        self.file.close()
        return self._buffer.getvalue()


# -- reading ---------------------------------------------------------------------


class ReadStore:
    """The dict-like store a `load_own_variables(store)` hook reads from."""

    def __init__(self, reader, path, datasets):
        self._reader = reader
        self._path = path
        self._datasets = datasets

    def keys(self):
        return list(self._datasets)

    def __iter__(self):
        return iter(self._datasets)

    def __len__(self):
        return len(self._datasets)

    def __contains__(self, key):
        return key in self._datasets

    def __getitem__(self, key):
        if key not in self._datasets:
            raise KeyError(
                f"{self._reader.name}: no weight {key!r} at "
                f"'{_join(self._path, 'vars')}' (it has {sorted(self._datasets)})."
            )
        return self._reader.read(self._datasets[key])

    def items(self):
        return [(k, self[k]) for k in self._datasets]

    def values(self):
        return [self[k] for k in self._datasets]


class H5Reader:
    """An HDF5 weights file opened for reading, audited before use.

    Args:
        source: A path, or a seekable binary file object (an archive member read
            into memory).
        name: How errors name the file.
    """

    def __init__(self, source, name):
        h5py = import_h5py()
        self.name = name
        self._h5py = h5py
        try:
            self.file = h5py.File(source, "r")
        except (OSError, ValueError) as error:
            raise ValueError(
                f"{name}: not a valid HDF5 weights file ({error}); it is corrupt, "
                "truncated, or another kind of file."
            ) from error
        try:
            self._vars, self._seeds = self._audit()
        except BaseException:
            self.file.close()
            raise

    def _refuse(self, where, why):
        raise ValueError(
            f"{self.name}: refusing to load '{where}': {why}. A weights file must "
            "hold its arrays itself; this one would make HDF5 open other files "
            "or allocate memory it does not hold. The file may be malicious."
        )

    def _audit(self):
        h5py = self._h5py
        vars_groups, seeds_groups = {}, {}
        stack = [("", self.file)]
        seen = set()
        links = 0
        while stack:
            path, group = stack.pop()
            try:
                key = hash(group.id)
                if key in seen:
                    continue
                seen.add(key)
                names = list(group)
            except (OSError, KeyError, RuntimeError, ValueError) as error:
                raise ValueError(
                    f"{self.name}: group '/{path}' cannot be read ({error}); the "
                    "file is corrupt."
                ) from error
            datasets = {}
            for child in names:
                links += 1
                if links > MAX_LINKS:
                    raise ValueError(
                        f"{self.name}: more than {MAX_LINKS} objects; refusing "
                        "the file."
                    )
                where = "/" + _join(path, child)
                try:
                    link = group.get(child, getlink=True)
                except (OSError, KeyError, RuntimeError, ValueError) as error:
                    raise ValueError(
                        f"{self.name}: '{where}' cannot be read ({error}); the "
                        "file is corrupt."
                    ) from error
                if isinstance(link, h5py.ExternalLink):
                    self._refuse(
                        where,
                        f"it is an external link to '{link.filename}:{link.path}'",
                    )
                if isinstance(link, h5py.SoftLink):
                    self._refuse(where, f"it is a soft link to '{link.path}'")
                try:
                    obj = group.get(child)
                except (OSError, KeyError, RuntimeError, ValueError) as error:
                    raise ValueError(
                        f"{self.name}: '{where}' cannot be opened ({error}); the "
                        "file is corrupt."
                    ) from error
                if isinstance(obj, h5py.Group):
                    stack.append((_join(path, child), obj))
                elif isinstance(obj, h5py.Dataset):
                    self._check_dataset(obj, where)
                    datasets[child] = obj
            leaf = path.rpartition("/")[2] if path else ""
            parent = path.rpartition("/")[0]
            if leaf == "vars":
                vars_groups[parent] = datasets
            elif leaf == "seeds":
                seeds_groups[parent] = datasets
        return vars_groups, seeds_groups

    def _check_dataset(self, ds, where):
        try:
            external = ds.external
            virtual = ds.is_virtual
            dtype, shape = ds.dtype, ds.shape
        except (OSError, RuntimeError, ValueError, TypeError) as error:
            raise ValueError(
                f"{self.name}: dataset '{where}' cannot be read ({error}); the file "
                "is corrupt."
            ) from error
        if external:
            files = ", ".join(repr(str(e[0])) for e in external)
            self._refuse(where, f"its data lives in external files ({files})")
        if virtual:
            self._refuse(where, "it is a virtual dataset mapping other files")
        if shape is None:
            self._refuse(where, "it is an empty (null) dataspace")
        bfloat16 = dtype.kind == "V" and dtype.itemsize == 2
        if dtype.kind not in "biuf" and not bfloat16:
            raise ValueError(
                f"{self.name}: dataset '{where}' has dtype {dtype}; only numeric "
                "arrays are loaded."
            )
        nbytes = math.prod(shape) * dtype.itemsize
        try:
            stored = ds.id.get_storage_size()
        except (OSError, RuntimeError) as error:
            raise ValueError(
                f"{self.name}: dataset '{where}' cannot be read ({error}); the file "
                "is corrupt."
            ) from error
        if nbytes > MAX_ARRAY_BYTES or nbytes > stored * MAX_EXPANSION + (
            SMALL_ALLOWANCE
        ):
            self._refuse(
                where,
                f"it declares shape {tuple(shape)} ({nbytes} bytes) but stores "
                f"{stored} bytes",
            )

    def read(self, ds):
        try:
            if ds.attrs.get("dtype") == "bfloat16" or ds.dtype.kind == "V":
                import ml_dtypes

                return np.asarray(ds[()]).view(ml_dtypes.bfloat16)
            return np.asarray(ds[()])
        except (OSError, RuntimeError, ValueError, TypeError, KeyError) as error:
            raise ValueError(
                f"{self.name}: dataset '{ds.name}' cannot be read ({error}); the "
                "file is corrupt or truncated."
            ) from error

    # -- the loader's view --------------------------------------------------------

    def has(self, path):
        return path in self._vars

    def entry(self, path):
        return ReadStore(self, path, self._vars.get(path, {}))

    def _ordered(self, groups, path, kind):
        datasets = groups.get(path)
        if datasets is None:
            return None
        keys = sorted(datasets, key=lambda k: (not k.isdigit(), len(k), k))
        if keys != [str(i) for i in range(len(keys))]:
            raise ValueError(
                f"{self.name}: group '{_join(path, kind)}' should hold datasets "
                f"'0'..'{len(keys) - 1}', it holds {keys[:10]}; the file is "
                "corrupt or was written by a custom `save_own_variables`."
            )
        return [self.read(datasets[k]) for k in keys]

    def vars(self, path):
        return self._ordered(self._vars, path, "vars")

    def seeds(self, path):
        return self._ordered(self._seeds, path, "seeds")

    def layer_paths(self):
        return [
            p
            for p, d in self._vars.items()
            if d and p != "optimizer" and not p.startswith("optimizer/")
        ]

    def close(self):
        self.file.close()


def open_weights_file(filepath):
    """Opens a standalone `.weights.h5` file (by path) as an `H5Reader`."""
    filepath = os.fspath(filepath)
    return H5Reader(filepath, repr(filepath))
