"""EarlyStopping: stops at the epoch the rule says and restores the best weights."""

import warnings

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import Callback, EarlyStopping, LambdaCallback


def reference_stop(
    values, patience, min_delta=0.0, mode="min", baseline=None, start_from_epoch=0
):
    """A direct loop of the documented rule: (stop epoch or None, best epoch)."""
    sign = 1 if mode == "min" else -1
    best, best_epoch, wait = None, None, 0
    for epoch, value in enumerate(values):
        if epoch < start_from_epoch:
            continue
        if best_epoch is None:
            best_epoch = epoch
        wait += 1
        if best is None or sign * (value - best) < -min_delta:
            best, best_epoch = value, epoch
            if baseline is None or sign * (value - baseline) < -min_delta:
                wait = 0
            continue
        if wait >= patience and epoch > 0:
            return epoch, best_epoch
    return None, best_epoch


def make_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    # validation from another distribution: val_loss falls, then rises
    xv = rng.normal(size=(32, 4)).astype("float32")
    yv = rng.normal(size=(32, 1)).astype("float32")
    return x, y, xv, yv


def make_model():
    ks.utils.set_random_seed(0)
    model = ks.Sequential(
        [ks.Input((4,)), ks.layers.Dense(16, activation="relu"), ks.layers.Dense(1)]
    )
    model.compile(optimizer=ks.optimizers.SGD(0.05), loss="mse")
    return model


class Snapshots(Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def test_stops_at_the_right_epoch_and_restores_best_weights():
    x, y, xv, yv = make_data()
    epochs, patience = 12, 3
    reference = make_model().fit(
        x,
        y,
        batch_size=32,
        epochs=epochs,
        validation_data=(xv, yv),
        shuffle=False,
        verbose=0,
    )
    stop, best = reference_stop(reference.history["val_loss"], patience)
    assert stop is not None and stop < epochs - 1  # the data make it stop early

    model = make_model()
    snaps = Snapshots()
    es = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = model.fit(
        x,
        y,
        batch_size=32,
        epochs=epochs,
        validation_data=(xv, yv),
        shuffle=False,
        callbacks=[snaps, es],
        verbose=0,
    )
    assert history.epoch == list(range(stop + 1))
    assert es.stopped_epoch == stop and es.best_epoch == best
    np.testing.assert_allclose(
        history.history["val_loss"],
        reference.history["val_loss"][: stop + 1],
        rtol=1e-6,
    )
    for restored, expected in zip(model.get_weights(), snaps.weights[best]):
        np.testing.assert_array_equal(restored, expected)
    assert not np.array_equal(model.get_weights()[0], snaps.weights[-1][0])


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 2)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, x, y


def scripted_fit(tiny, values, es, epochs=None):
    """Fits with `logs["score"] = values[epoch]` injected before `es` sees them."""
    model, x, y = tiny
    inject = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(score=values[e]))
    snaps = Snapshots()
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=epochs or len(values),
        callbacks=[inject, snaps, es],
        verbose=0,
    )
    return history, snaps


@pytest.mark.parametrize(
    "values, kwargs",
    [
        ([1.0, 0.8, 0.85, 0.79, 0.9, 0.95, 0.7], dict(patience=2, min_delta=0.005)),
        ([1.0, 0.8, 0.85, 0.79, 0.9, 0.95, 0.7], dict(patience=2, min_delta=0.02)),
        ([0.1, 0.3, 0.2, 0.25, 0.31, 0.3, 0.29], dict(patience=2, mode="max")),
        ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4], dict(patience=1, baseline=0.3)),
        ([1.0, 2.0, 3.0, 0.5, 0.6, 0.7, 0.8], dict(patience=1, start_from_epoch=3)),
        ([1.0, 1.0, 1.0, 1.0], dict(patience=0)),
    ],
)
def test_scripted_monitor_matches_reference(tiny, values, kwargs):
    es = EarlyStopping(
        monitor="score",
        mode=kwargs.pop("mode", "min"),
        restore_best_weights=True,
        **kwargs,
    )
    history, snaps = scripted_fit(tiny, values, es)
    stop, best = reference_stop(values, mode=es.mode, **kwargs)
    ran = len(values) if stop is None else stop + 1
    assert history.epoch == list(range(ran))
    assert es.stopped_epoch == (stop or 0)
    if best is not None:
        for restored, expected in zip(tiny[0].get_weights(), snaps.weights[best]):
            np.testing.assert_array_equal(restored, expected)


def test_reusable_across_fits(tiny):
    es = EarlyStopping(monitor="score", mode="min", patience=1)
    scripted_fit(tiny, [1.0, 2.0, 3.0], es)
    assert es.stopped_epoch == 1
    history, _ = scripted_fit(tiny, [3.0, 2.0, 1.0], es)
    assert history.epoch == [0, 1, 2] and es.stopped_epoch == 0


def test_verbose_prints_stop_and_restore(tiny, capsys):
    es = EarlyStopping(
        monitor="score", mode="min", patience=1, verbose=1, restore_best_weights=True
    )
    scripted_fit(tiny, [1.0, 2.0, 3.0], es)
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 1." in out


def test_missing_monitor_warns_once_with_available_keys(tiny):
    model, x, y = tiny
    es = EarlyStopping(monitor="val_loss", patience=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=8, epochs=3, callbacks=[es], verbose=0)
    messages = [str(w.message) for w in caught if "val_loss" in str(w.message)]
    assert len(messages) == 1
    assert "Available metrics are: loss" in messages[0]
    assert history.epoch == [0, 1, 2]  # never stops on a missing key


def test_auto_mode_infers_direction():
    es = EarlyStopping(monitor="val_accuracy")
    es._set_monitor_op()
    assert es.monitor_op is np.greater
    es = EarlyStopping(monitor="val_output_1_mae")
    es._set_monitor_op()
    assert es.monitor_op is np.less and es.min_delta <= 0


def test_auto_mode_unknown_metric_raises(tiny):
    es = EarlyStopping(monitor="score")
    with pytest.raises(ValueError, match="automatically determine.*mode='max'"):
        scripted_fit(tiny, [1.0], es)


def test_unknown_mode_warns_and_falls_back():
    with pytest.warns(UserWarning, match="mode 'maximum' is unknown, fallback to auto"):
        es = EarlyStopping(mode="maximum")
    assert es.mode == "auto"


@pytest.mark.parametrize("name", ["patience", "start_from_epoch"])
def test_invalid_counts_raise(name):
    with pytest.raises(ValueError, match=f"`{name}` must be a non-negative int"):
        EarlyStopping(**{name: -1})


def test_non_string_monitor_raises():
    with pytest.raises(TypeError, match="`monitor` must be a log key"):
        EarlyStopping(monitor=["loss"])
