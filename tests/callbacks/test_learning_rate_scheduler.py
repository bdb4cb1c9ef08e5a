"""LearningRateScheduler: sets the rate per epoch, logs it, rejects bad schedules."""

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import LambdaCallback, LearningRateScheduler


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 2)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer=ks.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    return model, x, y


def test_schedule_sets_rate_each_epoch_without_recompiling(setup):
    model, x, y = setup
    model.optimizer.learning_rate = 0.1
    calls, seen = [], []

    def schedule(epoch, lr):
        calls.append((epoch, round(lr, 7)))
        return lr * 0.5 if epoch > 0 else lr

    record = LambdaCallback(
        on_epoch_begin=lambda e, logs: seen.append(float(model.optimizer.learning_rate))
    )
    # The rate is state: the step compiled by `setup` serves every epoch (the
    # step cache, not a compile count, which shared programs of other tests on
    # the same worker can move).
    programs = dict(model._step_compiler.cache)
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=4,
        callbacks=[LearningRateScheduler(schedule), record],
        verbose=0,
    )
    assert model._step_compiler.cache == programs
    expected = [0.1, 0.05, 0.025, 0.0125]
    assert calls == [(0, 0.1), (1, 0.1), (2, 0.05), (3, 0.025)]
    np.testing.assert_allclose(seen, expected, rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-6)


def test_one_argument_schedule_and_zero_rate_freezes_weights(setup):
    model, x, y = setup
    weights = []
    snap = LambdaCallback(
        on_epoch_end=lambda e, logs: weights.append(model.get_weights())
    )
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        verbose=0,
        callbacks=[
            LearningRateScheduler(lambda epoch: 0.1 if epoch == 0 else 0.0),
            snap,
        ],
    )
    for a, b in zip(weights[0], weights[2]):  # epochs 1 and 2 used lr 0
        np.testing.assert_array_equal(a, b)


def test_verbose_prints(setup, capsys):
    model, x, y = setup
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=1,
        verbose=0,
        callbacks=[LearningRateScheduler(lambda e, lr: 0.25, verbose=1)],
    )
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.25." in (
        capsys.readouterr().out
    )


def test_non_callable_schedule_is_rejected():
    with pytest.raises(TypeError, match="`schedule` must be a callable"):
        LearningRateScheduler(0.01)


def test_schedule_returning_a_non_number_is_rejected(setup):
    model, x, y = setup
    with pytest.raises(ValueError, match="should be a float. Got: 'fast'"):
        model.fit(
            x,
            y,
            batch_size=8,
            epochs=1,
            verbose=0,
            callbacks=[LearningRateScheduler(lambda e, lr: "fast")],
        )
