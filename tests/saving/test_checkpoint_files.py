"""ModelCheckpoint with the file names Keras users write: Keras's patterns,
extension rules and error messages; missing directories are created."""

import os
import re

import numpy as np
import pytest

import kerasish as keras
from tests.helpers import keras3


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 3)).astype("float32"), np.ones((16, 1), "float32")


def test_weights_pattern_creates_directories(tmp_path):
    x, y = _data()
    model = _model()
    template = str(tmp_path / "ckpt" / "deep" / "w-{epoch:02d}.weights.h5")
    callback = keras.callbacks.ModelCheckpoint(template, save_weights_only=True)
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[callback])
    files = sorted(os.listdir(tmp_path / "ckpt" / "deep"))
    assert files == ["w-01.weights.h5", "w-02.weights.h5", "w-03.weights.h5"]
    fresh = _model()
    fresh.load_weights(tmp_path / "ckpt" / "deep" / "w-03.weights.h5")
    np.testing.assert_array_equal(
        fresh.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_model_pattern_with_val_loss(tmp_path):
    x, y = _data()
    model = _model()
    template = str(tmp_path / "out" / "{epoch:02d}-{val_loss:.2f}.keras")
    callback = keras.callbacks.ModelCheckpoint(template)
    history = model.fit(
        x,
        y,
        epochs=2,
        batch_size=8,
        verbose=0,
        callbacks=[callback],
        validation_data=(x, y),
    )
    expected = [
        f"{i + 1:02d}-{loss:.2f}.keras"
        for i, loss in enumerate(history.history["val_loss"])
    ]
    assert sorted(os.listdir(tmp_path / "out")) == expected
    loaded = keras.saving.load_model(tmp_path / "out" / expected[-1])
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


@pytest.mark.compat
def test_checkpoint_files_load_in_keras(tmp_path):
    k = keras3()
    x, y = _data()
    model = _model()
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}.keras")),
        keras.callbacks.ModelCheckpoint(
            str(tmp_path / "w-{epoch}.weights.h5"), save_weights_only=True
        ),
    ]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=callbacks)
    want = model.predict(x, verbose=0)
    theirs = k.saving.load_model(tmp_path / "m-1.keras")
    np.testing.assert_allclose(np.asarray(theirs(x)), want, rtol=1e-6, atol=1e-6)
    other = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
    other.load_weights(tmp_path / "w-1.weights.h5")
    np.testing.assert_allclose(np.asarray(other(x)), want, rtol=1e-6, atol=1e-6)


@pytest.mark.compat
@pytest.mark.parametrize(
    "filepath, weights_only",
    [
        ("w.h5", True),
        ("w.keras", True),
        ("m.npz", False),
        ("m.txt", False),
    ],
)
def test_extension_errors_are_keras_errors(filepath, weights_only):
    k = keras3()
    with pytest.raises(ValueError) as theirs:
        k.callbacks.ModelCheckpoint(filepath, save_weights_only=weights_only)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        keras.callbacks.ModelCheckpoint(filepath, save_weights_only=weights_only)


def test_extension_error_messages():
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`.*w\.keras"):
        keras.callbacks.ModelCheckpoint("w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`.*m\.weights\.npz"):
        keras.callbacks.ModelCheckpoint("m.weights.npz")
