"""FeatureSpace vs numpy references (Keras's needs TensorFlow for adapt/call)."""

import inspect

import numpy as np
import pytest

import kerasish as keras
from kerasish.utils import FeatureSpace
from tests.helpers import keras3

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
