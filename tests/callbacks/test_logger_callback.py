"""LoggerCallback: training progress through a logging.Logger."""

import logging

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import LoggerCallback
from kerasish.callbacks.logger_callback import format_logs


def test_epoch_lines_go_to_the_logger(caplog):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)], name="tiny")
    model.compile(optimizer="sgd", loss="mse")
    logger = logging.getLogger("test.train")
    with caplog.at_level(logging.INFO, logger="test.train"):
        history = model.fit(
            x,
            y,
            batch_size=8,
            epochs=2,
            verbose=0,
            callbacks=[LoggerCallback(logger, log_evaluate=True)],
        )
        model.evaluate(
            x, y, verbose=0, callbacks=[LoggerCallback("test.train", log_evaluate=True)]
        )
    messages = [r.getMessage() for r in caplog.records if r.name == "test.train"]
    loss = history.history["loss"]
    assert messages[0] == "fit tiny: 2 epochs"
    assert messages[1] == f"epoch 1/2: loss={loss[0]:.4f}"
    assert messages[2] == f"epoch 2/2: loss={loss[1]:.4f}"
    assert messages[3] == f"fit done: loss={loss[1]:.4f}"
    assert messages[4].startswith("evaluate: loss=")
    assert len(messages) == 5


def test_level_by_name_and_default_logger(caplog):
    cb = LoggerCallback(level="warning")
    assert cb.logger.name == "kerasish" and cb.level == logging.WARNING
    with caplog.at_level(logging.WARNING, logger="kerasish"):
        cb.on_epoch_end(0, {"loss": 0.5, "acc": 1e-5})
    assert caplog.records[-1].getMessage() == "epoch 1: acc=1.0000e-05 loss=0.5000"


def test_format_logs_skips_arrays():
    assert format_logs({"b": 2.0, "a": np.ones(3)}) == "b=2.0000"


def test_errors():
    with pytest.raises(TypeError, match="`logger` must be a logging.Logger"):
        LoggerCallback(print)
    with pytest.raises(ValueError, match="unknown logging level 'LOUD'"):
        LoggerCallback(level="LOUD")
