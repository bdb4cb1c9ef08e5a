"""Seeds and random draws, as Keras 3 makes them.

A key is a `uint32[2]` seed: `[seed, 0]` for an int `seed`. A `SeedGenerator`
keeps its next key as a non-trainable `Variable` (`[seed, 0]`, then `[seed, 1]`,
...), so inside a compiled step the key is part of the state: each step draws new
numbers and the next step sees the advanced key. An unseeded draw takes its key
from a global `SeedGenerator`. The same seed gives Keras's numbers (the JAX
backend's), and `kerasish.utils.set_random_seed(n)` makes runs repeat.
"""

import random

from kerasish.engine import get_engine
from kerasish.variables import Variable

_GLOBAL = {"seed": None, "generator": None}


def set_global_seed(seed: int | None) -> None:
    """Records `seed` and resets the generator behind unseeded draws (Keras's
    `set_random_seed` does both)."""
    _GLOBAL["seed"] = seed
    _GLOBAL["generator"] = None


def next_seed() -> int:
    """A fresh integer seed from Python's `random`, as Keras's
    `make_default_seed`: `set_random_seed` seeds it, so a script repeats, and
    a layer or initializer built without a seed takes one draw, as in Keras
    (data a script then samples with `random` is the same as under Keras)."""
    return random.randint(1, int(1e9))


class SeedGenerator:
    """A stateful source of random keys.

    Args:
        seed: Integer seed; `None` draws one (repeatable after `set_random_seed`).

    Example:
    >>> gen = kerasish.random.SeedGenerator(42)
    >>> kerasish.random.normal((2,), seed=gen).shape
    (2,)
    """

    def __init__(self, seed=None, name=None, **kwargs):
        # Keras accepts `backend=` here (a backend module for the state); the
        # JAX engine is the only one, so it is accepted and ignored.
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(
                f"SeedGenerator: unrecognized keyword argument(s) {sorted(kwargs)}."
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(
                f"SeedGenerator: `seed` must be an int or None, got {seed!r}."
            )
        self.initial_seed = next_seed() if seed is None else seed
        engine = get_engine()
        with engine.eager_scope():
            key = engine.random.key(self.initial_seed)
        from kerasish.scopes import current_path, uniquify

        # As Keras: the generator has a unique name ("seed_generator",
        # "seed_generator_1", ...) that scopes its state variable, so two
        # generators' states have different paths (`get_state_tree`).
        self.name = name or uniquify("seed_generator")
        prefix = current_path()
        self.state = Variable(
            key,
            dtype="uint32",
            trainable=False,
            name="seed_generator_state",
            path=f"{prefix}/{self.name}/seed_generator_state".lstrip("/"),
        )

    def next(self, ordered=True):
        """Returns the stored key and advances it: `+ [0, 1]`, as Keras (or,
        with `ordered=False`, Keras's scramble for its global generator)."""
        xp = get_engine().numpy
        key = self.state.value
        if ordered:
            self.state.assign(key + xp.array([0, 1], dtype="uint32"))
        else:
            self.state.assign((key + 1) * 5387 % 933199)
        return key

    def get_config(self):
        return {"seed": self.initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _tracing():
    """Whether a function is being traced (jit, grad, eval_shape): there a new
    array is abstract (Keras's `is_in_jax_tracing_scope`)."""
    engine = get_engine()
    return engine.is_tracer(engine.numpy.ones(()))


def global_seed_generator():
    """The generator behind unseeded draws, made on first use (one draw from
    Python's `random` and one "seed_generator" name, as Keras's)."""
    if _GLOBAL["generator"] is None:
        _GLOBAL["generator"] = SeedGenerator()
    return _GLOBAL["generator"]


def draw_key(seed):
    """A key from an int, a `SeedGenerator` or a raw key; `None` draws from the
    global generator."""
    engine = get_engine()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        if _tracing():
            raise ValueError(
                "An unseeded random op (`seed=None`) was called while a compiled "
                "function is traced: its numbers would be drawn once and frozen into "
                "the compiled step as constants. Create a `SeedGenerator` as an "
                "attribute of the layer or model and pass it as `seed`, e.g. "
                "`self.seed_generator = keras.random.SeedGenerator(1337)` in "
                "`__init__`, then `keras.random.normal(shape, "
                "seed=self.seed_generator)` in `call`."
            )
        return global_seed_generator().next(ordered=False)
    if isinstance(seed, int):
        return engine.random.key(seed)
    return seed


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return get_engine().random.normal(draw_key(seed), tuple(shape), mean, stddev, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    if dtype and "float" not in get_engine().standardize_dtype(dtype):
        raise ValueError(
            "`keras.random.uniform` requires a floating point `dtype`. Received: "
            f"dtype={dtype}. For random integers use `keras.random.randint`."
        )
    return get_engine().random.uniform(
        draw_key(seed), tuple(shape), minval, maxval, dtype
    )


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return get_engine().random.truncated_normal(
        draw_key(seed), tuple(shape), mean, stddev, dtype
    )


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return get_engine().random.randint(
        draw_key(seed), tuple(shape), minval, maxval, dtype
    )


def categorical(logits, num_samples, dtype="int32", seed=None):
    return get_engine().random.categorical(draw_key(seed), logits, num_samples, dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from Gamma(`alpha`, scale 1): mean `alpha`, variance `alpha`.

    Example:
    >>> kerasish.random.gamma((2,), alpha=2.0, seed=1).shape
    (2,)
    """
    return get_engine().random.gamma(draw_key(seed), tuple(shape), alpha, dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples Binomial(`counts`, `probabilities`) counts (floats by default).

    Mean `n p`, variance `n p (1 - p)`; `counts` and `probabilities` broadcast
    against `shape`.
    """
    return get_engine().random.binomial(
        draw_key(seed), tuple(shape), counts, probabilities, dtype
    )


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from Beta(`alpha`, `beta`) on [0, 1].

    Mean `a / (a + b)`, variance `a b / ((a + b)^2 (a + b + 1))`.
    """
    return get_engine().random.beta(draw_key(seed), tuple(shape), alpha, beta, dtype)


def shuffle(x, axis=0, seed=None):
    return get_engine().random.permutation(draw_key(seed), x, axis=axis)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes entries with probability `rate` and scales the rest by `1/(1-rate)`."""
    engine = get_engine()
    xp = engine.numpy
    if isinstance(inputs, Variable):
        inputs = inputs.value
    shape = (
        tuple(inputs.shape)
        if noise_shape is None
        else tuple(s if n is None else n for s, n in zip(inputs.shape, noise_shape))
    )
    if rate == 0.0:  # as Keras: no key is drawn
        return inputs
    if rate == 1.0:
        return xp.zeros_like(inputs)
    keep = engine.random.bernoulli(draw_key(seed), 1.0 - rate, shape)
    return xp.where(keep, inputs / (1.0 - rate), xp.zeros_like(inputs))
