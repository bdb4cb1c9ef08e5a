"""Host memory bounded by the data; the persistent compilation cache bounded on disk."""

import os

import numpy as np
import pytest

import kerasish as keras
from kerasish import config, layers
from kerasish.engine.jax_engine import prune_cache
from tests.helpers import run_python

MEMORY_CHILD = """
import json
import numpy as np
import kerasish as keras

def rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

n = (256 << 20) // (64 * 4)
x = np.random.default_rng(0).random((n, 64), dtype=np.float32)  # 256 MB
y = x[:, :1].copy()
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(1)])
# One step per call: the chunk length "auto" picks depends on timing, and a
# chunk compiled in the background adds compile-time memory that is not data.
model.compile("sgd", "mse", steps_per_execution=1)
model.predict(x[:8], verbose=0)
extra = {}
for name, run in (
    ("fit", lambda: model.fit(x, y, batch_size=4096, verbose=0)),
    ("evaluate", lambda: model.evaluate(x, y, batch_size=4096, verbose=0)),
    ("predict", lambda: model.predict(x, batch_size=4096, verbose=0)),
):
    reset_peak()
    base = rss("VmRSS")
    out = run()
    extra[name] = (rss("VmHWM") - base) / (x.nbytes + y.nbytes)
    del out
print("EXTRA", json.dumps(extra))
"""


@pytest.mark.skipif(
    not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc"
)
def test_fit_evaluate_predict_extra_memory_below_half_the_data():
    result = run_python(
        MEMORY_CHILD, env={"KERASISH_COMPILATION_CACHE": "0"}, timeout=300
    )
    lines = [s for s in result.stdout.splitlines() if s.startswith("EXTRA")]
    assert lines, result.stderr[-3000:]
    import json

    extra = json.loads(lines[0][len("EXTRA ") :])
    # predict returns its outputs (1 float per row: 1/65 of the data) on top.
    assert max(extra.values()) <= 0.5, extra


def _fit_weights(budget):
    config.set_device_data_budget(budget)
    try:
        keras.utils.set_random_seed(3)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(90, 4)).astype("float32")
        y = rng.integers(0, 3, size=(90,)).astype("int32")
        model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
        model.compile(
            keras.optimizers.Adam(0.01),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        history = model.fit(
            x,
            y,
            batch_size=16,
            epochs=2,
            sample_weight=np.linspace(0.5, 1, 90),
            verbose=0,
        )
        return model.get_weights(), history.history
    finally:
        config.set_device_data_budget(-1)


def test_streamed_data_trains_like_device_resident_data():
    streamed, h_streamed = _fit_weights(0)  # everything streams from the host
    resident, h_resident = _fit_weights(1 << 30)
    for a, b in zip(streamed, resident):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in h_resident:
        np.testing.assert_allclose(h_streamed[key], h_resident[key], rtol=1e-5)


def test_prune_cache_deletes_least_recently_used_first(tmp_path):
    for i in range(5):
        path = tmp_path / f"entry{i}"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    prune_cache(str(tmp_path), 250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry3", "entry4"]


def test_cache_size_setting_validates_and_round_trips():
    previous = config.compilation_cache_max_size()
    assert previous == 1 << 30 or "KERASISH_COMPILATION_CACHE_MAX_SIZE" in os.environ
    try:
        config.set_compilation_cache_max_size(5 << 20)
        assert config.compilation_cache_max_size() == 5 << 20
    finally:
        config.set_compilation_cache_max_size(previous)
    with pytest.raises(ValueError, match=r"`num_bytes` must be a non-negative.*'1GB'"):
        config.set_compilation_cache_max_size("1GB")
    with pytest.raises(ValueError, match=r"`num_bytes`.*automatic.*-2"):
        config.set_device_data_budget(-2)
