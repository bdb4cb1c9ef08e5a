"""StringLookup and IntegerLookup (host side, numpy): vocabulary order, OOV and
mask handling, encodings, invert, errors; compat tests against Keras 3 (which
needs TensorFlow for these layers)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish.layers.preprocessing import IntegerLookup, StringLookup, _hashes

DATA = np.array([["a", "b", "c"], ["a", "a", "d"], ["e", "b", "a"]])


def test_string_lookup_vocabulary_order_frequency_then_reverse_token():
    layer = StringLookup()
    layer.adapt(np.array(["b", "a", "c", "a", "b", "d"]))
    # Counts: a=2, b=2, c=1, d=1; ties broken by decreasing string (as Keras 3,
    # whose output for this data is ['[UNK]', 'b', 'a', 'd', 'c']).
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "d", "c"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["b", "a", "d", "c"]
    assert layer.vocabulary_size() == 5
    out = layer(np.array([["a", "z"], ["c", "b"]]))
    assert str(out.dtype) == "int32"  # Keras's on JAX (see test_output_types...)
    np.testing.assert_array_equal(out, [[2, 0], [4, 1]])


def test_string_lookup_max_tokens_mask_and_oov():
    layer = StringLookup(max_tokens=4, mask_token="[PAD]")
    layer.adapt(DATA)
    # a=4, b=2, then c/d/e once each: 'e' wins the tie. [PAD], [UNK] come first.
    assert layer.get_vocabulary() == ["[PAD]", "[UNK]", "a", "b"]
    np.testing.assert_array_equal(layer(["[PAD]", "a", "e", "b"]), [0, 2, 1, 3])


def _idf(num_docs, doc_freq):
    """Keras's inverse document frequency: log(1 + N / (1 + df))."""
    return np.log(1.0 + num_docs / (1.0 + np.asarray(doc_freq, dtype="float64")))


def test_streaming_update_state_counts_documents_as_keras():
    layer = StringLookup(output_mode="tf_idf")
    layer.reset_state()
    layer.update_state(np.array(["a", "b", "a"]))  # rank 1: one document
    layer.update_state(np.array([["b", "c"], ["c", "c"]]))  # rows: documents
    layer.finalize_state()
    # Counts c=3, a=2, b=2 (b before a on the tie); 3 documents, df a=1 b=2 c=2.
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]  # as Keras 3.15.1
    idf = _idf(3, [2, 2, 1])
    np.testing.assert_allclose(
        layer.idf_weights, np.concatenate([[idf.mean()], idf]), rtol=1e-6
    )
    layer.finalize_state()  # counts were forgotten: nothing changes
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]
    # adapt on an iterable passes each batch to update_state (1-D: one document).
    batches = StringLookup(output_mode="tf_idf")
    batches.adapt(iter([np.array(["a", "b"]), np.array(["a"]), np.array(["c", "c"])]))
    assert batches.get_vocabulary() == ["[UNK]", "c", "a", "b"]
    idf = _idf(3, [1, 2, 1])
    np.testing.assert_allclose(
        batches.idf_weights, np.concatenate([[idf.mean()], idf]), rtol=1e-6
    )


def test_streaming_state_equals_adapt_and_reset_keeps_vocabulary():
    streamed = IntegerLookup(max_tokens=4)
    for batch in (np.array([1, 2, 2]), np.array([3, 3, 3, 2])):
        streamed.update_state(batch)
    streamed.finalize_state()
    adapted = IntegerLookup(max_tokens=4)
    adapted.adapt(np.array([1, 2, 2, 3, 3, 3, 2]))
    assert streamed.get_vocabulary() == adapted.get_vocabulary() == [-1, 3, 2, 1]
    np.testing.assert_array_equal(streamed([1, 2, 3, 9]), [3, 2, 1, 0])
    streamed.reset_state()  # forgets counts, not the vocabulary in use
    assert streamed.get_vocabulary() == [-1, 3, 2, 1]
    static = StringLookup(vocabulary=["a"])
    with pytest.raises(ValueError, match="static vocabulary"):
        static.update_state(np.array(["a"]))


def test_string_lookup_given_vocabulary_with_and_without_special_tokens():
    plain = StringLookup(vocabulary=["x", "y"])
    with_specials = StringLookup(vocabulary=["[UNK]", "x", "y"])
    assert (
        plain.get_vocabulary()
        == with_specials.get_vocabulary()
        == [
            "[UNK]",
            "x",
            "y",
        ]
    )
    np.testing.assert_array_equal(plain(["y", "q", "x"]), [2, 0, 1])
    bytes_in = plain(np.array([b"y", b"x"], dtype=object))
    np.testing.assert_array_equal(bytes_in, [2, 1])


def test_string_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("cat\ndog\n\n")
    layer = StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "cat", "dog"]


def test_string_lookup_encodings_by_hand():
    layer = StringLookup(vocabulary=["a", "b", "c"], output_mode="count")
    counts = layer(np.array([["a", "a", "z"], ["c", "b", "c"]]))
    np.testing.assert_array_equal(counts, [[1, 2, 0, 0], [0, 0, 1, 2]])
    multi = StringLookup(vocabulary=["a", "b", "c"], output_mode="multi_hot")
    np.testing.assert_array_equal(multi(["a", "c", "c"]), [0, 1, 0, 1])
    one = StringLookup(vocabulary=["a", "b", "c"], output_mode="one_hot")
    np.testing.assert_array_equal(one([["b"], ["z"]]), [[0, 0, 1, 0], [1, 0, 0, 0]])
    padded = StringLookup(
        vocabulary=["a"], output_mode="multi_hot", pad_to_max_tokens=True, max_tokens=5
    )
    np.testing.assert_array_equal(padded([["a", "q"]]), [[1, 1, 0, 0, 0]])


def test_string_lookup_mask_is_dropped_by_encodings():
    layer = StringLookup(vocabulary=["a", "b"], mask_token="", output_mode="count")
    # Non-int modes have no mask index: vocabulary is [UNK], a, b.
    assert layer.get_vocabulary() == ["[UNK]", "a", "b"]
    np.testing.assert_array_equal(layer([["a", "", "", "q"]]), [[1, 1, 0]])


def test_string_lookup_tf_idf_from_adapt():
    docs = np.array([["a", "b"], ["a", "a"], ["c", "a"]])
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    # idf = log(1 + num_docs / (1 + doc_count)); the OOV weight is their mean.
    idf = np.log(1 + 3 / (1 + np.array([3.0, 1.0, 1.0])))
    weights = np.concatenate([[idf.mean()], idf])
    out = layer(np.array([["a", "a", "b", "zz"]]))
    np.testing.assert_allclose(out, [[1, 2, 0, 1] * weights], rtol=1e-6)


def test_string_lookup_tf_idf_given_weights():
    layer = StringLookup(
        vocabulary=["x", "y"], idf_weights=[0.5, 2.0], output_mode="tf_idf"
    )
    np.testing.assert_allclose(layer([["y", "y", "q"]]), [[1.25, 0.0, 4.0]])


def test_string_lookup_invert():
    layer = StringLookup(vocabulary=["x", "y"], invert=True, mask_token="M")
    out = layer(np.array([[0, 1, 2, 3, 9]]))
    np.testing.assert_array_equal(out, [["M", "[UNK]", "x", "y", "[UNK]"]])


def test_string_lookup_multiple_oov_buckets_are_stable():
    layer = StringLookup(vocabulary=["a"], num_oov_indices=3)
    out = layer(["q", "r", "q", "a", "s", "t", "u"])
    assert out[3] == 3 and set(out.tolist()) - {3} <= {0, 1, 2}
    assert out[0] == out[2]


def _fingerprint_bucket(token, num_buckets):
    """tf.strings.to_hash_bucket_fast: FarmHash Fingerprint64 of the bytes (an
    integer's decimal text) mod the bucket count (bit-exact, see test_hashing)."""
    return _hashes.fingerprint64(str(token).encode("utf-8")) % num_buckets


def _siphash_bucket(token, key, num_buckets):
    """tf.strings.to_hash_bucket_strong: SipHash-2-4 under `key`, mod the count."""
    return _hashes.siphash24(key[0], key[1], str(token).encode("utf-8")) % num_buckets


def test_string_lookup_oov_buckets_match_keras():
    layer = StringLookup(
        vocabulary=["red", "green", "blue"],
        num_oov_indices=2,
        mask_token="",
        oov_token="[OOV]",
    )
    x = np.array([["red", "", "pink"], ["mauve", "blue", "teal"]])
    out = layer(x)
    assert isinstance(out, jax.Array) and str(out.dtype) == "int32"
    np.testing.assert_array_equal(out, [[3, 0, 1], [2, 5, 1]])  # Keras 3.15.1
    # Index 0 is the mask; OOV buckets start at 1.
    for token, got in (("pink", out[0, 2]), ("mauve", out[1, 0]), ("teal", out[1, 2])):
        assert got == 1 + _fingerprint_bucket(token, 2)
    tokens = ["b", "c", "d", "e", "f", "g", "héllo"]  # no mask: buckets from 0
    out = StringLookup(vocabulary=["a"], num_oov_indices=5)(tokens)
    np.testing.assert_array_equal(out, [2, 2, 0, 1, 2, 4, 1])  # Keras 3.15.1
    np.testing.assert_array_equal(out, [_fingerprint_bucket(t, 5) for t in tokens])
    # Encodings count each OOV bucket separately.
    count = StringLookup(
        vocabulary=["red", "green", "blue"], num_oov_indices=2, output_mode="count"
    )(np.array([["red", "pink", "mauve"], ["teal", "blue", "blue"]]))
    assert isinstance(count, jax.Array) and str(count.dtype) == "int32"
    np.testing.assert_array_equal(count, [[1, 1, 1, 0, 0], [1, 0, 0, 0, 2]])  # Keras


def test_integer_lookup_oov_methods_match_keras():
    farm = IntegerLookup(vocabulary=[5], num_oov_indices=3, oov_method="farmhash")
    values = [7, 8, 9, 10, 11, -7, -8, 123456789012, 0]
    out = farm(values)
    assert isinstance(out, jax.Array) and str(out.dtype) == "int32"
    np.testing.assert_array_equal(out, [1, 1, 2, 2, 1, 2, 2, 0, 1])  # Keras 3.15.1
    np.testing.assert_array_equal(out, [_fingerprint_bucket(v, 3) for v in values])
    # The default "floormod" is Python's floor modulo (-11 % 3 == 1).
    floor = IntegerLookup(vocabulary=[5], num_oov_indices=3)([7, 8, 9, 10, -11])
    np.testing.assert_array_equal(floor, [1, 2, 0, 1, 1])  # Keras 3.15.1


def test_salted_oov_buckets_match_keras():
    ids = [7, 8, 9, 10, 11, 12]
    for salt, key, expected in (
        (7, (7, 7), [0, 2, 2, 2, 3, 3]),  # Keras 3.15.1
        ((3, 99), (3, 99), [3, 1, 3, 0, 0, 0]),  # Keras 3.15.1
    ):
        layer = IntegerLookup(
            vocabulary=[5], num_oov_indices=4, oov_method="farmhash", salt=salt
        )
        out = layer(ids)
        assert isinstance(out, jax.Array) and str(out.dtype) == "int32"
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(out, [_siphash_bucket(v, key, 4) for v in ids])
        assert layer.get_config()["salt"] == list(key)  # Keras's config: a pair
    for salt, key, tokens, expected in (
        (42, (42, 42), ["b", "c", "d", "e", "f", "g", "héllo"], [2, 2, 2, 2, 3, 2, 0]),
        ([1, 2], (1, 2), ["b", "c", "d", "e", "f", "g"], [4, 4, 3, 3, 2, 0]),
    ):  # expected: Keras 3.15.1
        layer = StringLookup(vocabulary=["a"], num_oov_indices=5, salt=salt)
        out = layer(tokens)
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(out, [_siphash_bucket(t, key, 5) for t in tokens])
        again = StringLookup.from_config(layer.get_config())
        np.testing.assert_array_equal(again(tokens), out)


def test_salt_errors_match_keras():
    # Keras 3.15.1 raises ValueError for both.
    with pytest.raises(
        ValueError,
        match="IntegerLookup: `salt` can only be used when `oov_method='farmhash'`, "
        "got oov_method='floormod'",
    ):
        IntegerLookup(vocabulary=[5], num_oov_indices=4, salt=7)
    for salt in ("x", (1, 2, 3), 1.5, (1, "2")):
        with pytest.raises(
            ValueError,
            match="IntegerLookup: `salt` must be a tuple of 2 integers, or a single "
            "integer",
        ):
            IntegerLookup(num_oov_indices=4, oov_method="farmhash", salt=salt)


def test_call_without_a_vocabulary_raises():
    # Keras 3.15.1 raises RuntimeError (an uninitialized lookup table), whatever
    # the output mode, and after `from_config` of an adapted layer's config.
    adapted = StringLookup()
    adapted.adapt(DATA)
    cases = [
        (StringLookup(), ["a"]),
        (IntegerLookup(), [1]),
        (
            StringLookup(output_mode="multi_hot", max_tokens=4, pad_to_max_tokens=True),
            ["a"],
        ),
        (StringLookup(invert=True), [1]),
        (StringLookup.from_config(adapted.get_config()), ["a"]),
    ]
    for layer, x in cases:
        cls = type(layer).__name__
        with pytest.raises(
            RuntimeError,
            match=f"Layer '{layer.name}' \\({cls}\\) has no vocabulary: set the "
            "vocabulary before calling the layer, with `adapt\\(data\\)`, "
            "`set_vocabulary\\(vocabulary\\)` or the `vocabulary=`",
        ):
            layer(x)
    rebuilt = cases[-1][0]
    rebuilt.set_vocabulary(adapted.get_vocabulary())
    np.testing.assert_array_equal(rebuilt(DATA), adapted(DATA))


def test_string_lookup_config_round_trip():
    layer = StringLookup(vocabulary=["x", "y"], mask_token="", output_mode="int")
    config = layer.get_config()
    assert "vocabulary_dtype" not in config and config["encoding"] == "utf-8"
    again = StringLookup.from_config(config)
    assert again.get_vocabulary() == layer.get_vocabulary()


def test_string_lookup_symbolic_shapes():
    layer = StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
    assert layer.compute_output_shape((None, 5)) == (None, 3)
    assert StringLookup(vocabulary=["a"]).compute_output_shape((None, 5)) == (None, 5)
    one_hot = StringLookup(vocabulary=["a"], output_mode="one_hot")
    assert one_hot.compute_output_shape((None, 1)) == (None, 2)
    assert StringLookup.host_side is True


def test_string_lookup_errors():
    with pytest.raises(ValueError, match="unknown value for `output_mode`: 'tfidf'"):
        StringLookup(output_mode="tfidf")
    with pytest.raises(ValueError, match="'int', 'one_hot', 'multi_hot', 'count'"):
        StringLookup(output_mode="bag")
    with pytest.raises(ValueError, match="`max_tokens` must be greater than 1"):
        StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match="`num_oov_indices` must be >= 0"):
        StringLookup(num_oov_indices=-1)
    with pytest.raises(ValueError, match="must be 'int' when `invert=True`"):
        StringLookup(invert=True, output_mode="count")
    with pytest.raises(
        ValueError, match="`idf_weights` argument must also be provided"
    ):
        StringLookup(vocabulary=["a"], output_mode="tf_idf")
    with pytest.raises(ValueError, match="cannot set an empty vocabulary"):
        StringLookup(vocabulary=[])
    with pytest.raises(ValueError, match="repeated tokens \\['a'\\]"):
        StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="found the mask token"):
        StringLookup(vocabulary=["a", "[M]"], mask_token="[M]")
    with pytest.raises(ValueError, match="exceeds max_tokens=2"):
        StringLookup(vocabulary=["a", "b"], max_tokens=2)
    with pytest.raises(ValueError, match="adapt\\(\\) found no tokens"):
        StringLookup().adapt(np.array([], dtype=str))
    with pytest.raises(ValueError, match="after setting a static vocabulary"):
        StringLookup(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(RuntimeError, match="set the vocabulary before calling"):
        StringLookup(output_mode="count")(["a"])
    with pytest.raises(ValueError, match="found out-of-vocabulary values \\['z'\\]"):
        StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "z"])
    with pytest.raises(TypeError, match="expects strings"):
        StringLookup(vocabulary=["a"])([1, 2])
    with pytest.raises(ValueError, match="does not exist"):
        StringLookup(vocabulary="/no/such/vocab.txt")


# -- IntegerLookup -----------------------------------------------------------------
def test_integer_lookup_adapt_and_call():
    layer = IntegerLookup()
    layer.adapt(np.array([[12, 7, 7], [3, 12, 12], [5, 5, 100]]))
    # 12 x3, then 7 and 5 x2 (larger value first), then 100, 3.
    assert layer.get_vocabulary() == [-1, 12, 7, 5, 100, 3]
    np.testing.assert_array_equal(
        layer(np.array([[12, 9], [3, 100]])), [[1, 0], [5, 4]]
    )


def test_integer_lookup_floormod_oov_and_mask():
    layer = IntegerLookup(vocabulary=[7, 12], num_oov_indices=3, mask_token=0)
    assert layer.get_vocabulary() == [0, -1, -1, -1, 7, 12]
    # OOV v -> 1 + v mod 3; the mask 0 -> 0.
    np.testing.assert_array_equal(layer([0, 7, 12, 9, 10, 11]), [0, 4, 5, 1, 2, 3])


def test_integer_lookup_encodings_and_invert():
    counts = IntegerLookup(vocabulary=[5, 6], output_mode="count")([[5, 5, 6, 8]])
    np.testing.assert_array_equal(counts, [[1, 2, 1]])
    inverse = IntegerLookup(vocabulary=[5, 6], invert=True)
    np.testing.assert_array_equal(inverse([[1, 2, 0, 7]]), [[5, 6, -1, -1]])


def test_integer_lookup_symbolic_in_functional_graph():
    import kerasish

    inputs = kerasish.layers.Input((3,), dtype="int32")
    layer = IntegerLookup(vocabulary=[5, 6], output_mode="multi_hot")
    outputs = layer(inputs)
    assert outputs.shape == (None, 3)
    # Index 0 is the OOV bucket, 5 -> 1, 6 -> 2 (Keras's layout).
    model = kerasish.Model(inputs, outputs)
    np.testing.assert_array_equal(model(LOOKUP_IDS), LOOKUP_MULTI_HOT)


LOOKUP_IDS = np.array([[5, 6, 7], [6, 6, 9], [8, 8, 8]], dtype="int32")
LOOKUP_MULTI_HOT = [[1, 1, 1], [1, 0, 1], [1, 0, 0]]


def test_integer_lookup_functional_model_predict():
    import kerasish

    inputs = kerasish.layers.Input((3,), dtype="int32")
    outputs = IntegerLookup(vocabulary=[5, 6], output_mode="multi_hot")(inputs)
    model = kerasish.Model(inputs, outputs)
    out = model.predict(LOOKUP_IDS, verbose=0)
    np.testing.assert_array_equal(out, LOOKUP_MULTI_HOT)


def test_integer_lookup_errors():
    with pytest.raises(ValueError, match="only vocabulary_dtype='int64'"):
        IntegerLookup(vocabulary_dtype="int32")
    with pytest.raises(TypeError, match="`mask_token` must be an int or None"):
        IntegerLookup(mask_token="0")
    with pytest.raises(ValueError, match="unknown value for `oov_method`"):
        IntegerLookup(oov_method="md5")
    with pytest.raises(TypeError, match="expects integer inputs"):
        IntegerLookup(vocabulary=[1])([0.5])


# -- what a call returns -------------------------------------------------------------
# Keras 3.15.1's lookups called eagerly on the JAX backend (TensorFlow 2.21) return
# jax Arrays: integer (int64, so int32 without x64) for every output_mode but
# "tf_idf", which is float32.
KERAS_LOOKUP_DTYPES = {
    "int": "int32",
    "one_hot": "int32",
    "multi_hot": "int32",
    "count": "int32",
    "tf_idf": "float32",
}


@pytest.mark.parametrize("mode", sorted(KERAS_LOOKUP_DTYPES))
def test_output_types_and_dtypes_match_keras(mode):
    idf = [0.5, 0.25]
    kwargs = dict(output_mode=mode, idf_weights=idf if mode == "tf_idf" else None)
    cases = [
        (StringLookup(vocabulary=["a", "b"], **kwargs), np.array(["a", "z", "b"])),
        (IntegerLookup(vocabulary=[3, 5], **kwargs), np.array([3, 9, 5])),
    ]
    # Both inputs look up to ids [1, 0, 2] (index 0: OOV).
    one_hot = np.eye(3)[[1, 0, 2]]
    weights = np.array([np.mean(idf), *idf])  # the OOV weight is the mean
    expected = {
        "int": [1, 0, 2],
        "one_hot": one_hot,
        "multi_hot": one_hot.max(axis=0),  # a rank-1 input is one sample
        "count": one_hot.sum(axis=0),
        "tf_idf": one_hot.sum(axis=0) * weights,
    }[mode]
    for layer, x in cases:
        out = layer(x)
        assert isinstance(out, jax.Array), type(out)
        assert str(out.dtype) == KERAS_LOOKUP_DTYPES[mode]
        np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_inverted_lookups_return_ids_as_tensors_and_strings_as_numpy():
    ids = IntegerLookup(vocabulary=[3, 5], invert=True)(np.array([2, 0, 1]))
    assert isinstance(ids, jax.Array) and str(ids.dtype) == "int32"  # Keras's
    np.testing.assert_array_equal(ids, [5, -1, 3])
    # Keras's raises here (JAX arrays hold no strings); kerasish gives numpy.
    words = StringLookup(vocabulary=["a", "b"], invert=True)(np.array([2, 0]))
    assert isinstance(words, np.ndarray) and words.tolist() == ["b", "[UNK]"]


# -- compat with Keras 3 (its lookup layers need TensorFlow) ------------------------
@pytest.mark.compat
@pytest.mark.parametrize("mode", sorted(KERAS_LOOKUP_DTYPES))
def test_compat_output_types_and_dtypes(mode):
    keras = _keras_with_tf()
    idf = [0.5, 0.25] if mode == "tf_idf" else None
    for name, vocabulary, x in (
        ("StringLookup", ["a", "b"], np.array([["a", "z"], ["b", "b"]])),
        ("IntegerLookup", [3, 5], np.array([[3, 9], [5, 5]])),
    ):
        kwargs = dict(vocabulary=vocabulary, output_mode=mode, idf_weights=idf)
        ours = globals()[name](**kwargs)(x)
        theirs = getattr(keras.layers, name)(**kwargs)(x)
        assert type(ours) is type(theirs)
        assert str(ours.dtype) == str(theirs.dtype) == KERAS_LOOKUP_DTYPES[mode]
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def _keras_with_tf():
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    return keras


@pytest.mark.compat
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        dict(mask_token="b"),
        dict(max_tokens=3),
        dict(output_mode="one_hot"),
        dict(output_mode="multi_hot", mask_token="b"),
        dict(output_mode="count", pad_to_max_tokens=True, max_tokens=9),
        dict(output_mode="tf_idf"),
    ],
)
def test_compat_string_lookup_adapt(kwargs):
    keras = _keras_with_tf()
    ours, theirs = StringLookup(**kwargs), keras.layers.StringLookup(**kwargs)
    ours.adapt(DATA)
    theirs.adapt(DATA)
    assert ours.get_vocabulary() == [str(v) for v in theirs.get_vocabulary()]
    for x in (np.array([["a", "z", "b"], ["d", "d", "e"]]), np.array(["a", "z"])):
        np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-6)


@pytest.mark.compat
@pytest.mark.parametrize(
    "kwargs",
    [{}, dict(num_oov_indices=3), dict(mask_token=0), dict(output_mode="tf_idf")],
)
def test_compat_integer_lookup_adapt(kwargs):
    keras = _keras_with_tf()
    data = np.array([[12, 7, 7], [3, 12, 12], [5, 5, 100]])
    ours, theirs = IntegerLookup(**kwargs), keras.layers.IntegerLookup(**kwargs)
    ours.adapt(data)
    theirs.adapt(data)
    assert ours.get_vocabulary() == [int(v) for v in theirs.get_vocabulary()]
    x = np.array([[12, 9, 0], [5, 3, 11]])
    np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-6)


def test_host_call_stays_in_numpy_and_the_public_call_hands_over_a_tensor():
    """The trainer runs a model's leading lookups with `host_call` (numpy, no
    trip to the device and back per batch); a user's call gets Keras's int32
    engine tensor with the same values."""
    import kerasish

    layer = kerasish.layers.StringLookup(vocabulary=["a", "b"])
    host = layer.host_call(np.array(["a", "z", "b"]))
    assert type(host) is np.ndarray and host.tolist() == [1, 0, 2]
    public = layer(np.array(["a", "z", "b"]))
    assert kerasish.ops.is_tensor(public) and str(public.dtype) == "int32"
    np.testing.assert_array_equal(public, host)
    model = kerasish.Sequential([kerasish.Input((1,), dtype="string"), layer])
    assert model._run_host_layers(np.array([["b"]])).tolist() == [[2]]


def test_integer_lookup_inside_a_compiled_model_runs_on_the_host():
    """Keras runs a model holding IntegerLookup without jit (the layer does
    not support it); kerasish keeps the step compiled and looks the batch up
    on the host through a callback: predict without compile, fit, and a
    lookup after another layer."""
    import kerasish

    inp = kerasish.Input(shape=(), dtype="int32")
    model = kerasish.Model(
        inp, kerasish.layers.IntegerLookup(vocabulary=[3, 5, 7])(inp)
    )
    np.testing.assert_array_equal(
        model.predict(np.array([3, 5, 7, 9], "int32"), verbose=0), [1, 2, 3, 0]
    )

    inp = kerasish.Input(shape=(2,), dtype="int32")
    shifted = kerasish.layers.Lambda(lambda t: t + 1)(inp)
    lookup = kerasish.layers.IntegerLookup(
        vocabulary=[3, 5, 7], output_mode="multi_hot"
    )
    model = kerasish.Model(inp, lookup(shifted))
    np.testing.assert_array_equal(
        model.predict(np.array([[2, 4], [6, 9]], "int32"), verbose=0),
        [[0, 1, 1, 0], [1, 0, 0, 1]],
    )

    inp = kerasish.Input(shape=(), dtype="int32")
    ids = kerasish.layers.IntegerLookup(vocabulary=[3, 5, 7])(inp)
    embedded = kerasish.layers.Embedding(4, 1, embeddings_initializer="ones")(ids)
    model = kerasish.Model(inp, embedded)
    model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.5))
    x, y = np.array([3, 5, 7, 9], "int32"), np.zeros((4, 1), "float32")
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    # Each row's own embedding: 1 -> 1 - 0.5 * 2 * 1 / 4 = 0.75, loss 0.5625.
    np.testing.assert_allclose(history.history["loss"], [1.0, 0.5625], rtol=1e-6)


def test_a_strict_lookup_inside_a_nested_model_builds_on_a_string_input():
    # Shape inference feeds made-up text; a lookup with num_oov_indices=0 must
    # not reject it (the memory_efficient_embeddings example). Data is checked.
    import kerasish as keras

    lookup = StringLookup(vocabulary=["x", "y"], mask_token=None, num_oov_indices=0)
    inner = keras.Sequential([lookup, keras.layers.Embedding(2, 4)])
    out = inner(keras.Input(shape=(), dtype="string"))
    assert tuple(out.shape) == (None, 4)
    np.testing.assert_array_equal(lookup(np.array(["y", "x"])), [1, 0])
    with pytest.raises(ValueError, match="out-of-vocabulary values \\['z'\\]"):
        lookup(np.array(["z"]))
