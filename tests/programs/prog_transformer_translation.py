"""English-to-Spanish translation with a sequence-to-sequence Transformer, in small.

keras.io's example with its custom `TransformerEncoder`, `TransformerDecoder` and
`PositionalEmbedding` layers (padding masks from `compute_mask`, a causal mask, a
`Sequential` projection inside a layer, `get_config`), the functional encoder,
decoder and transformer models fed by dicts, rmsprop training with validation data,
saving to `.keras` (registered classes and `custom_objects`), `load_model`, and the
greedy decoding loop. The "sentences" are generated integer token sequences.
"""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    @keras.saving.register_keras_serializable(package="translation")
    class TransformerEncoder(layers.Layer):
        def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim = embed_dim
            self.dense_dim = dense_dim
            self.num_heads = num_heads
            self.attention = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim
            )
            self.dense_proj = keras.Sequential(
                [
                    layers.Dense(dense_dim, activation="relu"),
                    layers.Dense(embed_dim),
                ]
            )
            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            if mask is not None:
                padding_mask = ops.cast(mask[:, None, :], dtype="int32")
            else:
                padding_mask = None

            attention_output = self.attention(
                query=inputs, value=inputs, key=inputs, attention_mask=padding_mask
            )
            proj_input = self.layernorm_1(inputs + attention_output)
            proj_output = self.dense_proj(proj_input)
            return self.layernorm_2(proj_input + proj_output)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "embed_dim": self.embed_dim,
                    "dense_dim": self.dense_dim,
                    "num_heads": self.num_heads,
                }
            )
            return config

    # Not registered: loading passes it through `custom_objects`.
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

    @keras.saving.register_keras_serializable(package="translation")
    class TransformerDecoder(layers.Layer):
        def __init__(self, embed_dim, latent_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim = embed_dim
            self.latent_dim = latent_dim
            self.num_heads = num_heads
            self.attention_1 = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim
            )
            self.attention_2 = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim
            )
            self.dense_proj = keras.Sequential(
                [
                    layers.Dense(latent_dim, activation="relu"),
                    layers.Dense(embed_dim),
                ]
            )
            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()
            self.layernorm_3 = layers.LayerNormalization()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            inputs, encoder_outputs = inputs

            if mask is None:
                inputs_padding_mask, encoder_outputs_padding_mask = None, None
            else:
                inputs_padding_mask, encoder_outputs_padding_mask = mask

            # keras.io builds the causal mask with `ops.tile` on a traced batch
            # size, which Keras's JAX backend cannot trace; `use_causal_mask` is
            # the same mask.
            attention_output_1 = self.attention_1(
                query=inputs,
                value=inputs,
                key=inputs,
                use_causal_mask=True,
                query_mask=inputs_padding_mask,
            )
            out_1 = self.layernorm_1(inputs + attention_output_1)

            attention_output_2 = self.attention_2(
                query=out_1,
                value=encoder_outputs,
                key=encoder_outputs,
                query_mask=inputs_padding_mask,
                key_mask=encoder_outputs_padding_mask,
            )
            out_2 = self.layernorm_2(out_1 + attention_output_2)

            proj_output = self.dense_proj(out_2)
            return self.layernorm_3(out_2 + proj_output)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "embed_dim": self.embed_dim,
                    "latent_dim": self.latent_dim,
                    "num_heads": self.num_heads,
                }
            )
            return config

    # ---- Data: "English" token sequences and their "Spanish" translations. ----
    # Token 0 is padding, 1 is "[start]", 2 is "[end]"; a source word w translates
    # to (w * 7) % 17 + 3 and the sentence is reversed.
    vocab_size, sequence_length = 24, 6
    start_token, end_token = 1, 2
    rng = np.random.default_rng(0)

    def make_pairs(n):
        eng = np.zeros((n, sequence_length), dtype="int64")
        spa = np.zeros((n, sequence_length + 1), dtype="int64")
        for row in range(n):
            length = rng.integers(2, sequence_length - 1)
            words = rng.integers(3, 20, size=length)
            eng[row, :length] = words
            translated = ((words * 7) % 17 + 3)[::-1]
            spa[row, : length + 2] = [start_token, *translated, end_token]
        return eng, spa

    def format_dataset(eng, spa):
        return (
            {"encoder_inputs": eng, "decoder_inputs": spa[:, :-1]},
            spa[:, 1:],
        )

    train_inputs, train_targets = format_dataset(*make_pairs(192))
    val_inputs, val_targets = format_dataset(*make_pairs(64))
    assert train_inputs["decoder_inputs"].shape == (192, sequence_length)

    # ---- The model. ----
    embed_dim = 16
    latent_dim = 32
    num_heads = 2

    encoder_inputs = keras.Input(shape=(None,), dtype="int64", name="encoder_inputs")
    x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(encoder_inputs)
    encoder_outputs = TransformerEncoder(embed_dim, latent_dim, num_heads)(x)
    encoder = keras.Model(encoder_inputs, encoder_outputs)

    decoder_inputs = keras.Input(shape=(None,), dtype="int64", name="decoder_inputs")
    encoded_seq_inputs = keras.Input(
        shape=(None, embed_dim), name="decoder_state_inputs"
    )
    x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(decoder_inputs)
    x = TransformerDecoder(embed_dim, latent_dim, num_heads)([x, encoder_outputs])
    x = layers.Dropout(0.5)(x)
    decoder_outputs = layers.Dense(vocab_size, activation="softmax")(x)

    transformer = keras.Model(
        {"encoder_inputs": encoder_inputs, "decoder_inputs": decoder_inputs},
        decoder_outputs,
        name="transformer",
    )

    # A separate decoder model that reads the encoder's output as an input.
    y = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(decoder_inputs)
    y = TransformerDecoder(embed_dim, latent_dim, num_heads)([y, encoded_seq_inputs])
    y = layers.Dense(vocab_size, activation="softmax")(y)
    decoder = keras.Model([decoder_inputs, encoded_seq_inputs], y, name="decoder")

    lines = []
    transformer.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    transformer_summary = "\n".join(lines)
    lines = []
    encoder.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    encoder_summary = "\n".join(lines)
    lines = []
    decoder.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    decoder_summary = "\n".join(lines)

    pos_layer = transformer.layers[2]
    encoder_layer = encoder.layers[-1]
    decoder_layer = [
        layer for layer in transformer.layers if isinstance(layer, TransformerDecoder)
    ][0]
    assert isinstance(pos_layer, PositionalEmbedding), transformer.layers
    assert isinstance(encoder_layer, TransformerEncoder)

    def simple_config(layer):
        config = layer.get_config()
        return {k: v for k, v in config.items() if k != "dtype"}

    # ---- Fixed weights: both libraries compute the same numbers. ----
    wrng = np.random.default_rng(42)
    fixed_weights = [
        (wrng.normal(size=w.shape) * 0.3).astype("float32")
        for w in transformer.get_weights()
    ]
    transformer.set_weights(fixed_weights)
    sample = {k: v[:4] for k, v in val_inputs.items()}
    probs_fixed = transformer.predict(sample, verbose=0)
    assert probs_fixed.shape == (4, sequence_length, vocab_size)
    np.testing.assert_allclose(probs_fixed.sum(-1), 1.0, rtol=1e-5)
    enc_fixed = encoder.predict(sample["encoder_inputs"], verbose=0)

    # Padded decoder positions do not change the unpadded ones (padding mask).
    probs_short = transformer(
        {
            "encoder_inputs": sample["encoder_inputs"][:1],
            "decoder_inputs": sample["decoder_inputs"][:1, :3],
        }
    )
    output_has_mask = getattr(probs_short, "_keras_mask", None) is not None
    probs_short = ops.convert_to_numpy(probs_short)
    np.testing.assert_allclose(probs_short[0], probs_fixed[0, :3], rtol=1e-4, atol=1e-6)

    max_decoded_sentence_length = sequence_length

    def decode_sequence(model, tokenized_input_sentence):
        decoded = [start_token]
        for i in range(max_decoded_sentence_length):
            tokenized_target_sentence = np.zeros((1, sequence_length), dtype="int64")
            tokenized_target_sentence[0, : len(decoded)] = decoded
            predictions = model(
                {
                    "encoder_inputs": tokenized_input_sentence,
                    "decoder_inputs": tokenized_target_sentence,
                }
            )
            sampled_token_index = ops.convert_to_numpy(
                ops.argmax(predictions[0, i, :])
            ).item(0)
            decoded.append(sampled_token_index)
            if sampled_token_index == end_token or len(decoded) == sequence_length:
                break
        return decoded

    decoded_fixed = [
        decode_sequence(transformer, val_inputs["encoder_inputs"][k : k + 1])
        for k in range(2)
    ]

    # ---- Training. ----
    transformer.compile(
        "rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    # The output carries the decoder's padding mask: loss and accuracy skip the
    # padded target positions.
    evaluated_fixed = transformer.evaluate(val_inputs, val_targets, verbose=0)
    history = transformer.fit(
        train_inputs,
        train_targets,
        batch_size=32,
        epochs=3,
        validation_data=(val_inputs, val_targets),
        verbose=0,
    )
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0], losses
    evaluated = transformer.evaluate(val_inputs, val_targets, verbose=0)

    # ---- Saving and reloading. ----
    path = str(workdir / "transformer.keras")
    transformer.save(path)
    reloaded = keras.models.load_model(
        path, custom_objects={"PositionalEmbedding": PositionalEmbedding}
    )
    np.testing.assert_allclose(
        reloaded.predict(sample, verbose=0),
        transformer.predict(sample, verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )
    reloaded_layers = [type(layer).__name__ for layer in reloaded.layers]
    reloaded.set_weights(fixed_weights)
    probs_reloaded = reloaded.predict(sample, verbose=0)
    decoded_reloaded = [
        decode_sequence(reloaded, val_inputs["encoder_inputs"][k : k + 1])
        for k in range(2)
    ]
    assert decoded_reloaded == decoded_fixed

    # The stand-alone decoder fed with the encoder's output.
    decoder_weights = [
        (wrng.normal(size=w.shape) * 0.3).astype("float32")
        for w in decoder.get_weights()
    ]
    decoder.set_weights(decoder_weights)
    decoder_probs = decoder.predict([sample["decoder_inputs"], enc_fixed], verbose=0)

    return {
        # Keras's graph holds the mask computation of `compute_mask` as an
        # operation (a `not_equal (NotEqual)` row, "Connected to" it); kerasish
        # computes masks outside the graph: a known difference, reported only.
        "transformer_summary": transformer_summary,
        "encoder_summary": encoder_summary,
        "same_decoder_summary": decoder_summary,
        "same_layer_names": [layer.name for layer in transformer.layers],
        "same_encoder_layer_names": [layer.name for layer in encoder.layers],
        "same_params": [
            transformer.count_params(),
            encoder.count_params(),
            decoder.count_params(),
        ],
        "same_layer_params": [layer.count_params() for layer in transformer.layers],
        "same_weight_shapes": [tuple(w.shape) for w in transformer.get_weights()],
        "same_input_names": [t.name for t in transformer.inputs],
        "same_output_shape": tuple(transformer.output.shape),
        "same_encoder_config": simple_config(encoder_layer),
        "same_decoder_config": simple_config(decoder_layer),
        "same_pos_config": simple_config(pos_layer),
        "same_history_keys": sorted(history.history),
        "same_evaluate_len": len(evaluated),
        "same_output_has_mask": output_has_mask,
        "close_evaluate_fixed": evaluated_fixed,
        "same_reloaded_layers": reloaded_layers,
        "same_decoded_fixed": decoded_fixed,
        "same_decoded_reloaded": decoded_reloaded,
        "close_probs_fixed": probs_fixed,
        "close_probs_short": probs_short,
        "close_encoder_fixed": enc_fixed,
        "close_probs_reloaded": probs_reloaded,
        "close_decoder_probs": decoder_probs,
        "final_loss": losses[-1],
        "val_accuracy": history.history["val_accuracy"][-1],
    }
