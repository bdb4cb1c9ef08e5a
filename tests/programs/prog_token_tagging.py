"""Sequence labelling (keras.io NER with Transformers, token tagging with BiLSTM).

Embedding(mask_zero=True) whose mask reaches a per-token softmax and so the loss and
the metrics (padded steps skipped), a custom TokenAndPositionEmbedding and
Transformer block, keras.io's CustomNonPaddingTokenLoss, user-written masked
accuracies (function and Metric subclass), per-token 2-D sample weights, predict +
argmax decoding, saving and reloading with custom objects.
"""

import numpy as np

VOCAB = 40
NUM_TAGS = 5  # tag 0 is "[PAD]", as in the NER guide
MAXLEN = 10


def _make_data(rng, n):
    lengths = rng.integers(3, MAXLEN + 1, size=n)
    tokens = [list(rng.integers(1, VOCAB, size=int(k))) for k in lengths]
    tags = []
    for seq in tokens:
        row, prev = [], 0
        for t in seq:
            # An "entity" starts at tokens < 8 and continues on the next token.
            if t < 8:
                row.append(2)
            elif prev < 8 and prev > 0:
                row.append(3)
            else:
                row.append(1 if t % 2 else 4)
            prev = t
        tags.append(row)
    return tokens, tags


def _seed_weights(model, seed, scale=0.3):
    rng = np.random.default_rng(seed)
    model.set_weights(
        [
            rng.normal(size=w.shape).astype("float32") * scale
            for w in model.get_weights()
        ]
    )


def _flat(logs):
    return np.concatenate(
        [np.ravel(np.asarray(logs[k], dtype="float64")) for k in sorted(logs)]
    )


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(3)

    raw_tokens, raw_tags = _make_data(rng, 320)
    x_all = keras.utils.pad_sequences(raw_tokens, maxlen=MAXLEN, padding="post")
    y_all = keras.utils.pad_sequences(raw_tags, maxlen=MAXLEN, padding="post")
    x_train, y_train = x_all[:256], y_all[:256]
    x_val, y_val = x_all[256:], y_all[256:]
    val_mask = x_val > 0

    # --- user-written masked accuracies -------------------------------------------
    @keras.saving.register_keras_serializable(package="tagging")
    def masked_accuracy(y_true, y_pred):
        # Per-token hits; Keras also weighs them with the mask of y_pred.
        y_true = ops.cast(y_true, "int32")
        hits = ops.equal(y_true, ops.cast(ops.argmax(y_pred, axis=-1), "int32"))
        return ops.cast(hits, "float32")

    @keras.saving.register_keras_serializable(package="tagging")
    class NonPaddingAccuracy(keras.metrics.Metric):
        def __init__(self, name="non_padding_accuracy", **kwargs):
            super().__init__(name=name, **kwargs)
            self.correct = self.add_variable(
                shape=(), initializer="zeros", name="correct"
            )
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true = ops.cast(y_true, "int32")
            mask = ops.cast(ops.greater(y_true, 0), "float32")
            hits = ops.cast(
                ops.equal(y_true, ops.cast(ops.argmax(y_pred, axis=-1), "int32")),
                "float32",
            )
            if sample_weight is not None:
                mask = mask * ops.cast(sample_weight, "float32")
            self.correct.assign_add(ops.sum(hits * mask))
            self.total.assign_add(ops.sum(mask))

        def result(self):
            return ops.divide_no_nan(self.correct, self.total)

        def reset_state(self):
            self.correct.assign(0.0)
            self.total.assign(0.0)

    # --- 1. Embedding(mask_zero=True) -> BiLSTM -> per-token softmax --------------
    def build_bilstm():
        inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
        x = layers.Embedding(VOCAB, 16, mask_zero=True, name="token_embedding")(inputs)
        x = layers.Bidirectional(layers.LSTM(16, return_sequences=True), name="bilstm")(
            x
        )
        outputs = layers.Dense(NUM_TAGS, activation="softmax", name="tag_probs")(x)
        return keras.Model(inputs, outputs, name="bilstm_tagger")

    model = build_bilstm()
    _seed_weights(model, 5)
    summary_lines = []
    model.summary(print_fn=lambda line, *a, **k: summary_lines.append(line))
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", masked_accuracy, NonPaddingAccuracy()],
    )

    # Before training: the loss is the mean cross-entropy over the real tokens only.
    probs0 = model.predict(x_val, batch_size=64, verbose=0)
    true_p = np.take_along_axis(probs0, y_val[..., None].astype("int64"), axis=-1)[
        ..., 0
    ]
    manual_loss = -np.log(true_p[val_mask]).mean()
    manual_acc = (probs0.argmax(-1) == y_val)[val_mask].mean()
    e0 = model.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)
    np.testing.assert_allclose(e0["loss"], manual_loss, rtol=1e-4)
    np.testing.assert_allclose(e0["accuracy"], manual_acc, rtol=1e-5)
    np.testing.assert_allclose(e0["masked_accuracy"], manual_acc, rtol=1e-5)
    np.testing.assert_allclose(e0["non_padding_accuracy"], manual_acc, rtol=1e-5)

    # The mask reaches the output of an eager call.
    eager_out = model(x_val[:4])
    out_mask = np.asarray(eager_out._keras_mask)
    assert (out_mask == val_mask[:4]).all(), out_mask

    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=4,
        verbose=0,
        shuffle=False,
        validation_data=(x_val, y_val),
    )
    hist = history.history
    assert hist["loss"][-1] < hist["loss"][0], hist["loss"]
    assert hist["val_non_padding_accuracy"][-1] > 0.5, hist
    np.testing.assert_allclose(
        hist["val_accuracy"], hist["val_non_padding_accuracy"], rtol=1e-5
    )

    e1_list = model.evaluate(x_val, y_val, batch_size=64, verbose=0)
    e1 = model.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)

    # Padding after the sentence does not change the tags of its tokens.
    sentence = np.array([raw_tokens[300]])
    padded_sentence = keras.utils.pad_sequences(sentence, maxlen=MAXLEN, padding="post")
    short_probs = model.predict(sentence, verbose=0)
    padded_probs = model.predict(padded_sentence, verbose=0)
    np.testing.assert_allclose(
        padded_probs[:, : sentence.shape[1]], short_probs, rtol=1e-4, atol=1e-6
    )

    # predict + argmax decoding, skipping the padding.
    val_probs = model.predict(x_val, batch_size=64, verbose=0)
    predicted_tags = np.argmax(val_probs, axis=-1)
    decoded = [list(predicted_tags[i][val_mask[i]]) for i in range(4)]
    token_accuracy = float((predicted_tags == y_val)[val_mask].mean())
    np.testing.assert_allclose(token_accuracy, e1["accuracy"], rtol=1e-5)

    # Per-token sample weights (2-D, Keras 3 style: no sample_weight_mode).
    token_weights = np.where(y_train == 2, 3.0, 1.0).astype("float32")
    model_w = build_bilstm()
    _seed_weights(model_w, 5)
    model_w.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
        weighted_metrics=[NonPaddingAccuracy(name="weighted_tag_accuracy")],
    )
    hw = model_w.fit(
        x_train,
        y_train,
        sample_weight=token_weights,
        batch_size=64,
        epochs=2,
        verbose=0,
        shuffle=False,
    )
    val_weights = np.where(y_val == 2, 3.0, 1.0).astype("float32")
    ew = model_w.evaluate(
        x_val,
        y_val,
        sample_weight=val_weights,
        batch_size=64,
        verbose=0,
        return_dict=True,
    )

    # Save, reload with the registered custom objects, evaluate again.
    path = workdir / "bilstm_tagger.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    e_reloaded = reloaded.evaluate(
        x_val, y_val, batch_size=64, verbose=0, return_dict=True
    )
    np.testing.assert_allclose(e_reloaded["loss"], e1["loss"], rtol=1e-5)

    # --- 2. keras.io NER: TokenAndPositionEmbedding + TransformerBlock ------------
    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = keras.layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim
            )
            self.ffn = keras.Sequential(
                [
                    keras.layers.Dense(ff_dim, activation="relu"),
                    keras.layers.Dense(embed_dim),
                ]
            )
            self.layernorm1 = keras.layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = keras.layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = keras.layers.Dropout(rate)
            self.dropout2 = keras.layers.Dropout(rate)

        def call(self, inputs, training=False):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output, training=training)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output, training=training)
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = keras.layers.Embedding(
                input_dim=vocab_size, output_dim=embed_dim
            )
            self.pos_emb = keras.layers.Embedding(
                input_dim=maxlen, output_dim=embed_dim
            )

        def call(self, inputs):
            maxlen = ops.shape(inputs)[-1]
            positions = ops.arange(start=0, stop=maxlen, step=1)
            position_embeddings = self.pos_emb(positions)
            token_embeddings = self.token_emb(inputs)
            return token_embeddings + position_embeddings

    class NERModel(keras.Model):
        def __init__(
            self, num_tags, vocab_size, maxlen=128, embed_dim=32, num_heads=2, ff_dim=32
        ):
            super().__init__()
            self.embedding_layer = TokenAndPositionEmbedding(
                maxlen, vocab_size, embed_dim
            )
            self.transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
            self.dropout1 = layers.Dropout(0.1)
            self.ff = layers.Dense(ff_dim, activation="relu")
            self.dropout2 = layers.Dropout(0.1)
            self.ff_final = layers.Dense(num_tags, activation="softmax")

        def call(self, inputs, training=False):
            x = self.embedding_layer(inputs)
            x = self.transformer_block(x)
            x = self.dropout1(x, training=training)
            x = self.ff(x)
            x = self.dropout2(x, training=training)
            x = self.ff_final(x)
            return x

    class CustomNonPaddingTokenLoss(keras.losses.Loss):
        def __init__(self, name="custom_ner_loss"):
            super().__init__(name=name)

        def call(self, y_true, y_pred):
            loss_fn = keras.losses.SparseCategoricalCrossentropy(
                from_logits=False, reduction=None
            )
            loss = loss_fn(y_true, y_pred)
            mask = ops.cast((y_true > 0), dtype="float32")
            loss = loss * mask
            return ops.sum(loss) / ops.sum(mask)

    ner_model = NERModel(NUM_TAGS, VOCAB, maxlen=MAXLEN, embed_dim=16, ff_dim=16)
    ner_model(x_train[:2])
    _seed_weights(ner_model, 6, scale=0.2)
    n_ner_weights = len(ner_model.weights)
    ner_params = ner_model.count_params()
    ner_model.compile(
        optimizer="adam",
        loss=CustomNonPaddingTokenLoss(),
        metrics=[NonPaddingAccuracy()],
    )
    ner_probs0 = ner_model.predict(x_val, batch_size=64, verbose=0)
    ner_e0 = ner_model.evaluate(
        x_val, y_val, batch_size=64, verbose=0, return_dict=True
    )
    ner_true_p = np.take_along_axis(ner_probs0, y_val[..., None].astype("int64"), -1)[
        ..., 0
    ]
    np.testing.assert_allclose(
        ner_e0["loss"], -np.log(ner_true_p[val_mask]).mean(), rtol=1e-4
    )
    ner_hist = ner_model.fit(x_train, y_train, batch_size=64, epochs=4, verbose=0)
    assert ner_hist.history["loss"][-1] < ner_hist.history["loss"][0], ner_hist.history

    def calculate_metrics(x, y):
        probs = ner_model.predict(x, batch_size=64, verbose=0)
        predictions = np.argmax(probs, axis=-1)
        mask = y > 0
        return float((predictions == y)[mask].mean())

    ner_token_accuracy = calculate_metrics(x_val, y_val)

    # --- 3. masked Transformer tagger: mask_zero reaches MHA, Add and the loss ----
    inputs = keras.Input(shape=(None,), dtype="int32")
    emb = layers.Embedding(VOCAB, 16, mask_zero=True)(inputs)
    attn = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="self_attention")(
        emb, emb
    )
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([emb, attn]))
    x = layers.Dense(16, activation="relu")(x)
    tag_probs = layers.Dense(NUM_TAGS, activation="softmax", name="tags")(x)
    tf_model = keras.Model(inputs, tag_probs)
    _seed_weights(tf_model, 7, scale=0.2)
    tf_model.compile(
        optimizer=keras.optimizers.Adam(5e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", NonPaddingAccuracy()],
    )
    tf_probs0 = tf_model.predict(x_val, batch_size=64, verbose=0)
    tf_true_p = np.take_along_axis(tf_probs0, y_val[..., None].astype("int64"), -1)[
        ..., 0
    ]
    tf_e0 = tf_model.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)
    # Keras's MultiHeadAttention takes the mask off its inputs (it handles the masks
    # itself), so the residual Add sees one unmasked input and the output has none:
    # the loss then averages over every position, padding included.
    tf_loss_all_positions = -np.log(tf_true_p).mean()
    tf_loss_real_tokens = -np.log(tf_true_p[val_mask]).mean()
    # The padded keys are masked in the attention: padding does not change the tags.
    tf_short = tf_model.predict(sentence, verbose=0)
    tf_padded = tf_model.predict(padded_sentence, verbose=0)
    np.testing.assert_allclose(
        tf_padded[:, : sentence.shape[1]], tf_short, rtol=1e-4, atol=1e-6
    )
    row = int(np.argmin(val_mask.sum(axis=1)))
    tf_hist = tf_model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=3,
        verbose=0,
        shuffle=False,
        validation_data=(x_val, y_val),
    )
    assert tf_hist.history["loss"][-1] < tf_hist.history["loss"][0]
    tf_e1 = tf_model.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)
    tf_decoded = np.argmax(tf_model.predict(x_val[row : row + 1], verbose=0), axis=-1)

    # --- 4. keras.io's CustomNonPaddingTokenLoss on a model whose output is masked -
    # The loss returns a scalar; Keras weighs it with the output's padding mask,
    # whose weights average to one, so the value is the mean over real tokens.
    masked_ner = build_bilstm()
    _seed_weights(masked_ner, 5)
    masked_ner.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=CustomNonPaddingTokenLoss(),
        metrics=[NonPaddingAccuracy()],
    )
    custom_e0 = masked_ner.evaluate(
        x_val, y_val, batch_size=64, verbose=0, return_dict=True
    )
    np.testing.assert_allclose(custom_e0["loss"], manual_loss, rtol=1e-4)
    custom_hist = masked_ner.fit(
        x_train, y_train, batch_size=64, epochs=2, verbose=0, shuffle=False
    )
    eager_custom_loss = float(CustomNonPaddingTokenLoss()(y_val, masked_ner(x_val)))

    return {
        "same_x_shape": x_all.shape,
        # Keras's graph holds the mask computation as an operation (a NotEqual row
        # in the summary); kerasish computes masks outside the graph: a known
        # difference, reported only.
        "summary": summary_lines,
        "same_layer_names": [layer.name for layer in model.layers],
        "same_param_count": model.count_params(),
        "close_manual_loss": manual_loss,
        "close_e0": _flat(e0),
        "same_e0_keys": list(e0),
        "same_out_mask": out_mask,
        "same_history_keys": sorted(hist),
        "close_history": _flat(hist),
        "same_eval_len": len(e1_list),
        "close_e1_list": np.asarray(e1_list, dtype="float64"),
        "close_e1": _flat(e1),
        "same_pred_shape": val_probs.shape,
        "close_short_probs": short_probs,
        "close_val_probs": val_probs,
        "same_decoded": [[int(t) for t in row_] for row_ in decoded],
        "close_token_accuracy": token_accuracy,
        "same_hw_keys": sorted(hw.history),
        "close_hw": _flat(hw.history),
        "close_ew": _flat(ew),
        "same_ew_keys": sorted(ew),
        "close_e_reloaded": _flat(e_reloaded),
        "same_ner_weights": n_ner_weights,
        "same_ner_params": ner_params,
        "close_ner_probs0": ner_probs0,
        "close_ner_e0": _flat(ner_e0),
        "same_ner_hist_keys": sorted(ner_hist.history),
        "ner_loss": ner_hist.history["loss"][-1],
        "ner_token_accuracy": ner_token_accuracy,
        "close_tf_probs0": tf_probs0,
        "close_tf_short": tf_short,
        # Keras's MultiHeadAttention clears its inputs' masks, so the residual
        # Add's output carries none and Keras's loss counts the padding;
        # kerasish keeps the mask and skips it (a deliberate difference: the
        # user asked for `mask_zero`): reported only.
        "tf_e0": _flat(tf_e0),
        "close_tf_manual_losses": [tf_loss_all_positions, tf_loss_real_tokens],
        "same_tf_hist_keys": sorted(tf_hist.history),
        "tf_hist": _flat(tf_hist.history),
        "tf_e1": _flat(tf_e1),
        "tf_decoded": tf_decoded,
        "close_custom_e0": _flat(custom_e0),
        "same_custom_hist_keys": sorted(custom_hist.history),
        "close_custom_hist": _flat(custom_hist.history),
        "close_eager_custom_loss": eager_custom_loss,
    }
