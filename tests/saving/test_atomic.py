"""Saves are atomic: killing a process in the middle of `save` keeps the old file."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import kerasish as keras
from kerasish.saving import load_model
from kerasish.saving.file_io import atomic_write

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(path) as f:
            f.write(b"new, partial")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]  # the temporary file is removed
    with atomic_write(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_atomic_write_errors(tmp_path):
    (tmp_path / "x").write_bytes(b"1")
    with pytest.raises(FileExistsError, match="already exists"):
        with atomic_write(tmp_path / "x", overwrite=False):
            pass
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with atomic_write(tmp_path / "no" / "x"):
            pass


@pytest.mark.slow
def test_sigkill_during_save_leaves_the_previous_file_loadable(tmp_path):
    path = tmp_path / "model.keras"
    old = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    old.save(path)
    x = np.ones((2, 3), "float32")
    expected = old.predict(x, verbose=0)
    # The child saves a ~130 MB model over the same path; it is killed as soon as
    # its temporary file appears, i.e. in the middle of writing it.
    script = textwrap.dedent(
        f"""
        import kerasish as keras
        model = keras.Sequential([
            keras.Input((4096,)), keras.layers.Dense(4096), keras.layers.Dense(4096)
        ])
        model.save({str(path)!r})
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.monotonic() + 120
    partial = None
    try:
        while time.monotonic() < deadline and child.poll() is None:
            temps = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
            if temps and os.path.getsize(tmp_path / temps[0]) > 0:
                partial = tmp_path / temps[0]
                os.kill(child.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert partial is not None, "the child finished or timed out before being killed"
    assert child.returncode == -signal.SIGKILL
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    # The half-written temporary file itself is refused with a clear error.
    with pytest.raises(ValueError, match="not a valid zip|truncated|corrupt"):
        load_model(partial)
