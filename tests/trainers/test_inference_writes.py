"""evaluate and predict carry on and write back the non-trainable values a layer
assigns in inference, as Keras's test and predict steps return them."""

import numpy as np
import pytest

import kerasish as keras
from kerasish.trainers import step_compiler


class Counter(keras.layers.Layer):
    """Counts its calls and keeps the largest input it has seen."""

    def build(self, input_shape):
        self.calls = self.add_weight(
            shape=(), initializer="zeros", trainable=False, dtype="int32"
        )
        self.peak = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, x):
        self.calls.assign_add(1)
        self.peak.assign(keras.ops.maximum(self.peak, keras.ops.max(x)))
        return x


def _model():
    inputs = keras.Input((3,))
    counter = Counter(name="counter")
    norm = keras.layers.BatchNormalization(name="bn")
    outputs = keras.layers.Dense(1, name="head")(norm(counter(inputs)))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse")
    return model, counter, norm


def _data(rows):
    x = np.arange(rows * 3, dtype="float32").reshape(rows, 3) / 10
    return x, x.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("batch_size, calls", [(4, 3), (10, 1)])
def test_evaluate_carries_and_writes_back_assigned_values(batch_size, calls):
    model, counter, norm = _model()
    moving_mean = np.asarray(norm.moving_mean)
    x, y = _data(10)
    model.evaluate(x, y, batch_size=batch_size, verbose=0)
    assert int(counter.calls.numpy()) == calls  # one per batch, as in Keras
    assert float(counter.peak.numpy()) == pytest.approx(x.max())
    # Inference leaves the batch statistics as they were.
    np.testing.assert_array_equal(np.asarray(norm.moving_mean), moving_mean)
    model.evaluate(x, y, batch_size=batch_size, verbose=0)
    assert int(counter.calls.numpy()) == 2 * calls


def test_predict_and_predict_on_batch_write_back():
    model, counter, _ = _model()
    x, _ = _data(10)
    model.predict(x, batch_size=4, verbose=0)
    assert int(counter.calls.numpy()) == 3
    model.predict_on_batch(x[:2])
    assert int(counter.calls.numpy()) == 4
    assert float(counter.peak.numpy()) == pytest.approx(x.max())
    # An iterable of batches takes the per-batch path.
    model.predict((x[i : i + 5] for i in (0, 5)), verbose=0)
    assert int(counter.calls.numpy()) == 6


def test_fit_counts_validation_batches():
    model, counter, _ = _model()
    x, y = _data(16)
    model.fit(x, y, batch_size=4, epochs=2, validation_split=0.25, verbose=0)
    # 2 epochs x (3 training + 1 validation batch), as Keras counts them.
    assert int(counter.calls.numpy()) == 8


def test_a_test_chunk_returns_only_the_values_assigned():
    """A test chunk returns the metrics and what its steps wrote, never the
    weights (each returned weight is copied into an output buffer per call)."""
    model, _, norm = _model()
    x, y = _data(8)
    model.evaluate(x, y, batch_size=4, verbose=0)
    names = [v.path for v in model.non_trainable_variables]
    written = [names[i] for i in model._test_step_writes]
    assert written == ["counter/variable", "counter/variable_1"]
    state = model._read_state(with_optimizer=False)
    returned = step_compiler.written_only(model, state)
    assert returned.trainable is None and returned.optimizer is None
    kept = [v is not None for v in returned.non_trainable]
    assert kept == [name.startswith("counter/") for name in names]
    assert "bn/moving_mean" in names

    plain = keras.Sequential(
        [keras.Input((3,)), norm.__class__(), keras.layers.Dense(1)]
    )
    plain.compile("sgd", "mse")
    plain.evaluate(x, y, verbose=0)
    assert plain._test_step_writes == ()
    state = plain._read_state(with_optimizer=False)
    assert step_compiler.written_only(plain, state).non_trainable is None
