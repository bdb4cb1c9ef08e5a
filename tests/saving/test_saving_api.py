"""Whole-model and weights-only files: round trips, resumed training, mismatches."""

import io
import json
import os
import subprocess
import sys
import textwrap
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.saving import (
    load_model,
    load_weights,
    register_keras_serializable,
    save_weights,
)
from tests.helpers import keras3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _data(n=48, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def _mlp(dropout=0.0, d=6):
    stack = [keras.Input((d,)), layers.Dense(8, activation="relu")]
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(1, activation="sigmoid"))
    model = keras.Sequential(stack)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _two_io():
    a = keras.Input((5,), name="a")
    b = keras.Input((3,), name="b")
    h = layers.Dense(4, activation="tanh", name="h")(a)
    g = layers.Dense(4, activation="relu", name="g")(b)
    out_a = layers.Dense(2, name="out_a")(h)
    out_b = layers.Dense(1, name="out_b")(g)
    return keras.Model([a, b], [out_a, out_b], name="two_io")


@register_keras_serializable(package="test_saving")
class Scale(layers.Layer):
    """A custom layer with one weight and a constructor argument."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@register_keras_serializable(package="test_saving")
class TwoLayerNet(keras.Model):
    """A subclassed model: sub-layers as attributes."""

    def __init__(self, hidden=5, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.first = layers.Dense(hidden, activation="relu")
        self.scale = Scale(0.5)
        self.second = layers.Dense(1)

    def call(self, x):
        return self.second(self.scale(self.first(x)))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


# -- whole models --------------------------------------------------------------


def test_sequential_round_trip_is_bitwise(tmp_path):
    keras.utils.set_random_seed(0)
    x, y = _data()
    model = _mlp(dropout=0.2)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is keras.Sequential
    assert [type(x).__name__ for x in loaded.layers] == ["Dense", "Dropout", "Dense"]
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_archive_layout(tmp_path):
    model = _mlp()
    model.fit(*_data(), epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        metadata = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
        h5 = h5py.File(io.BytesIO(zf.read("model.weights.h5")))
        npz = {}

        def collect(key, value):
            if isinstance(value, h5py.Dataset):
                npz[key] = value[()]

        h5.visititems(collect)
        keys = sorted(npz)
    assert set(metadata) == {"keras_version", "kerasish_version", "date_saved"}
    # One version string: kerasish/version.py's.
    assert metadata["kerasish_version"] == keras.__version__ == keras.version()
    assert set(config) == {
        "module",
        "class_name",
        "config",
        "registered_name",
        "build_config",
        "compile_config",
    }
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["loss"] == "binary_crossentropy"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    # Keras's h5 paths: layers by class name, unique in order; then the optimizer.
    assert "layers/dense/vars/0" in keys and "layers/dense_1/vars/1" in keys
    assert any(k.startswith("optimizer/vars/") for k in keys)
    np.testing.assert_array_equal(
        npz["layers/dense/vars/0"], model.layers[0].kernel.numpy()
    )


def test_functional_two_inputs_two_outputs(tmp_path):
    model = _two_io()
    model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[1.0, 0.5])
    rng = np.random.default_rng(3)
    xa, xb = rng.normal(size=(10, 5)), rng.normal(size=(10, 3))
    path = tmp_path / "f.keras"
    model.save(path)
    loaded = load_model(path)
    assert loaded.name == "two_io"
    assert [t.name for t in loaded.inputs] == ["a", "b"]
    for got, want in zip(
        loaded.predict([xa, xb], verbose=0), model.predict([xa, xb], verbose=0)
    ):
        np.testing.assert_array_equal(got, want)
    assert loaded._compile_args["loss_weights"] == [1.0, 0.5]


def test_subclassed_model_with_registered_classes(tmp_path):
    model = TwoLayerNet(hidden=3)
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    model(x)  # builds and records the input shape
    model.scale.w.assign(np.array([1.0, 2.0, 3.0], "float32"))
    path = tmp_path / "s.keras"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is TwoLayerNet and loaded.hidden == 3
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    np.testing.assert_array_equal(loaded.scale.w.numpy(), [1.0, 2.0, 3.0])


def test_custom_objects_argument_and_unknown_class_error(tmp_path):
    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2.0

    model = keras.Sequential([keras.Input((2,)), Doubler(name="doubler")])
    path = tmp_path / "c.keras"
    model.save(path)
    # Every bad file is a ValueError naming it; an unknown class is also the
    # TypeError Keras raises.
    with pytest.raises(ValueError, match="Unknown object 'Doubler'.*custom_objects"):
        load_model(path)
    with pytest.raises(TypeError, match=r"c\.keras.*Unknown object 'Doubler'"):
        load_model(path)
    loaded = load_model(path, custom_objects={"Doubler": Doubler})
    np.testing.assert_array_equal(
        loaded.predict(np.ones((1, 2)), verbose=0), [[2.0, 2.0]]
    )


def test_compile_false_returns_uncompiled_model(tmp_path):
    model = _mlp()
    path = tmp_path / "m.keras"
    model.save(path)
    assert not load_model(path, compile=False).compiled
    assert load_model(path).compiled


def test_optimizer_state_is_restored(tmp_path):
    x, y = _data()
    model = _mlp()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = load_model(path)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 6
    assert type(loaded.optimizer).__name__ == "Adam"
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_fit_save_load_fit_equals_uninterrupted_fit(tmp_path, dropout):
    """fit 2 epochs, save, load, fit 2 more == fit 4 epochs, bitwise (CPU)."""
    x, y = _data()
    keras.utils.set_random_seed(7)
    straight = _mlp(dropout)
    keras.utils.set_random_seed(7)
    resumed = _mlp(dropout)
    straight.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    resumed.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = tmp_path / "ckpt.keras"
    resumed.save(path)
    del resumed
    loaded = load_model(path)
    loaded.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert int(loaded.optimizer.iterations) == int(straight.optimizer.iterations)
    for a, b in zip(loaded.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_in_a_new_process_predicts_identically(tmp_path):
    x, y = _data()
    model = _mlp()
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(
        f"""
        import numpy as np
        from kerasish.saving import load_model
        model = load_model({str(path)!r})
        x = np.load({str(tmp_path / "x.npy")!r})
        np.save({str(tmp_path / "y.npy")!r}, model.predict(x, verbose=0))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, timeout=120)
    np.testing.assert_array_equal(
        np.load(tmp_path / "y.npy"), model.predict(x, verbose=0)
    )


def test_save_refuses_other_extensions_and_overwrite_false(tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match=r"Invalid filepath extension.*\.h5.*m.zip"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(ValueError, match="zipped=False"):
        model.save(tmp_path / "m.keras", zipped=False)
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        model.save(tmp_path / "m.keras", save_traces=True)
    with pytest.raises(ValueError, match="`save_format` argument is deprecated"):
        model.save(tmp_path / "m_tf", save_format="tf")
    with pytest.warns(UserWarning, match="can be inferred from the file path"):
        model.save(tmp_path / "m.keras", save_format="keras")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(tmp_path / "missing_dir" / "m.keras")


def test_truncated_h5_model_says_so(tmp_path):
    path = tmp_path / "old.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n")
    with pytest.raises(ValueError, match="old.h5.*not a valid HDF5"):
        load_model(path)
    with pytest.raises(ValueError, match="old.h5.*not a valid HDF5"):
        _mlp().load_weights(path)


# -- Lambda and safe mode --------------------------------------------------------


def test_lambda_source_refused_in_safe_mode(tmp_path):
    model = keras.Sequential([keras.Input((2,)), layers.Lambda(lambda t: t + 1.0)])
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ValueError, match="Refusing to load a Lambda.*safe_mode=False"):
        load_model(path)


@pytest.mark.compat
def test_enable_unsafe_deserialization_lets_load_model_rebuild_lambdas_as_keras(
    tmp_path,
):
    """After `config.enable_unsafe_deserialization()`, `load_model(path)` (its
    default safe_mode=True) rebuilds Lambda code in both libraries, until
    `clear_session()`."""
    k3 = keras3()
    x = np.ones((1, 2), "float32")
    for lib in (k3, keras):
        triple = lib.layers.Lambda(lambda t: t * 3.0)
        model = lib.Sequential([lib.Input((2,)), triple])
        path = tmp_path / f"{lib.__name__}.keras"
        model.save(path)
        with pytest.raises(ValueError, match="safe_mode=False"):
            lib.saving.load_model(path)
        lib.config.enable_unsafe_deserialization()
        try:
            loaded = lib.saving.load_model(path)
            np.testing.assert_allclose(np.asarray(loaded(x)), x * 3.0)
        finally:
            lib.backend.clear_session()
        with pytest.raises(ValueError, match="safe_mode=False"):
            lib.saving.load_model(path)


def test_lambda_registered_function_loads_in_safe_mode(tmp_path):
    @register_keras_serializable(package="test_saving")
    def add_three(t):
        return t + 3.0

    model = keras.Sequential([keras.Input((2,)), layers.Lambda(add_three)])
    path = tmp_path / "lambda_reg.keras"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(
        loaded.predict(np.zeros((1, 2)), verbose=0), [[3.0, 3.0]]
    )


# -- weights only ----------------------------------------------------------------


def test_save_weights_load_weights_by_structure(tmp_path):
    x, y = _data()
    model = _mlp()
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.weights.npz"
    model.save_weights(path)
    other = _mlp()  # same architecture, other layer names and initial values
    assert other.layers[0].name != model.layers[0].name
    other.load_weights(path)
    np.testing.assert_array_equal(
        other.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == [
            "layers/dense/vars/0",
            "layers/dense/vars/1",
            "layers/dense_1/vars/0",
            "layers/dense_1/vars/1",
        ]


def test_load_weights_from_a_keras_file(tmp_path):
    model = _mlp()
    model.save(tmp_path / "m.keras")
    other = _mlp()
    other.load_weights(tmp_path / "m.keras")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_weights_into_other_architecture_names_layer_and_shapes(tmp_path):
    model = _mlp()
    model.save_weights(tmp_path / "m.weights.npz")
    wider = keras.Sequential(
        [
            keras.Input((6,)),
            layers.Dense(9, activation="relu", name="wide"),
            layers.Dense(1),
        ]
    )
    pattern = (
        r"Layer 'wide' \(Dense\) at path 'layers/dense'.*"
        r"expects shape \(6, 9\).*\(6, 8\)"
    )
    with pytest.raises(ValueError, match=pattern):
        wider.load_weights(tmp_path / "m.weights.npz")


def test_skip_mismatch_loads_matching_layers_and_warns(tmp_path):
    model = _mlp()
    model.save_weights(tmp_path / "m.weights.npz")
    other = keras.Sequential(
        [keras.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(2)]
    )
    before = other.layers[1].kernel.numpy()
    with pytest.warns(
        UserWarning, match="(?s)Skipping mismatched weights.*expects shape"
    ):
        other.load_weights(tmp_path / "m.weights.npz", skip_mismatch=True)
    np.testing.assert_array_equal(
        other.layers[0].kernel.numpy(), model.layers[0].kernel.numpy()
    )
    np.testing.assert_array_equal(other.layers[1].kernel.numpy(), before)


def test_load_weights_with_extra_or_missing_layers(tmp_path):
    model = _mlp()
    model.save_weights(tmp_path / "m.weights.npz")
    shorter = keras.Sequential([keras.Input((6,)), layers.Dense(8)])
    with pytest.raises(ValueError, match="has weights for 1 path.*layers/dense_1"):
        shorter.load_weights(tmp_path / "m.weights.npz")
    longer = keras.Sequential(
        [keras.Input((6,)), layers.Dense(8), layers.Dense(1), layers.Dense(1)]
    )
    with pytest.raises(ValueError, match="'layers/dense_2'.*has none for this path"):
        longer.load_weights(tmp_path / "m.weights.npz")


def test_weights_file_errors(tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match=r"must end in `.weights.h5`"):
        save_weights(model, tmp_path / "m.npz")
    with pytest.raises(ValueError, match="File not found"):
        load_weights(model, tmp_path / "nothing.weights.npz")
    with pytest.raises(ValueError, match=r"must end in `.weights.npz`"):
        load_weights(model, tmp_path / "m.bin")
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        load_weights(model, tmp_path / "m.weights.npz", by_name=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        load_weights(model, tmp_path / "m.weights.npz", by_layer=True)
    unbuilt = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.save_weights(tmp_path / "u.weights.npz")
    with pytest.raises(ValueError, match="not built"):
        unbuilt.load_weights(tmp_path / "u.weights.npz")


def test_sub_layer_only_in_the_private_list_is_still_saved(tmp_path):
    class Hidden(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Hidden()
    model(np.ones((1, 3), "float32"))
    # Detach the sub-layer from every attribute the saver walks.
    object.__setattr__(model, "dense", None)
    # Still listed by the model's `layers` property, which Keras's walk visits
    # too: saved under `layers/dense`.
    path = tmp_path / "h.weights.npz"
    model.save_weights(path)
    with np.load(path) as npz:
        assert sorted(npz.files) == ["layers/dense/vars/0", "layers/dense/vars/1"]


def test_no_warnings_on_a_plain_round_trip(tmp_path):
    model = _mlp()
    model.fit(*_data(), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(tmp_path / "m.keras")


def test_subclassed_model_without_recorded_input_shape(tmp_path):
    model = TwoLayerNet(hidden=2)
    model(np.ones((1, 3), "float32"))
    model._build_shapes_dict = None  # as when built by fit() without a recorded shape
    model.save(tmp_path / "n.keras")
    with pytest.raises(ValueError, match="input shape was not recorded.*load_weights"):
        load_model(tmp_path / "n.keras")
    # The documented way out: build it, then load the weights from the same file.
    rebuilt = TwoLayerNet(hidden=2)
    rebuilt(np.ones((1, 3), "float32"))
    rebuilt.load_weights(tmp_path / "n.keras")
    for a, b in zip(rebuilt.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def _holder_class(lib):
    """A custom layer whose `get_config` returns objects, not configs (as the
    serialization guide's example does), and rebuilds them in `from_config`."""

    class Holder(lib.layers.Layer):
        def __init__(self, inner, act=None, init=None, reg=None, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner
            self.act = lib.activations.get(act)
            self.init = lib.initializers.get(init)
            self.reg = lib.regularizers.get(reg)

        def build(self, shape):
            if not self.inner.built:  # a loaded inner layer comes built
                self.inner.build(shape)
            self.w = self.add_weight(
                shape=(shape[-1],), initializer=self.init, regularizer=self.reg
            )

        def call(self, x):
            return self.inner(self.act(x * self.w))

        def get_config(self):
            return {
                **super().get_config(),
                "inner": self.inner,
                "act": self.act,
                "init": self.init,
                "reg": self.reg,
            }

        @classmethod
        def from_config(cls, config):
            config["inner"] = lib.layers.deserialize(config["inner"])
            for key, module in (
                ("act", lib.activations),
                ("init", lib.initializers),
                ("reg", lib.regularizers),
            ):
                config[key] = module.deserialize(config[key])
            return cls(**config)

    return Holder


def _holder_summary(lib):
    holder = _holder_class(lib)
    layer = holder(
        lib.layers.Dense(2, kernel_initializer="ones"),
        act="relu",
        init=lib.initializers.Constant(0.5),
        reg=lib.regularizers.L2(0.1),
    )
    config = lib.layers.serialize(layer)["config"]
    return {
        key: (type(config[key]).__name__, config[key].get("class_name"))
        for key in ("inner", "act", "init", "reg")
    }


def test_objects_in_a_custom_config_are_serialized_as_keras(tmp_path):
    """Keras serializes what a custom `get_config` holds (`serialize_dict`):
    before, a nested layer stayed an object, `from_config` failed and a held
    function made `save` fail."""
    ours = _holder_summary(keras)
    assert ours == {
        "inner": ("dict", "Dense"),
        "act": ("dict", "function"),
        "init": ("dict", "Constant"),
        "reg": ("dict", "L2"),
    }
    try:
        theirs = _holder_summary(keras3())
    except pytest.skip.Exception:
        theirs = ours
    assert ours == theirs
    holder = _holder_class(keras)
    inputs = keras.Input((3,))
    layer = holder(
        layers.Dense(2, kernel_initializer="ones"),
        act="relu",
        init=keras.initializers.Constant(0.5),
        reg=keras.regularizers.L2(0.1),
    )
    model = keras.Model(inputs, layer(inputs))
    x = np.array([[-1.0, 2.0, 3.0]], "float32")
    want = np.maximum(x * 0.5, 0) @ np.ones((3, 2)) + 0.0  # relu(x * w) @ kernel
    np.testing.assert_allclose(model(x), want, rtol=1e-6)
    path = str(tmp_path / "holder.keras")
    model.save(path)
    loaded = load_model(path, custom_objects={"Holder": holder})
    np.testing.assert_allclose(loaded(x), want, rtol=1e-6)
    # The regularizer came back: its loss is 0.1 * sum(w ** 2) = 0.1 * 3 * 0.25.
    loaded(x)
    np.testing.assert_allclose(float(sum(loaded.losses)), 0.075, rtol=1e-6)
    # A class of the running script names no module, as in Keras's files.
    assert keras.layers.serialize(layer)["module"] == __name__
    holder.__module__ = "__main__"
    assert keras.layers.serialize(layer)["module"] is None
