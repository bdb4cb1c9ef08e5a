"""Keras (the oracle) builds for the application tests.

Keras initializes every variable with a jitted `jax.random` draw, compiled once per
shape: on a 2-core CI machine that alone takes minutes for one ResNet. The
architectures' names, shapes and parameter counts do not depend on initial
values, and every numeric comparison copies weights into both models, so the
Keras builds here draw their initial values with numpy instead.
"""

import contextlib

import numpy as np
import pytest

from tests.helpers import keras3


@contextlib.contextmanager
def numpy_keras_initializers():
    from keras.src.backend import random as keras_random

    def draw(shape, *args, dtype=None, **kwargs):
        return np.zeros(shape, dtype=dtype or "float32")

    names = ("normal", "uniform", "truncated_normal")
    saved = {n: getattr(keras_random, n) for n in names}
    try:
        for n in names:
            setattr(keras_random, n, draw)
        yield
    finally:
        for n, fn in saved.items():
            setattr(keras_random, n, fn)


@pytest.fixture
def keras_build():
    """`keras_build("ResNet50", **kwargs)` builds `keras.applications.ResNet50`
    from a fresh name state (as the autouse fixture gives kerasish)."""
    keras3()
    return build_keras


def build_keras(name, **kwargs):
    import keras

    keras.backend.clear_session()
    with numpy_keras_initializers():
        return getattr(keras.applications, name)(**kwargs)


def random_weights(model, seed=0):
    """Arrays for `model.get_weights()` order: small normals, positive variances."""
    rng = np.random.default_rng(seed)
    arrays = []
    for variable in model.weights:
        shape = tuple(variable.shape)
        name = variable.name
        if "variance" in name:
            arrays.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        elif name == "count":
            arrays.append(np.asarray(variable))
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            scale = 1.0 / np.sqrt(max(fan_in, 1))
            arrays.append((rng.normal(0.0, scale, shape)).astype("float32"))
    return arrays


@pytest.fixture
def zero_initial_values(monkeypatch):
    """kerasish draws its initial values as numpy zeros, for the same reason as
    Keras above: architecture facts do not depend on them, and one compiled
    `jax.random` draw per weight shape dominated the biggest builds."""
    import kerasish

    def draw(shape, *args, dtype=None, **kwargs):
        return kerasish.ops.convert_to_tensor(np.zeros(shape, dtype=dtype or "float32"))

    for name in ("normal", "uniform", "truncated_normal"):
        monkeypatch.setattr(kerasish.random, name, draw)
