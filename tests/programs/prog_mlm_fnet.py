"""Masked language modeling with a tiny BERT, then fine-tuning; an FNet classifier.

Miniatures of two keras.io examples: "End-to-end Masked Language Modeling with
BERT" and "Text classification using FNet" (with the FNet encoder layer of
"Text Generation using FNet"), written for Keras 3 on JAX.

Covers: `TextVectorization` with `standardize="lower"` after the example's
custom standardization (`<br />` and punctuation but brackets dropped, done in
Python here so that no TensorFlow is needed), `output_sequence_length`, `adapt`
on a generated corpus, `get_vocabulary` / `set_vocabulary` with a "[mask]"
special token; masking 15% of tokens with numpy (80/10/10 rule, a fixed seed)
into inputs, labels and sample weights; a BERT-style encoder (word
`Embedding` plus a custom `PositionEmbedding` layer with its own weight,
`MultiHeadAttention` with an `attention_mask` built with `keras.ops` from the
padding, residual `LayerNormalization`, a `Sequential` feed-forward); a
`MaskedLanguageModel(keras.Model)` built functionally, with the stateless JAX
`train_step` of the "customizing fit() with JAX" guide (`stateless_call`,
`jax.value_and_grad`, `optimizer.stateless_apply`, a `keras.metrics.Mean`
loss tracker listed by a `metrics` property), a callback that predicts the
masked word at each epoch end; the same model trained through a
`compute_loss` override instead; the pretrained encoder cut out with
`get_layer(...).output`, frozen (`trainable = False`) inside a classifier, then
unfrozen and recompiled; an FNet encoder layer (real part of `ops.fft2` of the
embeddings, residual `LayerNormalization`, `Dense` projection, mask passed
through) over a custom `PositionalEmbedding` with `compute_mask`, pooled with a
masked `GlobalAveragePooling1D`, trained a few steps. Every weight is set from
numpy and every fit uses `shuffle=False` with no dropout, so losses,
probabilities and outputs are compared; parameter counts from the summaries,
History keys and the custom layers' `get_config` / `from_config` too.
"""

import re

import numpy as np


def run(keras, workdir):
    import jax

    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    MAX_LEN = 12
    VOCAB_SIZE = 40
    EMBED_DIM = 16
    NUM_HEAD = 2
    FF_DIM = 16
    BATCH_SIZE = 16
    LR = 0.01

    # ------------------------------------------------------------------ data
    rng = np.random.default_rng(7)
    neutral = (
        "the a movie film story actor plot scene music camera script ending "
        "cast director role time people night world way city house car dog "
        "cat man woman child friend family war love life day year work book "
        "song voice face eye hand head heart mind water fire"
    ).split()
    positive = ["good", "great", "wonderful", "fine"]
    negative = ["bad", "awful", "poor", "boring"]
    texts, labels = [], []
    for i in range(64):
        label = i % 2
        n = int(rng.integers(4, 11))
        words = list(rng.choice(neutral, size=n))
        pool = positive if label else negative
        words.insert(int(rng.integers(0, n)), str(rng.choice(pool)))
        words[0] = words[0].capitalize()
        text = " ".join(words)
        if rng.random() < 0.4:
            text = text.replace(" ", ", ", 1)
        if rng.random() < 0.3:
            text += " <br />"
        text += str(rng.choice([".", "!", "?"]))
        texts.append(text)
        labels.append(label)
    labels = np.array(labels, dtype="float32").reshape(-1, 1)

    # The example standardizes inside the layer with tf.strings (lowercase,
    # "<br />" and punctuation but "[" "]" dropped, so "[mask]" survives).
    # Here the HTML and punctuation go on the host in Python, so the program
    # needs no TensorFlow, and the layer lowercases.
    punctuation = re.compile("[{}]".format(re.escape("!#$%&'()*+,-./:;<=>?@\\^_`{|}~")))

    def custom_standardization(text):
        return punctuation.sub("", text.replace("<br />", " "))

    texts = [custom_standardization(t) for t in texts]

    def get_vectorize_layer(texts, vocab_size, max_seq, special_tokens=("[MASK]",)):
        vectorize_layer = layers.TextVectorization(
            max_tokens=vocab_size,
            output_mode="int",
            standardize="lower",
            output_sequence_length=max_seq,
        )
        vectorize_layer.adapt(texts)
        # Insert the mask token in the vocabulary.
        vocab = vectorize_layer.get_vocabulary()
        vocab = vocab[2 : vocab_size - len(special_tokens)] + ["[mask]"]
        vectorize_layer.set_vocabulary(vocab)
        return vectorize_layer

    vectorize_layer = get_vectorize_layer(texts, VOCAB_SIZE, MAX_LEN)
    vocab = [str(t) for t in vectorize_layer.get_vocabulary()]
    id2token = dict(enumerate(vocab))
    mask_token_id = int(np.asarray(vectorize_layer(["[mask]"]))[0][0])
    encoded = np.asarray(vectorize_layer(texts)).astype("int64")
    assert encoded.shape == (64, MAX_LEN)
    assert mask_token_id == VOCAB_SIZE - 1
    tv_config = vectorize_layer.get_config()

    mrng = np.random.default_rng(42)

    def get_masked_input_and_labels(encoded_texts):
        # 15% BERT masking
        inp_mask = mrng.random(encoded_texts.shape) < 0.15
        # Do not mask special tokens
        inp_mask[encoded_texts <= 2] = False
        # Set targets to -1 by default, it means ignore
        labels = -1 * np.ones(encoded_texts.shape, dtype=int)
        labels[inp_mask] = encoded_texts[inp_mask]
        encoded_texts_masked = np.copy(encoded_texts)
        # 90% of the masked tokens become [mask] (80% of all, the rest below).
        inp_mask_2mask = inp_mask & (mrng.random(encoded_texts.shape) < 0.90)
        encoded_texts_masked[inp_mask_2mask] = mask_token_id
        # 1/9 of those become a random token.
        inp_mask_2random = inp_mask_2mask & (mrng.random(encoded_texts.shape) < 1 / 9)
        encoded_texts_masked[inp_mask_2random] = mrng.integers(
            3, mask_token_id, inp_mask_2random.sum()
        )
        sample_weights = np.ones(labels.shape, dtype="float32")
        sample_weights[labels == -1] = 0
        # y_labels would be same as encoded_texts i.e input tokens
        y_labels = np.copy(encoded_texts)
        return encoded_texts_masked, y_labels, sample_weights

    x_masked, y_masked, sample_weights = get_masked_input_and_labels(encoded)
    n_masked = int(sample_weights.sum())
    assert 0 < n_masked < encoded.size

    # ----------------------------------------------------------- BERT parts
    class PositionEmbedding(layers.Layer):
        """A learned position embedding, as keras_hub's."""

        def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
            super().__init__(**kwargs)
            self.sequence_length = int(sequence_length)
            self.initializer = keras.initializers.get(initializer)

        def build(self, input_shape):
            feature_size = input_shape[-1]
            self.position_embeddings = self.add_weight(
                name="embeddings",
                shape=(self.sequence_length, feature_size),
                initializer=self.initializer,
                trainable=True,
            )

        def call(self, inputs):
            shape = ops.shape(inputs)
            embeddings = ops.convert_to_tensor(self.position_embeddings)
            embeddings = ops.slice(embeddings, (0, 0), (shape[-2], shape[-1]))
            return ops.broadcast_to(embeddings, shape)

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "sequence_length": self.sequence_length,
                    "initializer": keras.initializers.serialize(self.initializer),
                }
            )
            return config

    def get_pos_encoding_matrix(max_len, d_emb):
        pos_enc = np.array(
            [
                [pos / np.power(10000, 2 * (j // 2) / d_emb) for j in range(d_emb)]
                if pos != 0
                else np.zeros(d_emb)
                for pos in range(max_len)
            ]
        )
        pos_enc[1:, 0::2] = np.sin(pos_enc[1:, 0::2])  # dim 2i
        pos_enc[1:, 1::2] = np.cos(pos_enc[1:, 1::2])  # dim 2i+1
        return pos_enc.astype("float32")

    def bert_module(query, key, value, attention_mask, i):
        # Multi headed self-attention (no dropout: the numbers are compared).
        attention_output = layers.MultiHeadAttention(
            num_heads=NUM_HEAD,
            key_dim=EMBED_DIM // NUM_HEAD,
            name=f"encoder_{i}_multiheadattention",
        )(query, key, value, attention_mask=attention_mask)
        attention_output = layers.LayerNormalization(
            epsilon=1e-6, name=f"encoder_{i}_att_layernormalization"
        )(query + attention_output)
        # Feed-forward layer
        ffn = keras.Sequential(
            [
                layers.Dense(FF_DIM, activation="relu"),
                layers.Dense(EMBED_DIM),
            ],
            name=f"encoder_{i}_ffn",
        )
        ffn_output = ffn(attention_output)
        sequence_output = layers.LayerNormalization(
            epsilon=1e-6, name=f"encoder_{i}_ffn_layernormalization"
        )(attention_output + ffn_output)
        return sequence_output

    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)

    class MaskedLanguageModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")

        def compute_loss_and_updates(
            self,
            trainable_variables,
            non_trainable_variables,
            features,
            labels,
            sample_weight,
        ):
            predictions, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, features, training=True
            )
            per_token = loss_fn(labels, predictions, sample_weight=sample_weight)
            loss = ops.sum(per_token) / ops.maximum(ops.sum(sample_weight), 1.0)
            return loss, (per_token, non_trainable_variables)

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            features, labels, sample_weight = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (per_token, non_trainable_variables)), grads = grad_fn(
                trainable_variables,
                non_trainable_variables,
                features,
                labels,
                sample_weight,
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            # Compute our own metrics
            metrics_variables = self.loss_tracker.stateless_update_state(
                metrics_variables, per_token, sample_weight=sample_weight
            )
            logs = {"loss": self.loss_tracker.stateless_result(metrics_variables)}
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            )
            return logs, state

        @property
        def metrics(self):
            # Listing the tracker here has it reset at each epoch start.
            return [self.loss_tracker]

    class MaskedLanguageModelCL(keras.Model):
        """The same objective through a `compute_loss` override."""

        def compute_loss(self, x, y, y_pred, sample_weight, training=True):
            per_token = loss_fn(y, y_pred, sample_weight=sample_weight)
            return ops.sum(per_token) / ops.maximum(ops.sum(sample_weight), 1.0)

    def create_masked_language_bert_model(cls, name):
        inputs = layers.Input((MAX_LEN,), dtype="int64")
        word_embeddings = layers.Embedding(
            VOCAB_SIZE, EMBED_DIM, name="word_embedding"
        )(inputs)
        position_embeddings = PositionEmbedding(
            sequence_length=MAX_LEN, name="position_embedding"
        )(word_embeddings)
        embeddings = word_embeddings + position_embeddings
        # Keys that are padding get no attention: (batch, query, key).
        padding = ops.not_equal(inputs, 0)
        attention_mask = ops.repeat(ops.expand_dims(padding, 1), MAX_LEN, axis=1)
        encoder_output = embeddings
        for i in range(1):
            encoder_output = bert_module(
                encoder_output, encoder_output, encoder_output, attention_mask, i
            )
        mlm_output = layers.Dense(VOCAB_SIZE, name="mlm_cls", activation="softmax")(
            encoder_output
        )
        mlm_model = cls(inputs, mlm_output, name=name)
        mlm_model.compile(optimizer=keras.optimizers.Adam(learning_rate=LR))
        return mlm_model

    wrng = np.random.default_rng(5)

    def numpy_weights(model, scale=0.3):
        out = []
        for w in model.weights:
            shape = tuple(w.shape)
            if "position_embedding" in w.path:
                out.append(get_pos_encoding_matrix(*shape))
            elif "gamma" in w.path:
                out.append(np.ones(shape, "float32"))
            elif "beta" in w.path or "bias" in w.path:
                out.append((wrng.normal(size=shape) * 0.05).astype("float32"))
            else:
                out.append((wrng.normal(size=shape) * scale).astype("float32"))
        return out

    # A callback that shows the model's guess for the masked word.
    sample_text = custom_standardization(
        f"{vocab[4].title()} {vocab[7]} [MASK] {vocab[10]}, {vocab[3]}!"
    )
    sample_tokens = np.asarray(vectorize_layer([sample_text])).astype("int64")
    masked_index = int(np.where(sample_tokens[0] == mask_token_id)[0][0])

    class MaskedTextGenerator(keras.callbacks.Callback):
        def __init__(self, sample_tokens, top_k=3):
            super().__init__()
            self.sample_tokens = sample_tokens
            self.k = top_k
            self.top_ids, self.top_probs, self.decoded = [], [], []

        def on_epoch_end(self, epoch, logs=None):
            prediction = self.model.predict(self.sample_tokens, verbose=0)
            mask_prediction = prediction[0][masked_index]
            top_indices = mask_prediction.argsort()[-self.k :][::-1]
            self.top_ids.append([int(t) for t in top_indices])
            self.top_probs.append(mask_prediction[top_indices])
            tokens = np.copy(self.sample_tokens[0])
            tokens[masked_index] = top_indices[0]
            self.decoded.append(" ".join(id2token[t] for t in tokens if t != 0))

    bert_masked_model = create_masked_language_bert_model(
        MaskedLanguageModel, "masked_bert_model"
    )
    mlm_summary = []
    bert_masked_model.summary(print_fn=lambda line, *a, **k: mlm_summary.append(line))
    mlm_weights = numpy_weights(bert_masked_model)
    bert_masked_model.set_weights(mlm_weights)
    generator_callback = MaskedTextGenerator(sample_tokens)
    mlm_history = bert_masked_model.fit(
        x_masked,
        y_masked,
        sample_weight=sample_weights,
        batch_size=BATCH_SIZE,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[generator_callback],
    )
    assert mlm_history.history["loss"][-1] < mlm_history.history["loss"][0]
    mlm_pred = bert_masked_model.predict(x_masked[:2], verbose=0)

    # The same training with a `compute_loss` override.
    cl_model = create_masked_language_bert_model(MaskedLanguageModelCL, "mlm_cl")
    cl_model.set_weights(mlm_weights)
    cl_history = cl_model.fit(
        x_masked,
        y_masked,
        sample_weight=sample_weights,
        batch_size=BATCH_SIZE,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    cl_pred = cl_model.predict(x_masked[:2], verbose=0)
    # The tracker averages per token, Keras's loss metric per batch: the
    # final weights, however, are the same.
    assert np.allclose(cl_pred, mlm_pred, atol=1e-4)

    # ----------------------------------------------------------- fine-tune
    pretrained_bert_model = keras.Model(
        bert_masked_model.input,
        bert_masked_model.get_layer("encoder_0_ffn_layernormalization").output,
        name="pretrained_bert",
    )
    pretrained_bert_model.trainable = False

    def create_classifier_bert_model():
        inputs = layers.Input((MAX_LEN,), dtype="int64")
        sequence_output = pretrained_bert_model(inputs)
        pooled_output = layers.GlobalMaxPooling1D()(sequence_output)
        hidden_layer = layers.Dense(8, activation="relu")(pooled_output)
        outputs = layers.Dense(1, activation="sigmoid")(hidden_layer)
        classifier_model = keras.Model(inputs, outputs, name="classification")
        classifier_model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=LR),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
        return classifier_model

    classifier_model = create_classifier_bert_model()
    cls_summary = []
    classifier_model.summary(print_fn=lambda line, *a, **k: cls_summary.append(line))
    frozen_counts = (
        len(classifier_model.trainable_weights),
        len(classifier_model.non_trainable_weights),
    )
    head_weights = [
        (wrng.normal(size=(EMBED_DIM, 8)) * 0.4).astype("float32"),
        np.zeros(8, "float32"),
        (wrng.normal(size=(8, 1)) * 0.4).astype("float32"),
        np.zeros(1, "float32"),
    ]
    classifier_model.layers[-2].set_weights(head_weights[:2])
    classifier_model.layers[-1].set_weights(head_weights[2:])
    encoder_before = [np.asarray(w) for w in pretrained_bert_model.get_weights()]
    x_train, y_train = encoded[:48], labels[:48]
    x_test, y_test = encoded[48:], labels[48:]
    frozen_history = classifier_model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=2,
        validation_data=(x_test, y_test),
        shuffle=False,
        verbose=0,
    )
    frozen_unchanged = all(
        np.array_equal(a, np.asarray(b))
        for a, b in zip(encoder_before, pretrained_bert_model.get_weights())
    )
    # Unfreeze the BERT model for fine-tuning, and recompile.
    pretrained_bert_model.trainable = True
    classifier_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LR),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    unfrozen_counts = (
        len(classifier_model.trainable_weights),
        len(classifier_model.non_trainable_weights),
    )
    tuned_history = classifier_model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    tuned_changed = not all(
        np.array_equal(a, np.asarray(b))
        for a, b in zip(encoder_before, pretrained_bert_model.get_weights())
    )
    tuned_eval = classifier_model.evaluate(x_test, y_test, verbose=0)
    tuned_pred = classifier_model.predict(x_test[:4], verbose=0)

    # The end-to-end model of the example, raw strings in. Keras on JAX builds
    # it but cannot run string tensors through it, so it is only built here.
    inputs_string = keras.Input(shape=(1,), dtype="string")
    end_to_end_model = keras.Model(
        inputs_string, classifier_model(vectorize_layer(inputs_string))
    )

    # ----------------------------------------------------------------- FNet
    class PositionalEmbedding(layers.Layer):
        def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_embeddings = layers.Embedding(
                input_dim=vocab_size, output_dim=embed_dim
            )
            self.position_embeddings = layers.Embedding(
                input_dim=sequence_length, output_dim=embed_dim
            )
            self.sequence_length = sequence_length
            self.vocab_size = vocab_size
            self.embed_dim = embed_dim

        def call(self, inputs):
            length = ops.shape(inputs)[-1]
            positions = ops.arange(0, length, 1)
            embedded_tokens = self.token_embeddings(inputs)
            embedded_positions = self.position_embeddings(positions)
            return embedded_tokens + embedded_positions

        def compute_mask(self, inputs, mask=None):
            return ops.not_equal(inputs, 0)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "sequence_length": self.sequence_length,
                    "vocab_size": self.vocab_size,
                    "embed_dim": self.embed_dim,
                }
            )
            return config

    class FNetEncoder(layers.Layer):
        def __init__(self, embed_dim, dense_dim, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim = embed_dim
            self.dense_dim = dense_dim
            self.dense_proj = keras.Sequential(
                [
                    layers.Dense(dense_dim, activation="relu"),
                    layers.Dense(embed_dim),
                ]
            )
            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()
            self.supports_masking = True

        def call(self, inputs):
            # Projecting the inputs to the frequency domain using FFT2D and
            # extracting the real part of the output.
            fft_real, _ = ops.fft2((inputs, ops.zeros_like(inputs)))
            proj_input = self.layernorm_1(inputs + fft_real)
            proj_output = self.dense_proj(proj_input)
            return self.layernorm_2(proj_input + proj_output)

        def get_config(self):
            config = super().get_config()
            config.update({"embed_dim": self.embed_dim, "dense_dim": self.dense_dim})
            return config

    fnet_inputs = keras.Input(shape=(MAX_LEN,), dtype="int64", name="input_ids")
    h = PositionalEmbedding(MAX_LEN, VOCAB_SIZE, 8, name="positional_embedding")(
        fnet_inputs
    )
    fnet_out = FNetEncoder(8, 16, name="fnet_encoder")(h)
    h = layers.GlobalAveragePooling1D()(fnet_out)
    fnet_outputs = layers.Dense(1, activation="sigmoid")(h)
    fnet_classifier = keras.Model(fnet_inputs, fnet_outputs, name="fnet_classifier")
    fnet_summary = []
    fnet_classifier.summary(print_fn=lambda line, *a, **k: fnet_summary.append(line))
    fnet_weights = numpy_weights(fnet_classifier, scale=0.5)
    fnet_classifier.set_weights(fnet_weights)
    fnet_encoder_model = keras.Model(fnet_inputs, fnet_out)
    fnet_before = np.asarray(fnet_encoder_model(encoded[:3]))
    fnet_classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LR),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    fnet_history = fnet_classifier.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    fnet_step_logs = fnet_classifier.train_on_batch(x_test, y_test, return_dict=True)
    fnet_after = fnet_encoder_model(encoded[:3])
    fnet_pred = fnet_classifier.predict(x_test[:4], verbose=0)

    # ops.fft2 against numpy, as the example's tf.signal.fft2d.
    emb = np.asarray(fnet_classifier.get_layer("positional_embedding")(encoded[:2]))
    fft_real, fft_imag = ops.fft2((emb, np.zeros_like(emb)))
    np_fft = np.fft.fft2(emb.astype("float64"))
    assert np.allclose(np.asarray(fft_real), np_fft.real, atol=1e-3)
    fnet_mask = fnet_classifier.get_layer("positional_embedding").compute_mask(
        encoded[:2]
    )

    # --------------------------------------------------------------- configs
    pos_layer = bert_masked_model.get_layer("position_embedding")
    pos_config = pos_layer.get_config()
    pe_config = fnet_classifier.get_layer("positional_embedding").get_config()
    fe_config = fnet_classifier.get_layer("fnet_encoder").get_config()
    fe_clone = FNetEncoder.from_config(fe_config)
    pos_clone = PositionEmbedding.from_config(pos_config)

    def total_params(lines):
        lines = "\n".join(lines).splitlines()
        return [ln.strip() for ln in lines if "params:" in ln]

    return {
        # text vectorization and masking
        "same_vocab_size": vectorize_layer.vocabulary_size(),
        "same_vocab_head": vocab[:12],
        "same_vocab_tail": vocab[-3:],
        "same_mask_token_id": mask_token_id,
        "same_encoded": encoded,
        "same_tv_config": [
            tv_config["max_tokens"],
            tv_config["standardize"],
            tv_config["output_mode"],
            tv_config["output_sequence_length"],
        ],
        "same_n_masked": n_masked,
        "same_x_masked": x_masked,
        "same_masked_index": masked_index,
        # BERT masked language model
        "same_mlm_params": bert_masked_model.count_params(),
        "same_mlm_summary_params": total_params(mlm_summary),
        "same_mlm_history_keys": sorted(mlm_history.history),
        "same_mlm_metrics": [m.name for m in bert_masked_model.metrics],
        "close_mlm_loss": mlm_history.history["loss"],
        "close_mlm_top_probs": np.array(generator_callback.top_probs),
        "same_mlm_top_ids": generator_callback.top_ids,
        "mlm_decoded": generator_callback.decoded,
        "close_mlm_pred": mlm_pred,
        "close_tracker_result": float(bert_masked_model.loss_tracker.result()),
        "same_cl_history_keys": sorted(cl_history.history),
        "close_cl_loss": cl_history.history["loss"],
        # fine-tuning
        "same_cls_summary_params": total_params(cls_summary),
        "same_frozen_counts": frozen_counts,
        "same_unfrozen_counts": unfrozen_counts,
        "same_frozen_unchanged": frozen_unchanged,
        "same_tuned_changed": tuned_changed,
        "same_cls_history_keys": sorted(frozen_history.history),
        "close_frozen_loss": frozen_history.history["loss"],
        "close_frozen_val_loss": frozen_history.history["val_loss"],
        "close_tuned_loss": tuned_history.history["loss"],
        "close_tuned_eval": tuned_eval,
        "close_tuned_pred": tuned_pred,
        # FNet
        "same_fnet_summary_params": total_params(fnet_summary),
        "same_e2e_shapes": [
            tuple(end_to_end_model.input.shape),
            tuple(end_to_end_model.output.shape),
        ],
        "same_fnet_history_keys": sorted(fnet_history.history),
        "same_fnet_params": fnet_classifier.count_params(),
        "close_fnet_before": fnet_before,
        "close_fnet_loss": fnet_history.history["loss"],
        "close_fnet_step_loss": float(fnet_step_logs["loss"]),
        "close_fnet_after": np.asarray(fnet_after),
        "close_fnet_pred": fnet_pred,
        "close_fft2_imag": np.asarray(fft_imag)[0, :3],
        "same_fnet_mask": np.asarray(fnet_mask),
        # configs
        "same_pos_config": [
            pos_config["sequence_length"],
            pos_config["initializer"]["class_name"],
            pos_config["name"],
        ],
        "same_pe_config": {k: pe_config[k] for k in ("sequence_length", "embed_dim")},
        "same_fe_config": [fe_config["embed_dim"], fe_config["dense_dim"]],
        "same_clone_configs": [
            fe_clone.embed_dim,
            fe_clone.dense_dim,
            pos_clone.sequence_length,
        ],
    }
