"""Random numbers for the JAX engine: every function takes an explicit key.

Inside a trace (dropout in a compiled step) draws use `jax.random`. Outside one
(initializing weights) they use numpy's generator seeded from the same key: equally
repeatable, and it spares one XLA compilation per new weight shape, which otherwise
dominates the time to build a model.
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config


def key(seed):
    return jax.random.key_data(jax.random.key(seed))


def split(key_, num=2):
    return jax.random.key_data(jax.random.split(_k(key_), num))


def _k(key_):
    return jax.random.wrap_key_data(key_)


def _host_rng(key_):
    """A numpy Generator for a concrete key, or None while tracing."""
    if isinstance(key_, jax.core.Tracer):
        return None
    return np.random.default_rng(np.asarray(key_, dtype=np.uint32).tolist())


def _out(array, dtype):
    return jnp.asarray(np.asarray(array, dtype=np.dtype(jnp.dtype(dtype))))


def normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    dtype = dtype or config.floatx()
    rng = _host_rng(key_)
    if rng is not None:
        return _out(mean + stddev * rng.standard_normal(shape), dtype)
    return mean + stddev * jax.random.normal(_k(key_), shape, dtype=dtype)


def uniform(key_, shape, minval=0.0, maxval=1.0, dtype=None):
    dtype = dtype or config.floatx()
    rng = _host_rng(key_)
    if rng is not None:
        return _out(rng.uniform(minval, maxval, shape), dtype)
    return jax.random.uniform(
        _k(key_), shape, dtype=dtype, minval=minval, maxval=maxval
    )


def truncated_normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples re-drawn outside two standard deviations."""
    dtype = dtype or config.floatx()
    rng = _host_rng(key_)
    if rng is not None:
        sample = rng.standard_normal(shape)
        outside = np.abs(sample) > 2.0
        while outside.any():
            sample[outside] = rng.standard_normal(int(outside.sum()))
            outside = np.abs(sample) > 2.0
        return _out(mean + stddev * sample, dtype)
    sample = jax.random.truncated_normal(_k(key_), -2.0, 2.0, shape, dtype=dtype)
    return mean + stddev * sample


def randint(key_, shape, minval, maxval, dtype="int32"):
    rng = _host_rng(key_)
    if rng is not None:
        return _out(rng.integers(minval, maxval, shape), dtype)
    return jax.random.randint(_k(key_), shape, minval, maxval, dtype=dtype)


def bernoulli(key_, p, shape):
    return jax.random.bernoulli(_k(key_), p, shape)


def permutation(key_, x, axis=0):
    return jax.random.permutation(_k(key_), x, axis=axis)


def categorical(key_, logits, num_samples, dtype="int32"):
    out = jax.random.categorical(
        _k(key_),
        logits[..., None, :],
        axis=-1,
        shape=logits.shape[:-1] + (num_samples,),
    )
    return out.astype(dtype)


def gamma(key_, shape, alpha, dtype=None):
    dtype = dtype or config.floatx()
    rng = _host_rng(key_)
    if rng is not None:
        return _out(rng.gamma(np.asarray(alpha), 1.0, shape), dtype)
    return jax.random.gamma(_k(key_), jnp.asarray(alpha), shape, dtype=dtype)


def binomial(key_, shape, counts, probabilities, dtype=None):
    """Successes in `counts` trials of probability `probabilities` (broadcast).

    jax draws floats; an integer `dtype` casts the (whole-number) result.
    """
    dtype = dtype or config.floatx()
    rng = _host_rng(key_)
    if rng is not None:
        counts = np.rint(np.asarray(counts)).astype("int64")
        return _out(rng.binomial(counts, np.asarray(probabilities), shape), dtype)
    float_dtype = dtype if jnp.issubdtype(dtype, jnp.floating) else "float32"
    sample = jax.random.binomial(
        _k(key_),
        jnp.asarray(counts),
        jnp.asarray(probabilities),
        shape=shape,
        dtype=float_dtype,
    )
    return sample.astype(dtype)


def beta(key_, shape, alpha, beta, dtype=None):
    dtype = dtype or config.floatx()
    rng = _host_rng(key_)
    if rng is not None:
        return _out(rng.beta(np.asarray(alpha), np.asarray(beta), shape), dtype)
    return jax.random.beta(
        _k(key_), jnp.asarray(alpha), jnp.asarray(beta), shape=shape, dtype=dtype
    )


def fold_in(key_, data):
    return jax.random.key_data(jax.random.fold_in(_k(key_), data))
