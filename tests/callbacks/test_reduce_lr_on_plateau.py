"""ReduceLROnPlateau: lowers the optimizer's rate as the rule says, no recompile."""

import warnings

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import LambdaCallback, ReduceLROnPlateau


def reference_rates(values, lr, factor, patience, min_delta, cooldown, min_lr):
    """The documented rule as a direct loop: the rate in force after each epoch."""
    best, wait, cool, out = None, 0, 0, []
    for value in values:
        if cool > 0:
            cool -= 1
            wait = 0
        if best is None or value < best - min_delta:
            best, wait = value, 0
        elif cool == 0:
            wait += 1
            if wait >= patience and lr > np.float32(min_lr):
                lr = max(lr * factor, min_lr)
                cool, wait = cooldown, 0
        out.append(lr)
    return out


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 2)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer=ks.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # compiled once here
    return model, x, y


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(factor=0.5, patience=2, min_delta=0.0, cooldown=0, min_lr=0.0),
        dict(factor=0.5, patience=1, min_delta=0.01, cooldown=2, min_lr=0.02),
        dict(factor=0.1, patience=3, min_delta=1e-4, cooldown=1, min_lr=0.0),
    ],
)
def test_rates_follow_the_rule_without_recompiling(setup, kwargs):
    model, x, y = setup
    model.optimizer.learning_rate = 0.1
    values = [1.0, 0.9, 0.95, 0.91, 0.905, 0.89, 0.9, 0.9, 0.9, 0.88, 0.9, 0.9]
    inject = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(score=values[e]))
    seen = []
    record = LambdaCallback(
        on_epoch_begin=lambda e, logs: seen.append(float(model.optimizer.learning_rate))
    )
    cb = ReduceLROnPlateau(monitor="score", mode="min", **kwargs)
    # The rate is state: the step compiled by `setup` serves every epoch. (The
    # step cache, not a compile count: a small shared program such as the
    # epoch's row order may compile on a worker where another test ran first.)
    programs = dict(model._step_compiler.cache)
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=len(values),
        callbacks=[record, inject, cb],
        verbose=0,
    )
    assert model._step_compiler.cache == programs
    expected = reference_rates(values, 0.1, **kwargs)
    np.testing.assert_allclose(seen[1:], expected[:-1], rtol=1e-6)
    # the logged rate is the one the epoch trained with (logged before deciding)
    np.testing.assert_allclose(history.history["learning_rate"], seen, rtol=1e-6)
    assert min(expected) < 0.1  # the case does reduce


def test_reduced_rate_is_what_the_optimizer_applies(setup):
    model, x, y = setup
    model.optimizer.learning_rate = 0.1
    values = [1.0, 1.0, 1.0]
    inject = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(score=values[e]))
    cb = ReduceLROnPlateau(monitor="score", mode="min", factor=0.0, patience=1)
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[inject, cb], verbose=0)
    assert float(model.optimizer.learning_rate) == 0.0
    before = model.get_weights()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # lr 0: SGD changes nothing
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_verbose_prints_the_new_rate(setup, capsys):
    model, x, y = setup
    model.optimizer.learning_rate = 0.1
    inject = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(score=1.0))
    cb = ReduceLROnPlateau(monitor="score", mode="min", patience=1, verbose=1)
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[inject, cb], verbose=0)
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.01" in (
        capsys.readouterr().out
    )


def test_missing_monitor_warns_once(setup):
    model, x, y = setup
    cb = ReduceLROnPlateau(monitor="val_loss", patience=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=8, epochs=3, callbacks=[cb], verbose=0)
    messages = [str(w.message) for w in caught if "val_loss" in str(w.message)]
    assert len(messages) == 1
    assert "Available metrics are: loss,learning_rate" in messages[0]


def test_factor_at_least_one_is_rejected():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_unknown_keyword_is_rejected():
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['epsilon'\\]"):
        ReduceLROnPlateau(epsilon=1e-3)


def test_raw_optax_optimizer_with_lr_callbacks(tmp_path):
    """Injected rate: reduced and logged. No rate: loggers skip it, reducers refuse."""
    import optax

    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x[:, :1] * 2.0

    def model_with(tx):
        model = ks.Sequential([ks.Input((3,)), ks.layers.Dense(1)])
        model.compile(tx, "mse")
        return model

    injected = model_with(optax.inject_hyperparams(optax.sgd)(learning_rate=0.1))
    # min_delta=1e9: after the first epoch none improves, so the rate halves at
    # the end of epochs 2 and 3 (logs hold the rate in force during the epoch).
    reducer = ReduceLROnPlateau("loss", factor=0.5, patience=1, min_delta=1e9)
    history = injected.fit(x, y, epochs=3, verbose=0, callbacks=[reducer])
    np.testing.assert_allclose(
        history.history["learning_rate"], [0.1, 0.1, 0.05], rtol=1e-6
    )
    np.testing.assert_allclose(float(injected.optimizer.learning_rate), 0.025)

    plain = model_with(optax.sgd(0.1))
    csv_path = tmp_path / "log.csv"
    history = plain.fit(
        x,
        y,
        epochs=2,
        verbose=0,
        callbacks=[
            ks.callbacks.TensorBoard(str(tmp_path / "tb")),
            ks.callbacks.CSVLogger(str(csv_path)),
        ],
    )
    assert sorted(history.history) == ["loss"]
    header = csv_path.read_text().splitlines()[0]
    assert header.startswith("epoch,loss") and "learning_rate" not in header
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau.*inject_hyperparams"):
        plain.fit(x, y, epochs=1, verbose=0, callbacks=[ReduceLROnPlateau("loss")])
