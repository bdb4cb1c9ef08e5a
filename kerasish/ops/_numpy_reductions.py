"""Reductions, statistics and scans of `kerasish.ops.numpy`.

Re-exported by `kerasish.ops.numpy` (and `kerasish.ops`); import them from there.
"""

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap

# kerasish.ops.numpy re-exports the segment reductions, defined once in ops.math.
from kerasish.ops.math import segment_max, segment_sum


def all(x, axis=None, keepdims=False):
    """Whether every element of `x` is true, over `axis` (all axes if `None`)."""
    return get_engine().numpy.all(unwrap(x), axis, keepdims)


def amax(x, axis=None, keepdims=False):
    """Maximum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.amax(unwrap(x), axis, keepdims)


def amin(x, axis=None, keepdims=False):
    """Minimum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.amin(unwrap(x), axis, keepdims)


def any(x, axis=None, keepdims=False):
    """Whether some element of `x` is true, over `axis` (all axes if `None`)."""
    return get_engine().numpy.any(unwrap(x), axis, keepdims)


def argmax(x, axis=None, keepdims=False):
    """Index of the largest element of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.argmax(unwrap(x), axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest element of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.argmin(unwrap(x), axis, keepdims)


def average(x, axis=None, weights=None):
    """Weighted mean of `x` over `axis`: `sum(x * weights) / sum(weights)`."""
    return get_engine().numpy.average(unwrap(x), axis, unwrap(weights))


def bincount(x, weights=None, minlength=0, sparse=False):
    """Count (or sum of `weights`) of each non-negative integer value in `x`."""
    return get_engine().numpy.bincount(unwrap(x), unwrap(weights), minlength, sparse)


def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x`."""
    return get_engine().numpy.corrcoef(unwrap(x))


def count_nonzero(x, axis=None):
    """Number of non-zero elements of `x` over `axis`."""
    return get_engine().numpy.count_nonzero(unwrap(x), axis)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.cumprod(unwrap(x), axis, dtype)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.cumsum(unwrap(x), axis, dtype)


def histogram(x, bins=10, range=None):
    """Counts of the 1-D `x` in `bins` equal bins over `range`, and the bin edges."""
    if not isinstance(bins, int):
        raise TypeError(
            "histogram: Argument `bins` must be of type `int` (the number of bins). "
            f"Received: bins={bins!r}"
        )
    if bins < 0:
        raise ValueError(
            "histogram: Argument `bins` should be a non-negative integer. "
            f"Received: bins={bins}"
        )
    if range:
        if not isinstance(range, tuple) or len(range) < 2:
            raise ValueError(
                "histogram: Argument `range` must be a tuple of two elements "
                f"(lower, upper). Received: range={range!r}"
            )
        if range[1] < range[0]:
            raise ValueError(
                "histogram: The second element of `range` must be greater than the "
                f"first. Received: range={range!r}"
            )
    x = get_engine().convert_to_tensor(unwrap(x))
    if len(x.shape) > 1:
        raise ValueError(
            "histogram: Input tensor must be 1-dimensional. Received: `x` with shape "
            f"{tuple(x.shape)}; flatten it first (`ops.ravel(x)`) to count all of "
            "its elements."
        )
    return get_engine().numpy.histogram(x, bins, range)


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis`, without overflow."""
    return get_engine().math.logsumexp(unwrap(x), axis, keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    """Maximum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.max(unwrap(x), axis, keepdims, initial)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.mean(unwrap(x), axis, keepdims)


def median(x, axis=None, keepdims=False):
    """Median of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.median(unwrap(x), axis, keepdims)


def min(x, axis=None, keepdims=False, initial=None):
    """Minimum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.min(unwrap(x), axis, keepdims, initial)


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`."""
    return get_engine().nn.moments(unwrap(x), axes, keepdims, synchronized)


def nanargmax(x, axis=None, keepdims=False):
    """Index of the largest element of `x` along `axis`, ignoring NaNs."""
    return get_engine().numpy.nanargmax(unwrap(x), axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    """Index of the smallest element of `x` along `axis`, ignoring NaNs."""
    return get_engine().numpy.nanargmin(unwrap(x), axis, keepdims)


def nancumprod(x, axis=None, dtype=None):
    """Cumulative product of `x` along `axis`, NaNs counted as 1."""
    return get_engine().numpy.nancumprod(unwrap(x), axis, dtype)


def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum of `x` along `axis`, NaNs counted as 0."""
    return get_engine().numpy.nancumsum(unwrap(x), axis, dtype)


def nanmax(x, axis=None, keepdims=False):
    """Maximum of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanmax(unwrap(x), axis, keepdims)


def nanmean(x, axis=None, keepdims=False):
    """Mean of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanmean(unwrap(x), axis, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    """Median of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanmedian(unwrap(x), axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    """Minimum of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanmin(unwrap(x), axis, keepdims)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """`q`-th percentile(s) of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanpercentile(
        unwrap(x), unwrap(q), axis, method, keepdims
    )


def nanprod(x, axis=None, keepdims=False):
    """Product of `x` over `axis`, NaNs counted as 1."""
    return get_engine().numpy.nanprod(unwrap(x), axis, keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """`q`-th quantile(s) of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanquantile(unwrap(x), unwrap(q), axis, method, keepdims)


def nanstd(x, axis=None, keepdims=False):
    """Standard deviation of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanstd(unwrap(x), axis, keepdims)


def nansum(x, axis=None, keepdims=False):
    """Sum of `x` over `axis`, NaNs counted as 0."""
    return get_engine().numpy.nansum(unwrap(x), axis, keepdims)


def nanvar(x, axis=None, keepdims=False):
    """Variance of `x` over `axis`, ignoring NaNs."""
    return get_engine().numpy.nanvar(unwrap(x), axis, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """`q`-th percentile(s) of `x` over `axis` (`q` in [0, 100])."""
    return get_engine().numpy.percentile(unwrap(x), unwrap(q), axis, method, keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.prod(unwrap(x), axis, keepdims, dtype)


def ptp(x, axis=None, keepdims=False):
    """Peak to peak `max(x) - min(x)` over `axis`."""
    return get_engine().numpy.ptp(unwrap(x), axis, keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """`q`-th quantile(s) of `x` over `axis` (`q` in [0, 1])."""
    return get_engine().numpy.quantile(unwrap(x), unwrap(q), axis, method, keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation of `x` over `axis` (population, ddof 0)."""
    return get_engine().numpy.std(unwrap(x), axis, keepdims)


def sum(x, axis=None, keepdims=False):
    """Sum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.sum(unwrap(x), axis, keepdims)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule."""
    return get_engine().numpy.trapezoid(unwrap(y), unwrap(x), unwrap(dx), axis)


def var(x, axis=None, keepdims=False):
    """Variance of `x` over `axis` (population, ddof 0)."""
    return get_engine().numpy.var(unwrap(x), axis, keepdims)


__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "average",
    "bincount",
    "corrcoef",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "histogram",
    "logsumexp",
    "max",
    "mean",
    "median",
    "min",
    "moments",
    "nanargmax",
    "nanargmin",
    "nancumprod",
    "nancumsum",
    "nanmax",
    "nanmean",
    "nanmedian",
    "nanmin",
    "nanpercentile",
    "nanprod",
    "nanquantile",
    "nanstd",
    "nansum",
    "nanvar",
    "percentile",
    "prod",
    "ptp",
    "quantile",
    "segment_max",
    "segment_sum",
    "std",
    "sum",
    "trapezoid",
    "var",
]
