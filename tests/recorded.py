"""Facts recorded from Keras 3, for tests whose Keras side takes minutes to rerun.

`write(path, record)` stores a dict as gzipped JSON, atomically; `read(path)`
gives it back with numpy arrays, tuples and numpy scalars restored, so a recorded
value compares with `==` exactly as the live one did. The recorders live in
`tools/record_keras.py`; each recorded test has a `slow` twin that reruns Keras.
"""

import gzip
import hashlib
import json
import os
from pathlib import Path

import numpy as np

# A record against Keras run live again: float32 results may differ by an ulp
# (rtol ~1e-7), since the records were made with XLA's default code generation and
# the suite compiles with its fast settings (`tests/conftest.py`).
LIVE_RTOL = 1e-6


def _encode(value):
    if isinstance(value, np.ndarray):
        items = value.tolist()
        if value.dtype.kind == "O":  # e.g. bytes (Keras's tf.string batches)
            items = _encode(items)
        return {"__ndarray__": items, "dtype": value.dtype.str}
    if isinstance(value, bytes):
        return {"__bytes__": value.decode("latin-1")}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"__items__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot record a {type(value).__name__}: {value!r}")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        items = (
            _decode(value["__ndarray__"]) if dtype.kind == "O" else value["__ndarray__"]
        )
        return np.asarray(items, dtype=dtype)
    if "__bytes__" in value:
        return value["__bytes__"].encode("latin-1")
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__items__" in value:
        return {_decode_key(k): _decode(v) for k, v in value["__items__"]}
    return {k: _decode(v) for k, v in value.items()}


def _decode_key(key):
    key = _decode(key)
    return tuple(key) if isinstance(key, list) else key


def write(path, record):
    path = Path(path)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt") as f:
        json.dump(_encode(record), f, sort_keys=True, separators=(",", ":"))
    os.replace(tmp, path)


def read(path):
    with gzip.open(path, "rt") as f:
        return _decode(json.load(f))


def load(path, key, fingerprint, topic):
    """The record at `path`, once its `key` shows it was recorded from cases with
    this `fingerprint`; otherwise the failure names the command to record again."""
    record = read(path)
    assert record.get(key) == fingerprint, (
        f"the cases behind {Path(path).name} changed since Keras ran them: "
        f"python tools/record_keras.py {topic}"
    )
    return record


def digest(path):
    """A short fingerprint of a source file, to tell a record gone stale."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
