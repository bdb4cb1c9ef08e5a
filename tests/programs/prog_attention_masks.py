"""How padding masks flow through attention layers, as Keras users rely on it.

`Embedding(mask_zero=True)` feeding `MultiHeadAttention` (query and value masks
picked up automatically, `use_causal_mask`, `return_attention_scores`),
`Attention` / `AdditiveAttention` with `mask=[query_mask, value_mask]`,
`use_scale` and `score_mode`, `GlobalAveragePooling1D` averaging only the unmasked
steps, the `_keras_mask` the outputs carry, and a small masked attention
classifier trained with `fit`.
"""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)

    def fixed(layer, scale=0.5):
        layer.set_weights(
            [
                (rng.normal(size=w.shape) * scale).astype("float32")
                for w in layer.get_weights()
            ]
        )

    def mask_of(x):
        mask = getattr(x, "_keras_mask", None)
        return None if mask is None else ops.convert_to_numpy(mask).tolist()

    # Token ids with post-padding: 2 queries of length 5, 2 values of length 6.
    query_ids = np.array([[4, 9, 2, 0, 0], [7, 3, 5, 8, 0]])
    value_ids = np.array([[5, 1, 6, 2, 0, 0], [3, 3, 9, 4, 7, 0]])
    query_mask = query_ids != 0
    value_mask = value_ids != 0

    query_embedding = layers.Embedding(input_dim=10, output_dim=8, mask_zero=True)
    value_embedding = layers.Embedding(input_dim=10, output_dim=8, mask_zero=True)
    query_embedding(query_ids), value_embedding(value_ids)  # builds them
    fixed(query_embedding)
    fixed(value_embedding)

    # ---- MultiHeadAttention: the embeddings' masks are used automatically. ----
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="cross_attention")
    mha(query_embedding(query_ids), value_embedding(value_ids))
    fixed(mha)
    query = query_embedding(query_ids)
    value = value_embedding(value_ids)
    assert mask_of(query) == query_mask.tolist()
    mha_out, mha_scores = mha(query, value, return_attention_scores=True)
    mha_scores = ops.convert_to_numpy(mha_scores)
    # Padded keys get exactly zero weight; each real query's weights sum to one,
    # a padded query's to zero.
    key_weights_masked = mha_scores * (1 - value_mask[:, None, None, :])
    assert np.all(key_weights_masked == 0.0), key_weights_masked.max()
    np.testing.assert_allclose(
        mha_scores.sum(-1),
        np.broadcast_to(query_mask[:, None, :], (2, 2, 5)),
        atol=1e-5,
    )
    # The same masks passed by hand give the same result.
    plain_query = ops.convert_to_numpy(query_embedding(query_ids))
    plain_value = ops.convert_to_numpy(value_embedding(value_ids))
    mha_explicit = mha(
        plain_query,
        plain_value,
        attention_mask=query_mask[:, :, None] & value_mask[:, None, :],
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(mha_out)[query_mask],
        ops.convert_to_numpy(mha_explicit)[query_mask],
        rtol=1e-5,
        atol=1e-6,
    )

    # Masks passed by hand as `query_mask` / `value_mask` arguments.
    mha_mask_args = ops.convert_to_numpy(
        mha(plain_query, plain_value, query_mask=query_mask, value_mask=value_mask)
    )

    # ---- Causal self-attention (decoder style), with and without padding. ----
    self_attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    self_attention(plain_query, plain_query)
    fixed(self_attention)
    causal_out, causal_scores = self_attention(
        plain_query, plain_query, use_causal_mask=True, return_attention_scores=True
    )
    causal_scores = ops.convert_to_numpy(causal_scores)
    upper = np.triu(np.ones((5, 5), dtype=bool), k=1)
    assert np.all(causal_scores[:, :, upper] == 0.0)
    query = query_embedding(query_ids)
    causal_masked_out, causal_masked_scores = self_attention(
        query, query, use_causal_mask=True, return_attention_scores=True
    )

    # ---- Dot-product and additive attention with mask=[query_mask, value_mask]. ----
    attention = layers.Attention(use_scale=True, score_mode="dot")
    attention([plain_query, plain_value])
    attention.set_weights([np.array(0.7, dtype="float32")])
    attention_out, attention_scores = attention(
        [plain_query, plain_value],
        mask=[query_mask, value_mask],
        return_attention_scores=True,
    )
    attention_scores = ops.convert_to_numpy(attention_scores)
    assert np.all(attention_scores * (1 - value_mask[:, None, :]) == 0.0)
    # Masked query positions give zero outputs.
    assert np.all(ops.convert_to_numpy(attention_out)[~query_mask] == 0.0)
    # The masks the embeddings attach are picked up without `mask=`.
    auto_attention_out = attention(
        [query_embedding(query_ids), value_embedding(value_ids)]
    )

    concat_attention = layers.Attention(score_mode="concat")
    concat_attention([plain_query, plain_value])
    fixed(concat_attention)
    concat_out = concat_attention(
        [plain_query, plain_value], mask=[query_mask, value_mask]
    )

    causal_attention_out = attention(
        [plain_query, plain_query],
        mask=[query_mask, query_mask],
        use_causal_mask=True,
    )

    additive = layers.AdditiveAttention(use_scale=True)
    additive([plain_query, plain_value, plain_value])
    fixed(additive)
    additive_out, additive_scores = additive(
        [plain_query, plain_value, plain_value],
        mask=[query_mask, value_mask],
        return_attention_scores=True,
    )

    # ---- GlobalAveragePooling1D averages only the unmasked steps. ----
    pooled = layers.GlobalAveragePooling1D()(query_embedding(query_ids))
    expected = (plain_query * query_mask[..., None]).sum(1) / query_mask.sum(
        1, keepdims=True
    )
    np.testing.assert_allclose(ops.convert_to_numpy(pooled), expected, rtol=1e-5)
    pooled_unmasked = layers.GlobalAveragePooling1D()(plain_query)

    # ---- Masking on float features feeds self-attention too. ----
    features = rng.normal(size=(2, 5, 8)).astype("float32")
    features[0, 3:] = 0.0
    features[1, 4:] = 0.0
    masked_features = layers.Masking(mask_value=0.0)(features)
    masked_features_mask = mask_of(masked_features)
    masked_self_out = self_attention(masked_features, masked_features)

    # ---- A token tagger: the output keeps the padding mask, so the loss and
    # the accuracy skip padded steps. ----
    tag_inputs = keras.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(input_dim=10, output_dim=8, mask_zero=True)(tag_inputs)
    h = layers.MultiHeadAttention(num_heads=2, key_dim=4)(h, h)
    tag_outputs = layers.Dense(3, activation="softmax")(h)
    tagger = keras.Model(tag_inputs, tag_outputs, name="tagger")
    fixed(tagger)
    tagger.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    tags = np.array([[1, 2, 1, 0, 0], [0, 2, 2, 1, 0]])
    tagger_evaluated = tagger.evaluate(query_ids, tags, verbose=0)
    tag_probs = tagger(query_ids)
    tagger_loss = keras.losses.SparseCategoricalCrossentropy()(tags, tag_probs)
    tagger_accuracy = keras.metrics.SparseCategoricalAccuracy()(tags, tag_probs)

    # ---- A functional classifier: masks flow from Embedding to the pooling. ----
    token_ids = keras.Input(shape=(None,), dtype="int32", name="tokens")
    embedded = layers.Embedding(input_dim=20, output_dim=8, mask_zero=True)(token_ids)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="self_attention")(
        embedded, embedded
    )
    normalized = layers.LayerNormalization()(layers.Add()([embedded, attended]))
    pooled_features = layers.GlobalAveragePooling1D()(normalized)
    outputs = layers.Dense(2, activation="softmax")(pooled_features)
    model = keras.Model(token_ids, outputs, name="masked_attention_classifier")
    symbolic_masks = [
        None if getattr(t, "_keras_mask", None) is None else tuple(t._keras_mask.shape)
        for t in (embedded, attended, normalized, pooled_features)
    ]
    model.set_weights(
        [
            (rng.normal(size=w.shape) * 0.4).astype("float32")
            for w in model.get_weights()
        ]
    )
    short = np.array([[5, 12, 7, 0, 0, 0], [3, 0, 0, 0, 0, 0]])
    padded_preds = model.predict(short, verbose=0)
    # Trailing padding changes nothing: the same as the unpadded sequence.
    np.testing.assert_allclose(
        model.predict(short[:1, :3], verbose=0),
        padded_preds[:1],
        rtol=1e-5,
        atol=1e-6,
    )

    # Train it: the label is whether token 1 occurs; padding lengths vary.
    data_rng = np.random.default_rng(3)
    x = np.zeros((256, 10), dtype="int32")
    for row in range(len(x)):
        length = data_rng.integers(2, 11)
        x[row, :length] = data_rng.integers(1, 20, size=length)
    y = (x == 1).any(axis=1).astype("int32")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=32, epochs=3, validation_split=0.25, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0], history.history

    return {
        "same_query_mask": mask_of(query_embedding(query_ids)),
        "same_mha_out_mask": mask_of(mha_out),
        "same_mha_scores_shape": mha_scores.shape,
        "same_causal_masked_out_mask": mask_of(causal_masked_out),
        "same_causal_scores_shape": causal_scores.shape,
        "same_attention_scores_shape": attention_scores.shape,
        "same_auto_attention_mask": mask_of(auto_attention_out),
        "same_pooled_mask": mask_of(pooled),
        "same_symbolic_masks": symbolic_masks,
        "same_layer_names": [layer.name for layer in model.layers],
        "same_params": model.count_params(),
        "same_history_keys": sorted(history.history),
        "same_backend_mask_names": sorted(
            name for name in dir(keras.backend) if "mask" in name.lower()
        ),
        "close_mha_out": ops.convert_to_numpy(mha_out),
        "close_mha_scores": ops.convert_to_numpy(mha_scores),
        "close_mha_mask_args_real_rows": mha_mask_args[query_mask],
        # Keras 3.15 ignores an explicit `query_mask=` on a query that carries
        # no `_keras_mask`, and so does kerasish.
        "close_mha_mask_args_padded_rows": mha_mask_args[~query_mask],
        "same_masked_features_mask": masked_features_mask,
        "same_masked_self_out_mask": mask_of(masked_self_out),
        "same_tag_probs_mask": mask_of(tag_probs),
        "close_masked_self_out": ops.convert_to_numpy(masked_self_out),
        # Losses and metrics skip the steps `y_pred._keras_mask` masks out.
        "close_tagger_evaluate": tagger_evaluated,
        "close_tagger_loss": ops.convert_to_numpy(tagger_loss),
        "close_tagger_accuracy": ops.convert_to_numpy(tagger_accuracy),
        "close_causal_out": ops.convert_to_numpy(causal_out),
        "close_causal_scores": ops.convert_to_numpy(causal_scores),
        "close_causal_masked_out": ops.convert_to_numpy(causal_masked_out),
        "close_causal_masked_scores": ops.convert_to_numpy(causal_masked_scores),
        "close_attention_out": ops.convert_to_numpy(attention_out),
        "close_attention_scores": ops.convert_to_numpy(attention_scores),
        "close_auto_attention_out": ops.convert_to_numpy(auto_attention_out),
        "close_concat_out": ops.convert_to_numpy(concat_out),
        "close_causal_attention_out": ops.convert_to_numpy(causal_attention_out),
        "close_additive_out": ops.convert_to_numpy(additive_out),
        "close_additive_scores": ops.convert_to_numpy(additive_scores),
        "close_pooled": ops.convert_to_numpy(pooled),
        "close_pooled_unmasked": ops.convert_to_numpy(pooled_unmasked),
        "close_padded_preds": ops.convert_to_numpy(padded_preds),
        "final_loss": history.history["loss"][-1],
    }
