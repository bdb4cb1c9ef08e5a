"""ProgbarLogger: the progress output of verbose=1 and verbose=2, as Keras's.

The expected strings of the hand-driven tests were printed by
`keras.callbacks.ProgbarLogger` of Keras 3.15.1 (JAX backend) for the same calls,
under the same fake clock, on a stdout that says it is a terminal.
"""

import logging
import re

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import ProgbarLogger
from kerasish.common.progbar import Progbar
from tests.terminal import BAR, B, G, R, W, printed


def two_epochs(tick, verbose, steps, batches):
    """Drives a ProgbarLogger through two epochs as `fit` does."""
    logger = ProgbarLogger()
    logger.set_params({"verbose": verbose, "epochs": 2, "steps": steps})
    logger.on_train_begin()
    for epoch in range(2):
        logger.on_epoch_begin(epoch)
        for batch in range(batches):
            tick(0.1)
            logger.on_train_batch_end(batch, {"acc": 0.0, "loss": 0.25 * (batch + 1)})
        tick(0.2)
        logger.on_epoch_end(epoch, {"acc": 0.0, "loss": 1.0, "val_loss": -5.0})
    logger.on_train_end()


def test_verbose_1_learns_the_steps_in_the_first_epoch(tick):
    def frame(step, loss, width=62):
        return (
            f"\r      {step}/Unknown {B}0s{R} 100ms/step - acc: 0.0000e+00"
            f" - loss: {loss}" + "\b" * width
        )

    def bar(step, green, grey, loss):
        return (
            f"\r{B}{step}/4{R} {G}{BAR * green}{R}{W}{BAR * grey}{R} {B}0s{R}"
            f" 100ms/step - acc: 0.0000e+00 - loss: {loss}" + "\b" * 71
        )

    final = (
        f"\r{B}4/4{R} {G}{BAR * 20}{R}{W}{R} {B}1s{R} 167ms/step - acc: 0.0000e+00"
        " - loss: 1.0000 - val_loss: -5.0000\n"
    )
    # Keras 3.15.1.
    assert printed(lambda: two_epochs(tick, 1, None, 4)) == (
        "Epoch 1/2\n"
        + frame(1, "0.2500")
        + frame(2, "0.5000")
        + frame(3, "0.7500")
        + frame(4, "1.0000")
        + final
        + "Epoch 2/2\n"
        + bar(1, 5, 15, "0.2500")
        + bar(2, 10, 10, "0.5000")
        + bar(3, 15, 5, "0.7500")
        + bar(4, 20, 0, "1.0000")
        + final
    )


def test_verbose_1_where_not_a_terminal_prints_the_final_frames(tick):
    final = (
        f"4/4 {BAR * 20} 1s 167ms/step - acc: 0.0000e+00"
        " - loss: 1.0000 - val_loss: -5.0000\n"
    )
    # Keras 3.15.1's final frames, styles dropped.
    assert printed(lambda: two_epochs(tick, 1, None, 4), tty=False) == (
        "Epoch 1/2\n" + final + "Epoch 2/2\n" + final
    )


def test_verbose_2_prints_one_line_per_epoch(tick):
    line = "12/12 - 1s - 117ms/step - acc: 0.0000e+00 - loss: 1.0000"
    line += " - val_loss: -5.0000e+00\n"
    # Keras 3.15.1 (only the end of an epoch updates the bar).
    assert printed(lambda: two_epochs(tick, 2, 12, 12)) == (
        "Epoch 1/2\n" + line + "Epoch 2/2\n" + line
    )


def test_evaluate_and_predict_bars(tick):
    def run():
        logger = ProgbarLogger()
        logger.set_params({"verbose": 1, "epochs": 1, "steps": 2})
        logger.on_test_begin()
        tick(0.01)
        logger.on_test_batch_end(0, {"loss": 0.5})
        tick(0.01)
        logger.on_test_batch_end(1, {"loss": 0.25})
        logger.on_test_end({"loss": 0.25})
        logger.on_predict_begin()
        tick(0.01)
        logger.on_predict_batch_end(0, {"outputs": 1})
        tick(0.01)
        logger.on_predict_batch_end(1, {"outputs": 1})
        logger.on_predict_end()

    half = f"{G}{BAR * 10}{R}{W}{BAR * 10}{R}"
    full = f"{G}{BAR * 20}{R}{W}{R}"
    # Keras 3.15.1 (predictions are not shown).
    assert printed(run) == (
        f"\r{B}1/2{R} {half} {B}0s{R} 10ms/step - loss: 0.5000"
        + "\b" * 52
        + f"\r{B}2/2{R} {full} {B}0s{R} 10ms/step - loss: 0.2500\n"
        + f"\r{B}1/2{R} {half} {B}0s{R} 10ms/step"
        + "\b" * 37
        + f"\r{B}2/2{R} {full} {B}0s{R} 10ms/step\n"
    )


def test_interactive_logging_off_sends_everything_to_logging(tick, caplog):
    ks.config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="kerasish"):
            assert printed(lambda: two_epochs(tick, 2, 12, 12)) == ""
    finally:
        ks.config.enable_interactive_logging()
    line = "12/12 - 1s - 117ms/step - acc: 0.0000e+00 - loss: 1.0000"
    line += " - val_loss: -5.0000e+00"
    # Keras 3.15.1 logs the same text (to absl's logger).
    assert [r.getMessage() for r in caplog.records] == [
        "Epoch 1/2",
        line,
        "Epoch 2/2",
        line,
    ]


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, x, y


def untimed(text):
    text = re.sub(r"\d+(?:ms|us|s)/step", "<t>/step", text)
    return re.sub(r"\d+s(?= -? ?<t>/step)", "<t>", text)


def test_fit_verbose_2_prints_one_line_per_epoch(setup, capsys):
    model, x, y = setup
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=2)
    lines = untimed(capsys.readouterr().out).splitlines()
    losses = [format(loss, ".4f") for loss in history.history["loss"]]
    # Keras 3.15.1's lines (a kerasish memory note may come first).
    assert [line for line in lines if not line.startswith("Memory")] == [
        "Epoch 1/2",
        f"2/2 - <t> - <t>/step - loss: {losses[0]}",
        "Epoch 2/2",
        f"2/2 - <t> - <t>/step - loss: {losses[1]}",
    ]


def test_fit_verbose_1_in_a_pipe_finishes_with_the_full_bar(setup, capsys):
    model, x, y = setup
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=1)
    lines = untimed(capsys.readouterr().out).splitlines()
    loss = format(history.history["loss"][0], ".4f")
    assert lines[-1] == f"2/2 {BAR * 20} <t> <t>/step - loss: {loss}"


def test_fit_on_a_terminal_never_glues_a_note_to_a_line(capsys):
    """A fresh model compiles: its note is drawn over or cleared, never kept."""
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((16, 2), "float32"), np.ones((16, 1), "float32")
    out = printed(lambda: model.fit(x, y, batch_size=8, epochs=2, verbose=1))
    shown = []  # the lines a terminal keeps: the text after the last "\r"
    for line in re.sub(r"\x1b\[[0-9;]*m", "", out).split("\n")[:-1]:
        shown.append(line.split("\r")[-1].rstrip())
    frame = rf"2/2 {BAR * 20} \d+s \d+(us|ms|s)/step - loss: \d+\.\d{{4}}"
    kept = [line for line in shown if not line.startswith("Memory estimate: ")]
    assert kept[0::2] == ["Epoch 1/2", "Epoch 2/2"] and len(kept) == 4
    assert all(re.fullmatch(frame, line) for line in kept[1::2]), shown


def test_verbose_0_is_silent(setup, capsys):
    model, x, y = setup
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_fit_with_interactive_logging_off_prints_nothing(setup, capsys, caplog):
    model, x, y = setup
    ks.config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="kerasish"):
            model.fit(x, y, batch_size=8, epochs=2, verbose=1)
    finally:
        ks.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records]
    assert "Epoch 1/2" in messages and "Epoch 2/2" in messages


def test_a_logger_given_to_fit_shows_a_later_evaluate(setup, capsys):
    model, x, y = setup
    logger = ProgbarLogger()
    model.fit(x, y, batch_size=8, epochs=1, verbose=1, callbacks=[logger])
    capsys.readouterr()
    model.evaluate(x, y, batch_size=8, verbose=1, callbacks=[logger])
    assert re.match(rf"2/2 {BAR * 20} ", capsys.readouterr().out.splitlines()[-1])


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
