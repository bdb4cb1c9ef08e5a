"""`random.gamma`, `random.binomial`, `random.beta`: moments against closed forms."""

import numpy as np
import pytest

from kerasish import random
from tests.helpers import keras3, signature_parts

N = 40_000


def _moments(x):
    x = np.asarray(x, dtype="float64")
    return x.mean(), x.var()


def _close(sample, mean, var):
    # Standard errors: mean ~ sqrt(var / N); variance ~ var * sqrt(2 / N) (plus
    # excess kurtosis, covered by the factor 6).
    got_mean, got_var = _moments(sample)
    assert abs(got_mean - mean) < 6 * np.sqrt(var / N), (got_mean, mean)
    assert abs(got_var - var) < 6 * var * np.sqrt(2 / N) + 1e-3, (got_var, var)


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_gamma_moments(alpha):
    # Gamma(alpha, scale 1): mean alpha, variance alpha.
    sample = random.gamma((N,), alpha=alpha, seed=1)
    assert sample.dtype == "float32" and (np.asarray(sample) > 0).all()
    _close(sample, alpha, alpha)


@pytest.mark.parametrize("counts, p", [(10, 0.3), (1, 0.9)])
def test_binomial_moments(counts, p):
    sample = random.binomial((N,), counts=counts, probabilities=p, seed=2)
    values = np.asarray(sample)
    assert sample.dtype == "float32"
    assert np.array_equal(values, np.round(values)) and values.max() <= counts
    _close(sample, counts * p, counts * p * (1 - p))


@pytest.mark.parametrize("a, b", [(2.0, 3.0), (0.5, 0.5)])
def test_beta_moments(a, b):
    sample = random.beta((N,), alpha=a, beta=b, seed=3)
    values = np.asarray(sample)
    assert ((values >= 0) & (values <= 1)).all()
    _close(sample, a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1)))


def test_parameters_broadcast_against_shape():
    counts = np.array([5.0, 50.0])
    sample = np.asarray(random.binomial((N, 2), counts, [0.5, 0.1], seed=4))
    np.testing.assert_allclose(sample.mean(axis=0), [2.5, 5.0], atol=0.06)
    sample = np.asarray(random.beta((N, 2), [1.0, 4.0], [1.0, 1.0], seed=5))
    np.testing.assert_allclose(sample.mean(axis=0), [0.5, 0.8], atol=0.01)


def test_seeded_repeatability_and_seed_generators():
    for draw in (
        lambda s: random.gamma((5,), 2.0, seed=s),
        lambda s: random.binomial((5,), 8, 0.4, seed=s),
        lambda s: random.beta((5,), 2.0, 2.0, seed=s),
    ):
        np.testing.assert_array_equal(draw(7), draw(7))
        assert not np.array_equal(draw(7), draw(8))
        gen_a, gen_b = random.SeedGenerator(11), random.SeedGenerator(11)
        first = draw(gen_a)
        np.testing.assert_array_equal(first, draw(gen_b))
        assert not np.array_equal(first, draw(gen_a))  # the generator advanced


def test_dtype_argument():
    assert random.gamma((2,), 1.0, dtype="float16", seed=0).dtype == "float16"
    assert random.binomial((2,), 3, 0.5, dtype="int32", seed=0).dtype == "int32"
    assert random.beta((2,), 1.0, 1.0, dtype="bfloat16", seed=0).dtype == "bfloat16"


def test_numpy_engine_draws_the_same_distributions():
    from kerasish import config

    config.set_backend("numpy")
    try:
        draws = np.asarray(random.beta((20000,), 2.0, 3.0, seed=0))
        np.testing.assert_allclose(draws.mean(), 2 / 5, atol=0.01)
        np.testing.assert_allclose(draws.var(), 6 / (25 * 6), atol=0.005)
        draws = np.asarray(random.gamma((20000,), 3.0, seed=1))
        np.testing.assert_allclose([draws.mean(), draws.var()], [3, 3], rtol=0.05)
        draws = np.asarray(random.binomial((20000,), 10, 0.3, seed=2))
        np.testing.assert_allclose([draws.mean(), draws.var()], [3, 2.1], rtol=0.05)
    finally:
        config.set_backend("jax")


@pytest.mark.compat
def test_names_and_signatures_match_keras():
    keras = keras3()
    names = sorted(n for n in dir(keras.random) if not n.startswith("_"))
    assert sorted(random.__all__) == names
    for name in ("beta", "binomial", "gamma"):
        assert signature_parts(getattr(random, name)) == signature_parts(
            getattr(keras.random, name)
        )


@pytest.mark.slow  # three XLA compilations of rejection samplers: ~30 s on CPU
def test_traced_draws_use_the_engine_and_match_moments():
    # Inside a compiled function the draws come from jax.random, not numpy.
    from kerasish.engine import get_engine

    engine = get_engine()

    def draw(key):
        return (
            random.gamma((N,), 3.0, seed=key),
            random.binomial((N,), 10, 0.3, seed=key + np.uint32(1)),
            random.beta((N,), 2.0, 3.0, seed=key + np.uint32(2)),
        )

    g, b, e = engine.jit(draw)(engine.random.key(0))
    _close(g, 3.0, 3.0)
    _close(b, 3.0, 2.1)
    _close(e, 0.4, 0.04)
