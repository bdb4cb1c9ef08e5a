"""NumPy-style functions of `kerasish.ops`, dispatched to the active engine.

Each function has the parameters of its `keras.ops` namesake. A few names Keras
keeps in `keras.ops.core`, `.math` or `.nn` (`erf`, `top_k`, `segment_sum`, ...)
live here too, with their Keras signatures.
"""

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap


def abs(x):
    """Absolute value of `x`, elementwise (same as `absolute`)."""
    return get_engine().numpy.abs(unwrap(x))


def absolute(x):
    """Absolute value of `x`, elementwise."""
    return get_engine().numpy.absolute(unwrap(x))


def add(x1, x2):
    """Elementwise sum `x1 + x2`, with broadcasting."""
    return get_engine().numpy.add(unwrap(x1), unwrap(x2))


def all(x, axis=None, keepdims=False):
    """Whether every element of `x` is true, over `axis` (all axes if `None`)."""
    return get_engine().numpy.all(unwrap(x), axis, keepdims)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `|x1 - x2| <= atol + rtol * |x2|` holds for every element."""
    return get_engine().numpy.allclose(unwrap(x1), unwrap(x2), rtol, atol, equal_nan)


def amax(x, axis=None, keepdims=False):
    """Maximum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.amax(unwrap(x), axis, keepdims)


def amin(x, axis=None, keepdims=False):
    """Minimum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.amin(unwrap(x), axis, keepdims)


def angle(x):
    """Argument (phase angle, in radians) of each element of `x`."""
    return get_engine().numpy.angle(unwrap(x))


def any(x, axis=None, keepdims=False):
    """Whether some element of `x` is true, over `axis` (all axes if `None`)."""
    return get_engine().numpy.any(unwrap(x), axis, keepdims)


def append(x1, x2, axis=None):
    """Concatenates `x2` after `x1` along `axis` (flattening both if `None`)."""
    return get_engine().numpy.append(unwrap(x1), unwrap(x2), axis)


def arange(start, stop=None, step=None, dtype=None):
    """Values from `start` to `stop` (exclusive) in steps of `step`."""
    return get_engine().numpy.arange(unwrap(start), unwrap(stop), unwrap(step), dtype)


def arccos(x):
    """Inverse cosine of `x`, elementwise."""
    return get_engine().numpy.arccos(unwrap(x))


def arccosh(x):
    """Inverse hyperbolic cosine of `x`, elementwise."""
    return get_engine().numpy.arccosh(unwrap(x))


def arcsin(x):
    """Inverse sine of `x`, elementwise."""
    return get_engine().numpy.arcsin(unwrap(x))


def arcsinh(x):
    """Inverse hyperbolic sine of `x`, elementwise."""
    return get_engine().numpy.arcsinh(unwrap(x))


def arctan(x):
    """Inverse tangent of `x`, elementwise."""
    return get_engine().numpy.arctan(unwrap(x))


def arctan2(x1, x2):
    """Angle of the point `(x2, x1)`, in `[-pi, pi]`, elementwise."""
    return get_engine().numpy.arctan2(unwrap(x1), unwrap(x2))


def arctanh(x):
    """Inverse hyperbolic tangent of `x`, elementwise."""
    return get_engine().numpy.arctanh(unwrap(x))


def argmax(x, axis=None, keepdims=False):
    """Index of the largest element of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.argmax(unwrap(x), axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest element of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.argmin(unwrap(x), axis, keepdims)


def argpartition(x, kth, axis=-1):
    """Indices that partition `x` along `axis` around its `kth` element."""
    return get_engine().numpy.argpartition(unwrap(x), kth, axis)


def argsort(x, axis=-1):
    """Indices that sort `x` along `axis`."""
    return get_engine().numpy.argsort(unwrap(x), axis)


def array(x, dtype=None):
    """Makes a tensor from `x`, of type `dtype` if given."""
    return get_engine().numpy.array(unwrap(x), dtype)


def array_split(x, indices_or_sections, axis=0):
    """Splits `x` into parts along `axis`; sections may be unequal."""
    return get_engine().numpy.array_split(unwrap(x), indices_or_sections, axis)


def average(x, axis=None, weights=None):
    """Weighted mean of `x` over `axis`: `sum(x * weights) / sum(weights)`."""
    return get_engine().numpy.average(unwrap(x), axis, unwrap(weights))


def bartlett(x):
    """Bartlett (triangular) window of `x` points."""
    return get_engine().numpy.bartlett(unwrap(x))


def bincount(x, weights=None, minlength=0, sparse=False):
    """Count (or sum of `weights`) of each non-negative integer value in `x`."""
    return get_engine().numpy.bincount(unwrap(x), unwrap(weights), minlength, sparse)


def bitwise_and(x, y):
    """Bitwise AND of integers `x` and `y`, elementwise."""
    return get_engine().numpy.bitwise_and(unwrap(x), unwrap(y))


def bitwise_invert(x):
    """Bitwise NOT of the integers in `x`, elementwise."""
    return get_engine().numpy.bitwise_invert(unwrap(x))


def bitwise_left_shift(x, y):
    """Shifts the bits of `x` left by `y`, elementwise."""
    return get_engine().numpy.bitwise_left_shift(unwrap(x), unwrap(y))


def bitwise_not(x):
    """Bitwise NOT of the integers in `x`, elementwise."""
    return get_engine().numpy.bitwise_not(unwrap(x))


def bitwise_or(x, y):
    """Bitwise OR of integers `x` and `y`, elementwise."""
    return get_engine().numpy.bitwise_or(unwrap(x), unwrap(y))


def bitwise_right_shift(x, y):
    """Shifts the bits of `x` right by `y`, elementwise."""
    return get_engine().numpy.bitwise_right_shift(unwrap(x), unwrap(y))


def bitwise_xor(x, y):
    """Bitwise XOR of integers `x` and `y`, elementwise."""
    return get_engine().numpy.bitwise_xor(unwrap(x), unwrap(y))


def blackman(x):
    """Blackman window of `x` points."""
    return get_engine().numpy.blackman(unwrap(x))


def broadcast_to(x, shape):
    """Broadcasts `x` to `shape`."""
    return get_engine().numpy.broadcast_to(unwrap(x), shape)


def cbrt(x):
    """Cube root of `x`, elementwise."""
    return get_engine().numpy.cbrt(unwrap(x))


def ceil(x):
    """Smallest integer not less than `x`, elementwise."""
    return get_engine().numpy.ceil(unwrap(x))


def clip(x, x_min, x_max):
    """Clips `x` elementwise to `[x_min, x_max]`."""
    return get_engine().numpy.clip(unwrap(x), unwrap(x_min), unwrap(x_max))


def concatenate(xs, axis=0):
    """Joins the tensors `xs` along an existing `axis`."""
    return get_engine().numpy.concatenate(unwrap(xs), axis)


def conj(x):
    """Complex conjugate of `x`, elementwise (same as `conjugate`)."""
    return get_engine().numpy.conj(unwrap(x))


def conjugate(x):
    """Complex conjugate of `x`, elementwise."""
    return get_engine().numpy.conjugate(unwrap(x))


def copy(x):
    """A copy of `x`."""
    return get_engine().numpy.copy(unwrap(x))


def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x`."""
    return get_engine().numpy.corrcoef(unwrap(x))


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of the 1-D tensors `x1` and `x2`."""
    return get_engine().numpy.correlate(unwrap(x1), unwrap(x2), mode)


def cos(x):
    """Cosine of `x`, elementwise."""
    return get_engine().numpy.cos(unwrap(x))


def cosh(x):
    """Hyperbolic cosine of `x`, elementwise."""
    return get_engine().numpy.cosh(unwrap(x))


def count_nonzero(x, axis=None):
    """Number of non-zero elements of `x` over `axis`."""
    return get_engine().numpy.count_nonzero(unwrap(x), axis)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of (arrays of) 3-vectors `x1` and `x2`."""
    return get_engine().numpy.cross(unwrap(x1), unwrap(x2), axisa, axisb, axisc, axis)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.cumprod(unwrap(x), axis, dtype)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum of `x` along `axis` (flattened if `None`)."""
    return get_engine().numpy.cumsum(unwrap(x), axis, dtype)


def deg2rad(x):
    """Converts angles `x` from degrees to radians."""
    return get_engine().numpy.deg2rad(unwrap(x))


def diag(x, k=0):
    """Diagonal `k` of a 2-D `x`, or a 2-D tensor with 1-D `x` on diagonal `k`."""
    return get_engine().numpy.diag(unwrap(x), k)


def diagflat(x, k=0):
    """2-D tensor with the flattened `x` on diagonal `k`."""
    return get_engine().numpy.diagflat(unwrap(x), k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonal `offset` of `x` in the plane of `axis1` and `axis2`."""
    return get_engine().numpy.diagonal(unwrap(x), offset, axis1, axis2)


def diff(a, n=1, axis=-1):
    """`n`-th discrete difference of `a` along `axis`."""
    return get_engine().numpy.diff(unwrap(a), n, axis)


def digitize(x, bins):
    """Index of the bin of `bins` that each element of `x` falls into."""
    return get_engine().numpy.digitize(unwrap(x), unwrap(bins))


def divide(x1, x2):
    """Elementwise quotient `x1 / x2` (true division)."""
    return get_engine().numpy.divide(unwrap(x1), unwrap(x2))


def divide_no_nan(x1, x2):
    """Elementwise `x1 / x2`, with 0 wherever `x2` is 0."""
    return get_engine().numpy.divide_no_nan(unwrap(x1), unwrap(x2))


def dot(x1, x2):
    """Dot product of `x1` and `x2` (matrix product for 2-D tensors)."""
    return get_engine().numpy.dot(unwrap(x1), unwrap(x2))


def dsplit(x, indices_or_sections):
    """Splits `x` along its third axis."""
    return get_engine().numpy.dsplit(unwrap(x), indices_or_sections)


def dstack(xs):
    """Stacks the tensors `xs` along a third axis."""
    return get_engine().numpy.dstack(unwrap(xs))


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation of `operands` as written in `subscripts`."""
    return get_engine().numpy.einsum(subscripts, *unwrap(operands), **kwargs)


def empty(shape, dtype=None):
    """A tensor of `shape` whose values are unspecified (zeros here)."""
    return get_engine().numpy.empty(shape, dtype)


def empty_like(x, dtype=None):
    """A tensor shaped like `x` whose values are unspecified (zeros here)."""
    return get_engine().numpy.empty_like(unwrap(x), dtype)


def equal(x1, x2):
    """Elementwise `x1 == x2`."""
    return get_engine().numpy.equal(unwrap(x1), unwrap(x2))


def erf(x):
    """Gauss error function of `x`, elementwise."""
    return get_engine().math.erf(unwrap(x))


def erfinv(x):
    """Inverse of the error function of `x`, elementwise."""
    return get_engine().math.erfinv(unwrap(x))


def exp(x):
    """Exponential of `x`, elementwise."""
    return get_engine().numpy.exp(unwrap(x))


def exp2(x):
    """`2 ** x`, elementwise."""
    return get_engine().numpy.exp2(unwrap(x))


def expand_dims(x, axis):
    """Inserts a length-1 axis into `x` at `axis`."""
    return get_engine().numpy.expand_dims(unwrap(x), axis)


def expm1(x):
    """`exp(x) - 1`, elementwise, accurate near zero."""
    return get_engine().numpy.expm1(unwrap(x))


def eye(N, M=None, k=0, dtype=None):
    """2-D tensor of `N` rows and `M` columns with ones on diagonal `k`."""
    return get_engine().numpy.eye(N, M, k, dtype)


def fabs(x):
    """Absolute value of `x`, elementwise."""
    return get_engine().numpy.fabs(unwrap(x))


def flip(x, axis=None):
    """Reverses `x` along `axis` (all axes if `None`)."""
    return get_engine().numpy.flip(unwrap(x), axis)


def fliplr(x):
    """Reverses `x` along axis 1."""
    return get_engine().numpy.fliplr(unwrap(x))


def flipud(x):
    """Reverses `x` along axis 0."""
    return get_engine().numpy.flipud(unwrap(x))


def floor(x):
    """Largest integer not greater than `x`, elementwise."""
    return get_engine().numpy.floor(unwrap(x))


def floor_divide(x1, x2):
    """Elementwise `floor(x1 / x2)`."""
    return get_engine().numpy.floor_divide(unwrap(x1), unwrap(x2))


def fmax(x1, x2):
    """Elementwise maximum of `x1` and `x2`; a NaN loses to a number."""
    return get_engine().numpy.fmax(unwrap(x1), unwrap(x2))


def fmin(x1, x2):
    """Elementwise minimum of `x1` and `x2`; a NaN loses to a number."""
    return get_engine().numpy.fmin(unwrap(x1), unwrap(x2))


def fmod(x1, x2):
    """Remainder of `x1 / x2` truncated toward zero (sign of `x1`), elementwise."""
    return get_engine().numpy.fmod(unwrap(x1), unwrap(x2))


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value`."""
    return get_engine().numpy.full(shape, unwrap(fill_value), dtype)


def full_like(x, fill_value, dtype=None):
    """A tensor shaped like `x` filled with `fill_value`."""
    return get_engine().numpy.full_like(unwrap(x), unwrap(fill_value), dtype)


def gcd(x1, x2):
    """Greatest common divisor of `x1` and `x2`, elementwise."""
    return get_engine().numpy.gcd(unwrap(x1), unwrap(x2))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` numbers from `start` to `stop`, evenly spaced on a log scale."""
    return get_engine().numpy.geomspace(
        unwrap(start), unwrap(stop), num, endpoint, dtype, axis
    )


def get_item(x, key):
    """`x[key]`."""
    return get_engine().numpy.get_item(unwrap(x), unwrap(key))


def greater(x1, x2):
    """Elementwise `x1 > x2`."""
    return get_engine().numpy.greater(unwrap(x1), unwrap(x2))


def greater_equal(x1, x2):
    """Elementwise `x1 >= x2`."""
    return get_engine().numpy.greater_equal(unwrap(x1), unwrap(x2))


def hamming(x):
    """Hamming window of `x` points."""
    return get_engine().numpy.hamming(unwrap(x))


def hanning(x):
    """Hann window of `x` points."""
    return get_engine().numpy.hanning(unwrap(x))


def heaviside(x1, x2):
    """Heaviside step of `x1`: 0 below zero, 1 above, `x2` at zero."""
    return get_engine().numpy.heaviside(unwrap(x1), unwrap(x2))


def histogram(x, bins=10, range=None):
    """Counts of `x` in `bins` equal bins over `range`, and the bin edges."""
    return get_engine().numpy.histogram(unwrap(x), unwrap(bins), range)


def hsplit(x, indices_or_sections):
    """Splits `x` along axis 1 (axis 0 for 1-D `x`)."""
    return get_engine().numpy.hsplit(unwrap(x), indices_or_sections)


def hstack(xs):
    """Stacks the tensors `xs` horizontally (along axis 1, or 0 for 1-D)."""
    return get_engine().numpy.hstack(unwrap(xs))


def hypot(x1, x2):
    """`sqrt(x1 ** 2 + x2 ** 2)`, elementwise."""
    return get_engine().numpy.hypot(unwrap(x1), unwrap(x2))


def i0(x):
    """Modified Bessel function of the first kind, order 0, of `x`."""
    return get_engine().numpy.i0(unwrap(x))


def identity(n, dtype=None):
    """The `n` by `n` identity matrix."""
    return get_engine().numpy.identity(n, dtype)


def imag(x):
    """Imaginary part of `x`, elementwise."""
    return get_engine().numpy.imag(unwrap(x))


def in_top_k(targets, predictions, k):
    """Whether each `targets[i]` is among the `k` largest of `predictions[i]`."""
    return get_engine().math.in_top_k(unwrap(targets), unwrap(predictions), k)


def inner(x1, x2):
    """Inner product of `x1` and `x2` over their last axes."""
    return get_engine().numpy.inner(unwrap(x1), unwrap(x2))


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise `|x1 - x2| <= atol + rtol * |x2|`."""
    return get_engine().numpy.isclose(unwrap(x1), unwrap(x2), rtol, atol, equal_nan)


def isfinite(x):
    """Whether each element of `x` is finite."""
    return get_engine().numpy.isfinite(unwrap(x))


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of `x1` occurs in `x2`."""
    return get_engine().numpy.isin(unwrap(x1), unwrap(x2), assume_unique, invert)


def isinf(x):
    """Whether each element of `x` is positive or negative infinity."""
    return get_engine().numpy.isinf(unwrap(x))


def isnan(x):
    """Whether each element of `x` is NaN."""
    return get_engine().numpy.isnan(unwrap(x))


def isneginf(x):
    """Whether each element of `x` is negative infinity."""
    return get_engine().numpy.isneginf(unwrap(x))


def isposinf(x):
    """Whether each element of `x` is positive infinity."""
    return get_engine().numpy.isposinf(unwrap(x))


def isreal(x):
    """Whether each element of `x` has a zero imaginary part."""
    return get_engine().numpy.isreal(unwrap(x))


def kaiser(x, beta):
    """Kaiser window of `x` points with shape parameter `beta`."""
    return get_engine().numpy.kaiser(unwrap(x), unwrap(beta))


def kron(x1, x2):
    """Kronecker product of `x1` and `x2`."""
    return get_engine().numpy.kron(unwrap(x1), unwrap(x2))


def lcm(x1, x2):
    """Least common multiple of `x1` and `x2`, elementwise."""
    return get_engine().numpy.lcm(unwrap(x1), unwrap(x2))


def ldexp(x1, x2):
    """`x1 * 2 ** x2` for integer `x2`, elementwise."""
    return get_engine().numpy.ldexp(unwrap(x1), unwrap(x2))


def left_shift(x, y):
    """Shifts the bits of `x` left by `y`, elementwise."""
    return get_engine().numpy.left_shift(unwrap(x), unwrap(y))


def less(x1, x2):
    """Elementwise `x1 < x2`."""
    return get_engine().numpy.less(unwrap(x1), unwrap(x2))


def less_equal(x1, x2):
    """Elementwise `x1 <= x2`."""
    return get_engine().numpy.less_equal(unwrap(x1), unwrap(x2))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` numbers evenly spaced from `start` to `stop`."""
    return get_engine().numpy.linspace(
        unwrap(start), unwrap(stop), num, endpoint, retstep, dtype, axis
    )


def log(x):
    """Natural logarithm of `x`, elementwise."""
    return get_engine().numpy.log(unwrap(x))


def log10(x):
    """Base-10 logarithm of `x`, elementwise."""
    return get_engine().numpy.log10(unwrap(x))


def log1p(x):
    """`log(1 + x)`, elementwise, accurate near zero."""
    return get_engine().numpy.log1p(unwrap(x))


def log2(x):
    """Base-2 logarithm of `x`, elementwise."""
    return get_engine().numpy.log2(unwrap(x))


def logaddexp(x1, x2):
    """`log(exp(x1) + exp(x2))`, elementwise, without overflow."""
    return get_engine().numpy.logaddexp(unwrap(x1), unwrap(x2))


def logaddexp2(x1, x2):
    """`log2(2 ** x1 + 2 ** x2)`, elementwise, without overflow."""
    return get_engine().numpy.logaddexp2(unwrap(x1), unwrap(x2))


def logical_and(x1, x2):
    """Elementwise logical AND of `x1` and `x2`."""
    return get_engine().numpy.logical_and(unwrap(x1), unwrap(x2))


def logical_not(x):
    """Elementwise logical NOT of `x`."""
    return get_engine().numpy.logical_not(unwrap(x))


def logical_or(x1, x2):
    """Elementwise logical OR of `x1` and `x2`."""
    return get_engine().numpy.logical_or(unwrap(x1), unwrap(x2))


def logical_xor(x1, x2):
    """Elementwise logical XOR of `x1` and `x2`."""
    return get_engine().numpy.logical_xor(unwrap(x1), unwrap(x2))


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values `base ** t` for `t` evenly spaced from `start` to `stop`."""
    return get_engine().numpy.logspace(
        unwrap(start), unwrap(stop), num, endpoint, base, dtype, axis
    )


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis`, without overflow."""
    return get_engine().math.logsumexp(unwrap(x), axis, keepdims)


def matmul(x1, x2):
    """Matrix product of `x1` and `x2`, batched over leading axes."""
    return get_engine().numpy.matmul(unwrap(x1), unwrap(x2))


def max(x, axis=None, keepdims=False, initial=None):
    """Maximum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.max(unwrap(x), axis, keepdims, initial)


def maximum(x1, x2):
    """Elementwise maximum of `x1` and `x2`."""
    return get_engine().numpy.maximum(unwrap(x1), unwrap(x2))


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.mean(unwrap(x), axis, keepdims)


def median(x, axis=None, keepdims=False):
    """Median of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.median(unwrap(x), axis, keepdims)


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from the 1-D coordinate tensors `x`."""
    return get_engine().numpy.meshgrid(*unwrap(x), indexing=indexing)


def min(x, axis=None, keepdims=False, initial=None):
    """Minimum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.min(unwrap(x), axis, keepdims, initial)


def minimum(x1, x2):
    """Elementwise minimum of `x1` and `x2`."""
    return get_engine().numpy.minimum(unwrap(x1), unwrap(x2))


def mod(x1, x2):
    """Remainder of `x1 / x2` with the sign of `x2`, elementwise."""
    return get_engine().numpy.mod(unwrap(x1), unwrap(x2))


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`."""
    return get_engine().nn.moments(unwrap(x), axes, keepdims, synchronized)


def moveaxis(x, source, destination):
    """Moves axes `source` of `x` to positions `destination`."""
    return get_engine().numpy.moveaxis(unwrap(x), source, destination)


def multiply(x1, x2):
    """Elementwise product `x1 * x2`, with broadcasting."""
    return get_engine().numpy.multiply(unwrap(x1), unwrap(x2))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replaces NaN by `nan` and infinities by `posinf` / `neginf` in `x`."""
    return get_engine().numpy.nan_to_num(
        unwrap(x), unwrap(nan), unwrap(posinf), unwrap(neginf)
    )


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


def ndim(x):
    """Number of axes of `x`."""
    return get_engine().numpy.ndim(unwrap(x))


def negative(x):
    """`-x`, elementwise."""
    return get_engine().numpy.negative(unwrap(x))


def nextafter(x1, x2):
    """Next floating-point value after `x1` toward `x2`, elementwise."""
    return get_engine().numpy.nextafter(unwrap(x1), unwrap(x2))


def nonzero(x):
    """Indices of the non-zero elements of `x`, one tensor per axis."""
    return get_engine().numpy.nonzero(unwrap(x))


def not_equal(x1, x2):
    """Elementwise `x1 != x2`."""
    return get_engine().numpy.not_equal(unwrap(x1), unwrap(x2))


def ones(shape, dtype=None):
    """A tensor of `shape` filled with ones."""
    return get_engine().numpy.ones(shape, dtype)


def ones_like(x, dtype=None):
    """A tensor shaped like `x` filled with ones."""
    return get_engine().numpy.ones_like(unwrap(x), dtype)


def outer(x1, x2):
    """Outer product of the flattened `x1` and `x2`."""
    return get_engine().numpy.outer(unwrap(x1), unwrap(x2))


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads `x` by `pad_width` using `mode` ("constant", "reflect", "symmetric")."""
    return get_engine().numpy.pad(unwrap(x), pad_width, mode, unwrap(constant_values))


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """`q`-th percentile(s) of `x` over `axis` (`q` in [0, 100])."""
    return get_engine().numpy.percentile(unwrap(x), unwrap(q), axis, method, keepdims)


def power(x1, x2):
    """`x1 ** x2`, elementwise."""
    return get_engine().numpy.power(unwrap(x1), unwrap(x2))


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.prod(unwrap(x), axis, keepdims, dtype)


def ptp(x, axis=None, keepdims=False):
    """Peak to peak `max(x) - min(x)` over `axis`."""
    return get_engine().numpy.ptp(unwrap(x), axis, keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """`q`-th quantile(s) of `x` over `axis` (`q` in [0, 1])."""
    return get_engine().numpy.quantile(unwrap(x), unwrap(q), axis, method, keepdims)


def rad2deg(x):
    """Converts angles `x` from radians to degrees."""
    return get_engine().numpy.rad2deg(unwrap(x))


def ravel(x):
    """`x` flattened to 1-D."""
    return get_engine().numpy.ravel(unwrap(x))


def real(x):
    """Real part of `x`, elementwise."""
    return get_engine().numpy.real(unwrap(x))


def reciprocal(x):
    """`1 / x`, elementwise."""
    return get_engine().numpy.reciprocal(unwrap(x))


def repeat(x, repeats, axis=None):
    """Repeats each element of `x` `repeats` times along `axis`."""
    return get_engine().numpy.repeat(unwrap(x), unwrap(repeats), axis)


def reshape(x, newshape):
    """`x` with the shape `newshape` (one entry may be -1)."""
    return get_engine().numpy.reshape(unwrap(x), newshape)


def right_shift(x, y):
    """Shifts the bits of `x` right by `y`, elementwise."""
    return get_engine().numpy.right_shift(unwrap(x), unwrap(y))


def roll(x, shift, axis=None):
    """Rolls the elements of `x` by `shift` along `axis`."""
    return get_engine().numpy.roll(unwrap(x), unwrap(shift), axis)


def rot90(array, k=1, axes=(0, 1)):
    """Rotates `array` by `k` quarter turns in the plane of `axes`."""
    return get_engine().numpy.rot90(unwrap(array), k, axes)


def round(x, decimals=0):
    """Rounds `x` to `decimals` decimals, half to even."""
    return get_engine().numpy.round(unwrap(x), decimals)


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices`."""
    return get_engine().core.scatter(unwrap(indices), unwrap(values), shape)


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written (or reduced) at `indices`."""
    return get_engine().core.scatter_update(
        unwrap(inputs), unwrap(indices), unwrap(updates), reduction
    )


def searchsorted(sorted_sequence, values, side="left"):
    """Indices at which `values` would be inserted into `sorted_sequence`."""
    return get_engine().numpy.searchsorted(
        unwrap(sorted_sequence), unwrap(values), side
    )


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of `data` in each segment of `segment_ids`."""
    return get_engine().math.segment_max(
        unwrap(data), unwrap(segment_ids), num_segments, sorted
    )


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of the rows of `data` in each segment of `segment_ids`."""
    return get_engine().math.segment_sum(
        unwrap(data), unwrap(segment_ids), num_segments, sorted
    )


def select(condlist, choicelist, default=0):
    """Takes from `choicelist[i]` where `condlist[i]` is first true, else `default`."""
    return get_engine().numpy.select(
        unwrap(condlist), unwrap(choicelist), unwrap(default)
    )


def sign(x):
    """Sign of `x` (-1, 0 or 1), elementwise."""
    return get_engine().numpy.sign(unwrap(x))


def signbit(x):
    """Whether the sign bit of each element of `x` is set."""
    return get_engine().numpy.signbit(unwrap(x))


def sin(x):
    """Sine of `x`, elementwise."""
    return get_engine().numpy.sin(unwrap(x))


def sinc(x):
    """Normalized sinc `sin(pi * x) / (pi * x)`, elementwise."""
    return get_engine().numpy.sinc(unwrap(x))


def sinh(x):
    """Hyperbolic sine of `x`, elementwise."""
    return get_engine().numpy.sinh(unwrap(x))


def size(x):
    """Number of elements of `x`."""
    return get_engine().numpy.size(unwrap(x))


def slice(inputs, start_indices, shape):
    """The block of `inputs` of `shape` starting at `start_indices`."""
    return get_engine().core.slice(unwrap(inputs), unwrap(start_indices), shape)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates`."""
    return get_engine().core.slice_update(
        unwrap(inputs), unwrap(start_indices), unwrap(updates)
    )


def slogdet(x):
    """Sign and natural log of the absolute determinant of `x`."""
    return get_engine().numpy.slogdet(unwrap(x))


def sort(x, axis=-1):
    """`x` sorted along `axis`."""
    return get_engine().numpy.sort(unwrap(x), axis)


def split(x, indices_or_sections, axis=0):
    """Splits `x` into equal parts (or at indices) along `axis`."""
    return get_engine().numpy.split(unwrap(x), indices_or_sections, axis)


def sqrt(x):
    """Non-negative square root of `x`, elementwise."""
    return get_engine().numpy.sqrt(unwrap(x))


def square(x):
    """`x * x`, elementwise."""
    return get_engine().numpy.square(unwrap(x))


def squeeze(x, axis=None):
    """Removes length-1 axes of `x` (all of them if `axis` is `None`)."""
    return get_engine().numpy.squeeze(unwrap(x), axis)


def stack(x, axis=0):
    """Joins the tensors `x` along a new `axis`."""
    return get_engine().numpy.stack(unwrap(x), axis)


def std(x, axis=None, keepdims=False):
    """Standard deviation of `x` over `axis` (population, ddof 0)."""
    return get_engine().numpy.std(unwrap(x), axis, keepdims)


def subtract(x1, x2):
    """Elementwise difference `x1 - x2`, with broadcasting."""
    return get_engine().numpy.subtract(unwrap(x1), unwrap(x2))


def sum(x, axis=None, keepdims=False):
    """Sum of `x` over `axis` (all axes if `None`)."""
    return get_engine().numpy.sum(unwrap(x), axis, keepdims)


def swapaxes(x, axis1, axis2):
    """Interchanges axes `axis1` and `axis2` of `x`."""
    return get_engine().numpy.swapaxes(unwrap(x), axis1, axis2)


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (flattened if `None`)."""
    return get_engine().numpy.take(unwrap(x), unwrap(indices), axis)


def take_along_axis(x, indices, axis=None):
    """Elements of `x` at matching `indices` along `axis`."""
    return get_engine().numpy.take_along_axis(unwrap(x), unwrap(indices), axis)


def tan(x):
    """Tangent of `x`, elementwise."""
    return get_engine().numpy.tan(unwrap(x))


def tanh(x):
    """Hyperbolic tangent of `x`, elementwise."""
    return get_engine().numpy.tanh(unwrap(x))


def tensordot(x1, x2, axes=2):
    """Tensor dot product of `x1` and `x2` over `axes`."""
    return get_engine().numpy.tensordot(unwrap(x1), unwrap(x2), axes)


def tile(x, repeats):
    """Repeats the whole of `x` `repeats` times along each axis."""
    return get_engine().numpy.tile(unwrap(x), unwrap(repeats))


def top_k(x, k, sorted=True):
    """The `k` largest values of `x` along its last axis, and their indices."""
    return get_engine().math.top_k(unwrap(x), k, sorted)


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of diagonal `offset` of `x` in the plane of `axis1` and `axis2`."""
    return get_engine().numpy.trace(unwrap(x), offset, axis1, axis2)


def transpose(x, axes=None):
    """`x` with its axes permuted by `axes` (reversed if `None`)."""
    return get_engine().numpy.transpose(unwrap(x), axes)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule."""
    return get_engine().numpy.trapezoid(unwrap(y), unwrap(x), unwrap(dx), axis)


def tri(N, M=None, k=0, dtype=None):
    """`N` by `M` tensor with ones at and below diagonal `k`."""
    return get_engine().numpy.tri(N, M, k, dtype)


def tril(x, k=0):
    """Lower triangle of `x` (zeros above diagonal `k`)."""
    return get_engine().numpy.tril(unwrap(x), k)


def triu(x, k=0):
    """Upper triangle of `x` (zeros below diagonal `k`)."""
    return get_engine().numpy.triu(unwrap(x), k)


def true_divide(x1, x2):
    """Elementwise quotient `x1 / x2` (same as `divide`)."""
    return get_engine().numpy.true_divide(unwrap(x1), unwrap(x2))


def trunc(x):
    """`x` truncated toward zero, elementwise."""
    return get_engine().numpy.trunc(unwrap(x))


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
    """Sorted unique elements of `x`, with optional indices and counts."""
    return get_engine().numpy.unique(
        unwrap(x),
        sorted,
        return_index,
        return_inverse,
        return_counts,
        axis,
        size,
        unwrap(fill_value),
    )


def unravel_index(indices, shape):
    """Coordinates in `shape` of the flat `indices`."""
    return get_engine().numpy.unravel_index(unwrap(indices), shape)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of `x`, with `N` columns of powers."""
    return get_engine().numpy.vander(unwrap(x), N, increasing)


def var(x, axis=None, keepdims=False):
    """Variance of `x` over `axis` (population, ddof 0)."""
    return get_engine().numpy.var(unwrap(x), axis, keepdims)


def vdot(x1, x2):
    """Dot product of the flattened `x1` and `x2`, conjugating `x1`."""
    return get_engine().numpy.vdot(unwrap(x1), unwrap(x2))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` mapped over its inputs' elements (or core shapes in `signature`)."""
    return get_engine().numpy.vectorize(pyfunc, excluded=excluded, signature=signature)


def view(x, dtype=None):
    """The bits of `x` reinterpreted as `dtype`."""
    return get_engine().numpy.view(unwrap(x), dtype)


def vsplit(x, indices_or_sections):
    """Splits `x` along axis 0."""
    return get_engine().numpy.vsplit(unwrap(x), indices_or_sections)


def vstack(xs):
    """Stacks the tensors `xs` vertically (along axis 0)."""
    return get_engine().numpy.vstack(unwrap(xs))


def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition` is true, else of `x2`."""
    return get_engine().numpy.where(unwrap(condition), unwrap(x1), unwrap(x2))


def zeros(shape, dtype=None):
    """A tensor of `shape` filled with zeros."""
    return get_engine().numpy.zeros(shape, dtype)


def zeros_like(x, dtype=None):
    """A tensor shaped like `x` filled with zeros."""
    return get_engine().numpy.zeros_like(unwrap(x), dtype)


__all__ = [
    "abs",
    "absolute",
    "add",
    "all",
    "allclose",
    "amax",
    "amin",
    "angle",
    "any",
    "append",
    "arange",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "argmax",
    "argmin",
    "argpartition",
    "argsort",
    "array",
    "array_split",
    "average",
    "bartlett",
    "bincount",
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "blackman",
    "broadcast_to",
    "cbrt",
    "ceil",
    "clip",
    "concatenate",
    "conj",
    "conjugate",
    "copy",
    "corrcoef",
    "correlate",
    "cos",
    "cosh",
    "count_nonzero",
    "cross",
    "cumprod",
    "cumsum",
    "deg2rad",
    "diag",
    "diagflat",
    "diagonal",
    "diff",
    "digitize",
    "divide",
    "divide_no_nan",
    "dot",
    "dsplit",
    "dstack",
    "einsum",
    "empty",
    "empty_like",
    "equal",
    "erf",
    "erfinv",
    "exp",
    "exp2",
    "expand_dims",
    "expm1",
    "eye",
    "fabs",
    "flip",
    "fliplr",
    "flipud",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "full",
    "full_like",
    "gcd",
    "geomspace",
    "get_item",
    "greater",
    "greater_equal",
    "hamming",
    "hanning",
    "heaviside",
    "histogram",
    "hsplit",
    "hstack",
    "hypot",
    "i0",
    "identity",
    "imag",
    "in_top_k",
    "inner",
    "isclose",
    "isfinite",
    "isin",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "kaiser",
    "kron",
    "lcm",
    "ldexp",
    "left_shift",
    "less",
    "less_equal",
    "linspace",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logspace",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "median",
    "meshgrid",
    "min",
    "minimum",
    "mod",
    "moments",
    "moveaxis",
    "multiply",
    "nan_to_num",
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
    "ndim",
    "negative",
    "nextafter",
    "nonzero",
    "not_equal",
    "ones",
    "ones_like",
    "outer",
    "pad",
    "percentile",
    "power",
    "prod",
    "ptp",
    "quantile",
    "rad2deg",
    "ravel",
    "real",
    "reciprocal",
    "repeat",
    "reshape",
    "right_shift",
    "roll",
    "rot90",
    "round",
    "scatter",
    "scatter_update",
    "searchsorted",
    "segment_max",
    "segment_sum",
    "select",
    "sign",
    "signbit",
    "sin",
    "sinc",
    "sinh",
    "size",
    "slice",
    "slice_update",
    "slogdet",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "subtract",
    "sum",
    "swapaxes",
    "take",
    "take_along_axis",
    "tan",
    "tanh",
    "tensordot",
    "tile",
    "top_k",
    "trace",
    "transpose",
    "trapezoid",
    "tri",
    "tril",
    "triu",
    "true_divide",
    "trunc",
    "unique",
    "unravel_index",
    "vander",
    "var",
    "vdot",
    "vectorize",
    "view",
    "vsplit",
    "vstack",
    "where",
    "zeros",
    "zeros_like",
]
