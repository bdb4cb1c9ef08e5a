import numpy as np
import pytest

from kerasish import ops
from kerasish.variables import Variable

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("relu", lambda x: np.maximum(x, 0)),
        ("relu6", lambda x: np.clip(x, 0, 6)),
        ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
        ("softplus", lambda x: np.log1p(np.exp(x))),
        ("softsign", lambda x: x / (1 + np.abs(x))),
        ("silu", lambda x: x / (1 + np.exp(-x))),
        ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
        ("tanh", np.tanh),
        ("hard_sigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ],
)
def test_elementwise_activations_match_numpy(name, reference):
    x = RNG.normal(size=(4, 5)).astype("float32") * 3
    np.testing.assert_allclose(
        getattr(ops, name)(x), reference(x), rtol=1e-5, atol=1e-6
    )


def test_softmax_log_softmax_logsumexp_are_stable_at_extremes():
    x = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], dtype="float32")
    e = np.exp(x[1] - x[1].max())
    np.testing.assert_allclose(ops.softmax(x)[1], e / e.sum(), rtol=1e-6)
    np.testing.assert_allclose(ops.softmax(x)[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(ops.log_softmax(x)[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(
        ops.logsumexp(x, axis=-1), [1000.0, 3 + np.log(e.sum())], rtol=1e-6
    )


def test_matmul_einsum_reshape_where_concatenate():
    a = RNG.normal(size=(3, 4)).astype("float32")
    b = RNG.normal(size=(4, 2)).astype("float32")
    np.testing.assert_allclose(ops.matmul(a, b), a @ b, rtol=1e-5)
    np.testing.assert_allclose(ops.einsum("ij,jk->ik", a, b), a @ b, rtol=1e-5)
    np.testing.assert_array_equal(ops.reshape(a, (2, 6)), a.reshape(2, 6))
    np.testing.assert_array_equal(ops.where(a > 0, a, 0.0), np.where(a > 0, a, 0.0))
    np.testing.assert_array_equal(
        ops.concatenate([a, a], axis=0), np.concatenate([a, a])
    )
    np.testing.assert_array_equal(ops.stack([a, a]), np.stack([a, a]))


def test_one_hot_cast_and_numpy_round_trip():
    np.testing.assert_array_equal(ops.one_hot(np.array([0, 2]), 3), np.eye(3)[[0, 2]])
    assert ops.dtype(ops.cast(np.ones(2), "int32")) == "int32"
    x = np.arange(6.0).reshape(2, 3)
    assert ops.dtype(ops.convert_to_tensor(x)) == "float32"  # float64 -> floatx
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.convert_to_tensor(x)), x)


def test_conv_matches_direct_loop():
    x = RNG.normal(size=(1, 5, 5, 2)).astype("float32")
    k = RNG.normal(size=(3, 3, 2, 4)).astype("float32")
    out = np.asarray(ops.conv(x, k, padding="valid"))
    ref = np.zeros((1, 3, 3, 4), "float32")
    for i in range(3):
        for j in range(3):
            ref[0, i, j] = np.einsum("hwc,hwcf->f", x[0, i : i + 3, j : j + 3], k)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_pooling_matches_numpy():
    x = RNG.normal(size=(1, 4, 4, 1)).astype("float32")
    blocks = x[0, :, :, 0].reshape(2, 2, 2, 2).transpose(0, 2, 1, 3)
    np.testing.assert_allclose(ops.max_pool(x, 2)[0, :, :, 0], blocks.max(axis=(2, 3)))
    np.testing.assert_allclose(
        ops.average_pool(x, 2)[0, :, :, 0], blocks.mean(axis=(2, 3)), rtol=1e-6
    )


def test_ops_accept_variables():
    v = Variable(np.ones((3, 2), "float32"))
    np.testing.assert_allclose(ops.matmul(np.ones((1, 3), "float32"), v), [[3.0, 3.0]])
    np.testing.assert_allclose(ops.sum(v), 6.0)


def test_linear_algebra_basics():
    m = np.array([[2.0, 1.0], [1.0, 3.0]], dtype="float32")
    np.testing.assert_allclose(ops.inv(m), np.linalg.inv(m), rtol=1e-5)
    np.testing.assert_allclose(ops.det(m), np.linalg.det(m), rtol=1e-5)
    np.testing.assert_allclose(ops.norm(m), np.linalg.norm(m), rtol=1e-6)
