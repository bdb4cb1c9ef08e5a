"""The memory line before the first epoch, throughput figures per epoch, and the
out-of-memory message (kerasish only; tested on the CPU)."""

import time

import numpy as np
import pytest

import kerasish
from kerasish import config, layers
from kerasish.callbacks import Callback
from kerasish.engine import get_engine
from kerasish.trainers import memory_report as memory

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 6)).astype("float32")
Y = RNG.normal(size=(96, 1)).astype("float32")


@pytest.fixture(scope="module")
def fitted():
    """One model fitted at verbose=1 (its output kept), shared by the tests."""
    import contextlib
    import io

    kerasish.utils.set_random_seed(0)
    model = kerasish.Sequential(
        [kerasish.Input((6,)), layers.Dense(16, activation="relu"), layers.Dense(1)]
    )
    model.compile("adam", "mse")
    times = []

    class Timer(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = model.fit(
            X, Y, batch_size=16, epochs=2, verbose=1, callbacks=[Timer()]
        )
    return model, history, out.getvalue(), times


def _single_step(model):
    key = next(k for k in model._step_compiler.cache if k[0] == "train")
    return model._step_compiler.cache[key]


def test_memory_line_is_printed_once_with_the_compiled_figures(fitted):
    model, _, text, _ = fitted
    lines = [line for line in text.splitlines() if "Memory estimate" in line]
    assert len(lines) == 1
    assert text.index("Memory estimate") < text.index("6/6")  # before any step ran
    est = model._memory_estimate
    weights = sum(np.asarray(w).nbytes for w in model.get_weights())
    opt = sum(
        np.asarray(leaf).nbytes
        for leaf in get_engine().tree_leaves(model.optimizer.state)
    )
    assert est.parameters == weights == (6 * 16 + 16 + 16 + 1) * 4
    assert est.optimizer == opt
    assert est.data >= X.nbytes + Y.nbytes  # the data placed on the device
    temp = _single_step(model).memory_analysis().temp_size_in_bytes
    assert est.activations > 0 and est.batch_size == 16
    assert est.activations in (temp, model._memory_estimate.activations)
    assert memory.format_bytes(est.parameters) in lines[0]
    assert f"parameters {memory.format_bytes(weights)}" in lines[0]


def test_throughput_is_kept_apart_from_keras_keys(fitted):
    _, history, _, times = fitted
    assert sorted(history.history) == ["loss"]  # Keras's keys only
    speeds = history.throughput["samples_per_second"]
    waits = history.throughput["input_wait_fraction"]
    assert len(speeds) == len(waits) == 2
    # The figure times less than the whole epoch (callbacks' hooks excluded).
    for speed, seconds in zip(speeds, times):
        assert len(X) / seconds <= speed < float("inf")
    assert all(0.0 <= w < 1.0 for w in waits)


def test_throughput_logs_are_opt_in(fitted):
    model = fitted[0]
    config.enable_throughput_logs()
    try:
        history = model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    finally:
        config.disable_throughput_logs()
    assert sorted(history.history) == [
        "input_wait_fraction",
        "loss",
        "samples_per_second",
    ]
    assert (
        history.history["samples_per_second"]
        == history.throughput["samples_per_second"]
    )
    assert not config.throughput_logs_enabled()


def test_out_of_memory_error_names_the_estimate_and_a_batch_size(fitted):
    model = fitted[0]
    compiler = model._step_compiler
    saved = dict(compiler.cache)

    def exhausted(*args):
        raise RuntimeError("RESOURCE_EXHAUSTED: Out of memory allocating 1.0 GiB")

    compiler.cache = {key: exhausted for key in saved}
    try:
        with pytest.raises(RuntimeError) as info:
            model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    finally:
        compiler.cache = saved
    message = str(info.value)
    assert message.startswith("RESOURCE_EXHAUSTED: Out of memory allocating 1.0 GiB")
    assert "Memory estimate:" in message
    assert "Try `batch_size=8` (now 16)" in message  # no device limit on CPU: half
    assert isinstance(info.value.__cause__, RuntimeError)


def test_suggested_batch_size_fits_the_room_left():
    est = memory.MemoryEstimate(
        parameters=100 << 20,
        optimizer=200 << 20,
        data=0,
        activations=1000 << 20,  # 10 MiB a row at batch 100
        batch_size=100,
        steps=1,
    )
    # 1 GiB device: 724 MiB left, 90% of it is 651 MiB: 65 rows; power of two: 64.
    assert memory.suggested_batch_size(est, limit=1 << 30) == 64
    assert memory.suggested_batch_size(est, limit=None) == 50
    assert memory.suggested_batch_size(est, limit=200 << 20) == 50  # nothing left
    assert est.total == 1300 << 20
    assert memory.format_bytes(1536) == "1.5 KiB"
    assert memory.format_bytes(3 << 30) == "3.0 GiB"
    assert memory.is_out_of_memory(RuntimeError("RESOURCE_EXHAUSTED: x"))
    assert not memory.is_out_of_memory(RuntimeError("shape mismatch"))
