"""predict over arrays: calls of a power-of-two number of batches, little padding."""

import numpy as np
import pytest

import kerasish as keras
from kerasish.trainers import epoch_iterator


@pytest.mark.parametrize(
    "remaining, expected",
    [(1, 1), (3, 2), (8, 8), (9, 8), (40, 32), (244, 256), (300, 256)],
)
def test_tail_batches_pad_at_most_an_eighth(remaining, expected):
    n = epoch_iterator._tail_batches(remaining)
    assert n == expected
    assert n & (n - 1) == 0  # a power of two: few distinct compiled sizes
    assert n <= remaining or (n - remaining) * 8 <= remaining


def test_predict_runs_40_batches_as_32_and_8_with_the_same_outputs(monkeypatch):
    rows = []
    original = epoch_iterator._run_chunk

    def spy(model, chunk, *args):
        rows.append(chunk.key)
        return original(model, chunk, *args)

    monkeypatch.setattr(epoch_iterator, "_run_chunk", spy)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    x = np.random.default_rng(0).normal(size=(40 * 32 - 7, 5)).astype("float32")
    out = model.predict(x, batch_size=32, verbose=0)
    assert rows == [32 * 32, 8 * 32]  # not one call padded to 64 batches
    kernel, bias = (np.asarray(w) for w in model.get_weights())
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
