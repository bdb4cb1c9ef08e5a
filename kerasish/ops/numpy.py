"""NumPy-style functions of `kerasish.ops`, forwarded to the active engine."""

from kerasish.ops._forward import forward_all

NUMPY_OPS = (
    "abs", "absolute", "add", "all", "amax", "amin", "any", "append", "arange",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "argmax", "argmin", "argsort", "array", "average", "bincount", "bitwise_and",
    "bitwise_or", "bitwise_xor", "broadcast_to", "cast", "ceil", "cholesky", "clip",
    "concatenate", "conj", "convert_to_numpy", "convert_to_tensor", "copy", "cos",
    "cosh", "count_nonzero", "cross", "cumprod", "cumsum", "det", "diag", "diagonal",
    "diff", "digitize", "divide", "dot", "eigh", "einsum", "empty", "equal", "erf",
    "erfinv", "exp", "expand_dims", "expm1", "eye", "flip", "floor", "floor_divide",
    "fmod", "full", "full_like", "gcd", "get_item", "greater", "greater_equal",
    "heaviside", "histogram", "hstack", "hypot", "identity", "imag", "in_top_k",
    "inv", "is_tensor", "isclose", "isfinite", "isin", "isinf", "isnan", "kron",
    "lcm", "left_shift", "less", "less_equal", "linspace", "log", "log10", "log1p",
    "log2", "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor",
    "logsumexp", "lstsq", "matmul", "max", "maximum", "mean", "median", "meshgrid",
    "min", "minimum", "mod", "moments", "moveaxis", "multiply", "nan_to_num",
    "nanmean", "nansum", "ndim", "negative", "nonzero", "norm", "not_equal", "ones",
    "ones_like", "outer", "pad", "pinv", "power", "prod", "qr", "quantile", "ravel",
    "real", "reciprocal", "repeat", "reshape", "right_shift", "rint", "roll",
    "round", "scatter", "scatter_update", "searchsorted", "segment_max",
    "segment_sum", "shape", "sign", "sin", "sinh", "size", "slice", "slice_update",
    "slogdet", "solve", "sort", "split", "sqrt", "square", "squeeze", "stack", "std",
    "subtract", "sum", "svd", "swapaxes", "take", "take_along_axis", "tan", "tanh",
    "tensordot", "tile", "top_k", "trace", "transpose", "tri", "tril", "triu",
    "true_divide", "trunc", "unique", "var", "vdot", "vstack", "where", "zeros",
    "zeros_like",)

globals().update(forward_all("numpy", NUMPY_OPS))
__all__ = list(NUMPY_OPS)
