"""Files both ways: a model built and saved by one library loads in the other
with the same predictions, optimizer state included (`.keras`, `.weights.h5`)."""

import io
import warnings
import zipfile

import numpy as np
import pytest

import kerasish
from kerasish.saving import optimizer_layout
from tests.helpers import keras3

pytestmark = pytest.mark.compat


def mlp(k):
    model = k.Sequential(
        [
            k.Input((6,)),
            k.layers.Dense(8, activation="relu"),
            k.layers.Dropout(0.2),
            k.layers.BatchNormalization(),
            k.layers.Dense(3),
        ],
        name="mlp",
    )
    return model, np.random.default_rng(0).normal(size=(4, 6)).astype("float32")


def convnet(k):
    model = k.Sequential(
        [
            k.Input((8, 8, 2)),
            k.layers.Conv2D(4, 3, padding="same", activation="relu"),
            k.layers.MaxPooling2D(),
            k.layers.Conv2D(3, 3),
            k.layers.GlobalAveragePooling2D(),
            k.layers.Dense(2),
        ]
    )
    return model, np.random.default_rng(1).normal(size=(3, 8, 8, 2)).astype("float32")


def recurrent(k):
    inputs = k.Input((7,), dtype="int32")
    x = k.layers.Embedding(20, 5)(inputs)
    x = k.layers.LSTM(4, return_sequences=True)(x)
    x = k.layers.Bidirectional(k.layers.GRU(3))(x)
    model = k.Model(inputs, k.layers.Dense(2)(x))
    return model, np.random.default_rng(2).integers(0, 20, size=(3, 7)).astype("int32")


def transformer(k):
    inputs = k.Input((5, 8))
    attention = k.layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
    x = k.layers.LayerNormalization()(k.layers.Add()([inputs, attention]))
    f = k.layers.Dense(8)(k.layers.Dense(16, activation="relu")(x))
    outputs = k.layers.LayerNormalization()(k.layers.Add()([x, f]))
    model = k.Model(inputs, outputs)
    return model, np.random.default_rng(3).normal(size=(2, 5, 8)).astype("float32")


def nested(k):
    inner_in = k.Input((4,))
    inner = k.Model(inner_in, k.layers.Dense(3)(inner_in), name="inner")
    seq = k.Sequential([k.layers.Dense(4), k.layers.Dense(4)], name="seq")
    inputs = k.Input((4,))
    model = k.Model(inputs, k.layers.Dense(2)(inner(seq(inputs))))
    return model, np.random.default_rng(4).normal(size=(3, 4)).astype("float32")


FAMILIES = [mlp, convnet, recurrent, transformer, nested]


def dense(k):
    model = k.Sequential(
        [k.Input((6,)), k.layers.Dense(5, activation="tanh"), k.layers.Dense(2)]
    )
    return model, np.random.default_rng(5).normal(size=(8, 6)).astype("float32")


def _libraries(direction):
    keras = keras3()
    return (keras, kerasish) if direction == "keras->kerasish" else (kerasish, keras)


def _trained(lib, family, optimizer="adam"):
    model, x = family(lib)
    model.compile(optimizer=optimizer, loss="mse")
    y = np.ones_like(np.asarray(model.predict(x, verbose=0)))
    model.fit(x, y, epochs=2, batch_size=len(x), verbose=0)
    return model, x, y


def _optimizer_arrays(model):
    if hasattr(model.optimizer, "_lr_state"):
        return optimizer_layout.to_keras(model.optimizer)
    return [np.asarray(v.numpy()) for v in model.optimizer.variables]


@pytest.mark.parametrize("direction", ["keras->kerasish", "kerasish->keras"])
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_keras_file_loads_with_the_same_predictions(tmp_path, family, direction):
    source, target = _libraries(direction)
    model, x, _ = _trained(source, family)
    want = np.asarray(model.predict(x, verbose=0))
    path = tmp_path / "m.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loaded = target.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(loaded.predict(x, verbose=0)), want, rtol=1e-6, atol=1e-6
    )
    # The optimizer state travels too, in Keras's variable order.
    saved, restored = _optimizer_arrays(model), _optimizer_arrays(loaded)
    assert len(saved) == len(restored) > 2
    for a, b in zip(saved, restored):
        np.testing.assert_allclose(np.asarray(b, "float64"), np.asarray(a, "float64"))


@pytest.mark.parametrize("direction", ["keras->kerasish", "kerasish->keras"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "nadam", "adagrad"])
def test_training_resumes_identically_from_the_other_library(
    tmp_path, optimizer, direction
):
    source, target = _libraries(direction)
    model, x, y = _trained(source, dense, optimizer)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = target.saving.load_model(path)
    model.fit(x, y, epochs=1, batch_size=len(x), verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=len(x), verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("direction", ["keras->kerasish", "kerasish->keras"])
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_weights_h5_both_ways(tmp_path, family, direction):
    source, target = _libraries(direction)
    model, x = family(source)
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    other, _ = family(target)
    other.load_weights(path)
    np.testing.assert_allclose(
        np.asarray(other.predict(x, verbose=0)),
        np.asarray(model.predict(x, verbose=0)),
        rtol=1e-6,
        atol=1e-6,
    )


def _h5_layout(data):
    import h5py

    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = tuple(obj.shape)
        elif name.endswith("vars"):
            out[name] = dict(obj.attrs).get("name") is not None

    h5py.File(io.BytesIO(data)).visititems(visit)
    return out


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_h5_layout_is_keras_layout(tmp_path, family):
    """Same group paths and dataset shapes as Keras writes (the seed-state
    groups kerasish adds aside)."""
    keras = keras3()
    layouts = []
    for lib in (keras, kerasish):
        model, _ = _trained(lib, family)
        model.save(tmp_path / f"{lib.__name__}.keras")
        with zipfile.ZipFile(tmp_path / f"{lib.__name__}.keras") as zf:
            assert zf.namelist()[:3] == [
                "metadata.json",
                "config.json",
                "model.weights.h5",
            ]
            layouts.append(_h5_layout(zf.read("model.weights.h5")))
    theirs, mine = layouts
    mine = {k: v for k, v in mine.items() if "seeds" not in k}
    # Keras's attention keeps variable-less softmax/dropout sublayers.
    theirs = {k: v for k, v in theirs.items() if "/_softmax" not in k}
    theirs = {k: v for k, v in theirs.items() if "/_dropout_layer" not in k}
    assert mine == theirs
