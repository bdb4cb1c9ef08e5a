"""Linear algebra for the JAX engine, with the names and arguments of `ops.linalg`."""

import jax
import jax.numpy as jnp
import jax.scipy as jsp

from kerasish import config


def _float(x):
    """Integers and booleans become floatx (as in Keras); floats stay as they are."""
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.integer) or x.dtype == jnp.bool_:
        return x.astype(config.floatx())
    return x


def cholesky(x, upper=False):
    out = jnp.linalg.cholesky(_float(x), upper=upper)
    try:
        # Eagerly, a matrix that is not positive definite raises, as numpy does;
        # under a trace the NaNs are returned.
        failed = bool(jnp.any(jnp.isnan(out)))
    except jax.errors.ConcretizationTypeError:
        failed = False
    if failed:
        raise ValueError(
            "cholesky: the decomposition failed; the input is not a (numerically) "
            "positive-definite matrix."
        )
    return out


def cholesky_inverse(x, upper=False):
    x = _float(x)
    eye = jnp.eye(x.shape[-1], dtype=x.dtype)
    # x is L (x = L L^T) or U (x = U^T U); inv = inv(L)^T inv(L) or inv(U) inv(U)^T.
    factor_inv = jsp.linalg.solve_triangular(x, eye, lower=not upper)
    if upper:
        return factor_inv @ jnp.swapaxes(factor_inv, -1, -2)
    return jnp.swapaxes(factor_inv, -1, -2) @ factor_inv


def det(x):
    return jnp.linalg.det(_float(x))


def eig(x):
    return jnp.linalg.eig(_float(x))


def eigh(x):
    return jnp.linalg.eigh(_float(x))


def inv(x):
    return jnp.linalg.inv(_float(x))


def lu_factor(x):
    x = _float(x)
    fn = jsp.linalg.lu_factor
    for _ in range(x.ndim - 2):
        fn = jax.vmap(fn)
    return fn(x)


def norm(x, ord=None, axis=None, keepdims=False):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return jnp.linalg.norm(_float(x), ord=ord, axis=axis, keepdims=keepdims)


def qr(x, mode="reduced"):
    return jnp.linalg.qr(_float(x), mode=mode)


def solve(a, b):
    return jnp.linalg.solve(_float(a), _float(b))


def solve_triangular(a, b, lower=False):
    return jsp.linalg.solve_triangular(_float(a), _float(b), lower=lower)


def svd(x, full_matrices=True, compute_uv=True):
    return jnp.linalg.svd(_float(x), full_matrices=full_matrices, compute_uv=compute_uv)


def lstsq(a, b, rcond=None):
    return jnp.linalg.lstsq(_float(a), _float(b), rcond=rcond)[0]


def matrix_rank(x, tol=None):
    return jnp.linalg.matrix_rank(_float(x), tol=tol).astype("int32")


def pinv(x, rcond=None):
    return jnp.linalg.pinv(_float(x), rtol=rcond)


def jvp(fun, primals, tangents, has_aux=False):
    return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
