"""Random numbers for the JAX engine: every function takes an explicit key.

A key is Keras's raw `uint32[2]` seed (`[seed, 0]` for an int seed), which
`jax.random` reads as threefry key data, so a draw equals Keras's for the same
seed. Inside a trace (dropout in a compiled step) draws use `jax.random`.
Outside one (initializing weights) `uniform`, `normal` and `truncated_normal`
of up to a million values compute the same numbers with numpy
(`engine.threefry`): that spares one XLA compilation per new weight shape,
which otherwise dominates the time to build a model.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.engine import threefry


def key(seed):
    """Keras's seed for an int: `[seed, 0]` (`draw_seed`)."""
    return jnp.asarray(np.array([seed % 2**32, 0], dtype=np.uint32))


def _k(key_):
    return jax.random.wrap_key_data(jnp.asarray(key_, dtype=jnp.uint32))


# Above this many values XLA's threefry is faster than numpy's (~0.1 us per
# value) even with its one compile; below, the compile is what costs.
_HOST_MAX_SIZE = 1 << 20


def _host_key(key_, dtype, shape):
    """The key as numpy when the draw runs on the host (a concrete key, a
    float32/float64 result, at most `_HOST_MAX_SIZE` values), else None."""
    if (
        isinstance(key_, jax.core.Tracer)
        or np.dtype(dtype) not in (np.float32, np.float64)
        or math.prod(shape) > _HOST_MAX_SIZE
    ):
        return None
    return np.asarray(key_, dtype=np.uint32)


def _dtype(dtype):
    return np.dtype(jnp.dtype(dtype or config.floatx()))


def normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    dtype = _dtype(dtype)
    host = _host_key(key_, dtype, shape)
    if host is not None:
        sample = threefry.normal(host, shape, dtype)
        return jnp.asarray(sample * dtype.type(stddev) + dtype.type(mean))
    return jax.random.normal(_k(key_), shape, dtype=dtype) * stddev + mean


def uniform(key_, shape, minval=0.0, maxval=1.0, dtype=None):
    dtype = _dtype(dtype)
    host = _host_key(key_, dtype, shape)
    if host is not None:
        return jnp.asarray(threefry.uniform(host, shape, dtype, minval, maxval))
    return jax.random.uniform(
        _k(key_), shape, dtype=dtype, minval=minval, maxval=maxval
    )


def truncated_normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples truncated to two standard deviations (Keras's bounds)."""
    dtype = _dtype(dtype)
    host = _host_key(key_, dtype, shape)
    if host is not None:
        sample = threefry.truncated_normal(host, shape, dtype)
        return jnp.asarray(sample * dtype.type(stddev) + dtype.type(mean))
    sample = jax.random.truncated_normal(_k(key_), -2.0, 2.0, shape, dtype=dtype)
    return sample * stddev + mean


def randint(key_, shape, minval, maxval, dtype="int32"):
    return jax.random.randint(_k(key_), shape, minval, maxval, dtype=dtype)


def bernoulli(key_, p, shape):
    return jax.random.bernoulli(_k(key_), p, shape)


def permutation(key_, x, axis=0):
    """Keras's JAX `shuffle`: each vector along `axis` is permuted on its own
    (`independent=True`; one permutation for a 1-D `x`)."""
    return jax.random.permutation(_k(key_), x, axis=axis, independent=True)


def categorical(key_, logits, num_samples, dtype="int32"):
    """`num_samples` class indices per row of `(batch, classes)` logits, drawn
    as Keras draws them (leading dimensions beyond one batch axis allowed)."""
    logits = jnp.asarray(logits)
    axis = logits.ndim - 1
    out = jax.random.categorical(
        _k(key_),
        logits[..., None],
        axis=axis,
        shape=logits.shape[:-1] + (num_samples,),
    )
    return out.astype(dtype)


def gamma(key_, shape, alpha, dtype=None):
    dtype = dtype or config.floatx()
    return jax.random.gamma(_k(key_), jnp.asarray(alpha), shape, dtype=dtype)


def binomial(key_, shape, counts, probabilities, dtype=None):
    """Successes in `counts` trials of probability `probabilities` (broadcast).

    jax draws floats; an integer `dtype` casts the (whole-number) result.
    """
    dtype = dtype or config.floatx()
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
    return jax.random.beta(
        _k(key_), jnp.asarray(alpha), jnp.asarray(beta), shape=shape, dtype=dtype
    )
