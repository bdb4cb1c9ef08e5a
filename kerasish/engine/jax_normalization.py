"""Normalization functions for the JAX engine: moments, batch, layer and RMS norms."""

import jax
import jax.numpy as jnp

from kerasish import config


def moments(x, axes, keepdims=False, synchronized=False):
    if synchronized:
        raise NotImplementedError(
            "moments: `synchronized=True` is not supported by the JAX engine."
        )
    x = jnp.asarray(x)
    dtype = x.dtype
    if dtype in (jnp.float16, jnp.bfloat16):
        x = x.astype("float32")  # half precision is too coarse for statistics
    mean = jnp.mean(x, axis=axes, keepdims=keepdims)
    variance = jnp.var(x, axis=axes, keepdims=keepdims)
    if dtype in (jnp.float16, jnp.bfloat16):
        limit = jnp.finfo(jnp.float16).max
        mean = jnp.clip(mean, -limit, limit).astype(dtype)
        variance = jnp.clip(variance, -limit, limit).astype(dtype)
    return mean, variance


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset` along `axis`."""
    x, mean, variance = jnp.asarray(x), jnp.asarray(mean), jnp.asarray(variance)
    shape = [1] * x.ndim
    shape[axis] = mean.shape[0]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    out = (x - jnp.reshape(mean, shape)) * inv
    if offset is not None:
        out = out + jnp.reshape(offset, shape)
    return out


def _compute_dtype(x):
    return jnp.promote_types(x.dtype, jnp.float32)


def _norm_axes(x, axis):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % x.ndim for a in axes)


def _broadcast_param(param, x, axes, dtype):
    param = jnp.asarray(param, dtype)
    if param.ndim == x.ndim or axes == [x.ndim - 1]:
        return param
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]
    return jnp.reshape(param, shape)


def layer_normalization(
    x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False
):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, statistics over `axis`.

    The deprecated `rms_scaling=True` gives Keras's `x / sqrt(var + epsilon) *
    gamma` (no centring, no `beta`).
    """
    epsilon = config.epsilon() if epsilon is None else epsilon
    x = jnp.asarray(x)
    dtype = x.dtype
    x = x.astype(_compute_dtype(x))
    axes = _norm_axes(x, axis)
    mean, variance = moments(x, axes, keepdims=True)
    inv = jax.lax.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * _broadcast_param(gamma, x, axes, x.dtype)
    if rms_scaling:
        return (x * inv).astype(dtype)
    out = (x - mean) * inv
    if beta is not None:
        out = out + _broadcast_param(beta, x, axes, x.dtype)
    return out.astype(dtype)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x / sqrt(mean(x^2) + epsilon) * scale`, the mean over `axis`."""
    x = jnp.asarray(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    dtype = x.dtype
    x = x.astype(_compute_dtype(x))
    if x.ndim == 0:
        x = x[None]
    axes = _norm_axes(x, axis)
    out = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + epsilon)
    if scale is not None:
        out = out * jnp.asarray(scale, x.dtype)
    return out.astype(dtype)
