"""The tutorials run and reach their stated results."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(name):
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.mark.slow
def test_digits_classifier_reaches_95_percent():
    stdout = _run("digits_classifier.py")
    accuracies = [float(a) for a in re.findall(r"held-out accuracy ([0-9.]+)", stdout)]
    assert len(accuracies) == 3 and min(accuracies) > 0.95, stdout
    assert stdout.count("Total params: 9,610") == 3


@pytest.mark.slow
def test_regression_beats_the_mean_predictor():
    stdout = _run("regression.py")
    mse, baseline = map(
        float,
        re.search(
            r"test mse ([0-9.]+) \(predicting the mean: ([0-9.]+)\)", stdout
        ).groups(),
    )
    assert mse < 0.05 * baseline


@pytest.mark.slow
def test_custom_train_step_example():
    stdout = _run("custom_train_step.py")
    weights = [
        float(v)
        for v in re.search(r"learned weights: \[([^\]]+)\]", stdout).group(1).split()
    ]
    assert weights == pytest.approx([1.0, -2.0, 0.5, 3.0], abs=0.1)
    assert "GAN samples mean" in stdout


@pytest.mark.slow
def test_digits_convnet():
    stdout = _run("digits_convnet.py")
    assert (
        float(re.search(r"convnet held-out accuracy ([0-9.]+)", stdout).group(1)) > 0.95
    )


@pytest.mark.slow
def test_text_classifier_on_raw_strings():
    stdout = _run("text_classifier.py")
    assert float(re.search(r"held-out accuracy ([0-9.]+)", stdout).group(1)) > 0.9


@pytest.mark.slow
def test_timeseries_forecast_beats_naive_baseline():
    stdout = _run("timeseries_forecast.py")
    mse, naive = map(
        float,
        re.search(
            r"test mse ([0-9.]+) \(repeat-last-value baseline: ([0-9.]+)\)", stdout
        ).groups(),
    )
    assert mse < naive


@pytest.mark.slow
def test_distributed_training_example():
    stdout = _run("distributed_training.py")
    assert "devices: ['cpu:0'" in stdout and "'cpu:7']" in stdout
    dp, mp, restored = (
        float(re.search(pattern + r" mse ([0-9.]+)", stdout).group(1))
        for pattern in (
            r"DataParallel over 8 devices:",
            r"ModelParallel 2x4:",
            r"restored on one device:",
        )
    )
    assert dp < 0.3 and mp < 0.3  # var(y) is about 0.5
    assert restored == mp
    assert "kernel (256, 256), per device (256, 64)" in stdout
