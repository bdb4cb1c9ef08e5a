"""Comparisons, predicates, logical and bitwise functions of `kerasish.ops.numpy`.

Re-exported by `kerasish.ops.numpy` (and `kerasish.ops`); import them from there.
"""

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `|x1 - x2| <= atol + rtol * |x2|` holds for every element."""
    return get_engine().numpy.allclose(unwrap(x1), unwrap(x2), rtol, atol, equal_nan)


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


def equal(x1, x2):
    """Elementwise `x1 == x2`."""
    return get_engine().numpy.equal(unwrap(x1), unwrap(x2))


def greater(x1, x2):
    """Elementwise `x1 > x2`."""
    return get_engine().numpy.greater(unwrap(x1), unwrap(x2))


def greater_equal(x1, x2):
    """Elementwise `x1 >= x2`."""
    return get_engine().numpy.greater_equal(unwrap(x1), unwrap(x2))


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


def left_shift(x, y):
    """Shifts the bits of `x` left by `y`, elementwise."""
    return get_engine().numpy.left_shift(unwrap(x), unwrap(y))


def less(x1, x2):
    """Elementwise `x1 < x2`."""
    return get_engine().numpy.less(unwrap(x1), unwrap(x2))


def less_equal(x1, x2):
    """Elementwise `x1 <= x2`."""
    return get_engine().numpy.less_equal(unwrap(x1), unwrap(x2))


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


def not_equal(x1, x2):
    """Elementwise `x1 != x2`."""
    return get_engine().numpy.not_equal(unwrap(x1), unwrap(x2))


def right_shift(x, y):
    """Shifts the bits of `x` right by `y`, elementwise."""
    return get_engine().numpy.right_shift(unwrap(x), unwrap(y))


def select(condlist, choicelist, default=0):
    """Takes from `choicelist[i]` where `condlist[i]` is first true, else `default`."""
    return get_engine().numpy.select(
        unwrap(condlist), unwrap(choicelist), unwrap(default)
    )


def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition` is true, else of `x2`."""
    return get_engine().numpy.where(unwrap(condition), unwrap(x1), unwrap(x2))


__all__ = [
    "allclose",
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "equal",
    "greater",
    "greater_equal",
    "isclose",
    "isfinite",
    "isin",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "left_shift",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "not_equal",
    "right_shift",
    "select",
    "where",
]
