"""The NumPy engine's `linalg` namespace."""

import types

import numpy as np

from kerasish import config


def make_namespace():
    """The functions of this namespace, by name."""
    ns = types.SimpleNamespace()

    def float_of(x):
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            return x.astype(config.floatx())
        return x

    def cholesky(x, upper=False):
        try:
            lower = np.linalg.cholesky(float_of(x))
        except np.linalg.LinAlgError as error:
            raise ValueError(
                "cholesky: the decomposition failed; the input is not a "
                "(numerically) positive-definite matrix."
            ) from error
        return np.swapaxes(lower, -1, -2).conj() if upper else lower

    def cholesky_inverse(x, upper=False):
        x = float_of(x)
        factor = np.swapaxes(x, -1, -2) if upper else x  # the lower factor L
        return np.linalg.inv(factor @ np.swapaxes(factor, -1, -2))

    def lu_factor(x):
        x = float_of(x)
        lu, piv = np.array(x), []
        # Gaussian elimination with partial pivoting, LAPACK's getrf layout.
        for batch in np.ndindex(x.shape[:-2]):
            a = lu[batch]
            n = min(a.shape)
            pivots = np.zeros(n, "int32")
            for j in range(n):
                p = j + int(np.argmax(np.abs(a[j:, j])))
                pivots[j] = p
                a[[j, p]] = a[[p, j]]
                if a[j, j] != 0:
                    a[j + 1 :, j] /= a[j, j]
                    a[j + 1 :, j + 1 :] -= np.outer(a[j + 1 :, j], a[j, j + 1 :])
            piv.append(pivots)
        return lu, np.asarray(piv).reshape(x.shape[:-2] + (min(x.shape[-2:]),))

    def solve_triangular(a, b, lower=False):
        a, b = float_of(a), float_of(b)
        mask = np.tril if lower else np.triu
        return np.linalg.solve(mask(a), b)

    def jvp(fun, primals, tangents, has_aux=False):
        raise NotImplementedError(
            "The numpy engine has no differentiation; use the JAX engine for "
            "`linalg.jvp` (`kerasish.config.set_engine('jax')`)."
        )

    def pinv(x, rcond=None):
        return np.linalg.pinv(float_of(x), rcond=1e-15 if rcond is None else rcond)

    for name, fn in {
        "cholesky": cholesky,
        "cholesky_inverse": cholesky_inverse,
        "det": lambda x: np.linalg.det(float_of(x)),
        "eig": lambda x: tuple(np.linalg.eig(float_of(x))),
        "eigh": lambda x: tuple(np.linalg.eigh(float_of(x))),
        "inv": lambda x: np.linalg.inv(float_of(x)),
        "jvp": jvp,
        "lstsq": lambda a, b, rcond=None: np.linalg.lstsq(
            float_of(a), float_of(b), rcond=rcond
        )[0],
        "lu_factor": lu_factor,
        "matrix_rank": lambda x, tol=None: np.asarray(
            np.linalg.matrix_rank(float_of(x), tol=tol)
        ).astype("int32"),
        "norm": lambda x, ord=None, axis=None, keepdims=False: np.linalg.norm(
            float_of(x),
            ord=ord,
            axis=tuple(axis) if isinstance(axis, list) else axis,
            keepdims=keepdims,
        ),
        "pinv": pinv,
        "qr": lambda x, mode="reduced": tuple(np.linalg.qr(float_of(x), mode=mode)),
        "solve": lambda a, b: np.linalg.solve(float_of(a), float_of(b)),
        "solve_triangular": solve_triangular,
        "svd": lambda x, full_matrices=True, compute_uv=True: np.linalg.svd(
            float_of(x), full_matrices=full_matrices, compute_uv=compute_uv
        ),
    }.items():
        setattr(ns, name, fn)
    return vars(ns)
