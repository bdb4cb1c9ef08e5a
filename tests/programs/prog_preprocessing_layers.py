"""Preprocessing layers: adapt, lookups, encoding, in the model or before it."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    data = np.array(
        [[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]], dtype="float32"
    )
    normalizer = layers.Normalization()
    normalizer.adapt(data)
    normalized = normalizer(data)

    vocab = ["a", "b", "c", "d"]
    string_data = np.array([["a", "c", "d"], ["d", "z", "b"]])
    lookup = layers.StringLookup(vocabulary=vocab)
    ids = lookup(string_data)
    one_hot = layers.StringLookup(vocabulary=vocab, output_mode="one_hot")(
        np.array(["a", "b", "c", "d", "e"])
    )
    int_lookup = layers.IntegerLookup()
    int_lookup.adapt(np.array([12, 36, 1138, 42, 12, 12]))
    int_ids = int_lookup(np.array([12, 1138, 42, 9]))
    encoder = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
    multi_hot = encoder(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]))

    text = np.array(["The Brain is wider than the Sky", "For put them side by side"])
    vectorizer = layers.TextVectorization(output_mode="int", output_sequence_length=6)
    vectorizer.adapt(text)
    vectorized = vectorizer(text)
    tfidf = layers.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(text)

    disc = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    binned = disc(np.array([[-1.5, 1.0, 3.4, 0.5]]))

    # Preprocessing inside the model, trained with fit.
    inputs = keras.Input(shape=(3,))
    x = normalizer(inputs)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(data, np.ones((3, 1)), epochs=2, verbose=0)
    return {
        "close_normalized": np.asarray(normalized),
        "close_mean": np.asarray(normalizer.mean),
        "same_ids": np.asarray(ids).tolist(),
        "same_one_hot": np.asarray(one_hot).tolist(),
        "same_int_ids": np.asarray(int_ids).tolist(),
        "same_int_vocab": int_lookup.get_vocabulary(),
        "same_multi_hot": np.asarray(multi_hot).tolist(),
        "same_vectorized": np.asarray(vectorized).tolist(),
        "same_vocab": vectorizer.get_vocabulary(),
        "same_tfidf_vocab_size": tfidf.vocabulary_size(),
        "same_binned": np.asarray(binned).tolist(),
        "same_keys": sorted(history.history),
    }
