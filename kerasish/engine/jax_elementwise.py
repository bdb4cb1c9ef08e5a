"""Elementwise functions and reductions for the JAX engine's `numpy` namespace."""

import jax.numpy as jnp

from kerasish import config
from kerasish.engine import dtypes as engine_dtypes
from kerasish.engine.jax_arrays import (
    _axis,
    _is_int_or_bool,
    _t,
    _to_float,
    convert_to_tensor,
)


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
abs absolute arccos arccosh arcsin arcsinh arctan arctanh cbrt conj conjugate
copy cos cosh deg2rad exp expm1 fabs imag isfinite isinf isnan isneginf
isposinf isreal log log10 log1p log2 logical_not negative rad2deg real reciprocal
sign signbit sin sinh sqrt square tan tanh trunc ravel fliplr flipud nonzero corrcoef
bitwise_not
""".split()

_BINARY = """
add subtract multiply divide true_divide floor_divide power mod fmod maximum minimum
fmax fmin equal not_equal greater greater_equal less less_equal logical_and
logical_or logical_xor hypot heaviside gcd lcm kron outer inner dot
vdot matmul nextafter bitwise_and bitwise_or bitwise_xor left_shift right_shift
bitwise_left_shift bitwise_right_shift
""".split()

for _name in _UNARY:
    globals()[_name] = _unary(getattr(jnp, _name))
for _name in _BINARY:
    globals()[_name] = _binary(getattr(jnp, _name))

bitwise_invert = _unary(jnp.invert)


def _as_float(x):
    """`x` as a tensor of `result_type(x.dtype, float)`: integers and bools become
    floatx, floats keep their precision (Keras's dtype for floor and ceil)."""
    x = convert_to_tensor(_t(x))
    return x.astype(engine_dtypes.result_type(x.dtype, float))


def _as_common_float(x1, x2):
    """Both tensors cast to `result_type(x1.dtype, x2.dtype, float)`, as Keras does
    for arctan2 and logaddexp: a Python float counts as float32 here, so
    `float16_x` with `0.5` computes in float32."""
    x1, x2 = convert_to_tensor(_t(x1)), convert_to_tensor(_t(x2))
    dtype = engine_dtypes.result_type(x1.dtype, x2.dtype, float)
    return x1.astype(dtype), x2.astype(dtype)


def floor(x):
    return jnp.floor(_as_float(x))


def ceil(x):
    return jnp.ceil(_as_float(x))


def arctan2(x1, x2):
    return jnp.arctan2(*_as_common_float(x1, x2))


def logaddexp(x1, x2):
    return jnp.logaddexp(*_as_common_float(x1, x2))


def logaddexp2(x1, x2):
    return jnp.logaddexp2(*_as_common_float(x1, x2))


def exp2(x):
    return jnp.exp2(_to_float(x))


def angle(x):
    return jnp.angle(_to_float(x))


def sinc(x):
    return jnp.sinc(_to_float(x))


def i0(x):
    return jnp.i0(_to_float(x))


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


def trapezoid(y, x=None, dx=1.0, axis=-1):
    return jnp.trapezoid(_to_float(y), _t(x), dx=dx, axis=axis)
