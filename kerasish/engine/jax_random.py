"""Random numbers for the JAX engine: every function takes an explicit key.

A key is Keras's raw `uint32[2]` seed (`[seed, 0]` for an int seed), which
`jax.random` reads as threefry key data, so a draw equals Keras's for the same
seed. Inside a trace (dropout in a compiled step) draws use `jax.random`.
Outside one (initializing weights) `uniform`, `normal` and `truncated_normal`
compute the same numbers on the host (`engine.threefry`), their bits from
numpy or, for large weights, from one compiled chunk function: that spares one
XLA compilation per new weight shape, which otherwise dominates the time to
build a model.
"""

import functools
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


# Draws of up to this many values are made on the host (no compile per shape).
# Their threefry bits come from numpy (~55 ns a value) until a process has drawn
# `_COMPILE_AFTER` values in draws above `_NUMPY_BITS`; then from one compiled
# chunk function (`_compiled_bits`: ~30 ns a value after a 0.25 s first call):
# models of 6M weights and ResNet50's 23.6M build about as fast as with numpy's
# own generator (1.3 s for ResNet50 here, 16.6 s in Keras).
_HOST_MAX_SIZE = 1 << 26
_NUMPY_BITS = 1 << 16
_COMPILE_AFTER = 2_000_000
_CHUNK = 1 << 18
_DRAWN = [0]


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


@functools.cache
def _bits_chunk():
    """`jax.random.bits` for the counters `start .. start + _CHUNK - 1` (a
    64-bit start as two words): element `i` of a draw depends only on the key
    and `i`, so chunks put together are the whole draw's bits."""

    def chunk(key, start):
        lo = start[1] + jnp.arange(_CHUNK, dtype=jnp.uint32)
        hi = start[0] + (lo < start[1]).astype(jnp.uint32)  # the carry
        b0, b1 = threefry.threefry2x32(key[0], key[1], hi, lo)
        return b0 ^ b1

    return jax.jit(chunk)


def _compiled_bits(host_key, shape, dtype):
    """float32 draws above `_NUMPY_BITS` values, once the process has drawn
    `_COMPILE_AFTER` in such draws: their bits, chunk by chunk; None for the
    others (numpy computes them)."""
    size = math.prod(shape)
    if np.dtype(dtype) != np.float32 or size <= _NUMPY_BITS:
        return None
    _DRAWN[0] += size
    if _DRAWN[0] <= _COMPILE_AFTER:
        return None
    fn = _bits_chunk()
    key = jnp.asarray(host_key)
    parts = []
    for start in range(0, size, _CHUNK):
        words = np.array([start >> 32, start & 0xFFFFFFFF], dtype=np.uint32)
        parts.append(fn(key, jnp.asarray(words)))
    return np.concatenate([np.asarray(p) for p in parts])[:size]


def _dtype(dtype):
    return np.dtype(jnp.dtype(dtype or config.floatx()))


def normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    dtype = _dtype(dtype)
    host = _host_key(key_, dtype, shape)
    if host is not None:
        bits = _compiled_bits(host, shape, dtype)
        sample = threefry.normal(host, shape, dtype, bits)
        return jnp.asarray(sample * dtype.type(stddev) + dtype.type(mean))
    return jax.random.normal(_k(key_), shape, dtype=dtype) * stddev + mean


def uniform(key_, shape, minval=0.0, maxval=1.0, dtype=None):
    dtype = _dtype(dtype)
    host = _host_key(key_, dtype, shape)
    if host is not None:
        bits = _compiled_bits(host, shape, dtype)
        return jnp.asarray(threefry.uniform(host, shape, dtype, minval, maxval, bits))
    return jax.random.uniform(
        _k(key_), shape, dtype=dtype, minval=minval, maxval=maxval
    )


def truncated_normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples truncated to two standard deviations (Keras's bounds)."""
    dtype = _dtype(dtype)
    host = _host_key(key_, dtype, shape)
    if host is not None:
        bits = _compiled_bits(host, shape, dtype)
        sample = threefry.truncated_normal(host, shape, dtype, bits)
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
