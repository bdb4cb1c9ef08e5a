"""`kerasish.distribution` on 8 simulated CPU devices, against one device.

One subprocess (`multi_device_checks.py`, with
`XLA_FLAGS=--xla_force_host_platform_device_count=8`) trains each model twice from
the same seed and data, on one device and under a distribution, and reports the
largest differences and the arrays' shardings; the tests below assert on its
report. The reference is the one-device run of kerasish itself (the math is the
same program; only the split over devices differs).
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

TOLERANCE = 1e-5
_SCRIPT = pathlib.Path(__file__).with_name("multi_device_checks.py")


@pytest.fixture(scope="module")
def report():
    root = pathlib.Path(__file__).parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, str(_SCRIPT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_close(figures, what):
    far = {k: v for k, v in figures.items() if k != "loss_1_device" and v > TOLERANCE}
    assert not far, f"{what}: 1 vs 8 devices differ by more than {TOLERANCE}: {far}"


def test_eight_devices_are_simulated(report):
    assert report["device_count"] == 8
    assert report["devices"] == [f"cpu:{i}" for i in range(8)]


@pytest.mark.parametrize("family", ["mlp", "convnet_bn", "lstm"])
def test_data_parallel_matches_one_device(report, family):
    """Loss history, weights (and for the MLP evaluate and predict) agree."""
    _assert_close(report[family], family)
    assert report[family]["loss_1_device"] > 0.1  # a real loss, not a constant


def test_every_data_path_matches_one_device(report):
    """Fused steps over a padded last batch, arrays streamed from the host, an
    iterable of batches whose last batch (12 rows) does not divide by 8, and
    predict, predict_on_batch and evaluate on 3 rows (against the same model's
    predictions of all rows)."""
    _assert_close(report["data_kinds"], "data paths")


def test_data_parallel_replicates_variables_and_compiles_once(report):
    layout = report["data_parallel_layout"]
    assert layout["kernel_replicated"] and layout["kernel_devices"] == 8
    assert layout["second_fit_compilations"] == 0


def test_model_parallel_matches_one_device(report):
    _assert_close(report["model_parallel"], "ModelParallel 2x4")


def test_model_parallel_shards_the_big_kernels(report):
    """Each of the 8 devices holds 1/4 of each sharded kernel (and of its Adam
    slots), read from the arrays' shards; everything else is whole everywhere."""
    layout = report["model_parallel_layout"]
    for path, (shares, devices) in layout["fractions"].items():
        expected = [0.25] if "/big_dense" in path else [1.0]
        assert (shares, devices) == (expected, 8), path
    assert layout["optimizer_slot_fractions"] == [[0.25], [0.25]]


def test_checkpoints_cross_device_counts(report):
    """`.keras`, `.weights.h5` and ModelCheckpoint files written under 8 devices
    load on one, and back into the sharded layout (training resumes there)."""
    ckpt = report["checkpoints"]
    for key in ("load_on_one_device", "model_checkpoint_on_one_device"):
        assert ckpt[key] <= TOLERANCE, key
    assert ckpt["load_back_sharded"] <= TOLERANCE
    assert ckpt["single_device_count"] == 1
    for key in (
        "load_back_fraction",
        "load_model_sharded_fraction",
        "trained_after_load_fraction",
    ):
        assert ckpt[key] == [[0.25], 8], key
