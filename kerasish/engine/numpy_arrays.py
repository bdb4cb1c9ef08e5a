"""The NumPy engine's `numpy` namespace: array functions with `kerasish.ops` names.

Results keep Keras's dtypes where numpy's differ: integer inputs to float functions
give floatx, not float64.
"""

import types

import numpy as np

from kerasish import config


def _floatx(dtype):
    return config.floatx() if dtype is None else dtype


_NP_UNARY = """
abs absolute arccos arccosh arcsin arcsinh arctan arctanh cbrt ceil conj conjugate
copy cos cosh deg2rad exp exp2 expm1 fabs floor imag isfinite isinf isnan isneginf
isposinf isreal log log10 log1p log2 logical_not negative rad2deg real reciprocal
sign signbit sin sinc sinh sqrt square tan tanh trunc ravel fliplr flipud nonzero
corrcoef bitwise_not bitwise_invert angle i0 ndim size
""".split()

_NP_BINARY = """
add subtract multiply divide true_divide floor_divide power mod fmod maximum minimum
fmax fmin equal not_equal greater greater_equal less less_equal logical_and
logical_or logical_xor arctan2 hypot logaddexp logaddexp2 heaviside gcd lcm kron
outer inner dot vdot matmul nextafter bitwise_and bitwise_or bitwise_xor left_shift
right_shift bitwise_left_shift bitwise_right_shift ldexp digitize
""".split()

_NP_REDUCTIONS = """
all any amax amin sum std var median nanmax nanmin nanmean nanmedian nanprod nanstd
nansum nanvar ptp
""".split()

# Functions whose numpy signature already takes Keras's arguments in Keras's order.
_NP_SAME_ORDER = """
broadcast_to expand_dims squeeze transpose moveaxis swapaxes flip roll tile repeat
split array_split hsplit vsplit dsplit take take_along_axis diag diagflat diagonal
trace tril triu diff sort argpartition isclose allclose isin cross tensordot
correlate unravel_index vander trapezoid cumsum cumprod nancumsum nancumprod
histogram rot90 full_like zeros_like ones_like empty_like select einsum
""".split()


def make_namespace():
    """The functions of the `numpy` namespace, by name."""
    ns = types.SimpleNamespace()

    def as_array(x):
        return np.asarray(x) if isinstance(x, list | tuple) else x

    def no_float64(out, *inputs):
        # numpy computes integers' sqrt, mean, ... in float64; Keras gives floatx.
        # Only float64 arrays in the inputs keep float64 (Python scalars are weak).
        if getattr(out, "dtype", None) == np.float64 and not any(
            getattr(i, "dtype", None) == np.float64 for i in inputs
        ):
            return np.asarray(out).astype(config.floatx())
        return out

    def unary(fn):
        def op(x):
            x = as_array(x)
            return no_float64(fn(x), x)

        return op

    def binary(fn):
        def op(x1, x2):
            x1, x2 = as_array(x1), as_array(x2)
            return no_float64(fn(x1, x2), x1, x2)

        return op

    def reduction(fn):
        def op(x, axis=None, keepdims=False):
            axis = tuple(axis) if isinstance(axis, list) else axis
            x = as_array(x)
            return no_float64(fn(x, axis=axis, keepdims=keepdims), x)

        return op

    def float_of(x):
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            return x.astype(config.floatx())
        return x

    for name in _NP_UNARY:
        setattr(ns, name, unary(getattr(np, name, None) or np.invert))
    # As Keras: the floor and ceiling of integers and bools are floatx.
    ns.floor = unary(lambda x: np.floor(float_of(x)))
    ns.ceil = unary(lambda x: np.ceil(float_of(x)))
    for name in _NP_BINARY:
        setattr(ns, name, binary(getattr(np, name)))
    for name in _NP_REDUCTIONS:
        setattr(ns, name, reduction(getattr(np, name)))

    def host_first(fn):
        # numpy hands foreign arrays (a jax array in a variable made under another
        # engine) to their own `.take`, `.transpose`, ...: make them numpy first.
        def op(x, *args, **kwargs):
            if not isinstance(x, np.ndarray | str) and hasattr(x, "__array__"):
                x = np.asarray(x)
            return fn(x, *args, **kwargs)

        op.__name__ = fn.__name__
        return op

    for name in _NP_SAME_ORDER:
        setattr(ns, name, host_first(getattr(np, name)))

    def convert_to_tensor(x, dtype=None):
        if dtype is not None:
            return np.asarray(x, dtype=standardize_dtype(dtype))
        array = np.asarray(x)
        if array.dtype == np.float64:
            return array.astype(config.floatx())
        if array.dtype == np.int64 and not isinstance(x, np.ndarray):
            return array.astype("int32")
        return array

    def standardize_dtype(dtype):
        if dtype is None:
            return config.floatx()
        if str(dtype) == "bfloat16":
            return "float32"  # numpy has no bfloat16; compute in float32
        try:
            return str(np.dtype(dtype))
        except TypeError:
            raise ValueError(f"Invalid dtype: {dtype}") from None

    def cast(x, dtype):
        return np.asarray(x).astype(standardize_dtype(dtype))

    def zeros(shape, dtype=None):
        return np.zeros(shape, _floatx(dtype))

    def ones(shape, dtype=None):
        return np.ones(shape, _floatx(dtype))

    def window(fn):
        return lambda x: fn(int(x)).astype(config.floatx())

    def mean(x, axis=None, keepdims=False):
        x = float_of(as_array(x))
        axis = tuple(axis) if isinstance(axis, list) else axis
        return np.mean(x, axis=axis, keepdims=keepdims).astype(x.dtype)

    def quantile_like(fn):
        def op(x, q, axis=None, method="linear", keepdims=False):
            axis = tuple(axis) if isinstance(axis, list) else axis
            return fn(as_array(x), q, axis=axis, method=method, keepdims=keepdims)

        return op

    def arg_reduction(fn):
        def op(x, axis=None, keepdims=False):
            return fn(as_array(x), axis=axis, keepdims=keepdims)

        return op

    def pad(x, pad_width, mode="constant", constant_values=None):
        if constant_values is not None:
            if mode != "constant":
                raise ValueError(
                    "pad: `constant_values` can only be given with mode='constant', "
                    f"received mode={mode!r}."
                )
            return np.pad(x, pad_width, mode=mode, constant_values=constant_values)
        return np.pad(x, pad_width, mode=mode)

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
        return np.unique(
            x,
            return_index=return_index,
            return_inverse=return_inverse,
            return_counts=return_counts,
            axis=axis,
        )

    def bincount(x, weights=None, minlength=0, sparse=False):
        x = np.asarray(x)
        if x.ndim == 2:
            rows = weights if weights is not None else [None] * x.shape[0]
            return np.stack([np.bincount(r, w, minlength) for r, w in zip(x, rows)])
        return np.bincount(x, weights, minlength)

    def where(condition, x1=None, x2=None):
        if x1 is None and x2 is None:
            return np.nonzero(condition)
        return np.where(condition, x1, x2)

    def divide_no_nan(x1, x2):
        x1, x2 = np.asarray(x1), np.asarray(x2)
        safe = np.where(x2 == 0, 1, x2)
        return np.where(x2 == 0, 0, x1 / safe).astype(np.result_type(x1, x2, 1.0))

    def count_nonzero(x, axis=None):
        return np.asarray(np.count_nonzero(x, axis=axis)).astype("int32")

    def round_(x, decimals=0):
        return np.round(x, decimals)

    def average(x, axis=None, weights=None):
        return np.average(float_of(x), axis=axis, weights=weights)

    def searchsorted(sorted_sequence, values, side="left"):
        return np.searchsorted(sorted_sequence, values, side=side)

    for name, fn in {
        "convert_to_tensor": convert_to_tensor,
        "convert_to_numpy": np.asarray,
        "standardize_dtype": standardize_dtype,
        "is_tensor": lambda x: isinstance(x, np.ndarray),
        "cast": cast,
        "shape": lambda x: tuple(np.shape(x)),
        "array": lambda x, dtype=None: np.array(x, dtype=dtype),
        "view": lambda x, dtype=None: np.asarray(x).view(dtype),
        "zeros": zeros,
        "ones": ones,
        "empty": lambda shape, dtype=None: np.zeros(shape, _floatx(dtype)),
        "full": lambda shape, fill_value, dtype=None: np.full(
            shape, fill_value, _floatx(dtype)
        ),
        "eye": lambda N, M=None, k=0, dtype=None: np.eye(N, M, k, _floatx(dtype)),
        "identity": lambda n, dtype=None: np.identity(n, _floatx(dtype)),
        "tri": lambda N, M=None, k=0, dtype=None: np.tri(N, M, k, _floatx(dtype)),
        "arange": lambda start, stop=None, step=None, dtype=None: np.arange(
            start, stop, step, dtype=dtype
        ),
        "linspace": np.linspace,
        "logspace": np.logspace,
        "geomspace": np.geomspace,
        "bartlett": window(np.bartlett),
        "blackman": window(np.blackman),
        "hamming": window(np.hamming),
        "hanning": window(np.hanning),
        "kaiser": lambda x, beta: np.kaiser(int(x), beta).astype(config.floatx()),
        "meshgrid": np.meshgrid,
        "reshape": lambda x, newshape: np.reshape(x, newshape),
        "clip": lambda x, x_min, x_max: np.clip(x, x_min, x_max),
        "round": round_,
        "nan_to_num": lambda x, nan=0.0, posinf=None, neginf=None: np.nan_to_num(
            x, nan=nan, posinf=posinf, neginf=neginf
        ),
        "where": where,
        "pad": pad,
        "unique": unique,
        "bincount": bincount,
        "divide_no_nan": divide_no_nan,
        "count_nonzero": count_nonzero,
        "average": average,
        "mean": mean,
        "max": lambda x, axis=None, keepdims=False, initial=None: np.max(
            x, axis=axis, keepdims=keepdims, initial=initial
        ),
        "min": lambda x, axis=None, keepdims=False, initial=None: np.min(
            x, axis=axis, keepdims=keepdims, initial=initial
        ),
        "prod": lambda x, axis=None, keepdims=False, dtype=None: np.prod(
            x, axis=axis, keepdims=keepdims, dtype=dtype
        ),
        "argmax": arg_reduction(np.argmax),
        "argmin": arg_reduction(np.argmin),
        "nanargmax": arg_reduction(np.nanargmax),
        "nanargmin": arg_reduction(np.nanargmin),
        "argsort": lambda x, axis=-1: np.argsort(x, axis=axis, kind="stable"),
        "quantile": quantile_like(np.quantile),
        "percentile": quantile_like(np.percentile),
        "nanquantile": quantile_like(np.nanquantile),
        "nanpercentile": quantile_like(np.nanpercentile),
        "concatenate": lambda xs, axis=0: np.concatenate(xs, axis=axis),
        "stack": lambda x, axis=0: np.stack(x, axis=axis),
        "hstack": np.hstack,
        "vstack": np.vstack,
        "dstack": np.dstack,
        "append": lambda x1, x2, axis=None: np.append(x1, x2, axis=axis),
        "searchsorted": searchsorted,
        "get_item": lambda x, key: x[key],
        "slogdet": lambda x: tuple(np.linalg.slogdet(x)),
        "vectorize": lambda pyfunc, *, excluded=None, signature=None: np.vectorize(
            pyfunc, excluded=excluded, signature=signature
        ),
    }.items():
        setattr(ns, name, fn)
    return vars(ns)
