"""Keras's legacy HDF5 format: `model.save("m.h5")`, `load_model("m.h5")`, and
legacy weights files (`load_weights("w.h5")`, by position or `by_name`)."""

import json
import os
import warnings

import h5py
import numpy as np
import pytest

import kerasish as keras
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 4)).astype("float32")
Y = (X[:, 0] > 0).astype("int32")


def _model(lib, names=("d1", "bn", "out")):
    return lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(8, activation="relu", name=names[0]),
            lib.layers.BatchNormalization(name=names[1]),
            lib.layers.Dropout(0.2),
            lib.layers.Dense(2, activation="softmax", name=names[2]),
        ],
        name="seq",
    )


def _save_h5(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "This file format is considered legacy"
        model.save(path)


def test_round_trip_keeps_weights_compile_and_optimizer_state(tmp_path):
    model = _model(keras)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(X, np.eye(2)[Y], epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning, match="considered legacy.*'my_model.keras'"):
        model.save(path)
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == ["d1", "bn", "dropout", "out"]
    for ours, theirs in zip(loaded.weights, model.weights):
        # As Keras's `.keras` loading: the model's name is not in the path.
        assert ours.path == theirs.path.removeprefix("seq/")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(
        loaded.predict(X, verbose=0), model.predict(X, verbose=0)
    )
    assert loaded.loss == "mse" and type(loaded.optimizer).__name__ == "Adam"
    for ours, theirs in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert int(loaded.optimizer.iterations) == 4
    with h5py.File(path) as f:  # Keras's layout
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"
        group = f["model_weights"]
        assert list(group.attrs["layer_names"]) == ["d1", "bn", "dropout", "out"]
        assert list(group["bn"].attrs["weight_names"]) == [
            "seq/bn/gamma",
            "seq/bn/beta",
            "seq/bn/moving_mean",
            "seq/bn/moving_variance",
        ]
        assert "optimizer_weights" in f and "training_config" in f.attrs
    uncompiled = keras.models.load_model(path, compile=False)
    assert not uncompiled.compiled
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(path, overwrite=False)


def test_load_weights_by_position_and_by_name(tmp_path):
    source = _model(keras)
    source.build((None, 4))
    path = tmp_path / "m.h5"
    _save_h5(source, path)
    # By position: the layer names need not match.
    renamed = _model(keras, names=("a", "b", "c"))
    renamed.load_weights(path)
    for ours, theirs in zip(renamed.weights, source.weights):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # By name: only the layers whose names are in the file, wherever they are.
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu", name="d1")(inputs)
    extra = keras.layers.Dense(3, name="new")(hidden)
    partial = keras.Model(inputs, extra)
    before = partial.get_layer("new").kernel.numpy().copy()
    partial.load_weights(path, by_name=True)
    np.testing.assert_array_equal(
        partial.get_layer("d1").kernel.numpy(), source.get_layer("d1").kernel.numpy()
    )
    np.testing.assert_array_equal(partial.get_layer("new").kernel.numpy(), before)
    with pytest.raises(ValueError, match=r"layer count mismatch.*expects 2 layers.*3"):
        partial.load_weights(path)


def test_load_weights_errors_and_skip_mismatch(tmp_path):
    source = _model(keras)
    source.build((None, 4))
    path = tmp_path / "m.h5"
    _save_h5(source, path)
    wider = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(5, name="d1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Dense(2, name="out"),
        ]
    )
    with pytest.raises(
        ValueError, match=r"Shape mismatch in layer 'd1'.*\(4, 5\).*\(4, 8\)"
    ):
        wider.load_weights(path)
    with pytest.warns(UserWarning, match="Skipping it. Shape mismatch"):
        wider.load_weights(path, skip_mismatch=True)
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        source.save_weights(tmp_path / "m.weights.h5")
        source.load_weights(tmp_path / "m.weights.h5", by_name=True)
    weights_only = tmp_path / "w.h5"
    with h5py.File(weights_only, "w") as f:
        f.attrs["layer_names"] = np.zeros((0,))
    with pytest.raises(ValueError, match="holds no model config: it is a weights file"):
        keras.models.load_model(weights_only)


def test_keras_2_weights_file_with_chunked_layer_names(tmp_path):
    """A weights file as tf.keras wrote it: `layer_names` split in chunks
    (`layer_names0`, `layer_names1`), TF variable names (`kernel:0`)."""
    model = _model(keras)
    model.build((None, 4))
    values = [RNG.normal(size=w.shape).astype("float32") for w in model.weights]
    path = tmp_path / "keras2.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names0"] = np.array([b"dense", b"batch_normalization"])
        f.attrs["layer_names1"] = np.array([b"dropout", b"dense_1"])
        f.attrs["keras_version"] = b"2.15.0"
        layers = {"dense": values[0:2], "batch_normalization": values[2:6]}
        layers["dense_1"], layers["dropout"] = values[6:8], []
        names = {
            "dense": ["kernel:0", "bias:0"],
            "batch_normalization": [
                "gamma:0",
                "beta:0",
                "moving_mean:0",
                "moving_variance:0",
            ],
            "dense_1": ["kernel:0", "bias:0"],
            "dropout": [],
        }
        for layer, arrays in layers.items():
            group = f.create_group(layer)
            full = [f"{layer}/{n}" for n in names[layer]]
            group.attrs["weight_names"] = np.array([n.encode() for n in full])
            for name, array in zip(full, arrays):
                group[name] = array
    model.load_weights(path)
    for variable, value in zip(model.weights, values):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_lambda_code_in_an_h5_file_is_refused(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    path = tmp_path / "lambda.h5"
    _save_h5(model, path)
    with pytest.raises(ValueError, match="safe_mode"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), 2 * X)


@pytest.mark.compat
def test_files_load_in_both_directions_with_keras(tmp_path):
    k = keras3()
    theirs = _model(k)
    # (Keras 3.15 cannot load its own .h5 file compiled with loss="mse".)
    theirs.compile(
        optimizer=k.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy"
    )
    theirs.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    keras_file = os.fspath(tmp_path / "keras.h5")
    theirs.save(keras_file)
    ours = keras.models.load_model(keras_file)
    expected = np.asarray(theirs.predict(X, verbose=0))
    np.testing.assert_allclose(ours.predict(X, verbose=0), expected, rtol=1e-6)
    assert int(ours.optimizer.iterations) == 2
    ours_file = os.fspath(tmp_path / "ours.h5")
    _save_h5(ours, ours_file)
    back = k.models.load_model(ours_file)
    np.testing.assert_allclose(back.predict(X, verbose=0), expected, rtol=1e-6)
    assert int(back.optimizer.iterations.numpy()) == 2


def test_links_to_other_files_are_refused(tmp_path):
    """As for `.weights.h5`: a legacy file must hold its arrays itself."""
    model = _model(keras)
    model.build((None, 4))
    path = tmp_path / "m.h5"
    _save_h5(model, path)
    with h5py.File(tmp_path / "secret.h5", "w") as f:
        f["data"] = np.zeros((4, 8), "float32")
    with h5py.File(path, "a") as f:
        group = f["model_weights/d1"]
        del group["seq/d1/kernel"]
        group["seq/d1/kernel"] = h5py.ExternalLink(str(tmp_path / "secret.h5"), "data")
    with pytest.raises(ValueError, match="refusing to load.*external link"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match="refusing to load.*external link"):
        model.load_weights(path)


def _dense_config(name, units, activation):
    # A tf.keras 2.x layer config: no `module`, initializers by class name only.
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    }


def _write_tf_keras_file(path, config, weights, training=None):
    """A model file in tf.keras 2.x's layout; `weights` maps each layer name,
    in order, to its kernel and bias (or nothing), named `kernel:0`, `bias:0`."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        if training is not None:
            f.attrs["training_config"] = json.dumps(training).encode()
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [name.encode() for name in weights]
        for layer, arrays in weights.items():
            names = [f"{layer}/kernel:0", f"{layer}/bias:0"][: len(arrays)]
            group.create_group(layer).attrs["weight_names"] = [
                n.encode() for n in names
            ]
            for name, array in zip(names, arrays):
                group[layer][name] = array.astype("float32")


def test_tf_keras_2_model_file_loads(tmp_path):
    """A model file as tf.keras 2.x wrote it (`batch_input_shape`, TF variable
    names, the old optimizer config with `decay`); numpy forward reference."""
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, 4], "name": "dense_input"},
                },
                _dense_config("dense", 8, "relu"),
                {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}},
                _dense_config("dense_1", 2, "softmax"),
            ],
        },
    }
    training = {
        "loss": "categorical_crossentropy",
        "metrics": ["accuracy"],
        "optimizer_config": {
            "class_name": "Adam",
            "config": {"name": "Adam", "learning_rate": 0.001, "decay": 0.0},
        },
    }
    weights = {
        "dense": [RNG.normal(size=(4, 8)), RNG.normal(size=8)],
        "dropout": [],
        "dense_1": [RNG.normal(size=(8, 2)), RNG.normal(size=2)],
    }
    path = tmp_path / "tf_keras.h5"
    _write_tf_keras_file(path, config, weights, training)
    model = keras.models.load_model(path)
    (k1, b1), (k2, b2) = weights["dense"], weights["dense_1"]
    logits = np.maximum(X @ k1 + b1, 0) @ k2 + b2
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5)
    assert type(model.optimizer).__name__ == "Adam"
    assert model.loss == "categorical_crossentropy"


def test_tf_keras_2_functional_file_with_legacy_inbound_nodes(tmp_path):
    """tf.keras 2.x wrote each call as `[[layer, node, tensor, kwargs], ...]`;
    a shared layer has one such node per call. Numpy forward reference."""

    def entry(config, name, inbound):
        return {**config, "name": name, "inbound_nodes": inbound}

    def input_layer(name, width):
        config = {"batch_input_shape": [None, width], "name": name}
        return entry({"class_name": "InputLayer", "config": config}, name, [])

    config = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                input_layer("a", 4),
                input_layer("b", 4),
                entry(
                    _dense_config("shared", 3, "relu"),
                    "shared",
                    [[["a", 0, 0, {}]], [["b", 0, 0, {}]]],
                ),
                entry(
                    {"class_name": "Add", "config": {"name": "add"}},
                    "add",
                    [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]],
                ),
                entry(_dense_config("out", 1, "linear"), "out", [[["add", 0, 0]]]),
            ],
            "input_layers": [["a", 0, 0], ["b", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
    }
    kernel, bias = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    head, head_bias = RNG.normal(size=(3, 1)), RNG.normal(size=1)
    path = tmp_path / "functional.h5"
    weights = {"a": [], "b": [], "shared": [kernel, bias], "add": []}
    _write_tf_keras_file(path, config, {**weights, "out": [head, head_bias]})
    model = keras.models.load_model(path)
    xa, xb = X, X[::-1].copy()
    hidden = np.maximum(xa @ kernel + bias, 0) + np.maximum(xb @ kernel + bias, 0)
    np.testing.assert_allclose(
        model.predict([xa, xb], verbose=0), hidden @ head + head_bias, rtol=1e-5
    )
    assert [layer.name for layer in model.layers] == ["a", "b", "shared", "add", "out"]


def test_tf_keras_2_layer_arguments_are_read_as_keras_3_reads_them(tmp_path):
    """tf.keras 2.x wrote `batch_input_shape` on a Sequential's first layer,
    one-element `axis` lists, `time_major=False` on RNNs: the models rebuild as
    the same architecture written for Keras 3 (same outputs with its weights)."""

    def layer(class_name, **config):
        return {"class_name": class_name, "config": config}

    config = {
        "class_name": "Sequential",
        "config": {
            "name": "tagger",
            "layers": [
                layer(
                    "Embedding",
                    name="emb",
                    batch_input_shape=[None, 6],
                    input_dim=20,
                    output_dim=4,
                    input_length=6,
                ),
                layer(
                    "LSTM",
                    name="lstm",
                    units=3,
                    return_sequences=True,
                    time_major=False,
                    implementation=2,
                ),
                layer("BatchNormalization", name="bn", axis=[2]),
                layer("GlobalAveragePooling1D", name="pool"),
                layer("Dense", name="out", units=2),
            ],
        },
    }
    reference = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Embedding(20, 4),
            keras.layers.LSTM(3, return_sequences=True),
            keras.layers.BatchNormalization(),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(2),
        ]
    )
    values = [RNG.normal(size=w.shape).astype("float32") for w in reference.weights]
    assert reference.weights[7].path.endswith("moving_variance")
    values[7] = np.abs(values[7]) + 0.5
    reference.set_weights(values)
    path = tmp_path / "tagger.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"emb", b"lstm", b"bn", b"pool", b"out"]
        for layer_ in reference.layers:
            weights = layer_.trainable_weights + layer_.non_trainable_weights
            names = [f"{v.name}:0" for v in weights]
            saved = {"embedding": "emb", "lstm": "lstm", "batch_normalization": "bn"}
            name = saved.get(layer_.name, "out" if layer_.weights else "pool")
            sub = group.create_group(name)
            sub.attrs["weight_names"] = [n.encode() for n in names]
            for n, v in zip(names, weights):
                sub[n] = v.numpy()
    model = keras.models.load_model(path)
    assert model.get_layer("bn").axis == 2
    ids = RNG.integers(0, 20, size=(5, 6))
    expected = reference.predict(ids, verbose=0)
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(model.predict(ids, verbose=0), expected, rtol=1e-6)
