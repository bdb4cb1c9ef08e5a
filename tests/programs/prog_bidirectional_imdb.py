"""Bidirectional LSTM on IMDB (keras.io example), in small, on generated reviews.

Integer "reviews" of varying length padded with `keras.utils.pad_sequences` (its
"pre" padding/truncating defaults), an Embedding, two stacked Bidirectional LSTMs
and a sigmoid Dense, trained with `validation_data` and evaluated; then a
`mask_zero=True` variant and a `Masking` variant, where padding must not change the
prediction, and what `compute_mask` gives along the way.
"""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)

    max_features = 200  # Only consider the top 200 words
    maxlen = 24  # Only consider the first 24 words of each movie review

    # Generated reviews: words 1..99 are "positive", 100..199 "negative".
    rng = np.random.default_rng(0)

    def make_reviews(n):
        reviews, labels = [], []
        for _ in range(n):
            label = int(rng.integers(0, 2))
            length = int(rng.integers(5, 36))
            polar = rng.integers(1, 100, size=length) + (0 if label else 100)
            noise = rng.integers(1, max_features, size=length)
            words = np.where(rng.random(length) < 0.6, polar, noise)
            reviews.append([int(w) for w in words])
            labels.append(label)
        return reviews, np.array(labels)

    x_train, y_train = make_reviews(160)
    x_val, y_val = make_reviews(48)

    # pad_sequences and its defaults: padding="pre", truncating="pre", value=0.
    demo = [[1, 2, 3], [4, 5, 6, 7, 8, 9], [10]]
    padded_default = keras.utils.pad_sequences(demo, maxlen=4)
    padded_post = keras.utils.pad_sequences(
        demo, maxlen=4, padding="post", truncating="post", value=-1
    )
    padded_longest = keras.utils.pad_sequences(demo)
    padded_float = keras.utils.pad_sequences(demo, maxlen=5, dtype="float32", value=0.5)
    assert padded_default.tolist() == [[0, 1, 2, 3], [6, 7, 8, 9], [0, 0, 0, 10]]

    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
    x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

    # Input for variable-length sequences of integers
    inputs = keras.Input(shape=(None,), dtype="int32")
    # Embed each integer in a 16-dimensional vector
    x = layers.Embedding(max_features, 16)(inputs)
    # Add 2 bidirectional LSTMs
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(8))(x)
    # Add a classifier
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    summary = []
    model.summary(print_fn=lambda line, *args, **kwargs: summary.append(line))

    wrng = np.random.default_rng(5)
    weights = [
        wrng.normal(scale=0.3, size=w.shape).astype("float32")
        for w in model.get_weights()
    ]
    model.set_weights(weights)
    initial_preds = model.predict(x_val[:8], verbose=0)

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=32,
        epochs=4,
        validation_data=(x_val, y_val),
        shuffle=False,
        verbose=0,
    )
    loss, accuracy = model.evaluate(x_val, y_val, batch_size=32, verbose=0)
    trained_preds = model.predict(x_val[:8], verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    assert accuracy > 0.6, accuracy

    bidi = model.layers[2]
    bidi_weights = [w.path for w in bidi.weights]

    # The same network with mask_zero=True: the pre-padding is skipped, so a
    # padded review predicts what the unpadded review predicts.
    masked_inputs = keras.Input(shape=(None,), dtype="int32")
    embedding = layers.Embedding(max_features, 16, mask_zero=True)
    x = embedding(masked_inputs)
    first = layers.Bidirectional(layers.LSTM(8, return_sequences=True))
    x = first(x)
    second = layers.Bidirectional(layers.LSTM(8))
    x = second(x)
    masked_outputs = layers.Dense(1, activation="sigmoid")(x)
    masked_model = keras.Model(masked_inputs, masked_outputs)
    masked_model.set_weights(weights)
    masked_summary = []
    masked_model.summary(
        print_fn=lambda line, *args, **kwargs: masked_summary.append(line)
    )

    review = np.array([[5, 17, 120, 3, 99, 150]], dtype="int32")
    padded_review = keras.utils.pad_sequences(review, maxlen=12)
    unpadded_pred = masked_model.predict(review, verbose=0)
    padded_pred = masked_model.predict(padded_review, verbose=0)
    assert np.allclose(unpadded_pred, padded_pred, atol=1e-5)
    masked_preds = masked_model.predict(x_val[:8], verbose=0)

    # compute_mask along the way.
    emb_mask = embedding.compute_mask(padded_review)
    seq_out = first(embedding(padded_review), mask=emb_mask)
    first_mask = first.compute_mask(embedding(padded_review), emb_mask)
    second_mask = second.compute_mask(seq_out, emb_mask)

    # A Masking layer on float features does the same with mask_value=0.0.
    features = np.zeros((2, 6, 3), dtype="float32")
    features[0, 2:] = wrng.normal(size=(4, 3))
    features[1, :] = wrng.normal(size=(6, 3))
    masking = layers.Masking(mask_value=0.0)
    masking_mask = masking.compute_mask(features)
    bi_sum = layers.Bidirectional(layers.LSTM(4), merge_mode="sum")
    bi_seq = layers.Bidirectional(layers.LSTM(4, return_sequences=True))
    m_in = keras.Input(shape=(None, 3))
    m_out = bi_sum(bi_seq(masking(m_in)))
    masking_model = keras.Model(m_in, m_out)
    mw = [
        wrng.normal(scale=0.4, size=w.shape).astype("float32")
        for w in masking_model.get_weights()
    ]
    masking_model.set_weights(mw)
    masking_out = masking_model.predict(features, verbose=0)
    trimmed_out = masking_model.predict(features[:1, 2:], verbose=0)
    assert np.allclose(masking_out[:1], trimmed_out, atol=1e-5)
    masking_summary = []
    masking_model.summary(
        print_fn=lambda line, *args, **kwargs: masking_summary.append(line)
    )

    # Bidirectional's config round trip.
    config = bidi.get_config()
    clone = layers.Bidirectional.from_config(config)

    return {
        "same_padded_default": padded_default,
        "same_padded_post": padded_post,
        "same_padded_longest": padded_longest,
        "same_padded_float": padded_float,
        "same_pad_dtypes": [
            str(padded_default.dtype),
            str(padded_float.dtype),
            str(x_train.dtype),
        ],
        "same_x_shapes": [x_train.shape, x_val.shape],
        "same_summary": "\n".join(summary),
        # Keras's graph holds its mask computations as operations (NotEqual,
        # Any rows in the summary); kerasish computes masks outside the graph:
        # a known difference, reported only.
        "masked_summary": "\n".join(masked_summary),
        "masking_summary": "\n".join(masking_summary),
        "same_layer_names": [layer.name for layer in model.layers],
        "same_masked_layer_names": [layer.name for layer in masked_model.layers],
        "same_bidi_params": [
            layer.count_params()
            for layer in model.layers
            if isinstance(layer, layers.Bidirectional)
        ],
        "same_bidi_weight_paths": bidi_weights,
        "same_bidi_config_keys": sorted(config),
        "same_bidi_merge_mode": [config["merge_mode"], clone.merge_mode],
        "same_clone_names": [clone.forward_layer.name, clone.backward_layer.name],
        "same_clone_go_backwards": [
            clone.forward_layer.go_backwards,
            clone.backward_layer.go_backwards,
        ],
        "same_history_keys": sorted(history.history),
        "same_evaluate_len": 2,
        "same_pred_shape": trained_preds.shape,
        "same_emb_mask": np.asarray(emb_mask),
        "same_first_mask": np.asarray(first_mask),
        "same_second_mask_is_none": second_mask is None,
        "same_masking_mask": np.asarray(masking_mask),
        "same_masking_out_shape": masking_out.shape,
        "close_initial_preds": initial_preds,
        "close_history": [history.history[k] for k in sorted(history.history)],
        "close_evaluate": [loss, accuracy],
        "close_trained_preds": trained_preds,
        "close_masked_preds": masked_preds,
        "close_unpadded_pred": unpadded_pred,
        "close_masking_out": masking_out,
        "close_bidi_seq_out": np.asarray(seq_out),
        "accuracy": accuracy,
    }
