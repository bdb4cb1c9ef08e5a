"""An interrupted `fit` (Ctrl-C, a failing callback or generator) keeps its progress."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 4)).astype("float32")
Y = (X @ RNG.normal(size=(4, 2))).astype("float32")
BATCHES = [(X[i : i + 8], Y[i : i + 8]) for i in range(0, 48, 8)]


def _model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    return model


def _failing_generator(k):
    for i, batch in enumerate(BATCHES):
        if i == k:
            raise RuntimeError("data source failed")
        yield batch


def test_generator_failing_at_step_k_keeps_k_steps_and_fit_continues():
    model = _model()
    with pytest.raises(RuntimeError, match="data source failed"):
        model.fit(_failing_generator(3), epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 3
    reference = _model()
    reference.fit(BATCHES[:3], epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # Continuing with the rest of the data equals one uninterrupted run: the
    # optimizer's moments were kept too.
    model.fit(BATCHES[3:], epochs=1, verbose=0)
    whole = _model()
    whole.fit(BATCHES, epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 6
    for a, b in zip(model.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_callback_failing_mid_epoch_keeps_completed_steps():
    class Fails(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 4:
                raise ValueError("callback failed")

    model = _model()
    with pytest.raises(ValueError, match="callback failed"):
        model.fit(X, Y, batch_size=8, shuffle=False, callbacks=[Fails()], verbose=0)
    assert int(model.optimizer.iterations) == 5
    reference = _model()
    reference.fit(X[:40], Y[:40], batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


CHILD = """
import signal
import numpy as np
import kerasish as keras
from kerasish import layers

# A shell's background job starts with SIGINT ignored; restore Python's handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x @ rng.normal(size=(4, 2))).astype("float32")

def build():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model

class Ready(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 2 and self.params is not None and not getattr(self, "told", 0):
            self.told = 1
            print("READY", flush=True)

model = build()
try:
    model.fit(x, y, batch_size=8, epochs=100000, shuffle=False, verbose=0,
              callbacks=[Ready()])
    print("FINISHED", flush=True)
except KeyboardInterrupt:
    steps = int(model.optimizer.iterations)
    # The weights must be those of exactly `steps` steps: replay them.
    reference = build()
    epochs, rest = divmod(steps, 8)
    if epochs:
        reference.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    if rest:
        reference.fit(x[: rest * 8], y[: rest * 8], batch_size=8, shuffle=False,
                      verbose=0)
    same = all(np.allclose(a, b, rtol=1e-5, atol=1e-6)
               for a, b in zip(model.get_weights(), reference.get_weights()))
    print(f"INTERRUPTED steps={steps} same={same}", flush=True)
"""


def test_sigint_keeps_progress_in_a_child_process():
    env = {**os.environ, "KERASISH_COMPILATION_CACHE": "0"}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.time() + 120
        line = ""
        while time.time() < deadline:
            line = child.stdout.readline()
            if not line or line.startswith("READY"):
                break
        assert line.startswith("READY"), child.stderr.read()
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
    lines = [s for s in out.splitlines() if s.startswith("INTERRUPTED")]
    assert lines, err[-2000:]
    steps = int(lines[0].split("steps=")[1].split()[0])
    assert steps > 3 and lines[0].endswith("same=True")
