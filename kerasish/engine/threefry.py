"""JAX's threefry random numbers, computed by numpy on the host.

Keras draws a weight's initial values with `jax.random` on a raw `uint32[2]` key
(`[seed, 0]`), which compiles one XLA program per new weight shape; building a
model spends most of its time there. This module computes the same numbers with
numpy: the bits are JAX's exactly (threefry-2x32 over a 64-bit counter, JAX's
"partitionable" layout, its default), `uniform` is bit-exact, and `normal` and
`truncated_normal` apply the same `erf_inv` polynomial, so they agree with
`jax.random` on the CPU to float rounding (numpy's `log1p` against XLA's: a few
units in the last place on a few values; Keras's own CPU and GPU draws differ
by as much).
"""

import math

import numpy as np

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))

# XLA's single-precision `erf_inv` (Giles, "Approximating the erfinv function").
_ERFINV_SMALL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_ERFINV_LARGE = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)


def threefry2x32(k0, k1, x0, x1):
    """The threefry-2x32 block cipher (20 rounds) of the uint32 counter words
    `(x0, x1)` under the key words `(k0, k1)`: numpy or JAX arrays alike (the
    engine runs it compiled for large draws)."""
    ks = (k0, k1, k0 ^ k1 ^ 0x1BD11BDA)
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            x0 = x0 + x1
            x1 = ((x1 << r) | (x1 >> (32 - r))) ^ x0
        x0 = x0 + ks[(group + 1) % 3]
        x1 = x1 + ks[(group + 2) % 3] + (group + 1)
    return x0, x1


def _words(key, size):
    """The key's two words and the 64-bit counters `0..size-1` as two words."""
    k0, k1 = (np.uint32(k) for k in np.asarray(key, dtype=np.uint32).reshape(2))
    count = np.arange(size, dtype=np.uint64)
    return k0, k1, (count >> np.uint64(32)).astype(np.uint32), count.astype(np.uint32)


def random_bits(key, shape):
    """`jax.random.bits(key, shape, uint32)`: element `i` (row-major) encrypts
    the 64-bit counter `i` and xors the two output words."""
    with np.errstate(over="ignore"):
        b0, b1 = threefry2x32(*_words(key, math.prod(shape)))
    return (b0 ^ b1).reshape(shape)


def _unit_floats(key, shape, dtype, bits=None):
    """Floats in [1, 2) from the top mantissa bits, minus 1: JAX's [0, 1).
    `bits`, when given, are float32's `random_bits` computed elsewhere."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        bits = random_bits(key, shape) if bits is None else bits.reshape(shape)
        ones = (bits >> np.uint32(32 - 23)) | np.float32(1.0).view(np.uint32)
        return ones.view(np.float32) - np.float32(1.0)
    if dtype == np.float64:
        with np.errstate(over="ignore"):
            b0, b1 = threefry2x32(*_words(key, math.prod(shape)))
        bits = (b0.astype(np.uint64) << np.uint64(32)) | b1.astype(np.uint64)
        ones = (bits >> np.uint64(64 - 52)) | np.float64(1.0).view(np.uint64)
        return (ones.view(np.float64) - 1.0).reshape(shape)
    raise TypeError(f"threefry draws float32 or float64 on the host, got {dtype}.")


def _fma(a, b, c):
    """`a * b + c` rounded once, as XLA's fused multiply-add: for float32 the
    product is exact in float64 (up to a rare double rounding of the sum)."""
    if a.dtype != np.float32:
        return a * b + c
    wide = a.astype(np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)
    return wide.astype(np.float32)


def uniform(key, shape, dtype, minval, maxval, bits=None):
    """`jax.random.uniform` (bit for bit in float32)."""
    dtype = np.dtype(dtype)
    lo, hi = dtype.type(minval), dtype.type(maxval)
    floats = _unit_floats(key, shape, dtype, bits)
    return np.maximum(lo, _fma(floats, hi - lo, lo))


def erf_inv(x):
    """XLA's `erf_inv` polynomial, each step a fused multiply-add, in numpy."""
    x = np.asarray(x)
    dtype = x.dtype.type
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log1p(-x * x)
        small = w < dtype(5.0)
        w = np.where(small, w - dtype(2.5), np.sqrt(w) - dtype(3.0))
        p = np.where(small, dtype(_ERFINV_SMALL[0]), dtype(_ERFINV_LARGE[0]))
        for a, b in zip(_ERFINV_SMALL[1:], _ERFINV_LARGE[1:]):
            p = _fma(p, w, np.where(small, dtype(a), dtype(b)))
        return np.where(np.abs(x) == dtype(1), x * dtype(np.inf), p * x)


def normal(key, shape, dtype, bits=None):
    """`jax.random.normal`: `sqrt(2) * erf_inv(u)`, `u` uniform on (-1, 1)."""
    dtype = np.dtype(dtype)
    lo = np.nextafter(dtype.type(-1.0), dtype.type(0.0))
    u = uniform(key, shape, dtype, lo, 1.0, bits)
    return dtype.type(np.sqrt(2)) * erf_inv(u)


# erf(-2 / sqrt(2)) and erf(2 / sqrt(2)) in float32, as XLA rounds them: the
# bounds of the uniform draw behind Keras's truncation at two deviations.
_ERF_TWO_SIGMA = np.array([-0.9544997, 0.9544997], dtype=np.float32)


def truncated_normal(key, shape, dtype, bits=None):
    """`jax.random.truncated_normal(key, -2, 2, shape)`, Keras's truncation."""
    dtype = np.dtype(dtype)
    a, b = _ERF_TWO_SIGMA.astype(dtype)
    u = uniform(key, shape, dtype, a, b, bits)
    out = dtype.type(np.sqrt(2)) * erf_inv(u)
    return np.clip(
        out,
        np.nextafter(dtype.type(-2.0), dtype.type(np.inf)),
        np.nextafter(dtype.type(2.0), dtype.type(-np.inf)),
    )
