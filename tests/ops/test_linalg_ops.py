"""`kerasish.ops.linalg`: values against numpy / scipy and closed forms."""

import numpy as np
import pytest
import scipy.linalg

from kerasish import ops
from kerasish.engine import set_engine
from kerasish.ops import linalg
from tests.helpers import keras3

RNG = np.random.default_rng(1)
A = RNG.normal(size=(4, 4)).astype("float32")
SPD = (A @ A.T + 4 * np.eye(4)).astype("float32")  # symmetric positive definite
BATCH = np.stack([SPD, SPD + np.eye(4, dtype="float32")])
RECT = RNG.normal(size=(5, 3)).astype("float32")
RHS = RNG.normal(size=(4, 2)).astype("float32")
VEC = RNG.normal(size=(4,)).astype("float32")
TOL = {"rtol": 1e-4, "atol": 1e-4}


@pytest.fixture(params=["jax", "numpy"])
def engine(request):
    set_engine(request.param)
    yield request.param
    set_engine("jax")


def test_cholesky_and_cholesky_inverse(engine):
    lower = np.linalg.cholesky(SPD.astype("float64"))
    np.testing.assert_allclose(linalg.cholesky(SPD), lower, **TOL)
    np.testing.assert_allclose(linalg.cholesky(SPD, upper=True), lower.T, **TOL)
    inverse = np.linalg.inv(SPD.astype("float64"))
    np.testing.assert_allclose(linalg.cholesky_inverse(lower), inverse, **TOL)
    np.testing.assert_allclose(
        linalg.cholesky_inverse(lower.T, upper=True), inverse, **TOL
    )


def test_cholesky_of_an_indefinite_matrix_raises(engine):
    with pytest.raises(ValueError, match="positive-definite"):
        linalg.cholesky(-np.eye(3, dtype="float32"))


def test_det_inv_solve_batched(engine):
    np.testing.assert_allclose(linalg.det(BATCH), np.linalg.det(BATCH), rtol=1e-4)
    np.testing.assert_allclose(linalg.inv(BATCH), np.linalg.inv(BATCH), **TOL)
    np.testing.assert_allclose(linalg.solve(SPD, RHS), np.linalg.solve(SPD, RHS), **TOL)
    np.testing.assert_allclose(
        linalg.solve(a=SPD, b=VEC), np.linalg.solve(SPD, VEC), **TOL
    )
    # An integer matrix is solved in floatx, as Keras does.
    assert ops.dtype(linalg.det(np.eye(2, dtype="int32"))) == "float32"


def test_solve_broadcasts_a_shared_b_over_a_batch_of_a(engine):
    # Keras on JAX (NumPy 2's rule): b (n, k) is a matrix for every a in the batch.
    np.testing.assert_allclose(
        linalg.solve(BATCH, RHS), np.linalg.solve(BATCH, RHS), **TOL
    )
    lower = np.tril(BATCH) + 4 * np.eye(4, dtype="float32")
    want = [scipy.linalg.solve_triangular(m, RHS, lower=True) for m in lower]
    np.testing.assert_allclose(
        linalg.solve_triangular(lower, RHS, lower=True), want, **TOL
    )
    # b (batch, n) with a (batch, n, n): a batch of vectors, as SciPy reads it.
    vectors = np.stack([VEC, 2 * VEC])
    want = [
        scipy.linalg.solve_triangular(m, v, lower=True) for m, v in zip(lower, vectors)
    ]
    np.testing.assert_allclose(
        linalg.solve_triangular(lower, vectors, lower=True), want, **TOL
    )


def test_solve_triangular(engine):
    lower = np.tril(A) + 4 * np.eye(4, dtype="float32")
    np.testing.assert_allclose(
        linalg.solve_triangular(lower, RHS, lower=True),
        scipy.linalg.solve_triangular(lower, RHS, lower=True),
        **TOL,
    )
    upper = lower.T
    np.testing.assert_allclose(
        linalg.solve_triangular(upper, RHS),
        scipy.linalg.solve_triangular(upper, RHS, lower=False),
        **TOL,
    )


def test_eig_and_eigh(engine):
    values, vectors = linalg.eigh(SPD)
    np.testing.assert_allclose(values, np.linalg.eigvalsh(SPD), **TOL)
    np.testing.assert_allclose(
        np.asarray(vectors) @ np.diag(values) @ np.asarray(vectors).T, SPD, **TOL
    )
    values, vectors = linalg.eig(A)
    values, vectors = np.asarray(values), np.asarray(vectors)
    np.testing.assert_allclose(A @ vectors, vectors * values, **TOL)
    np.testing.assert_allclose(
        np.sort_complex(values), np.sort_complex(np.linalg.eigvals(A)), **TOL
    )


def test_lu_factor_matches_scipy(engine):
    lu, pivots = linalg.lu_factor(A)
    expected_lu, expected_pivots = scipy.linalg.lu_factor(A)
    np.testing.assert_allclose(lu, expected_lu, **TOL)
    np.testing.assert_array_equal(pivots, expected_pivots)
    lu_b, piv_b = linalg.lu_factor(np.stack([A, A.T]))
    np.testing.assert_allclose(lu_b[1], scipy.linalg.lu_factor(A.T)[0], **TOL)
    np.testing.assert_array_equal(piv_b[0], expected_pivots)


def test_lstsq_pinv_matrix_rank(engine):
    b = RNG.normal(size=(5,)).astype("float32")
    expected = np.linalg.lstsq(RECT, b, rcond=None)[0]
    np.testing.assert_allclose(linalg.lstsq(RECT, b), expected, **TOL)
    np.testing.assert_allclose(linalg.pinv(RECT), np.linalg.pinv(RECT), **TOL)
    u, v = RNG.normal(size=(2, 2, 4)).astype("float32")
    low_rank = u.T @ v  # (4, 2) @ (2, 4): rank 2
    assert int(linalg.matrix_rank(low_rank)) == 2
    singular = np.diag([100.0, 0.1, 1e-4]).astype("float32")
    # `tol` is an absolute threshold on the singular values, as in numpy.
    assert int(linalg.matrix_rank(singular, tol=1e-2)) == 2
    assert int(linalg.matrix_rank(singular, tol=1.0)) == 1


def test_norm_qr_svd(engine):
    np.testing.assert_allclose(linalg.norm(A), np.linalg.norm(A), rtol=1e-5)
    np.testing.assert_allclose(
        linalg.norm(A, ord="nuc"), np.linalg.norm(A, "nuc"), rtol=1e-4
    )
    np.testing.assert_allclose(
        linalg.norm(A, ord=1, axis=[1], keepdims=True),
        np.linalg.norm(A, 1, axis=1, keepdims=True),
        rtol=1e-5,
    )
    assert ops.dtype(linalg.norm(np.arange(4, dtype="int32"))) == "float32"
    q, r = linalg.qr(RECT)
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), RECT, **TOL)
    np.testing.assert_allclose(np.asarray(q).T @ np.asarray(q), np.eye(3), **TOL)
    assert np.allclose(np.tril(np.asarray(r), -1), 0)
    q, _ = linalg.qr(RECT, mode="complete")
    assert q.shape == (5, 5)
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(q).T, np.eye(5), **TOL)
    u, s, vh = linalg.svd(RECT, full_matrices=False)
    np.testing.assert_allclose(s, np.linalg.svd(RECT, compute_uv=False), **TOL)
    np.testing.assert_allclose((np.asarray(u) * s) @ np.asarray(vh), RECT, **TOL)
    np.testing.assert_allclose(
        linalg.svd(RECT, compute_uv=False), np.linalg.svd(RECT, compute_uv=False), **TOL
    )


def test_jvp_is_the_directional_derivative():
    def fun(x, y):
        return ops.sum(ops.sin(x) * y)

    x, y = np.float32([0.1, 0.7]), np.float32([2.0, -1.0])
    tx, ty = np.float32([1.0, 0.5]), np.float32([0.0, 3.0])
    value, tangent = linalg.jvp(fun, (x, y), (tx, ty))
    np.testing.assert_allclose(value, np.sum(np.sin(x) * y), rtol=1e-6)
    expected = np.sum(np.cos(x) * tx * y + np.sin(x) * ty)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5)
    _, _, aux = linalg.jvp(lambda a: (a * 2, a + 1), (x,), (tx,), has_aux=True)
    np.testing.assert_allclose(aux, x + 1)


def test_linalg_names_are_at_top_level_of_ops():
    for name in linalg.__all__:
        assert getattr(ops, name) is getattr(linalg, name)


def test_error_paths(engine):
    with pytest.raises(ValueError, match=r"linalg.det expects a matrix.*\(3,\)"):
        linalg.det(VEC[:3])
    with pytest.raises(ValueError, match=r"linalg.inv expects square.*\(5, 3\)"):
        linalg.inv(RECT)
    with pytest.raises(ValueError, match="`b` needs 4 rows"):
        linalg.solve(SPD, np.ones((3, 2), "float32"))
    with pytest.raises(ValueError, match="`b` needs 4 rows"):
        linalg.solve_triangular(SPD, np.float32(1.0))
    with pytest.raises(ValueError, match=r"needs 4 rows.*pass `b\[\.\.\., None\]`"):
        linalg.solve(BATCH, np.ones((2, 4), "float32"))
    with pytest.raises(
        ValueError, match=r"batch dimensions of `a` \(2,\) and `b` \(3,\)"
    ):
        linalg.solve(BATCH, np.ones((3, 4, 2), "float32"))
    with pytest.raises(ValueError, match="unknown mode 'full'"):
        linalg.qr(RECT, mode="full")
    with pytest.raises(ValueError, match="unknown ord 'max'"):
        linalg.norm(A, ord="max")
    with pytest.raises(ValueError, match="rank >= 2"):
        linalg.pinv(VEC)


def test_jvp_on_the_numpy_engine_raises():
    set_engine("numpy")
    try:
        with pytest.raises(NotImplementedError, match="no differentiation"):
            linalg.jvp(lambda x: x, (VEC,), (VEC,))
    finally:
        set_engine("jax")


@pytest.mark.compat
def test_matches_keras_on_the_same_inputs():
    keras = keras3()
    cases = [
        ("cholesky", (SPD,), {"upper": True}),
        ("det", (BATCH,), {}),
        ("inv", (SPD,), {}),
        ("solve", (SPD, RHS), {}),
        ("solve_triangular", (np.tril(SPD), RHS), {"lower": True}),
        ("lstsq", (RECT, RECT[:, :2]), {}),
        ("pinv", (RECT,), {}),
        ("matrix_rank", (RECT,), {}),
        ("norm", (A,), {"ord": "fro"}),
        ("norm", (VEC,), {"ord": 3}),
        ("cholesky_inverse", (np.linalg.cholesky(SPD),), {}),
        ("lu_factor", (A,), {}),
    ]
    for name, args, kwargs in cases:
        ours = getattr(linalg, name)(*args, **kwargs)
        theirs = getattr(keras.ops.linalg, name)(*args, **kwargs)
        for a, b in zip(
            ours if isinstance(ours, tuple) else (ours,),
            theirs if isinstance(theirs, tuple) else (theirs,),
        ):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), **TOL)
            assert str(np.asarray(a).dtype) == str(np.asarray(b).dtype), name


def test_linalg_and_numpy_ops_trace_under_jit():
    import jax

    @jax.jit
    def fn(a, b):
        x = linalg.solve(a, b)
        return ops.clip(x, x_min=-1.0, x_max=1.0), linalg.norm(x, axis=0)

    clipped, norms = fn(SPD, RHS)
    expected = np.linalg.solve(SPD, RHS)
    np.testing.assert_allclose(clipped, np.clip(expected, -1, 1), **TOL)
    np.testing.assert_allclose(norms, np.linalg.norm(expected, axis=0), **TOL)
