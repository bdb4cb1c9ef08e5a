"""Elementwise arithmetic and math functions of `kerasish.ops.numpy`.

Re-exported by `kerasish.ops.numpy` (and `kerasish.ops`); import them from there.
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


def angle(x):
    """Argument (phase angle, in radians) of each element of `x`."""
    return get_engine().numpy.angle(unwrap(x))


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


def cbrt(x):
    """Cube root of `x`, elementwise."""
    return get_engine().numpy.cbrt(unwrap(x))


def ceil(x):
    """Smallest integer not less than `x`, elementwise."""
    return get_engine().numpy.ceil(unwrap(x))


def clip(x, x_min, x_max):
    """Clips `x` elementwise to `[x_min, x_max]`."""
    return get_engine().numpy.clip(unwrap(x), unwrap(x_min), unwrap(x_max))


def conj(x):
    """Complex conjugate of `x`, elementwise (same as `conjugate`)."""
    return get_engine().numpy.conj(unwrap(x))


def conjugate(x):
    """Complex conjugate of `x`, elementwise."""
    return get_engine().numpy.conjugate(unwrap(x))


def cos(x):
    """Cosine of `x`, elementwise."""
    return get_engine().numpy.cos(unwrap(x))


def cosh(x):
    """Hyperbolic cosine of `x`, elementwise."""
    return get_engine().numpy.cosh(unwrap(x))


def deg2rad(x):
    """Converts angles `x` from degrees to radians."""
    return get_engine().numpy.deg2rad(unwrap(x))


def divide(x1, x2):
    """Elementwise quotient `x1 / x2` (true division)."""
    return get_engine().numpy.divide(unwrap(x1), unwrap(x2))


def divide_no_nan(x1, x2):
    """Elementwise `x1 / x2`, with 0 wherever `x2` is 0."""
    return get_engine().numpy.divide_no_nan(unwrap(x1), unwrap(x2))


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


def expm1(x):
    """`exp(x) - 1`, elementwise, accurate near zero."""
    return get_engine().numpy.expm1(unwrap(x))


def fabs(x):
    """Absolute value of `x`, elementwise."""
    return get_engine().numpy.fabs(unwrap(x))


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


def gcd(x1, x2):
    """Greatest common divisor of `x1` and `x2`, elementwise."""
    return get_engine().numpy.gcd(unwrap(x1), unwrap(x2))


def heaviside(x1, x2):
    """Heaviside step of `x1`: 0 below zero, 1 above, `x2` at zero."""
    return get_engine().numpy.heaviside(unwrap(x1), unwrap(x2))


def hypot(x1, x2):
    """`sqrt(x1 ** 2 + x2 ** 2)`, elementwise."""
    return get_engine().numpy.hypot(unwrap(x1), unwrap(x2))


def i0(x):
    """Modified Bessel function of the first kind, order 0, of `x`."""
    return get_engine().numpy.i0(unwrap(x))


def imag(x):
    """Imaginary part of `x`, elementwise."""
    return get_engine().numpy.imag(unwrap(x))


def lcm(x1, x2):
    """Least common multiple of `x1` and `x2`, elementwise."""
    return get_engine().numpy.lcm(unwrap(x1), unwrap(x2))


def ldexp(x1, x2):
    """`x1 * 2 ** x2` for integer `x2`, elementwise."""
    return get_engine().numpy.ldexp(unwrap(x1), unwrap(x2))


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


def maximum(x1, x2):
    """Elementwise maximum of `x1` and `x2`."""
    return get_engine().numpy.maximum(unwrap(x1), unwrap(x2))


def minimum(x1, x2):
    """Elementwise minimum of `x1` and `x2`."""
    return get_engine().numpy.minimum(unwrap(x1), unwrap(x2))


def mod(x1, x2):
    """Remainder of `x1 / x2` with the sign of `x2`, elementwise."""
    return get_engine().numpy.mod(unwrap(x1), unwrap(x2))


def multiply(x1, x2):
    """Elementwise product `x1 * x2`, with broadcasting."""
    return get_engine().numpy.multiply(unwrap(x1), unwrap(x2))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replaces NaN by `nan` and infinities by `posinf` / `neginf` in `x`."""
    return get_engine().numpy.nan_to_num(
        unwrap(x), unwrap(nan), unwrap(posinf), unwrap(neginf)
    )


def negative(x):
    """`-x`, elementwise."""
    return get_engine().numpy.negative(unwrap(x))


def nextafter(x1, x2):
    """Next floating-point value after `x1` toward `x2`, elementwise."""
    return get_engine().numpy.nextafter(unwrap(x1), unwrap(x2))


def power(x1, x2):
    """`x1 ** x2`, elementwise."""
    return get_engine().numpy.power(unwrap(x1), unwrap(x2))


def rad2deg(x):
    """Converts angles `x` from radians to degrees."""
    return get_engine().numpy.rad2deg(unwrap(x))


def real(x):
    """Real part of `x`, elementwise."""
    return get_engine().numpy.real(unwrap(x))


def reciprocal(x):
    """`1 / x`, elementwise."""
    return get_engine().numpy.reciprocal(unwrap(x))


def round(x, decimals=0):
    """Rounds `x` to `decimals` decimals, half to even."""
    return get_engine().numpy.round(unwrap(x), decimals)


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


def sqrt(x):
    """Non-negative square root of `x`, elementwise."""
    return get_engine().numpy.sqrt(unwrap(x))


def square(x):
    """`x * x`, elementwise."""
    return get_engine().numpy.square(unwrap(x))


def subtract(x1, x2):
    """Elementwise difference `x1 - x2`, with broadcasting."""
    return get_engine().numpy.subtract(unwrap(x1), unwrap(x2))


def tan(x):
    """Tangent of `x`, elementwise."""
    return get_engine().numpy.tan(unwrap(x))


def tanh(x):
    """Hyperbolic tangent of `x`, elementwise."""
    return get_engine().numpy.tanh(unwrap(x))


def true_divide(x1, x2):
    """Elementwise quotient `x1 / x2` (same as `divide`)."""
    return get_engine().numpy.true_divide(unwrap(x1), unwrap(x2))


def trunc(x):
    """`x` truncated toward zero, elementwise."""
    return get_engine().numpy.trunc(unwrap(x))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` mapped over its inputs' elements (or core shapes in `signature`)."""
    return get_engine().numpy.vectorize(pyfunc, excluded=excluded, signature=signature)


__all__ = [
    "abs",
    "absolute",
    "add",
    "angle",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "cbrt",
    "ceil",
    "clip",
    "conj",
    "conjugate",
    "cos",
    "cosh",
    "deg2rad",
    "divide",
    "divide_no_nan",
    "erf",
    "erfinv",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "gcd",
    "heaviside",
    "hypot",
    "i0",
    "imag",
    "lcm",
    "ldexp",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logaddexp2",
    "maximum",
    "minimum",
    "mod",
    "multiply",
    "nan_to_num",
    "negative",
    "nextafter",
    "power",
    "rad2deg",
    "real",
    "reciprocal",
    "round",
    "sign",
    "signbit",
    "sin",
    "sinc",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "tanh",
    "true_divide",
    "trunc",
    "vectorize",
]
