"""Random numbers for the JAX engine: every function takes an explicit key."""

import jax
import jax.numpy as jnp

from kerasish import config


def key(seed):
    return jax.random.key_data(jax.random.key(seed))


def split(key_, num=2):
    return jax.random.key_data(jax.random.split(_k(key_), num))


def _k(key_):
    return jax.random.wrap_key_data(key_)


def normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    dtype = dtype or config.floatx()
    return mean + stddev * jax.random.normal(_k(key_), shape, dtype=dtype)


def uniform(key_, shape, minval=0.0, maxval=1.0, dtype=None):
    dtype = dtype or config.floatx()
    return jax.random.uniform(_k(key_), shape, dtype=dtype, minval=minval, maxval=maxval)


def truncated_normal(key_, shape, mean=0.0, stddev=1.0, dtype=None):
    dtype = dtype or config.floatx()
    sample = jax.random.truncated_normal(_k(key_), -2.0, 2.0, shape, dtype=dtype)
    return mean + stddev * sample


def randint(key_, shape, minval, maxval, dtype="int32"):
    return jax.random.randint(_k(key_), shape, minval, maxval, dtype=dtype)


def bernoulli(key_, p, shape):
    return jax.random.bernoulli(_k(key_), p, shape)


def permutation(key_, x, axis=0):
    return jax.random.permutation(_k(key_), x, axis=axis)


def categorical(key_, logits, num_samples, dtype="int32"):
    out = jax.random.categorical(
        _k(key_), logits[..., None, :], axis=-1, shape=logits.shape[:-1] + (num_samples,)
    )
    return out.astype(dtype)


def gamma(key_, shape, alpha, dtype=None):
    return jax.random.gamma(_k(key_), alpha, shape, dtype=dtype or config.floatx())


def fold_in(key_, data):
    return jax.random.key_data(jax.random.fold_in(_k(key_), data))
