"""npz weights files, read safely: header first, no pickle, sizes checked.

Readers never unpickle: npz members are parsed header first, refused when their
dtype holds Python objects or when the declared shape does not match the bytes
the archive holds, before any array is allocated. The zip member checks
(`check_member_name`, `check_member_size`) serve the `.keras` archive too.
"""

import math
import zipfile

import numpy as np

# A compressed zip member may inflate to at most this many times its stored size
# (plus a small allowance); beyond that it is treated as a decompression bomb.
_MAX_COMPRESSION_RATIO = 1024
_SMALL_ALLOWANCE = 1 << 20


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
