"""The `.keras` zip archive: `metadata.json`, `config.json` and the weights.

Layout (Keras 3's):

    metadata.json      {"keras_version", "date_saved", "kerasish_version"}
    config.json        {"module", "class_name", "config", "registered_name",
                        "build_config", "compile_config"}
    model.weights.h5   HDF5 in Keras's paths: "layers/dense/vars/0", ...,
                       "optimizer/vars/0", ... (see `h5_io`)
    assets/<path>/...  files a layer's `save_assets(dir_path)` wrote

Archives written by earlier kerasish versions hold `model.weights.npz` (the
same keys in an npz) instead; they still load.

Reading checks every member name and declared size before it reads anything,
and every member is read as a bounded stream: never more than its declared
size, never more than `MAX_EXPANSION` times its compressed size, never more
than `MAX_MEMBER_BYTES` in all.
"""

import datetime
import io
import json
import os
import zipfile

from kerasish.saving import weights_io
from kerasish.saving.file_io import atomic_write
from kerasish.serialization import serialize_keras_object
from kerasish.version import __version__

METADATA = "metadata.json"
CONFIG = "config.json"
WEIGHTS_NPZ = "model.weights.npz"
WEIGHTS_H5 = "model.weights.h5"
# The Keras 3 saving format this archive follows (Keras reads it as a 3.x file).
KERAS_FORMAT_VERSION = "3.15.1"
_MAX_JSON_BYTES = 64 << 20
ASSETS = "assets"
# Bounds on what one member may inflate to (see `read_member`).
MAX_EXPANSION = 100
_EXPANSION_ALLOWANCE = 16 << 20
MAX_MEMBER_BYTES = 1 << 35
_CHUNK = 1 << 20


def kerasish_version():
    """The version written to `metadata.json` (`kerasish.__version__`)."""
    return __version__


def write_archive(filepath, config, weights_h5, assets=None, overwrite=True):
    """Writes the archive atomically (a temporary file renamed into place).

    Args:
        filepath: The `.keras` path.
        config: The `config.json` object.
        weights_h5: The bytes of `model.weights.h5`.
        assets: `{member name: bytes}` under `assets/`, or None.
        overwrite: Whether an existing file may be replaced.
    """
    metadata = {
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "kerasish_version": kerasish_version(),
    }
    with atomic_write(filepath, overwrite=overwrite) as f:
        with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
            zf.writestr(METADATA, json.dumps(metadata))
            zf.writestr(CONFIG, config_json(config))
            # Stored, not deflated, as Keras does.
            zf.writestr(WEIGHTS_H5, weights_h5)
            for name, data in (assets or {}).items():
                zf.writestr(name, data)


def read_member(zf, info, archive_name, limit=None):
    """Reads one member as a bounded stream (see the module doc)."""
    declared = info.file_size
    cap = MAX_MEMBER_BYTES if limit is None else min(limit, MAX_MEMBER_BYTES)
    ratio_cap = info.compress_size * MAX_EXPANSION + _EXPANSION_ALLOWANCE
    if declared > cap or declared > ratio_cap:
        raise ValueError(
            f"{archive_name}: member {info.filename!r} declares {declared} bytes "
            f"from {info.compress_size} stored bytes (at most {min(cap, ratio_cap)} "
            "allowed); refusing a likely decompression bomb."
        )
    chunks, total = [], 0
    try:
        with zf.open(info) as f:
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > declared or total > cap or total > ratio_cap:
                    raise ValueError(
                        f"{archive_name}: member {info.filename!r} inflates past "
                        f"its declared {declared} bytes; refusing a likely "
                        "decompression bomb."
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(
            f"{archive_name}: cannot read {info.filename} ({error}); the file is "
            "corrupt or truncated."
        ) from error
    except ValueError:
        raise
    except Exception as error:  # zlib.error and friends from a damaged stream
        raise ValueError(
            f"{archive_name}: cannot read {info.filename} ({type(error).__name__}: "
            f"{error}); the file is corrupt."
        ) from error
    if total != declared:
        raise ValueError(
            f"{archive_name}: member {info.filename!r} holds {total} bytes, not "
            f"the {declared} it declares; the file is corrupt or truncated."
        )
    return b"".join(chunks)


class Archive:
    """An opened, validated `.keras` file. Use as a context manager."""

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        self.name = repr(self.filepath)
        if not os.path.isfile(self.filepath):
            raise ValueError(
                f"File not found: filepath={self.filepath!r}. Please ensure the file "
                "is an accessible '.keras' zip file."
            )
        self.size = os.path.getsize(self.filepath)
        self._file = open(self.filepath, "rb")  # noqa: SIM115 (closed in close())
        try:
            self._open()
        except BaseException:
            self._file.close()
            raise

    def _open(self):
        try:
            self.zip = zipfile.ZipFile(self._file)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise ValueError(
                f"{self.name} is not a '.keras' file: it is not a valid zip archive "
                f"({error}). It may be truncated, corrupt, or another kind of file."
            ) from error
        names = set()
        for info in self.zip.infolist():
            weights_io.check_member_name(info.filename, self.name)
            weights_io.check_member_size(info, self.name, self.size)
            if info.filename in names:
                raise ValueError(
                    f"{self.name}: the member {info.filename!r} appears twice; the "
                    "file is corrupt or forged."
                )
            names.add(info.filename)
        self.names = names
        missing = [n for n in (CONFIG, METADATA) if n not in names]
        if missing:
            raise ValueError(
                f"{self.name} is not a '.keras' model file: it lacks {missing} "
                f"(members: {sorted(names)[:10]})."
            )
        if WEIGHTS_NPZ not in names and WEIGHTS_H5 not in names:
            raise ValueError(
                f"{self.name} is not a complete '.keras' model file: it has no "
                f"weights member ({WEIGHTS_NPZ!r} or {WEIGHTS_H5!r})."
            )
        self.metadata = self._json(METADATA)
        self.config = self._json(CONFIG)
        if not isinstance(self.config, dict) or "class_name" not in self.config:
            raise ValueError(
                f"{self.name}: config.json must be an object with a 'class_name', "
                f"got {type(self.config).__name__}."
            )
        if not isinstance(self.metadata, dict):
            raise ValueError(f"{self.name}: metadata.json must be a JSON object.")

    @property
    def written_by_kerasish(self):
        return "kerasish_version" in self.metadata

    def _read(self, member):
        info = self.zip.getinfo(member)
        return read_member(self.zip, info, self.name, _MAX_JSON_BYTES)

    def _json(self, member):
        raw = self._read(member)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(
                f"{self.name}: {member} is not valid JSON ({error}); the file is "
                "corrupt."
            ) from error

    @property
    def legacy_npz(self):
        """Whether the weights are kerasish's earlier `model.weights.npz`."""
        return WEIGHTS_NPZ in self.names and WEIGHTS_H5 not in self.names

    def weights(self):
        """The archive's weights as a store (`h5_io.H5Reader` or `NpzStore`)."""
        if self.legacy_npz:
            info = self.zip.getinfo(WEIGHTS_NPZ)
            label = f"{self.name} (member {WEIGHTS_NPZ})"
            data = read_member(self.zip, info, self.name)
            arrays = weights_io.read_npz(io.BytesIO(data), label, info.file_size)
            return weights_io.NpzStore(arrays)
        from kerasish.saving import h5_io

        info = self.zip.getinfo(WEIGHTS_H5)
        data = read_member(self.zip, info, self.name)
        return h5_io.H5Reader(io.BytesIO(data), f"{self.name} (member {WEIGHTS_H5})")

    def has_assets(self):
        return any(n.startswith(f"{ASSETS}/") for n in self.names)

    def extract_assets(self, path, directory):
        """Writes the assets of saveable `path` (its subtree of `assets/`, as
        Keras's `DiskIOStore` gives it) into `directory`, each member bounded."""
        prefix = f"{ASSETS}/{path}/" if path else f"{ASSETS}/"
        for name in sorted(self.names):
            if not name.startswith(prefix) or name.endswith("/"):
                continue
            target = os.path.join(directory, *name[len(prefix) :].split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            data = read_member(self.zip, self.zip.getinfo(name), self.name)
            with open(target, "wb") as f:
                f.write(data)

    def close(self):
        self.zip.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def config_json(config, **kwargs):
    """`config` as JSON text (numpy values as lists). A value no file can hold
    (an object a Lambda's lambda captured, which Keras writes into a file that
    then fails when called) is named by its place in the config."""
    try:
        return json.dumps(config, default=_json_value, **kwargs)
    except TypeError:
        found = _unwritable(config, "config")
        if found is None:  # not a value's type (a dict key, say): json's own error
            raise
        place, value = found
        raise TypeError(
            f"Cannot save the model: {place} is a {type(value).__name__} "
            f"({str(value)[:60]}), which a file cannot hold. A Lambda's lambda "
            "may use only plain values from the enclosing code: refer to "
            "objects as globals (`keras.ops`), pass values through "
            "`arguments=`, or use a named function registered with "
            "`@keras.saving.register_keras_serializable()`."
        ) from None


def _json_value(value):
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if hasattr(value, "get_config"):  # an object a config left unserialized
        return serialize_keras_object(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _unwritable(value, place):
    """`(place, value)` of the first value in `value` JSON cannot write."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unwritable(item, f"{place}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _unwritable(item, f"{place}[{index}]")
            if found:
                return found
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return None
    writable = hasattr(value, "tolist") or hasattr(value, "get_config")
    return None if writable else (place, value)
