"""Working with preprocessing layers for text and categorical features, a small
text classifier on vectorized ints, and sampling helpers for text generation.

TextVectorization (every output mode, n-grams, standardize and split options,
given vs adapted vocabulary, config round trip, saving inside a model),
StringLookup / IntegerLookup (output modes, OOV and mask tokens, invert),
Hashing, HashedCrossing, CategoryEncoding; then Embedding + pooling trained from
fixed weights; then greedy, temperature and top-k sampling.
"""

import numpy as np


def _arr(x):
    """A layer's output as numpy (Keras gives backend tensors on JAX)."""
    return np.asarray(x)


def _vocab(tokens):
    return [str(t) for t in tokens]


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    out = {}

    # -- TextVectorization ----------------------------------------------------
    corpus = np.array(
        [
            "The quick brown fox jumped over the lazy dog.",
            "The dog barked; the fox ran!",
            "A lazy afternoon, a QUICK nap.",
            "Foxes and dogs: friends or foes?",
        ]
    )
    # "int" mode, truncated (5) and padded (12) to a fixed length.
    vectorizer = layers.TextVectorization(
        output_mode="int", output_sequence_length=5, name="vectorizer"
    )
    vectorizer.adapt(corpus)
    ints = vectorizer(corpus)
    out["same_int"] = _arr(ints).tolist()
    out["same_int_dtype"] = str(_arr(ints).dtype)
    out["same_int_shape"] = tuple(_arr(ints).shape)
    out["same_vocab"] = _vocab(vectorizer.get_vocabulary())
    out["same_vocab_plain"] = _vocab(
        vectorizer.get_vocabulary(include_special_tokens=False)
    )
    out["same_vocab_size"] = vectorizer.vocabulary_size()
    assert vectorizer.get_vocabulary()[:2] == ["", "[UNK]"]

    padded = layers.TextVectorization(output_sequence_length=12)
    padded.adapt(corpus)
    padded_ids = _arr(padded(corpus))
    assert padded_ids.shape == (4, 12) and padded_ids[1, -1] == 0
    out["same_padded"] = padded_ids.tolist()
    # Unseen words map to the OOV index 1.
    out["same_unseen"] = _arr(padded(np.array(["the zebra jumped"]))).tolist()

    # max_tokens keeps the most frequent tokens.
    small = layers.TextVectorization(max_tokens=6, output_sequence_length=8)
    small.adapt(corpus)
    out["same_small_vocab"] = _vocab(small.get_vocabulary())
    out["same_small_ids"] = _arr(small(corpus)).tolist()

    # Bag-of-words modes.
    for mode in ("multi_hot", "count", "tf_idf"):
        layer = layers.TextVectorization(max_tokens=10, output_mode=mode)
        layer.adapt(corpus)
        encoded = _arr(layer(corpus))
        out[f"same_{mode}_shape"] = tuple(encoded.shape)
        out[f"same_{mode}_dtype"] = str(encoded.dtype)
        out[f"same_{mode}_vocab"] = _vocab(layer.get_vocabulary())
        out[f"close_{mode}"] = encoded.astype("float64")
        assert encoded.shape == (4, 10)

    # Bigrams.
    bigrams = layers.TextVectorization(ngrams=2, output_mode="count")
    bigrams.adapt(corpus)
    out["same_bigram_vocab_size"] = bigrams.vocabulary_size()
    out["same_bigram_vocab"] = _vocab(bigrams.get_vocabulary())
    out["close_bigram_counts"] = _arr(bigrams(corpus[:2])).astype("float64")
    assert "the fox" in bigrams.get_vocabulary()

    # standardize and split options.
    for standardize in ("lower_and_strip_punctuation", "lower", None):
        layer = layers.TextVectorization(standardize=standardize)
        layer.adapt(corpus)
        out[f"same_standardize_{standardize}"] = _vocab(
            layer.get_vocabulary(include_special_tokens=False)
        )
    chars = layers.TextVectorization(split="character", output_sequence_length=10)
    chars.adapt(corpus)
    out["same_char_vocab"] = _vocab(chars.get_vocabulary())
    out["same_char_ids"] = _arr(chars(np.array(["Dog fox!", "a"]))).tolist()
    ws = layers.TextVectorization(split="whitespace", standardize="lower")
    ws.adapt(np.array(["tab\tseparated  words\nhere", "words words"]))
    out["same_whitespace_vocab"] = _vocab(ws.get_vocabulary())

    # A given vocabulary, and set_vocabulary later.
    given = layers.TextVectorization(
        vocabulary=["the", "fox", "dog", "lazy"], output_sequence_length=6
    )
    out["same_given_vocab"] = _vocab(given.get_vocabulary())
    out["same_given_ids"] = _arr(given(corpus)).tolist()
    later = layers.TextVectorization(output_mode="multi_hot")
    later.set_vocabulary(["fox", "dog", "nap"])
    out["same_later_size"] = later.vocabulary_size()
    out["same_later"] = _arr(later(corpus)).tolist()
    tfidf_given = layers.TextVectorization(
        output_mode="tf_idf",
        vocabulary=["the", "fox", "dog"],
        idf_weights=[0.5, 1.5, 2.0],
    )
    out["close_tfidf_given"] = _arr(tfidf_given(corpus)).astype("float64")

    # get_config / from_config with a given vocabulary.
    config = given.get_config()
    out["same_config_keys"] = sorted(config)
    out["same_config_vocab"] = list(config["vocabulary"])
    clone = layers.TextVectorization.from_config(config)
    out["same_clone_ids"] = _arr(clone(corpus)).tolist()
    assert clone.get_config()["output_sequence_length"] == 6

    # Saving a model that holds the adapted TextVectorization (on a string Input);
    # on JAX the layer is applied directly rather than through predict.
    text_input = keras.Input(shape=(1,), dtype="string", name="text")
    vectorized = vectorizer(text_input)
    text_model = keras.Model(text_input, vectorized, name="vectorize_model")
    out["same_text_model_shape"] = tuple(text_model.output.shape)
    out["same_text_model_dtype"] = str(text_model.output.dtype)
    path = str(workdir / "vectorizer.keras")
    text_model.save(path)
    restored = keras.models.load_model(path)
    restored_layer = restored.get_layer("vectorizer")
    out["same_restored_vocab"] = _vocab(restored_layer.get_vocabulary())
    out["same_restored_ids"] = _arr(restored_layer(corpus)).tolist()
    assert out["same_restored_ids"] == out["same_int"]
    # A (batch, 1) column of strings, as the string Input declares.
    out["same_restored_column_ids"] = _arr(restored_layer(corpus[:, None])).tolist()

    # -- StringLookup / IntegerLookup ------------------------------------------
    colors = np.array([["red", "green", "blue"], ["blue", "pink", "red"]])
    lookup = layers.StringLookup()
    lookup.adapt(np.array(["red", "red", "blue", "green", "blue", "red"]))
    out["same_string_vocab"] = _vocab(lookup.get_vocabulary())
    out["same_string_ids"] = _arr(lookup(colors)).tolist()
    out["same_string_dtype"] = str(_arr(lookup(colors)).dtype)
    vocab = ["red", "green", "blue"]
    for mode in ("one_hot", "multi_hot", "count", "tf_idf"):
        kwargs = {"idf_weights": [0.25, 0.5, 1.0]} if mode == "tf_idf" else {}
        layer = layers.StringLookup(vocabulary=vocab, output_mode=mode, **kwargs)
        data = colors[0] if mode == "one_hot" else colors
        encoded = _arr(layer(data))
        out[f"same_string_{mode}_dtype"] = str(encoded.dtype)
        out[f"same_string_{mode}_shape"] = tuple(encoded.shape)
        out[f"close_string_{mode}"] = encoded.astype("float64")
    # As in the StringLookup docs: two OOV buckets, a mask token.
    two_oov = layers.StringLookup(
        vocabulary=vocab, num_oov_indices=2, mask_token="", oov_token="[OOV]"
    )
    out["same_two_oov_vocab"] = _vocab(two_oov.get_vocabulary())
    out["same_two_oov_ids"] = _arr(
        two_oov(np.array([["red", "", "pink"], ["mauve", "blue", "teal"]]))
    ).tolist()
    masked = layers.StringLookup(
        vocabulary=vocab, mask_token="", output_mode="multi_hot"
    )
    out["same_masked_multi_hot"] = _arr(
        masked(np.array([["red", ""], ["", ""]]))
    ).tolist()

    ids = np.array([[12, 1138, 42], [42, 1000, 36]])
    int_lookup = layers.IntegerLookup()
    int_lookup.adapt(np.array([12, 36, 1138, 42, 12, 12, 36]))
    out["same_int_lookup_vocab"] = [int(v) for v in int_lookup.get_vocabulary()]
    out["same_int_lookup_ids"] = _arr(int_lookup(ids)).tolist()
    out["same_int_lookup_dtype"] = str(_arr(int_lookup(ids)).dtype)
    int_vocab = [12, 36, 1138, 42]
    for mode in ("one_hot", "multi_hot", "count", "tf_idf"):
        kwargs = {"idf_weights": [0.25, 0.5, 0.75, 1.0]} if mode == "tf_idf" else {}
        layer = layers.IntegerLookup(vocabulary=int_vocab, output_mode=mode, **kwargs)
        data = ids[0] if mode == "one_hot" else ids
        encoded = _arr(layer(data))
        out[f"same_integer_{mode}_dtype"] = str(encoded.dtype)
        out[f"close_integer_{mode}"] = encoded.astype("float64")
    int_oov = layers.IntegerLookup(
        vocabulary=int_vocab, num_oov_indices=2, mask_token=0
    )
    out["same_int_oov_vocab"] = [int(v) for v in int_oov.get_vocabulary()]
    out["same_int_oov_ids"] = _arr(int_oov(np.array([[12, 0, 7], [8, 42, 5]]))).tolist()
    inverse = layers.IntegerLookup(vocabulary=int_vocab, invert=True)
    inverted = _arr(inverse(np.array([[1, 2, 3], [4, 0, 9]])))
    out["same_inverted"] = inverted.tolist()
    out["same_inverted_dtype"] = str(inverted.dtype)
    # Round trip: ids back to the original values (OOV 1000 -> -1).
    roundtrip = _arr(inverse(_arr(layers.IntegerLookup(vocabulary=int_vocab)(ids))))
    out["same_roundtrip"] = roundtrip.tolist()
    out["same_int_lookup_config"] = sorted(int_oov.get_config())

    # -- Hashing, HashedCrossing, CategoryEncoding -------------------------------
    words = np.array([["apple"], ["banana"], ["cherry"], [""]])
    for name, layer in (
        ("plain", layers.Hashing(num_bins=8)),
        ("salt", layers.Hashing(num_bins=8, salt=133)),
        ("mask", layers.Hashing(num_bins=8, mask_value="")),
    ):
        hashed = _arr(layer(words))
        out[f"same_hash_{name}"] = hashed.tolist()
        out[f"same_hash_{name}_dtype"] = str(hashed.dtype)
    hashed_ints = _arr(layers.Hashing(num_bins=4)(np.array([[3], [17], [42]])))
    out["same_hash_ints"] = hashed_ints.tolist()
    cross = layers.HashedCrossing(num_bins=10)
    crossed = _arr(cross((np.array(["A", "B", "C"]), np.array([101, 102, 101]))))
    out["same_crossed"] = crossed.tolist()
    out["same_crossed_dtype"] = str(crossed.dtype)
    cross_oh = layers.HashedCrossing(num_bins=5, output_mode="one_hot")
    crossed_oh = _arr(cross_oh((np.array(["A", "B"]), np.array(["x", "y"]))))
    out["same_crossed_one_hot"] = crossed_oh.tolist()
    out["same_crossed_one_hot_dtype"] = str(crossed_oh.dtype)

    one_hot = _arr(
        layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(
            np.array([3, 2, 0, 1])
        )
    )
    multi_hot = _arr(
        layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")(
            np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
        )
    )
    counter = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    counts = _arr(counter(np.array([[0, 1, 1], [3, 3, 2]])))
    weighted = _arr(
        counter(
            np.array([[0, 1, 1], [3, 3, 2]]),
            count_weights=np.array([[0.5, 1.0, 2.0], [0.1, 0.2, 0.3]]),
        )
    )
    out["same_one_hot"] = one_hot.tolist()
    out["same_multi_hot"] = multi_hot.tolist()
    out["same_counts"] = counts.tolist()
    out["close_weighted_counts"] = weighted
    out["same_encoding_dtypes"] = [
        str(a.dtype) for a in (one_hot, multi_hot, counts, weighted)
    ]

    # -- A small text classifier on vectorized ints --------------------------------
    rng = np.random.default_rng(3)
    good = ["great", "superb", "lovely", "fun"]
    bad = ["awful", "dull", "poor", "boring"]
    filler = ["the", "film", "was", "quite", "and", "story"]

    def review(words):
        picks = list(rng.choice(filler, 4)) + list(rng.choice(words, 2))
        rng.shuffle(picks)
        return " ".join(picks)

    texts = np.array(
        [review(good) for _ in range(48)] + [review(bad) for _ in range(48)]
    )
    labels = np.array([1] * 48 + [0] * 48, dtype="float32")
    order = rng.permutation(96)
    texts, labels = texts[order], labels[order]
    text_vec = layers.TextVectorization(
        max_tokens=20, output_mode="int", output_sequence_length=8
    )
    text_vec.adapt(texts)
    x = _arr(text_vec(texts))
    out["same_train_ids_dtype"] = str(x.dtype)

    inputs = keras.Input(shape=(8,), dtype="int32")
    h = layers.Embedding(20, 6, mask_zero=True, name="embedding")(inputs)
    h = layers.GlobalAveragePooling1D(name="pool")(h)
    outputs = layers.Dense(1, activation="sigmoid", name="head")(h)
    model = keras.Model(inputs, outputs, name="text_classifier")
    wrng = np.random.default_rng(7)
    model.set_weights(
        [
            wrng.normal(scale=0.1, size=w.shape).astype("float32")
            for w in model.get_weights()
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    lines = []
    model.summary(print_fn=lambda s, **kw: lines.append(s))
    # Keras's graph holds the mask computation of Embedding(mask_zero=True) as an
    # operation (a `not_equal (NotEqual)` row, "Connected to" it); kerasish
    # computes masks outside the graph: a known difference, reported only.
    out["summary"] = "\n".join(lines)
    out["same_layer_names"] = [layer.name for layer in model.layers]
    out["same_param_count"] = model.count_params()
    history = model.fit(
        x[:80],
        labels[:80],
        validation_data=(x[80:], labels[80:]),
        epochs=5,
        batch_size=16,
        shuffle=False,
        verbose=0,
    )
    out["same_history_keys"] = sorted(history.history)
    out["close_loss"] = history.history["loss"]
    out["close_val_loss"] = history.history["val_loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(x[80:], labels[80:], verbose=0)
    out["close_eval"] = [loss, acc]
    assert acc > 0.8, acc
    probe = _arr(text_vec(np.array(["a superb and lovely film", "dull and boring"])))
    pred = model.predict(probe, verbose=0)
    out["close_pred"] = pred
    assert pred[0, 0] > 0.5 > pred[1, 0], pred

    # -- Sampling helpers for text generation --------------------------------------
    logits = np.array(
        [[2.0, 1.0, 0.5, -1.0, 0.1, 3.0], [0.2, 0.3, 4.0, 0.1, -2.0, 1.5]],
        dtype="float32",
    )
    greedy = ops.argmax(logits, axis=-1)
    out["same_greedy"] = _arr(greedy).tolist()
    out["same_greedy_dtype"] = str(_arr(greedy).dtype)
    for temperature in (0.5, 1.0, 2.0):
        probs = ops.softmax(logits / temperature, axis=-1)
        out[f"close_probs_t{temperature}"] = _arr(probs)
    values, indices = ops.top_k(logits, k=3)
    out["close_top_k_values"] = _arr(values)
    out["same_top_k_indices"] = _arr(indices).tolist()
    out["same_top_k_dtypes"] = [str(_arr(values).dtype), str(_arr(indices).dtype)]
    # Sample among the top k: draw a position in the k logits, map back to ids.
    temperature = 0.7
    seed = keras.random.SeedGenerator(42)
    draws = keras.random.categorical(values / temperature, num_samples=5, seed=seed)
    picked = ops.take_along_axis(indices, draws, axis=-1)
    picked = _arr(picked)
    out["same_draw_shape"] = tuple(_arr(draws).shape)
    out["same_draw_dtype"] = str(_arr(draws).dtype)
    out["same_picked_shape"] = tuple(picked.shape)
    assert _arr(draws).min() >= 0 and _arr(draws).max() < 3
    for row in range(2):
        assert set(picked[row].tolist()) <= set(_arr(indices)[row].tolist())
    out["picked"] = picked.tolist()
    return out
