"""Keras 3's printed summaries, recorded, for the summary tests.

Printing a summary under Keras means a fresh interpreter (names and the terminal
width must be those a user sees) and Keras's imports: seconds per script. The
default tests print kerasish's summary in-process and compare it with what
`tools/record_keras.py summaries` recorded from Keras in `keras_summaries.json.gz`,
keyed by a fingerprint of the script; the `slow` twins run Keras live.
"""

import contextlib
import functools
import hashlib
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests import recorded

RECORD = Path(__file__).parent / "keras_summaries.json.gz"
RECORDER = "tools/record_keras.py summaries"
COLUMNS = "80"


def source(script):
    """The script as run, `{pkg}` filled in with the library's module name."""
    return textwrap.dedent(script)


def fingerprint(script):
    return hashlib.sha256(source(script).encode()).hexdigest()[:16]


def run_in_subprocess(script, pkg):
    """Stdout of `script` under `pkg` in a fresh interpreter, 80 columns wide."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "COLUMNS": COLUMNS}
    out = subprocess.run(
        [sys.executable, "-c", source(script).format(pkg=pkg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def run_kerasish_in_process(script):
    """Stdout of `script` under kerasish, here, as a fresh interpreter prints it."""
    import kerasish

    kerasish.utils.clear_session()
    buffer = io.StringIO()
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = COLUMNS
    try:
        with contextlib.redirect_stdout(buffer):
            exec(source(script).format(pkg="kerasish"), {"__name__": "__summary__"})
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return buffer.getvalue()


@functools.cache
def _record():
    return recorded.read(RECORD)


def recorded_keras_output(key, script):
    """Keras's recorded stdout for `script`; fails if the script changed since."""
    entry = _record()["scripts"].get(key)
    assert entry is not None, f"no Keras record for {key!r}; run {RECORDER}"
    assert entry["source"] == fingerprint(script), (
        f"the script of {key!r} changed since Keras's output was recorded; "
        f"run python {RECORDER}"
    )
    return entry["stdout"]
