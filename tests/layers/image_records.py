"""Helpers for the image tests whose Keras side is recorded (`tests/recorded.py`).

`cases_digest(*parts)` fingerprints whatever defines the recorded cases (the
function computing Keras's side, by its source, and the inputs, by their bytes),
so a stale record fails naming its recorder. `assert_tree_close` compares a live
Keras result with the record, naming the first path that differs. Keras's own
float32 outputs move by about 1e-6 relative between runs under other XLA flags
(the recorders run without `tests/conftest.py`'s), so the `slow` twins compare at
rtol 1e-5, atol 1e-4: inside every tolerance the default tests use.
"""

import hashlib
import inspect

import numpy as np


def _feed(h, part):
    if callable(part) and hasattr(part, "__code__"):
        h.update(inspect.getsource(part).encode())
    elif isinstance(part, np.ndarray):
        h.update(f"{part.dtype.str}{part.shape}".encode())
        h.update(np.ascontiguousarray(part).tobytes())
    elif isinstance(part, dict):
        for key in sorted(part, key=repr):
            h.update(repr(key).encode())
            _feed(h, part[key])
    elif isinstance(part, set | frozenset):
        _feed(h, sorted(part, key=repr))
    elif isinstance(part, list | tuple):
        h.update(b"[")
        for item in part:
            _feed(h, item)
        h.update(b"]")
    else:
        h.update(repr(part).encode())


def cases_digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        _feed(h, part)
    return h.hexdigest()[:16]


def assert_tree_close(got, expected, path="record", rtol=1e-6, atol=1e-6):
    """`got` (live) equals `expected` (recorded): arrays within tolerance, the
    rest exactly; tuples and lists compare alike."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got, key=repr) == sorted(
            expected, key=repr
        ), f"{path}: keys {sorted(got, key=repr)} != {sorted(expected, key=repr)}"
        for key in expected:
            assert_tree_close(got[key], expected[key], f"{path}[{key!r}]", rtol, atol)
    elif isinstance(expected, list | tuple):
        assert isinstance(got, list | tuple) and len(got) == len(expected), path
        for i, (a, b) in enumerate(zip(got, expected)):
            assert_tree_close(a, b, f"{path}[{i}]", rtol, atol)
    elif isinstance(expected, np.ndarray) or hasattr(got, "shape"):
        got, expected = np.asarray(got), np.asarray(expected)
        assert got.shape == expected.shape, (path, got.shape, expected.shape)
        if expected.dtype.kind in "fc":
            np.testing.assert_allclose(got, expected, rtol, atol, err_msg=path)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=path)
    else:
        assert got == expected, (path, got, expected)
