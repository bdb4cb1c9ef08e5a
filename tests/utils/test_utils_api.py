"""`kerasish.utils`' everyday names against `keras.utils` (same calls) or numpy."""

import logging

import numpy as np
import pytest

import kerasish
from kerasish import utils
from tests.helpers import keras3, signature_parts

NAMES = [
    "Config",
    "CustomObjectScope",
    "Sequence",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "get_source_inputs",
    "is_interactive_logging_enabled",
    "is_keras_tensor",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "register_keras_serializable",
    "serialize_keras_object",
    "standardize_dtype",
    "to_categorical",
    "unpack_x_y_sample_weight",
]


@pytest.mark.compat
@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_keras(name):
    keras = keras3()
    ours, theirs = getattr(utils, name), getattr(keras.utils, name)
    assert signature_parts(ours) == signature_parts(theirs)


@pytest.mark.compat
@pytest.mark.parametrize(
    "labels, num_classes",
    [([0, 2, 1, 2], None), ([[1], [0], [3]], 5), (np.array([[0, 1], [2, 0]]), 3)],
)
def test_to_categorical_matches_keras(labels, num_classes):
    keras = keras3()
    ours = utils.to_categorical(labels, num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_tensor_and_errors():
    x = kerasish.ops.convert_to_tensor(np.array([[2], [0]]))
    np.testing.assert_array_equal(
        utils.to_categorical(x, 3), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    )
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        utils.to_categorical([0, 2], num_classes=2)
    with pytest.raises(ValueError, match="pass `num_classes` for tensor inputs"):
        utils.to_categorical(x)


@pytest.mark.compat
@pytest.mark.parametrize("axis, order", [(-1, 2), (0, 1), (1, np.inf)])
def test_normalize_matches_keras_and_formula(axis, order):
    keras = keras3()
    x = np.random.default_rng(0).normal(size=(4, 3))
    x[1] = 0.0  # a zero row stays zero
    ours = utils.normalize(x, axis=axis, order=order)
    if axis != 0:  # Keras's `axis or -1` turns axis=0 into -1 (and then fails).
        theirs = keras.utils.normalize(x, axis=axis, order=order)
        np.testing.assert_allclose(ours, theirs)
    norm = np.linalg.norm(x, order, axis, keepdims=True)
    np.testing.assert_allclose(ours, x / np.where(norm == 0, 1, norm))
    tensor = utils.normalize(kerasish.ops.convert_to_tensor(x.astype("float32")))
    np.testing.assert_allclose(tensor, utils.normalize(x).astype("float32"), rtol=1e-5)


PAD_CASES = [
    dict(),
    dict(maxlen=2),
    dict(maxlen=4, padding="post"),
    dict(maxlen=2, truncating="post"),
    dict(maxlen=3, padding="post", truncating="post", value=-1.0),
    dict(dtype="float32", value=0.5),
]


@pytest.mark.compat
@pytest.mark.parametrize("kwargs", PAD_CASES, ids=range(len(PAD_CASES)))
def test_pad_sequences_matches_keras(kwargs):
    keras = keras3()
    seqs = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
    ours = utils.pad_sequences(seqs, **kwargs)
    theirs = keras.utils.pad_sequences(seqs, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_formula_and_zero_maxlen():
    seqs = [[1, 2, 3], [4], []]
    out = utils.pad_sequences(seqs, maxlen=2, padding="post", truncating="pre")
    expected = np.zeros((3, 2), "int32")
    for i, s in enumerate(seqs):
        kept = s[-2:]
        expected[i, : len(kept)] = kept
    np.testing.assert_array_equal(out, expected)
    # Keras fails on maxlen=0 (`x[i, -0:] = ...`); the answer is an empty row each.
    assert utils.pad_sequences(seqs, maxlen=0).shape == (3, 0)
    assert utils.pad_sequences([]).shape == (0, 0)


@pytest.mark.compat
def test_pad_sequences_strings_and_item_shapes_match_keras():
    keras = keras3()
    words = [["a", "bb"], ["ccc"]]
    for kwargs in (dict(dtype=object, value="<pad>"), dict(dtype="<U5", value="x")):
        ours = utils.pad_sequences(words, **kwargs)
        theirs = keras.utils.pad_sequences(words, **kwargs)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    vectors = [np.ones((2, 3)), np.full((1, 3), 2.0)]
    ours = utils.pad_sequences(vectors, dtype="float32", padding="post")
    np.testing.assert_array_equal(
        ours, keras.utils.pad_sequences(vectors, dtype="float32", padding="post")
    )
    assert ours.shape == (2, 2, 3) and ours[1, 1].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: utils.pad_sequences(5), "`sequences` must be iterable"),
        (lambda: utils.pad_sequences([1, [2]]), "Found non-iterable: 1"),
        (lambda: utils.pad_sequences([["a"]], value="x"), "dtype=object"),
        (lambda: utils.pad_sequences([[1]], padding="mid"), 'Padding type "mid"'),
        (lambda: utils.pad_sequences([[1]], truncating="x"), 'Truncating type "x"'),
        (
            lambda: utils.pad_sequences([np.ones((1, 2)), np.ones((1, 3))]),
            r"Shape of sample \(3,\) of sequence at position 1",
        ),
    ],
)
def test_pad_sequences_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.compat
def test_pack_and_unpack_match_keras():
    keras = keras3()
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    for args in [(x,), (x, y), (x, y, w), ([x, x],), ((x, x), y)]:
        ours = utils.pack_x_y_sample_weight(*args)
        theirs = keras.utils.pack_x_y_sample_weight(*args)
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        unpacked = utils.unpack_x_y_sample_weight(ours)
        expected = keras.utils.unpack_x_y_sample_weight(theirs)
        assert [a is None for a in unpacked] == [a is None for a in expected]
    assert utils.unpack_x_y_sample_weight([x, y])[1] is y
    with pytest.raises(ValueError, match=r"`\(x, y, sample_weight\)`, found"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_registration_custom_objects_and_scopes():
    @utils.register_keras_serializable(package="utests")
    class Scaled(kerasish.layers.Layer):
        pass

    class Child(Scaled):
        pass

    def plain(x):
        return x

    assert utils.get_registered_name(Scaled) == "utests>Scaled"
    assert utils.get_registered_name(Child) == "Child"  # not inherited
    assert utils.get_registered_name(plain) == "plain"
    assert utils.get_registered_object("utests>Scaled") is Scaled
    assert utils.get_custom_objects()["utests>Scaled"] is Scaled
    utils.get_custom_objects()["Plain"] = plain
    try:
        assert utils.get_registered_object("Plain") is plain
    finally:
        del utils.get_custom_objects()["Plain"]
    assert utils.get_registered_object("Nope", module_objects={"Nope": 3}) == 3
    assert utils.get_registered_object("Nope") is None
    with utils.custom_object_scope({"Inner": 1}):
        with utils.CustomObjectScope({"Inner": 2}):
            assert utils.get_registered_object("Inner") == 2
        assert utils.get_registered_object("Inner") == 1
    assert utils.get_registered_object("Inner") is None
    with pytest.raises(ValueError, match="does not have a get_config"):
        utils.register_keras_serializable("utests")(type("NoConfig", (), {}))
    # Re-registering a name (a re-run notebook cell) replaces the object.
    Again = utils.register_keras_serializable("utests", "Scaled")(Child)
    assert utils.get_registered_object("utests>Scaled") is Again
    utils.get_custom_objects().pop("utests>Scaled")


@pytest.mark.compat
def test_serialize_round_trip_and_keras_configs():
    keras = keras3()
    layer = kerasish.layers.Dense(3, activation="relu", name="d")
    config = utils.serialize_keras_object(layer)
    assert config["class_name"] == "Dense" and config["config"]["units"] == 3
    rebuilt = utils.deserialize_keras_object(config)
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()
    # A config written by Keras itself rebuilds the same object.
    theirs = keras.utils.serialize_keras_object(keras.layers.Dense(3, name="k"))
    rebuilt = utils.deserialize_keras_object(theirs)
    assert isinstance(rebuilt, kerasish.layers.Dense) and rebuilt.units == 3
    init = keras.utils.serialize_keras_object(keras.initializers.Constant(0.25))
    np.testing.assert_allclose(utils.deserialize_keras_object(init)((2,)), [0.25] * 2)

    class Mine:
        def __init__(self, k):
            self.k = k

    value = utils.deserialize_keras_object(
        {"class_name": "Mine", "config": {"k": 4}}, module_objects={"Mine": Mine}
    )
    assert value.k == 4
    # As Keras: plain values come back as they are, lists and dicts item by item;
    # a name is looked up only in `custom_objects`.
    dense = utils.serialize_keras_object(keras.layers.Dense(2))
    assert utils.deserialize_keras_object("relu") == "relu"
    assert utils.deserialize_keras_object({"a": "relu", "b": 1}) == {
        "a": "relu",
        "b": 1,
    }
    assert utils.deserialize_keras_object([dense, "x"])[0].units == 2
    assert utils.deserialize_keras_object("relu", custom_objects={"relu": abs}) is abs
    # As Keras: an unknown class in a config is a TypeError (a name, a ValueError).
    with pytest.raises(TypeError, match="Unknown object 'Missing'.*custom_objects"):
        utils.deserialize_keras_object({"class_name": "Missing", "config": {}})


def test_is_keras_tensor_and_get_source_inputs():
    a, b = kerasish.Input((3,), name="a"), kerasish.Input((2,), name="b")
    h = kerasish.layers.Dense(2)(a)
    out = kerasish.layers.Concatenate()([h, b, kerasish.layers.Dense(2)(a)])
    assert utils.is_keras_tensor(a) and not utils.is_keras_tensor(np.ones(2))
    sources = utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a) == [a]
    array = np.ones(2)
    assert utils.get_source_inputs(array) is array


def test_clear_session_resets_automatic_names():
    kerasish.layers.Dense(1)
    utils.clear_session()
    assert kerasish.layers.Dense(1).name == "dense"
    assert kerasish.layers.Dense(1).name == "dense_1"
    assert kerasish.backend.get_uid("dense") == 3
    utils.clear_session(free_memory=False)
    assert kerasish.backend.get_uid("dense") == 1


def test_sequence_is_pydataset():
    assert utils.Sequence is utils.PyDataset


@pytest.mark.compat
def test_saving_reexports_get_custom_objects():
    keras = keras3()
    assert kerasish.saving.get_custom_objects is utils.get_custom_objects
    assert signature_parts(kerasish.saving.get_custom_objects) == signature_parts(
        keras.saving.get_custom_objects
    )
    assert kerasish.saving.get_custom_objects() is utils.get_custom_objects()


@pytest.mark.compat
def test_config_matches_keras_behaviour():
    keras = keras3()
    for lib in (utils, keras.utils):
        config = lib.Config(learning_rate=0.1, momentum=0.9)
        config.seed = 1
        config["zeta"] = 2
        assert config.as_dict() == {
            "learning_rate": 0.1,
            "momentum": 0.9,
            "seed": 1,
            "zeta": 2,
        }
        assert list(config) == ["learning_rate", "momentum", "seed", "zeta"]
        assert config.to_json() == (
            '{"learning_rate": 0.1, "momentum": 0.9, "seed": 1, "zeta": 2}'
        )
        assert config.get("missing", 5) == 5 and len(config) == 4
        config.freeze()
        assert config.frozen
        with pytest.raises(ValueError, match="the config is frozen"):
            config.seed = 2
        with pytest.raises(ValueError, match="the config is frozen"):
            del config["zeta"]
        with pytest.raises(AttributeError, match="Did you mean 'momentum'"):
            config.momentun  # noqa: B018
        config.unfreeze()
        config.pop("zeta")
        assert "zeta" not in config


@pytest.mark.compat
def test_standardize_dtype_matches_keras():
    keras = keras3()
    import jax.numpy as jnp

    for dtype in [
        None,
        float,
        int,
        bool,
        "float16",
        np.float64,
        np.dtype("int8"),
        jnp.bfloat16,
        jnp.float32,
        "uint32",
        "string",
    ]:
        assert utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)
    with pytest.raises(ValueError, match="Invalid dtype: float128x"):
        utils.standardize_dtype("float128x")


def test_interactive_logging_routes_progress_to_logging(caplog, capsys):
    assert utils.is_interactive_logging_enabled()
    bar = utils.Progbar(2, verbose=2)
    utils.disable_interactive_logging()
    try:
        assert not kerasish.config.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="kerasish"):
            bar.update(2, {"loss": 0.5})
        assert "loss: 0.5" in caplog.text and capsys.readouterr().out == ""
    finally:
        utils.enable_interactive_logging()
    assert utils.is_interactive_logging_enabled()


def test_custom_objects_named_like_a_builtin_win_over_it():
    """As Keras's `_retrieve_class_or_fn`: keras.io's PointNet defines its own
    `OrthogonalRegularizer`; given as a custom object (in a scope or to
    `load_model`), it is the class rebuilt, not the built-in of that name."""
    import kerasish as keras

    class OrthogonalRegularizer(keras.regularizers.Regularizer):
        def __init__(self, num_features, l2reg=0.001):
            self.num_features, self.l2reg = num_features, l2reg

        def __call__(self, x):
            return self.l2reg * keras.ops.sum(keras.ops.square(x))

        def get_config(self):
            return {"num_features": self.num_features, "l2reg": self.l2reg}

    config = {"class_name": "OrthogonalRegularizer", "config": {"num_features": 3}}
    with keras.utils.custom_object_scope(
        {"OrthogonalRegularizer": OrthogonalRegularizer}
    ):
        got = keras.regularizers.get(config)
    assert type(got) is OrthogonalRegularizer and got.num_features == 3
    builtin = keras.regularizers.get(
        {"class_name": "OrthogonalRegularizer", "config": {}}
    )
    assert type(builtin) is keras.regularizers.OrthogonalRegularizer
