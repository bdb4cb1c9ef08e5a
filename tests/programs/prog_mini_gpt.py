"""Text generation with a miniature GPT (keras.io example), in small.

A tiny generated corpus of "reviews" (with `<br />` tags and punctuation) is
vectorized by a `TextVectorization` whose `standardize` is the example's custom
function (written with `np.char`, as Keras hands non-TensorFlow backends a NumPy
string array), inputs and labels are the token ids shifted by one, and the model
is the example's: `TokenAndPositionEmbedding`, a causal `TransformerBlock`
(MultiHeadAttention with `use_causal_mask=True`, checked against the example's
explicit `causal_attention_mask` built with `keras.ops`), a Dense over the
vocabulary, two outputs (logits and the block's output) compiled with
`loss=[SparseCategoricalCrossentropy(from_logits=True), None]` and fitted with a
single target. A `TextGenerator` callback samples tokens on `on_epoch_end` with
`ops.top_k` and a seeded `keras.random.categorical`; then greedy decoding, and a
saved and reloaded model that generates the same tokens.
"""

import string

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    vocab_size = 40  # Only consider the top 40 words
    maxlen = 12  # Max sequence size
    embed_dim = 16  # Embedding size for each token
    num_heads = 2  # Number of attention heads
    feed_forward_dim = (
        16  # Hidden layer size in feed forward network inside transformer
    )

    def causal_attention_mask(batch_size, n_dest, n_src, dtype):
        """
        Mask the upper half of the dot product matrix in self attention.
        This prevents flow of information from future tokens to current token.
        1's in the lower triangle, counting from the lower right corner.
        """
        i = ops.arange(n_dest)[:, None]
        j = ops.arange(n_src)
        m = i >= j - n_src + n_dest
        mask = ops.cast(m, dtype)
        mask = ops.reshape(mask, [1, n_dest, n_src])
        mult = ops.concatenate(
            [ops.expand_dims(batch_size, -1), ops.convert_to_tensor([1, 1])], 0
        )
        return ops.tile(mask, mult)

    @keras.saving.register_keras_serializable(package="mini_gpt")
    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim, self.num_heads = embed_dim, num_heads
            self.ff_dim, self.rate = ff_dim, rate
            self.att = layers.MultiHeadAttention(num_heads, embed_dim)
            self.ffn = keras.Sequential(
                [
                    layers.Dense(ff_dim, activation="relu"),
                    layers.Dense(embed_dim),
                ]
            )
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs):
            # The example's `causal_attention_mask(batch_size, ...)` tiles by the
            # traced batch size, which JAX (0.7+) refuses while tracing even under
            # Keras; `use_causal_mask=True` builds the same mask.
            attention_output = self.att(inputs, inputs, use_causal_mask=True)
            attention_output = self.dropout1(attention_output)
            out1 = self.layernorm1(inputs + attention_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output)
            return self.layernorm2(out1 + ffn_output)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "embed_dim": self.embed_dim,
                    "num_heads": self.num_heads,
                    "ff_dim": self.ff_dim,
                    "rate": self.rate,
                }
            )
            return config

    @keras.saving.register_keras_serializable(package="mini_gpt")
    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.maxlen, self.vocab_size, self.embed_dim = maxlen, vocab_size, embed_dim
            self.token_emb = layers.Embedding(
                input_dim=vocab_size, output_dim=embed_dim
            )
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = ops.arange(0, maxlen, 1)
            positions = self.pos_emb(positions)
            x = self.token_emb(x)
            return x + positions

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "maxlen": self.maxlen,
                    "vocab_size": self.vocab_size,
                    "embed_dim": self.embed_dim,
                }
            )
            return config

    def create_model(rate=0.1):
        inputs = layers.Input(shape=(maxlen,), dtype="int32")
        embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
        x = embedding_layer(inputs)
        transformer_block = TransformerBlock(
            embed_dim, num_heads, feed_forward_dim, rate=rate
        )
        x = transformer_block(x)
        outputs = layers.Dense(vocab_size)(x)
        model = keras.Model(inputs=inputs, outputs=[outputs, x])
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(
            "adam",
            loss=[loss_fn, None],
        )  # No loss and optimization based on word embeddings from transformer block
        return model

    # A tiny corpus in place of the IMDB reviews.
    rng = np.random.default_rng(0)
    subjects = ["this movie", "the film", "the story", "the acting", "the ending"]
    verbs = ["was", "is", "seemed", "felt"]
    adjectives = ["great", "boring", "fun", "slow", "sad", "funny", "long"]
    extras = ["and i loved it", "but i left early", "so watch it", "sadly"]
    reviews = []
    for _ in range(160):
        first = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(adjectives)}"
        second = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(adjectives)}"
        sep = rng.choice([". ", "! ", ", <br /> ", "<br />"])
        reviews.append(f"{first.capitalize()}{sep}{second}, {rng.choice(extras)}.")
    reviews = np.array(reviews)

    def custom_standardization(input_string):
        """Remove html line-break tags and handle punctuation"""
        lowercased = np.char.lower(input_string)
        stripped_html = np.char.replace(lowercased, "<br />", " ")
        for p in string.punctuation:
            stripped_html = np.char.replace(stripped_html, p, f" {p}")
        return stripped_html

    # Create a vectorization layer and adapt it to the text
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization,
        max_tokens=vocab_size - 1,
        output_mode="int",
        output_sequence_length=maxlen + 1,
    )
    vectorize_layer.adapt(reviews)
    vocab = vectorize_layer.get_vocabulary()  # To get words back from token indices

    def prepare_lm_inputs_labels(text):
        """
        Shift word sequences by 1 position so that the target for position (i) is
        word at position (i+1). The model will use all words up till position (i)
        to predict the next word.
        """
        text = np.expand_dims(text, -1)
        tokenized_sentences = np.asarray(vectorize_layer(text))
        x = tokenized_sentences[:, :-1]
        y = tokenized_sentences[:, 1:]
        return x, y

    x_train, y_train = prepare_lm_inputs_labels(reviews)
    assert x_train.shape == (160, maxlen) and y_train.shape == (160, maxlen)
    assert "," in vocab and "." in vocab and "br" not in vocab, vocab
    assert x_train.max() < len(vocab) <= vocab_size - 1

    class TextGenerator(keras.callbacks.Callback):
        """A callback to generate text from a trained model.
        1. Feed some starting prompt to the model
        2. Predict probabilities for the next token
        3. Sample the next token and add it to the next input

        Arguments:
            max_tokens: Integer, the number of tokens to be generated after prompt.
            start_tokens: List of integers, the token indices for the starting prompt.
            index_to_word: List of strings, obtained from the TextVectorization layer.
            top_k: Integer, sample from the `top_k` token predictions.
            print_every: Integer, print after this many epochs.
        """

        def __init__(
            self, max_tokens, start_tokens, index_to_word, top_k=10, print_every=1
        ):
            super().__init__()
            self.max_tokens = max_tokens
            self.start_tokens = start_tokens
            self.index_to_word = index_to_word
            self.print_every = print_every
            self.k = top_k
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.generated = []
            self.first_logits = []  # The prompt's next-token logits, each epoch.

        def sample_from(self, logits):
            logits, indices = ops.top_k(logits, k=self.k, sorted=True)
            indices = np.asarray(indices).astype("int32")
            choice = keras.random.categorical(
                ops.expand_dims(logits, 0), 1, seed=self.seed_generator
            )
            choice = int(np.asarray(choice)[0, 0])
            assert 0 <= choice < self.k, choice
            return int(indices[choice])

        def detokenize(self, number):
            return self.index_to_word[number]

        def on_epoch_end(self, epoch, logs=None):
            start_tokens = [_ for _ in self.start_tokens]
            if (epoch + 1) % self.print_every != 0:
                return
            num_tokens_generated = 0
            tokens_generated = []
            while num_tokens_generated <= self.max_tokens:
                pad_len = maxlen - len(start_tokens)
                sample_index = len(start_tokens) - 1
                if pad_len < 0:
                    x = start_tokens[:maxlen]
                    sample_index = maxlen - 1
                elif pad_len > 0:
                    x = start_tokens + [0] * pad_len
                else:
                    x = start_tokens
                x = np.array([x])
                y, _ = self.model.predict(x, verbose=0)
                if not tokens_generated:
                    self.first_logits.append(y[0][sample_index])
                sample_token = self.sample_from(y[0][sample_index])
                tokens_generated.append(sample_token)
                start_tokens.append(sample_token)
                num_tokens_generated = len(tokens_generated)
            txt = " ".join(
                [self.detokenize(_) for _ in self.start_tokens + tokens_generated]
            )
            self.generated.append(txt)

    # Tokenize starting prompt
    word_to_index = {}
    for index, word in enumerate(vocab):
        word_to_index[word] = index

    start_prompt = "this movie"
    start_tokens = [word_to_index.get(_, 1) for _ in start_prompt.split()]
    num_tokens_generated = 6
    text_gen_callback = TextGenerator(
        num_tokens_generated, start_tokens, vocab, top_k=5
    )

    # Dropout off so both libraries train the same numbers from the same weights.
    model = create_model(rate=0.0)
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    wrng = np.random.default_rng(42)
    model.set_weights(
        [
            wrng.normal(scale=0.3, size=w.shape).astype("float32")
            for w in model.get_weights()
        ]
    )
    logits0, hidden0 = model.predict(x_train[:8], verbose=0)
    eval0 = model.evaluate(x_train, y_train, batch_size=32, verbose=0)

    history = model.fit(
        x_train,
        y_train,
        batch_size=32,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[text_gen_callback],
    )
    losses = history.history["loss"]
    assert losses[-1] < losses[0], losses
    assert len(text_gen_callback.generated) == 3
    assert all(
        len(t.split()) == len(start_tokens) + num_tokens_generated + 1
        for t in text_gen_callback.generated
    )

    # The causal mask: a change to a later token leaves earlier positions alone.
    probe = x_train[:2].copy()
    changed = probe.copy()
    changed[:, 6:] = (changed[:, 6:] + 3) % len(vocab)
    a, _ = model.predict(probe, verbose=0)
    b, _ = model.predict(changed, verbose=0)
    assert np.allclose(a[:, :6], b[:, :6], atol=1e-5)
    assert not np.allclose(a[:, 6:], b[:, 6:], atol=1e-3)

    # `use_causal_mask=True` gives the same attention as the explicit mask.
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    q = wrng.normal(size=(3, 5, 6)).astype("float32")
    mha(q, q)
    mha.set_weights(
        [
            wrng.normal(scale=0.3, size=w.shape).astype("float32")
            for w in mha.get_weights()
        ]
    )
    explicit = mha(q, q, attention_mask=causal_attention_mask(3, 5, 5, "bool"))
    builtin = mha(q, q, use_causal_mask=True)
    assert np.allclose(np.asarray(explicit), np.asarray(builtin), atol=1e-5)

    def generate_greedy(m, prompt, n):
        tokens = list(prompt)
        for _ in range(n):
            x = np.array([tokens[-maxlen:] + [0] * max(0, maxlen - len(tokens))])
            logits, _ = m.predict(x, verbose=0)
            tokens.append(int(np.argmax(logits[0][min(len(tokens), maxlen) - 1])))
        return tokens

    greedy = generate_greedy(model, start_tokens, 8)
    path = workdir / "mini_gpt.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    greedy_reloaded = generate_greedy(reloaded, start_tokens, 8)
    assert greedy == greedy_reloaded, (greedy, greedy_reloaded)
    logits1, hidden1 = model.predict(x_train[:8], verbose=0)
    logits2, hidden2 = reloaded.predict(x_train[:8], verbose=0)
    np.testing.assert_allclose(logits1, logits2, rtol=1e-5, atol=1e-5)
    eval1 = reloaded.evaluate(x_train, y_train, batch_size=32, verbose=0)

    return {
        "same_vocab": vocab,
        "same_x_train": x_train,
        "same_summary": "\n".join(lines),
        "same_n_params": model.count_params(),
        "same_weight_shapes": [tuple(w.shape) for w in model.get_weights()],
        "same_output_names": list(model.output_names),
        "same_history_keys": sorted(history.history),
        "same_history_params": sorted(history.params.items()),
        "same_eval_type": type(eval0).__name__,
        "same_predict_shapes": [logits0.shape, hidden0.shape],
        "same_predict_dtypes": [str(logits0.dtype), str(hidden0.dtype)],
        "close_logits0": logits0,
        "close_hidden0": hidden0,
        "close_eval0": eval0,
        "close_losses": losses,
        "close_eval_reloaded": eval1,
        "close_logits_trained": logits1,
        "close_generation_logits": text_gen_callback.first_logits,
        "close_mha_causal": np.asarray(builtin),
        "same_greedy": greedy,
        "same_reloaded_layers": [type(layer).__name__ for layer in reloaded.layers],
        "generated": text_gen_callback.generated,
        "greedy_text": " ".join(vocab[t] for t in greedy),
    }
