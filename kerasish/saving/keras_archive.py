"""The `.keras` zip archive: `metadata.json`, `config.json` and the weights.

Layout (Keras 3's, with the weights in npz instead of h5):

    metadata.json      {"keras_version", "kerasish_version", "date_saved"}
    config.json        {"module", "class_name", "config", "registered_name",
                        "build_config", "compile_config"}
    model.weights.npz  npz of numeric arrays keyed like Keras's h5 paths:
                       "layers/dense/vars/0", ..., "optimizer/vars/0", ...

Files written by Keras 3 hold `model.weights.h5` instead; it is read with h5py.
Reading checks every member name and size before it reads anything.
"""

import datetime
import io
import json
import os
import zipfile

from kerasish.saving import weights_io
from kerasish.saving.file_io import atomic_write

METADATA = "metadata.json"
CONFIG = "config.json"
WEIGHTS_NPZ = "model.weights.npz"
WEIGHTS_H5 = "model.weights.h5"
# The Keras 3 saving format this archive follows (Keras reads it as a 3.x file).
KERAS_FORMAT_VERSION = "3.15.1"
_MAX_JSON_BYTES = 64 << 20


def kerasish_version():
    from importlib import metadata

    try:
        return metadata.version("kerasish")
    except metadata.PackageNotFoundError:
        import kerasish

        return getattr(kerasish, "__version__", "unknown")


def write_archive(filepath, config, weights, overwrite=True):
    """Writes the archive atomically (a temporary file renamed into place)."""
    metadata = {
        "keras_version": KERAS_FORMAT_VERSION,
        "kerasish_version": kerasish_version(),
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    with atomic_write(filepath, overwrite=overwrite) as f:
        with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
            zf.writestr(METADATA, json.dumps(metadata), zipfile.ZIP_DEFLATED)
            zf.writestr(CONFIG, json.dumps(config), zipfile.ZIP_DEFLATED)
            # Stored, not deflated: the npz is then read in place, with seeks.
            with zf.open(WEIGHTS_NPZ, "w", force_zip64=True) as member:
                weights_io.write_npz(member, weights)


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
        if info.file_size > _MAX_JSON_BYTES:
            raise ValueError(
                f"{self.name}: {member} declares {info.file_size} bytes, more than "
                f"the {_MAX_JSON_BYTES} allowed."
            )
        try:
            return self.zip.read(member)
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise ValueError(
                f"{self.name}: cannot read {member} ({error}); the file is corrupt or "
                "truncated."
            ) from error
        except Exception as error:  # zlib.error from a damaged stream
            raise ValueError(
                f"{self.name}: cannot read {member} ({type(error).__name__}: "
                f"{error}); the file is corrupt."
            ) from error

    def _json(self, member):
        raw = self._read(member)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(
                f"{self.name}: {member} is not valid JSON ({error}); the file is "
                "corrupt."
            ) from error

    def weights(self):
        """The archive's weights as a store (`NpzStore` or `H5Store`)."""
        if WEIGHTS_NPZ in self.names:
            info = self.zip.getinfo(WEIGHTS_NPZ)
            label = f"{self.name} (member {WEIGHTS_NPZ})"
            try:
                member = self.zip.open(info)
            except (zipfile.BadZipFile, OSError) as error:
                raise ValueError(f"{label} cannot be opened ({error}).") from error
            with member:
                if info.compress_type != zipfile.ZIP_STORED:
                    # Seeking in a deflated member re-inflates: read it once.
                    member = io.BytesIO(member.read())
                arrays = weights_io.read_npz(member, label, info.file_size)
            return weights_io.NpzStore(arrays)
        info = self.zip.getinfo(WEIGHTS_H5)
        data = self._read_large(info)
        return weights_io.H5Store(
            io.BytesIO(data), f"{self.name} (member {WEIGHTS_H5})"
        )

    def _read_large(self, info):
        try:
            with self.zip.open(info) as f:
                return f.read()
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise ValueError(
                f"{self.name}: cannot read {info.filename} ({error}); the file is "
                "corrupt or truncated."
            ) from error

    def close(self):
        self.zip.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
