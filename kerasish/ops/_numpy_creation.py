"""Array creation functions and windows of `kerasish.ops.numpy`.

Re-exported by `kerasish.ops.numpy` (and `kerasish.ops`); import them from there.
"""

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap


def arange(start, stop=None, step=None, dtype=None):
    """Values from `start` to `stop` (exclusive) in steps of `step`."""
    return get_engine().numpy.arange(unwrap(start), unwrap(stop), unwrap(step), dtype)


def array(x, dtype=None):
    """Makes a tensor from `x`, of type `dtype` if given."""
    return get_engine().numpy.array(unwrap(x), dtype)


def bartlett(x):
    """Bartlett (triangular) window of `x` points."""
    return get_engine().numpy.bartlett(unwrap(x))


def blackman(x):
    """Blackman window of `x` points."""
    return get_engine().numpy.blackman(unwrap(x))


def empty(shape, dtype=None):
    """A tensor of `shape` whose values are unspecified (zeros here)."""
    return get_engine().numpy.empty(shape, dtype)


def empty_like(x, dtype=None):
    """A tensor shaped like `x` whose values are unspecified (zeros here)."""
    return get_engine().numpy.empty_like(unwrap(x), dtype)


def eye(N, M=None, k=0, dtype=None):
    """2-D tensor of `N` rows and `M` columns with ones on diagonal `k`."""
    return get_engine().numpy.eye(N, M, k, dtype)


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value`."""
    return get_engine().numpy.full(shape, unwrap(fill_value), dtype)


def full_like(x, fill_value, dtype=None):
    """A tensor shaped like `x` filled with `fill_value`."""
    return get_engine().numpy.full_like(unwrap(x), unwrap(fill_value), dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` numbers from `start` to `stop`, evenly spaced on a log scale."""
    return get_engine().numpy.geomspace(
        unwrap(start), unwrap(stop), num, endpoint, dtype, axis
    )


def hamming(x):
    """Hamming window of `x` points."""
    return get_engine().numpy.hamming(unwrap(x))


def hanning(x):
    """Hann window of `x` points."""
    return get_engine().numpy.hanning(unwrap(x))


def identity(n, dtype=None):
    """The `n` by `n` identity matrix."""
    return get_engine().numpy.identity(n, dtype)


def kaiser(x, beta):
    """Kaiser window of `x` points with shape parameter `beta`."""
    return get_engine().numpy.kaiser(unwrap(x), unwrap(beta))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` numbers evenly spaced from `start` to `stop`."""
    return get_engine().numpy.linspace(
        unwrap(start), unwrap(stop), num, endpoint, retstep, dtype, axis
    )


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values `base ** t` for `t` evenly spaced from `start` to `stop`."""
    return get_engine().numpy.logspace(
        unwrap(start), unwrap(stop), num, endpoint, base, dtype, axis
    )


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from the 1-D coordinate tensors `x`."""
    return get_engine().numpy.meshgrid(*unwrap(x), indexing=indexing)


def ones(shape, dtype=None):
    """A tensor of `shape` filled with ones."""
    return get_engine().numpy.ones(shape, dtype)


def ones_like(x, dtype=None):
    """A tensor shaped like `x` filled with ones."""
    return get_engine().numpy.ones_like(unwrap(x), dtype)


def tri(N, M=None, k=0, dtype=None):
    """`N` by `M` tensor with ones at and below diagonal `k`."""
    return get_engine().numpy.tri(N, M, k, dtype)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of `x`, with `N` columns of powers."""
    return get_engine().numpy.vander(unwrap(x), N, increasing)


def zeros(shape, dtype=None):
    """A tensor of `shape` filled with zeros."""
    return get_engine().numpy.zeros(shape, dtype)


def zeros_like(x, dtype=None):
    """A tensor shaped like `x` filled with zeros."""
    return get_engine().numpy.zeros_like(unwrap(x), dtype)


__all__ = [
    "arange",
    "array",
    "bartlett",
    "blackman",
    "empty",
    "empty_like",
    "eye",
    "full",
    "full_like",
    "geomspace",
    "hamming",
    "hanning",
    "identity",
    "kaiser",
    "linspace",
    "logspace",
    "meshgrid",
    "ones",
    "ones_like",
    "tri",
    "vander",
    "zeros",
    "zeros_like",
]
