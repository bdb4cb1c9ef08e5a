"""`NumpyEngine`: inference on plain numpy, a reference for the JAX engine.

It implements the array math of `kerasish.ops` (what layers call), random numbers
and tree utilities, so a built model runs its forward pass with numpy alone. It has
no differentiation or compilation: `value_and_grad` raises, `jit` is the identity.
"""

import math
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


def _make_numpy_namespace():
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
    for name in _NP_BINARY:
        setattr(ns, name, binary(getattr(np, name)))
    for name in _NP_REDUCTIONS:
        setattr(ns, name, reduction(getattr(np, name)))
    for name in _NP_SAME_ORDER:
        setattr(ns, name, getattr(np, name))

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
        return str(np.dtype(dtype))

    def cast(x, dtype):
        return np.asarray(x).astype(standardize_dtype(dtype))

    def zeros(shape, dtype=None):
        return np.zeros(shape, _floatx(dtype))

    def ones(shape, dtype=None):
        return np.ones(shape, _floatx(dtype))

    def slice_(inputs, start_indices, shape):
        return inputs[
            tuple(
                slice(int(s), None if n == -1 else int(s) + n)
                for s, n in zip(start_indices, shape)
            )
        ]

    def slice_update(inputs, start_indices, updates):
        out = np.array(inputs)
        out[
            tuple(
                slice(int(s), int(s) + n) for s, n in zip(start_indices, updates.shape)
            )
        ] = updates
        return out

    def moments(x, axes, keepdims=False, synchronized=False):
        axes = tuple(axes) if isinstance(axes, list) else axes
        return np.mean(x, axis=axes, keepdims=keepdims), np.var(
            x, axis=axes, keepdims=keepdims
        )

    def logsumexp(x, axis=None, keepdims=False):
        m = np.max(x, axis=axis, keepdims=True)
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        return out if keepdims else np.squeeze(out, axis=axis)

    def erf(x):
        return np.vectorize(math.erf, otypes=[np.asarray(x).dtype])(x)

    def top_k(x, k, sorted=True):
        idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
        return np.take_along_axis(x, idx, axis=-1), idx

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

    def scatter(indices, values, shape):
        out = np.zeros(shape, np.asarray(values).dtype)
        np.add.at(out, tuple(np.moveaxis(np.asarray(indices), -1, 0)), values)
        return out

    def scatter_update(inputs, indices, updates, reduction=None):
        out = np.array(inputs)
        key = tuple(np.moveaxis(np.asarray(indices), -1, 0))
        ufuncs = {"add": np.add, "max": np.maximum, "min": np.minimum}
        ufuncs["mul"] = np.multiply
        if reduction is None:
            out[key] = updates
        elif reduction in ufuncs:
            ufuncs[reduction].at(out, key, updates)
        else:
            raise ValueError(
                f"scatter_update: unknown reduction {reduction!r}. Valid values: "
                "None, 'add', 'max', 'min', 'mul'."
            )
        return out

    def segment(ufunc, fill):
        def op(data, segment_ids, num_segments=None, sorted=False):
            data, ids = np.asarray(data), np.asarray(segment_ids)
            n = int(ids.max()) + 1 if num_segments is None else num_segments
            out = np.full((n,) + data.shape[1:], fill, data.dtype)
            ufunc.at(out, ids, data)
            return out

        return op

    def in_top_k(targets, predictions, k):
        targets = np.asarray(targets).astype("int64")
        target_values = np.take_along_axis(predictions, targets[:, None], axis=-1)
        # A target is in the top k when fewer than k predictions beat it strictly.
        return np.sum(predictions > target_values, axis=-1) < k

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
        "full": lambda shape, fill_value, dtype=None: np.full(shape, fill_value, dtype),
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
        "slice": slice_,
        "slice_update": slice_update,
        "scatter": scatter,
        "scatter_update": scatter_update,
        "segment_sum": segment(np.add, 0),
        "segment_max": segment(np.maximum, -np.inf),
        "moments": moments,
        "logsumexp": logsumexp,
        "erf": erf,
        "top_k": top_k,
        "in_top_k": in_top_k,
        "get_item": lambda x, key: x[key],
        "slogdet": lambda x: tuple(np.linalg.slogdet(x)),
        "vectorize": lambda pyfunc, *, excluded=None, signature=None: np.vectorize(
            pyfunc, excluded=excluded, signature=signature
        ),
    }.items():
        setattr(ns, name, fn)
    return ns


def _make_linalg_namespace():
    ns = types.SimpleNamespace()

    def float_of(x):
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            return x.astype(config.floatx())
        return x

    def cholesky(x, upper=False):
        try:
            lower = np.linalg.cholesky(float_of(x))
        except np.linalg.LinAlgError as error:
            raise ValueError(
                "cholesky: the decomposition failed; the input is not a "
                "(numerically) positive-definite matrix."
            ) from error
        return np.swapaxes(lower, -1, -2).conj() if upper else lower

    def cholesky_inverse(x, upper=False):
        x = float_of(x)
        factor = np.swapaxes(x, -1, -2) if upper else x  # the lower factor L
        return np.linalg.inv(factor @ np.swapaxes(factor, -1, -2))

    def lu_factor(x):
        x = float_of(x)
        lu, piv = np.array(x), []
        # Gaussian elimination with partial pivoting, LAPACK's getrf layout.
        for batch in np.ndindex(x.shape[:-2]):
            a = lu[batch]
            n = min(a.shape)
            pivots = np.zeros(n, "int32")
            for j in range(n):
                p = j + int(np.argmax(np.abs(a[j:, j])))
                pivots[j] = p
                a[[j, p]] = a[[p, j]]
                if a[j, j] != 0:
                    a[j + 1 :, j] /= a[j, j]
                    a[j + 1 :, j + 1 :] -= np.outer(a[j + 1 :, j], a[j, j + 1 :])
            piv.append(pivots)
        return lu, np.asarray(piv).reshape(x.shape[:-2] + (min(x.shape[-2:]),))

    def solve_triangular(a, b, lower=False):
        a, b = float_of(a), float_of(b)
        mask = np.tril if lower else np.triu
        return np.linalg.solve(mask(a), b)

    def jvp(fun, primals, tangents, has_aux=False):
        raise NotImplementedError(
            "The numpy engine has no differentiation; use the JAX engine for "
            "`linalg.jvp` (`kerasish.config.set_engine('jax')`)."
        )

    def pinv(x, rcond=None):
        return np.linalg.pinv(float_of(x), rcond=1e-15 if rcond is None else rcond)

    for name, fn in {
        "cholesky": cholesky,
        "cholesky_inverse": cholesky_inverse,
        "det": lambda x: np.linalg.det(float_of(x)),
        "eig": lambda x: tuple(np.linalg.eig(float_of(x))),
        "eigh": lambda x: tuple(np.linalg.eigh(float_of(x))),
        "inv": lambda x: np.linalg.inv(float_of(x)),
        "jvp": jvp,
        "lstsq": lambda a, b, rcond=None: np.linalg.lstsq(
            float_of(a), float_of(b), rcond=rcond
        )[0],
        "lu_factor": lu_factor,
        "matrix_rank": lambda x, tol=None: np.asarray(
            np.linalg.matrix_rank(float_of(x), tol=tol)
        ).astype("int32"),
        "norm": lambda x, ord=None, axis=None, keepdims=False: np.linalg.norm(
            float_of(x),
            ord=ord,
            axis=tuple(axis) if isinstance(axis, list) else axis,
            keepdims=keepdims,
        ),
        "pinv": pinv,
        "qr": lambda x, mode="reduced": tuple(np.linalg.qr(float_of(x), mode=mode)),
        "solve": lambda a, b: np.linalg.solve(float_of(a), float_of(b)),
        "solve_triangular": solve_triangular,
        "svd": lambda x, full_matrices=True, compute_uv=True: np.linalg.svd(
            float_of(x), full_matrices=full_matrices, compute_uv=compute_uv
        ),
    }.items():
        setattr(ns, name, fn)
    return ns


def _make_nn_namespace():
    ns = types.SimpleNamespace()

    def sigmoid(x):
        return np.where(
            x >= 0,
            1 / (1 + np.exp(-np.abs(x))),
            np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))),
        ).astype(np.asarray(x).dtype)

    def softmax(x, axis=-1):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)

    def log_softmax(x, axis=-1):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

    def softplus(x):
        return np.logaddexp(0.0, x).astype(np.asarray(x).dtype)

    def elu(x, alpha=1.0):
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))

    def gelu(x, approximate=True):
        if approximate:
            return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
        return 0.5 * x * (1 + _make_numpy_namespace().erf(x / np.sqrt(2)))

    def one_hot(x, num_classes, axis=-1, dtype=None):
        out = np.eye(num_classes, dtype=_floatx(dtype))[np.asarray(x).astype(int)]
        return np.moveaxis(out, -1, axis) if axis != -1 else out

    def conv(
        inputs,
        kernel,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        feature_group_count=1,
    ):
        data_format = config.standardize_data_format(data_format)
        if data_format == "channels_first":
            inputs = np.moveaxis(inputs, 1, -1)
        n = inputs.ndim - 2
        strides = (strides,) * n if isinstance(strides, int) else tuple(strides)
        dilation = (
            (dilation_rate,) * n
            if isinstance(dilation_rate, int)
            else tuple(dilation_rate)
        )
        if any(d > 1 for d in dilation):
            dilated = np.zeros(
                tuple((k - 1) * d + 1 for k, d in zip(kernel.shape[:n], dilation))
                + kernel.shape[n:],
                kernel.dtype,
            )
            dilated[tuple(slice(None, None, d) for d in dilation)] = kernel
            kernel = dilated
        if padding == "same":
            pads = []
            for size, k, s in zip(inputs.shape[1:-1], kernel.shape[:n], strides):
                out = -(-size // s)
                total = max((out - 1) * s + k - size, 0)
                pads.append((total // 2, total - total // 2))
            inputs = np.pad(inputs, [(0, 0), *pads, (0, 0)])
        windows = np.lib.stride_tricks.sliding_window_view(
            inputs, kernel.shape[:n], axis=tuple(range(1, n + 1))
        )
        windows = windows[(slice(None),) + tuple(slice(None, None, s) for s in strides)]
        groups = feature_group_count
        cin = inputs.shape[-1] // groups
        outs = []
        for g in range(groups):
            w = windows[..., g * cin : (g + 1) * cin, *([slice(None)] * n)]
            k = kernel[
                ...,
                (g * kernel.shape[-1] // groups) : (
                    (g + 1) * kernel.shape[-1] // groups
                ),
            ]
            outs.append(np.einsum(_conv_eq(n), w, k))
        out = np.concatenate(outs, axis=-1)
        if data_format == "channels_first":
            out = np.moveaxis(out, -1, 1)
        return out.astype(inputs.dtype)

    def _pool(inputs, pool_size, strides, padding, data_format, reducer, fill):
        data_format = config.standardize_data_format(data_format)
        if data_format == "channels_first":
            inputs = np.moveaxis(inputs, 1, -1)
        n = inputs.ndim - 2
        pool_size = (pool_size,) * n if isinstance(pool_size, int) else tuple(pool_size)
        strides = (
            pool_size
            if strides is None
            else ((strides,) * n if isinstance(strides, int) else tuple(strides))
        )
        x = inputs.astype("float64")
        valid = np.ones_like(x)
        if padding == "same":
            pads = []
            for size, k, s in zip(inputs.shape[1:-1], pool_size, strides):
                out = -(-size // s)
                total = max((out - 1) * s + k - size, 0)
                pads.append((total // 2, total - total // 2))
            x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
            valid = np.pad(valid, [(0, 0), *pads, (0, 0)])
        axes = tuple(range(1, n + 1))
        w = np.lib.stride_tricks.sliding_window_view(x, pool_size, axis=axes)
        v = np.lib.stride_tricks.sliding_window_view(valid, pool_size, axis=axes)
        index = (slice(None),) + tuple(slice(None, None, s) for s in strides)
        out = reducer(w[index], v[index], tuple(range(-n, 0)))
        if data_format == "channels_first":
            out = np.moveaxis(out, -1, 1)
        return out.astype(inputs.dtype)

    def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
        return _pool(
            inputs,
            pool_size,
            strides,
            padding,
            data_format,
            lambda w, v, ax: np.max(w, axis=ax),
            -np.inf,
        )

    def average_pool(
        inputs, pool_size, strides=None, padding="valid", data_format=None
    ):
        return _pool(
            inputs,
            pool_size,
            strides,
            padding,
            data_format,
            lambda w, v, ax: np.sum(w, axis=ax) / np.sum(v, axis=ax),
            0.0,
        )

    def binary_crossentropy(target, output, from_logits=False):
        if from_logits:
            return (
                np.maximum(output, 0)
                - output * target
                + np.log1p(np.exp(-np.abs(output)))
            )
        eps = config.epsilon()
        output = np.clip(output, eps, 1 - eps)
        return -(target * np.log(output) + (1 - target) * np.log(1 - output))

    def categorical_crossentropy(target, output, from_logits=False, axis=-1):
        if from_logits:
            return -np.sum(target * log_softmax(output, axis), axis=axis)
        output = output / np.sum(output, axis=axis, keepdims=True)
        eps = config.epsilon()
        return -np.sum(target * np.log(np.clip(output, eps, 1 - eps)), axis=axis)

    def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
        return categorical_crossentropy(
            one_hot(target, output.shape[axis], dtype=output.dtype),
            output,
            from_logits,
            axis,
        )

    def normalize(x, axis=-1, order=2, epsilon=None):
        eps = config.epsilon() if epsilon is None else epsilon
        return x / np.maximum(
            np.linalg.norm(x, ord=order, axis=axis, keepdims=True), eps
        )

    functions = {
        "relu": lambda x: np.maximum(x, 0),
        "relu6": lambda x: np.clip(x, 0, 6),
        "leaky_relu": lambda x, negative_slope=0.2: np.where(
            x >= 0, x, negative_slope * x
        ),
        "elu": elu,
        "selu": lambda x: 1.0507009873554805 * elu(x, 1.6732632423543772),
        "gelu": gelu,
        "silu": lambda x: x * sigmoid(x),
        "swish": lambda x: x * sigmoid(x),
        "sigmoid": sigmoid,
        "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
        "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
        "tanh": np.tanh,
        "softplus": softplus,
        "softsign": lambda x: x / (1 + np.abs(x)),
        "mish": lambda x: x * np.tanh(softplus(x)),
        "log_sigmoid": lambda x: -softplus(-x),
        "softmax": softmax,
        "log_softmax": log_softmax,
        "one_hot": one_hot,
        "multi_hot": lambda x, num_classes, axis=-1, dtype=None: np.max(
            one_hot(x, num_classes, dtype=dtype), axis=-2
        ),
        "conv": conv,
        "max_pool": max_pool,
        "average_pool": average_pool,
        "binary_crossentropy": binary_crossentropy,
        "categorical_crossentropy": categorical_crossentropy,
        "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
        "normalize": normalize,
    }
    for name, fn in functions.items():
        setattr(ns, name, fn)
    return ns


def _conv_eq(n):
    spatial = "xyz"[:n]
    window = "abc"[:n]
    # windows: (N, *out_spatial, C, *window); kernel: (*window, C, F)
    return f"N{spatial}C{window},{window}CF->N{spatial}F"


def _make_random_namespace():
    ns = types.SimpleNamespace()

    def rng(key):
        return np.random.default_rng(np.asarray(key, dtype="uint32").tolist())

    ns.key = lambda seed: np.array([0, seed % (2**32)], dtype="uint32")

    def split(key, num=2):
        seeds = rng(key).integers(0, 2**32, size=(num, 2), dtype=np.uint64)
        return seeds.astype("uint32")

    ns.split = split
    ns.normal = lambda key, shape, mean=0.0, stddev=1.0, dtype=None: (
        mean + stddev * rng(key).standard_normal(shape)
    ).astype(_floatx(dtype))
    ns.uniform = lambda key, shape, minval=0.0, maxval=1.0, dtype=None: (
        rng(key).uniform(minval, maxval, shape).astype(_floatx(dtype))
    )

    def truncated_normal(key, shape, mean=0.0, stddev=1.0, dtype=None):
        g = rng(key)
        out = g.standard_normal(shape)
        bad = np.abs(out) > 2
        while bad.any():
            out[bad] = g.standard_normal(int(bad.sum()))
            bad = np.abs(out) > 2
        return (mean + stddev * out).astype(_floatx(dtype))

    ns.truncated_normal = truncated_normal
    ns.randint = lambda key, shape, minval, maxval, dtype="int32": (
        rng(key).integers(minval, maxval, shape).astype(dtype)
    )
    ns.bernoulli = lambda key, p, shape: rng(key).random(shape) < p
    ns.permutation = lambda key, x, axis=0: rng(key).permutation(x, axis=axis)
    ns.fold_in = lambda key, data: np.array(
        [int(key[0]) ^ int(data), int(key[1])], dtype="uint32"
    )
    return ns


class NumpyEngine:
    """numpy for the math: models run inference without jax."""

    name = "numpy"
    supports_training = False

    def __init__(self):
        self.numpy = _make_numpy_namespace()
        self.linalg = _make_linalg_namespace()
        self.nn = _make_nn_namespace()
        self.random = _make_random_namespace()

    def convert_to_tensor(self, x, dtype=None):
        return self.numpy.convert_to_tensor(x, dtype)

    def convert_to_numpy(self, x):
        return np.asarray(x)

    def is_tensor(self, x):
        return isinstance(x, np.ndarray)

    def is_tracer(self, x):
        return False

    def standardize_dtype(self, dtype):
        return self.numpy.standardize_dtype(dtype)

    def shape_dtype_struct(self, shape, dtype):
        return _ShapeDtype(tuple(shape), dtype)

    def jit(self, fn, **kwargs):
        return fn

    def compile(self, fn, *example_args):
        return fn

    def value_and_grad(self, fn, has_aux=False, argnums=0):
        raise NotImplementedError(
            "The numpy engine runs inference only; train with the JAX engine "
            "(`kerasish.config.set_engine('jax')`)."
        )

    grad = value_and_grad

    def eval_shape(self, fn, *args, **kwargs):
        concrete = self.tree_map(
            lambda s: np.zeros(s.shape, s.dtype) if isinstance(s, _ShapeDtype) else s,
            args,
        )
        out = fn(*concrete, **kwargs)
        return self.tree_map(
            lambda a: _ShapeDtype(np.shape(a), str(np.asarray(a).dtype)), out
        )

    def eager_scope(self):
        import contextlib

        return contextlib.nullcontext()

    def scan(self, fn, init, xs=None, length=None, reverse=False, unroll=1):
        leaves = self.tree_leaves(xs)
        n = length if length is not None else len(leaves[0])
        carry, ys = init, []
        order = range(n - 1, -1, -1) if reverse else range(n)
        for i in order:
            x = self.tree_map(lambda a, i=i: a[i], xs) if xs is not None else None
            carry, y = fn(carry, x)
            ys.append(y)
        if reverse:
            ys.reverse()
        stacked = (
            self.tree_map(lambda *a: np.stack(a), *ys)
            if ys and ys[0] is not None
            else None
        )
        return carry, stacked

    def cond(self, pred, true_fn, false_fn, *operands):
        return true_fn(*operands) if bool(pred) else false_fn(*operands)

    def switch(self, index, branches, *operands):
        return branches[int(index)](*operands)

    def while_loop(self, cond_fn, body_fn, init):
        value = init
        while cond_fn(value):
            value = body_fn(value)
        return value

    def fori_loop(self, lower, upper, body_fn, init):
        value = init
        for i in range(lower, upper):
            value = body_fn(i, value)
        return value

    def stop_gradient(self, x):
        return x

    def vmap(self, fn, in_axes=0, out_axes=0):
        return lambda x: np.stack([fn(a) for a in x])

    # -- pytrees (lists, tuples, dicts, None as an empty node, like jax) -------
    def tree_flatten(self, tree, is_leaf=None):
        leaves = []

        def walk(node):
            if is_leaf is not None and is_leaf(node):
                leaves.append(node)
                return ("leaf",)
            if node is None:
                return ("none",)
            if isinstance(node, dict):
                keys = sorted(node)
                return ("dict", keys, [walk(node[k]) for k in keys])
            if isinstance(node, tuple) and hasattr(node, "_fields"):
                return ("namedtuple", type(node), [walk(v) for v in node])
            if isinstance(node, list | tuple):
                return (type(node), [walk(v) for v in node])
            leaves.append(node)
            return ("leaf",)

        return leaves, walk(tree)

    def tree_unflatten(self, treedef, leaves):
        it = iter(leaves)

        def build(d):
            kind = d[0]
            if kind == "leaf":
                return next(it)
            if kind == "none":
                return None
            if kind == "dict":
                return {k: build(sub) for k, sub in zip(d[1], d[2])}
            if kind == "namedtuple":
                return d[1](*[build(sub) for sub in d[2]])
            return kind(build(sub) for sub in d[1])

        return build(treedef)

    def tree_leaves(self, tree, is_leaf=None):
        return self.tree_flatten(tree, is_leaf)[0]

    def tree_structure(self, tree):
        return self.tree_flatten(tree)[1]

    def tree_map(self, fn, *trees, is_leaf=None):
        leaves, treedef = self.tree_flatten(trees[0], is_leaf)
        others = [self.tree_flatten(t, is_leaf)[0] for t in trees[1:]]
        return self.tree_unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others)])

    def devices(self, kind=None):
        return ["cpu"]

    def place(self, tree, sharding=None):
        return tree

    def block_until_ready(self, tree):
        return tree

    def setup_compilation_cache(self):
        pass


class _ShapeDtype:
    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = dtype
