"""Engines: the only code that touches an array library. JAX is the default.

The contract every engine meets is `Engine` in `engine/base.py`; to add one, write
a module implementing it and name it in `_FACTORIES`.
"""

from kerasish import config
from kerasish.engine.base import OPS, Engine, PyTree


def _jax() -> Engine:
    from kerasish.engine.jax_engine import JaxEngine

    return JaxEngine()


def _numpy() -> Engine:
    from kerasish.engine.numpy_engine import NumpyEngine

    return NumpyEngine()


_FACTORIES = {"jax": _jax, "numpy": _numpy}
_ENGINES = tuple(_FACTORIES)
_ACTIVE = None
_MADE: dict[str, Engine] = {}


def _make(name: str) -> Engine:
    if name not in _FACTORIES:
        raise ValueError(
            f"Unknown engine {name!r}. Valid engines: {', '.join(_ENGINES)}."
        )
    return _FACTORIES[name]()


def get_engine(name: str | None = None) -> Engine:
    """Returns the engine `kerasish.config.engine()` names (built on first use), or
    with `name`, an engine of that kind without making it active (for a file only it
    can read)."""
    global _ACTIVE
    if name is not None:
        name = str(name).strip().lower()
        if name not in _MADE:
            _MADE[name] = _make(name)
        return _MADE[name]
    if _ACTIVE is None or _ACTIVE.name != config._ENGINE:
        _ACTIVE = get_engine(config._ENGINE)
    return _ACTIVE
    return _ACTIVE


def engine_names() -> tuple[str, ...]:
    """The names of the registered engines ("jax", "numpy", ...)."""
    return _ENGINES


def set_engine(name: str) -> None:
    """Makes `name` ("jax" or "numpy") the active engine."""
    config.set_engine(name)
    get_engine()


__all__ = ["OPS", "Engine", "PyTree", "engine_names", "get_engine", "set_engine"]
