"""TextVectorization (host side, numpy): standardize, split, n-grams, output
modes vs hand-computed values; errors; compat tests against Keras 3 (which needs
TensorFlow for this layer)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish.layers.preprocessing import TextVectorization

CORPUS = ["The cat sat.", "the dog sat", "A b"]


def test_vocabulary_and_int_output_by_hand():
    layer = TextVectorization()
    layer.adapt(CORPUS)
    # Tokens: the x2, sat x2, then cat, dog, a, b once (ties: decreasing string).
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "dog", "cat", "b", "a"]
    out = layer(["The DOG, sat!", "zebra the"])
    assert out.dtype == np.int64
    # Rows are padded with 0 to the longest row in the batch.
    np.testing.assert_array_equal(out, [[2, 4, 3], [1, 2, 0]])


def test_output_sequence_length_pads_and_truncates():
    layer = TextVectorization(output_sequence_length=2)
    layer.adapt(CORPUS)
    np.testing.assert_array_equal(
        layer(["the cat sat", "dog", ""]), [[2, 5], [4, 0], [0, 0]]
    )
    # (batch, 1) inputs are accepted too.
    np.testing.assert_array_equal(layer(np.array([["cat"], ["a b"]])), [[5, 0], [7, 6]])


def test_ngrams_width_major_order():
    layer = TextVectorization(ngrams=2)
    layer.adapt(CORPUS)
    # Values from Keras 3.15 + TF 2.21 on this corpus (bigrams after unigrams).
    assert layer.get_vocabulary() == [
        "",
        "[UNK]",
        "the",
        "sat",
        "the dog",
        "the cat",
        "dog sat",
        "dog",
        "cat sat",
        "cat",
        "b",
        "a b",
        "a",
    ]
    np.testing.assert_array_equal(
        layer(["the cat", "a b c d"]),
        [[2, 9, 5, 0, 0, 0, 0], [12, 10, 1, 1, 11, 1, 1]],
    )
    only_bigrams = TextVectorization(ngrams=(2,), vocabulary=["a b", "b c"])
    np.testing.assert_array_equal(only_bigrams(["a b c"]), [[2, 3]])


def test_standardize_and_split_options():
    lower = TextVectorization(standardize="lower", vocabulary=["hi,", "you"])
    np.testing.assert_array_equal(lower(["HI, you!"]), [[2, 1]])
    strip = TextVectorization(standardize="strip_punctuation", vocabulary=["Hi"])
    np.testing.assert_array_equal(strip(["Hi! hi"]), [[2, 1]])
    # Only ASCII is lowercased, as TF's `tf.strings.lower`.
    ascii_only = TextVectorization(vocabulary=["Àb"])
    np.testing.assert_array_equal(ascii_only(["ÀB àb"]), [[2, 1]])
    chars = TextVectorization(split="character", vocabulary=["a", "b"])
    np.testing.assert_array_equal(chars(["ab a"]), [[2, 3, 1, 2]])
    custom = TextVectorization(
        standardize=lambda texts: np.char.upper(texts.astype(str)),
        split=lambda text: text.split("-"),
        vocabulary=["A", "B"],
    )
    np.testing.assert_array_equal(custom(["a-b-c"]), [[2, 3, 1]])
    unsplit = TextVectorization(split=None, vocabulary=["new york"])
    np.testing.assert_array_equal(unsplit(["New York", "Paris"]), [[2], [1]])


def test_multi_hot_count_and_max_tokens():
    count = TextVectorization(output_mode="count", max_tokens=4)
    count.adapt(CORPUS)
    assert count.get_vocabulary() == ["[UNK]", "the", "sat", "dog"]
    np.testing.assert_array_equal(
        count(["the the cat", "dog sat sat"]), [[1, 2, 0, 0], [0, 0, 2, 1]]
    )
    multi = TextVectorization(output_mode="multi_hot", max_tokens=4)
    multi.adapt(CORPUS)
    np.testing.assert_array_equal(multi(["the the cat"]), [[1, 1, 0, 0]])
    padded = TextVectorization(
        output_mode="multi_hot", max_tokens=6, pad_to_max_tokens=True, vocabulary=["x"]
    )
    assert padded(["x y"]).shape == (1, 6)


def test_tf_idf_by_hand():
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(CORPUS)
    vocab = layer.get_vocabulary()
    assert vocab == ["[UNK]", "the", "sat", "dog", "cat", "b", "a"]
    # Document frequencies over 3 documents; idf = log(1 + 3 / (1 + df)).
    df = np.array([2, 2, 1, 1, 1, 1], dtype="float64")
    idf = np.log(1 + 3 / (1 + df))
    weights = np.concatenate([[idf.mean()], idf])
    tf = np.array([1, 2, 1, 0, 0, 0, 0], dtype="float64")  # "the the sat zzz"
    np.testing.assert_allclose(layer(["the the sat zzz"]), [tf * weights], rtol=1e-6)
    given = TextVectorization(
        output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[1.0, 3.0]
    )
    np.testing.assert_allclose(given(["b b q"]), [[2.0, 0.0, 6.0]])


def test_bytes_numpy_and_iterable_adapt():
    layer = TextVectorization()
    layer.adapt(iter([np.array(CORPUS[:2]), [b"A b"]]))
    reference = TextVectorization()
    reference.adapt(CORPUS)
    assert layer.get_vocabulary() == reference.get_vocabulary()
    np.testing.assert_array_equal(
        layer(np.array([b"the cat"], dtype=object)), reference(["the cat"])
    )


def test_config_round_trip_and_shapes():
    layer = TextVectorization(
        max_tokens=10, ngrams=(1, 2), output_sequence_length=5, vocabulary=["a", "b"]
    )
    config = layer.get_config()
    assert config["ngrams"] == (1, 2) and config["vocabulary_size"] == 4
    again = TextVectorization.from_config(config)
    np.testing.assert_array_equal(again(["a b c"]), layer(["a b c"]))
    assert layer.compute_output_shape((None,)) == (None, 5)
    multi = TextVectorization(output_mode="multi_hot", vocabulary=["a", "b"])
    assert multi.compute_output_shape((None, 1)) == (None, 3)
    assert TextVectorization.host_side is True


def test_errors():
    with pytest.raises(ValueError, match="unknown value for `output_mode`: 'bow'"):
        TextVectorization(output_mode="bow")
    with pytest.raises(
        ValueError, match="'int', 'one_hot', 'multi_hot', 'count', 'tf_idf'"
    ):
        TextVectorization(output_mode="bow")
    with pytest.raises(ValueError, match="unknown value for `standardize`"):
        TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="unknown value for `split`: 'comma'"):
        TextVectorization(split="comma")
    with pytest.raises(ValueError, match="`ngrams` must be None, a positive int"):
        TextVectorization(ngrams=(1, "2"))
    with pytest.raises(ValueError, match="must not be set if `output_mode` is not"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="`output_sequence_length` must be >= 1"):
        TextVectorization(output_sequence_length=0)
    with pytest.raises(ValueError, match="adapt\\(\\) found no tokens"):
        TextVectorization().adapt([])
    with pytest.raises(ValueError, match="adapt\\(\\) found no tokens"):
        TextVectorization().adapt(["", "!!!"])
    with pytest.raises(ValueError, match="the input must have rank 1 or a last axis"):
        TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(RuntimeError, match="set the vocabulary"):
        TextVectorization(output_mode="count")(["a"])
    with pytest.raises(TypeError, match="expects strings"):
        TextVectorization(vocabulary=["a"])([1, 2])


# -- compat with Keras 3 (TextVectorization needs TensorFlow) ------------------------
COMPAT_CORPUS = [
    "The quick brown fox.",
    "the lazy dog, the END!",
    "A fox; a dog? a cat",
    "Ünïcode ÀB text",
    "",
    "dog dog dog",
]


@pytest.mark.compat
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        dict(max_tokens=6, output_sequence_length=3),
        dict(ngrams=(1, 3), output_sequence_length=12),
        dict(output_mode="multi_hot"),
        dict(output_mode="count", ngrams=2, max_tokens=10),
        dict(output_mode="tf_idf"),
        dict(output_mode="tf_idf", max_tokens=8, pad_to_max_tokens=True),
        dict(standardize=None, split="character"),
    ],
)
def test_compat_text_vectorization(kwargs):
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    ours = TextVectorization(**kwargs)
    theirs = keras.layers.TextVectorization(**kwargs)
    ours.adapt(COMPAT_CORPUS)
    theirs.adapt(COMPAT_CORPUS)
    assert ours.get_vocabulary() == [str(v) for v in theirs.get_vocabulary()]
    texts = np.array(["the fox and THE dog.", "zebra", "a"])
    for x in (texts, texts[:, None]):
        np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-6)


def test_symbolic_call_records_a_node():
    import kerasish

    # `Input(dtype="string")` is not accepted yet by KerasTensor (its dtype goes
    # through the engine's numeric dtypes), so an int placeholder stands in: the
    # host-side layer only needs the shape to build its output spec.
    placeholder = kerasish.layers.Input((1,), dtype="int32")
    layer = TextVectorization(output_sequence_length=7, vocabulary=["a"])
    out = layer(placeholder)
    assert out.shape == (None, 7) and out.dtype == "int64"
    assert layer._inbound_nodes and out._keras_history.operation is layer
