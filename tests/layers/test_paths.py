"""Layer and variable paths (`layer.path`, `variable.path`) as Keras 3 gives them.

A layer's path is its name under the name scopes it was first built or called in;
its variables' paths extend it. Layout maps (`ModelParallel`), dtype policy maps
and weight-decay exclusions match on these paths, and optimizer slots are named
after them, so they must be Keras's to the character.
"""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3


def _program(lib):
    """Every way a model builds its layers; returns what a user could print."""
    layers = lib.layers
    seen = {}
    seq = lib.Sequential(
        [lib.Input((3,)), layers.Dense(2), layers.BatchNormalization()]
    )
    seen["sequential"] = [v.path for v in seq.weights]
    seen["sequential layers"] = [layer.path for layer in seq.layers] + [seq.path]

    inputs = lib.Input((3,))
    functional = lib.Model(inputs, layers.Dense(2, name="d")(inputs), name="fm")
    seen["functional"] = [v.path for v in functional.weights] + [functional.path]

    class Sub(lib.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    sub = Sub()
    sub(np.ones((1, 3), "float32"))
    seen["subclassed"] = [v.path for v in sub.weights] + [sub.path, sub.dense.path]

    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = layers.Dense(3)

        def call(self, x):
            return self.inner(x)

    block = Block(name="block")
    block(np.ones((2, 4), "float32"))
    seen["nested layer"] = [v.path for v in block.weights]

    lazy = lib.Sequential([layers.Dense(2)], name="lazy")
    lazy.build((None, 4))
    seen["built later"] = [v.path for v in lazy.weights]

    outer = lib.Sequential(
        [lib.Input((3,)), lib.Sequential([layers.Dense(2)], name="inner")],
        name="outer",
    )
    seen["nested models"] = [v.path for v in outer.weights]

    shared = layers.Dense(2, name="shared")
    lib.Sequential([lib.Input((3,)), shared], name="first")
    lib.Sequential([lib.Input((3,)), shared], name="second")
    seen["shared layer"] = [shared.path, shared.kernel.path]

    alone = layers.Dense(2, name="alone")
    seen["unbuilt"] = [alone.path]
    alone.build((None, 3))
    seen["built alone"] = [alone.path, alone.kernel.path]

    with lib.name_scope("scope"):
        scoped = layers.Dense(2, name="scoped")
        scoped(np.ones((1, 3), "float32"))
    seen["name scope"] = [scoped.path, scoped.kernel.path]

    seq.compile(optimizer="adam", loss="mse")
    seq.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    seen["optimizer"] = [v.path for v in seq.optimizer.variables]
    return seen


def test_paths_are_keras_paths():
    """Written out, so the rule holds without Keras installed."""
    kerasish.utils.clear_session()
    seen = _program(kerasish)
    assert seen["sequential"][:2] == [
        "sequential/dense/kernel",
        "sequential/dense/bias",
    ]
    assert seen["sequential layers"] == [
        "sequential/dense",
        "sequential/batch_normalization",
        "sequential",
    ]
    assert seen["functional"] == ["d/kernel", "d/bias", "fm"]
    assert seen["subclassed"][0] == "sub/dense_1/kernel"
    assert seen["nested layer"] == ["block/dense_2/kernel", "block/dense_2/bias"]
    assert seen["nested models"][0] == "outer/inner/dense_4/kernel"
    assert seen["shared layer"] == ["first/shared", "first/shared/kernel"]
    assert seen["unbuilt"] == [None]
    assert seen["built alone"] == ["alone", "alone/kernel"]
    assert seen["name scope"] == ["scope/scoped", "scope/scoped/kernel"]
    assert seen["optimizer"][2:4] == [
        "adam/sequential_dense_kernel_momentum",
        "adam/sequential_dense_kernel_velocity",
    ]


@pytest.mark.compat
def test_paths_equal_keras():
    keras = keras3()
    keras.utils.clear_session()
    theirs = _program(keras)
    kerasish.utils.clear_session()
    ours = _program(kerasish)
    for key in theirs:
        assert ours[key] == theirs[key], key


def test_layout_map_matches_a_sequential_models_paths():
    """A `LayoutMap` key written for Keras's paths finds the variable."""
    layout_map = kerasish.distribution.LayoutMap(
        kerasish.distribution.DeviceMesh((1,), ["model"], ["cpu:0"])
    )
    layout_map["sequential/dense/kernel"] = (None, "model")
    kerasish.utils.clear_session()
    model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    assert layout_map[model.layers[0].kernel.path].axes == (None, "model")
