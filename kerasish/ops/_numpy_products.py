"""Products and linear algebra of `kerasish.ops.numpy`.

Re-exported by `kerasish.ops.numpy` (and `kerasish.ops`); import them from there.
"""

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of the 1-D tensors `x1` and `x2`."""
    return get_engine().numpy.correlate(unwrap(x1), unwrap(x2), mode)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of (arrays of) 3-vectors `x1` and `x2`."""
    return get_engine().numpy.cross(unwrap(x1), unwrap(x2), axisa, axisb, axisc, axis)


def dot(x1, x2):
    """Dot product of `x1` and `x2` (matrix product for 2-D tensors)."""
    return get_engine().numpy.dot(unwrap(x1), unwrap(x2))


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation of `operands` as written in `subscripts`."""
    return get_engine().numpy.einsum(subscripts, *unwrap(operands), **kwargs)


def inner(x1, x2):
    """Inner product of `x1` and `x2` over their last axes."""
    return get_engine().numpy.inner(unwrap(x1), unwrap(x2))


def kron(x1, x2):
    """Kronecker product of `x1` and `x2`."""
    return get_engine().numpy.kron(unwrap(x1), unwrap(x2))


def matmul(x1, x2):
    """Matrix product of `x1` and `x2`, batched over leading axes."""
    return get_engine().numpy.matmul(unwrap(x1), unwrap(x2))


def outer(x1, x2):
    """Outer product of the flattened `x1` and `x2`."""
    return get_engine().numpy.outer(unwrap(x1), unwrap(x2))


def slogdet(x):
    """Sign and natural log of the absolute determinant of `x`."""
    return get_engine().numpy.slogdet(unwrap(x))


def tensordot(x1, x2, axes=2):
    """Tensor dot product of `x1` and `x2` over `axes`."""
    return get_engine().numpy.tensordot(unwrap(x1), unwrap(x2), axes)


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of diagonal `offset` of `x` in the plane of `axis1` and `axis2`."""
    return get_engine().numpy.trace(unwrap(x), offset, axis1, axis2)


def vdot(x1, x2):
    """Dot product of the flattened `x1` and `x2`, conjugating `x1`."""
    return get_engine().numpy.vdot(unwrap(x1), unwrap(x2))


__all__ = [
    "correlate",
    "cross",
    "dot",
    "einsum",
    "inner",
    "kron",
    "matmul",
    "outer",
    "slogdet",
    "tensordot",
    "trace",
    "vdot",
]
