"""Gated residual / variable selection networks, Deep & Cross, neural decision forests.

Three keras.io structured-data examples, miniaturized, on a generated census-like
table (numeric and categorical numpy columns; no tf.data, no CSV):

- "Classification with Gated Residual and Variable Selection Networks": custom
  layers GatedLinearUnit, GatedResidualNetwork (Dropout, LayerNormalization, a
  projection Dense used only when the widths differ) and VariableSelection (a
  list of GRNs, a softmax over features, ops.stack / matmul / squeeze), each with
  get_config; one Embedding per categorical feature, Normalization with a given
  mean / variance and a Dense per numeric feature; a Functional model on a dict
  of `keras.Input(name=..., shape=())`; get_config / from_config round trips.
- "Deep & Cross Network": a custom Cross layer (x0 * (W x + b) + x, full rank
  and low rank) stacked, with a deep tower, concatenated, compared with a plain
  deep model.
- "Classification with Neural Decision Forests": a NeuralDecisionTree layer in
  keras.ops (one_hot feature masks from fixed numpy indices, sigmoid routing
  through a binary tree with ops.tile / reshape / take / concatenate, leaf
  weights pi created in __init__ as a trainable weight, softmax over classes),
  and a NeuralDecisionForest averaging a few trees.

StringLookup / IntegerLookup with given vocabularies encode the categorical
columns outside the models. Every weight is set from a numpy seed, so losses after
a few fit steps, predictions and evaluate results compare across libraries.
"""

import numpy as np

WORKCLASS = ["private", "self_emp", "gov", "never_worked"]
EDUCATION = [9, 10, 13, 14, 16]
NUMERIC = {"age": (40.0, 150.0), "hours": (40.0, 100.0), "capital": (1.0, 4.0)}
CATEGORICAL = ["workclass", "education"]
FEATURES = list(NUMERIC) + CATEGORICAL


def make_table(n, seed):
    rng = np.random.default_rng(seed)
    data = {
        "age": rng.normal(40.0, 12.0, size=n).astype("float32"),
        "hours": rng.normal(40.0, 10.0, size=n).astype("float32"),
        "capital": rng.exponential(1.0, size=n).astype("float32"),
        # "unknown" is out of vocabulary: the OOV index.
        "workclass": rng.choice(WORKCLASS + ["unknown"], size=n),
        "education": rng.choice(EDUCATION + [12], size=n).astype("int64"),
    }
    score = (
        0.05 * (data["age"] - 40)
        + 0.06 * (data["hours"] - 40)
        + 0.8 * (data["capital"] - 1)
        + 0.7 * (data["workclass"] == "self_emp")
        + 0.25 * (data["education"] - 12)
    )
    target = (score + rng.normal(0, 0.5, size=n) > 0).astype("int64")
    return data, target


def seed_weights(model, seed):
    """Set every weight of `model` from numpy, in `model.weights` order."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if w.name in ("gamma", "moving_variance"):
            v = 1.0 + 0.1 * rng.normal(size=shape)
        elif len(shape) >= 2:
            v = rng.normal(size=shape) / np.sqrt(shape[0])
        else:
            v = 0.1 * rng.normal(size=shape)
        values.append(v.astype("float32"))
    model.set_weights(values)


def run(keras, workdir):
    layers = keras.layers
    ops = keras.ops
    keras.utils.set_random_seed(0)
    out = {}

    # --- Data and lookups (outside the models) ---------------------------------
    raw, target = make_table(128, seed=7)
    workclass_lookup = layers.StringLookup(vocabulary=WORKCLASS, num_oov_indices=1)
    education_lookup = layers.IntegerLookup(vocabulary=EDUCATION, num_oov_indices=1)
    encoded = {name: raw[name] for name in NUMERIC}
    encoded["workclass"] = np.asarray(workclass_lookup(raw["workclass"])).astype(
        "int32"
    )
    encoded["education"] = np.asarray(education_lookup(raw["education"])).astype(
        "int32"
    )
    vocab_sizes = {
        "workclass": workclass_lookup.vocabulary_size(),
        "education": education_lookup.vocabulary_size(),
    }
    out["same_vocab"] = [
        workclass_lookup.get_vocabulary(),
        [int(v) for v in education_lookup.get_vocabulary()],
    ]
    out["same_vocab_sizes"] = vocab_sizes
    out["same_lookup_first"] = [
        encoded["workclass"][:8].tolist(),
        encoded["education"][:8].tolist(),
    ]
    n_train = 96
    x_train = {k: v[:n_train] for k, v in encoded.items()}
    x_test = {k: v[n_train:] for k, v in encoded.items()}
    y_train, y_test = target[:n_train], target[n_train:]
    out["same_target_counts"] = np.bincount(target).tolist()

    encoding_size = 4

    def make_inputs():
        inputs = {}
        for name in FEATURES:
            dtype = "float32" if name in NUMERIC else "int32"
            inputs[name] = keras.Input(name=name, shape=(), dtype=dtype)
        return inputs

    def encode_inputs(inputs):
        encoded_features = []
        for name in FEATURES:
            if name in NUMERIC:
                mean, variance = NUMERIC[name]
                value = ops.expand_dims(inputs[name], -1)
                value = layers.Normalization(mean=mean, variance=variance)(value)
                encoded_features.append(layers.Dense(encoding_size)(value))
            else:
                embedding = layers.Embedding(
                    input_dim=vocab_sizes[name], output_dim=encoding_size
                )
                encoded_features.append(embedding(inputs[name]))
        return encoded_features

    # --- (1) Gated residual and variable selection networks --------------------
    class GatedLinearUnit(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.linear = layers.Dense(units)
            self.sigmoid = layers.Dense(units, activation="sigmoid")

        def call(self, inputs):
            return self.linear(inputs) * self.sigmoid(inputs)

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    class GatedResidualNetwork(layers.Layer):
        def __init__(self, units, dropout_rate, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dropout_rate = dropout_rate
            self.elu_dense = layers.Dense(units, activation="elu")
            self.linear_dense = layers.Dense(units)
            self.dropout = layers.Dropout(dropout_rate)
            self.gated_linear_unit = GatedLinearUnit(units)
            self.layer_norm = layers.LayerNormalization()
            self.project = layers.Dense(units)

        def call(self, inputs, training=None):
            x = self.elu_dense(inputs)
            x = self.linear_dense(x)
            x = self.dropout(x, training=training)
            if inputs.shape[-1] != self.units:
                inputs = self.project(inputs)
            x = inputs + self.gated_linear_unit(x)
            return self.layer_norm(x)

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units, "dropout_rate": self.dropout_rate})
            return config

    class VariableSelection(layers.Layer):
        def __init__(self, num_features, units, dropout_rate, **kwargs):
            super().__init__(**kwargs)
            self.num_features = num_features
            self.units = units
            self.dropout_rate = dropout_rate
            self.grns = [
                GatedResidualNetwork(units, dropout_rate) for _ in range(num_features)
            ]
            self.grn_concat = GatedResidualNetwork(num_features, dropout_rate)
            self.softmax = layers.Dense(units=num_features, activation="softmax")

        def call(self, inputs, training=None):
            v = layers.concatenate(inputs)
            v = self.grn_concat(v, training=training)
            v = ops.expand_dims(self.softmax(v), axis=-1)
            x = [grn(inp, training=training) for grn, inp in zip(self.grns, inputs)]
            x = ops.stack(x, axis=1)
            return ops.squeeze(ops.matmul(ops.transpose(v, axes=[0, 2, 1]), x), axis=1)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "num_features": self.num_features,
                    "units": self.units,
                    "dropout_rate": self.dropout_rate,
                }
            )
            return config

    def create_grn_model(dropout_rate):
        inputs = make_inputs()
        features = encode_inputs(inputs)
        features = VariableSelection(len(FEATURES), encoding_size, dropout_rate)(
            features
        )
        outputs = layers.Dense(units=1, activation="sigmoid")(features)
        return keras.Model(inputs=inputs, outputs=outputs, name="grn_vsn")

    grn_model = create_grn_model(dropout_rate=0.0)
    seed_weights(grn_model, 1)
    out["same_grn_params"] = [
        grn_model.count_params(),
        len(grn_model.trainable_weights),
        len(grn_model.non_trainable_weights),
    ]
    out["same_grn_weight_paths"] = [w.path for w in grn_model.weights]
    out["same_grn_input_names"] = sorted(grn_model.input.keys())
    vsn = grn_model.layers[-2]
    out["same_vsn_class"] = type(vsn).__name__
    out["same_vsn_sublayers"] = [len(vsn.grns), len(vsn.grns[0].weights)]
    # The projection is only built where the input width differs from units.
    out["same_project_built"] = [
        vsn.grn_concat.project.built,
        vsn.grns[0].project.built,
    ]
    # Selection weights: a softmax over the features sums to one.
    encoder = keras.Model(grn_model.input, vsn.input)
    encoded_test = [ops.convert_to_numpy(e) for e in encoder(x_test)]
    selection_in = ops.convert_to_numpy(
        vsn.softmax(vsn.grn_concat(ops.concatenate(encoded_test, axis=-1)))
    )
    assert np.allclose(selection_in.sum(-1), 1.0, atol=1e-5)
    out["close_feature_selection"] = selection_in
    out["same_encoded_shapes"] = [tuple(e.shape) for e in encoded_test]

    grn_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    history = grn_model.fit(
        x_train,
        y_train,
        batch_size=32,
        epochs=2,
        shuffle=False,
        validation_data=(x_test, y_test),
        verbose=0,
    )
    out["same_grn_history_keys"] = sorted(history.history)
    out["close_grn_loss"] = history.history["loss"]
    out["close_grn_val_loss"] = history.history["val_loss"]
    grn_after = grn_model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    out["close_grn_evaluate"] = [grn_after["loss"], grn_after["accuracy"]]
    grn_pred = grn_model.predict(x_test, verbose=0)
    out["close_grn_predict"] = grn_pred
    out["same_grn_predict_shape"] = grn_pred.shape
    assert history.history["loss"][1] < history.history["loss"][0]

    configs = {}
    for layer in (
        GatedLinearUnit(3, name="glu"),
        GatedResidualNetwork(5, 0.1, name="grn"),
        VariableSelection(3, 4, 0.2, name="vsn"),
    ):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        configs[layer.name] = [
            {k: config[k] for k in config if k not in ("dtype",)},
            clone.get_config() == config,
        ]
    out["same_custom_configs"] = configs

    # --- (2) Deep & Cross Network ---------------------------------------------
    class Cross(layers.Layer):
        """x0 * (W x + b) + x; W = U V when projection_dim is set (low rank)."""

        def __init__(self, projection_dim=None, **kwargs):
            super().__init__(**kwargs)
            self.projection_dim = projection_dim

        def build(self, input_shape):
            dim = input_shape[0][-1]
            if self.projection_dim is None:
                self.kernel = self.add_weight(
                    name="kernel", shape=(dim, dim), initializer="glorot_uniform"
                )
            else:
                self.u = self.add_weight(
                    name="u",
                    shape=(dim, self.projection_dim),
                    initializer="glorot_uniform",
                )
                self.v = self.add_weight(
                    name="v",
                    shape=(self.projection_dim, dim),
                    initializer="glorot_uniform",
                )
            self.bias = self.add_weight(name="bias", shape=(dim,), initializer="zeros")

        def call(self, inputs):
            x0, x = inputs
            if self.projection_dim is None:
                prod = ops.matmul(x, self.kernel)
            else:
                prod = ops.matmul(ops.matmul(x, self.u), self.v)
            return x0 * (prod + self.bias) + x

        def compute_output_shape(self, input_shape):
            return input_shape[0]

        def get_config(self):
            config = super().get_config()
            config.update({"projection_dim": self.projection_dim})
            return config

    def deep_tower(x, units):
        for n in units:
            x = layers.Dense(n, activation="relu")(x)
        return x

    def create_dcn_model():
        inputs = make_inputs()
        x0 = layers.concatenate(encode_inputs(inputs))
        cross = x0
        cross = Cross(name="cross_full")([x0, cross])
        cross = Cross(projection_dim=3, name="cross_low_rank")([x0, cross])
        deep = deep_tower(x0, [8, 8])
        merged = layers.concatenate([cross, deep])
        outputs = layers.Dense(1, activation="sigmoid")(merged)
        return keras.Model(inputs, outputs, name="deep_and_cross")

    def create_deep_model():
        inputs = make_inputs()
        x = layers.concatenate(encode_inputs(inputs))
        x = deep_tower(x, [8, 8])
        outputs = layers.Dense(1, activation="sigmoid")(x)
        return keras.Model(inputs, outputs, name="deep_only")

    comparison = {}
    for seed, build in ((2, create_dcn_model), (3, create_deep_model)):
        model = build()
        seed_weights(model, seed)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=0.02),
            loss="binary_crossentropy",
            metrics=["accuracy", keras.metrics.AUC(name="auc")],
        )
        hist = model.fit(
            x_train, y_train, batch_size=48, epochs=2, shuffle=False, verbose=0
        )
        result = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
        comparison[model.name] = (model, hist, result)
        out[f"same_{model.name}_params"] = model.count_params()
        out[f"close_{model.name}_loss"] = hist.history["loss"]
        out[f"close_{model.name}_evaluate"] = [result["loss"], result["auc"]]
        out[f"same_{model.name}_evaluate_keys"] = sorted(result)
    dcn = comparison["deep_and_cross"][0]
    out["same_dcn_weight_paths"] = [w.path for w in dcn.weights]
    out["same_cross_weight_shapes"] = [
        [tuple(w.shape) for w in dcn.get_layer(n).weights]
        for n in ("cross_full", "cross_low_rank")
    ]
    out["close_dcn_predict"] = dcn.predict(x_test, verbose=0)
    out["close_cross_low_rank_u"] = dcn.get_layer("cross_low_rank").u.numpy()
    cross_config = dcn.get_layer("cross_low_rank").get_config()
    out["same_cross_config"] = [
        cross_config["projection_dim"],
        cross_config["name"],
        Cross.from_config(cross_config).get_config() == cross_config,
    ]

    # --- (3) Neural decision forests ------------------------------------------
    num_classes = 2

    class NeuralDecisionTree(layers.Layer):
        def __init__(self, depth, num_features, used_features, num_classes, **kwargs):
            super().__init__(**kwargs)
            self.depth = depth
            self.num_leaves = 2**depth
            self.num_features = num_features
            self.used_features = list(used_features)
            self.num_classes = num_classes
            # A fixed mask of the used features, [num_used, num_features].
            self.used_features_mask = ops.one_hot(
                np.asarray(self.used_features, "int32"), num_features
            )
            # The weights of the classes in the leaves.
            self.pi = self.add_weight(
                name="pi",
                initializer="random_normal",
                shape=[self.num_leaves, num_classes],
                dtype="float32",
                trainable=True,
            )
            # The stochastic routing layer.
            self.decision_fn = layers.Dense(
                units=self.num_leaves, activation="sigmoid", name="decision"
            )

        def call(self, features):
            batch_size = ops.shape(features)[0]
            features = ops.matmul(features, ops.transpose(self.used_features_mask))
            decisions = ops.expand_dims(self.decision_fn(features), axis=2)
            decisions = layers.concatenate([decisions, 1 - decisions], axis=2)
            mu = ops.ones([batch_size, 1, 1])
            begin_idx, end_idx = 1, 2
            # Traverse the tree in breadth-first order.
            for level in range(self.depth):
                mu = ops.reshape(mu, [batch_size, -1, 1])
                mu = ops.tile(mu, (1, 1, 2))
                level_decisions = ops.take(
                    decisions, np.arange(begin_idx, end_idx), axis=1
                )
                mu = mu * level_decisions
                begin_idx = end_idx
                end_idx = begin_idx + 2 ** (level + 1)
            mu = ops.reshape(mu, [batch_size, self.num_leaves])
            probabilities = keras.activations.softmax(self.pi)
            return ops.matmul(mu, probabilities)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.num_classes)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "depth": self.depth,
                    "num_features": self.num_features,
                    "used_features": self.used_features,
                    "num_classes": self.num_classes,
                }
            )
            return config

    class NeuralDecisionForest(layers.Layer):
        def __init__(self, depth, num_features, feature_sets, num_classes, **kwargs):
            super().__init__(**kwargs)
            self.num_classes = num_classes
            self.ensemble = [
                NeuralDecisionTree(depth, num_features, used, num_classes)
                for used in feature_sets
            ]

        def call(self, inputs):
            batch_size = ops.shape(inputs)[0]
            outputs = ops.zeros([batch_size, self.num_classes])
            for tree in self.ensemble:
                outputs += tree(inputs)
            return outputs / len(self.ensemble)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.num_classes)

    num_encoded = len(FEATURES) * encoding_size
    feature_sets = [
        [0, 2, 5, 7, 9, 12, 15, 18, 19],
        [1, 3, 4, 8, 10, 11, 13, 16],
        [0, 1, 6, 12, 14, 17, 18, 19, 2, 5],
    ]

    def create_forest_model(tree_depth, sets, name):
        inputs = make_inputs()
        features = layers.concatenate(encode_inputs(inputs))
        features = layers.BatchNormalization(momentum=0.5)(features)
        head = NeuralDecisionForest(tree_depth, num_encoded, sets, num_classes)
        outputs = head(features)
        return keras.Model(inputs, outputs, name=name)

    # One depth-2 tree, called eagerly on encoded features.
    tree = NeuralDecisionTree(2, 6, [0, 2, 5], num_classes, name="small_tree")
    tree_in = np.random.default_rng(8).normal(size=(5, 6)).astype("float32")
    tree(tree_in)  # built by its first call (it has no `build`)
    tree.set_weights(
        [
            np.random.default_rng(9).normal(size=w.shape).astype("float32")
            for w in tree.weights
        ]
    )
    tree_out = ops.convert_to_numpy(tree(tree_in))
    assert np.allclose(tree_out.sum(-1), 1.0, atol=1e-5)
    out["same_small_tree_weights"] = [(w.path, tuple(w.shape)) for w in tree.weights]
    out["close_small_tree"] = tree_out

    forest_model = create_forest_model(3, feature_sets, "forest")
    seed_weights(forest_model, 5)
    forest_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    hist = forest_model.fit(
        x_train, y_train, batch_size=32, epochs=2, shuffle=False, verbose=0
    )
    assert hist.history["loss"][1] < hist.history["loss"][0]
    after = forest_model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    pred = forest_model.predict(x_test, verbose=0)
    assert np.allclose(pred.sum(-1), 1.0, atol=1e-5)
    out["same_forest_params"] = [
        forest_model.count_params(),
        len(forest_model.trainable_weights),
        len(forest_model.non_trainable_weights),
    ]
    out["same_forest_history_keys"] = sorted(hist.history)
    out["close_forest_loss"] = hist.history["loss"]
    out["close_forest_evaluate"] = [after["loss"], after["sparse_categorical_accuracy"]]
    out["close_forest_predict"] = pred
    out["same_forest_evaluate_keys"] = sorted(after)
    forest_layer = forest_model.layers[-1]
    out["same_forest_weight_paths"] = [w.path for w in forest_model.weights]
    out["same_tree_pi_shapes"] = [tuple(t.pi.shape) for t in forest_layer.ensemble]
    out["close_forest_pi"] = [ops.convert_to_numpy(t.pi) for t in forest_layer.ensemble]
    tree_config = forest_layer.ensemble[1].get_config()
    out["same_tree_config"] = [
        {k: tree_config[k] for k in ("depth", "num_features", "used_features")},
        NeuralDecisionTree.from_config(tree_config).get_config() == tree_config,
    ]

    class Wrapper(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = layers.Dense(4)

        def call(self, x):
            return self.inner(x)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], 4)

    probe_in = keras.Input((3,))
    # The inner Dense is built by tracing call (no build(), a
    # compute_output_shape of its own).
    out["same_unbuilt_sublayer_params"] = keras.Model(
        probe_in, Wrapper()(probe_in)
    ).count_params()
    return out
