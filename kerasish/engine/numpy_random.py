"""The NumPy engine's `random` namespace: keys are two uint32 seeds.

`uniform`, `normal` and `truncated_normal` are JAX's threefry draws (Keras's
numbers for a seed); the other distributions use numpy's generator.
"""

import types

import numpy as np

from kerasish.engine import threefry
from kerasish.engine.numpy_arrays import _floatx


def make_namespace():
    """The functions of this namespace, by name."""
    ns = types.SimpleNamespace()

    def rng(key):
        return np.random.default_rng(np.asarray(key, dtype="uint32").tolist())

    ns.key = lambda seed: np.array([seed % (2**32), 0], dtype="uint32")

    def floats(key, dtype):
        dtype = np.dtype(_floatx(dtype))
        return np.asarray(key, dtype="uint32"), dtype

    def normal(key, shape, mean=0.0, stddev=1.0, dtype=None):
        key, dtype = floats(key, dtype)
        sample = threefry.normal(key, shape, dtype)
        return sample * dtype.type(stddev) + dtype.type(mean)

    def uniform(key, shape, minval=0.0, maxval=1.0, dtype=None):
        key, dtype = floats(key, dtype)
        return threefry.uniform(key, shape, dtype, minval, maxval)

    def truncated_normal(key, shape, mean=0.0, stddev=1.0, dtype=None):
        key, dtype = floats(key, dtype)
        sample = threefry.truncated_normal(key, shape, dtype)
        return sample * dtype.type(stddev) + dtype.type(mean)

    ns.normal = normal
    ns.uniform = uniform
    ns.truncated_normal = truncated_normal

    def categorical(key, logits, num_samples, dtype="int32"):
        # Gumbel-max: argmax(logits + Gumbel noise) samples softmax(logits).
        logits = np.asarray(logits, "float64")
        shape = logits.shape[:-1] + (num_samples, logits.shape[-1])
        noise = -np.log(-np.log(rng(key).uniform(np.finfo("float64").tiny, 1, shape)))
        return np.argmax(logits[..., None, :] + noise, axis=-1).astype(dtype)

    ns.categorical = categorical
    ns.gamma = lambda key, shape, alpha, dtype=None: (
        rng(key).gamma(alpha, 1.0, shape).astype(_floatx(dtype))
    )

    def binomial(key, shape, counts, probabilities, dtype=None):
        counts = np.asarray(counts).astype("int64")
        return rng(key).binomial(counts, probabilities, shape).astype(_floatx(dtype))

    ns.binomial = binomial

    def beta(key, shape, alpha, beta, dtype=None):
        return rng(key).beta(alpha, beta, shape).astype(_floatx(dtype))

    ns.beta = beta
    ns.randint = lambda key, shape, minval, maxval, dtype="int32": (
        rng(key).integers(minval, maxval, shape).astype(dtype)
    )
    ns.bernoulli = lambda key, p, shape: rng(key).random(shape) < p
    ns.permutation = lambda key, x, axis=0: rng(key).permutation(x, axis=axis)
    return vars(ns)
