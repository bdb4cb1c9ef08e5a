"""TabTransformer, memory-efficient embeddings and a two-tower retrieval model.

In the style of three keras.io examples, on tiny generated data:

- "Structured data learning with TabTransformer": a census-like table (string and
  integer categorical columns, numeric columns, a 0/1 label) as a dict of numpy
  arrays. StringLookup / IntegerLookup with explicit vocabularies encode each
  categorical feature (Keras on JAX cannot carry string tensors inside a model, so
  the string lookups run on the numpy columns, as the example's tf.data map does);
  the Functional TabTransformer takes a dict of `keras.Input` keyed by feature
  name: an Embedding per categorical feature, `ops.stack`, a column embedding over
  `ops.arange`, stacked transformer blocks (MultiHeadAttention, Add,
  LayerNormalization, a Sequential feed-forward with gelu), numerical features
  through LayerNormalization, concatenation and a BatchNormalization / selu MLP;
  and the example's MLP baseline. Both compiled with AUC and BinaryAccuracy, fit
  on the dict with validation_data and `shuffle=False`, evaluated and predicted.
  A serving model puts IntegerLookup inside the model in front of the trained
  TabTransformer (predict runs it without jit, as Keras does).
- "Memory-efficient embeddings for recommendation systems": `QREmbedding` (the
  quotient / remainder trick, `ops.floor_divide` / `ops.mod`, element-wise product)
  and `MDEmbedding` (mixed-dimension blocks by frequency, Dense projections to the
  base dimension, block masks), checked against numpy and by parameter counts.
- A two-tower retrieval model: query and candidate towers are Functional
  sub-models ending in UnitNormalization, a subclassed Model with a custom
  `compute_loss` (in-batch softmax: `ops.matmul(q, ops.transpose(c))`, labels
  `ops.arange`), fit without targets, then top-k retrieval over all candidates
  with `ops.top_k` (training positives masked) and recall@k computed by hand.

Every trainable weight that a `close_*` value depends on is set from numpy, so both
libraries compute the same numbers.
"""

import numpy as np

WORKCLASS = ["Private", "Self-emp", "Federal-gov", "Local-gov", "State-gov"]
EDUCATION = ["HS-grad", "Some-college", "Bachelors", "Masters", "Doctorate"]
MARITAL = ["Married", "Never-married", "Divorced", "Widowed"]
OCCUPATION = ["Tech", "Craft", "Service", "Sales", "Exec", "Prof"]
STRING_FEATURES = {
    "workclass": WORKCLASS,
    "education": EDUCATION,
    "marital_status": MARITAL,
    "occupation": OCCUPATION,
}
# Integer-coded categorical columns, with sparse codes.
INTEGER_FEATURES = {
    "region_code": [11, 23, 37, 41, 58],
    "num_children": [0, 1, 2, 3],
}
NUMERIC_FEATURES = ["age", "hours_per_week", "capital_gain"]
CATEGORICAL_FEATURES = list(STRING_FEATURES) + list(INTEGER_FEATURES)


def make_table(n, seed):
    rng = np.random.default_rng(seed)
    data = {
        "workclass": rng.choice(WORKCLASS, p=[0.5, 0.15, 0.1, 0.15, 0.1], size=n),
        "education": rng.choice(EDUCATION, p=[0.3, 0.25, 0.25, 0.12, 0.08], size=n),
        "marital_status": rng.choice(MARITAL, p=[0.45, 0.3, 0.15, 0.1], size=n),
        "occupation": rng.choice(OCCUPATION, size=n),
        "region_code": rng.choice(INTEGER_FEATURES["region_code"], size=n).astype(
            "int32"
        ),
        "num_children": rng.integers(0, 4, size=n).astype("int32"),
        "age": rng.integers(18, 75, size=n).astype("float32"),
        "hours_per_week": np.clip(rng.normal(40, 10, size=n), 5, 80)
        .round()
        .astype("float32"),
        "capital_gain": np.where(rng.random(n) < 0.2, rng.exponential(3.0, n), 0.0)
        .round(2)
        .astype("float32"),
    }
    score = (
        1.2 * (data["marital_status"] == "Married")
        + 0.6 * np.array([EDUCATION.index(e) for e in data["education"]])
        + 0.9 * np.isin(data["occupation"], ["Exec", "Prof"])
        + 0.05 * (data["hours_per_week"] - 40)
        - 0.001 * (data["age"] - 45) ** 2
        + 0.5 * (data["capital_gain"] > 0)
        + 0.4 * (data["region_code"] == 37)
        - 2.2
    )
    label = (score + rng.normal(0, 0.5, size=n) > 0).astype("float32")
    return data, label


def seeded_weights(model, seed):
    """A numpy-seeded value for each of `model.weights`, same shapes and order."""
    rng = np.random.default_rng(seed)
    values = []
    for v in model.weights:
        shape = tuple(v.shape)
        name = v.name
        if name == "gamma":
            value = 1.0 + 0.1 * rng.normal(size=shape)
        elif name == "moving_mean":
            value = np.zeros(shape)
        elif name == "moving_variance":
            value = np.ones(shape)
        elif len(shape) >= 2:
            value = rng.normal(size=shape) / np.sqrt(np.prod(shape[:-1]))
        else:
            value = 0.1 * rng.normal(size=shape)
        values.append(value.astype("float32"))
    return values


def summary_lines(model):
    text = []
    model.summary(line_length=80, print_fn=lambda line, *a, **kw: text.append(line))
    return [line.rstrip() for line in "\n".join(text).splitlines() if line.strip()]


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    numpy = ops.convert_to_numpy
    keras.utils.set_random_seed(0)
    out = {}

    # =========================== TabTransformer ==================================
    data, label = make_table(320, seed=11)
    n_train = 256
    train = {k: v[:n_train] for k, v in data.items()}
    test = {k: v[n_train:] for k, v in data.items()}
    # Values outside the vocabularies go to the OOV index 0.
    test["workclass"][:3] = "Never-worked"
    test["region_code"][3:5] = 99
    y_train, y_test = label[:n_train], label[n_train:]
    out["same_label_counts"] = np.bincount(label.astype("int64")).tolist()

    lookups = {
        name: layers.StringLookup(
            vocabulary=vocab, mask_token=None, num_oov_indices=1, name=f"{name}_lookup"
        )
        for name, vocab in STRING_FEATURES.items()
    }
    lookups.update(
        {
            name: layers.IntegerLookup(
                vocabulary=vocab,
                mask_token=None,
                num_oov_indices=1,
                name=f"{name}_lookup",
            )
            for name, vocab in INTEGER_FEATURES.items()
        }
    )
    out["same_vocab_sizes"] = {n: lk.vocabulary_size() for n, lk in lookups.items()}
    out["same_workclass_vocab"] = [
        str(v) for v in lookups["workclass"].get_vocabulary()
    ]
    out["same_region_vocab"] = [int(v) for v in lookups["region_code"].get_vocabulary()]

    def encode(table):
        """The example's `prepare_example`: categorical columns to indices."""
        encoded = {}
        for name in CATEGORICAL_FEATURES:
            encoded[name] = numpy(lookups[name](table[name])).astype("int32")
        for name in NUMERIC_FEATURES:
            encoded[name] = table[name]
        return encoded

    x_train, x_test = encode(train), encode(test)
    out["same_encoded_test_head"] = {
        name: x_test[name][:8].tolist() for name in CATEGORICAL_FEATURES
    }
    # Back from indices to strings through the vocabulary (an `invert=True` lookup
    # would return a string tensor, which JAX has not).
    vocabulary = lookups["workclass"].get_vocabulary()
    out["same_decoded_workclass"] = [
        str(vocabulary[i]) for i in x_test["workclass"][:6]
    ]

    embedding_dims = 8

    def create_model_inputs():
        inputs = {}
        for name in NUMERIC_FEATURES:
            inputs[name] = layers.Input(name=name, shape=(), dtype="float32")
        for name in CATEGORICAL_FEATURES:
            inputs[name] = layers.Input(name=name, shape=(), dtype="int32")
        return inputs

    def encode_inputs(inputs, embedding_dims):
        encoded_categorical_feature_list = []
        numerical_feature_list = []
        for name in inputs:
            if name in CATEGORICAL_FEATURES:
                embedding = layers.Embedding(
                    input_dim=lookups[name].vocabulary_size(),
                    output_dim=embedding_dims,
                    name=f"{name}_embedding",
                )
                encoded_categorical_feature_list.append(embedding(inputs[name]))
            else:
                numerical_feature_list.append(ops.expand_dims(inputs[name], -1))
        return encoded_categorical_feature_list, numerical_feature_list

    def create_mlp(hidden_units, dropout_rate, activation, normalization_layer, name):
        mlp_layers = []
        for units in hidden_units:
            mlp_layers.append(normalization_layer())
            mlp_layers.append(layers.Dense(units, activation=activation))
            mlp_layers.append(layers.Dropout(dropout_rate))
        return keras.Sequential(mlp_layers, name=name)

    def create_tabtransformer_classifier(
        num_transformer_blocks,
        num_heads,
        embedding_dims,
        mlp_hidden_units_factors,
        dropout_rate,
        use_column_embedding=False,
    ):
        inputs = create_model_inputs()
        categorical_list, numerical_list = encode_inputs(inputs, embedding_dims)
        encoded_categorical_features = ops.stack(categorical_list, axis=1)
        numerical_features = layers.concatenate(numerical_list)
        if use_column_embedding:
            num_columns = encoded_categorical_features.shape[1]
            # Called on a concrete `ops.arange`, the embedding is evaluated once, at
            # model construction: the model holds its value as a constant (not a
            # weight). A numpy-seeded initializer makes that constant the same.
            column_embedding = layers.Embedding(
                input_dim=num_columns,
                output_dim=embedding_dims,
                embeddings_initializer=keras.initializers.Constant(
                    np.random.default_rng(4).normal(
                        scale=0.5, size=(num_columns, embedding_dims)
                    )
                ),
                name="column_emb",
            )
            column_indices = ops.arange(start=0, stop=num_columns, step=1)
            encoded_categorical_features = encoded_categorical_features + (
                column_embedding(column_indices)
            )
        for block_idx in range(num_transformer_blocks):
            attention_output = layers.MultiHeadAttention(
                num_heads=num_heads,
                key_dim=embedding_dims,
                dropout=dropout_rate,
                name=f"multihead_attention_{block_idx}",
            )(encoded_categorical_features, encoded_categorical_features)
            x = layers.Add(name=f"skip_connection1_{block_idx}")(
                [attention_output, encoded_categorical_features]
            )
            x = layers.LayerNormalization(
                name=f"layer_norm1_{block_idx}", epsilon=1e-6
            )(x)
            feedforward_output = create_mlp(
                hidden_units=[embedding_dims],
                dropout_rate=dropout_rate,
                activation=keras.activations.gelu,
                normalization_layer=lambda: layers.LayerNormalization(epsilon=1e-6),
                name=f"feedforward_{block_idx}",
            )(x)
            x = layers.Add(name=f"skip_connection2_{block_idx}")(
                [feedforward_output, x]
            )
            encoded_categorical_features = layers.LayerNormalization(
                name=f"layer_norm2_{block_idx}", epsilon=1e-6
            )(x)
        categorical_features = layers.Flatten()(encoded_categorical_features)
        numerical_features = layers.LayerNormalization(epsilon=1e-6)(numerical_features)
        features = layers.concatenate([categorical_features, numerical_features])
        mlp_hidden_units = [
            factor * features.shape[-1] for factor in mlp_hidden_units_factors
        ]
        features = create_mlp(
            hidden_units=mlp_hidden_units,
            dropout_rate=dropout_rate,
            activation=keras.activations.selu,
            normalization_layer=layers.BatchNormalization,
            name="MLP",
        )(features)
        outputs = layers.Dense(units=1, activation="sigmoid", name="sigmoid")(features)
        return keras.Model(inputs=inputs, outputs=outputs, name="tabtransformer")

    def create_baseline_model(embedding_dims, num_mlp_blocks, mlp_hidden_units_factors):
        inputs = create_model_inputs()
        categorical_list, numerical_list = encode_inputs(inputs, embedding_dims)
        features = layers.concatenate(categorical_list + numerical_list)
        feedforward_units = [features.shape[-1]]
        for layer_idx in range(num_mlp_blocks):
            features = create_mlp(
                hidden_units=feedforward_units,
                dropout_rate=0.0,
                activation=keras.activations.gelu,
                normalization_layer=lambda: layers.LayerNormalization(epsilon=1e-6),
                name=f"feedforward_{layer_idx}",
            )(features)
        mlp_hidden_units = [
            factor * features.shape[-1] for factor in mlp_hidden_units_factors
        ]
        features = create_mlp(
            hidden_units=mlp_hidden_units,
            dropout_rate=0.0,
            activation=keras.activations.selu,
            normalization_layer=layers.BatchNormalization,
            name="MLP",
        )(features)
        outputs = layers.Dense(units=1, activation="sigmoid", name="sigmoid")(features)
        return keras.Model(inputs=inputs, outputs=outputs, name="baseline")

    def train_and_evaluate(model, seed, epochs=3):
        model.set_weights(seeded_weights(model, seed))
        initial = model.predict(x_test, batch_size=64, verbose=0)
        model.compile(
            # epsilon 1e-4, not 1e-7: weights whose gradient is zero up to float
            # noise (a Dense bias or LayerNormalization beta before
            # BatchNormalization, the attention key bias) would otherwise move by
            # ~lr on rounding noise, which differs with the order of operations.
            optimizer=keras.optimizers.AdamW(
                learning_rate=0.01, weight_decay=1e-4, epsilon=1e-4
            ),
            loss=keras.losses.BinaryCrossentropy(),
            metrics=[
                keras.metrics.AUC(name="auc"),
                keras.metrics.BinaryAccuracy(name="accuracy"),
            ],
        )
        history = model.fit(
            x_train,
            y_train,
            batch_size=64,
            epochs=epochs,
            validation_data=(x_test, y_test),
            shuffle=False,
            verbose=0,
        )
        results = model.evaluate(x_test, y_test, batch_size=64, verbose=0)
        return initial, history.history, results

    # TabTransformer: dropout 0 so that fit computes the same numbers.
    tabtransformer = create_tabtransformer_classifier(
        num_transformer_blocks=2,
        num_heads=2,
        embedding_dims=embedding_dims,
        mlp_hidden_units_factors=[2, 1],
        dropout_rate=0.0,
        use_column_embedding=True,
    )
    out["same_tab_params"] = tabtransformer.count_params()
    out["same_tab_input_names"] = sorted(t.name for t in tabtransformer.inputs)
    out["same_tab_output_names"] = list(tabtransformer.output_names)
    out["same_tab_weight_paths"] = [w.path for w in tabtransformer.weights]
    out["same_tab_weight_shapes"] = [tuple(w.shape) for w in tabtransformer.weights]
    out["same_tab_layers"] = [
        (layer.name, type(layer).__name__) for layer in tabtransformer.layers
    ]
    out["same_tab_summary"] = summary_lines(tabtransformer)
    initial, tab_history, tab_results = train_and_evaluate(tabtransformer, seed=1)
    out["close_tab_initial_predictions"] = initial[:, 0]
    out["same_tab_history_keys"] = sorted(tab_history)
    for key in ("loss", "auc", "accuracy", "val_loss", "val_auc", "val_accuracy"):
        out[f"close_tab_history_{key}"] = np.asarray(tab_history[key])
    out["close_tab_evaluate"] = np.asarray(tab_results)
    tab_probs = tabtransformer.predict(x_test, batch_size=64, verbose=0)
    out["same_tab_predict_shape"] = tab_probs.shape
    out["close_tab_predictions"] = tab_probs[:, 0]
    assert tab_history["loss"][-1] < tab_history["loss"][0]
    assert tab_results[1] > 0.7, tab_results  # AUC well above chance

    # Metrics by hand on the predictions agree with evaluate's.
    accuracy = keras.metrics.BinaryAccuracy()
    accuracy.update_state(y_test[:, None], tab_probs)
    auc = keras.metrics.AUC(num_thresholds=200)
    auc.update_state(y_test, tab_probs[:, 0])
    out["close_tab_metric_objects"] = np.array(
        [float(auc.result()), float(accuracy.result())]
    )
    np.testing.assert_allclose(
        out["close_tab_metric_objects"], tab_results[1:], rtol=1e-5, atol=1e-6
    )

    # The MLP baseline.
    baseline = create_baseline_model(
        embedding_dims=embedding_dims, num_mlp_blocks=2, mlp_hidden_units_factors=[2, 1]
    )
    out["same_baseline_params"] = baseline.count_params()
    out["same_baseline_layers"] = [
        (layer.name, type(layer).__name__) for layer in baseline.layers
    ]
    out["same_baseline_summary"] = summary_lines(baseline)
    initial, base_history, base_results = train_and_evaluate(baseline, seed=2)
    out["close_baseline_initial_predictions"] = initial[:, 0]
    out["close_baseline_history_loss"] = np.asarray(base_history["loss"])
    out["close_baseline_history_val_auc"] = np.asarray(base_history["val_auc"])
    out["close_baseline_evaluate"] = np.asarray(base_results)
    assert base_history["loss"][-1] < base_history["loss"][0]
    out["baseline_vs_tab_auc"] = (float(base_results[1]), float(tab_results[1]))

    # A serving model: IntegerLookup inside the model, before the trained
    # TabTransformer; it takes the raw integer codes.
    raw_inputs = create_model_inputs()
    routed = dict(raw_inputs)
    for name, vocab in INTEGER_FEATURES.items():
        routed[name] = layers.IntegerLookup(
            vocabulary=vocab, mask_token=None, num_oov_indices=1, name=f"serve_{name}"
        )(raw_inputs[name])
    serving = keras.Model(raw_inputs, tabtransformer(routed), name="serving")
    x_raw = dict(x_test)
    for name in INTEGER_FEATURES:
        x_raw[name] = test[name]
    out["close_serving_call"] = numpy(serving(x_raw))[:, 0]
    # Uncompiled: Keras turns jit off for IntegerLookup (supports_jit=False).
    out["close_serving_predict"] = serving.predict(x_raw, batch_size=64, verbose=0)[
        :, 0
    ]
    np.testing.assert_allclose(
        out["close_serving_predict"], tab_probs[:, 0], rtol=1e-5, atol=1e-6
    )

    # =================== Memory-efficient embeddings =============================
    class QREmbedding(layers.Layer):
        def __init__(self, vocabulary_size, embedding_dim, num_buckets, **kwargs):
            super().__init__(**kwargs)
            self.vocabulary_size = vocabulary_size
            self.embedding_dim = embedding_dim
            self.num_buckets = num_buckets
            num_quotients = -(-vocabulary_size // num_buckets)
            self.q_embeddings = layers.Embedding(num_quotients, embedding_dim)
            self.r_embeddings = layers.Embedding(num_buckets, embedding_dim)

        def build(self, input_shape):
            self.q_embeddings.build(input_shape)
            self.r_embeddings.build(input_shape)

        def call(self, inputs):
            quotient_index = ops.floor_divide(inputs, self.num_buckets)
            remainder_index = ops.mod(inputs, self.num_buckets)
            quotient_embedding = self.q_embeddings(quotient_index)
            remainder_embedding = self.r_embeddings(remainder_index)
            return quotient_embedding * remainder_embedding

        def get_config(self):
            config = super().get_config()
            config.update(
                vocabulary_size=self.vocabulary_size,
                embedding_dim=self.embedding_dim,
                num_buckets=self.num_buckets,
            )
            return config

    class MDEmbedding(layers.Layer):
        """Mixed-dimension embedding: frequent ids get wider embeddings.

        `blocks` are (start, stop, dim) ranges of the (frequency-sorted) index.
        """

        def __init__(self, blocks, base_embedding_dim, **kwargs):
            super().__init__(**kwargs)
            self.blocks = [tuple(b) for b in blocks]
            self.base_embedding_dim = base_embedding_dim
            # Filled after assignment, as keras.io's example does.
            self.block_embeddings, self.block_projectors = [], []
            for idx, (start, stop, dim) in enumerate(self.blocks):
                self.block_embeddings.append(
                    layers.Embedding(stop - start, dim, name=f"block_{idx}_embedding")
                )
                if dim == base_embedding_dim:
                    self.block_projectors.append(None)
                else:
                    self.block_projectors.append(
                        layers.Dense(
                            base_embedding_dim,
                            use_bias=False,
                            name=f"block_{idx}_projection",
                        )
                    )

        def build(self, input_shape):
            for (_, _, dim), embed, project in zip(
                self.blocks, self.block_embeddings, self.block_projectors
            ):
                embed.build(input_shape)
                if project is not None:
                    project.build(tuple(input_shape) + (dim,))

        def call(self, inputs):
            embeddings = ops.zeros(
                (ops.shape(inputs)[0], self.base_embedding_dim),
                dtype=self.compute_dtype,
            )
            for (start, stop, _), embed, project in zip(
                self.blocks, self.block_embeddings, self.block_projectors
            ):
                local = ops.clip(inputs - start, 0, stop - start - 1)
                block = embed(local)
                if project is not None:
                    block = project(block)
                in_block = ops.logical_and(inputs >= start, inputs < stop)
                mask = ops.expand_dims(ops.cast(in_block, self.compute_dtype), 1)
                embeddings = embeddings + block * mask
            return embeddings

    # Standalone checks against numpy.
    ids = np.array([0, 1, 7, 8, 9, 30, 47, 48], dtype="int32")
    qr = QREmbedding(vocabulary_size=49, embedding_dim=4, num_buckets=8, name="qr")
    qr.build((None,))
    qr_values = seeded_weights(qr, 5)
    qr.set_weights(qr_values)
    out["same_qr_weight_shapes"] = [tuple(w.shape) for w in qr.weights]
    qr_out = numpy(qr(ids))
    expected = qr_values[0][ids // 8] * qr_values[1][ids % 8]
    np.testing.assert_allclose(qr_out, expected, rtol=1e-6)
    out["close_qr_out"] = qr_out
    out["same_qr_config"] = {
        k: v for k, v in qr.get_config().items() if k not in ("dtype", "trainable")
    }
    full = layers.Embedding(49, 4)
    full.build((None,))
    out["same_qr_vs_full_params"] = (qr.count_params(), full.count_params())

    md = MDEmbedding(blocks=[(0, 6, 8), (6, 20, 4), (20, 49, 2)], base_embedding_dim=8)
    md.build((None,))
    md_values = seeded_weights(md, 6)
    md.set_weights(md_values)
    out["same_md_weight_paths"] = [w.path for w in md.weights]
    md_out = numpy(md(ids))
    named = {w.path.split("/", 1)[1]: v for w, v in zip(md.weights, md_values)}
    table0, table1, table2 = (
        named[f"block_{i}_embedding/embeddings"] for i in range(3)
    )
    proj1, proj2 = (named[f"block_{i}_projection/kernel"] for i in (1, 2))
    expected = np.stack(
        [
            table0[i]
            if i < 6
            else (table1[i - 6] @ proj1 if i < 20 else table2[i - 20] @ proj2)
            for i in ids
        ]
    )
    np.testing.assert_allclose(md_out, expected, rtol=1e-5, atol=1e-6)
    out["close_md_out"] = md_out
    out["same_md_params"] = md.count_params()

    # ======================== Two-tower retrieval ================================
    rng = np.random.default_rng(21)
    num_users, num_items, num_groups, num_categories = 40, 60, 4, 5
    user_ids = 1000 + 13 * np.arange(num_users)
    item_ids = 5000 + 7 * np.arange(num_items)
    user_group = rng.integers(0, num_groups, size=num_users).astype("int32")
    item_category = rng.integers(0, num_categories, size=num_items).astype("int32")
    taste = rng.normal(size=(num_users, 3)) + np.eye(num_groups, 3)[user_group]
    item_factor = (
        rng.normal(size=(num_items, 3)) + np.eye(num_categories, 3)[item_category]
    )
    popularity = np.sort(rng.exponential(1.0, size=num_items))[::-1]
    positives = []
    for u in range(num_users):
        logits = 1.5 * item_factor @ taste[u] + popularity
        p = np.exp(logits - logits.max())
        positives.append(rng.choice(num_items, size=6, replace=False, p=p / p.sum()))
    positives = np.array(positives)
    train_pos, held_out = positives[:, :4], positives[:, 4:]
    pair_users = np.repeat(np.arange(num_users), 4)
    pair_items = train_pos.reshape(-1)
    order = rng.permutation(len(pair_users))
    pair_users, pair_items = pair_users[order], pair_items[order]

    # Raw ids to indices (frequency-sorted items: popular ones first).
    user_lookup = layers.IntegerLookup(vocabulary=user_ids, mask_token=None)
    item_lookup = layers.IntegerLookup(vocabulary=item_ids, mask_token=None)
    user_index = numpy(user_lookup(user_ids[pair_users])).astype("int32")
    item_index = numpy(item_lookup(item_ids[pair_items])).astype("int32")
    out["same_item_index_head"] = item_index[:10].tolist()
    pairs = {
        "user_index": user_index,
        "user_group": user_group[pair_users],
        "item_index": item_index,
        "item_category": item_category[pair_items],
    }

    emb_dim = 8

    def make_query_tower():
        uid = keras.Input(shape=(), dtype="int32", name="user_index")
        grp = keras.Input(shape=(), dtype="int32", name="user_group")
        u = QREmbedding(num_users + 1, emb_dim, num_buckets=8, name="user_qr")(uid)
        g = layers.Embedding(num_groups, emb_dim, name="group_embedding")(grp)
        h = layers.Concatenate()([u, g])
        h = layers.Dense(16, activation="relu", name="query_hidden")(h)
        h = layers.Dense(emb_dim, name="query_projection")(h)
        h = layers.UnitNormalization()(h)
        return keras.Model({"user_index": uid, "user_group": grp}, h, name="query")

    def make_candidate_tower():
        iid = keras.Input(shape=(), dtype="int32", name="item_index")
        cat = keras.Input(shape=(), dtype="int32", name="item_category")
        e = MDEmbedding(
            blocks=[(0, 10, emb_dim), (10, 30, 4), (30, num_items + 1, 2)],
            base_embedding_dim=emb_dim,
            name="item_md",
        )(iid)
        c = layers.Embedding(num_categories, emb_dim, name="category_embedding")(cat)
        h = layers.Concatenate()([e, c])
        h = layers.Dense(16, activation="relu", name="candidate_hidden")(h)
        h = layers.Dense(emb_dim, name="candidate_projection")(h)
        h = layers.UnitNormalization()(h)
        return keras.Model({"item_index": iid, "item_category": cat}, h, name="cand")

    class TwoTowerRetrieval(keras.Model):
        def __init__(self, query_tower, candidate_tower, temperature=0.1, **kwargs):
            super().__init__(**kwargs)
            self.query_tower = query_tower
            self.candidate_tower = candidate_tower
            self.temperature = temperature

        def call(self, inputs):
            query = self.query_tower(
                {"user_index": inputs["user_index"], "user_group": inputs["user_group"]}
            )
            candidate = self.candidate_tower(
                {
                    "item_index": inputs["item_index"],
                    "item_category": inputs["item_category"],
                }
            )
            return query, candidate

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            query, candidate = y_pred
            scores = ops.matmul(query, ops.transpose(candidate)) / self.temperature
            labels = ops.arange(ops.shape(query)[0])
            losses = keras.losses.sparse_categorical_crossentropy(
                labels, scores, from_logits=True
            )
            return ops.mean(losses)

    query_tower, candidate_tower = make_query_tower(), make_candidate_tower()
    retrieval = TwoTowerRetrieval(query_tower, candidate_tower, name="retrieval")
    batch = {k: v[:16] for k, v in pairs.items()}
    retrieval(batch)  # builds both towers
    retrieval.set_weights(seeded_weights(retrieval, 9))
    out["same_retrieval_weight_paths"] = [w.path for w in retrieval.weights]
    out["same_tower_params"] = (
        query_tower.count_params(),
        candidate_tower.count_params(),
    )

    # The in-batch softmax loss on one batch, against numpy.
    q, c = (numpy(t) for t in retrieval(batch))
    loss = float(retrieval.compute_loss(x=batch, y_pred=(q, c)))
    scores = q @ c.T / 0.1
    log_softmax = scores - np.log(np.exp(scores).sum(1, keepdims=True))
    np.testing.assert_allclose(loss, -np.mean(np.diag(log_softmax)), rtol=1e-5)
    out["close_batch_loss"] = loss
    out["close_query_embeddings"] = q[:4]

    all_items = {
        "item_index": numpy(item_lookup(item_ids)).astype("int32"),
        "item_category": item_category,
    }
    all_users = {
        "user_index": numpy(user_lookup(user_ids)).astype("int32"),
        "user_group": user_group,
    }
    seen = np.zeros((num_users, num_items), bool)
    seen[np.arange(num_users)[:, None], train_pos] = True
    k = 10

    def retrieve():
        candidates = candidate_tower.predict(all_items, batch_size=32, verbose=0)
        queries = query_tower.predict(all_users, batch_size=32, verbose=0)
        scores = ops.matmul(queries, ops.transpose(candidates))
        scores = ops.where(seen, -1e9, scores)  # no already-seen items
        values, indices = ops.top_k(scores, k=k)
        indices = numpy(indices)
        hits = [len(set(indices[u]) & set(held_out[u])) for u in range(num_users)]
        recall = float(np.sum(hits) / held_out.size)
        return numpy(values), indices, recall

    values0, indices0, recall0 = retrieve()
    out["close_topk_values_initial"] = values0[:5]
    out["same_topk_indices_initial"] = indices0[:5]
    out["recall_at_10_initial"] = recall0

    retrieval.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02))
    history = retrieval.fit(pairs, batch_size=32, epochs=6, shuffle=False, verbose=0)
    out["same_retrieval_history_keys"] = sorted(history.history)
    out["close_retrieval_loss"] = np.asarray(history.history["loss"])
    assert history.history["loss"][-1] < history.history["loss"][0]
    values1, indices1, recall1 = retrieve()
    out["close_topk_values_trained"] = values1[:5]
    out["recall_at_10_trained"] = recall1
    # Better than drawing 10 of the ~56 unseen items at random.
    assert recall1 > 1.5 * k / (num_items - 4), recall1
    return out
