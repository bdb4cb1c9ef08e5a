"""Engines: the only code that touches an array library. JAX is the default."""

from kerasish import config
from kerasish.engine.base import Engine, PyTree

_ENGINES = config._ENGINES
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
    """Returns the engine `kerasish.config.engine()` names, built on first use."""
    global _ACTIVE
    if _ACTIVE is None or _ACTIVE.name != config._ENGINE:
        _ACTIVE = _make(config._ENGINE)
    return _ACTIVE


def set_engine(name: str) -> None:
    """Makes `name` ("jax" or "numpy") the active engine."""
    config.set_engine(name)
    get_engine()


__all__ = ["Engine", "PyTree", "get_engine", "set_engine"]
