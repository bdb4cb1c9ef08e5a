"""`kerasish.ops` and Python operators on symbolic tensors record op nodes that
functional models replay, save and load as Keras 3 does."""

import json
import zipfile

import numpy as np
import pytest

import kerasish
from kerasish import ops
from tests.helpers import keras3
from tests.models import keras_summaries

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 3)).astype("float32")


def residual_program(lib):
    """The same residual program for `kerasish` or `keras`."""
    inputs = lib.Input((3,))
    dense = lib.layers.Dense(3, name="dense_a")
    x = inputs + dense(inputs)
    y = x * 0.5
    z = lib.ops.relu(x) - y
    c = lib.ops.concatenate([z, -x], axis=-1)
    first = c[:, 0]
    mean = lib.ops.mean(c, axis=1)
    return lib.Model(inputs, [first, mean]), dense


def residual_numpy(x, kernel, bias):
    h = x + (x @ kernel + bias)
    z = np.maximum(h, 0) - h * 0.5
    c = np.concatenate([z, -h], axis=-1)
    return c[:, 0], c.mean(axis=1)


def test_ops_and_operators_on_keras_tensors_return_keras_tensors():
    a = kerasish.Input((4, 3))
    out = ops.concatenate([a, a * 2.0], axis=-1)
    assert isinstance(out, kerasish.KerasTensor)
    assert out.shape == (None, 4, 6) and out.dtype == "float32"
    assert ops.mean(a, axis=1).shape == (None, 3)
    assert a[:, 0].shape == (None, 3)
    assert (a @ ops.ones((3, 2))).shape == (None, 4, 2)
    assert (a < 1.0).dtype == "bool"
    assert ops.cast(a, "int32").dtype == "int32"
    assert ops.nn.softmax(a).shape == (None, 4, 3)
    assert ops.image.resize(kerasish.Input((8, 8, 3)), (4, 4)).shape == (None, 4, 4, 3)
    assert ops.math.logsumexp(a, axis=-1).shape == (None, 4)
    assert ops.linalg.norm(a, axis=-1).shape == (None, 4)
    # Keras keeps `==` as identity: KerasTensors are dict keys.
    assert (a == a) is True and {a: 1}[a] == 1


def test_residual_model_matches_numpy_in_call_predict_and_evaluate():
    model, dense = residual_program(kerasish)
    kernel, bias = (np.asarray(w) for w in dense.get_weights())
    expected = residual_numpy(X, kernel, bias)
    for got in (model(X), model.predict(X, verbose=0)):
        for g, e in zip(got, expected):
            np.testing.assert_allclose(np.asarray(g), e, rtol=1e-5, atol=1e-6)
    model.compile(loss=["mse", "mse"])
    loss = model.evaluate(X, [np.zeros(5), np.zeros(5)], verbose=0)
    want = np.mean(expected[0] ** 2) + np.mean(expected[1] ** 2)
    np.testing.assert_allclose(loss[0] if isinstance(loss, list) else loss, want, 1e-5)


OPERATORS = [
    ("add", lambda a, b: a + b),
    ("radd", lambda a, b: 2.0 + a),
    ("sub", lambda a, b: a - b),
    ("rsub", lambda a, b: 1.5 - a),
    ("mul", lambda a, b: a * b),
    ("rmul", lambda a, b: 3.0 * b),
    ("truediv", lambda a, b: a / (abs(b) + 1.0)),
    ("rtruediv", lambda a, b: 1.0 / (abs(a) + 1.0)),
    ("floordiv", lambda a, b: a // 0.7),
    ("rfloordiv", lambda a, b: 2.0 // (abs(a) + 1.0)),
    ("mod", lambda a, b: a % 0.6),
    ("pow", lambda a, b: abs(a) ** 1.5),
    ("rpow", lambda a, b: 2.0**a),
    ("matmul", lambda a, b: a @ np.arange(6.0, dtype="float32").reshape(3, 2)),
    ("rmatmul", lambda a, b: np.eye(2, dtype="float32")[None] @ a[:, :2, None]),
    ("neg", lambda a, b: -a),
    ("abs", lambda a, b: abs(a)),
    ("lt", lambda a, b: a < b),
    ("le", lambda a, b: a <= b),
    ("gt", lambda a, b: a > b),
    ("ge", lambda a, b: a >= b),
    ("and", lambda a, b: (a > 0) & (b > 0)),
    ("or", lambda a, b: (a > 0) | (b > 0)),
    ("xor", lambda a, b: (a > 0) ^ (b > 0)),
    ("invert", lambda a, b: ~(a > 0)),
    ("getitem", lambda a, b: a[:, 1:]),
]


@pytest.mark.parametrize("name,fn", OPERATORS, ids=[n for n, _ in OPERATORS])
def test_python_operators_dispatch_to_ops(name, fn):
    a, b = kerasish.Input((3,)), kerasish.Input((3,))
    out = fn(a, b)
    assert isinstance(out, kerasish.KerasTensor)
    model = kerasish.Model([a, b], out)
    xa = RNG.normal(size=(4, 3)).astype("float32")
    xb = RNG.normal(size=(4, 3)).astype("float32")
    expected = fn(xa, xb)
    got = np.asarray(model([xa, xb]))
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert out.shape[1:] == expected.shape[1:]


@pytest.fixture(scope="module")
def residual_pair():
    """The residual program built once under each library, from fresh sessions:
    Keras's symbolic build and `clear_session` take seconds, so the tests that
    compare with Keras share one pair (only `set_weights` changes it)."""
    keras = keras3()
    keras.utils.clear_session()  # auto names depend on what ran before
    kerasish.utils.clear_session()
    model, _ = residual_program(kerasish)
    keras_model, _ = residual_program(keras)
    return keras, model, keras_model


def test_layers_exclude_ops_and_operations_include_them_in_keras_order(residual_pair):
    _, model, keras_model = residual_pair
    assert [x.name for x in model.layers] == [x.name for x in keras_model.layers]
    assert [(type(x).__name__, x.name) for x in model.operations] == [
        (type(x).__name__, x.name) for x in keras_model.operations
    ]
    assert [type(x).__name__ for x in model.operations] == [
        "InputLayer", "Dense", "Add", "Relu", "Multiply", "Subtract",
        "Negative", "Concatenate", "GetItem", "Mean",
    ]  # fmt: skip


def test_config_writes_op_nodes_as_keras_does(residual_pair):
    _, model, keras_model = residual_pair
    as_json = lambda config: json.loads(json.dumps(config["layers"]))  # noqa: E731
    ours = {e["name"]: e for e in as_json(model.get_config())}
    theirs = {e["name"]: e for e in as_json(keras_model.get_config())}
    for name in ("add", "relu", "concatenate", "get_item", "mean", "negative"):
        for key in ("module", "class_name", "config", "registered_name"):
            assert ours[name][key] == theirs[name][key], (name, key)
        assert ours[name]["inbound_nodes"] == theirs[name]["inbound_nodes"], name


def test_values_match_keras_with_copied_weights(residual_pair):
    _, model, keras_model = residual_pair
    keras_model.set_weights(model.get_weights())
    for ours, theirs in zip(model.predict(X, verbose=0), keras_model.predict(X)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_gradients_flow_through_op_nodes_in_fit_as_in_keras():
    keras = keras3()
    y = RNG.normal(size=(5,)).astype("float32")

    def train(lib, weights=None):
        inputs = lib.Input((3,))
        h = lib.layers.Dense(3)(inputs)
        x = lib.ops.tanh(inputs + h) * 2.0
        out = lib.ops.sum(x[:, :2], axis=-1) - lib.ops.mean(x, axis=1)
        model = lib.Model(inputs, out)
        if weights is not None:
            model.set_weights(weights)
        weights = [np.asarray(w) for w in model.get_weights()]
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        hist = model.fit(X, y, epochs=2, batch_size=5, shuffle=False, verbose=0)
        return weights, hist.history["loss"], model.get_weights()

    weights, ours, trained = train(kerasish)
    _, theirs, keras_trained = train(keras, weights)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert ours[1] < ours[0]
    for a, b in zip(trained, keras_trained):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_keras_file_round_trips_both_ways_with_keras(tmp_path, residual_pair):
    keras, model, keras_model = residual_pair
    path = str(tmp_path / "ours.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    classes = [e["class_name"] for e in config["config"]["layers"]]
    assert "GetItem" in classes and "Concatenate" in classes
    loaded_by_keras = keras.models.load_model(path)
    for ours, theirs in zip(model.predict(X, verbose=0), loaded_by_keras.predict(X)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)

    keras_path = str(tmp_path / "theirs.keras")
    keras_model.save(keras_path)
    loaded = kerasish.models.load_model(keras_path)
    assert [type(x).__name__ for x in loaded.operations] == [
        type(x).__name__ for x in keras_model.operations
    ]
    for ours, theirs in zip(loaded.predict(X, verbose=0), keras_model.predict(X)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_from_config_round_trip_keeps_values():
    model, _ = residual_program(kerasish)
    rebuilt = kerasish.Model.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    for a, b in zip(model(X), rebuilt(X)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_unknown_op_name_is_refused():
    model, _ = residual_program(kerasish)
    config = model.get_config()
    for entry in config["layers"]:
        if entry["class_name"] == "Relu":
            entry["class_name"] = "RunMyCode"
    with pytest.raises(ValueError, match=r"Unknown operation 'RunMyCode'.*registry"):
        kerasish.Model.from_config(config)


def test_op_with_bad_config_key_is_refused():
    model, _ = residual_program(kerasish)
    config = model.get_config()
    for entry in config["layers"]:
        if entry["class_name"] == "Mean":
            entry["config"]["exec"] = "print(1)"
    with pytest.raises(ValueError, match=r"'Mean'.*unexpected config key.*exec"):
        kerasish.Model.from_config(config)


def test_incompatible_shapes_name_the_op_the_shapes_and_a_hint():
    a, b = kerasish.Input((3,)), kerasish.Input((4,))
    with pytest.raises(Exception, match=r"ops\.add \(Add.*\(None, 3\).*\(None, 4\)"):
        a + b
    try:
        ops.concatenate([kerasish.Input((2, 3)), kerasish.Input((4, 5))], axis=1)
    except Exception as error:
        message = str(error)
    assert "ops.concatenate" in message and "(None, 2, 3)" in message
    assert "Check that the shapes" in message


SUMMARY = """
from {pkg} import layers
import {pkg} as keras
inputs = keras.Input((3,))
a = layers.Dense(3)(inputs)
b = layers.Dense(3)(a)
keras.Model(inputs, keras.ops.relu(a + b)).summary()
"""


@pytest.mark.compat
def test_summary_of_a_residual_matches_keras():
    # Keras's side as tools/record_keras.py summaries recorded it; the slow twin
    # below reruns Keras live.
    theirs = keras_summaries.recorded_keras_output("residual_with_ops", SUMMARY)
    assert keras_summaries.run_kerasish_in_process(SUMMARY) == theirs


@pytest.mark.slow
@pytest.mark.compat
def test_summary_record_of_a_residual_matches_keras_live():
    keras3()
    live = keras_summaries.run_in_subprocess(SUMMARY, "keras")
    recorded = keras_summaries.recorded_keras_output("residual_with_ops", SUMMARY)
    assert live == recorded, "Keras's summary changed: run " + keras_summaries.RECORDER
    assert keras_summaries.run_in_subprocess(SUMMARY, "kerasish") == live


def _shape_program(lib):
    """keras.io's semantic_image_clustering/patch_convnet patterns: the static
    shape of a symbolic tensor, and reshapes whose `-1` meets the unknown
    batch size, directly or in a Lambda given its `output_shape`."""
    x = lib.Input((6, 4))
    static = lib.ops.shape(x)
    a = lib.ops.reshape(x, (-1, 6, lib.ops.shape(x)[-1]))
    b = lib.ops.reshape(x, (-1, 3, 4))  # two rows become one sample
    c = lib.layers.Lambda(lambda t: lib.ops.reshape(t, (-1, 12)), output_shape=(12,))(x)
    model = lib.Model(x, [a, b, c])
    return static, (a.shape, b.shape, c.shape), model


def test_static_shapes_and_reshapes_of_unknown_batches_as_keras():
    static, shapes, model = _shape_program(kerasish)
    assert static == (None, 6, 4) and isinstance(static, tuple)
    assert shapes == ((None, 6, 4), (None, 3, 4), (None, 12))
    x = np.arange(2 * 6 * 4, dtype="float32").reshape(2, 6, 4)
    a, b, c = model(x)
    np.testing.assert_array_equal(a, x)
    np.testing.assert_array_equal(b, x.reshape(-1, 3, 4))
    np.testing.assert_array_equal(c, x.reshape(-1, 12))
    reshaped = kerasish.Model(model.input, model.outputs[1])
    again = kerasish.Model.from_config(reshaped.get_config())
    np.testing.assert_array_equal(again(x), x.reshape(-1, 3, 4))
    try:
        keras = keras3()
    except pytest.skip.Exception:
        return
    their_static, their_shapes, _ = _shape_program(keras)
    assert (static, shapes) == (tuple(their_static), their_shapes)
