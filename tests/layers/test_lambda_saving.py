"""A Lambda layer's Python lambda is saved as its compiled code, as Keras saves
it, and runs again only when the caller trusts the file (`safe_mode=False`)."""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3


def _model(lib, scale):
    inputs = lib.Input((2,))
    # A keyword argument after the lambda and a call chained on the layer (the
    # old source-text format could not cut such a lambda out of its line).
    hidden = lib.layers.Lambda(lambda y: y * scale, name="scaled")(inputs)
    outputs = lib.layers.Lambda(lambda y, k=2.0: y + k, name="shift")(hidden)
    return lib.Model(inputs, outputs)


def test_a_saved_lambda_loads_only_when_trusted(tmp_path):
    path = tmp_path / "lambda.keras"
    _model(kerasish, 3.0).save(path)
    x = np.array([[1.0, -2.0]], "float32")
    with pytest.raises(ValueError, match="Refusing to load a Lambda layer.*safe_mode"):
        kerasish.saving.load_model(path)
    loaded = kerasish.saving.load_model(path, safe_mode=False)
    # The closure (scale) and the default (k) come back with the code.
    np.testing.assert_allclose(loaded.predict(x, verbose=0), x * 3.0 + 2.0)
    config = loaded.get_layer("scaled").get_config()["function"]
    assert config["class_name"] == "__lambda__"
    assert set(config["config"]) == {"code", "defaults", "closure"}


def test_a_lambda_saved_by_keras_loads(tmp_path):
    keras = keras3()
    path = tmp_path / "keras_lambda.keras"
    inputs = keras.Input((2,))
    scale = 4.0
    outputs = keras.layers.Lambda(lambda y: y * scale, name="scaled")(inputs)
    keras.Model(inputs, outputs).save(path)
    loaded = kerasish.saving.load_model(path, safe_mode=False)
    x = np.array([[1.0, 2.0]], "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), x * 4.0)


def test_a_named_function_is_saved_by_name():
    def double(x):
        return x * 2

    layer = kerasish.layers.Lambda(double)
    config = layer.get_config()["function"]
    assert config["class_name"] == "function" and config["config"] == "double"


def test_the_old_source_text_format_still_loads_when_trusted():
    """kerasish files from before December 2026 hold a lambda's source text."""
    config = kerasish.layers.Lambda(lambda x: x).get_config()
    config["function"] = {
        "class_name": "__lambda__",
        "config": {"source": "layers.Lambda(lambda x: x * 2)", "name": "<lambda>"},
    }
    with pytest.raises(ValueError, match="Refusing to load a Lambda layer"):
        kerasish.layers.Lambda.from_config(config)
    layer = kerasish.layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(layer(np.ones((1, 2), "float32")), 2.0)


def test_a_lambda_capturing_an_object_is_refused_at_save_naming_it(tmp_path):
    """Keras writes such a file, which then fails when called; kerasish names
    the value no file can hold, and writes nothing. `get_config` still works."""

    def build(lib):
        return lib.Sequential(
            [lib.Input((2, 3)), lib.layers.Lambda(lambda t: lib.ops.exp(t))]
        )

    model = build(kerasish)
    assert model.get_config()["layers"][1]["class_name"] == "Lambda"
    path = tmp_path / "m.keras"
    with pytest.raises(TypeError, match=r"\['closure'\]\[0\] is a module.*Lambda"):
        model.save(path)
    assert not path.exists()
    scale = 2.0  # a plain captured value is saved and restored
    model = kerasish.Sequential(
        [kerasish.Input((2,)), kerasish.layers.Lambda(lambda t: t * scale)]
    )
    model.save(path)
    loaded = kerasish.saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[2.0, 2.0]])


def test_config_json_writes_numpy_and_objects_and_keeps_json_s_own_errors():
    from kerasish.saving.keras_archive import config_json

    text = config_json({"w": np.float32(1.5), "d": kerasish.layers.Dense(2)})
    assert '"w": 1.5' in text and '"class_name": "Dense"' in text
    with pytest.raises(TypeError, match="keys must be"):  # not a value's type
        config_json({1j: 1})
