"""The NumPy engine's `core` namespace: scatter, slices, casts, scans."""

import builtins

import numpy as np

from kerasish.engine import dtypes


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (`(..., rank)`)."""
    out = np.zeros(shape, np.asarray(values).dtype)
    np.add.at(out, tuple(np.moveaxis(np.asarray(indices), -1, 0)), values)
    return out


_REDUCTIONS = {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}


def scatter_update(inputs, indices, updates, reduction=None):
    out = np.array(inputs)
    key = tuple(np.moveaxis(np.asarray(indices), -1, 0))
    if reduction is None:
        out[key] = updates
    elif reduction in _REDUCTIONS:
        _REDUCTIONS[reduction].at(out, key, updates)
    else:
        raise ValueError(
            f"scatter_update: unknown `reduction` {reduction!r}; valid values are "
            f"None and {tuple(_REDUCTIONS)}."
        )
    return out


def slice(inputs, start_indices, shape):
    # A size of -1 takes everything from the start index on, as in Keras.
    return np.asarray(inputs)[
        tuple(
            builtins.slice(int(s), None if n == -1 else int(s) + n)
            for s, n in zip(start_indices, shape)
        )
    ]


def slice_update(inputs, start_indices, updates):
    out = np.array(inputs)
    updates = np.asarray(updates)
    out[
        tuple(
            builtins.slice(int(s), int(s) + n)
            for s, n in zip(start_indices, updates.shape)
        )
    ] = updates
    return out


def unstack(x, num=None, axis=0):
    x = np.asarray(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(
            f"unstack: `num` ({num}) must equal the size of axis {axis} of the "
            f"input, shape {tuple(x.shape)}."
        )
    return list(np.moveaxis(x, axis, 0))


def _limits(dtype):
    if dtype == "bool":
        return 0, 1
    info = np.iinfo(dtype) if "int" in dtype else np.finfo(dtype)
    return info.min, info.max


def saturate_cast(x, dtype):
    """Clips `x` to the range of `dtype` (representable in `x`'s dtype), then casts."""
    dtype = dtypes.standardize_dtype(dtype)
    x = np.asarray(x)
    in_dtype = str(x.dtype)
    (in_min, in_max), (out_min, out_max) = _limits(in_dtype), _limits(dtype)
    low = np.asarray(max(in_min, out_min)).astype(in_dtype)
    if low < out_min:
        low = np.nextafter(low, 0, dtype=in_dtype)
    high = np.asarray(min(in_max, out_max)).astype(in_dtype)
    if high > out_max:
        high = np.nextafter(high, 0, dtype=in_dtype)
    return np.clip(x, low, high).astype(dtype)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of `f` along `axis` (sequentially; `f` is associative)."""
    single = not isinstance(elems, list | tuple)
    parts = [np.asarray(e) for e in ([elems] if single else elems)]
    parts = [np.moveaxis(p, axis, 0) for p in parts]
    if reverse:
        parts = [p[::-1] for p in parts]
    carry = [p[0] for p in parts]
    outs = [[c] for c in carry]
    for i in range(1, parts[0].shape[0]):
        step = [p[i] for p in parts]
        carry = (
            f(carry[0], step[0]) if single else f(type(elems)(carry), type(elems)(step))
        )
        carry = [carry] if single else list(carry)
        for o, c in zip(outs, carry):
            o.append(c)
    stacked = [np.stack(o) for o in outs]
    if reverse:
        stacked = [s[::-1] for s in stacked]
    stacked = [np.moveaxis(s, 0, axis) for s in stacked]
    return stacked[0] if single else type(elems)(stacked)


def custom_gradient(f):
    """Without differentiation only the forward value of `f` matters."""
    return lambda *args, **kwargs: f(*args, **kwargs)[0]


FUNCTIONS = {
    "associative_scan": associative_scan,
    "custom_gradient": custom_gradient,
    "saturate_cast": saturate_cast,
    "scatter": scatter,
    "scatter_update": scatter_update,
    "slice": slice,
    "slice_update": slice_update,
    "unstack": unstack,
}
