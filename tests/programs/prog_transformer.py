"""A small transformer text classifier: MultiHeadAttention, positional embedding."""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = keras.Sequential(
                [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
            )
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

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
            self.token_emb = layers.Embedding(
                input_dim=vocab_size, output_dim=embed_dim
            )
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = ops.arange(start=0, stop=maxlen, step=1)
            positions = self.pos_emb(positions)
            x = self.token_emb(x)
            return x + positions

    vocab_size, maxlen, embed_dim = 50, 12, 8
    rng = np.random.default_rng(0)
    x = rng.integers(1, vocab_size, size=(200, maxlen))
    y = (np.sum(x < 10, axis=1) > 2).astype("int32")
    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    h = embedding_layer(inputs)
    h = TransformerBlock(embed_dim, 2, 16)(h)
    h = layers.GlobalAveragePooling1D()(h)
    h = layers.Dropout(0.1)(h)
    outputs = layers.Dense(2, activation="softmax")(h)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=32, epochs=3, validation_split=0.2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()

    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    q = rng.normal(size=(2, 4, 5)).astype("float32")
    mha(q, q)
    mha.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.3 for w in mha.get_weights()]
    )
    out, scores = mha(q, q, return_attention_scores=True)
    return {
        "same_params": model.count_params(),
        "same_keys": sorted(history.history),
        "same_mha_weights": [tuple(w.shape) for w in mha.get_weights()],
        "close_mha": np.asarray(out),
        "close_scores": np.asarray(scores),
    }
