"""NumPy-style array functions for the JAX engine, with `kerasish.ops` names.

Every function takes its arguments in the order of its `keras.ops` namesake, so
`kerasish.ops` can pass them positionally. Python lists and tuples are converted to
arrays first; Python scalars are left weakly typed, so `bfloat16_x + 1.0` stays
`bfloat16` as in Keras.
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config


def _floatx_default(dtype):
    return config.floatx() if dtype is None else dtype


def _t(x):
    """`x` as an array if it is a Python list or tuple; anything else as it is."""
    return jnp.asarray(x) if isinstance(x, list | tuple) else x


def _axis(axis):
    # jnp wants a hashable axis; Keras users also pass lists.
    return tuple(axis) if isinstance(axis, list) else axis


def _is_int_or_bool(x):
    dtype = jnp.result_type(x)
    return jnp.issubdtype(dtype, jnp.integer) or dtype == jnp.bool_


def _to_float(x):
    """Integers and booleans become floatx (as Keras does); floats stay."""
    x = jnp.asarray(_t(x))
    return x.astype(config.floatx()) if _is_int_or_bool(x) else x


# -- tensors and dtypes --------------------------------------------------------------
def convert_to_tensor(x, dtype=None):
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    if isinstance(x, jax.Array) and (dtype is None or x.dtype == dtype):
        return x
    if isinstance(x, float) and dtype is None:
        dtype = config.floatx()
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and dtype is None:
        # Keras converts float64 host data to floatx so models stay in float32.
        dtype = config.floatx()
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    return np.asarray(x)


def standardize_dtype(dtype):
    if dtype is None:
        return config.floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        return np.dtype(dtype).name if dtype is not jnp.bfloat16 else "bfloat16"
    return str(np.dtype(jnp.dtype(dtype)))


def is_tensor(x):
    return isinstance(x, jax.Array)


def cast(x, dtype):
    return jnp.asarray(x).astype(standardize_dtype(dtype))


def shape(x):
    return tuple(jnp.shape(x))


def array(x, dtype=None):
    return jnp.array(x, dtype=dtype)


def view(x, dtype=None):
    return jnp.asarray(_t(x)).view(dtype)


def get_item(x, key):
    return x[key]


# -- creation ------------------------------------------------------------------------
def zeros(shape, dtype=None):
    return jnp.zeros(shape, dtype=_floatx_default(dtype))


def ones(shape, dtype=None):
    return jnp.ones(shape, dtype=_floatx_default(dtype))


def empty(shape, dtype=None):
    return jnp.empty(shape, dtype=_floatx_default(dtype))


def full(shape, fill_value, dtype=None):
    return jnp.full(shape, _t(fill_value), dtype=dtype)


def zeros_like(x, dtype=None):
    return jnp.zeros_like(_t(x), dtype=dtype)


def ones_like(x, dtype=None):
    return jnp.ones_like(_t(x), dtype=dtype)


def empty_like(x, dtype=None):
    return jnp.empty_like(_t(x), dtype=dtype)


def full_like(x, fill_value, dtype=None):
    return jnp.full_like(_t(x), _t(fill_value), dtype=dtype)


def eye(N, M=None, k=0, dtype=None):
    return jnp.eye(N, M, k=k, dtype=_floatx_default(dtype))


def identity(n, dtype=None):
    return jnp.identity(n, dtype=_floatx_default(dtype))


def tri(N, M=None, k=0, dtype=None):
    return jnp.tri(N, M, k=k, dtype=_floatx_default(dtype))


def arange(start, stop=None, step=None, dtype=None):
    return jnp.arange(start, stop, step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return jnp.linspace(
        _t(start),
        _t(stop),
        num,
        endpoint=endpoint,
        retstep=retstep,
        dtype=dtype,
        axis=axis,
    )


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return jnp.logspace(
        _t(start), _t(stop), num, endpoint=endpoint, base=base, dtype=dtype, axis=axis
    )


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return jnp.geomspace(
        _t(start), _t(stop), num, endpoint=endpoint, dtype=dtype, axis=axis
    )


def _window(fn):
    def window(x):
        return fn(x).astype(config.floatx())

    return window


bartlett = _window(jnp.bartlett)
blackman = _window(jnp.blackman)
hamming = _window(jnp.hamming)
hanning = _window(jnp.hanning)


def kaiser(x, beta):
    return jnp.kaiser(x, beta).astype(config.floatx())


def vander(x, N=None, increasing=False):
    return jnp.vander(_t(x), N=N, increasing=increasing)


def meshgrid(*x, indexing="xy"):
    return jnp.meshgrid(*[_t(v) for v in x], indexing=indexing)


# -- elementwise ---------------------------------------------------------------------
def _unary(fn):
    def op(x):
        return fn(_t(x))

    op.__name__ = fn.__name__
    return op


def _binary(fn):
    def op(x1, x2):
        return fn(_t(x1), _t(x2))

    op.__name__ = fn.__name__
    return op


_UNARY = """
abs absolute arccos arccosh arcsin arcsinh arctan arctanh cbrt ceil conj conjugate
copy cos cosh deg2rad exp expm1 fabs floor imag isfinite isinf isnan isneginf
isposinf isreal log log10 log1p log2 logical_not negative rad2deg real reciprocal
sign signbit sin sinh sqrt square tan tanh trunc ravel fliplr flipud nonzero corrcoef
bitwise_not
""".split()

_BINARY = """
add subtract multiply divide true_divide floor_divide power mod fmod maximum minimum
fmax fmin equal not_equal greater greater_equal less less_equal logical_and
logical_or logical_xor arctan2 hypot logaddexp heaviside gcd lcm kron outer inner dot
vdot matmul nextafter bitwise_and bitwise_or bitwise_xor left_shift right_shift
bitwise_left_shift bitwise_right_shift
""".split()

for _name in _UNARY:
    globals()[_name] = _unary(getattr(jnp, _name))
for _name in _BINARY:
    globals()[_name] = _binary(getattr(jnp, _name))

bitwise_invert = _unary(jnp.invert)


def exp2(x):
    return jnp.exp2(_to_float(x))


def angle(x):
    return jnp.angle(_to_float(x))


def sinc(x):
    return jnp.sinc(_to_float(x))


def i0(x):
    return jnp.i0(_to_float(x))


def logaddexp2(x1, x2):
    return jnp.logaddexp2(_to_float(x1), _to_float(x2))


def ldexp(x1, x2):
    x2 = jnp.asarray(_t(x2))
    if not jnp.issubdtype(x2.dtype, jnp.integer):
        raise TypeError(
            f"ldexp: the exponent `x2` must have an integer dtype, received {x2.dtype}."
        )
    return jnp.ldexp(_t(x1), x2)


def divide_no_nan(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, jnp.divide(x1, safe))


def clip(x, x_min, x_max):
    return jnp.clip(_t(x), _t(x_min), _t(x_max))


def round(x, decimals=0):
    x = _t(x)
    if decimals < 0 and _is_int_or_bool(x):
        # jnp.round refuses negative decimals on integers: round in float.
        factor = 10.0**decimals
        out = jnp.round(jnp.asarray(x, config.floatx()) * factor) / factor
        return out.astype(jnp.result_type(x))
    return jnp.round(x, decimals=decimals)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(_t(x), nan=nan, posinf=posinf, neginf=neginf)


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return jnp.isclose(_t(x1), _t(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return jnp.allclose(_t(x1), _t(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


def isin(x1, x2, assume_unique=False, invert=False):
    return jnp.isin(_t(x1), _t(x2), assume_unique=assume_unique, invert=invert)


def where(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return jnp.nonzero(_t(condition))
    return jnp.where(_t(condition), _t(x1), _t(x2))


def select(condlist, choicelist, default=0):
    return jnp.select(list(condlist), list(choicelist), default=default)


def digitize(x, bins):
    return jnp.digitize(_t(x), _t(bins))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return jnp.cross(_t(x1), _t(x2), axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def tensordot(x1, x2, axes=2):
    return jnp.tensordot(_t(x1), _t(x2), axes=axes)


def correlate(x1, x2, mode="valid"):
    return jnp.correlate(_t(x1), _t(x2), mode=mode)


def einsum(subscripts, *operands, **kwargs):
    return jnp.einsum(subscripts, *[_t(o) for o in operands], **kwargs)


# -- reductions ----------------------------------------------------------------------
def _reduction(fn):
    def op(x, axis=None, keepdims=False):
        return fn(_t(x), axis=_axis(axis), keepdims=keepdims)

    op.__name__ = fn.__name__
    return op


_REDUCTIONS = """
all any amax amin argmax argmin sum std median nanargmax nanargmin nanmax nanmin
nanmean nanmedian nanprod nanstd nansum nanvar ptp
""".split()

for _name in _REDUCTIONS:
    globals()[_name] = _reduction(getattr(jnp, _name))


def mean(x, axis=None, keepdims=False):
    x = jnp.asarray(_t(x))
    # Integers average to floatx; low-precision floats accumulate in float32.
    compute = jnp.promote_types(x.dtype, "float32")
    out_dtype = config.floatx() if _is_int_or_bool(x) else x.dtype
    return jnp.mean(x, axis=_axis(axis), keepdims=keepdims, dtype=compute).astype(
        out_dtype
    )


def var(x, axis=None, keepdims=False):
    x = jnp.asarray(_t(x))
    compute = jnp.promote_types(x.dtype, "float32")
    out_dtype = config.floatx() if _is_int_or_bool(x) else x.dtype
    return jnp.var(x, axis=_axis(axis), keepdims=keepdims, dtype=compute).astype(
        out_dtype
    )


def max(x, axis=None, keepdims=False, initial=None):
    return jnp.max(_t(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):
    return jnp.min(_t(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


def prod(x, axis=None, keepdims=False, dtype=None):
    return jnp.prod(_t(x), axis=_axis(axis), keepdims=keepdims, dtype=dtype)


def count_nonzero(x, axis=None):
    return jnp.count_nonzero(_t(x), axis=_axis(axis)).astype("int32")


def average(x, axis=None, weights=None):
    x = _to_float(x)
    if weights is not None:
        weights = jnp.asarray(_t(weights))
        dtype = jnp.result_type(x, weights)
        x, weights = x.astype(dtype), weights.astype(dtype)
    return jnp.average(x, axis=axis, weights=weights)


def _cumulative(fn):
    def op(x, axis=None, dtype=None):
        return fn(_t(x), axis=axis, dtype=dtype)

    op.__name__ = fn.__name__
    return op


cumsum = _cumulative(jnp.cumsum)
cumprod = _cumulative(jnp.cumprod)
nancumsum = _cumulative(jnp.nancumsum)
nancumprod = _cumulative(jnp.nancumprod)


def _quantile(fn):
    def op(x, q, axis=None, method="linear", keepdims=False):
        return fn(_t(x), _t(q), axis=_axis(axis), method=method, keepdims=keepdims)

    op.__name__ = fn.__name__
    return op


quantile = _quantile(jnp.quantile)
percentile = _quantile(jnp.percentile)
nanquantile = _quantile(jnp.nanquantile)
nanpercentile = _quantile(jnp.nanpercentile)


def logsumexp(x, axis=None, keepdims=False):
    return jax.scipy.special.logsumexp(_t(x), axis=_axis(axis), keepdims=keepdims)


def moments(x, axes, keepdims=False, synchronized=False):
    if synchronized:
        raise NotImplementedError(
            "moments: `synchronized=True` is not supported by the JAX engine."
        )
    mean_ = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.mean(
        jnp.square(x - jax.lax.stop_gradient(mean_)), axis=axes, keepdims=True
    )
    if not keepdims:
        mean_ = jnp.squeeze(mean_, axes)
        variance = jnp.squeeze(variance, axes)
    return mean_, variance


def trapezoid(y, x=None, dx=1.0, axis=-1):
    return jnp.trapezoid(_to_float(y), _t(x), dx=dx, axis=axis)


# -- shapes, axes, indexing ----------------------------------------------------------
def reshape(x, newshape):
    return jnp.reshape(_t(x), newshape)


def broadcast_to(x, shape):
    return jnp.broadcast_to(_t(x), shape)


def expand_dims(x, axis):
    return jnp.expand_dims(_t(x), _axis(axis))


def squeeze(x, axis=None):
    return jnp.squeeze(_t(x), _axis(axis))


def transpose(x, axes=None):
    return jnp.transpose(_t(x), axes)


def moveaxis(x, source, destination):
    return jnp.moveaxis(_t(x), source, destination)


def swapaxes(x, axis1, axis2):
    return jnp.swapaxes(_t(x), axis1, axis2)


def flip(x, axis=None):
    return jnp.flip(_t(x), _axis(axis))


def rot90(array, k=1, axes=(0, 1)):
    array = jnp.asarray(_t(array))
    if array.ndim < 2:
        raise ValueError(
            f"rot90 needs an input of at least 2 dimensions, received shape "
            f"{tuple(array.shape)}."
        )
    if len(axes) != 2 or axes[0] == axes[1]:
        raise ValueError(
            f"rot90: `axes` must be two different axes, received axes={axes}."
        )
    return jnp.rot90(array, k=k, axes=tuple(axes))


def roll(x, shift, axis=None):
    return jnp.roll(_t(x), shift, axis=_axis(axis))


def tile(x, repeats):
    return jnp.tile(_t(x), repeats)


def repeat(x, repeats, axis=None):
    return jnp.repeat(_t(x), repeats, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    if constant_values is not None:
        if mode != "constant":
            raise ValueError(
                "pad: `constant_values` can only be given with mode='constant', "
                f"received mode={mode!r}."
            )
        return jnp.pad(_t(x), pad_width, mode=mode, constant_values=constant_values)
    return jnp.pad(_t(x), pad_width, mode=mode)


def concatenate(xs, axis=0):
    return jnp.concatenate([_t(x) for x in xs], axis=axis)


def stack(x, axis=0):
    return jnp.stack([_t(v) for v in x], axis=axis)


def _stacker(fn):
    def op(xs):
        return fn([_t(x) for x in xs])

    op.__name__ = fn.__name__
    return op


hstack = _stacker(jnp.hstack)
vstack = _stacker(jnp.vstack)
dstack = _stacker(jnp.dstack)


def append(x1, x2, axis=None):
    return jnp.append(_t(x1), _t(x2), axis=axis)


def split(x, indices_or_sections, axis=0):
    return jnp.split(_t(x), indices_or_sections, axis=axis)


def array_split(x, indices_or_sections, axis=0):
    return jnp.array_split(_t(x), indices_or_sections, axis=axis)


def hsplit(x, indices_or_sections):
    return jnp.hsplit(_t(x), indices_or_sections)


def vsplit(x, indices_or_sections):
    return jnp.vsplit(_t(x), indices_or_sections)


def dsplit(x, indices_or_sections):
    return jnp.dsplit(_t(x), indices_or_sections)


def take(x, indices, axis=None):
    return jnp.take(_t(x), _t(indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(_t(x), _t(indices), axis=axis)


def diag(x, k=0):
    return jnp.diag(_t(x), k=k)


def diagflat(x, k=0):
    return jnp.diagflat(_t(x), k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return jnp.diagonal(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def trace(x, offset=0, axis1=0, axis2=1):
    return jnp.trace(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def tril(x, k=0):
    return jnp.tril(_t(x), k=k)


def triu(x, k=0):
    return jnp.triu(_t(x), k=k)


def diff(a, n=1, axis=-1):
    return jnp.diff(_t(a), n=n, axis=axis)


def ndim(x):
    return jnp.ndim(x)


def size(x):
    return jnp.size(x)


def unravel_index(indices, shape):
    return jnp.unravel_index(_t(indices), shape)


# -- sorting, searching, counting ----------------------------------------------------
def sort(x, axis=-1):
    return jnp.sort(_t(x), axis=axis)


def argsort(x, axis=-1):
    x = jnp.asarray(_t(x))
    return jnp.argsort(x, axis=None if x.ndim == 0 else axis)


def argpartition(x, kth, axis=-1):
    x = jnp.asarray(_t(x))
    if axis is None:
        return jnp.argpartition(jnp.ravel(x), kth, axis=0)
    return jnp.argpartition(x, kth, axis=axis)


def searchsorted(sorted_sequence, values, side="left"):
    sorted_sequence = jnp.asarray(_t(sorted_sequence))
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "searchsorted needs a 1-D `sorted_sequence`, received shape "
            f"{tuple(sorted_sequence.shape)}; map it over rows with "
            "`ops.vectorized_map` for N-D input."
        )
    return jnp.searchsorted(sorted_sequence, _t(values), side=side)


def unique(
    x,
    sorted=True,
    return_index=False,
    return_inverse=False,
    return_counts=False,
    axis=None,
    size=None,
    fill_value=None,
):
    return jnp.unique(
        _t(x),
        return_index=return_index,
        return_inverse=return_inverse,
        return_counts=return_counts,
        axis=axis,
        size=size,
        fill_value=fill_value,
        sorted=sorted,
    )


def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("bincount: `sparse=True` is not supported by kerasish.")
    x = jnp.asarray(_t(x))
    if x.ndim == 2:
        rows = weights if weights is not None else [None] * x.shape[0]
        return jnp.stack(
            [jnp.bincount(r, weights=w, minlength=minlength) for r, w in zip(x, rows)]
        )
    return jnp.bincount(x, weights=_t(weights), minlength=minlength)


def histogram(x, bins=10, range=None):
    return jnp.histogram(_t(x), bins=bins, range=range)


def top_k(x, k, sorted=True):
    # lax.top_k always sorts; with sorted=False any order is allowed.
    return jax.lax.top_k(x, k)


def in_top_k(targets, predictions, k):
    targets = jnp.asarray(targets).astype("int32")
    target_values = jnp.take_along_axis(predictions, targets[:, None], axis=-1)
    # A target is in the top k when fewer than k predictions beat it strictly.
    return jnp.sum(predictions > target_values, axis=-1) < k


# -- scatter, slices, segments -------------------------------------------------------
def slice(inputs, start_indices, shape):
    # A -1 in `shape` takes everything from the start to the end of that axis.
    shape = tuple(
        inputs.shape[i] - start_indices[i] if s == -1 else s
        for i, s in enumerate(shape)
    )
    return jax.lax.dynamic_slice(inputs, start_indices, shape)


def slice_update(inputs, start_indices, updates):
    return jax.lax.dynamic_update_slice(inputs, updates, start_indices)


def scatter(indices, values, shape):
    zeros_ = jnp.zeros(shape, values.dtype)
    key = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return zeros_.at[key].add(values)


def scatter_update(inputs, indices, updates, reduction=None):
    at = jnp.asarray(inputs).at[tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))]
    methods = {None: at.set, "add": at.add, "max": at.max, "min": at.min}
    methods["mul"] = at.multiply
    if reduction not in methods:
        raise ValueError(
            f"scatter_update: unknown reduction {reduction!r}. Valid values: "
            "None, 'add', 'max', 'min', 'mul'."
        )
    return methods[reduction](updates)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return jax.ops.segment_sum(
        data, segment_ids, num_segments, indices_are_sorted=sorted
    )


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return jax.ops.segment_max(
        data, segment_ids, num_segments, indices_are_sorted=sorted
    )


# -- special functions, linear algebra in the numpy namespace ------------------------
def erf(x):
    return jax.scipy.special.erf(_t(x))


def erfinv(x):
    return jax.scipy.special.erfinv(_t(x))


def slogdet(x):
    return tuple(jnp.linalg.slogdet(_t(x)))


def vectorize(pyfunc, *, excluded=None, signature=None):
    return jnp.vectorize(pyfunc, excluded=excluded or set(), signature=signature)
