"""Engines: the only code that touches an array library. JAX is the default."""

import os

from kerasish.engine.base import Engine, PyTree

_ENGINES = ("jax", "numpy")
_ACTIVE = None


def _make(name: str) -> Engine:
    if name == "jax":
        from kerasish.engine.jax_engine import JaxEngine

        return JaxEngine()
    if name == "numpy":
        from kerasish.engine.numpy_engine import NumpyEngine

        return NumpyEngine()
    raise ValueError(f"Unknown engine {name!r}. Valid engines: {', '.join(_ENGINES)}.")


def get_engine() -> Engine:
    """Returns the active engine, creating it on first use."""
    global _ACTIVE
    if _ACTIVE is None:
        _ACTIVE = _make(os.environ.get("KERASISH_ENGINE", "jax").strip().lower())
    return _ACTIVE


def set_engine(name: str) -> None:
    """Makes `name` ("jax" or "numpy") the active engine."""
    global _ACTIVE
    _ACTIVE = _make(str(name).strip().lower())


__all__ = ["Engine", "PyTree", "get_engine", "set_engine"]
