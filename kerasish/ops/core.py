"""Core functions of `kerasish.ops` (Keras's `keras.src.ops.core` group).

Tensors, dtypes, control flow (`cond`, `scan`, `while_loop`, ...), scatter and
slicing. Control flow runs on the active engine, compiled where it compiles.
`standardize_dtype` is a kerasish extra.
"""

import numpy as np

from kerasish.engine import get_engine
from kerasish.ops._forward import engine_namespace, unwrap
from kerasish.ops._symbolic import symbolic_dispatch


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Returns `x` as an engine array (float64 host data becomes floatx)."""
    if sparse or ragged:
        raise ValueError(
            "convert_to_tensor: kerasish has no sparse or ragged tensors; received "
            f"sparse={sparse!r}, ragged={ragged!r}. Use a dense array."
        )
    return get_engine().convert_to_tensor(unwrap(x), dtype)


def convert_to_numpy(x):
    """Returns `x` as a numpy array: a writable host copy, as Keras's."""
    if isinstance(x, float | int) and hasattr(x, "numpy"):
        # A number that reads like a scalar variable (`optimizer.learning_rate`):
        # its own dtype (float32), not numpy's float64 for a Python float.
        return np.array(x.numpy())
    return np.array(get_engine().convert_to_numpy(unwrap(x)))


def is_tensor(x):
    """Whether `x` is an array of the active engine."""
    return get_engine().is_tensor(unwrap(x))


def cast(x, dtype):
    """Casts `x` to `dtype`."""
    return get_engine().numpy.cast(unwrap(x), dtype)


def saturate_cast(x, dtype):
    """Casts `x` to `dtype`, first clipping it to the range `dtype` can hold."""
    return engine_namespace("core").saturate_cast(unwrap(x), dtype)


def shape(x):
    """The shape of `x` as a tuple."""
    x = unwrap(x)
    if not hasattr(x, "shape"):
        x = get_engine().convert_to_tensor(x)
    return tuple(x.shape)


def dtype(x):
    """The standardized dtype name of `x` (e.g. `"float32"`)."""
    x = unwrap(x)
    if not hasattr(x, "dtype"):
        x = get_engine().convert_to_tensor(x)
    return get_engine().standardize_dtype(x.dtype)


def standardize_dtype(dtype):
    """The canonical name of a dtype (`None` is floatx); a kerasish extra."""
    return get_engine().standardize_dtype(dtype)


def cond(pred, true_fn, false_fn):
    """Calls `true_fn()` or `false_fn()` on a (traced) boolean `pred`."""
    return get_engine().cond(unwrap(pred), true_fn, false_fn)


def switch(index, branches, *operands):
    """Calls `branches[index](*operands)`, `index` clamped to the branches."""
    return _switch_packed(index, branches, operands)


def _switch(index, branches, operands):
    return get_engine().switch(unwrap(index), branches, *unwrap(operands))


# The operands as one argument, so that a call on KerasTensors records an op
# node (symbolic dispatch takes plain signatures only).
_switch.__name__ = "switch"
_switch_packed = symbolic_dispatch(_switch, "core")


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds.

    A single (non-tuple) `loop_vars` is passed as one argument. With
    `maximum_iterations`, stops after that many iterations at most.
    """
    is_tuple = isinstance(loop_vars, tuple | list)
    state = tuple(unwrap(loop_vars)) if is_tuple else (unwrap(loop_vars),)
    limited = maximum_iterations is not None
    if limited:
        state = state + (get_engine().convert_to_tensor(0, "int32"),)

    def cond_fn(state):
        keep = cond(*(state[:-1] if limited else state))
        if limited:
            numpy = get_engine().numpy
            keep = numpy.logical_and(keep, numpy.less(state[-1], maximum_iterations))
        return keep

    def body_fn(state):
        out = body(*(state[:-1] if limited else state))
        out = tuple(out) if is_tuple else (out,)
        return out + (state[-1] + 1,) if limited else out

    out = get_engine().while_loop(cond_fn, body_fn, state)
    out = out[:-1] if limited else out
    return tuple(out) if is_tuple else out[0]  # a tuple for a list too, as Keras


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `[lower, upper)`; returns `val`."""
    return get_engine().fori_loop(lower, upper, body_fun, unwrap(init_val))


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `f(carry, x) -> (carry, y)` over the leading axis of `xs`, compiled."""
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(
            f"scan: `unroll` must be a positive int or a bool, received {unroll!r}."
        )
    return get_engine().scan(
        f, unwrap(init), unwrap(xs), length=length, reverse=reverse, unroll=unroll
    )


def map(f, xs):
    """`stack([f(x) for x in xs])` over the leading axis, as one compiled loop."""
    _, ys = get_engine().scan(lambda carry, x: (carry, f(x)), None, unwrap(xs))
    return ys


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative `f` along `axis` (parallel prefix)."""
    return engine_namespace("core").associative_scan(
        f, unwrap(elems), reverse=reverse, axis=axis
    )


def vectorized_map(function, elements):
    """`function` mapped over the leading axis of `elements`, vectorized."""
    return get_engine().vmap(function)(unwrap(elements))


def stop_gradient(variable):
    """`variable` (a tensor or `Variable`) with no gradient flowing through it."""
    return get_engine().stop_gradient(unwrap(variable))


def custom_gradient(f):
    """Decorator: `f(*args)` returns `(y, grad_fn)`, `grad_fn(upstream)` the input
    gradients."""
    fn = engine_namespace("core").custom_gradient(f)

    def wrapper(*args, **kwargs):
        return fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})

    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = getattr(f, "__doc__", None)
    return wrapper


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (`(..., rank)`)."""
    return engine_namespace("core").scatter(unwrap(indices), unwrap(values), shape)


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written (or combined by `reduction`) at `indices`."""
    core = engine_namespace("core")
    inputs, indices, updates = unwrap(inputs), unwrap(indices), unwrap(updates)
    if reduction is None:
        return core.scatter_update(inputs, indices, updates)
    return core.scatter_update(inputs, indices, updates, reduction)


def slice(inputs, start_indices, shape):
    """The `shape` block of `inputs` at `start_indices` (-1 takes the rest)."""
    return engine_namespace("core").slice(unwrap(inputs), unwrap(start_indices), shape)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates`."""
    return engine_namespace("core").slice_update(
        unwrap(inputs), unwrap(start_indices), unwrap(updates)
    )


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    return engine_namespace("core").unstack(unwrap(x), num=num, axis=axis)


__all__ = [
    "associative_scan",
    "cast",
    "cond",
    "convert_to_numpy",
    "convert_to_tensor",
    "custom_gradient",
    "dtype",
    "fori_loop",
    "is_tensor",
    "map",
    "saturate_cast",
    "scan",
    "scatter",
    "scatter_update",
    "shape",
    "slice",
    "slice_update",
    "standardize_dtype",
    "stop_gradient",
    "switch",
    "unstack",
    "vectorized_map",
    "while_loop",
]
