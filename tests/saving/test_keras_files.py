"""`.keras` files written by Keras 3 (fixtures made by make_fixtures.py) load in
kerasish and predict exactly what Keras predicted."""

import glob
import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")

import kerasish as keras  # noqa: E402
from kerasish.saving import load_model  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def _arrays(name, kind):
    files = sorted(glob.glob(os.path.join(FIXTURES, f"{name}_{kind}*.npy")))
    return [np.load(f, allow_pickle=False) for f in files]


def _load(name):
    pytest.importorskip("h5py")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Keras's optimizer layout
        return load_model(os.path.join(FIXTURES, f"{name}.keras"))


def _check_predictions(model, name):
    xs, ys = _arrays(name, "x"), _arrays(name, "y")
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    out = out if isinstance(out, list) else [out]
    assert len(out) == len(ys)
    for got, want in zip(out, ys):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_keras_sequential_mlp():
    model = _load("keras_sequential_mlp")
    assert type(model) is keras.Sequential and model.name == "mlp"
    assert [type(x).__name__ for x in model.layers] == ["Dense", "Dropout", "Dense"]
    assert type(model.optimizer).__name__ == "Adam"
    _check_predictions(model, "keras_sequential_mlp")


def test_keras_functional_two_inputs():
    model = _load("keras_functional_two_inputs")
    assert [t.name for t in model.inputs] == ["a", "b"]
    _check_predictions(model, "keras_functional_two_inputs")


def test_keras_convnet():
    pytest.importorskip("kerasish.layers.convolutional")
    pytest.importorskip("kerasish.layers.normalization")
    model = _load("keras_convnet")
    assert [type(x).__name__ for x in model.layers][:2] == [
        "Conv2D",
        "BatchNormalization",
    ]
    _check_predictions(model, "keras_convnet")


def test_keras_file_optimizer_state_is_restored():
    h5py = pytest.importorskip("h5py")
    import io
    import zipfile

    from kerasish.saving import optimizer_layout

    path = os.path.join(FIXTURES, "keras_sequential_mlp.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(path)
    with zipfile.ZipFile(path) as zf:
        group = h5py.File(io.BytesIO(zf.read("model.weights.h5")))["optimizer/vars"]
        saved = [np.asarray(group[str(i)]) for i in range(len(group))]
    mine = optimizer_layout.to_keras(model.optimizer)
    assert len(mine) == len(saved) == 10
    for got, want in zip(mine, saved):
        np.testing.assert_allclose(got, want, rtol=0, atol=0)
    assert int(model.optimizer.iterations) == int(saved[0]) == 8


def test_loaded_keras_model_trains():
    model = _load("keras_sequential_mlp")
    x = np.random.default_rng(0).normal(size=(16, 8)).astype("float32")
    y = np.arange(16) % 4
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_missing_h5py_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "h5py":
            raise ImportError("No module named 'h5py'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"kerasish\[h5\]"):
        load_model(os.path.join(FIXTURES, "keras_sequential_mlp.keras"))


@pytest.mark.compat
def test_keras_weights_h5_file_loads_by_structure(tmp_path):
    keras3 = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    reference = keras3.Sequential(
        [
            keras3.Input((4,)),
            keras3.layers.Dense(5, activation="relu"),
            keras3.layers.Dense(2),
        ]
    )
    reference.save_weights(tmp_path / "k.weights.h5")
    mine = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dense(2),
        ]
    )
    mine.load_weights(tmp_path / "k.weights.h5")
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(
        mine.predict(x, verbose=0),
        np.asarray(reference.predict(x, verbose=0)),
        rtol=1e-6,
    )
