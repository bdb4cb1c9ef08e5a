"""Image captioning and a Compact Convolutional Transformer, on tiny synthetic data.

In the style of keras.io's "Image Captioning" example (a frozen CNN feature
extractor reshaped to a sequence, a `TransformerEncoderBlock`, a
`PositionalEmbedding` layer with `compute_mask`, a `TransformerDecoderBlock`
whose causal mask is built with `ops` (`arange`, `tile` by a tensor of
multiples) and combined with the padding mask, an `ImageCaptioningModel`
subclass with its own `train_step`/`test_step` (written for the JAX backend as
in "Customizing what happens in fit() with JAX") and a masked loss and accuracy
computed by hand, `Mean` trackers, a warmup `LearningRateSchedule` using
`ops.cond`, `EarlyStopping(restore_best_weights=True)`, evaluate (dict and
list), `test_on_batch`, and greedy decoding with the `TextVectorization`
vocabulary, adapted with a custom `standardize` that keeps "<" and ">")
and of "Compact Convolutional Transformers" (a `CCTTokenizer` of Conv2D /
ZeroPadding2D / MaxPooling2D, a `PositionEmbedding` made with `add_weight` and
`ops.slice`, `StochasticDepth` drawing from `keras.random.uniform` with a
`SeedGenerator`, `SequencePooling` attention pooling, AdamW and
`CategoricalCrossentropy(label_smoothing=0.1)`, top-k accuracy,
`ModelCheckpoint(save_weights_only=True)` and `load_weights`).

Also `MultiHeadAttention`'s masks on their own: `value_mask`, explicit
`attention_mask` (also of shape (B, T, 1)), `use_causal_mask` alone and
combined with a padding mask (rows with nothing to attend to), the
`Embedding(mask_zero=True)` masks picked up automatically, and
`return_attention_scores` with attention dropout (the softmax path) against the
dot-product path.

The images are 16x16x3, captions "<start> a red square left <end>" over a
vocabulary of 12 tokens and sequences of length 6. Every weight that feeds a
compared number is set from a numpy seed; the compared training runs have no
dropout or random augmentation and use `shuffle=False`.

Departures from the examples, for Keras 3 on JAX: the causal mask is tiled by a
tuple (a tensor of multiples is not hashable as `tile`'s `reps` when traced);
the loss is kept by an overridden `compile` (given to `Model.compile`, fit
would build it by calling the model on the images alone); the CCT's
`RandomCrop` (a no-op crop to the input size) is left out, as it makes fit run
eagerly; the steps unpack with `unpack_x_y_sample_weight`, as
`train_on_batch`/`test_on_batch` pass (x, y, sample_weight).
"""

import io
import math
from contextlib import redirect_stdout

import numpy as np


def _summary(model):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def _seeded_arrays(model, seed):
    """Arrays of the shapes of `model.weights`, drawn from a numpy seed."""
    wrng = np.random.default_rng(seed)
    arrays = []
    for w in model.weights:
        shape = tuple(w.shape)
        if w.name == "gamma":
            a = 1.0 + 0.1 * wrng.normal(size=shape)
        elif w.name in ("beta", "bias"):
            a = 0.05 * wrng.normal(size=shape)
        elif len(shape) == 3 and w.path.endswith("attention_output/kernel"):
            a = wrng.normal(size=shape) / math.sqrt(shape[0] * shape[1])
        elif len(shape) == 3:
            a = wrng.normal(size=shape) / math.sqrt(shape[0])
        else:
            a = wrng.normal(size=shape) / math.sqrt(int(np.prod(shape[:-1])))
        arrays.append(a.astype("float32"))
    return arrays


def _cct(keras, workdir):
    layers, ops = keras.layers, keras.ops
    out = {}

    num_classes = 4
    input_shape = (16, 16, 3)
    rng = np.random.default_rng(5)
    templates = np.kron(rng.random((num_classes, 4, 4, 3)), np.ones((1, 4, 4, 1)))
    y_all = np.arange(160) % num_classes
    rng.shuffle(y_all)
    x_all = templates[y_all] + 0.25 * rng.normal(size=(160,) + input_shape)
    x_all = (255 * np.clip(x_all, 0, 1)).astype("float32")
    x_train, x_test = x_all[:128], x_all[128:]
    y_train = keras.utils.to_categorical(y_all[:128], num_classes)
    y_test = keras.utils.to_categorical(y_all[128:], num_classes)

    positional_emb = True
    conv_layers = 2
    projection_dim = 16
    num_heads = 2
    transformer_units = [projection_dim, projection_dim]
    transformer_layers = 2
    stochastic_depth_rate = 0.1
    batch_size = 32

    class CCTTokenizer(layers.Layer):
        def __init__(
            self,
            kernel_size=3,
            stride=1,
            padding=1,
            pooling_kernel_size=3,
            pooling_stride=2,
            num_conv_layers=conv_layers,
            num_output_channels=(8, 16),
            positional_emb=positional_emb,
            **kwargs,
        ):
            super().__init__(**kwargs)
            # This is our tokenizer.
            self.conv_model = keras.Sequential()
            for i in range(num_conv_layers):
                self.conv_model.add(
                    layers.Conv2D(
                        num_output_channels[i],
                        kernel_size,
                        stride,
                        padding="valid",
                        use_bias=False,
                        activation="relu",
                        kernel_initializer="he_normal",
                    )
                )
                self.conv_model.add(layers.ZeroPadding2D(padding))
                self.conv_model.add(
                    layers.MaxPooling2D(pooling_kernel_size, pooling_stride, "same")
                )
            self.positional_emb = positional_emb

        def call(self, images):
            outputs = self.conv_model(images)
            # After passing the images through our mini-network the spatial
            # dimensions are flattened to form sequences.
            reshaped = ops.reshape(
                outputs,
                (
                    -1,
                    ops.shape(outputs)[1] * ops.shape(outputs)[2],
                    ops.shape(outputs)[-1],
                ),
            )
            return reshaped

    class PositionEmbedding(layers.Layer):
        def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
            super().__init__(**kwargs)
            if sequence_length is None:
                raise ValueError(
                    "`sequence_length` must be an Integer, received `None`."
                )
            self.sequence_length = int(sequence_length)
            self.initializer = keras.initializers.get(initializer)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "sequence_length": self.sequence_length,
                    "initializer": keras.initializers.serialize(self.initializer),
                }
            )
            return config

        def build(self, input_shape):
            feature_size = input_shape[-1]
            self.position_embeddings = self.add_weight(
                name="embeddings",
                shape=[self.sequence_length, feature_size],
                initializer=self.initializer,
                trainable=True,
            )
            super().build(input_shape)

        def call(self, inputs, start_index=0):
            shape = ops.shape(inputs)
            feature_length = shape[-1]
            sequence_length = shape[-2]
            # trim to match the length of the input sequence, which might be less
            # than the sequence_length of the layer.
            position_embeddings = ops.convert_to_tensor(self.position_embeddings)
            position_embeddings = ops.slice(
                position_embeddings,
                (start_index, 0),
                (sequence_length, feature_length),
            )
            return ops.broadcast_to(position_embeddings, shape)

        def compute_output_shape(self, input_shape):
            return input_shape

    class SequencePooling(layers.Layer):
        def __init__(self):
            super().__init__()
            self.attention = layers.Dense(1)

        def call(self, x):
            attention_weights = ops.softmax(self.attention(x), axis=1)
            attention_weights = ops.transpose(attention_weights, axes=(0, 2, 1))
            weighted_representation = ops.matmul(attention_weights, x)
            return ops.squeeze(weighted_representation, -2)

    class StochasticDepth(layers.Layer):
        def __init__(self, drop_prop, **kwargs):
            super().__init__(**kwargs)
            self.drop_prob = drop_prop
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, x, training=None):
            if training:
                keep_prob = 1 - self.drop_prob
                shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
                random_tensor = keep_prob + keras.random.uniform(
                    shape, 0, 1, seed=self.seed_generator
                )
                random_tensor = ops.floor(random_tensor)
                return (x / keep_prob) * random_tensor
            return x

    def mlp(x, hidden_units, dropout_rate):
        for units in hidden_units:
            x = layers.Dense(units, activation=ops.gelu)(x)
            x = layers.Dropout(dropout_rate)(x)
        return x

    def create_cct_model(sd_rate, dropout, augment):
        if augment:
            data_augmentation = keras.Sequential(
                [
                    layers.Rescaling(scale=1.0 / 255),
                    # The example's RandomCrop(image_size, image_size) crops to
                    # the input size here; left out, as it makes fit run eagerly
                    # (the layer does not support XLA).
                    layers.RandomFlip("horizontal"),
                ],
                name="data_augmentation",
            )
        else:
            data_augmentation = keras.Sequential(
                [layers.Rescaling(scale=1.0 / 255)], name="data_augmentation"
            )
        inputs = layers.Input(input_shape)
        # Augment data.
        augmented = data_augmentation(inputs)
        # Encode patches.
        cct_tokenizer = CCTTokenizer()
        encoded_patches = cct_tokenizer(augmented)
        # Apply positional embedding.
        if positional_emb:
            sequence_length = encoded_patches.shape[1]
            encoded_patches += PositionEmbedding(sequence_length=sequence_length)(
                encoded_patches
            )
        # Calculate Stochastic Depth probabilities.
        dpr = [x for x in np.linspace(0, sd_rate, transformer_layers)]
        # Create multiple layers of the Transformer block.
        for i in range(transformer_layers):
            x1 = layers.LayerNormalization(epsilon=1e-5)(encoded_patches)
            attention_output = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=projection_dim, dropout=dropout
            )(x1, x1)
            attention_output = StochasticDepth(dpr[i])(attention_output)
            x2 = layers.Add()([attention_output, encoded_patches])
            x3 = layers.LayerNormalization(epsilon=1e-5)(x2)
            x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=dropout)
            x3 = StochasticDepth(dpr[i])(x3)
            encoded_patches = layers.Add()([x3, x2])
        # Apply sequence pooling.
        representation = layers.LayerNormalization(epsilon=1e-5)(encoded_patches)
        weighted_representation = SequencePooling()(representation)
        # Classify outputs.
        logits = layers.Dense(num_classes)(weighted_representation)
        return keras.Model(inputs=inputs, outputs=logits)

    def compile_cct(model):
        optimizer = keras.optimizers.AdamW(learning_rate=0.003, weight_decay=0.0001)
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.CategoricalCrossentropy(
                from_logits=True, label_smoothing=0.1
            ),
            metrics=[
                keras.metrics.CategoricalAccuracy(name="accuracy"),
                keras.metrics.TopKCategoricalAccuracy(2, name="top-2-accuracy"),
            ],
        )

    # StochasticDepth on its own: whole samples are dropped or scaled by 1/keep.
    sd = StochasticDepth(0.5)
    ones = np.ones((16, 3, 4), "float32")
    dropped = ops.convert_to_numpy(sd(ones, training=True))
    per_sample = dropped.reshape(16, -1)
    out["same_sd_whole_samples"] = bool(
        np.all(per_sample == per_sample[:, :1])
        and set(np.unique(per_sample).tolist()) <= {0.0, 2.0}
    )
    # Layers without get_config: the base config with the captured __init__ args.
    out["same_custom_configs"] = [
        StochasticDepth(0.25, name="sd").get_config(),
        CCTTokenizer(name="tok").get_config(),
        SequencePooling().get_config(),
    ]
    out["same_sd_inference"] = ops.convert_to_numpy(sd(ones, training=False)).tolist()

    # The example's model (stochastic depth, dropout, random augmentation), with
    # weights from numpy: its inference outputs and evaluation are deterministic.
    cct = create_cct_model(stochastic_depth_rate, 0.1, augment=True)
    cct_arrays = _seeded_arrays(cct, 21)
    cct.set_weights(cct_arrays)
    compile_cct(cct)
    out["same_cct_summary"] = _summary(cct)
    out["same_cct_weight_paths"] = [w.path for w in cct.weights]
    out["same_cct_params"] = (
        cct.count_params(),
        len(cct.trainable_weights),
        len(cct.non_trainable_weights),
    )
    pos_layer = [lyr for lyr in cct.layers if isinstance(lyr, PositionEmbedding)][0]
    out["same_pos_emb_config"] = pos_layer.get_config()
    out["close_cct_logits"] = cct.predict(x_test[:8], batch_size=8, verbose=0)
    out["close_cct_eval"] = cct.evaluate(
        x_test, y_test, batch_size=batch_size, verbose=0, return_dict=True
    )

    checkpoint_filepath = str(workdir / "checkpoint.weights.h5")
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )
    history = cct.fit(
        x=x_train,
        y=y_train,
        batch_size=batch_size,
        epochs=4,
        validation_split=0.1,
        callbacks=[checkpoint_callback],
        verbose=0,
    )
    out["same_cct_history_keys"] = sorted(history.history)
    cct.load_weights(checkpoint_filepath)
    _, accuracy, top_2_accuracy = cct.evaluate(x_test, y_test, verbose=0)
    out["cct_test_accuracy"] = round(accuracy * 100, 2)
    out["cct_test_top_2"] = round(top_2_accuracy * 100, 2)
    assert max(history.history["val_accuracy"]) > 0.4, history.history

    # Without random parts, training from the same weights is the same.
    det = create_cct_model(0.0, 0.0, augment=False)
    det.set_weights(cct_arrays)
    compile_cct(det)
    out["same_det_weight_names"] = [w.name for w in det.weights]
    history = det.fit(
        x_train, y_train, batch_size=batch_size, epochs=2, shuffle=False, verbose=0
    )
    out["close_det_history"] = [history.history[k] for k in sorted(history.history)]
    out["close_det_pos_embeddings"] = ops.convert_to_numpy(
        [lyr for lyr in det.layers if isinstance(lyr, PositionEmbedding)][0].weights[0]
    )
    out["close_det_logits_after"] = det.predict(x_test[:8], verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    return out


def _attention_masks(keras):
    layers, ops = keras.layers, keras.ops
    out = {}
    rng = np.random.default_rng(3)

    def fixed(layer, seed):
        layer.set_weights(_seeded_arrays(layer, seed))

    q = rng.normal(size=(3, 5, 8)).astype("float32")
    v = rng.normal(size=(3, 7, 8)).astype("float32")
    value_mask = np.arange(7)[None, :] < np.array([[7], [4], [2]])

    cross = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="cross")
    cross(q, v)
    fixed(cross, 1)
    by_value_mask = cross(q, v, value_mask=value_mask)
    by_attention_mask = cross(
        q, v, attention_mask=np.broadcast_to(value_mask[:, None, :], (3, 5, 7))
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(by_value_mask),
        ops.convert_to_numpy(by_attention_mask),
        rtol=1e-5,
        atol=1e-6,
    )
    out["close_mha_value_mask"] = by_value_mask
    # A (B, T, 1) mask, as the captioning decoder passes for cross-attention:
    # padded query rows attend to nothing.
    query_rows = np.arange(5)[None, :, None] < np.array([5, 3, 1])[:, None, None]
    out["close_mha_row_mask"] = cross(q, v, attention_mask=query_rows.astype("int32"))

    x = rng.normal(size=(3, 5, 8)).astype("float32")
    self_attn = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="self")
    self_attn(x, x)
    fixed(self_attn, 2)
    causal = self_attn(x, x, use_causal_mask=True)
    tril = np.tril(np.ones((5, 5), "bool"))
    manual = self_attn(x, x, attention_mask=np.broadcast_to(tril, (3, 5, 5)))
    np.testing.assert_allclose(
        ops.convert_to_numpy(causal), ops.convert_to_numpy(manual), rtol=1e-5, atol=1e-6
    )
    out["close_mha_causal"] = causal
    pad = np.arange(5)[None, :] < np.array([[5], [3], [2]])
    pad_mask = pad[:, :, None] & pad[:, None, :]
    out["close_mha_causal_and_padding"] = self_attn(
        x, x, attention_mask=pad_mask, use_causal_mask=True
    )

    # With attention dropout the layer takes the softmax path and can return the
    # scores; in inference it equals the dot-product path of the same weights.
    with_dropout = layers.MultiHeadAttention(
        num_heads=2, key_dim=4, dropout=0.2, name="self_dropout"
    )
    with_dropout(x, x)
    fixed(with_dropout, 2)
    dropout_out, scores = with_dropout(
        x,
        x,
        attention_mask=pad_mask,
        use_causal_mask=True,
        return_attention_scores=True,
        training=False,
    )
    out["close_mha_scores"] = scores
    out["close_mha_softmax_path"] = dropout_out
    out["same_mha_scores_shape"] = tuple(scores.shape)

    # Masks from Embedding(mask_zero=True) are used without being passed.
    ids = np.array([[3, 7, 2, 0, 0], [5, 1, 4, 9, 0]])
    embedding = layers.Embedding(12, 8, mask_zero=True)
    embedding(ids)
    fixed(embedding, 3)
    auto = self_attn(embedding(ids), embedding(ids), use_causal_mask=True)
    out["close_mha_auto_masks"] = auto
    out["same_mha_output_mask"] = (
        None
        if getattr(auto, "_keras_mask", None) is None
        else ops.convert_to_numpy(auto._keras_mask).tolist()
    )
    explicit = self_attn(
        ops.convert_to_numpy(embedding(ids)),
        ops.convert_to_numpy(embedding(ids)),
        attention_mask=(ids != 0)[:, :, None] & (ids != 0)[:, None, :],
        use_causal_mask=True,
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(auto), ops.convert_to_numpy(explicit), rtol=1e-5, atol=1e-6
    )
    return out


def _captioning(keras, workdir, jax):
    layers, ops = keras.layers, keras.ops
    out = {}

    IMAGE_SIZE = (16, 16)
    VOCAB_SIZE = 12
    SEQ_LENGTH = 6
    EMBED_DIM = 16
    FF_DIM = 16
    BATCH_SIZE = 16
    EPOCHS = 6
    NUM_CAPTIONS = 2

    # ---- Synthetic images and their captions. ----
    colors, shapes, sides = (
        ["red", "green", "blue"],
        ["square", "circle"],
        ["left", "right"],
    )
    rng = np.random.default_rng(11)
    n = 64
    images = 0.1 * rng.random((n,) + IMAGE_SIZE + (3,))
    yy, xx = np.mgrid[0:16, 0:16]
    captions = []
    for k in range(n):
        c, s, p = rng.integers(3), rng.integers(2), rng.integers(2)
        cx, cy = (4 if p == 0 else 11), rng.integers(5, 11)
        if s == 0:
            region = (np.abs(yy - cy) <= 2) & (np.abs(xx - cx) <= 2)
        else:
            region = (yy - cy) ** 2 + (xx - cx) ** 2 <= 5
        images[k][region, c] = 0.9
        captions.append(
            [
                f"A {colors[c].capitalize()} {shapes[s]}, {sides[p]}.",
                f"{colors[c].upper()} {shapes[s]}!",
            ]
        )
    images = images.astype("float32")
    text_data = ["<start> " + c + " <end>" for pair in captions for c in pair]

    strip_chars = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    strip_chars = strip_chars.replace("<", "")
    strip_chars = strip_chars.replace(">", "")

    def custom_standardization(input_string):
        lowercase = np.char.lower(np.asarray(input_string).astype(str))
        for ch in strip_chars:
            lowercase = np.char.replace(lowercase, ch, "")
        return lowercase

    vectorization = layers.TextVectorization(
        max_tokens=VOCAB_SIZE,
        output_mode="int",
        output_sequence_length=SEQ_LENGTH,
        standardize=custom_standardization,
    )
    vectorization.adapt(np.array(text_data))
    vocab = vectorization.get_vocabulary()
    out["same_vocab"] = list(vocab)
    out["same_vocab_size"] = vectorization.vocabulary_size()
    vectorized = vectorization(np.array(text_data))
    out["same_vectorized"] = (
        str(np.asarray(vectorized).dtype),
        tuple(vectorized.shape),
    )
    seqs = np.asarray(vectorized).reshape(n, NUM_CAPTIONS, SEQ_LENGTH)
    out["same_seqs"] = seqs[:4]
    assert len(vocab) == VOCAB_SIZE and "<start>" in vocab and "a" in vocab, vocab
    train_imgs, valid_imgs = images[:48], images[48:]
    train_seqs, valid_seqs = seqs[:48], seqs[48:]

    # ---- The model. ----
    def get_cnn_model():
        inp = keras.Input(shape=(*IMAGE_SIZE, 3))
        x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inp)
        x = layers.Conv2D(EMBED_DIM, 3, strides=2, padding="same", activation="relu")(x)
        base_model = keras.Model(inp, x, name="base_cnn")
        # We freeze our feature extractor
        base_model.trainable = False
        base_model_out = base_model.output
        base_model_out = layers.Reshape((-1, base_model_out.shape[-1]))(base_model_out)
        cnn_model = keras.models.Model(base_model.input, base_model_out, name="cnn")
        return cnn_model

    class TransformerEncoderBlock(layers.Layer):
        def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim = embed_dim
            self.dense_dim = dense_dim
            self.num_heads = num_heads
            self.attention_1 = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim, dropout=0.0
            )
            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()
            self.dense_1 = layers.Dense(embed_dim, activation="relu")

        def call(self, inputs, training, mask=None):
            inputs = self.layernorm_1(inputs)
            inputs = self.dense_1(inputs)

            attention_output_1 = self.attention_1(
                query=inputs,
                value=inputs,
                key=inputs,
                attention_mask=None,
                training=training,
            )
            out_1 = self.layernorm_2(inputs + attention_output_1)
            return out_1

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
            self.embed_scale = ops.sqrt(ops.cast(embed_dim, "float32"))

        def call(self, inputs):
            length = ops.shape(inputs)[-1]
            positions = ops.arange(start=0, stop=length, step=1)
            embedded_tokens = self.token_embeddings(inputs)
            embedded_tokens = embedded_tokens * self.embed_scale
            embedded_positions = self.position_embeddings(positions)
            return embedded_tokens + embedded_positions

        def compute_mask(self, inputs, mask=None):
            return ops.not_equal(inputs, 0)

    class TransformerDecoderBlock(layers.Layer):
        def __init__(self, embed_dim, ff_dim, num_heads, dropout=True, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim = embed_dim
            self.ff_dim = ff_dim
            self.num_heads = num_heads
            # The compared model is built without its dropout.
            rates = (0.1, 0.3, 0.5) if dropout else (0.0, 0.0, 0.0)
            self.attention_1 = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim, dropout=rates[0]
            )
            self.attention_2 = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim, dropout=rates[0]
            )
            self.ffn_layer_1 = layers.Dense(ff_dim, activation="relu")
            self.ffn_layer_2 = layers.Dense(embed_dim)

            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()
            self.layernorm_3 = layers.LayerNormalization()

            self.embedding = PositionalEmbedding(
                embed_dim=EMBED_DIM,
                sequence_length=SEQ_LENGTH,
                vocab_size=VOCAB_SIZE,
            )
            self.out = layers.Dense(VOCAB_SIZE, activation="softmax")

            self.dropout_1 = layers.Dropout(rates[1])
            self.dropout_2 = layers.Dropout(rates[2])
            self.supports_masking = True

        def call(self, inputs, encoder_outputs, training, mask=None):
            inputs = self.embedding(inputs)
            causal_mask = self.get_causal_attention_mask(inputs)

            combined_mask = causal_mask
            padding_mask = None
            if mask is not None:
                padding_mask = ops.cast(mask[:, :, None], dtype="int32")
                combined_mask = ops.cast(mask[:, None, :], dtype="int32")
                combined_mask = ops.minimum(combined_mask, causal_mask)

            attention_output_1 = self.attention_1(
                query=inputs,
                value=inputs,
                key=inputs,
                attention_mask=combined_mask,
                training=training,
            )
            out_1 = self.layernorm_1(inputs + attention_output_1)

            attention_output_2 = self.attention_2(
                query=out_1,
                value=encoder_outputs,
                key=encoder_outputs,
                attention_mask=padding_mask,
                training=training,
            )
            out_2 = self.layernorm_2(out_1 + attention_output_2)

            ffn_out = self.ffn_layer_1(out_2)
            ffn_out = self.dropout_1(ffn_out, training=training)
            ffn_out = self.ffn_layer_2(ffn_out)

            ffn_out = self.layernorm_3(ffn_out + out_2, training=training)
            ffn_out = self.dropout_2(ffn_out, training=training)
            preds = self.out(ffn_out)
            return preds

        def get_causal_attention_mask(self, inputs):
            input_shape = ops.shape(inputs)
            batch_size, sequence_length = input_shape[0], input_shape[1]
            i = ops.arange(sequence_length)[:, None]
            j = ops.arange(sequence_length)
            mask = ops.cast(i >= j, dtype="int32")
            mask = ops.reshape(mask, (1, input_shape[1], input_shape[1]))
            # WORKAROUND (Keras on JAX): the example's tensor of multiples,
            # ops.concatenate([ops.expand_dims(batch_size, -1), [1, 1]]), is
            # not hashable as tile's `reps` when traced; a tuple is.
            return ops.tile(mask, (batch_size, 1, 1))

    class ImageCaptioningModel(keras.Model):
        def __init__(
            self,
            cnn_model,
            encoder,
            decoder,
            num_captions_per_image=NUM_CAPTIONS,
            image_aug=None,
        ):
            super().__init__()
            self.cnn_model = cnn_model
            self.encoder = encoder
            self.decoder = decoder
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.acc_tracker = keras.metrics.Mean(name="accuracy")
            self.num_captions_per_image = num_captions_per_image
            self.image_aug = image_aug
            # How many items each traced test step got (x, y[, sample_weight]).
            self.traced_test_data = []

        def compile(self, optimizer, loss):
            # The masked loss is computed by hand in the steps: given to
            # Model.compile, fit would build it on `call(images)` alone.
            super().compile(optimizer=optimizer)
            self.loss = loss

        @property
        def metrics(self):
            # We need to list our metrics here so the `reset_states()` can be
            # called automatically.
            return [self.loss_tracker, self.acc_tracker]

        def call(self, inputs, training=False):
            batch_img, batch_seq = inputs
            if self.image_aug and training:
                batch_img = self.image_aug(batch_img, training=training)
            # 1. Get image embeddings
            img_embed = self.cnn_model(batch_img)
            # 2. Pass each of the captions one by one to the decoder
            # along with the encoder outputs
            preds = []
            for i in range(self.num_captions_per_image):
                encoder_out = self.encoder(img_embed, training=training)
                seq = batch_seq[:, i, :]
                batch_seq_inp = seq[:, :-1]
                mask = ops.not_equal(seq[:, 1:], 0)
                preds.append(
                    self.decoder(
                        batch_seq_inp, encoder_out, training=training, mask=mask
                    )
                )
            return ops.stack(preds, axis=1)

        def calculate_loss(self, y_true, y_pred, mask):
            loss = self.loss(y_true, y_pred)
            mask = ops.cast(mask, dtype=loss.dtype)
            loss *= mask
            return ops.sum(loss) / ops.sum(mask)

        def calculate_accuracy(self, y_true, y_pred, mask):
            accuracy = ops.equal(y_true, ops.argmax(y_pred, axis=2))
            accuracy = ops.logical_and(mask, accuracy)
            accuracy = ops.cast(accuracy, dtype="float32")
            mask = ops.cast(mask, dtype="float32")
            return ops.sum(accuracy) / ops.sum(mask)

        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, data, training
        ):
            batch_img, batch_seq, _ = keras.utils.unpack_x_y_sample_weight(data)
            preds, non_trainable_variables = self.stateless_call(
                trainable_variables,
                non_trainable_variables,
                (batch_img, batch_seq),
                training=training,
            )
            batch_loss = 0
            batch_acc = 0
            for i in range(self.num_captions_per_image):
                batch_seq_true = batch_seq[:, i, 1:]
                mask = ops.not_equal(batch_seq_true, 0)
                batch_loss += self.calculate_loss(batch_seq_true, preds[:, i], mask)
                batch_acc += self.calculate_accuracy(batch_seq_true, preds[:, i], mask)
            batch_acc /= float(self.num_captions_per_image)
            return batch_loss, (batch_acc, non_trainable_variables)

        def update_trackers(self, metrics_variables, loss, acc):
            n_loss = len(self.loss_tracker.variables)
            loss_vars = self.loss_tracker.stateless_update_state(
                metrics_variables[:n_loss], loss
            )
            acc_vars = self.acc_tracker.stateless_update_state(
                metrics_variables[n_loss:], acc
            )
            logs = {
                "loss": self.loss_tracker.stateless_result(loss_vars),
                "acc": self.acc_tracker.stateless_result(acc_vars),
            }
            return list(loss_vars) + list(acc_vars), logs

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (acc, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, data, True
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            metrics_variables, logs = self.update_trackers(metrics_variables, loss, acc)
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            )
            return logs, state

        def test_step(self, state, data):
            trainable_variables, non_trainable_variables, metrics_variables = state
            self.traced_test_data.append(len(data))
            loss, (acc, non_trainable_variables) = self.compute_loss_and_updates(
                trainable_variables, non_trainable_variables, data, False
            )
            metrics_variables, logs = self.update_trackers(metrics_variables, loss, acc)
            return logs, (
                trainable_variables,
                non_trainable_variables,
                metrics_variables,
            )

    class LRSchedule(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, post_warmup_learning_rate, warmup_steps):
            super().__init__()
            self.post_warmup_learning_rate = post_warmup_learning_rate
            self.warmup_steps = warmup_steps

        def __call__(self, step):
            global_step = ops.cast(step, "float32")
            warmup_steps = ops.cast(self.warmup_steps, "float32")
            warmup_progress = global_step / warmup_steps
            warmup_learning_rate = self.post_warmup_learning_rate * warmup_progress
            return ops.cond(
                global_step < warmup_steps,
                lambda: warmup_learning_rate,
                lambda: self.post_warmup_learning_rate,
            )

    def build_caption_model(dropout, image_aug=None):
        cnn_model = get_cnn_model()
        encoder = TransformerEncoderBlock(
            embed_dim=EMBED_DIM, dense_dim=FF_DIM, num_heads=1
        )
        decoder = TransformerDecoderBlock(
            embed_dim=EMBED_DIM, ff_dim=FF_DIM, num_heads=2, dropout=dropout
        )
        model = ImageCaptioningModel(
            cnn_model=cnn_model, encoder=encoder, decoder=decoder, image_aug=image_aug
        )
        if image_aug is not None:
            image_aug(train_imgs[:2])
        model((train_imgs[:2], train_seqs[:2]))
        return model

    # Define the loss function
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(
        from_logits=False, reduction=None
    )
    num_train_steps = math.ceil(len(train_imgs) / BATCH_SIZE) * EPOCHS
    num_warmup_steps = num_train_steps // 6
    lr_schedule = LRSchedule(
        post_warmup_learning_rate=1e-2, warmup_steps=num_warmup_steps
    )
    out["close_lr_schedule"] = [
        float(ops.convert_to_numpy(lr_schedule(s))) for s in (0, 1, 2, 3, 10)
    ]

    caption_model = build_caption_model(dropout=False)
    caption_arrays = _seeded_arrays(caption_model, 31)
    caption_model.set_weights(caption_arrays)
    out["same_caption_weight_paths"] = [w.path for w in caption_model.weights]
    out["same_caption_counts"] = (
        len(caption_model.trainable_weights),
        len(caption_model.non_trainable_weights),
        caption_model.cnn_model.count_params(),
        caption_model.encoder.count_params(),
        caption_model.decoder.count_params(),
    )
    out["same_caption_summary"] = _summary(caption_model)
    preds = caption_model((valid_imgs[:4], valid_seqs[:4]), training=False)
    out["close_caption_preds"] = preds

    def mask_of(x):
        mask = getattr(x, "_keras_mask", None)
        return None if mask is None else ops.convert_to_numpy(mask).tolist()

    # The masks that layers attach to their outputs.
    seq_inp = valid_seqs[:4, 1, :-1]
    embedded = caption_model.decoder.embedding(seq_inp)
    out["same_embedding_mask"] = mask_of(embedded)
    encoded = caption_model.encoder(
        caption_model.cnn_model(valid_imgs[:4]), training=False
    )
    decoded_probs = caption_model.decoder(
        seq_inp, encoded, training=False, mask=seq_inp != 0
    )
    out["same_decoder_output_mask"] = mask_of(decoded_probs)
    out["close_decoder_probs"] = decoded_probs
    early_stopping = keras.callbacks.EarlyStopping(
        patience=3, restore_best_weights=True
    )
    caption_model.compile(
        optimizer=keras.optimizers.Adam(lr_schedule), loss=cross_entropy
    )
    # The masked loss and accuracy by hand, before training.
    y_true = valid_seqs[:4, 0, 1:]
    mask = y_true != 0
    out["close_masked_loss"] = caption_model.calculate_loss(y_true, preds[:, 0], mask)
    out["close_masked_acc"] = caption_model.calculate_accuracy(
        y_true, preds[:, 0], mask
    )
    out["close_eval_before"] = caption_model.evaluate(
        valid_imgs, valid_seqs, batch_size=BATCH_SIZE, verbose=0, return_dict=True
    )
    history = caption_model.fit(
        train_imgs,
        train_seqs,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        validation_data=(valid_imgs, valid_seqs),
        callbacks=[early_stopping],
        shuffle=False,
        verbose=0,
    )
    out["same_caption_history_keys"] = sorted(history.history)
    out["same_caption_history_params"] = (history.params, history.epoch)
    out["close_caption_history"] = [history.history[k] for k in sorted(history.history)]
    out["close_caption_eval_after"] = caption_model.evaluate(
        valid_imgs, valid_seqs, batch_size=BATCH_SIZE, verbose=0, return_dict=True
    )
    # As a list, in the order of `metrics` (the logs' "acc" is not a metric name).
    out["close_caption_eval_list"] = caption_model.evaluate(
        valid_imgs, valid_seqs, batch_size=BATCH_SIZE, verbose=0
    )
    out["same_metrics_names"] = list(caption_model.metrics_names)
    del caption_model.traced_test_data[:]
    out["close_test_on_batch"] = caption_model.test_on_batch(
        valid_imgs[:BATCH_SIZE], valid_seqs[:BATCH_SIZE], return_dict=True
    )
    # Keras's test_on_batch gives the step (x, y, sample_weight), evaluate (x, y).
    out["same_test_on_batch_data"] = list(caption_model.traced_test_data)
    out["same_optimizer_iterations"] = int(
        ops.convert_to_numpy(caption_model.optimizer.iterations)
    )
    out["close_optimizer_learning_rate"] = float(
        ops.convert_to_numpy(caption_model.optimizer.learning_rate)
    )
    out["same_early_stopping"] = (
        early_stopping.stopped_epoch,
        early_stopping.best_epoch,
    )
    out["close_early_stopping_best"] = early_stopping.best
    out["close_decoder_out_kernel"] = caption_model.decoder.out.get_weights()[0]
    frozen = caption_model.cnn_model.get_weights()
    out["same_cnn_frozen"] = all(
        np.array_equal(a, b) for a, b in zip(frozen, caption_arrays[: len(frozen)])
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history

    vocab = vectorization.get_vocabulary()
    index_lookup = dict(zip(range(len(vocab)), vocab))
    max_decoded_sentence_length = SEQ_LENGTH - 1

    def generate_caption(sample_img):
        # Pass the image to the CNN
        img = ops.expand_dims(sample_img, 0)
        img = caption_model.cnn_model(img)
        # Pass the image features to the Transformer encoder
        encoded_img = caption_model.encoder(img, training=False)
        # Generate the caption using the Transformer decoder
        decoded_caption = "<start> "
        for i in range(max_decoded_sentence_length):
            tokenized_caption = vectorization([decoded_caption])[:, :-1]
            mask = ops.not_equal(tokenized_caption, 0)
            predictions = caption_model.decoder(
                tokenized_caption, encoded_img, training=False, mask=mask
            )
            sampled_token_index = np.argmax(ops.convert_to_numpy(predictions)[0, i, :])
            sampled_token = index_lookup[sampled_token_index]
            if sampled_token == "<end>":
                break
            decoded_caption += " " + sampled_token
        decoded_caption = decoded_caption.replace("<start> ", "")
        decoded_caption = decoded_caption.replace(" <end>", "").strip()
        return decoded_caption

    decoded = [generate_caption(img) for img in valid_imgs[:4]]
    out["same_decoded_captions"] = decoded

    return out


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)
    out = {}
    out.update(_cct(keras, workdir))
    out.update(_attention_masks(keras))
    out.update(_captioning(keras, workdir, jax))
    for key, value in out.items():
        if key.startswith("close_"):
            if isinstance(value, dict):
                value = [value[k] for k in sorted(value)]
            if isinstance(value, list):
                value = [keras.ops.convert_to_numpy(v) for v in value]
            out[key] = np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")
    return out
