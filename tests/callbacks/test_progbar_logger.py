"""ProgbarLogger: the progress output of verbose=1 and verbose=2."""

import numpy as np
import pytest

import kerasish as ks
from kerasish.utils.progbar import Progbar, format_value


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, x, y


def test_verbose_2_prints_one_line_per_epoch(setup, capsys):
    model, x, y = setup
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    lines = [line for line in out.splitlines() if line.startswith("2/2")]
    assert len(lines) == 2
    assert f"loss: {history.history['loss'][1]:.4f}" in lines[1]


def test_verbose_1_finishes_with_the_full_bar(setup, capsys):
    model, x, y = setup
    model.fit(x, y, batch_size=8, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "2/2 ━━━━━━━━━━━━━━━━━━━━" in out and "loss:" in out


def test_verbose_0_is_silent(setup, capsys):
    model, x, y = setup
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_progbar_unit_formatting(capsys):
    bar = Progbar(target=None, verbose=2)
    bar.update(3, {"loss": 0.5}, finalize=True)
    assert "3/3" in capsys.readouterr().out
    assert format_value(1e-5) == "1.0000e-05" and format_value(0.25) == "0.2500"
