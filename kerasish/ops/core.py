"""Control flow and engine-core functions of `kerasish.ops`."""

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `f(carry, x) -> (carry, y)` over the leading axis of `xs`, compiled."""
    return get_engine().scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)


def cond(pred, true_fn, false_fn, *operands):
    """Calls `true_fn()` or `false_fn()` on a traced boolean."""
    return get_engine().cond(unwrap(pred), true_fn, false_fn, *operands)


def switch(index, branches, *operands):
    return get_engine().switch(unwrap(index), branches, *operands)


def while_loop(cond_fn, body_fn, loop_vars):
    return get_engine().while_loop(cond_fn, body_fn, loop_vars)


def fori_loop(lower, upper, body_fun, init_val):
    return get_engine().fori_loop(lower, upper, body_fun, init_val)


def stop_gradient(x):
    return get_engine().stop_gradient(unwrap(x))


def vectorized_map(function, elements):
    return get_engine().vmap(function)(elements)


def convert_to_tensor(x, dtype=None):
    """Returns `x` as an engine array (float64 host data becomes floatx)."""
    return get_engine().convert_to_tensor(unwrap(x), dtype)


def convert_to_numpy(x):
    """Returns `x` as a numpy array (a host copy)."""
    return get_engine().convert_to_numpy(unwrap(x))


def is_tensor(x):
    return get_engine().is_tensor(unwrap(x))


def cast(x, dtype):
    return get_engine().numpy.cast(unwrap(x), dtype)


def shape(x):
    return tuple(unwrap(x).shape)


def dtype(x):
    return get_engine().standardize_dtype(unwrap(x).dtype)


def standardize_dtype(dtype):
    return get_engine().standardize_dtype(dtype)


__all__ = [
    "cast",
    "cond",
    "convert_to_numpy",
    "convert_to_tensor",
    "dtype",
    "fori_loop",
    "is_tensor",
    "scan",
    "shape",
    "standardize_dtype",
    "stop_gradient",
    "switch",
    "vectorized_map",
    "while_loop",
]
