"""TerminateOnNaN: reports the invalid loss and stops after that batch."""

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import LambdaCallback, TerminateOnNaN


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    x[20] = np.nan  # batch 2 of 4 (batch_size 8) has a NaN input
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, x, y


@pytest.fixture(autouse=True)
def fresh_weights(setup):
    model = setup[0]
    # NaN weights left by a previous test are cleared
    model.set_weights([np.full_like(w, 0.1) for w in model.get_weights()])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_stops_after_the_bad_batch_and_says_so(setup, capsys, bad):
    model, x, y = setup
    x = x.copy()
    x[20] = bad
    batches = []
    count = LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[TerminateOnNaN(), count],
    )
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    assert batches == [0, 1, 2]
    assert history.epoch == [0]
    assert not np.isfinite(history.history["loss"][0])


def test_finite_loss_trains_on(setup, capsys):
    model, x, y = setup
    history = model.fit(
        x[:16], y[:16], batch_size=8, epochs=2, verbose=0, callbacks=[TerminateOnNaN()]
    )
    assert history.epoch == [0, 1]
    assert "Invalid loss" not in capsys.readouterr().out


def test_raise_error(setup):
    model, x, y = setup
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        model.fit(
            x,
            y,
            batch_size=8,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[TerminateOnNaN(raise_error=True)],
        )
