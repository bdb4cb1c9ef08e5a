"""A wide sweep of backend-agnostic `keras.ops`, as custom layers and losses use them.

The numpy-style ops (elementwise, reductions, shape manipulation, creation,
sorting and searching), `keras.ops.nn` activations, normalizations, convolutions
and losses, `keras.ops.linalg`, the FFT/STFT ops, `keras.ops.image`, and the
control-flow and tensor helpers (`cond`, `while_loop`, `fori_loop`, `scan`, `map`,
`vectorized_map`, `custom_gradient`, `cast`, `convert_to_tensor`), called on fixed
numpy inputs of several dtypes (float32, int32, bool, mixed with each other and
with Python scalars) with the optional arguments users pass (negative and tuple
axes, `keepdims=True`, `dtype=`). Each call's value, dtype and shape are compared;
the linear algebra whose result is defined up to sign is compared on invariants.
A handful of invalid calls must raise the same exception class.
"""

import numpy as np


def run(keras, workdir):
    ops = keras.ops
    # Under Keras every call below must work; under another library a failing op
    # is recorded as such so that the rest of the sweep still runs.
    strict = keras.__name__ == "keras"
    out = {}
    errors = []

    def to_numpy(value):
        arr = np.asarray(ops.convert_to_numpy(value))
        if arr.dtype.kind == "c":
            arr = np.stack([arr.real, arr.imag])
        elif arr.dtype.kind == "V" or arr.dtype.name in ("bfloat16", "float8_e4m3fn"):
            arr = arr.astype("float32")
        return arr

    def dtype_of(value):
        if hasattr(value, "dtype"):
            return keras.backend.standardize_dtype(value.dtype)
        return type(value).__name__

    def check(name, fn, value=True):
        """Records value (close_), dtype and shape (same_) of `fn()`."""
        try:
            result = fn()
        except Exception as e:  # recorded, not hidden: the value is compared
            if strict:
                raise
            msg = f"ERROR: {type(e).__name__}: {str(e).splitlines()[0][:160]}"
            errors.append(f"{name}: {msg}")
            for prefix in ("close_", "same_dtype_", "same_shape_"):
                out[prefix + name] = msg
            return
        results = result if isinstance(result, (tuple, list)) else [result]
        for i, item in enumerate(results):
            key = name if len(results) == 1 else f"{name}_{i}"
            out["same_dtype_" + key] = dtype_of(item)
            try:
                arr = to_numpy(item)
            except Exception as e:
                if strict:
                    raise
                arr = f"ERROR: {type(e).__name__}: {e}"
                errors.append(f"{key}: {arr}")
            out["same_shape_" + key] = getattr(arr, "shape", "?")
            if value:
                out["close_" + key] = arr

    def check_raises(name, fn):
        try:
            fn()
        except Exception as e:
            out["same_raises_" + name] = type(e).__name__
        else:
            out["same_raises_" + name] = "no error"
            if strict:
                raise AssertionError(f"{name} should raise under Keras")

    rng = np.random.default_rng(0)
    xf = rng.standard_normal((3, 4)).astype("float32")
    xp = (np.abs(xf) + 0.5).astype("float32")  # positive
    xu = rng.uniform(-0.9, 0.9, (3, 4)).astype("float32")  # inside (-1, 1)
    xi = rng.integers(-5, 6, (3, 4)).astype("int32")
    xpi = rng.integers(1, 9, (3, 4)).astype("int32")  # positive ints
    xb = xf > 0
    xn = xf.copy()
    xn[0, 1] = np.nan
    xn[2, 3] = np.nan
    x3 = rng.standard_normal((2, 3, 4)).astype("float32")
    v = np.array([3.0, -1.0, 2.0, 0.5, -2.5], dtype="float32")
    a = (rng.standard_normal((4, 4)) + 4 * np.eye(4)).astype("float32")
    spd = (a @ a.T + np.eye(4)).astype("float32")
    b = rng.standard_normal((4, 2)).astype("float32")
    img = rng.random((2, 8, 8, 3)).astype("float32")

    # --- elementwise, float32 ---------------------------------------------------
    for name in """
        abs absolute negative sign square cbrt exp exp2 expm1 sin cos tan
        arctan sinh cosh tanh arcsinh floor ceil round trunc deg2rad
        rad2deg erf sinc i0 fabs signbit isfinite isnan isinf isneginf
        isposinf isreal conj conjugate real imag copy ravel sigmoid relu
        relu6 softplus softsign silu swish log_sigmoid hard_sigmoid
        hard_silu hard_swish selu celu elu tanh_shrink hard_tanh
        hard_shrink soft_shrink squareplus sparse_plus sparse_sigmoid angle
    """.split():
        check(name, lambda n=name: getattr(ops, n)(xf))
    for name in "sqrt rsqrt log log10 log1p log2 reciprocal".split():
        check(name, lambda n=name: getattr(ops, n)(xp))
    for name in "arcsin arccos arctanh erfinv".split():
        check(name, lambda n=name: getattr(ops, n)(xu))
    check("arccosh", lambda: ops.arccosh(xp + 1.0))
    check("erfc", lambda: ops.erfc(xf))
    check("nan_to_num", lambda: ops.nan_to_num(xn, nan=-7.0))
    check("round_decimals", lambda: ops.round(xf * 10, decimals=1))
    check("leaky_relu", lambda: ops.leaky_relu(xf, negative_slope=0.3))
    check("gelu_exact", lambda: ops.gelu(xf, approximate=False))
    check("gelu_tanh", lambda: ops.gelu(xf))
    check("elu_alpha", lambda: ops.elu(xf, alpha=0.5))
    check("celu_alpha", lambda: ops.celu(xf, alpha=2.0))
    check("threshold", lambda: ops.threshold(xf, 0.2, -1.0))
    check("glu", lambda: ops.glu(xf, axis=-1))
    check(
        "sparsemax",
        lambda: ops.sparsemax(
            np.array([[0.0, 3.0, 0.5, -1.0], [2.0, -2.0, 0.1, 0.3]], "float32"), axis=-1
        ),
    )
    check("softmax_axis0", lambda: ops.softmax(xf, axis=0))
    check("softmax_last", lambda: ops.softmax(x3, axis=-1))
    check("softmax_tuple", lambda: ops.softmax(x3, axis=(1, 2)))
    check("log_softmax", lambda: ops.log_softmax(xf, axis=-1))
    check("log_softmax_axis0", lambda: ops.log_softmax(xf, axis=0))

    # --- elementwise, int32 / bool and dtype promotion ---------------------------
    check("abs_int", lambda: ops.abs(xi))
    check("square_int", lambda: ops.square(xi))
    check("negative_int", lambda: ops.negative(xi))
    check("sign_int", lambda: ops.sign(xi))
    check("sqrt_int", lambda: ops.sqrt(xpi))
    check("exp_int", lambda: ops.exp(xi))
    check("sin_bool", lambda: ops.sin(xb))
    check("relu_int", lambda: ops.relu(xi))
    check("hard_tanh_int", lambda: ops.hard_tanh(xi))
    check("hard_shrink_int", lambda: ops.hard_shrink(xi))
    check("soft_shrink_bool", lambda: ops.soft_shrink(xb))
    check("sparse_plus_int", lambda: ops.sparse_plus(xi))
    check("sparse_sigmoid_int", lambda: ops.sparse_sigmoid(xi))
    check("floor_int", lambda: ops.floor(xi))
    check("round_int", lambda: ops.round(xi))
    check("ceil_int", lambda: ops.ceil(xi))
    check("trunc_int", lambda: ops.trunc(xi))
    check("reciprocal_int", lambda: ops.reciprocal(xpi))
    check("logical_not", lambda: ops.logical_not(xb))
    check("logical_not_int", lambda: ops.logical_not(xi))
    check("bitwise_not", lambda: ops.bitwise_not(xi))
    check("bitwise_invert", lambda: ops.bitwise_invert(xi))
    check("add_int_float", lambda: ops.add(xi, xf))
    check("add_int_pyfloat", lambda: ops.add(xi, 1.5))
    check("add_int_pyint", lambda: ops.add(xi, 2))
    check("add_bool_int", lambda: ops.add(xb, xi))
    check("add_bool_pyint", lambda: ops.add(xb, 1))
    check("multiply_pyint_int", lambda: ops.multiply(2, xi))
    check("multiply_bool_bool", lambda: ops.multiply(xb, xb))
    check("divide_int_int", lambda: ops.divide(xi, xpi))
    check("divide_int_pyint", lambda: ops.divide(xi, 2))
    check("true_divide", lambda: ops.true_divide(xf, xp))
    check("floor_divide_int", lambda: ops.floor_divide(xi, 2))
    check("floor_divide", lambda: ops.floor_divide(xf, xp))
    check("mod_int", lambda: ops.mod(xi, 3))
    check("mod", lambda: ops.mod(xf, xp))
    check("fmod", lambda: ops.fmod(xf, xp))
    check("power_int", lambda: ops.power(xi, 2))
    check("power_float_pyfloat", lambda: ops.power(xp, 0.5))
    check("power_int_float", lambda: ops.power(xpi, xf))
    check("subtract_mixed", lambda: ops.subtract(xf, xi))
    check("maximum_int_pyfloat", lambda: ops.maximum(xi, 0.5))
    check("minimum", lambda: ops.minimum(xf, xu))
    check("fmax", lambda: ops.fmax(xn, xf))
    check("fmin", lambda: ops.fmin(xn, xf))
    check("arctan2", lambda: ops.arctan2(xf, xu))
    check("hypot", lambda: ops.hypot(xf, xu))
    check("logaddexp", lambda: ops.logaddexp(xf, xu))
    check("logaddexp2", lambda: ops.logaddexp2(xf, xu))
    check("heaviside", lambda: ops.heaviside(xf, 0.5))
    check("nextafter", lambda: ops.nextafter(xf, xu))
    check("ldexp", lambda: ops.ldexp(xf, xi))
    check("gcd", lambda: ops.gcd(xi, xpi))
    check("lcm", lambda: ops.lcm(xi, xpi))
    check("divide_no_nan", lambda: ops.divide_no_nan(xf, xb.astype("float32")))
    check("clip", lambda: ops.clip(xf, -0.5, 0.5))
    check("clip_int", lambda: ops.clip(xi, -2, 2))
    check("clip_int_float_bounds", lambda: ops.clip(xi, -1.5, 2.5))
    for name in "equal not_equal greater greater_equal less less_equal".split():
        check(name, lambda n=name: getattr(ops, n)(xf, xu))
    check("equal_int_pyfloat", lambda: ops.equal(xi, 2.0))
    check("isclose", lambda: ops.isclose(xf, xf + 1e-7))
    check("allclose", lambda: ops.allclose(xf, xf + 1e-3, atol=1e-2))
    check("logical_and", lambda: ops.logical_and(xb, xu > 0))
    check("logical_or", lambda: ops.logical_or(xb, xu > 0))
    check("logical_xor", lambda: ops.logical_xor(xb, xu > 0))
    for name in "bitwise_and bitwise_or bitwise_xor".split():
        check(name, lambda n=name: getattr(ops, n)(xi, xpi))
    check("bitwise_and_bool", lambda: ops.bitwise_and(xb, xu > 0))
    check("left_shift", lambda: ops.left_shift(xpi, 2))
    check("right_shift", lambda: ops.right_shift(xpi, 1))
    check("bitwise_left_shift", lambda: ops.bitwise_left_shift(xpi, xpi % 3))
    check("bitwise_right_shift", lambda: ops.bitwise_right_shift(xpi, 1))
    check("where", lambda: ops.where(xb, xf, 0.0))
    check("where_scalars", lambda: ops.where(xb, 1, 0.5))
    check("where_int_float", lambda: ops.where(xb, xi, xf))
    check("where_one_arg", lambda: ops.where(xb))

    # --- reductions ---------------------------------------------------------------
    check("amax", lambda: ops.amax(x3, axis=1))
    check("amin", lambda: ops.amin(x3, axis=(0, 1), keepdims=True))
    for name in "sum mean max min prod std var".split():
        f = getattr(ops, name)
        check(name, lambda f=f: f(x3))
        check(name + "_neg_axis", lambda f=f: f(x3, axis=-1))
        check(name + "_tuple_keepdims", lambda f=f: f(x3, axis=(0, 2), keepdims=True))
    check("sum_int", lambda: ops.sum(xi, axis=0))
    check("sum_bool", lambda: ops.sum(xb))
    check("mean_int", lambda: ops.mean(xi, axis=1))
    check("mean_bool", lambda: ops.mean(xb))
    check("max_int", lambda: ops.max(xi, axis=-1, keepdims=True))
    check("prod_int", lambda: ops.prod(xpi, axis=0))
    check("var_int", lambda: ops.var(xi))
    check("any", lambda: ops.any(xb, axis=1))
    check("all", lambda: ops.all(xb, axis=0, keepdims=True))
    check("any_float", lambda: ops.any(xf))
    check("argmax", lambda: ops.argmax(xf, axis=-1))
    check("argmin", lambda: ops.argmin(x3))
    check("argmax_keepdims", lambda: ops.argmax(xf, axis=0, keepdims=True))
    check("median", lambda: ops.median(xf, axis=-1))
    check("percentile", lambda: ops.percentile(xf, 30.0, axis=0))
    check("quantile", lambda: ops.quantile(xf, np.array([0.25, 0.5]), axis=1))
    check("quantile_nearest", lambda: ops.quantile(xf, 0.4, method="nearest"))
    check("average", lambda: ops.average(xf, axis=1, weights=np.arange(1.0, 5.0)))
    check("count_nonzero", lambda: ops.count_nonzero(xi, axis=0))
    check("ptp", lambda: ops.ptp(xf, axis=1))
    check("logsumexp", lambda: ops.logsumexp(x3, axis=(1, 2)))
    check("logsumexp_keepdims", lambda: ops.logsumexp(xf, axis=-1, keepdims=True))
    for name in """
        nansum nanmean nanmax nanmin nanstd nanvar nanprod nanmedian
        nancumsum nancumprod
    """.split():
        check(name, lambda n=name: getattr(ops, n)(xn, axis=1))
    check("nanargmax", lambda: ops.nanargmax(xn, axis=1))
    check("nanargmin", lambda: ops.nanargmin(xn, axis=0))
    check("nanpercentile", lambda: ops.nanpercentile(xn, 50.0, axis=1))
    check("nanquantile", lambda: ops.nanquantile(xn, 0.5, axis=1))
    check("norm", lambda: ops.norm(xf))
    check("norm_axis", lambda: ops.norm(xf, ord=1, axis=-1, keepdims=True))
    check("norm_fro", lambda: ops.norm(xf, ord="fro", axis=(0, 1)))
    check("trace", lambda: ops.trace(a))
    check("diagonal", lambda: ops.diagonal(x3, offset=1, axis1=1, axis2=2))
    check("trapezoid", lambda: ops.trapezoid(xf, dx=0.5, axis=-1))
    check("cumsum", lambda: ops.cumsum(xf, axis=0))
    check("cumsum_flat", lambda: ops.cumsum(xi))
    check("cumsum_bool", lambda: ops.cumsum(xb, axis=1))
    check("cumprod", lambda: ops.cumprod(xp, axis=-1))
    check("diff", lambda: ops.diff(xf, n=2, axis=-1))

    # --- shapes -------------------------------------------------------------------
    check("reshape", lambda: ops.reshape(x3, (4, -1)))
    check("transpose", lambda: ops.transpose(x3, axes=(2, 0, 1)))
    check("transpose_default", lambda: ops.transpose(x3))
    check("expand_dims", lambda: ops.expand_dims(xf, axis=-1))
    check("expand_dims_tuple", lambda: ops.expand_dims(xf, axis=(0, 2)))
    check("squeeze", lambda: ops.squeeze(xf[None, :, None], axis=(0, 2)))
    check("concatenate", lambda: ops.concatenate([xf, xu], axis=-1))
    check("concatenate_mixed", lambda: ops.concatenate([xi, xf], axis=0))
    check("concatenate_none", lambda: ops.concatenate([xf, xu], axis=None))
    check("stack", lambda: ops.stack([xf, xu], axis=1))
    check("hstack", lambda: ops.hstack([xf, xi]))
    check("vstack", lambda: ops.vstack([xf, xu]))
    check("dstack", lambda: ops.dstack([xf, xu]))
    check("split", lambda: ops.split(xf, 2, axis=1))
    check("split_indices", lambda: ops.split(xf, [1, 3], axis=-1))
    check("array_split", lambda: ops.array_split(v, 3))
    check("hsplit", lambda: ops.hsplit(xf, 2))
    check("vsplit", lambda: ops.vsplit(x3, 2))
    check("dsplit", lambda: ops.dsplit(x3, 2))
    check("unstack", lambda: ops.unstack(xf, axis=1))
    check("tile", lambda: ops.tile(xf, (2, 1)))
    check("repeat", lambda: ops.repeat(xf, 2, axis=0))
    check("repeat_flat", lambda: ops.repeat(xi, 2))
    check("flip", lambda: ops.flip(x3, axis=(0, 2)))
    check("fliplr", lambda: ops.fliplr(xf))
    check("flipud", lambda: ops.flipud(xf))
    check("rot90", lambda: ops.rot90(xf, k=3))
    check("roll", lambda: ops.roll(xf, shift=1, axis=-1))
    check("roll_flat", lambda: ops.roll(xf, shift=5))
    check("moveaxis", lambda: ops.moveaxis(x3, 0, -1))
    check("swapaxes", lambda: ops.swapaxes(x3, 0, 2))
    check("broadcast_to", lambda: ops.broadcast_to(v[:4], (3, 4)))
    check("pad", lambda: ops.pad(xf, ((1, 0), (0, 2))))
    check("pad_reflect", lambda: ops.pad(xf, 1, mode="reflect"))
    check("pad_value", lambda: ops.pad(xi, ((0, 1), (1, 1)), constant_values=9))
    check("take", lambda: ops.take(xf, np.array([2, 0]), axis=0))
    check("take_flat", lambda: ops.take(xf, np.array([[1, 5], [7, 11]])))
    check(
        "take_along_axis",
        lambda: ops.take_along_axis(xf, np.argsort(xf, axis=1), axis=1),
    )
    check("get_item", lambda: ops.get_item(xf, 1))
    check("tril", lambda: ops.tril(a, k=-1))
    check("triu", lambda: ops.triu(a))
    check("diag", lambda: ops.diag(v))
    check("diag_extract", lambda: ops.diag(a, k=1))
    check("diagflat", lambda: ops.diagflat(xf[:2, :2]))
    check("meshgrid", lambda: ops.meshgrid(v[:3], v[:2], indexing="ij"))
    check("append", lambda: ops.append(xf, xu, axis=0))
    check("append_flat", lambda: ops.append(xi, xf))
    check("select", lambda: ops.select([xf < -0.5, xf > 0.5], [xf, -xf], default=0.0))
    check("slice", lambda: ops.slice(x3, (0, 1, 1), (2, 2, 2)))
    check(
        "slice_update", lambda: ops.slice_update(xf, (1, 1), np.ones((2, 2), "float32"))
    )
    check(
        "scatter",
        lambda: ops.scatter(np.array([[0, 1], [2, 3]]), np.array([5.0, 6.0]), (3, 4)),
    )
    check(
        "scatter_update",
        lambda: ops.scatter_update(
            xf, np.array([[0, 0], [2, 1]]), np.array([10.0, 20.0], "float32")
        ),
    )
    check("size", lambda: ops.size(x3))
    check("ndim", lambda: ops.ndim(x3))
    check("rearrange", lambda: ops.rearrange(x3, "b h w -> b (h w)"))
    check("rearrange_split", lambda: ops.rearrange(x3, "b h (w c) -> b h w c", c=2))

    # --- creation -----------------------------------------------------------------
    check("arange", lambda: ops.arange(5))
    check("arange_float", lambda: ops.arange(0.0, 1.0, 0.25))
    check("arange_dtype", lambda: ops.arange(1, 7, 2, dtype="float32"))
    check("linspace", lambda: ops.linspace(0.0, 1.0, 5))
    check("linspace_endpoint", lambda: ops.linspace(0, 10, 4, endpoint=False))
    check("linspace_int", lambda: ops.linspace(0, 10, 6, dtype="int32"))
    check("logspace", lambda: ops.logspace(0.0, 2.0, 3))
    check("geomspace", lambda: ops.geomspace(1.0, 8.0, 4))
    check("zeros", lambda: ops.zeros((2, 3)))
    check("zeros_int", lambda: ops.zeros((2,), dtype="int32"))
    check("ones", lambda: ops.ones((2, 2), dtype="bool"))
    check("full", lambda: ops.full((2, 2), 3))
    check("full_float", lambda: ops.full((2,), 1.5))
    check("full_bool", lambda: ops.full((2,), True))
    check("full_dtype", lambda: ops.full((2,), 7, dtype="float16"))
    check("full_like", lambda: ops.full_like(xi, 2.5))
    check("full_like_dtype", lambda: ops.full_like(xi, 2.5, dtype="float32"))
    check("zeros_like", lambda: ops.zeros_like(xb))
    check("ones_like", lambda: ops.ones_like(xi, dtype="float32"))
    check("empty", lambda: ops.empty((2, 3), dtype="int32"), value=False)
    check("empty_like", lambda: ops.empty_like(xf), value=False)
    check("eye", lambda: ops.eye(3, 4, k=1))
    check("eye_dtype", lambda: ops.eye(2, dtype="int32"))
    check("identity", lambda: ops.identity(3))
    check("tri", lambda: ops.tri(3, 4, k=0))
    check("array", lambda: ops.array([[1, 2], [3, 4]]))
    check("array_float", lambda: ops.array([1.0, 2.5], dtype="float32"))
    check("vander", lambda: ops.vander(v[:3], N=4))
    for name in "hamming hanning bartlett blackman".split():
        check(name, lambda n=name: getattr(ops, n)(6))
    check("kaiser", lambda: ops.kaiser(6, 2.0))
    check("tri_int", lambda: ops.tri(3, dtype="int32"))

    # --- products -----------------------------------------------------------------
    check("matmul", lambda: ops.matmul(xf, a))
    check("matmul_batched", lambda: ops.matmul(x3, a))
    check("matmul_int", lambda: ops.matmul(xi, xi.T))
    check("matmul_mixed", lambda: ops.matmul(xi, a))
    check("dot", lambda: ops.dot(xf, v[:4]))
    check("vdot", lambda: ops.vdot(xf, xu))
    check("inner", lambda: ops.inner(xf, xu))
    check("outer", lambda: ops.outer(v, v[:3]))
    check("tensordot", lambda: ops.tensordot(x3, a, axes=1))
    check("tensordot_pairs", lambda: ops.tensordot(x3, xf, axes=([1, 2], [0, 1])))
    check("einsum", lambda: ops.einsum("bij,jk->bik", x3, a))
    check("einsum_trace", lambda: ops.einsum("ii", a))
    check("kron", lambda: ops.kron(xf[:2, :2], xu[:2, :2]))
    check("cross", lambda: ops.cross(xf[:, :3], xu[:, :3]))
    check("correlate", lambda: ops.correlate(v, v[:3], mode="same"))
    check("cdist", lambda: ops.cdist(xf, xu))
    check("corrcoef", lambda: ops.corrcoef(xf))

    # --- sorting and searching ----------------------------------------------------
    check("sort", lambda: ops.sort(xf, axis=0))
    check("sort_default", lambda: ops.sort(xi))
    check("argsort", lambda: ops.argsort(xf, axis=-1))
    check("argpartition", lambda: ops.sort(ops.argpartition(v, 2)[:2]))
    check("top_k", lambda: ops.top_k(xf, k=2))
    check("in_top_k", lambda: ops.in_top_k(np.array([0, 3, 1]), xf, k=2))
    check("searchsorted", lambda: ops.searchsorted(np.sort(v), xf[0], side="right"))
    check("digitize", lambda: ops.digitize(xf, np.array([-1.0, 0.0, 1.0], "float32")))
    check("unique", lambda: ops.unique(np.array([3, 1, 3, 2, 1])))
    check(
        "unique_counts",
        lambda: ops.unique(
            np.array([3, 1, 3, 2, 1]), return_counts=True, return_inverse=True
        ),
    )
    check("nonzero", lambda: ops.nonzero(xi))
    check("isin", lambda: ops.isin(xi, np.array([0, 1, 2])))
    check("isin_invert", lambda: ops.isin(xi, np.array([0, 1, 2]), invert=True))
    check("unravel_index", lambda: ops.unravel_index(np.array([3, 7, 11]), (3, 4)))
    check("histogram", lambda: ops.histogram(v, bins=4, range=(-3.0, 3.0)))
    check("bincount", lambda: ops.bincount(np.array([0, 1, 1, 3])))
    check(
        "bincount_weights",
        lambda: ops.bincount(
            np.array([0, 1, 1, 3]), weights=np.array([0.5, 1.0, 2.0, 1.5]), minlength=5
        ),
    )

    # --- float64 numpy arrays and Python lists, as users pass them ------------------
    xd = xf.astype("float64")
    for name in """
        reshape transpose squeeze ravel abs exp sum mean max cumsum sort
        flip copy tanh relu
    """.split():
        f = getattr(ops, name)
        fn = (lambda f=f: f(xd, (4, 3))) if name == "reshape" else (lambda f=f: f(xd))
        check(name + "_float64", fn)
        out["same_is_tensor_" + name + "_float64"] = bool(ops.is_tensor(fn()))
    check("matmul_float64", lambda: ops.matmul(xd, xd.T))
    check("add_float64_float32", lambda: ops.add(xd, xf))
    check("sum_list", lambda: ops.sum([1, 2, 3]))
    check("mean_list", lambda: ops.mean([1.0, 2.0, 4.0]))
    check("add_lists", lambda: ops.add([1, 2], [0.5, 1.5]))
    check("stack_lists", lambda: ops.stack([[1, 2], [3, 4]], axis=1))
    check("max_list_ints", lambda: ops.max([3, 1, 2]))

    # --- casting and tensors ------------------------------------------------------
    check("cast", lambda: ops.cast(xf, "int32"))
    check("cast_bool", lambda: ops.cast(xi, "bool"))
    check("cast_bf16", lambda: ops.cast(xf, "bfloat16"))
    check("cast_f16", lambda: ops.cast(xi, "float16"))
    check("saturate_cast", lambda: ops.saturate_cast(xf * 200, "uint8"))
    check("convert_to_tensor", lambda: ops.convert_to_tensor(xi, dtype="float32"))
    check("convert_to_tensor_list", lambda: ops.convert_to_tensor([1, 2, 3]))
    check("convert_to_tensor_floats", lambda: ops.convert_to_tensor([1.0, 2.0]))
    check("convert_to_tensor_bool", lambda: ops.convert_to_tensor([True, False]))
    check(
        "convert_to_tensor_scalar", lambda: ops.convert_to_tensor(3.5, dtype="float16")
    )
    check("view", lambda: ops.view(xf, "int32"))
    check("stop_gradient", lambda: ops.stop_gradient(xf))
    check(
        "view_as_real",
        lambda: ops.view_as_real(ops.view_as_complex(np.stack([xf, xu], axis=-1))),
    )
    check("polar", lambda: ops.polar(xp, xf))
    t = ops.convert_to_tensor(xf)
    out["same_is_tensor"] = (ops.is_tensor(t), ops.is_tensor(xf), ops.is_tensor(1.0))
    out["same_shape_of"] = tuple(ops.shape(x3))
    out["same_shape_index"] = ops.shape(t)[-1]
    out["same_dtype_of"] = (ops.dtype(t), ops.dtype(ops.cast(t, "float16")))
    out["same_dtype_standardized"] = keras.backend.standardize_dtype(
        ops.cast(xi, "uint8").dtype
    )

    # --- control flow -------------------------------------------------------------
    check("cond", lambda: ops.cond(ops.sum(t) > 0, lambda: t * 2, lambda: t - 1))
    check(
        "cond_false", lambda: ops.cond(ops.sum(t) > 1e9, lambda: t * 2, lambda: t - 1)
    )
    check(
        "while_loop",
        lambda: ops.while_loop(
            lambda i, s: i < 5, lambda i, s: (i + 1, s * 2.0), (0, ops.ones((2,)))
        ),
    )
    check("fori_loop", lambda: ops.fori_loop(0, 4, lambda i, s: s + i, 0.5))
    check("fori_loop_tensor", lambda: ops.fori_loop(1, 3, lambda i, s: s * xp, xp))
    check("scan", lambda: ops.scan(lambda c, x: (c + x, c * x), 0.0, v))
    check("scan_length", lambda: ops.scan(lambda c, _: (c * 2, c), 1, None, length=4))
    check(
        "scan_reverse", lambda: ops.scan(lambda c, x: (c + x, c), 0.0, v, reverse=True)
    )
    check("associative_scan", lambda: ops.associative_scan(lambda x, y: x + y, v))
    check("map", lambda: ops.map(lambda row: ops.sum(row * row), xf))
    check("map_tuple", lambda: ops.map(lambda r: (r[0], r[1]), (xf, xu)))
    check("vectorized_map", lambda: ops.vectorized_map(lambda row: ops.max(row), xf))
    check("vectorize", lambda: ops.vectorize(lambda u, w: u * w + 1)(xf, xu))
    check("switch", lambda: ops.switch(1, [lambda x: x + 1, lambda x: x * 3], xf))

    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

        return ops.log(1 + e), grad

    check("custom_gradient", lambda: log1pexp(xf))
    check("jvp", lambda: ops.jvp(lambda x: ops.sin(x) * x, (xf,), (ops.ones_like(xf),)))

    # --- nn -----------------------------------------------------------------------
    check("moments", lambda: ops.moments(x3, axes=[0, 1]))
    check("moments_keepdims", lambda: ops.moments(xf, axes=[-1], keepdims=True))
    check("normalize", lambda: ops.normalize(xf, axis=-1))
    check("normalize_l1", lambda: ops.normalize(xf, axis=0, order=1))
    check(
        "batch_normalization",
        lambda: ops.batch_normalization(
            xf,
            np.zeros(4, "float32") + 0.1,
            np.ones(4, "float32") * 2.0,
            axis=-1,
            offset=np.full(4, 0.5, "float32"),
            scale=np.full(4, 1.5, "float32"),
        ),
    )
    check(
        "layer_normalization",
        lambda: ops.layer_normalization(
            xf,
            gamma=np.full(4, 2.0, "float32"),
            beta=np.full(4, 0.1, "float32"),
            axis=-1,
        ),
    )
    check("rms_normalization", lambda: ops.rms_normalization(xf, scale=2.0, axis=-1))
    check("one_hot", lambda: ops.one_hot(np.array([0, 2, 1]), 4))
    check(
        "one_hot_axis", lambda: ops.one_hot(np.array([0, 2]), 3, axis=0, dtype="int32")
    )
    check("multi_hot", lambda: ops.multi_hot(np.array([[0, 2], [1, 1]]), num_classes=4))
    kernel = rng.standard_normal((3, 3, 3, 2)).astype("float32")
    check("conv", lambda: ops.conv(img, kernel, strides=1, padding="same"))
    check("conv_valid_strided", lambda: ops.conv(img, kernel, strides=2))
    check(
        "conv1d",
        lambda: ops.conv(
            x3, rng.standard_normal((2, 4, 5)).astype("float32"), padding="same"
        ),
    )
    check(
        "conv_transpose",
        lambda: ops.conv_transpose(
            img,
            rng.standard_normal((3, 3, 2, 3)).astype("float32"),
            strides=2,
            padding="same",
        ),
    )
    dw = rng.standard_normal((3, 3, 3, 2)).astype("float32")
    check("depthwise_conv", lambda: ops.depthwise_conv(img, dw, padding="same"))
    check(
        "separable_conv",
        lambda: ops.separable_conv(
            img, dw, rng.standard_normal((1, 1, 6, 4)).astype("float32")
        ),
    )
    check("max_pool", lambda: ops.max_pool(img, 2, strides=2))
    check("max_pool_same", lambda: ops.max_pool(img, 3, strides=2, padding="same"))
    check("average_pool", lambda: ops.average_pool(img, (2, 2), strides=(2, 1)))
    check("adaptive_average_pool", lambda: ops.adaptive_average_pool(img, (3, 3)))
    check(
        "depth_to_space",
        lambda: ops.depth_to_space(rng.random((1, 2, 2, 8)).astype("float32"), 2),
    )
    check("space_to_depth", lambda: ops.space_to_depth(img[..., :2], 2))
    probs = ops.convert_to_numpy(ops.softmax(xf))
    onehot = np.eye(4, dtype="float32")[[1, 0, 3]]
    check(
        "categorical_crossentropy", lambda: ops.categorical_crossentropy(onehot, probs)
    )
    check(
        "categorical_crossentropy_logits",
        lambda: ops.categorical_crossentropy(onehot, xf, from_logits=True, axis=-1),
    )
    check(
        "sparse_categorical_crossentropy",
        lambda: ops.sparse_categorical_crossentropy(
            np.array([1, 0, 3]), xf, from_logits=True
        ),
    )
    check(
        "binary_crossentropy",
        lambda: ops.binary_crossentropy(xb.astype("float32"), ops.sigmoid(xf)),
    )
    check(
        "binary_crossentropy_logits",
        lambda: ops.binary_crossentropy(xb.astype("float32"), xf, from_logits=True),
    )
    q = rng.standard_normal((2, 5, 2, 4)).astype("float32")
    check("dot_product_attention", lambda: ops.dot_product_attention(q, q * 0.5, q))
    check("psnr", lambda: ops.psnr(img[0], img[1], max_val=1.0))
    check(
        "unfold",
        lambda: ops.unfold(np.transpose(img, (0, 3, 1, 2)), kernel_size=2, stride=2),
    )

    # --- linalg (up-to-sign results compared on invariants) ------------------------
    check("solve", lambda: ops.solve(a, b))
    check("inv", lambda: ops.inv(a))
    check("det", lambda: ops.det(a))
    check("slogdet", lambda: ops.slogdet(a))
    check("logdet", lambda: ops.logdet(spd))
    check("cholesky", lambda: ops.cholesky(spd))
    check("cholesky_inverse", lambda: ops.cholesky_inverse(ops.cholesky(spd)))
    check("solve_triangular", lambda: ops.solve_triangular(np.tril(a), b, lower=True))
    check("pinv", lambda: ops.pinv(xf))
    check("matrix_rank", lambda: ops.matrix_rank(xf))
    check("lstsq", lambda: ops.lstsq(a, b))
    check("linalg_norm", lambda: ops.linalg.norm(a, ord=2))
    qm, rm = ops.qr(xf.T)
    check("qr_reconstruct", lambda: ops.matmul(qm, rm))
    check("qr_abs_diag_r", lambda: ops.abs(ops.diagonal(rm)), value=True)
    out["same_shape_qr_complete"] = tuple(
        ops.shape(ops.linalg.qr(xf.T, mode="complete")[0])
    )
    u, s, vh = ops.svd(xf, full_matrices=False)
    check("svd_singular_values", lambda: s)
    check("svd_reconstruct", lambda: ops.matmul(u * s, vh))
    check("svd_compute_uv_false", lambda: ops.linalg.svd(xf, compute_uv=False))
    w, vecs = ops.eigh(spd)
    check("eigh_values", lambda: w)
    check("eigh_reconstruct", lambda: ops.matmul(vecs * w, ops.transpose(vecs)))
    lu, piv = ops.lu_factor(a)
    out["same_dtype_lu_factor"] = (dtype_of(lu), dtype_of(piv))
    out["same_shape_lu_factor"] = (tuple(ops.shape(lu)), tuple(ops.shape(piv)))
    check("eig_values", lambda: ops.sort(ops.real(ops.eig(spd)[0])))

    # --- fft / stft ---------------------------------------------------------------
    sig = np.sin(np.arange(32, dtype="float32") * 0.4)
    check("fft", lambda: ops.fft((xf, xu)))
    check("fft2", lambda: ops.fft2((xf, xu)))
    check("ifft2", lambda: ops.ifft2((xf, xu)))
    check("rfft", lambda: ops.rfft(sig))
    check("rfft_length", lambda: ops.rfft(xf, fft_length=6))
    check("irfft", lambda: ops.irfft(ops.rfft(sig), fft_length=32))
    check(
        "stft",
        lambda: ops.stft(sig, sequence_length=8, sequence_stride=4, fft_length=8),
    )
    check("extract_sequences", lambda: ops.extract_sequences(sig, 8, 4))
    check(
        "segment_sum", lambda: ops.segment_sum(xf, np.array([0, 0, 2]), num_segments=3)
    )
    check(
        "segment_max", lambda: ops.segment_max(xf, np.array([0, 1, 1]), num_segments=2)
    )

    # --- image --------------------------------------------------------------------
    image = ops.image
    check("resize", lambda: image.resize(img, (4, 6)))
    check(
        "resize_nearest", lambda: image.resize(img, (16, 16), interpolation="nearest")
    )
    check(
        "resize_bicubic_aa",
        lambda: image.resize(img, (5, 5), interpolation="bicubic", antialias=True),
    )
    check("resize_pad", lambda: image.resize(img, (4, 8), pad_to_aspect_ratio=True))
    check("resize_int", lambda: image.resize((img * 100).astype("int32"), (5, 5)))
    check("rgb_to_grayscale", lambda: image.rgb_to_grayscale(img))
    check("rgb_to_hsv", lambda: image.rgb_to_hsv(img))
    check("hsv_to_rgb", lambda: image.hsv_to_rgb(image.rgb_to_hsv(img)))
    check(
        "affine_transform",
        lambda: image.affine_transform(
            img, np.array([[1.0, 0.1, -1.0, 0.0, 1.0, 0.5, 0.0, 0.0]] * 2, "float32")
        ),
    )
    check(
        "crop_images",
        lambda: image.crop_images(
            img, top_cropping=1, left_cropping=2, target_height=4, target_width=5
        ),
    )
    check(
        "pad_images",
        lambda: image.pad_images(
            img, top_padding=1, left_padding=2, target_height=12, target_width=11
        ),
    )
    check("extract_patches", lambda: image.extract_patches(img, 4))
    check(
        "gaussian_blur",
        lambda: image.gaussian_blur(
            img, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format="channels_last"
        ),
    )
    check(
        "map_coordinates",
        lambda: image.map_coordinates(
            img[0, :, :, 0],
            np.array([[0.5, 2.2, 7.0], [1.0, 3.5, 6.3]], "float32"),
            order=1,
        ),
    )
    check(
        "perspective_transform",
        lambda: image.perspective_transform(
            img,
            np.array([[[0, 0], [7, 0], [0, 7], [7, 7]]] * 2, "float32"),
            np.array([[[1, 0], [7, 1], [0, 6], [6, 7]]] * 2, "float32"),
        ),
    )
    check("sobel_edges", lambda: image.sobel_edges(img))
    check("ssim", lambda: image.ssim(img, img * 0.9, max_val=1.0, filter_size=3))

    # --- what an invalid call raises --------------------------------------------------
    check_raises("matmul_shapes", lambda: ops.matmul(xf, xf))
    check_raises("sum_bad_axis", lambda: ops.sum(xf, axis=3))
    check_raises("reshape_bad", lambda: ops.reshape(xf, (5, -1)))
    check_raises("concatenate_shapes", lambda: ops.concatenate([xf, x3], axis=0))
    check_raises("add_shapes", lambda: ops.add(xf, np.ones((2, 4), "float32")))
    check_raises("cast_bad_dtype", lambda: ops.cast(xf, "float33"))
    check_raises("transpose_axes", lambda: ops.transpose(xf, axes=(0, 0)))
    check_raises("solve_shapes", lambda: ops.solve(a, np.ones((3, 2), "float32")))
    check_raises("softmax_bad_axis", lambda: ops.softmax(xf, axis=5))
    check_raises("stack_shapes", lambda: ops.stack([xf, v]))
    check_raises("histogram_2d", lambda: ops.histogram(xf, bins=3))

    assert strict is False or not errors, errors
    out["n_checks"] = sum(k.startswith("same_dtype_") for k in out)
    out["errors"] = errors
    return out
