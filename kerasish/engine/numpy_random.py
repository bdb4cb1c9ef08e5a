"""The NumPy engine's `random` namespace: keys are two uint32 seeds."""

import types

import numpy as np

from kerasish.engine.numpy_arrays import _floatx


def make_namespace():
    """The functions of this namespace, by name."""
    ns = types.SimpleNamespace()

    def rng(key):
        return np.random.default_rng(np.asarray(key, dtype="uint32").tolist())

    ns.key = lambda seed: np.array([0, seed % (2**32)], dtype="uint32")

    def split(key, num=2):
        seeds = rng(key).integers(0, 2**32, size=(num, 2), dtype=np.uint64)
        return seeds.astype("uint32")

    ns.split = split
    ns.normal = lambda key, shape, mean=0.0, stddev=1.0, dtype=None: (
        mean + stddev * rng(key).standard_normal(shape)
    ).astype(_floatx(dtype))
    ns.uniform = lambda key, shape, minval=0.0, maxval=1.0, dtype=None: (
        rng(key).uniform(minval, maxval, shape).astype(_floatx(dtype))
    )

    def truncated_normal(key, shape, mean=0.0, stddev=1.0, dtype=None):
        g = rng(key)
        out = g.standard_normal(shape)
        bad = np.abs(out) > 2
        while bad.any():
            out[bad] = g.standard_normal(int(bad.sum()))
            bad = np.abs(out) > 2
        return (mean + stddev * out).astype(_floatx(dtype))

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
    ns.fold_in = lambda key, data: np.array(
        [int(key[0]) ^ int(data), int(key[1])], dtype="uint32"
    )
    return vars(ns)
