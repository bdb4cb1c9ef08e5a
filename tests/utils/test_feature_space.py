"""FeatureSpace vs numpy references (Keras's needs TensorFlow for adapt/call)."""

import inspect
import json
import zipfile

import jax
import numpy as np
import pytest

import kerasish as keras
from kerasish.utils import FeatureSpace
from tests.helpers import keras3, run_python

DATA = {
    "num": [1.0, 2.0, 4.0, 7.0, 3.0, 1.0],
    "color": ["red", "blue", "red", "green", "red", "blue"],
    "size": [3, 1, 3, 2, 3, 9],
    "temp": [0.1, 0.5, 0.9, 0.3, 0.7, 0.2],
    "raw": [5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
    "scaled": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
}


def _space(output_mode="concat"):
    return FeatureSpace(
        {
            "num": "float_normalized",
            "color": "string_categorical",
            "size": FeatureSpace.integer_categorical(num_oov_indices=1),
            "temp": FeatureSpace.float_discretized(
                num_bins=None, bin_boundaries=[0.25, 0.6]
            ),
            "raw": "float",
            "scaled": FeatureSpace.float_rescaled(scale=0.5, offset=1.0),
        },
        output_mode=output_mode,
    )


def _one_hot(values, vocabulary):
    vocab = [str(v) for v in vocabulary]
    out = np.zeros((len(values), len(vocab)), "float32")
    for i, v in enumerate(values):
        out[i, vocab.index(str(v)) if str(v) in vocab else 0] = 1.0  # 0: OOV
    return out


def _reference(fs, data):
    num = np.asarray(data["num"], "float64")
    mean, std = np.mean(DATA["num"]), np.std(DATA["num"])
    parts = {
        "num": ((num - mean) / std)[:, None],
        "color": _one_hot(data["color"], fs.preprocessors["color"].get_vocabulary()),
        "size": _one_hot(data["size"], fs.preprocessors["size"].get_vocabulary()),
        "temp": np.eye(3)[np.digitize(data["temp"], [0.25, 0.6])],
        "raw": np.asarray(data["raw"])[:, None],
        "scaled": (np.asarray(data["scaled"]) * 0.5 + 1.0)[:, None],
    }
    return parts


@pytest.mark.compat
def test_signatures_match_keras():
    keras3()
    from keras.src.layers.preprocessing.feature_space import FeatureSpace as K

    for name in [
        "__init__",
        "float",
        "float_rescaled",
        "float_normalized",
        "float_discretized",
        "integer_categorical",
        "string_categorical",
        "string_hashed",
        "integer_hashed",
        "cross",
        "feature",
        "adapt",
    ]:
        assert inspect.signature(getattr(FeatureSpace, name)) == inspect.signature(
            getattr(K, name)
        ), name


def test_concat_matches_numpy_reference():
    fs = _space()
    fs.adapt(DATA)
    vocab = fs.preprocessors["color"].get_vocabulary()
    assert sorted(vocab[1:]) == ["blue", "green", "red"] and vocab[1] == "red"
    ref = _reference(fs, DATA)
    expected = np.concatenate([ref[k] for k in sorted(ref)], axis=1)
    np.testing.assert_allclose(np.asarray(fs(DATA)), expected, rtol=1e-5, atol=1e-6)
    # unseen values go to the OOV slot
    new = {k: v[:2] for k, v in DATA.items()}
    new["color"], new["size"] = ["purple", "blue"], [42, 1]
    ref = _reference(fs, new)
    expected = np.concatenate([ref[k] for k in sorted(ref)], axis=1)
    np.testing.assert_allclose(np.asarray(fs(new)), expected, rtol=1e-5, atol=1e-6)
    assert expected[0, 0] == 1.0  # features sorted by name: color first, OOV slot 0


def test_dict_mode_int_outputs_and_single_sample():
    fs = FeatureSpace(
        {
            "color": FeatureSpace.string_categorical(output_mode="int"),
            "num": "float_normalized",
        },
        output_mode="dict",
    )
    fs.adapt(DATA)
    out = fs({"color": ["red", "green"], "num": [1.0, 7.0]})
    vocab = fs.preprocessors["color"].get_vocabulary()
    np.testing.assert_array_equal(
        np.asarray(out["color"])[:, 0], [vocab.index("red"), vocab.index("green")]
    )
    single = fs({"color": "blue", "num": 2.0})
    assert np.asarray(single["color"]).tolist() == [vocab.index("blue")]
    with pytest.raises(ValueError, match="has not been encoded"):
        bad = FeatureSpace({"c": FeatureSpace.string_categorical(output_mode="int")})
        bad.adapt({"c": ["a", "b"]})


def test_encoded_features_build_a_model_and_dataset_map_trains():
    fs = _space()
    fs.adapt(DATA)
    encoded = fs.get_encoded_features()
    assert encoded.shape == (None, np.asarray(fs(DATA)).shape[1])
    assert set(fs.get_inputs()) == set(DATA)
    # the usual Keras recipe: preprocess in the data pipeline, train on vectors
    y = np.arange(6, dtype="float32")
    ds = keras.utils.split_dataset(
        ({k: np.asarray(v) for k, v in DATA.items()}, y), left_size=4
    )[0]
    train = ds.batch(2).map(lambda x, t: (fs(x), t))
    model = keras.Sequential([keras.Input((encoded.shape[1],)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(train, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # adapt also takes a dataset of dict batches
    fs2 = _space()
    fs2.adapt(
        keras.utils.split_dataset(
            {k: np.asarray(v) for k, v in DATA.items()}, left_size=5
        )[0].batch(2)
    )
    np.testing.assert_allclose(
        np.asarray(fs2.preprocessors["num"].adapt_mean).ravel(),
        [np.mean(DATA["num"][:5])],
        rtol=1e-5,
    )


def test_config_round_trip_and_errors():
    fs = _space()
    fs.adapt(DATA)
    again = FeatureSpace.from_config(fs.get_config())
    assert set(again.features) == set(fs.features)
    assert isinstance(again.preprocessors["color"], keras.layers.StringLookup)
    with pytest.raises(ValueError, match="call `.adapt"):
        _space()(DATA)
    with pytest.raises(ValueError, match="Invalid feature type"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="can only be called with a dict"):
        fs([1.0])
    with pytest.raises(ValueError, match="can only be called on a dataset"):
        _space().adapt(42)
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace.integer_categorical(output_mode="multi_hot")


def test_hashing_features_pending_without_hashing_layer():
    if hasattr(keras.layers, "Hashing"):
        pytest.skip("Hashing exists: hashed features are available")
    with pytest.raises(NotImplementedError, match="Hashing"):
        FeatureSpace({"a": "string_hashed"})
    with pytest.raises(NotImplementedError, match="HashedCrossing"):
        FeatureSpace(
            {"a": "string_categorical", "b": "integer_categorical"},
            crosses=[("a", "b")],
        )


# -- adapt: the batches Keras feeds each preprocessor ---------------------------
AGES = np.random.default_rng(3).integers(29, 78, size=192).astype("float32")
# Keras 3.15.1 (JAX backend, TensorFlow 2.21): the bin boundaries of
# FeatureSpace.float_discretized(num_bins=6) adapted on AGES given as a dict of a
# 1-D column (Keras batches the samples by 32), of a (192, 1) column (each sample
# is a batch) and as a tf.data dataset of dicts batched by 50. The approximate
# quantile summary is merged batch by batch, so the three differ (and differ
# from Discretization.adapt(AGES), [37.0, 44.0934, 54.0, 61.0, 69.3333]).
KERAS_AGE_BINS = {
    "column": [37.00322723388672, 44.00381088256836, 54.0, 61.0, 69.30340576171875],
    "column_2d": [
        37.144351959228516,
        44.461402893066406,
        54.18931198120117,
        61.305572509765625,
        69.28431701660156,
    ],
    "batches_of_50": [37.0, 43.99998474121094, 54.0, 61.0, 69.33333587646484],
}


@pytest.mark.parametrize("kind", sorted(KERAS_AGE_BINS))
def test_adapt_discretizes_batch_by_batch_as_keras(kind):
    data = {
        "column": {"age": AGES},
        "column_2d": {"age": AGES[:, None]},
        "batches_of_50": [{"age": AGES[i : i + 50]} for i in range(0, 192, 50)],
    }[kind]
    fs = FeatureSpace({"age": FeatureSpace.float_discretized(num_bins=6)})
    fs.adapt(data)
    bins = fs.preprocessors["age"].bin_boundaries
    np.testing.assert_allclose(bins, KERAS_AGE_BINS[kind], rtol=1e-6)
    if kind == "column":  # the same as a Discretization fed batches of 32 by hand
        by_hand = keras.layers.Discretization(num_bins=6)
        by_hand.adapt([AGES[i : i + 32, None] for i in range(0, 192, 32)])
        np.testing.assert_allclose(bins, by_hand.bin_boundaries, rtol=1e-7)


def test_adapt_normalization_as_keras_builds_it():
    fs = FeatureSpace({"age": "float_normalized"})
    fs.adapt({"age": AGES})
    normalizer = fs.preprocessors["age"]
    # Keras builds it from the dataset's spec: (None, 1), whatever the size.
    assert normalizer.get_build_config() == {"input_shape": (None, 1)}
    ages = AGES.astype("float64")
    np.testing.assert_allclose(np.ravel(normalizer.mean), [ages.mean()], rtol=1e-6)
    np.testing.assert_allclose(np.ravel(normalizer.variance), [ages.var()], rtol=1e-6)
    with pytest.raises(ValueError, match="'age' is missing from the data"):
        FeatureSpace({"age": "float_normalized"}).adapt({"other": AGES})
    with pytest.raises(ValueError, match="single values; give each feature"):
        FeatureSpace({"age": "float_normalized"}).adapt({"age": 3.0})
    with pytest.raises(ValueError, match="'age' has no samples"):
        FeatureSpace({"age": "float_normalized"}).adapt({"age": []})


# -- what a call returns ------------------------------------------------------------
def test_dict_mode_returns_engine_tensors_with_keras_dtypes():
    fs = FeatureSpace(
        {
            "city": FeatureSpace.string_hashed(num_bins=8, output_mode="int"),
            "color": FeatureSpace.string_categorical(output_mode="int"),
            "temp": FeatureSpace.float_discretized(num_bins=3, output_mode="int"),
            "num": "float_normalized",
            "size": "integer_categorical",
        },
        output_mode="dict",
    )
    data = {**DATA, "city": ["a", "b", "c", "a", "d", "e"]}
    fs.adapt(data)
    out = fs(data)
    # Keras 3.15.1 on JAX: every value a jax Array; ints are int32.
    assert all(isinstance(v, jax.Array) for v in out.values())
    assert {k: str(v.dtype) for k, v in out.items()} == {
        "city": "int32",
        "color": "int32",
        "num": "float32",
        "size": "float32",
        "temp": "int32",
    }
    bins = keras.layers.Hashing(num_bins=8)(np.array(data["city"])[:, None])
    np.testing.assert_array_equal(out["city"], bins)
    single = fs({k: v[0] for k, v in data.items()})
    assert isinstance(single["city"], jax.Array) and single["city"].shape == (1,)


def test_concat_goes_through_keras_tfd_concat_layer():
    fs = _space()
    fs.adapt(DATA)
    model = keras.Model(fs.get_inputs(), fs.get_encoded_features())
    concat = model.layers[-1]
    assert type(concat).__name__ == "TFDConcat" and concat is fs.concat
    config = keras.saving.serialize_keras_object(concat)
    assert config["module"] == "keras.src.layers.preprocessing.feature_space"
    assert config["config"]["axis"] == -1
    single = FeatureSpace({"raw": "float"})
    single.adapt({"raw": DATA["raw"]})
    np.testing.assert_array_equal(single({"raw": [1.0, 2.0]}), [[1.0], [2.0]])


# -- save and load_model --------------------------------------------------------------
def _full_space():
    return FeatureSpace(
        {
            "num": "float_normalized",
            "color": "string_categorical",
            "size": FeatureSpace.integer_categorical(num_oov_indices=0),
            "temp": FeatureSpace.float_discretized(num_bins=3),
            "raw": "float",
            "scaled": FeatureSpace.float_rescaled(scale=0.5, offset=1.0),
            "city": FeatureSpace.string_hashed(num_bins=4),
        },
        crosses=[FeatureSpace.cross(("color", "size"), crossing_dim=5)],
    )


FULL_DATA = {**DATA, "city": ["a", "b", "c", "a", "d", "e"]}


def test_save_then_load_model_in_a_fresh_process(tmp_path):
    fs = _full_space()
    fs.adapt(FULL_DATA)
    path = tmp_path / "space.keras"
    fs.save(path)
    np.save(tmp_path / "expected.npy", np.asarray(fs(FULL_DATA)))
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        names = archive.namelist()
    # Keras's layout: keras.utils.FeatureSpace, a build config per feature,
    # Feature/Cross/TFDIdentity named by Keras's feature_space module.
    assert (config["module"], config["registered_name"]) == ("keras.utils", None)
    assert config["build_config"]["num"] == {"input_shape": [None, 1]}
    assert config["build_config"]["color"] == {}
    raw = config["config"]["features"]["raw"]
    module = "keras.src.layers.preprocessing.feature_space"
    assert (raw["module"], raw["class_name"], raw["registered_name"]) == (
        module,
        "Feature",
        "Feature",
    )
    assert raw["config"]["preprocessor"]["module"] == module
    assert config["config"]["crosses"][0]["class_name"] == "Cross"
    assert "assets/preprocessors/string_lookup/vocabulary.txt" in names
    result = run_python(
        f"""
        import numpy as np
        import kerasish as keras

        space = keras.models.load_model({str(path)!r})
        data = {FULL_DATA!r}
        np.testing.assert_allclose(
            np.asarray(space(data)), np.load({str(tmp_path / "expected.npy")!r}),
            rtol=1e-6, atol=1e-6,
        )
        print(type(space).__name__, space.preprocessors["color"].get_vocabulary(),
              space.preprocessors["size"].get_vocabulary())
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    vocabularies = (
        fs.preprocessors["color"].get_vocabulary(),
        fs.preprocessors["size"].get_vocabulary(),
    )
    assert result.stdout.split("\n")[0] == "FeatureSpace {} {}".format(*vocabularies)


def test_loaded_space_keeps_state_and_an_unadapted_one_asks_for_adapt(tmp_path):
    fs = _full_space()
    fs.adapt(FULL_DATA)
    fs.save(tmp_path / "adapted.keras")
    again = keras.models.load_model(tmp_path / "adapted.keras")
    np.testing.assert_allclose(
        again.preprocessors["temp"].bin_boundaries,
        fs.preprocessors["temp"].bin_boundaries,
    )
    np.testing.assert_allclose(
        np.asarray(again.preprocessors["num"].mean), [[np.mean(DATA["num"])]]
    )
    np.testing.assert_allclose(again(FULL_DATA), fs(FULL_DATA), rtol=1e-6, atol=1e-6)
    # saved again after loading: the same file content, still adapted
    again.save(tmp_path / "again.keras")
    third = keras.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(third(FULL_DATA), fs(FULL_DATA), rtol=1e-6, atol=1e-6)
    _full_space().save(tmp_path / "fresh.keras")
    fresh = keras.models.load_model(tmp_path / "fresh.keras")
    with pytest.raises(ValueError, match="call `.adapt"):
        fresh(FULL_DATA)


@pytest.mark.compat
def test_files_load_across_keras_and_kerasish(tmp_path):
    k = keras3()
    pytest.importorskip("tensorflow")
    data = {name: np.asarray(v) for name, v in FULL_DATA.items()}

    def space(lib, discretized=True):
        fs = lib.utils.FeatureSpace
        return fs(
            {
                "num": "float_normalized",
                "color": "string_categorical",
                "size": fs.integer_categorical(num_oov_indices=0),
                "temp": fs.float_discretized(num_bins=3) if discretized else "float",
                "raw": "float",
                "scaled": fs.float_rescaled(scale=0.5, offset=1.0),
                "city": fs.string_hashed(num_bins=4),
            },
            crosses=[fs.cross(("color", "size"), crossing_dim=5)],
        )

    theirs = space(k)
    theirs.adapt(data)
    theirs.save(str(tmp_path / "keras.keras"))
    ours = keras.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(
        ours(data), np.asarray(theirs(data)), rtol=1e-5, atol=1e-6
    )
    # Keras loads ours; without a Discretization, whose kerasish config has a
    # `trainable` entry that Keras's Discretization does not accept.
    ours = space(keras, discretized=False)
    ours.adapt(data)
    ours.save(tmp_path / "ours.keras")
    loaded = k.models.load_model(str(tmp_path / "ours.keras"))
    np.testing.assert_allclose(
        np.asarray(loaded(data)), ours(data), rtol=1e-5, atol=1e-6
    )
