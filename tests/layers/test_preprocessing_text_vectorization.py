"""TextVectorization (host side, numpy): standardize, split, n-grams, output
modes vs hand-computed values; errors; compat tests against Keras 3 (which needs
TensorFlow for this layer)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
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
    # Keras 3.15.1 on JAX returns an int32 jax Array (int64 without x64).
    assert isinstance(out, jax.Array) and str(out.dtype) == "int32"
    # Rows are padded with 0 to the longest row in the batch.
    np.testing.assert_array_equal(out, [[2, 4, 3], [1, 2, 0]])
    # The trainer's host-side call stays in numpy.
    host = layer.host_call(["The DOG, sat!", "zebra the"])
    assert type(host) is np.ndarray and host.dtype == np.int64
    np.testing.assert_array_equal(host, out)


def test_streaming_update_state_equals_adapt():
    streamed = TextVectorization()
    streamed.reset_state()
    streamed.update_state(np.array(["the cat sat", "the dog"]))
    streamed.update_state(np.array(["The cat!"]))  # standardized as in adapt
    streamed.finalize_state()
    adapted = TextVectorization()
    adapted.adapt(["the cat sat", "the dog", "The cat!"])
    vocabulary = ["", "[UNK]", "the", "cat", "sat", "dog"]  # as Keras 3.15.1
    assert streamed.get_vocabulary() == adapted.get_vocabulary() == vocabulary
    np.testing.assert_array_equal(streamed(np.array(["the cat ran"])), [[2, 3, 1]])


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
    # split=None, as Keras: strings of rank 1 are one sequence of tokens, a
    # (batch, 1) array a batch of one token each.
    unsplit = TextVectorization(split=None, vocabulary=["new york"])
    np.testing.assert_array_equal(unsplit(["New York", "Paris"]), [2, 1])
    np.testing.assert_array_equal(unsplit([["New York"], ["Paris"]]), [[2], [1]])
    counts = TextVectorization(
        split=None, output_mode="count", vocabulary=["a", "b c"], ngrams=2
    )
    # Tokens a, b c, zz, a and the bigrams "a b c", "b c zz", "zz a": OOV.
    np.testing.assert_array_equal(counts(["a", "b c", "zz", "a"]), [4, 2, 1])


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


# -- what a call returns -------------------------------------------------------------
# Keras 3.15.1's TextVectorization called eagerly on the JAX backend returns jax
# Arrays: int32 (its lookup's int64 without x64) for "int", "multi_hot", "count"
# and "one_hot", with and without pad_to_max_tokens; float32 for "tf_idf".
DTYPE_CORPUS = ["the cat sat", "the dog", "a cat ran far away"]
DTYPE_TEXTS = np.array(["the cat the cat", "dog dog dog zebra"])
# adapt(DTYPE_CORPUS) -> ["[UNK]", "the", "cat", "sat", "ran", "far", "dog", "away",
# "a"] (non-"int" modes); rows of DTYPE_TEXTS by hand (OOV "zebra" -> 0):
DTYPE_COUNTS = np.zeros((2, 9), dtype="int64")
DTYPE_COUNTS[0, [1, 2]] = 2  # the x2, cat x2
DTYPE_COUNTS[1, [0, 6]] = [1, 3]  # zebra, dog x3
# idf = log(1 + 3 / (1 + df)): "the"/"cat" in 2 of 3 documents, the others in 1;
# the OOV weight is the mean of the token weights.
DTYPE_IDF = np.log(1 + 3 / (1 + np.array([2, 2, 1, 1, 1, 1, 1, 1])))
DTYPE_IDF = np.concatenate([[DTYPE_IDF.mean()], DTYPE_IDF])


@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize(
    "mode, dtype",
    [
        ("int", "int32"),
        ("multi_hot", "int32"),
        ("count", "int32"),
        ("tf_idf", "float32"),
    ],
)
def test_output_types_and_dtypes_match_keras(mode, dtype, pad):
    if mode == "int":
        kwargs = dict(output_sequence_length=5)
        # ["", "[UNK]", "the", "cat", ..., "dog", "away", "a"]: the ids are the
        # non-"int" indices + 1 (the mask takes index 0).
        expected = np.array([[2, 3, 2, 3, 0], [7, 7, 7, 1, 0]])
    else:
        kwargs = dict(output_mode=mode)
        expected = {
            "multi_hot": np.minimum(DTYPE_COUNTS, 1),
            "count": DTYPE_COUNTS,
            "tf_idf": DTYPE_COUNTS * DTYPE_IDF,
        }[mode]
        if pad:  # width max_tokens: zero columns after the vocabulary
            expected = np.pad(expected, [(0, 0), (0, 1)])
    layer = TextVectorization(max_tokens=10, pad_to_max_tokens=pad, **kwargs)
    layer.adapt(DTYPE_CORPUS)
    for x in (DTYPE_TEXTS, DTYPE_TEXTS[:, None], DTYPE_TEXTS.tolist()):
        out = layer(x)
        assert isinstance(out, jax.Array), type(out)
        assert str(out.dtype) == dtype
        np.testing.assert_allclose(out, expected, rtol=1e-6)
    # One string (rank 0) gives one row, same dtype.
    one = layer("the cat the")
    assert isinstance(one, jax.Array) and str(one.dtype) == dtype
    if mode == "int":
        np.testing.assert_array_equal(one, [2, 3, 2, 0, 0])  # padded to length 5
    else:
        counts = np.zeros(expected.shape[1])
        counts[[1, 2]] = [2, 1]
        reference = {
            "multi_hot": np.minimum(counts, 1),
            "count": counts,
            "tf_idf": counts * np.pad(DTYPE_IDF, (0, expected.shape[1] - 9)),
        }[mode]
        np.testing.assert_allclose(one, reference, rtol=1e-6)
    # The trainer's host-side call: the same values in numpy (int64 / float32).
    host = layer.host_call(DTYPE_TEXTS)
    assert type(host) is np.ndarray
    assert host.dtype == ("float32" if mode == "tf_idf" else "int64")
    np.testing.assert_allclose(host, expected, rtol=1e-6)


def test_one_hot_matches_keras():
    # Keras 3.15.1 accepts output_mode="one_hot" at construction and when adapting;
    # it one-hot encodes each token: one string gives (tokens, depth) int32, a
    # batch of split strings raises a TypeError (a ragged result).
    layer = TextVectorization(output_mode="one_hot", max_tokens=10)
    layer.adapt(DTYPE_CORPUS)
    out = layer("the zebra cat")
    assert isinstance(out, jax.Array) and str(out.dtype) == "int32"
    np.testing.assert_array_equal(out, np.eye(9, dtype="int32")[[1, 0, 2]])
    for x in (DTYPE_TEXTS, DTYPE_TEXTS[:, None], ["the cat"]):
        with pytest.raises(
            TypeError,
            match="text_vectorization.*output_mode='one_hot' encodes every token"
            ".*use output_mode='multi_hot' or 'count'",
        ):
            layer(x)
    # split=None: one token per string -> (batch, depth); a scalar -> (1, depth).
    whole = TextVectorization(
        output_mode="one_hot", split=None, vocabulary=["new york", "paris"]
    )
    eye = np.eye(3, dtype="int32")  # index 0: OOV
    out = whole(["Paris", "new york", "rome"])
    assert isinstance(out, jax.Array) and str(out.dtype) == "int32"
    np.testing.assert_array_equal(out, eye[[2, 1, 0]])
    np.testing.assert_array_equal(whole(np.array([["Paris"]])), eye[[2]])
    np.testing.assert_array_equal(whole("paris"), eye[[2]])


def test_call_without_a_vocabulary_raises():
    # Keras 3.15.1 raises RuntimeError (its lookup table is not initialized) for
    # a layer that was never adapted, and for one rebuilt by `from_config` from
    # an adapted layer's config (the vocabulary is an asset, not config).
    adapted = TextVectorization(output_sequence_length=4)
    adapted.adapt(DTYPE_CORPUS)
    rebuilt = TextVectorization.from_config(adapted.get_config())
    for layer in (
        rebuilt,
        TextVectorization(),
        TextVectorization(
            output_mode="multi_hot", max_tokens=5, pad_to_max_tokens=True
        ),
        TextVectorization(output_mode="tf_idf"),
    ):
        with pytest.raises(
            RuntimeError,
            match=f"Layer '{layer.name}' \\(TextVectorization\\) has no vocabulary: "
            "set the vocabulary before calling the layer, with `adapt\\(data\\)`, "
            "`set_vocabulary\\(vocabulary\\)` or the `vocabulary=`",
        ):
            layer(DTYPE_TEXTS)
        with pytest.raises(RuntimeError, match="has no vocabulary"):
            layer.host_call(DTYPE_TEXTS)
    rebuilt.set_vocabulary(adapted.get_vocabulary())
    np.testing.assert_array_equal(rebuilt(DTYPE_TEXTS), adapted(DTYPE_TEXTS))


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
        got, want = ours(x), theirs(x)
        assert type(got) is type(want) and str(got.dtype) == str(want.dtype)
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-6)


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


def test_compat_tf_strings_callables():
    """keras.io's masked-LM example standardizes with `tf.strings` ops, which
    return a (read-only) tf string tensor; a `tf.strings.split` returns one
    too: the same vocabulary and tokens as Keras, the caller's array unchanged."""
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")

    def standardize(texts):
        return tf.strings.regex_replace(tf.strings.lower(texts), "[!.]", "")

    corpus = np.array([b"The fox!", b"a Dog. the", b"fox"], dtype=object)
    ours = TextVectorization(standardize=standardize, split=tf.strings.split)
    theirs = keras.layers.TextVectorization(standardize=standardize)
    ours.adapt(corpus)
    theirs.adapt(corpus)
    assert ours.get_vocabulary() == [str(v) for v in theirs.get_vocabulary()]
    assert list(corpus) == [b"The fox!", b"a Dog. the", b"fox"]
    texts = np.array(["THE dog!", "cat fox"])
    np.testing.assert_array_equal(ours(texts), np.asarray(theirs(texts)))
