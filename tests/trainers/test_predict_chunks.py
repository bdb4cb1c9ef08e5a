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


def test_merged_calls_keep_their_activations_within_the_budget(monkeypatch):
    """Inference merges batches only as far as the activations allow: a wide
    model runs smaller calls than a narrow one, with the same outputs."""
    from kerasish.trainers import memory_report as memory

    rows = []
    original = epoch_iterator._run_chunk

    def spy(model, chunk, *args):
        rows.append(chunk.key if isinstance(chunk.key, int) else chunk.count)
        return original(model, chunk, *args)

    monkeypatch.setattr(epoch_iterator, "_run_chunk", spy)
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(512, activation="relu")]
        + [keras.layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(4096, 8)).astype("float32")
    y = np.random.default_rng(1).normal(size=(4096, 1)).astype("float32")
    per_row = memory.activation_bytes_per_row(model, x)
    # At least the hidden layer's output and its relu (2 x 512 float32) per row,
    # alive together; not every value of the program summed (a few more).
    assert 2 * 512 * 4 <= per_row < 4 * 512 * 4
    monkeypatch.setattr(memory, "MERGED_BYTES", int(per_row * 32 * 20))
    assert memory.merged_batches(model, x, 32) == 16  # a power of two <= 20
    assert memory.merged_batches(model, x, 32, limit=int(per_row * 32 * 16 * 5)) == 4
    out = model.predict(x, batch_size=32, verbose=0)
    assert rows == [16 * 32] * 8
    k1, b1, k2, b2 = (np.asarray(w) for w in model.get_weights())
    expected = np.maximum(x @ k1 + b1, 0) @ k2 + b2
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    rows.clear()
    loss = model.evaluate(x, y, batch_size=32, verbose=0)
    assert rows == [16] * 8  # chunks of 16 batches (counted in batches)
    np.testing.assert_allclose(loss, np.mean((expected - y) ** 2), rtol=1e-5)


def test_predict_over_a_generator_that_refills_one_buffer():
    """A generator may yield the same arrays refilled: each call gets a copy
    (a call reads its host arrays after it returns), so every batch's outputs
    are its own."""
    # Wide enough that a call is still running when the next batch is made.
    model = keras.Sequential(
        [keras.Input((512,)), keras.layers.Dense(512), keras.layers.Dense(512)]
        + [keras.layers.Dense(1)]
    )
    data = np.random.default_rng(4).normal(size=(64 * 40, 512)).astype("float32")

    def batches():
        buffer = np.empty((64, 512), "float32")
        for i in range(40):
            buffer[:] = data[i * 64 : (i + 1) * 64]
            yield buffer

    out = model.predict(batches(), verbose=0)
    expected = data
    weights = [np.asarray(w) for w in model.get_weights()]
    for kernel, bias in zip(weights[::2], weights[1::2]):
        expected = expected @ kernel + bias
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
