"""Core functions for the JAX engine: loops, scatter, casts, custom gradients."""

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from kerasish.engine import jax_numpy


def associative_scan(f, elems, reverse=False, axis=0):
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (`(..., rank)`)."""
    values = jnp.asarray(values)
    key = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return jnp.zeros(shape, values.dtype).at[key].add(values)


_REDUCTIONS = ("add", "max", "min", "mul")


def scatter_update(inputs, indices, updates, reduction=None):
    key = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    at = jnp.asarray(inputs).at[key]
    if reduction is None:
        return at.set(updates)
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"scatter_update: unknown `reduction` {reduction!r}; valid values are "
            f"None and {_REDUCTIONS}."
        )
    return getattr(at, {"mul": "multiply"}.get(reduction, reduction))(updates)


def slice(inputs, start_indices, shape):
    # A size of -1 takes everything from the start index on, as in Keras.
    shape = tuple(
        inputs.shape[i] - start_indices[i] if s == -1 else s
        for i, s in enumerate(shape)
    )
    return jax.lax.dynamic_slice(inputs, start_indices, shape)


def slice_update(inputs, start_indices, updates):
    return jax.lax.dynamic_update_slice(inputs, updates, start_indices)


def unstack(x, num=None, axis=0):
    if num is not None and num != x.shape[axis]:
        raise ValueError(
            f"unstack: `num` ({num}) must equal the size of axis {axis} of the "
            f"input, shape {tuple(x.shape)}."
        )
    return [
        jax.lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])
    ]


def _limits(dtype):
    if dtype == "bool":
        return 0, 1
    if "int" in dtype:
        info = ml_dtypes.iinfo(dtype)
    else:
        info = ml_dtypes.finfo(dtype)
    return info.min, info.max


def saturate_cast(x, dtype):
    """Clips `x` to the range of `dtype` (representable in `x`'s dtype), then casts."""
    dtype = jax_numpy.standardize_dtype(dtype)
    x = jnp.asarray(x)
    in_dtype = jax_numpy.standardize_dtype(x.dtype)
    (in_min, in_max), (out_min, out_max) = _limits(in_dtype), _limits(dtype)
    low = np.asarray(max(in_min, out_min)).astype(in_dtype)
    if low < out_min:
        low = np.nextafter(low, 0, dtype=in_dtype)
    high = np.asarray(min(in_max, out_max)).astype(in_dtype)
    if high > out_max:
        high = np.nextafter(high, 0, dtype=in_dtype)
    return jnp.clip(x, low, high).astype(dtype)


def custom_gradient(f):
    """`f(*args)` returns `(y, grad_fn)`; `grad_fn(*upstream)` the input gradients."""
    return jax.custom_gradient(f)
