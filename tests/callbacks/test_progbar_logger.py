"""ProgbarLogger: the progress output of verbose=1 and verbose=2."""

import numpy as np
import pytest

import kerasish as ks
from kerasish.common.progbar import Progbar, format_value


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


def test_progbar_averages_unless_stateful(capsys):
    bar = Progbar(target=3, verbose=2, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.1)])
    bar.update(2, {"loss": 3.0, "acc": 0.9})
    bar.update(3, {"loss": 5.0, "acc": 0.7}, finalize=False)
    bar.update(3, finalize=True)
    out = capsys.readouterr().out
    assert "loss: 3.0000" in out  # (1 + 3 + 5) / 3
    assert "acc: 0.7000" in out  # the latest value, not averaged
    bar = Progbar(target=2, verbose=2, stateless_metrics=["loss"])
    bar.update(1, {"loss": 1.0, "acc": 0.2})
    bar.update(2, {"loss": 3.0, "acc": 0.4}, finalize=False)
    bar.update(2, finalize=True)
    out = capsys.readouterr().out
    assert "loss: 2.0000" in out and "acc: 0.4000" in out
    with pytest.raises(ValueError, match="only one of"):
        Progbar(2, stateful_metrics=["a"], stateless_metrics=["b"])
