"""model.summary() prints what Keras 3 prints, character for character."""

import io
import os
import re
import subprocess
import sys
import textwrap

import pytest

from tests.helpers import keras3

SCRIPT = """
import numpy as np
from {pkg} import layers
import {pkg} as keras
m = keras.Sequential([keras.Input((64,)), layers.Dense(64, activation="relu"),
                      layers.Dropout(0.5), layers.Dense(10)])
m.summary()
inp = keras.Input((10,))
h = layers.Dense(4)(inp)
g = keras.Model(inp, layers.Dense(2)(h))
g.summary()
a = keras.Input((32,), name="a"); b = keras.Input((16,), name="b")
o1 = layers.Dense(1, name="o1")(layers.Dense(8)(a))
o2 = layers.Dense(3, name="o2")(b)
keras.Model([a, b], [o1, o2]).summary()
s = keras.Sequential([layers.Dense(3)])
s.summary()
s2 = keras.Sequential([layers.Dense(3, name="d")])
s2(np.ones((1, 4), "float32"))
s2.summary()
"""


def _run(pkg):
    env = {**os.environ, "KERAS_BACKEND": "jax", "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT.format(pkg=pkg))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    # Model names differ by creation order between the libraries' internals.
    return re.sub(r'Model: "[a-z_0-9]+"', "Model", out.stdout)


@pytest.mark.compat
def test_summary_matches_keras_3():
    keras3()
    assert _run("kerasish") == _run("keras")


def test_summary_totals_and_layout():
    import kerasish as keras

    model = keras.Sequential(
        [keras.Input((64,)), keras.layers.Dense(64), keras.layers.Dense(10)]
    )
    buffer = io.StringIO()
    model.summary(print_fn=lambda s: buffer.write(s), line_length=76)
    text = buffer.getvalue()
    assert (
        "│ dense (Dense)                   │ (None, 64)             │         4,160 │"
        in text
    )
    assert " Total params: 4,810 (18.79 KB)" in text
    assert " Non-trainable params: 0 (0.00 B)" in text
