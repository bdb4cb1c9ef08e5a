"""Helpers shared by the tests."""

import os
import subprocess
import sys
import textwrap


def keras3():
    """Keras 3 on its JAX backend, or a skip where it is not installed."""
    import pytest

    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def run_python(code, env=None, timeout=120):
    """Runs `code` in a fresh interpreter; returns CompletedProcess (text)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def signature_parts(obj):
    """(name, kind, default) of each parameter: a signature without annotations."""
    import inspect

    return [
        (p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()
    ]
