"""ModelCheckpoint: file names from templates, best-only, batch frequency."""

import os

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import LambdaCallback, ModelCheckpoint


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, x, y


def scripted(values):
    return LambdaCallback(on_epoch_end=lambda e, logs: logs.update(val_loss=values[e]))


def test_template_names_each_epoch_and_weights_round_trip(setup, tmp_path):
    model, x, y = setup
    template = str(tmp_path / "w-{epoch:02d}-{val_loss:.2f}.weights.npz")
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
            scripted([0.5, 0.25, 0.125]),
            snap,
            ModelCheckpoint(template, save_weights_only=True),
        ],
    )
    names = sorted(os.listdir(tmp_path))
    assert names == [
        "w-01-0.50.weights.npz",
        "w-02-0.25.weights.npz",
        "w-03-0.12.weights.npz",
    ]
    model.load_weights(str(tmp_path / "w-02-0.25.weights.npz"))
    for got, want in zip(model.get_weights(), weights[1]):
        np.testing.assert_array_equal(got, want)


def test_save_best_only_keeps_the_best_epoch(setup, tmp_path, capsys):
    model, x, y = setup
    path = str(tmp_path / "best.weights.npz")
    weights = []
    snap = LambdaCallback(
        on_epoch_end=lambda e, logs: weights.append(model.get_weights())
    )
    cb = ModelCheckpoint(path, save_best_only=True, save_weights_only=True, verbose=1)
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=4,
        verbose=0,
        callbacks=[scripted([1.0, 0.5, 0.7, 0.6]), snap, cb],
    )
    assert cb.best == 0.5
    model.load_weights(path)
    for got, want in zip(model.get_weights(), weights[1]):  # epoch 2 was best
        np.testing.assert_array_equal(got, want)
    # Keras's lines: each save is announced, then confirmed.
    out = capsys.readouterr().out
    assert out == (
        f"\nEpoch 1: val_loss improved from None to 1.00000, saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
        "\nEpoch 2: val_loss improved from 1.00000 to 0.50000, saving model to "
        f"{path}\n"
        f"\nEpoch 2: finished saving model to {path}\n"
        "\nEpoch 3: val_loss did not improve from 0.50000\n"
        "\nEpoch 4: val_loss did not improve from 0.50000\n"
    )


def test_initial_value_threshold_and_mode_max(setup, tmp_path):
    model, x, y = setup
    path = str(tmp_path / "m.weights.npz")
    cb = ModelCheckpoint(
        path,
        monitor="val_loss",
        mode="max",
        save_best_only=True,
        save_weights_only=True,
        initial_value_threshold=0.9,
    )
    model.fit(
        x, y, batch_size=8, epochs=2, verbose=0, callbacks=[scripted([0.5, 0.8]), cb]
    )
    assert not os.path.exists(path)  # never beat the threshold


def test_integer_save_freq_counts_batches(setup, tmp_path):
    model, x, y = setup
    template = str(tmp_path / "e{epoch}-b{batch}.weights.npz")
    model.fit(
        x,
        y,
        batch_size=4,
        epochs=2,
        verbose=0,
        callbacks=[ModelCheckpoint(template, save_weights_only=True, save_freq=3)],
    )
    # 4 batches per epoch: saves after the 3rd, 6th batch = (1, 3), (2, 2)
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.npz", "e2-b2.weights.npz"]


def test_whole_model_is_saved(setup, tmp_path):
    saving_api = pytest.importorskip("kerasish.saving.saving_api")
    model, x, y = setup
    path = str(tmp_path / "sub" / "model.keras")
    model.fit(
        x, y, batch_size=8, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path)]
    )
    loaded = saving_api.load_model(path)
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )


def test_missing_template_key_says_which(setup, tmp_path):
    model, x, y = setup
    cb = ModelCheckpoint(
        str(tmp_path / "{epoch}-{val_acc:.2f}.weights.npz"), save_weights_only=True
    )
    with pytest.raises(KeyError, match="key 'val_acc' is not in the logs.*'loss'"):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[cb])


def test_missing_monitor_with_best_only_warns_once_and_saves(setup, tmp_path):
    model, x, y = setup
    path = str(tmp_path / "x.weights.npz")
    cb = ModelCheckpoint(
        path, monitor="val_auc", mode="max", save_best_only=True, save_weights_only=True
    )
    with pytest.warns(UserWarning, match="`val_auc` which is not available.*loss"):
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[cb])
    assert os.path.exists(path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(filepath="a.txt"), "must end in `.keras`"),
        (dict(filepath="a.keras", save_weights_only=True), "must end in `.weights.h5`"),
        (dict(filepath="a.keras", save_freq="batch"), "Unrecognized save_freq"),
        (dict(filepath="a.keras", save_freq=0), "Unrecognized save_freq"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ModelCheckpoint(**kwargs)


def test_directory_filepath_is_rejected(setup, tmp_path):
    model, x, y = setup
    (tmp_path / "d.weights.npz").mkdir()
    cb = ModelCheckpoint(str(tmp_path / "d.weights.npz"), save_weights_only=True)
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[cb])
