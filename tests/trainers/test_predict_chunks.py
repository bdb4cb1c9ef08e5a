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


def _two_in_two_out():
    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    h = keras.layers.Dense(6, activation="tanh")(a)
    joined = keras.layers.Concatenate()([h, b])
    return keras.Model(
        [a, b], {"y": keras.layers.Dense(3)(joined), "z": keras.layers.Dense(1)(h)}
    )


def test_one_large_batch_runs_in_pieces_with_the_same_outputs(monkeypatch):
    """A batch larger than a merged call runs in pieces of that call's size in
    one program; the last piece ends at the last row (200 = 64 * 3 + 8: it
    overlaps the third), and every row's outputs are the model's."""
    from kerasish.trainers import memory_report

    monkeypatch.setattr(memory_report, "MERGED_ROWS", 64)
    model = _two_in_two_out()
    rng = np.random.default_rng(4)
    x = {
        "a": rng.normal(size=(200, 4)).astype("float32"),
        "b": rng.normal(size=(200, 2)).astype("float32"),
    }
    out = model.predict(x, batch_size=200, verbose=0)
    (key,) = [k for k in model._step_compiler.cache if k[0] == "predict"]
    assert key[1] == (200, 64)
    k1, b1, ky, by, kz, bz = (np.asarray(w) for w in model.get_weights())
    h = np.tanh(x["a"] @ k1 + b1)
    np.testing.assert_allclose(out["z"], h @ kz + bz, rtol=1e-5, atol=1e-6)
    joined = np.concatenate([h, x["b"]], axis=1)
    np.testing.assert_allclose(out["y"], joined @ ky + by, rtol=1e-5, atol=1e-6)
    assert out["y"].shape == (200, 3) and out["z"].shape == (200, 1)
    # Batches of 16 merge into calls of 64 rows (and one of 16), computed whole.
    merged = model.predict(x, batch_size=16, verbose=0)
    keys = {k[1] for k in model._step_compiler.cache if k[0] == "predict"}
    assert keys == {(200, 64), (64,), (16,)}
    np.testing.assert_allclose(merged["y"], out["y"], rtol=1e-6, atol=1e-6)


def test_a_predict_step_that_sees_rows_gets_the_whole_batch(monkeypatch):
    from kerasish.trainers import memory_report

    monkeypatch.setattr(memory_report, "MERGED_ROWS", 64)
    sizes = []

    class Seeing(keras.Sequential):
        def predict_step(self, state, data):  # Keras's JAX-style step
            sizes.append(data.shape[0])
            trainable, non_trainable = state
            return self.stateless_call(trainable, non_trainable, data)

    model = Seeing([keras.Input((5,)), keras.layers.Dense(2)])
    x = np.random.default_rng(5).normal(size=(100, 5)).astype("float32")
    out = model.predict(x, batch_size=100, verbose=0)
    assert sizes == [100]
    kernel, bias = (np.asarray(w) for w in model.get_weights())
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_a_large_batch_through_convolutions_is_computed_whole(monkeypatch):
    """A convolution inside a loop runs about 5x slower on XLA:CPU: such a
    forward is not cut into pieces (and is traced for that once)."""
    from kerasish.trainers import memory_report

    monkeypatch.setattr(memory_report, "MERGED_ROWS", 16)
    model = keras.Sequential(
        [keras.Input((6, 2)), keras.layers.Conv1D(3, 3), keras.layers.Flatten()]
    )
    x = np.random.default_rng(6).normal(size=(40, 6, 2)).astype("float32")
    for _ in range(2):
        out = model.predict(x, batch_size=40, verbose=0)
    assert model._step_compiler.may_loop == {"predict": False}
    keys = [k[1] for k in model._step_compiler.cache if k[0] == "predict"]
    assert keys == [(40,)]
    kernel, bias = (np.asarray(w) for w in model.get_weights())
    windows = np.stack([x[:, i : i + 3].reshape(40, -1) for i in range(4)], 1)
    want = windows @ kernel.reshape(-1, 3) + bias
    np.testing.assert_allclose(out, want.reshape(40, -1), rtol=1e-5, atol=1e-5)


def test_user_code_sees_each_batch_alone():
    """A user layer may mix the rows of its batch (a router's capacity, a batch
    statistic): as in Keras, predict gives it one batch at a time."""

    class BatchSum(keras.layers.Layer):
        def call(self, x):
            return x + keras.ops.sum(x)

    inputs = keras.Input((1,))
    model = keras.Model(inputs, BatchSum()(inputs))
    x = np.arange(9, dtype="float32").reshape(9, 1)
    want = np.concatenate([b + b.sum() for b in np.split(x, [4, 8])])
    np.testing.assert_array_equal(model.predict(x, batch_size=4, verbose=0), want)
