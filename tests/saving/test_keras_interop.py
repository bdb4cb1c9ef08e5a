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


FAMILIES = [
    mlp,
    convnet,
    pytest.param(recurrent, marks=pytest.mark.slow),  # Keras's eager RNN is slow
    transformer,
    nested,
]


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


def _with_state(lib, family, seed=0):
    """A compiled model with random weights and a random Adam state, built
    without compiling a step (fast)."""
    rng = np.random.default_rng(seed)
    model, x = family(lib)
    model.compile(optimizer="adam", loss="mse")
    model.set_weights(
        [rng.normal(size=np.shape(w)).astype("float32") for w in model.get_weights()]
    )
    model.optimizer.build(model.trainable_variables)
    if lib is kerasish:
        arrays = optimizer_layout.to_keras(model.optimizer)
        arrays = [np.asarray(7, "int64"), np.asarray(0.01, "float32")] + [
            rng.uniform(size=a.shape).astype("float32") for a in arrays[2:]
        ]
        assert optimizer_layout.from_keras(model.optimizer, arrays)
    else:
        model.optimizer.iterations.assign(7)
        model.optimizer.learning_rate.assign(0.01)
        for v in model.optimizer.variables[2:]:
            v.assign(rng.uniform(size=v.shape).astype("float32"))
    return model, x


def _predict(model, x):
    return np.asarray(model(x, training=False))


def _optimizer_arrays(model):
    if hasattr(model.optimizer, "_lr_state"):
        return optimizer_layout.to_keras(model.optimizer)
    return [np.asarray(v.numpy()) for v in model.optimizer.variables]


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


@pytest.mark.parametrize(
    "family", FAMILIES, ids=["mlp", "convnet", "recurrent", "transformer", "nested"]
)
def test_keras_files_load_both_ways_with_the_same_predictions(tmp_path, family):
    keras = keras3()
    layouts = {}
    for source, target in [(keras, kerasish), (kerasish, keras)]:
        model, x = _with_state(source, family)
        want = _predict(model, x)
        path = tmp_path / f"{source.__name__}.keras"
        model.save(path)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            loaded = target.saving.load_model(path)
        np.testing.assert_allclose(_predict(loaded, x), want, rtol=1e-5, atol=1e-5)
        # The optimizer state travels too, in Keras's variable order.
        saved, restored = _optimizer_arrays(model), _optimizer_arrays(loaded)
        assert len(saved) == len(restored) > 2
        for a, b in zip(saved, restored):
            np.testing.assert_array_equal(np.asarray(b, "float64"), np.asarray(a))
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            assert names[:3] == ["metadata.json", "config.json", "model.weights.h5"]
            layouts[source.__name__] = _h5_layout(zf.read("model.weights.h5"))
    # Same group paths and dataset shapes as Keras writes (the attention's
    # variable-less softmax/dropout sublayers included), aside from the
    # seed-state groups kerasish adds.
    mine = {k: v for k, v in layouts["kerasish"].items() if "seeds" not in k}
    assert mine == layouts["keras"]


@pytest.mark.parametrize(
    "family", FAMILIES, ids=["mlp", "convnet", "recurrent", "transformer", "nested"]
)
def test_weights_h5_both_ways(tmp_path, family):
    keras = keras3()
    for source, target in [(keras, kerasish), (kerasish, keras)]:
        model, x = _with_state(source, family, seed=1)
        path = tmp_path / f"{source.__name__}.weights.h5"
        model.save_weights(path)
        other, _ = family(target)
        other.load_weights(path)
        np.testing.assert_allclose(
            _predict(other, x), _predict(model, x), rtol=1e-5, atol=1e-5
        )


@pytest.mark.parametrize("direction", ["keras->kerasish", "kerasish->keras"])
@pytest.mark.parametrize(
    "optimizer",
    [
        "adam",
        pytest.param("sgd", marks=pytest.mark.slow),
        pytest.param("rmsprop", marks=pytest.mark.slow),
        pytest.param("nadam", marks=pytest.mark.slow),
        pytest.param("adagrad", marks=pytest.mark.slow),
    ],
)
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


def normalization(k):
    layer = k.layers.Normalization()
    layer.adapt(np.arange(12, dtype="float32").reshape(4, 3) ** 1.5)
    fixed = k.layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0])
    model = k.Sequential([k.Input((3,)), layer, fixed, k.layers.Dense(2)])
    return model, np.arange(6, dtype="float32").reshape(2, 3)


def string_lookup(k):
    inputs = k.Input((3,), dtype="string")
    layer = k.layers.StringLookup(vocabulary=["a", "b", "c"], num_oov_indices=2)
    return k.Model(inputs, layer(inputs)), np.array([["a", "c", "z"]])


def string_lookup_adapted(k):
    inputs = k.Input((3,), dtype="string")
    layer = k.layers.StringLookup()
    layer.adapt(np.array(["a", "b", "b", "c", "c", "c"]))
    return k.Model(inputs, layer(inputs)), np.array([["a", "c", "z"]])


def text_vectorization(k):
    inputs = k.Input((1,), dtype="string")
    layer = k.layers.TextVectorization(
        vocabulary=["the", "cat", "sat"], output_sequence_length=5
    )
    return k.Model(inputs, layer(inputs)), np.array([["The cat sat down"]])


def text_vectorization_adapted(k):
    inputs = k.Input((1,), dtype="string")
    layer = k.layers.TextVectorization(output_sequence_length=4)
    layer.adapt(np.array(["the cat sat", "the dog", "a cat"]))
    return k.Model(inputs, layer(inputs)), np.array([["the cat sat down"]])


@pytest.mark.parametrize(
    "family",
    [
        normalization,
        string_lookup,
        string_lookup_adapted,
        text_vectorization,
        text_vectorization_adapted,
    ],
    ids=lambda f: f.__name__,
)
def test_preprocessing_files_both_ways(tmp_path, family):
    """Inline vocabularies travel in the config, adapted ones as Keras's
    `assets/<path>/vocabulary.txt`; Normalization's statistics as variables.
    (String models are compared layer by layer: Keras's JAX backend cannot run
    a Functional on strings.)"""
    keras = keras3()
    for source, target in [(keras, kerasish), (kerasish, keras)]:
        model, x = family(source)
        path = tmp_path / f"{source.__name__}.keras"
        model.save(path)
        loaded = target.saving.load_model(path)
        want = np.asarray(model.layers[-1](x) if x.dtype.kind == "U" else model(x))
        got = np.asarray(loaded.layers[-1](x) if x.dtype.kind == "U" else loaded(x))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
