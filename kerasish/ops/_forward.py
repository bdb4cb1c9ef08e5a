"""Makes `kerasish.ops` functions that look up the active engine on each call."""

from kerasish.engine import get_engine
from kerasish.variables import Variable


def unwrap(x):
    """Replaces `Variable`s (also inside lists and tuples) by their current values."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, list | tuple):
        return type(x)(unwrap(v) for v in x)
    return x


def forward(namespace: str, name: str):
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
