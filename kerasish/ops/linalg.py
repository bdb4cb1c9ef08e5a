"""Linear-algebra functions of `kerasish.ops.linalg`, dispatched to the engine."""

import numpy as np

from kerasish.engine import get_engine
from kerasish.ops._forward import unwrap


def _matrix(x, name, square=False):
    """`x` as an engine array of rank >= 2 (square if asked), checked before tracing."""
    x = get_engine().convert_to_tensor(unwrap(x))
    if x.ndim < 2:
        raise ValueError(
            f"linalg.{name} expects a matrix (rank >= 2), received shape "
            f"{tuple(x.shape)}."
        )
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"linalg.{name} expects square matrices, received shape {tuple(x.shape)}."
        )
    return x


def _system(a, b, name):
    """`a` square, `b` a vector `(n,)` or matrices `(..., n, k)` whose batch
    dimensions broadcast against `a`'s (NumPy 2's and JAX's rule, as in Keras)."""
    a = _matrix(a, name, square=True)
    b = get_engine().convert_to_tensor(unwrap(b))
    n = a.shape[-2]
    rows = b.shape[-2] if b.ndim >= 2 else (b.shape[0] if b.ndim else None)
    if rows != n:
        raise ValueError(
            f"linalg.{name}: `b` of shape {tuple(b.shape)} does not match `a` of "
            f"shape {tuple(a.shape)}; `b` needs {n} rows: a vector ({n},) or "
            f"matrices (..., {n}, k). For a batch of vectors pass `b[..., None]`."
        )
    try:
        np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        raise ValueError(
            f"linalg.{name}: the batch dimensions of `a` {tuple(a.shape[:-2])} and "
            f"`b` {tuple(b.shape[:-2])} do not broadcast."
        ) from None
    return a, b


def cholesky(x, upper=False):
    """Cholesky factor of the positive-definite `x` (lower, or upper if `upper`)."""
    return get_engine().linalg.cholesky(_matrix(x, "cholesky", square=True), upper)


def cholesky_inverse(x, upper=False):
    """Inverse of a matrix from its Cholesky factor `x`."""
    return get_engine().linalg.cholesky_inverse(
        _matrix(x, "cholesky_inverse", square=True), upper
    )


def det(x):
    """Determinant of the square matrix (or matrices) `x`."""
    return get_engine().linalg.det(_matrix(x, "det", square=True))


def eig(x):
    """Eigenvalues and right eigenvectors of the square matrix `x`."""
    return get_engine().linalg.eig(_matrix(x, "eig", square=True))


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of the symmetric `x`."""
    return get_engine().linalg.eigh(_matrix(x, "eigh", square=True))


def inv(x):
    """Inverse of the square matrix (or matrices) `x`."""
    return get_engine().linalg.inv(_matrix(x, "inv", square=True))


def jvp(fun, primals, tangents, has_aux=False):
    """Value of `fun(*primals)` and its directional derivative along `tangents`."""
    return get_engine().linalg.jvp(fun, unwrap(primals), unwrap(tangents), has_aux)


def lstsq(a, b, rcond=None):
    """Least-squares solution `x` minimizing `||a @ x - b||`."""
    return get_engine().linalg.lstsq(unwrap(a), unwrap(b), rcond)


def lu_factor(x):
    """LU factorization of `x`: the packed `lu` factors and the pivots."""
    return get_engine().linalg.lu_factor(_matrix(x, "lu_factor"))


def matrix_rank(x, tol=None):
    """Rank of `x` from the number of singular values above `tol`."""
    return get_engine().linalg.matrix_rank(_matrix(x, "matrix_rank"), tol)


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm of `x` of order `ord` over `axis`."""
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(
            f"linalg.norm: unknown ord {ord!r}. Valid string orders: 'fro', 'nuc'."
        )
    return get_engine().linalg.norm(unwrap(x), ord, axis, keepdims)


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse of `x`, from its SVD."""
    return get_engine().linalg.pinv(_matrix(x, "pinv"), rcond)


def qr(x, mode="reduced"):
    """QR decomposition of `x` (`mode` "reduced" or "complete")."""
    if mode not in ("reduced", "complete"):
        raise ValueError(
            f"linalg.qr: unknown mode {mode!r}. Valid modes: 'reduced', 'complete'."
        )
    return get_engine().linalg.qr(unwrap(x), mode)


def solve(a, b):
    """Solution `x` of the square linear system `a @ x = b`."""
    a, b = _system(a, b, "solve")
    return get_engine().linalg.solve(a, b)


def solve_triangular(a, b, lower=False):
    """Solution of `a @ x = b` for a triangular `a`."""
    a = _matrix(a, "solve_triangular", square=True)
    b = get_engine().convert_to_tensor(unwrap(b))
    if 2 <= b.ndim == a.ndim - 1 and b.shape[-1] == a.shape[-1]:
        # A batch of vectors, as Keras on JAX (SciPy's rule) reads this `b`.
        return solve_triangular(a, b[..., None], lower)[..., 0]
    a, b = _system(a, b, "solve_triangular")
    return get_engine().linalg.solve_triangular(a, b, lower)


def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition `u, s, vh` of `x`."""
    return get_engine().linalg.svd(unwrap(x), full_matrices, compute_uv)


__all__ = [
    "cholesky",
    "cholesky_inverse",
    "det",
    "eig",
    "eigh",
    "inv",
    "jvp",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "solve",
    "solve_triangular",
    "svd",
]
