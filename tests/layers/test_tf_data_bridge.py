"""Layers called inside `tf.data` pipelines (`dataset.map(layer)`), as keras.io's
examples use them; each result is checked against the eager call."""

import numpy as np
import pytest

import kerasish as keras

tf = pytest.importorskip("tensorflow")


def _elements(dataset):
    return [element.numpy() for element in dataset]


def test_dense_in_a_map_matches_the_eager_call_and_sets_the_spec():
    dense = keras.layers.Dense(2)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(2).map(dense)
    assert dataset.element_spec == tf.TensorSpec((None, 2), tf.float32)
    got = np.concatenate(_elements(dataset))
    np.testing.assert_allclose(got, x @ dense.kernel.numpy(), atol=1e-6)


def test_augmentation_model_in_a_map_draws_anew_each_pass():
    # Keras accepts only its preprocessing layers here; kerasish any layer or model.
    augment = keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=1),
            keras.layers.Rescaling(0.5),
        ]
    )
    images = np.random.default_rng(0).random((8, 4, 4, 1)).astype("float32")
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, np.arange(8)))
        .batch(8)
        .map(lambda x, y: (augment(x, training=True), y))
    )
    assert dataset.element_spec[0] == tf.TensorSpec((None, 4, 4, 1), tf.float32)
    passes = [next(iter(dataset))[0].numpy() for _ in range(4)]
    for out in passes:  # each image is itself or its mirror, halved
        for image, got in zip(images, out):
            assert np.allclose(got, image / 2) or np.allclose(got, image[:, ::-1] / 2)
    assert any(not np.array_equal(passes[0], p) for p in passes[1:])


def test_text_vectorization_in_a_map_gives_kerass_int64_ids():
    vectorize = keras.layers.TextVectorization(max_tokens=10, output_sequence_length=3)
    vectorize.adapt(["a b c", "c d"])
    texts = ["a b", "d c a x"]
    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(2).map(vectorize)
    assert dataset.element_spec == tf.TensorSpec((None, 3), tf.int64)
    (got,) = _elements(dataset)
    np.testing.assert_array_equal(got, np.asarray(vectorize(texts)))


def test_string_lookup_on_ragged_tokens_eagerly_and_in_a_map():
    lookup = keras.layers.StringLookup(vocabulary=["a", "b"])
    ragged = tf.ragged.constant([["a", "b"], ["b", "x", "a"]])
    assert lookup(ragged).to_list() == [[1, 2], [2, 0, 1]]
    dataset = (
        tf.data.Dataset.from_tensor_slices(["a b", "b x a"])
        .batch(2)
        .map(lambda s: lookup(tf.strings.split(s)))
    )
    assert next(iter(dataset)).to_list() == [[1, 2], [2, 0, 1]]
    multi_hot = keras.layers.StringLookup(vocabulary=["a"], output_mode="multi_hot")
    with pytest.raises(ValueError, match="RaggedTensor.*output_mode='int' only"):
        multi_hot(ragged)


def test_feature_space_adapts_on_an_unbatched_dataset_of_strings():
    data = {
        "color": np.array(["red", "blue", "red", "green"]),
        "size": np.array([1.0, 2.0, 3.0, 4.0], "float32"),
    }
    space = keras.utils.FeatureSpace(
        features={
            "color": keras.utils.FeatureSpace.string_categorical(),
            "size": keras.utils.FeatureSpace.float_normalized(),
        },
        output_mode="concat",
    )
    space.adapt(tf.data.Dataset.from_tensor_slices(data))
    out = np.asarray(space({k: v[:2] for k, v in data.items()}))
    size = (data["size"][:2] - data["size"].mean()) / data["size"].std()
    # Vocabulary by frequency: [OOV], red, then blue/green (ties by first seen).
    vocabulary = ["[UNK]"] + list(space.preprocessors["color"].get_vocabulary()[1:])
    colors = np.stack(
        [np.eye(len(vocabulary))[vocabulary.index(c)] for c in data["color"][:2]]
    )
    np.testing.assert_allclose(out, np.concatenate([colors, size[:, None]], 1), 1e-4)
    assert vocabulary[1] == "red"


def test_unbatched_elements_get_the_shape_the_call_returns():
    vectorize = keras.layers.TextVectorization(max_tokens=10, output_sequence_length=4)
    vectorize.adapt(["a b c", "b c d"])
    texts = ["a b", "c d e"]
    dataset = tf.data.Dataset.from_tensor_slices(texts).map(vectorize)
    assert dataset.element_spec == tf.TensorSpec((4,), tf.int64)
    np.testing.assert_array_equal(_elements(dataset), np.asarray(vectorize(texts)))
    # Without a fixed length the token count is unknown.
    ragged = keras.layers.TextVectorization(max_tokens=10)
    ragged.adapt(["a b c", "b c d"])
    dataset = tf.data.Dataset.from_tensor_slices(texts).map(ragged)
    assert dataset.element_spec == tf.TensorSpec((None,), tf.int64)
    assert [e.tolist() for e in _elements(dataset)] == [
        np.asarray(ragged(t)).tolist() for t in texts
    ]
    lookup = keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    dataset = tf.data.Dataset.from_tensor_slices(["a", "b"]).map(lookup)
    assert [e.tolist() for e in _elements(dataset)] == [[[0, 1, 0]], [[0, 0, 1]]]
