"""Two processes on localhost, joined by `kerasish.distribution.initialize`.

Each of two processes (4 simulated CPU devices each, `two_process_worker.py`)
trains one DataParallel model on its half of the data; process 0 saves the
weights. The reference is one process on one device fed the same global batches
(batch `i` is process 0's rows `8i..8i+7` then process 1's): the weights, the
loss history and `evaluate` must agree to 1e-5.
"""

import json
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
import pytest

import kerasish as K
from tests.distribution import two_process_worker as worker

pytestmark = pytest.mark.slow

_WORKER = pathlib.Path(worker.__file__)


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("two_processes")
    root = pathlib.Path(__file__).parents[2]
    port = _free_port()
    procs = []
    for process_id in range(2):
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(root), os.environ.get("PYTHONPATH", "")]
            ),
            "KERAS_DISTRIBUTION_JOB_ADDRESSES": f"localhost:{port}",
            "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
            "KERAS_DISTRIBUTION_PROCESS_ID": str(process_id),
            "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, str(_WORKER), str(out)],
                env=env,
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=900)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, log in zip(procs, logs):
        assert p.returncode == 0, log[-4000:]
    seen = [json.loads((out / f"process_{i}.json").read_text()) for i in range(2)]
    return out, seen


def _reference():
    """One device, the same global batches in the same order."""
    x, y = worker.data()
    half, b = worker.SAMPLES // 2, worker.PER_PROCESS_BATCH
    order = np.concatenate(
        [
            np.r_[i : i + b, half + i : half + i + b]
            for i in range(0, half, worker.PER_PROCESS_BATCH)
        ]
    )
    K.utils.set_random_seed(worker.SEED)
    model = worker.build()
    model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = model.fit(
        x[order],
        y[order],
        batch_size=2 * b,
        epochs=worker.EPOCHS,
        shuffle=False,
        verbose=0,
    )
    evaluated = model.evaluate(x[order], y[order], batch_size=2 * b, verbose=0)
    return model, history.history, evaluated


def test_processes_joined(runs):
    _, seen = runs
    for process, s in enumerate(seen):
        assert s["process"] == process
        assert (s["num_processes"], s["device_count"], s["local_devices"]) == (
            2,
            8,
            4,
        )
    # `initialize` gave both the same seed: the same unseeded initial weights.
    assert seen[0]["unseeded_init"] == seen[1]["unseeded_init"]
    assert all(s["checkpoint_exists"] for s in seen)  # process 1 waited


def test_two_processes_match_one(runs):
    out, seen = runs
    model, history, evaluated = _reference()
    saved = worker.build()
    saved.load_weights(out / "model.weights.h5")
    for a, b in zip(model.get_weights(), saved.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=0)
    for s in seen:
        for key, values in history.items():
            np.testing.assert_allclose(s["history"][key], values, atol=1e-5, rtol=0)
        np.testing.assert_allclose(s["evaluate"], evaluated, atol=1e-5, rtol=0)
