"""Helpers the `kerasish.ops` functions share: unwrapping and engine lookup."""

from kerasish.engine import get_engine
from kerasish.variables import Variable


def unwrap(x):
    """Replaces `Variable`s (also inside lists and tuples) by their current values."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a namedtuple
        return type(x)(*(unwrap(v) for v in x))
    if isinstance(x, list | tuple):
        return type(x)(unwrap(v) for v in x)
    return x


class _Namespace:
    """An engine namespace; a name it lacks is looked up in the engine's `numpy`
    and `nn` namespaces (where a small engine may keep everything), else it
    raises `NotImplementedError` naming the engine."""

    def __init__(self, engine, name):
        self._engine, self._name = engine, name
        found = getattr(engine, name, None)
        self._spaces = [s for s in (found, engine.numpy, engine.nn) if s is not None]

    def __getattr__(self, op):
        for space in self._spaces:
            fn = getattr(space, op, None)
            if fn is not None:
                return fn
        raise NotImplementedError(
            f"The {self._engine.name!r} engine does not implement "
            f"`kerasish.ops.{self._name}.{op}`; use the 'jax' engine "
            "(`kerasish.config.set_engine('jax')`)."
        )


def engine_namespace(name: str):
    """The active engine's `name` namespace ("nn", "image", "math", "core")."""
    return _Namespace(get_engine(), name)


def forward(namespace: str, name: str):
    """A function calling the active engine's `namespace.name` (used by
    `ops/numpy.py` until it is written out)."""

    def op(*args, **kwargs):
        fn = getattr(getattr(get_engine(), namespace), name)
        return fn(
            *[unwrap(a) for a in args], **{k: unwrap(v) for k, v in kwargs.items()}
        )

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"`kerasish.ops.{name}`: forwarded to the active engine's `{name}`."
    return op


def forward_all(namespace: str, names) -> dict:
    return {name: forward(namespace, name) for name in names}
