"""Census-style tabular models: Wide, Deep & Cross, and Variable Selection Networks.

In the style of keras.io's "Structured data learning with Wide, Deep, and Cross
networks" and "Classification with Gated Residual and Variable Selection
Networks", on a generated census-like table (numeric, string and integer
categorical columns, a binary income label), with Keras-only preprocessing:

- a preprocessing model on a dict of `keras.Input` of dtype "string", "int64" and
  "float32": StringLookup / IntegerLookup (output modes "int", "one_hot",
  "multi_hot"; num_oov_indices; mask_token), Hashing, HashedCrossing,
  Discretization (adapt with num_bins). Under JAX these TF-based layers run
  eagerly on the numpy columns, outside the trained models; the preprocessing
  model is saved and reloaded, its vocabularies restored;
- a Wide, Deep & Cross model on the encoded dict: Normalization.adapt,
  Discretization(bin_boundaries), CategoryEncoding, one Embedding per feature, a
  crossed one-hot wide part, a deep part and a cross network written as a custom
  layer (x0 * (W x + b) + x);
- a Variable Selection Network of custom layers (GLU, gated residual network with
  LayerNormalization, softmax feature weights, ops.stack / squeeze / matmul);
- fit on a dict of numpy arrays with validation_data, class_weight, BinaryAccuracy /
  AUC / Precision / Recall, EarlyStopping(restore_best_weights=True); evaluate and
  predict on dicts; summaries and parameter counts; save to .keras, load_model,
  the same predictions after loading.

Trainable weights are set from a numpy seed, so the two libraries train the same
numbers.
"""

import io
from contextlib import redirect_stdout

import numpy as np

WORKCLASS = [
    "Private",
    "Self-emp-not-inc",
    "Self-emp-inc",
    "Federal-gov",
    "Local-gov",
    "State-gov",
]
EDUCATION = {
    "11th": 7,
    "HS-grad": 9,
    "Some-college": 10,
    "Assoc-voc": 11,
    "Bachelors": 13,
    "Masters": 14,
    "Prof-school": 15,
    "Doctorate": 16,
}
MARITAL = ["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed"]
# "" is a missing occupation, as census rows with "?".
OCCUPATION = [
    "Tech-support",
    "Craft-repair",
    "Other-service",
    "Sales",
    "Exec-managerial",
    "Prof-specialty",
    "Handlers-cleaners",
    "Adm-clerical",
    "",
]
RELATIONSHIP = ["Husband", "Not-in-family", "Own-child", "Unmarried", "Wife"]
RACE = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]
GENDER = ["Male", "Female"]
COUNTRIES = [
    "United-States",
    "Mexico",
    "Philippines",
    "Germany",
    "Canada",
    "India",
    "England",
    "Cuba",
    "China",
    "Italy",
]
BENEFITS = ["health", "dental", "pension", "stock"]

NUMERIC = ["age", "hours_per_week", "capital_gain"]
STRING_CATEGORICAL = [
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "gender",
]
TARGET = "income_bracket"


def make_census(n, seed):
    """A dict of numpy columns, census-like, and a 0/1 income label."""
    rng = np.random.default_rng(seed)
    education = rng.choice(
        list(EDUCATION), p=[0.08, 0.3, 0.22, 0.08, 0.16, 0.08, 0.03, 0.05], size=n
    )
    education_num = np.array([EDUCATION[e] for e in education], dtype="int64")
    education_num[rng.random(n) < 0.05] = 0  # missing
    data = {
        "age": rng.integers(17, 80, size=n).astype("float32"),
        "hours_per_week": np.clip(rng.normal(40, 12, size=n), 1, 99)
        .round()
        .astype("float32"),
        "capital_gain": np.where(
            rng.random(n) < 0.15, rng.exponential(5000.0, size=n), 0.0
        )
        .round()
        .astype("float32"),
        "workclass": rng.choice(WORKCLASS, p=[0.6, 0.1, 0.06, 0.06, 0.1, 0.08], size=n),
        "education": education,
        "education_num": education_num,
        "marital_status": rng.choice(MARITAL, p=[0.45, 0.3, 0.15, 0.05, 0.05], size=n),
        "occupation": rng.choice(OCCUPATION, size=n),
        "relationship": rng.choice(RELATIONSHIP, size=n),
        "race": rng.choice(RACE, p=[0.8, 0.1, 0.05, 0.03, 0.02], size=n),
        "gender": rng.choice(GENDER, p=[0.65, 0.35], size=n),
        "native_country": rng.choice(COUNTRIES, size=n),
    }
    # Up to three benefits per person, "" padded.
    benefits = np.full((n, 3), "", dtype="<U8")
    for i in range(n):
        k = rng.integers(0, 4)
        benefits[i, :k] = rng.choice(BENEFITS, size=k, replace=False)
    data["benefits"] = benefits
    score = (
        1.2 * (data["marital_status"] == "Married-civ-spouse")
        + 0.25 * (np.maximum(education_num, 9) - 10)
        - 0.002 * (data["age"] - 45) ** 2
        + 0.04 * (data["hours_per_week"] - 40)
        + 1.5 * (data["capital_gain"] > 0)
        + 0.8 * np.isin(data["occupation"], ["Exec-managerial", "Prof-specialty"])
        + 0.7 * (benefits == "stock").any(axis=1)
        - 1.3
    )
    label = (score + rng.normal(0, 0.6, size=n) > 0).astype("int64")
    return data, label


def seed_weights(model, seed):
    """Sets every trainable weight from a numpy seed (adapted states untouched)."""
    rng = np.random.default_rng(seed)
    for v in model.trainable_weights:
        shape = tuple(v.shape)
        if v.name == "gamma":
            value = np.ones(shape)
        elif len(shape) > 1:
            value = rng.normal(size=shape) / np.sqrt(shape[0])
        else:
            value = np.zeros(shape)
        v.assign(value.astype("float32"))


def summary_text(model, **kwargs):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary(**kwargs)
    return buf.getvalue()


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    numpy = keras.ops.convert_to_numpy
    keras.utils.set_random_seed(0)
    out = {}

    data, label = make_census(384, seed=7)
    n_train = 320
    train = {k: v[:n_train] for k, v in data.items()}
    val = {k: v[n_train:] for k, v in data.items()}
    # Categories never seen in training (OOV buckets).
    val["workclass"][:6] = "Never-worked"
    val["native_country"][6:10] = "Holand-Netherlands"
    val["education_num"][10:12] = 12
    y_train, y_val = label[:n_train], label[n_train:]
    out["same_label_counts"] = np.bincount(label).tolist()

    # --- Keras preprocessing layers, adapted on the training split ---------------
    lookups = {}
    for name in STRING_CATEGORICAL:
        if name == "occupation":
            # "" (missing) maps to the mask index 0; two OOV buckets.
            lookup = layers.StringLookup(
                mask_token="", num_oov_indices=2, name=f"{name}_lookup"
            )
        else:
            lookup = layers.StringLookup(name=f"{name}_lookup")
        lookup.adapt(train[name])
        lookups[name] = lookup
    education_num_lookup = layers.IntegerLookup(
        mask_token=0, num_oov_indices=1, name="education_num_lookup"
    )
    education_num_lookup.adapt(train["education_num"])
    benefits_lookup = layers.StringLookup(
        mask_token="", output_mode="multi_hot", name="benefits_lookup"
    )
    benefits_lookup.adapt(train["benefits"])
    gender_one_hot = layers.StringLookup(
        vocabulary=GENDER, num_oov_indices=0, output_mode="one_hot", name="gender_oh"
    )
    education_num_one_hot = layers.IntegerLookup(
        vocabulary=sorted(set(EDUCATION.values())),
        output_mode="one_hot",
        name="education_num_oh",
    )
    country_hashing = layers.Hashing(num_bins=8, name="native_country_hash")
    age_buckets = layers.Discretization(num_bins=5, epsilon=0.01, name="age_buckets")
    age_buckets.adapt(train["age"])
    education_x_occupation = layers.HashedCrossing(
        num_bins=32, output_mode="one_hot", name="education_x_occupation"
    )
    age_x_gender = layers.HashedCrossing(num_bins=16, name="age_x_gender")

    out["same_vocabularies"] = {
        name: lookup.get_vocabulary() for name, lookup in lookups.items()
    }
    out["same_vocab_sizes"] = {
        name: lookup.vocabulary_size() for name, lookup in lookups.items()
    }
    out["same_education_num_vocab"] = [
        int(v) for v in education_num_lookup.get_vocabulary()
    ]
    out["same_benefits_vocab"] = benefits_lookup.get_vocabulary()
    out["close_age_boundaries"] = np.asarray(age_buckets.bin_boundaries)

    def encode(table):
        """The numpy columns, encoded for the models (the lookups run eagerly)."""
        x = {name: numpy(lookups[name](table[name])) for name in STRING_CATEGORICAL}
        x["education_num"] = numpy(education_num_lookup(table["education_num"]))
        x["native_country"] = numpy(country_hashing(table["native_country"]))
        x["benefits"] = numpy(benefits_lookup(table["benefits"])).astype("float32")
        x["education_x_occupation"] = numpy(
            education_x_occupation((table["education"], table["occupation"]))
        ).astype("float32")
        x["age_x_gender"] = numpy(
            age_x_gender((numpy(age_buckets(table["age"])), x["gender"]))
        )
        for name in NUMERIC:
            x[name] = table[name]
        x["capital_gain"] = np.log1p(table["capital_gain"]).astype("float32")
        return x

    x_train, x_val = encode(train), encode(val)
    out["same_encoded_dtypes"] = {k: str(v.dtype) for k, v in sorted(x_val.items())}
    out["same_encoded_shapes"] = {k: v.shape for k, v in sorted(x_val.items())}
    out["same_occupation_ids"] = x_val["occupation"][:20]
    out["same_workclass_ids"] = x_val["workclass"][:12]
    out["same_education_num_ids"] = x_val["education_num"][:16]
    out["same_country_hashed"] = x_val["native_country"][:12]
    out["same_benefits_multi_hot"] = x_val["benefits"][:8]
    out["same_crossed"] = x_val["education_x_occupation"][:4].argmax(axis=1)
    out["same_age_x_gender"] = x_val["age_x_gender"][:12]
    out["same_gender_one_hot"] = numpy(gender_one_hot(val["gender"][:5]))
    out["same_education_num_one_hot"] = numpy(
        education_num_one_hot(val["education_num"][:12])
    )

    # --- The preprocessing model on raw string / int64 / float32 inputs ----------
    raw_inputs = {
        name: keras.Input(shape=(), dtype="string", name=name)
        for name in STRING_CATEGORICAL + ["native_country"]
    }
    raw_inputs["education_num"] = keras.Input(
        shape=(), dtype="int64", name="education_num"
    )
    raw_inputs["benefits"] = keras.Input(shape=(3,), dtype="string", name="benefits")
    for name in NUMERIC:
        raw_inputs[name] = keras.Input(shape=(), dtype="float32", name=name)
    encoded = {name: lookups[name](raw_inputs[name]) for name in STRING_CATEGORICAL}
    encoded["education_num"] = education_num_lookup(raw_inputs["education_num"])
    encoded["native_country"] = country_hashing(raw_inputs["native_country"])
    encoded["benefits"] = benefits_lookup(raw_inputs["benefits"])
    encoded["education_x_occupation"] = education_x_occupation(
        (raw_inputs["education"], raw_inputs["occupation"])
    )
    encoded["age_x_gender"] = age_x_gender(
        (age_buckets(raw_inputs["age"]), encoded["gender"])
    )
    preprocessor = keras.Model(raw_inputs, encoded, name="census_preprocessor")
    out["same_raw_input_specs"] = sorted(
        (name, tuple(x.shape), x.dtype) for name, x in raw_inputs.items()
    )
    out["same_encoded_specs"] = sorted(
        (name, tuple(x.shape), x.dtype) for name, x in encoded.items()
    )
    out["same_preprocessor_params"] = preprocessor.count_params()
    out["same_preprocessor_layers"] = [
        (layer.name, type(layer).__name__) for layer in preprocessor.layers
    ]
    preprocessor.save(workdir / "census_preprocessor.keras")
    reloaded_pre = keras.models.load_model(workdir / "census_preprocessor.keras")
    out["same_reloaded_vocabularies"] = {
        name: reloaded_pre.get_layer(f"{name}_lookup").get_vocabulary()
        for name in STRING_CATEGORICAL
    }
    assert out["same_reloaded_vocabularies"] == out["same_vocabularies"]
    out["same_reloaded_education_num_vocab"] = [
        int(v) for v in reloaded_pre.get_layer("education_num_lookup").get_vocabulary()
    ]
    occupation_config = reloaded_pre.get_layer("occupation_lookup").get_config()
    out["same_reloaded_occupation_config"] = {
        k: occupation_config[k]
        for k in ("name", "mask_token", "num_oov_indices", "oov_token", "output_mode")
    }
    out["same_reloaded_crossing_config"] = {
        k: v
        for k, v in reloaded_pre.get_layer("education_x_occupation")
        .get_config()
        .items()
        if k in ("name", "num_bins", "output_mode", "sparse")
    }
    out["same_reloaded_benefits"] = numpy(
        reloaded_pre.get_layer("benefits_lookup")(val["benefits"][:8])
    )
    out["same_reloaded_occupation_ids"] = numpy(
        reloaded_pre.get_layer("occupation_lookup")(val["occupation"][:20])
    )
    out["close_reloaded_age_boundaries"] = np.asarray(
        reloaded_pre.get_layer("age_buckets").bin_boundaries
    )

    # --- Custom layers ------------------------------------------------------------
    @keras.saving.register_keras_serializable(package="census")
    class CrossLayer(layers.Layer):
        """One layer of a cross network: x0 * (W x + b) + x."""

        def build(self, input_shape):
            dim = input_shape[0][-1]
            self.kernel = self.add_weight(
                shape=(dim, dim), initializer="glorot_uniform", name="kernel"
            )
            self.bias = self.add_weight(shape=(dim,), initializer="zeros", name="bias")

        def call(self, inputs):
            x0, x = inputs
            return x0 * (ops.matmul(x, self.kernel) + self.bias) + x

    @keras.saving.register_keras_serializable(package="census")
    class GatedLinearUnit(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.linear = layers.Dense(units)
            self.sigmoid = layers.Dense(units, activation="sigmoid")

        def call(self, inputs):
            return self.linear(inputs) * self.sigmoid(inputs)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @keras.saving.register_keras_serializable(package="census")
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

        def call(self, inputs):
            x = self.elu_dense(inputs)
            x = self.linear_dense(x)
            x = self.dropout(x)
            if inputs.shape[-1] != self.units:
                inputs = self.project(inputs)
            x = inputs + self.gated_linear_unit(x)
            x = self.layer_norm(x)
            return x

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units, "dropout_rate": self.dropout_rate})
            return config

    @keras.saving.register_keras_serializable(package="census")
    class VariableSelection(layers.Layer):
        def __init__(self, num_features, units, dropout_rate, **kwargs):
            super().__init__(**kwargs)
            self.num_features = num_features
            self.units = units
            self.dropout_rate = dropout_rate
            self.grns = [
                GatedResidualNetwork(units, dropout_rate) for _ in range(num_features)
            ]
            self.grn_concat = GatedResidualNetwork(units, dropout_rate)
            self.softmax = layers.Dense(units=num_features, activation="softmax")

        def call(self, inputs):
            v = layers.concatenate(inputs)
            v = self.grn_concat(v)
            v = ops.expand_dims(self.softmax(v), axis=-1)
            x = [grn(value) for grn, value in zip(self.grns, inputs)]
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

    cross = CrossLayer(name="probe_cross")
    probe = cross([np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")])
    cross.set_weights([np.eye(3, dtype="float32"), np.full((3,), 0.5, "float32")])
    out["close_cross_probe"] = numpy(
        cross([np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")])
    )
    out["same_cross_probe_shape"] = tuple(probe.shape)
    cross_config = cross.get_config()
    out["same_cross_config_keys"] = sorted(cross_config)
    out["same_cross_from_config"] = type(CrossLayer.from_config(cross_config)).__name__

    # --- Model inputs: the encoded dict -------------------------------------------
    vocab_sizes = {name: lookups[name].vocabulary_size() for name in STRING_CATEGORICAL}
    vocab_sizes["education_num"] = education_num_lookup.vocabulary_size()
    vocab_sizes["native_country"] = 8
    vocab_sizes["age_x_gender"] = 16
    categorical = list(vocab_sizes)

    def create_model_inputs():
        inputs = {
            name: keras.Input(shape=(), dtype="int64", name=name)
            for name in categorical
        }
        for name in NUMERIC:
            inputs[name] = keras.Input(shape=(), dtype="float32", name=name)
        inputs["benefits"] = keras.Input(
            shape=(benefits_lookup.vocabulary_size(),), dtype="float32", name="benefits"
        )
        inputs["education_x_occupation"] = keras.Input(
            shape=(32,), dtype="float32", name="education_x_occupation"
        )
        return inputs

    normalizers = {}
    for name in NUMERIC:
        normalizer = layers.Normalization(name=f"{name}_norm")
        normalizer.adapt(x_train[name][:, None])
        normalizers[name] = normalizer
    out["close_normalizer_means"] = [numpy(normalizers[n].mean) for n in NUMERIC]
    out["close_normalizer_variances"] = [
        numpy(normalizers[n].variance) for n in NUMERIC
    ]

    # --- Wide, Deep & Cross -------------------------------------------------------
    inputs = create_model_inputs()
    wide = [
        layers.CategoryEncoding(num_tokens=vocab_sizes[name], output_mode="one_hot")(
            inputs[name]
        )
        for name in ("workclass", "marital_status", "relationship", "race", "gender")
    ]
    age_bins = layers.Discretization(bin_boundaries=[25.0, 35.0, 45.0, 55.0, 65.0])
    wide.append(
        layers.CategoryEncoding(num_tokens=6, output_mode="one_hot")(
            age_bins(inputs["age"])
        )
    )
    wide += [inputs["education_x_occupation"], inputs["benefits"]]
    wide = layers.concatenate(wide, name="wide_features")
    wide = layers.BatchNormalization(name="wide_bn")(wide)

    deep = []
    for name in categorical:
        embedding_dim = int(np.sqrt(vocab_sizes[name]))
        embedding = layers.Embedding(
            input_dim=vocab_sizes[name],
            output_dim=embedding_dim,
            name=f"{name}_embedding",
        )
        deep.append(embedding(inputs[name]))
    hours_bins = layers.Discretization(bin_boundaries=[20.0, 35.0, 41.0, 50.0])
    deep.append(layers.Embedding(5, 2)(hours_bins(inputs["hours_per_week"])))
    for name in NUMERIC:
        deep.append(normalizers[name](ops.expand_dims(inputs[name], -1)))
    x0 = layers.concatenate(deep, name="deep_features")

    cross = x0
    for i in range(2):
        cross = CrossLayer(name=f"cross_{i}")([x0, cross])
    cross = layers.BatchNormalization(name="cross_bn")(cross)

    deep = x0
    for units in (32, 16):
        # No bias before BatchNormalization (it would only drift).
        deep = layers.Dense(units, use_bias=False)(deep)
        deep = layers.BatchNormalization()(deep)
        deep = layers.ReLU()(deep)
    merged = layers.concatenate([wide, cross, deep])
    outputs = layers.Dense(1, activation="sigmoid", name="income")(merged)
    model = keras.Model(inputs, outputs, name="wide_deep_cross")

    seed_weights(model, 0)
    out["same_wdc_summary"] = summary_text(model)
    out["same_wdc_params"] = (
        model.count_params(),
        sum(int(np.prod(v.shape)) for v in model.trainable_weights),
        sum(int(np.prod(v.shape)) for v in model.non_trainable_weights),
    )
    out["same_wdc_weight_paths"] = [v.path for v in model.weights]
    out["same_wdc_input_names"] = sorted(x.name for x in model.inputs)
    out["same_x0_shape"] = tuple(x0.shape)
    out["same_wide_shape"] = tuple(wide.shape)

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.03),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[
            keras.metrics.BinaryAccuracy(name="accuracy"),
            keras.metrics.AUC(name="auc"),
            keras.metrics.Precision(name="precision"),
            keras.metrics.Recall(name="recall"),
        ],
    )
    out["close_wdc_untrained"] = model.predict(x_val, batch_size=64, verbose=0)
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=2, restore_best_weights=True
    )
    neg, pos = np.bincount(y_train)
    class_weight = {0: 1.0, 1: float(neg) / float(pos)}
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=15,
        validation_data=(x_val, y_val),
        class_weight=class_weight,
        callbacks=[early_stopping],
        shuffle=False,  # the same batches under any library
        verbose=0,
    )
    out["same_wdc_history_keys"] = sorted(history.history)
    out["same_wdc_epochs"] = len(history.history["loss"])
    out["same_wdc_stopped_epoch"] = early_stopping.stopped_epoch
    out["same_wdc_best_epoch"] = early_stopping.best_epoch
    out["close_wdc_history"] = [history.history[k] for k in sorted(history.history)]
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    best = int(np.argmin(history.history["val_loss"]))
    results = model.evaluate(x_val, y_val, batch_size=64, verbose=0, return_dict=True)
    out["same_wdc_eval_keys"] = sorted(results)
    out["close_wdc_eval"] = [results[k] for k in sorted(results)]
    # restore_best_weights: evaluating gives the best epoch's validation numbers.
    np.testing.assert_allclose(
        results["loss"], history.history["val_loss"][best], rtol=1e-4
    )
    assert results["auc"] > 0.7, results
    probs = model.predict(x_val, batch_size=64, verbose=0)
    out["same_wdc_pred_shape"] = probs.shape
    out["close_wdc_probs"] = probs
    out["val_auc"] = results["auc"]

    one_person = {name: value[:1] for name, value in x_val.items()}
    out["close_one_person"] = model.predict(one_person, verbose=0)

    config = model.get_config()
    out["same_config_keys"] = sorted(config)
    out["same_config_layer_classes"] = [
        layer["class_name"] for layer in config["layers"]
    ]
    clone = keras.Model.from_config(config)
    out["same_clone_layer_names"] = [layer.name for layer in clone.layers]
    out["same_clone_params"] = clone.count_params()

    model.save(workdir / "wide_deep_cross.keras")
    reloaded = keras.models.load_model(workdir / "wide_deep_cross.keras")
    reloaded_probs = reloaded.predict(x_val, batch_size=64, verbose=0)
    np.testing.assert_allclose(reloaded_probs, probs, rtol=1e-5, atol=1e-6)
    out["close_wdc_reloaded_probs"] = reloaded_probs
    out["same_wdc_reloaded_layers"] = [type(la).__name__ for la in reloaded.layers]
    out["same_wdc_reloaded_summary"] = summary_text(reloaded)
    reloaded_results = reloaded.evaluate(
        x_val, y_val, batch_size=64, verbose=0, return_dict=True
    )
    out["close_wdc_reloaded_eval"] = [reloaded_results[k] for k in sorted(results)]
    # Keras 3 gives ["loss", "compile_metrics"]; kerasish names each metric.
    out["wdc_reloaded_metrics"] = [m.name for m in reloaded.metrics]

    # --- Gated residual and variable selection network ----------------------------
    vsn_features = ["age", "capital_gain", "marital_status", "occupation"]
    encoding_size = 8
    vsn_inputs = {
        name: keras.Input(
            shape=(),
            dtype="float32" if name in NUMERIC else "int64",
            name=name,
        )
        for name in vsn_features
    }
    encoded_features = []
    for name in vsn_features:
        if name in NUMERIC:
            encoded_features.append(
                normalizers[name](ops.expand_dims(vsn_inputs[name], -1))
            )
        else:
            encoded_features.append(
                layers.Embedding(vocab_sizes[name], encoding_size)(vsn_inputs[name])
            )
    features = VariableSelection(
        len(encoded_features), encoding_size, dropout_rate=0.15, name="vsn"
    )(encoded_features)
    vsn_outputs = layers.Dense(1, activation="sigmoid")(features)
    vsn_model = keras.Model(vsn_inputs, vsn_outputs, name="vsn_model")
    seed_weights(vsn_model, 1)
    vsn_x_train = {name: x_train[name] for name in vsn_features}
    vsn_x_val = {name: x_val[name] for name in vsn_features}
    out["same_vsn_summary"] = summary_text(vsn_model)
    out["same_vsn_params"] = (
        vsn_model.count_params(),
        len(vsn_model.trainable_weights),
        len(vsn_model.non_trainable_weights),
    )
    out["same_vsn_nested_summary"] = summary_text(
        vsn_model, expand_nested=True, show_trainable=True
    )
    vsn_layer = vsn_model.get_layer("vsn")
    # A GRN projects its input only when its width differs from `units`.
    out["same_grn_projects_built"] = [grn.project.built for grn in vsn_layer.grns]
    out["same_grn_param_counts"] = [grn.count_params() for grn in vsn_layer.grns]
    out["same_vsn_layer_params"] = [
        (layer.name, layer.count_params()) for layer in vsn_model.layers
    ]
    vsn_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    out["close_vsn_untrained"] = vsn_model.predict(vsn_x_val, batch_size=64, verbose=0)
    vsn_history = vsn_model.fit(
        vsn_x_train,
        y_train,
        batch_size=64,
        epochs=3,
        verbose=0,
    )
    out["same_vsn_history_keys"] = sorted(vsn_history.history)
    assert vsn_history.history["loss"][-1] < vsn_history.history["loss"][0], (
        vsn_history.history
    )
    out["vsn_history"] = vsn_history.history
    vsn_probs = vsn_model.predict(vsn_x_val, batch_size=64, verbose=0)
    vsn_model.save(workdir / "vsn.keras")
    vsn_reloaded = keras.models.load_model(workdir / "vsn.keras")
    np.testing.assert_allclose(
        vsn_reloaded.predict(vsn_x_val, batch_size=64, verbose=0),
        vsn_probs,
        rtol=1e-5,
        atol=1e-6,
    )
    out["same_vsn_reloaded_summary"] = summary_text(vsn_reloaded)
    out["same_vsn_reloaded_params"] = vsn_reloaded.count_params()
    vsn_layer = vsn_reloaded.get_layer("vsn")
    out["same_vsn_reloaded_grn_param_counts"] = [
        grn.count_params() for grn in vsn_layer.grns
    ]
    out["same_vsn_config"] = {
        k: v
        for k, v in vsn_layer.get_config().items()
        if k in ("num_features", "units", "dropout_rate", "name", "trainable")
    }
    out["same_vsn_softmax_kernel_shape"] = tuple(vsn_layer.softmax.kernel.shape)
    out["same_vsn_grn_count"] = len(vsn_layer.grns)
    return out
