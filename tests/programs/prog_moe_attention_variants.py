"""Attention and mixture-of-experts variants from the keras.io examples.

Follows keras.io's "Text classification with Switch Transformer", "Perceiver for
image classification" and "Involutional neural networks" examples, plus the
KerasHub-style attention building blocks Keras 3 ships as layers and ops:

- Switch Transformer: a `Router` layer (top-1 routing with `ops.top_k` and
  `ops.one_hot`, a load-balancing loss added with `self.add_loss`, an expert
  capacity from a capacity factor, overflowing tokens dropped) inside a `Switch`
  feed-forward layer of expert `Sequential`s, in a small text classifier
  (token + position embedding, `MultiHeadAttention`, the switch FFN); fit for 2
  epochs with validation data, so History's `loss` includes the added loss;
  the router's `losses` after a direct call, evaluate, predict and
  `predict_on_batch` (each batch's routing depends on the whole batch), build
  methods for the custom layers, get_config round trips of the
  custom layers (the block serializes its FFN layer), summary, `.keras` save/load
  with the layers registered through `register_keras_serializable`.
- `GroupQueryAttention` (num_query_heads / num_key_value_heads) and
  `MultiHeadAttention` with `attention_mask`, `use_causal_mask` and
  `return_attention_scores=True`, their weights, configs and bad arguments.
- `RMSNormalization`, the deprecated `LayerNormalization(rms_scaling=True)`,
  `ops.dot_product_attention` (plain, masked, causal, with bias and scale, grouped
  key/value heads), `ops.softmax`, `ops.top_k`, `ops.one_hot`.
- A Perceiver: a subclassed model whose `build` creates the learned latent array
  with `add_weight` and the sub-modules, patches from `ops.image.extract_patches`,
  a functional cross-attention module taking a dict of inputs (`Attention` with
  `use_scale`), a functional Transformer module, iterated; trained with AdamW;
  `.weights.h5` save/load.
- An `Involution` layer (kernel generated per pixel from the input, applied to
  patches; stride through average pooling) in a small CNN; fit, kernels output,
  `.keras` save/load.

Every weight is set from a numpy rng (and the router's training noise left out),
so both libraries compute the same numbers.
"""

import warnings

import numpy as np


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _seed_weights(obj, seed):
    """Sets every weight of a layer or model from a numpy rng, by the weight's role."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in obj.weights:
        shape = tuple(weight.shape)
        name = weight.name
        if name in ("gamma", "scale"):
            value = 1.0 + 0.1 * rng.normal(size=shape)
        elif name in ("beta", "bias"):
            value = 0.05 * rng.normal(size=shape)
        elif name == "moving_mean":
            value = np.zeros(shape)
        elif name == "moving_variance":
            value = np.ones(shape)
        elif name == "embeddings":
            value = 0.5 * rng.normal(size=shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            value = rng.normal(size=shape) / np.sqrt(fan_in)
        values.append(value.astype("float32"))
    obj.set_weights(values)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error type is the result
        return type(e).__name__
    return None


def _round(values):
    return [round(float(v), 4) for v in values]


# ---------------------------------------------------------------------------
# Switch Transformer
# ---------------------------------------------------------------------------


def _switch_transformer(keras, workdir):
    layers, ops = keras.layers, keras.ops
    package = "moe_switch"

    vocab_size = 20
    num_tokens_per_example = 6
    embed_dim = 8
    num_heads = 2
    ff_dim = 8
    num_experts = 3
    batch_size = 8
    num_tokens_per_batch = batch_size * num_tokens_per_example
    capacity_factor = 0.75

    def create_feedforward_network(ff_dim, embed_dim, name=None):
        return keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)],
            name=name,
        )

    def load_balanced_loss(router_probs, expert_mask):
        # router_probs [tokens_per_batch, num_experts] is the probability assigned
        # for each expert per token. expert_mask [tokens_per_batch, num_experts]
        # contains the expert with the highest router probability in one-hot format.
        num_experts = ops.shape(expert_mask)[-1]
        # Get the fraction of tokens routed to each expert.
        density = ops.mean(expert_mask, axis=0)
        # Get fraction of probability mass assigned to each expert from the router.
        density_proxy = ops.mean(router_probs, axis=0)
        # Both vectors are pushed towards uniform allocation when the dot product
        # is minimized.
        loss = ops.mean(density_proxy * density) * ops.cast(num_experts**2, "float32")
        return loss

    @keras.saving.register_keras_serializable(package=package)
    class Router(layers.Layer):
        def __init__(self, num_experts, expert_capacity, jitter=0.0, **kwargs):
            super().__init__(**kwargs)
            self.num_experts = num_experts
            self.route = layers.Dense(units=num_experts)
            self.expert_capacity = expert_capacity
            self.jitter = jitter

        def build(self, input_shape):
            self.route.build(input_shape)

        def call(self, inputs, training=False):
            # inputs shape: [tokens_per_batch, embed_dim]
            # router_logits shape: [tokens_per_batch, num_experts]
            router_logits = self.route(inputs)
            if training and self.jitter:
                # keras.io adds noise for exploration across experts; each library
                # draws its own random numbers, so this program keeps jitter=0.
                router_logits += keras.random.uniform(
                    shape=ops.shape(router_logits),
                    minval=1.0 - self.jitter,
                    maxval=1.0 + self.jitter,
                )
            # Probabilities for each token of what expert it should be sent to.
            router_probs = keras.activations.softmax(router_logits, axis=-1)
            # Get the top-1 expert for each token.
            expert_gate, expert_index = ops.top_k(router_probs, k=1)
            # expert_mask shape: [tokens_per_batch, num_experts]
            expert_mask = ops.one_hot(expert_index, self.num_experts)
            expert_mask = ops.squeeze(expert_mask, 1)
            # Compute load balancing loss.
            aux_loss = load_balanced_loss(router_probs, expert_mask)
            self.add_loss(aux_loss)
            # Experts have a fixed capacity: only the first `expert_capacity`
            # tokens routed to an expert are kept.
            position_in_expert = ops.cast(
                ops.cumsum(expert_mask, axis=0) * expert_mask, "int32"
            )
            expert_mask *= ops.cast(
                ops.less(position_in_expert, self.expert_capacity), "float32"
            )
            expert_mask_flat = ops.sum(expert_mask, axis=-1)
            # Mask out the experts that have overflowed the expert capacity.
            expert_gate = ops.squeeze(expert_gate, 1) * expert_mask_flat
            position = ops.sum(position_in_expert, axis=-1) - 1
            # combined_tensor shape: [tokens_per_batch, num_experts, expert_capacity]
            combined_tensor = ops.expand_dims(
                expert_gate[:, None] * expert_mask, -1
            ) * ops.expand_dims(ops.one_hot(position, self.expert_capacity), 1)
            # dispatch_tensor is 1 where a token goes to an expert's slot.
            dispatch_tensor = ops.cast(combined_tensor > 0, "float32")
            return dispatch_tensor, combined_tensor

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "num_experts": self.num_experts,
                    "expert_capacity": self.expert_capacity,
                    "jitter": self.jitter,
                }
            )
            return config

    @keras.saving.register_keras_serializable(package=package)
    class Switch(layers.Layer):
        def __init__(
            self,
            num_experts,
            embed_dim,
            ff_dim,
            num_tokens_per_batch,
            capacity_factor=1.0,
            **kwargs,
        ):
            super().__init__(**kwargs)
            self.num_experts = num_experts
            self.embed_dim = embed_dim
            self.ff_dim = ff_dim
            self.num_tokens_per_batch = num_tokens_per_batch
            self.capacity_factor = capacity_factor
            self.experts = [
                create_feedforward_network(ff_dim, embed_dim, name=f"expert_{i}")
                for i in range(num_experts)
            ]
            self.expert_capacity = int(
                capacity_factor * num_tokens_per_batch // num_experts
            )
            self.router = Router(self.num_experts, self.expert_capacity, name="router")

        def build(self, input_shape):
            for expert in self.experts:
                expert.build((None, self.embed_dim))
            self.router.build((None, self.embed_dim))

        def call(self, inputs):
            batch_size = ops.shape(inputs)[0]
            num_tokens_per_example = ops.shape(inputs)[1]
            # inputs shape: [num_tokens_per_batch, embed_dim]
            inputs = ops.reshape(inputs, [self.num_tokens_per_batch, self.embed_dim])
            dispatch_tensor, combine_tensor = self.router(inputs)
            # expert_inputs shape: [num_experts, expert_capacity, embed_dim]
            expert_inputs = ops.einsum("ab,acd->cdb", inputs, dispatch_tensor)
            expert_inputs = ops.reshape(
                expert_inputs, [self.num_experts, self.expert_capacity, self.embed_dim]
            )
            # Dispatch to experts.
            expert_input_list = ops.unstack(expert_inputs, axis=0)
            expert_output_list = [
                self.experts[idx](expert_input)
                for idx, expert_input in enumerate(expert_input_list)
            ]
            # expert_outputs shape: [expert_capacity, num_experts, embed_dim]
            expert_outputs = ops.stack(expert_output_list, axis=1)
            # expert_outputs_combined shape: [tokens_per_batch, embed_dim]
            expert_outputs_combined = ops.einsum(
                "abc,xba->xc", expert_outputs, combine_tensor
            )
            return ops.reshape(
                expert_outputs_combined,
                [batch_size, num_tokens_per_example, self.embed_dim],
            )

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "num_experts": self.num_experts,
                    "embed_dim": self.embed_dim,
                    "ff_dim": self.ff_dim,
                    "num_tokens_per_batch": self.num_tokens_per_batch,
                    "capacity_factor": self.capacity_factor,
                }
            )
            return config

    @keras.saving.register_keras_serializable(package=package)
    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ffn, dropout_rate=0.0, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim = embed_dim
            self.num_heads = num_heads
            self.dropout_rate = dropout_rate
            self.att = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=embed_dim, name="attention"
            )
            # The ffn can be either a standard feedforward network or a switch
            # layer with a Mixture of Experts.
            self.ffn = ffn
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(dropout_rate)
            self.dropout2 = layers.Dropout(dropout_rate)

        def build(self, input_shape):
            self.att.build(input_shape, input_shape)
            if not self.ffn.built:  # a deserialized ffn comes built
                self.ffn.build(input_shape)
            self.layernorm1.build(input_shape)
            self.layernorm2.build(input_shape)

        def call(self, inputs, training=False):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output, training=training)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output, training=training)
            return self.layernorm2(out1 + ffn_output)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "embed_dim": self.embed_dim,
                    "num_heads": self.num_heads,
                    "ffn": keras.saving.serialize_keras_object(self.ffn),
                    "dropout_rate": self.dropout_rate,
                }
            )
            return config

        @classmethod
        def from_config(cls, config):
            config = dict(config)
            config["ffn"] = keras.saving.deserialize_keras_object(config["ffn"])
            return cls(**config)

    @keras.saving.register_keras_serializable(package=package)
    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.maxlen = maxlen
            self.vocab_size = vocab_size
            self.embed_dim = embed_dim
            self.token_emb = layers.Embedding(
                input_dim=vocab_size, output_dim=embed_dim
            )
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def build(self, input_shape):
            self.token_emb.build(input_shape)
            self.pos_emb.build((self.maxlen,))

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = ops.arange(start=0, stop=maxlen, step=1)
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

    def create_classifier():
        switch = Switch(
            num_experts,
            embed_dim,
            ff_dim,
            num_tokens_per_batch,
            capacity_factor=capacity_factor,
            name="switch",
        )
        transformer_block = TransformerBlock(
            embed_dim // num_heads, num_heads, switch, name="transformer_block"
        )
        inputs = layers.Input(shape=(num_tokens_per_example,), dtype="int32")
        embedding_layer = TokenAndPositionEmbedding(
            num_tokens_per_example, vocab_size, embed_dim, name="embedding"
        )
        x = embedding_layer(inputs)
        x = transformer_block(x)
        x = layers.GlobalAveragePooling1D()(x)
        x = layers.Dropout(0.0)(x)
        x = layers.Dense(ff_dim, activation="relu")(x)
        outputs = layers.Dense(2, activation="softmax")(x)
        return keras.Model(inputs=inputs, outputs=outputs, name="switch_classifier")

    rng = np.random.default_rng(11)
    x_all = rng.integers(1, vocab_size, size=(80, num_tokens_per_example))
    y_all = (np.sum(x_all < 8, axis=1) >= 3).astype("int32")
    x_train, y_train = x_all[:64].astype("int32"), y_all[:64]
    x_val, y_val = x_all[64:].astype("int32"), y_all[64:]

    classifier = create_classifier()
    _seed_weights(classifier, 3)
    switch = classifier.get_layer("transformer_block").ffn

    probs_before = classifier.predict_on_batch(x_train[:batch_size])
    # A direct call leaves the router's load-balancing loss in `losses`.
    tokens = ops.reshape(
        classifier.get_layer("embedding")(x_train[:batch_size]), (-1, embed_dim)
    )
    dispatch, combine = switch.router(tokens)
    call_losses = [float(v) for v in switch.router.losses]
    dispatch = np.asarray(dispatch)
    tokens_per_expert = dispatch.sum(axis=(0, 2)).astype(int).tolist()

    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = classifier.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=2,
        validation_data=(x_val, y_val),
        shuffle=False,
        verbose=0,
    )
    evaluation = classifier.evaluate(
        x_val, y_val, batch_size=batch_size, verbose=0, return_dict=True
    )
    predictions = classifier.predict(x_val, batch_size=batch_size, verbose=0)
    # The router's capacity counts the tokens of one batch, so each batch of
    # predictions depends on the whole batch: called batch by batch.
    by_batch = np.concatenate(
        [
            classifier.predict_on_batch(x_val[i : i + batch_size])
            for i in range(0, len(x_val), batch_size)
        ]
    )

    # Configs round-trip, the block rebuilding its switch FFN from its config.
    block = classifier.get_layer("transformer_block")
    block_config = block.get_config()
    rebuilt_block = TransformerBlock.from_config(block_config)
    router_config = switch.router.get_config()
    rebuilt_router = Router.from_config(router_config)

    # The router's load-balancing loss is part of the reported loss.
    picked = by_batch[np.arange(len(y_val)), y_val]
    aux_in_loss = evaluation["loss"] - float(np.mean(-np.log(picked)))
    assert aux_in_loss > 0.5, aux_in_loss

    path = workdir / "switch_classifier.keras"
    classifier.save(path)
    reloaded = keras.models.load_model(path)
    reloaded_predictions = reloaded.predict(x_val, batch_size=batch_size, verbose=0)
    np.testing.assert_allclose(reloaded_predictions, predictions, rtol=1e-5, atol=1e-6)

    return {
        "same_switch_history_keys": sorted(history.history),
        "close_switch_loss": history.history["loss"],
        "close_switch_val_loss": history.history["val_loss"],
        "close_switch_accuracy": history.history["accuracy"],
        "close_switch_evaluate": [evaluation[k] for k in sorted(evaluation)],
        "same_switch_evaluate_keys": sorted(evaluation),
        # The router's capacity is per batch: predict runs each batch alone.
        "close_switch_predictions": predictions,
        "close_switch_predictions_by_batch": by_batch,
        "close_switch_probs_before": np.asarray(probs_before),
        "close_switch_call_losses": call_losses,
        "close_switch_aux_in_loss": aux_in_loss,
        "same_switch_tokens_per_expert": tokens_per_expert,
        "same_switch_dispatch_shape": dispatch.shape,
        "close_switch_combine_sum": float(np.asarray(combine).sum()),
        "same_switch_expert_capacity": switch.expert_capacity,
        "same_switch_summary": _summary(classifier),
        "same_switch_weight_paths": [w.path for w in classifier.weights],
        "same_switch_params": [
            classifier.count_params(),
            len(classifier.trainable_weights),
            len(classifier.non_trainable_weights),
        ],
        "same_switch_block_config": block_config,
        "same_switch_rebuilt_block": [
            type(rebuilt_block.ffn).__name__,
            rebuilt_block.ffn.expert_capacity,
            rebuilt_block.get_config() == block_config,
        ],
        "same_switch_router_config": [
            router_config,
            rebuilt_router.get_config() == router_config,
        ],
        "same_switch_reloaded_types": [
            type(layer).__name__ for layer in reloaded.layers
        ],
    }


# ---------------------------------------------------------------------------
# Grouped-query and multi-head attention layers
# ---------------------------------------------------------------------------


def _attention_layers(keras):
    layers = keras.layers
    rng = np.random.default_rng(21)
    query = rng.normal(size=(2, 5, 8)).astype("float32")
    value = rng.normal(size=(2, 6, 8)).astype("float32")
    attention_mask = np.ones((2, 5, 6), dtype=bool)
    attention_mask[0, :, 4:] = False
    attention_mask[1, 2:, 5:] = False

    gqa = layers.GroupQueryAttention(
        head_dim=4, num_query_heads=4, num_key_value_heads=2, name="gqa"
    )
    gqa.build(query.shape, value.shape)
    _seed_weights(gqa, 22)
    gqa_out, gqa_scores = gqa(
        query, value, attention_mask=attention_mask, return_attention_scores=True
    )
    gqa_causal, gqa_causal_scores = gqa(
        query, query, use_causal_mask=True, return_attention_scores=True
    )
    gqa_config = gqa.get_config()
    gqa_copy = layers.GroupQueryAttention.from_config(gqa_config)
    gqa_copy.build(query.shape, value.shape)
    gqa_copy.set_weights(gqa.get_weights())
    np.testing.assert_allclose(
        np.asarray(gqa_copy(query, value, attention_mask=attention_mask)),
        np.asarray(gqa_out),
        rtol=1e-6,
        atol=1e-6,
    )
    bad_heads = _error(
        lambda: layers.GroupQueryAttention(
            head_dim=4, num_query_heads=3, num_key_value_heads=2
        )
    )

    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4, output_shape=6, name="mha")
    mha.build(query.shape, value.shape)
    _seed_weights(mha, 23)
    mha_out, mha_scores = mha(
        query, value, attention_mask=attention_mask, return_attention_scores=True
    )
    mha_causal, mha_causal_scores = mha(
        query, query, use_causal_mask=True, return_attention_scores=True
    )
    # A causal mask combines with an explicit mask.
    self_mask = np.ones((2, 5, 5), dtype=bool)
    self_mask[:, :, 0] = False
    mha_both = mha(query, query, attention_mask=self_mask, use_causal_mask=True)

    # In a functional model, with the scores as a second output.
    q_in = layers.Input(shape=(5, 8), name="query")
    v_in = layers.Input(shape=(6, 8), name="value")
    out, scores = layers.GroupQueryAttention(
        head_dim=4, num_query_heads=2, num_key_value_heads=1, name="gqa_fn"
    )(q_in, v_in, return_attention_scores=True)
    fn_model = keras.Model([q_in, v_in], [out, scores], name="gqa_model")
    _seed_weights(fn_model, 24)
    fn_out, fn_scores = fn_model.predict([query, value], verbose=0)

    return {
        "close_gqa_out": np.asarray(gqa_out),
        "close_gqa_scores": np.asarray(gqa_scores),
        "same_gqa_scores_shape": tuple(gqa_scores.shape),
        "same_gqa_masked_scores_zero": bool(
            np.all(np.asarray(gqa_scores)[0, :, :, 4:] == 0.0)
        ),
        "close_gqa_causal": np.asarray(gqa_causal),
        "close_gqa_causal_scores": np.asarray(gqa_causal_scores)[0, 0],
        "same_gqa_weights": [(w.path, tuple(w.shape)) for w in gqa.weights],
        "same_gqa_config": gqa_config,
        "same_gqa_bad_heads": bad_heads,
        "close_mha_out": np.asarray(mha_out),
        "close_mha_scores": np.asarray(mha_scores),
        "close_mha_causal": np.asarray(mha_causal),
        "close_mha_causal_scores": np.asarray(mha_causal_scores)[1, 1],
        "close_mha_both": np.asarray(mha_both),
        "same_mha_weights": [(w.path, tuple(w.shape)) for w in mha.weights],
        "same_gqa_model_summary": _summary(fn_model),
        "close_gqa_model_out": fn_out,
        "close_gqa_model_scores": fn_scores,
    }


# ---------------------------------------------------------------------------
# Normalization layers and attention ops
# ---------------------------------------------------------------------------


def _norms_and_ops(keras):
    layers, ops = keras.layers, keras.ops
    rng = np.random.default_rng(31)
    x = rng.normal(size=(2, 3, 6)).astype("float32") * 2.0 + 0.5

    rms = layers.RMSNormalization(epsilon=1e-5, name="rms")
    rms(x)
    rms.set_weights([np.linspace(0.5, 1.5, 6).astype("float32")])
    rms_out = rms(x)
    rms_config = rms.get_config()
    rms_config["axis"] = list(rms_config["axis"])  # a plain list to record

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ln_rms = layers.LayerNormalization(rms_scaling=True, name="ln_rms")
    ln_rms_warned = any("rms_scaling" in str(w.message) for w in caught)
    ln_rms(x)
    ln_rms.set_weights([np.linspace(0.5, 1.5, 6).astype("float32")])
    ln_rms_out = ln_rms(x)
    ln_rms_config = ln_rms.get_config()

    q = rng.normal(size=(2, 5, 4, 8)).astype("float32")
    k = rng.normal(size=(2, 5, 4, 8)).astype("float32")
    v = rng.normal(size=(2, 5, 4, 8)).astype("float32")
    k_grouped = rng.normal(size=(2, 5, 2, 8)).astype("float32")
    v_grouped = rng.normal(size=(2, 5, 2, 8)).astype("float32")
    mask = np.ones((2, 1, 5, 5), dtype=bool)
    mask[0, ..., 3:] = False
    bias = rng.normal(size=(1, 4, 5, 5)).astype("float32")

    dpa = ops.dot_product_attention(q, k, v)
    dpa_mask = ops.dot_product_attention(q, k, v, mask=mask)
    dpa_causal = ops.dot_product_attention(q, k, v, is_causal=True)
    dpa_bias = ops.dot_product_attention(q, k, v, bias=bias, scale=0.25)
    dpa_grouped = ops.dot_product_attention(q, k_grouped, v_grouped, is_causal=True)
    # The same, by hand with softmax.
    logits = ops.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(8.0)
    logits = ops.where(mask, logits, -1e9)
    manual = ops.einsum("bnts,bsnh->btnh", ops.softmax(logits, axis=-1), v)
    np.testing.assert_allclose(
        np.asarray(manual), np.asarray(dpa_mask), rtol=1e-5, atol=1e-5
    )

    scores = rng.normal(size=(4, 6)).astype("float32")
    top_values, top_indices = ops.top_k(scores, k=3)
    _, unsorted_indices = ops.top_k(scores, k=3, sorted=False)
    one_hot = ops.one_hot(np.array([0, 2, 5, 1]), 6)
    one_hot_2d = ops.one_hot(np.array([[1, 0], [3, 2]]), 4, dtype="int32")
    softmax_axis0 = ops.softmax(scores, axis=0)

    return {
        "close_rms": np.asarray(rms_out),
        "same_rms_config": rms_config,
        "same_rms_weights": [w.path for w in rms.weights],
        "same_ln_rms_warned": ln_rms_warned,
        "close_ln_rms": np.asarray(ln_rms_out),
        "same_ln_rms_config_flag": ln_rms_config["rms_scaling"],
        "same_ln_rms_weights": [w.path for w in ln_rms.weights],
        "close_dpa": np.asarray(dpa),
        "close_dpa_mask": np.asarray(dpa_mask),
        "close_dpa_causal": np.asarray(dpa_causal),
        "close_dpa_bias": np.asarray(dpa_bias),
        "close_dpa_grouped": np.asarray(dpa_grouped),
        "same_dpa_shapes": [tuple(t.shape) for t in (dpa, dpa_grouped)],
        "close_top_k_values": np.asarray(top_values),
        "same_top_k_indices": np.asarray(top_indices),
        "same_top_k_unsorted_set": np.sort(np.asarray(unsorted_indices), axis=-1),
        "same_one_hot": np.asarray(one_hot),
        "same_one_hot_2d": np.asarray(one_hot_2d),
        "same_one_hot_2d_dtype": str(one_hot_2d.dtype),
        "close_softmax_axis0": np.asarray(softmax_axis0),
    }


# ---------------------------------------------------------------------------
# Perceiver
# ---------------------------------------------------------------------------


def _perceiver(keras, workdir):
    layers, ops = keras.layers, keras.ops

    num_classes = 3
    image_size = 8
    patch_size = 4
    num_patches = (image_size // patch_size) ** 2
    latent_dim = 4
    projection_dim = 8
    num_heads = 2
    num_transformer_blocks = 1
    ffn_units = [projection_dim, projection_dim]
    num_iterations = 2
    classifier_units = [projection_dim, num_classes]

    class Patches(layers.Layer):
        def __init__(self, patch_size):
            super().__init__()
            self.patch_size = patch_size

        def call(self, images):
            batch_size = ops.shape(images)[0]
            patches = ops.image.extract_patches(
                images,
                size=(self.patch_size, self.patch_size),
                strides=(self.patch_size, self.patch_size),
                dilation_rate=1,
                padding="valid",
            )
            patch_dims = patches.shape[-1]
            return ops.reshape(patches, [batch_size, -1, patch_dims])

    class PatchEncoder(layers.Layer):
        def __init__(self, num_patches, projection_dim):
            super().__init__()
            self.num_patches = num_patches
            self.projection = layers.Dense(units=projection_dim)
            self.position_embedding = layers.Embedding(
                input_dim=num_patches, output_dim=projection_dim
            )

        def call(self, patches):
            positions = ops.arange(start=0, stop=self.num_patches, step=1)
            return self.projection(patches) + self.position_embedding(positions)

    def create_ffn(hidden_units, dropout_rate):
        ffn_layers = []
        for units in hidden_units[:-1]:
            ffn_layers.append(layers.Dense(units, activation=keras.activations.gelu))
        ffn_layers.append(layers.Dense(units=hidden_units[-1]))
        ffn_layers.append(layers.Dropout(dropout_rate))
        return keras.Sequential(ffn_layers)

    def create_cross_attention_module(latent_dim, data_dim, projection_dim, ffn_units):
        inputs = {
            "latent_array": layers.Input(
                shape=(latent_dim, projection_dim), name="latent_array"
            ),
            "data_array": layers.Input(
                shape=(data_dim, projection_dim), name="data_array"
            ),
        }
        latent_array = layers.LayerNormalization(epsilon=1e-6)(inputs["latent_array"])
        data_array = layers.LayerNormalization(epsilon=1e-6)(inputs["data_array"])
        query = layers.Dense(units=projection_dim)(latent_array)
        key = layers.Dense(units=projection_dim)(data_array)
        value = layers.Dense(units=projection_dim)(data_array)
        attention_output = layers.Attention(use_scale=True, dropout=0.0)(
            [query, key, value], return_attention_scores=False
        )
        attention_output = layers.Add()([attention_output, latent_array])
        attention_output = layers.LayerNormalization(epsilon=1e-6)(attention_output)
        ffn = create_ffn(hidden_units=ffn_units, dropout_rate=0.0)
        outputs = ffn(attention_output)
        outputs = layers.Add()([outputs, attention_output])
        return keras.Model(inputs=inputs, outputs=outputs, name="cross_attention")

    def create_transformer_module(
        latent_dim, projection_dim, num_heads, num_transformer_blocks, ffn_units
    ):
        inputs = layers.Input(shape=(latent_dim, projection_dim))
        x0 = inputs
        for _ in range(num_transformer_blocks):
            x1 = layers.LayerNormalization(epsilon=1e-6)(x0)
            attention_output = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=projection_dim, dropout=0.0
            )(x1, x1)
            x2 = layers.Add()([attention_output, x0])
            x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
            ffn = create_ffn(hidden_units=ffn_units, dropout_rate=0.0)
            x3 = ffn(x3)
            x0 = layers.Add()([x3, x2])
        return keras.Model(inputs=inputs, outputs=x0, name="transformer")

    class Perceiver(keras.Model):
        def __init__(
            self,
            patch_size,
            data_dim,
            latent_dim,
            projection_dim,
            num_heads,
            num_transformer_blocks,
            ffn_units,
            num_iterations,
            classifier_units,
        ):
            super().__init__()
            self.latent_dim = latent_dim
            self.data_dim = data_dim
            self.patch_size = patch_size
            self.projection_dim = projection_dim
            self.num_heads = num_heads
            self.num_transformer_blocks = num_transformer_blocks
            self.ffn_units = ffn_units
            self.num_iterations = num_iterations
            self.classifier_units = classifier_units

        def build(self, input_shape):
            # Create latent array.
            self.latent_array = self.add_weight(
                shape=(self.latent_dim, self.projection_dim),
                initializer="random_normal",
                trainable=True,
                name="latent_array",
            )
            self.patcher = Patches(self.patch_size)
            self.patch_encoder = PatchEncoder(self.data_dim, self.projection_dim)
            self.cross_attention = create_cross_attention_module(
                self.latent_dim, self.data_dim, self.projection_dim, self.ffn_units
            )
            self.transformer = create_transformer_module(
                self.latent_dim,
                self.projection_dim,
                self.num_heads,
                self.num_transformer_blocks,
                self.ffn_units,
            )
            self.global_average_pooling = layers.GlobalAveragePooling1D()
            self.classification_head = create_ffn(
                hidden_units=self.classifier_units, dropout_rate=0.0
            )
            super().build(input_shape)

        def call(self, inputs):
            patches = self.patcher(inputs)
            encoded_patches = self.patch_encoder(patches)
            batch_size = ops.shape(inputs)[0]
            latent = ops.broadcast_to(
                ops.expand_dims(self.latent_array, 0),
                (batch_size, self.latent_dim, self.projection_dim),
            )
            cross_attention_inputs = {
                "latent_array": latent,
                "data_array": encoded_patches,
            }
            # Apply the cross-attention and the Transformer modules iteratively.
            for _ in range(self.num_iterations):
                latent_array = self.cross_attention(cross_attention_inputs)
                latent_array = self.transformer(latent_array)
                cross_attention_inputs["latent_array"] = latent_array
            representation = self.global_average_pooling(latent_array)
            return self.classification_head(representation)

    rng = np.random.default_rng(41)
    n = 24
    labels = np.arange(n) % num_classes
    images = 0.2 * rng.normal(size=(n, image_size, image_size, 3)).astype("float32")
    for i, label in enumerate(labels):
        images[i, :, :, label] += 1.0
        if label == 2:
            images[i, :4, :4, :] += 0.5

    def make():
        model = Perceiver(
            patch_size,
            num_patches,
            latent_dim,
            projection_dim,
            num_heads,
            num_transformer_blocks,
            ffn_units,
            num_iterations,
            classifier_units,
        )
        # A symbolic call builds the model (its `build` makes the sub-modules).
        model(keras.Input(shape=(image_size, image_size, 3)))
        return model

    model = make()
    _seed_weights(model, 42)
    latent_before = np.asarray(model.latent_array).copy()
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.0001),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="acc"),
            keras.metrics.SparseTopKCategoricalAccuracy(2, name="top2-acc"),
        ],
    )
    history = model.fit(
        images, labels, batch_size=8, epochs=2, shuffle=False, verbose=0
    )
    logits = model.predict(images[:6], verbose=0)
    latent_after = np.asarray(model.latent_array)

    weights_path = workdir / "perceiver.weights.h5"
    model.save_weights(weights_path)
    fresh = make()
    fresh.load_weights(weights_path)
    np.testing.assert_allclose(
        fresh.predict(images[:6], verbose=0), logits, rtol=1e-5, atol=1e-6
    )
    patches = model.patcher(images[:2])

    return {
        "same_perceiver_history_keys": sorted(history.history),
        "close_perceiver_loss": history.history["loss"],
        "close_perceiver_acc": history.history["acc"],
        "close_perceiver_logits": logits,
        "close_perceiver_latent_change": latent_after - latent_before,
        "same_perceiver_weight_paths": [w.path for w in model.weights],
        "same_perceiver_params": model.count_params(),
        "same_perceiver_patch_shape": tuple(patches.shape),
        "close_perceiver_patches": np.asarray(patches)[0, 1, :12],
        "same_perceiver_cross_attention_summary": _summary(model.cross_attention),
        "same_perceiver_cross_attention_inputs": [
            t.name for t in model.cross_attention.inputs
        ],
    }


# ---------------------------------------------------------------------------
# Involution
# ---------------------------------------------------------------------------


def _involution(keras, workdir):
    layers, ops = keras.layers, keras.ops

    @keras.saving.register_keras_serializable(package="moe_involution")
    class Involution(layers.Layer):
        def __init__(
            self, channel, group_number, kernel_size, stride, reduction_ratio, **kwargs
        ):
            super().__init__(**kwargs)
            # Initialize the parameters.
            self.channel = channel
            self.group_number = group_number
            self.kernel_size = kernel_size
            self.stride = stride
            self.reduction_ratio = reduction_ratio

        def build(self, input_shape):
            # Get the shape of the input.
            (_, height, width, num_channels) = input_shape
            # Scale the height and width with respect to the strides.
            height = height // self.stride
            width = width // self.stride
            # Define a layer that average pools the input tensor
            # if stride is more than 1.
            self.stride_layer = (
                layers.AveragePooling2D(
                    pool_size=self.stride, strides=self.stride, padding="same"
                )
                if self.stride > 1
                else layers.Identity()
            )
            # Define the kernel generation layer.
            self.kernel_gen = keras.Sequential(
                [
                    # No bias before BatchNormalization: its gradient is only
                    # rounding noise, which Adam would turn into full steps.
                    layers.Conv2D(
                        filters=self.channel // self.reduction_ratio,
                        kernel_size=1,
                        use_bias=False,
                    ),
                    layers.BatchNormalization(),
                    layers.ReLU(),
                    layers.Conv2D(
                        filters=self.kernel_size * self.kernel_size * self.group_number,
                        kernel_size=1,
                    ),
                ]
            )
            self.kernel_gen.build((None, height, width, num_channels))
            # Define reshape layers
            self.kernel_reshape = layers.Reshape(
                target_shape=(
                    height,
                    width,
                    self.kernel_size * self.kernel_size,
                    1,
                    self.group_number,
                )
            )
            self.input_patches_reshape = layers.Reshape(
                target_shape=(
                    height,
                    width,
                    self.kernel_size * self.kernel_size,
                    num_channels // self.group_number,
                    self.group_number,
                )
            )
            self.output_reshape = layers.Reshape(
                target_shape=(height, width, num_channels)
            )

        def call(self, x):
            # Generate the kernel with respect to the input tensor.
            # B, H, W, K*K*G
            kernel_input = self.stride_layer(x)
            kernel = self.kernel_gen(kernel_input)
            # reshape the kerenl
            # B, H, W, K*K, 1, G
            kernel = self.kernel_reshape(kernel)
            # Extract input patches.
            # B, H, W, K*K*C
            input_patches = ops.image.extract_patches(
                x,
                size=self.kernel_size,
                strides=self.stride,
                padding="same",
            )
            # Reshape the input patches to align with later operations.
            # B, H, W, K*K, C//G, G
            input_patches = self.input_patches_reshape(input_patches)
            # Compute the multiply-add operation of kernels and patches.
            # B, H, W, K*K, C//G, G
            output = ops.multiply(kernel, input_patches)
            # B, H, W, C//G, G
            output = ops.sum(output, axis=3)
            # Reshape the output kernel.
            # B, H, W, C
            output = self.output_reshape(output)
            # Return the output tensor and the kernel.
            return output, kernel

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "channel": self.channel,
                    "group_number": self.group_number,
                    "kernel_size": self.kernel_size,
                    "stride": self.stride,
                    "reduction_ratio": self.reduction_ratio,
                }
            )
            return config

    rng = np.random.default_rng(51)
    n = 32
    labels = np.arange(n) % 2
    images = 0.3 * rng.normal(size=(n, 8, 8, 3)).astype("float32")
    images[labels == 1, 2:6, 2:6, :] += 1.0

    # A standalone call, as the example first checks the layer.
    input_tensor = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    standalone = Involution(
        channel=3,
        group_number=1,
        kernel_size=5,
        stride=2,
        reduction_ratio=1,
        name="inv_standalone",
    )
    standalone.build(input_tensor.shape)
    _seed_weights(standalone, 52)
    output_tensor, kernel = standalone(input_tensor)

    inputs = keras.Input(shape=(8, 8, 3))
    x, _ = Involution(
        channel=3,
        group_number=1,
        kernel_size=3,
        stride=1,
        reduction_ratio=1,
        name="inv_1",
    )(inputs)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x, _ = Involution(
        channel=3,
        group_number=3,
        kernel_size=3,
        stride=2,
        reduction_ratio=1,
        name="inv_2",
    )(x)
    x = layers.ReLU()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(8, activation="relu")(x)
    outputs = layers.Dense(2)(x)
    model = keras.Model(inputs=[inputs], outputs=[outputs], name="inv_model")
    _seed_weights(model, 53)
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(
        images, labels, batch_size=8, epochs=2, shuffle=False, verbose=0
    )
    raw_logits = model.predict(images[:4], verbose=0)
    # A model built with `outputs=[outputs]` returns the one array alone.
    logits = np.reshape(raw_logits, (4, 2))

    # A model exposing the first layer's kernels, as the example visualizes them.
    kernel_model = keras.Model(
        inputs=model.inputs, outputs=model.get_layer("inv_1").output[1]
    )
    kernels = kernel_model.predict(images[:2], verbose=0)

    path = workdir / "involution.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(
        np.reshape(reloaded.predict(images[:4], verbose=0), (4, 2)),
        logits,
        rtol=1e-5,
        atol=1e-6,
    )
    bn = model.get_layer("inv_1").kernel_gen.layers[1]

    return {
        "same_inv_standalone_shapes": [
            tuple(output_tensor.shape),
            tuple(kernel.shape),
        ],
        "close_inv_standalone_output": np.asarray(output_tensor),
        "close_inv_standalone_kernel": np.asarray(kernel)[0, 0],
        "same_inv_history_keys": sorted(history.history),
        "close_inv_loss": history.history["loss"],
        "close_inv_logits": logits,
        "same_inv_predict_type": [type(raw_logits).__name__, np.shape(raw_logits)],
        "close_inv_kernels": kernels[:, 2:4, 2:4].ravel(),
        "close_inv_moving_mean": np.asarray(bn.moving_mean),
        "same_inv_summary": _summary(model),
        "same_inv_weight_paths": [w.path for w in model.weights],
        "same_inv_config": model.get_layer("inv_2").get_config(),
        "same_inv_reloaded_types": [type(layer).__name__ for layer in reloaded.layers],
    }


def run(keras, workdir):
    keras.utils.set_random_seed(0)
    results = {}
    results.update(_switch_transformer(keras, workdir))
    results.update(_attention_layers(keras))
    results.update(_norms_and_ops(keras))
    results.update(_perceiver(keras, workdir))
    results.update(_involution(keras, workdir))
    return results
