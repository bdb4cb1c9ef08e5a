"""The abstract trace of the forward pass before a call: once per signature."""

import numpy as np

import kerasish as keras
from kerasish.trainers import first_batch


def _count_traces(monkeypatch):
    calls = []
    original = first_batch.symbolic_forward

    def counting(model, x):
        calls.append(1)
        return original(model, x)

    monkeypatch.setattr(first_batch, "symbolic_forward", counting)
    return calls


def test_repeated_calls_trace_the_forward_once(monkeypatch):
    calls = _count_traces(monkeypatch)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
    model.fit(x, y, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.train_on_batch(x[:4], y[:4])  # another batch size: the same signature
    model.evaluate(x, y, verbose=0)
    assert len(calls) == 1
    model.evaluate(x.astype("float16"), y, verbose=0)  # a new dtype: traced again
    assert len(calls) == 2


def test_a_changed_model_is_traced_again(monkeypatch):
    calls = _count_traces(monkeypatch)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.ones((8, 3), "float32")
    assert model.evaluate(x, np.ones((8, 2)), verbose=0) >= 0
    model.add(keras.layers.Dense(5))
    model.compile("sgd", "mse")
    # The new output width is what the losses are built for: targets of width 5.
    loss = model.evaluate(x, np.zeros((8, 5)), verbose=0)
    expected = np.mean(model.predict(x, verbose=0) ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert len(calls) == 2


class _OwnStep(keras.Model):
    """A Keras-style (JAX) `train_step` over its own layers, with no `call`: a
    GAN's shape. Built by hand, so nothing needs tracing."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1, kernel_initializer="ones")
        self.dense.build((None, 3))
        self.built = True

    def train_step(self, state, data):
        x, y = data  # `y` as given: a tuple of two arrays, not one per output
        trainable, non_trainable, optimizer_vars, metrics_vars = state
        error = x @ trainable[0] + trainable[1] - (y[0] + y[1])[:, None]
        return {"error": (error**2).mean()}, state


def test_a_step_of_its_own_on_a_built_model_is_not_traced(monkeypatch):
    calls = _count_traces(monkeypatch)
    model = _OwnStep()
    model.compile(optimizer="sgd")
    x = np.arange(24, dtype="float32").reshape(8, 3)
    y = (np.ones(8, "float32"), np.full(8, 2.0, "float32"))
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert calls == []  # as Keras: the model has no `call` to trace
    want = np.mean((x.sum(1) - 3.0) ** 2)
    np.testing.assert_allclose(history.history["error"], [want], rtol=1e-6)
