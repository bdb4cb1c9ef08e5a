"""Structured data classification, with FeatureSpace and from scratch.

keras.io's "Structured data classification with FeatureSpace" on a generated
heart-disease-like table (a dict of numpy columns, no pandas): a FeatureSpace of
string shortcuts, then one of FeatureSpace.float_normalized / float_discretized /
integer_categorical / string_categorical / string_hashed with
crosses=[FeatureSpace.cross(...)], adapted on the dict, output_mode "concat" and
"dict", get_inputs / get_encoded_features for a training model and an inference
model, feature_space.save and load_model. Then "Structured data classification from
scratch"'s manual route: Normalization.adapt, StringLookup / IntegerLookup (output
modes "int", "one_hot", "multi_hot"), inverse lookups, CategoryEncoding, Hashing,
Discretization(num_bins), vocabularies, and a model on dict inputs.
"""

import numpy as np

THALS = np.array(["normal", "fixed", "reversible"])
CITIES = np.array([f"city_{i}" for i in range(25)])


def make_table(n, seed):
    """A dict of numpy columns and a 0/1 target."""
    rng = np.random.default_rng(seed)
    data = {
        "age": rng.integers(29, 78, size=n).astype("int64"),
        "sex": rng.integers(0, 2, size=n).astype("int64"),
        "cp": rng.choice([0, 1, 2, 3, 4], p=[0.1, 0.4, 0.2, 0.2, 0.1], size=n),
        "trestbps": rng.normal(130.0, 15.0, size=n).round(0).astype("float32"),
        "chol": rng.normal(240.0, 45.0, size=n).round(0).astype("float32"),
        "thalach": rng.normal(150.0, 20.0, size=n).astype("float32"),
        "oldpeak": rng.exponential(1.0, size=n).round(1).astype("float32"),
        "ca": rng.choice([0, 1, 2, 3], p=[0.55, 0.25, 0.15, 0.05], size=n),
        "thal": rng.choice(THALS, p=[0.5, 0.2, 0.3], size=n),
        "city": rng.choice(CITIES, size=n),
    }
    data["cp"] = data["cp"].astype("int64")
    data["ca"] = data["ca"].astype("int64")
    score = (
        0.04 * (data["age"] - 50)
        + 0.8 * (data["cp"] >= 3)
        + 0.9 * data["ca"]
        + 1.2 * (data["thal"] == "reversible")
        - 0.03 * (data["thalach"] - 150)
        + 0.5 * data["oldpeak"]
        - 1.0
    )
    target = (score + rng.normal(0, 0.5, size=n) > 0).astype("int64")
    return data, target


def seeded_weights(model, seed):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=w.shape).astype("float32") / np.sqrt(np.prod(w.shape[:-1]))
        if w.ndim > 1
        else np.zeros(w.shape, "float32")
        for w in model.get_weights()
    ]


def run(keras, workdir):
    layers = keras.layers
    FeatureSpace = keras.utils.FeatureSpace
    keras.utils.set_random_seed(0)
    data, target = make_table(240, seed=3)
    n_val = 48
    train = {k: v[:-n_val] for k, v in data.items()}
    val = {k: v[-n_val:] for k, v in data.items()}
    y_train, y_val = target[:-n_val], target[-n_val:]
    out = {"same_target_counts": np.bincount(target).tolist()}
    numpy = keras.ops.convert_to_numpy

    # --- FeatureSpace with string shortcuts -------------------------------------
    simple_space = FeatureSpace(
        features={
            "sex": "integer_categorical",
            "cp": "integer_categorical",
            "ca": "integer_categorical",
            "thal": "string_categorical",
            "age": "float_discretized",
            "trestbps": "float_normalized",
            "chol": "float_normalized",
            "oldpeak": "float",
        },
        output_mode="concat",
    )
    simple_space.adapt(train)
    simple_columns = ["sex", "cp", "ca", "thal", "age", "trestbps", "chol", "oldpeak"]
    simple = numpy(simple_space({name: val[name] for name in simple_columns}))
    out["same_simple_shape"] = simple.shape
    out["close_simple"] = simple

    # --- FeatureSpace with feature objects and crosses --------------------------
    feature_space = FeatureSpace(
        features={
            # Categorical features encoded as integers
            "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
            "cp": FeatureSpace.integer_categorical(num_oov_indices=0),
            "ca": FeatureSpace.integer_categorical(num_oov_indices=0),
            # Categorical feature encoded as string
            "thal": FeatureSpace.string_categorical(num_oov_indices=0),
            "city": FeatureSpace.string_hashed(num_bins=8),
            # Numerical features to discretize
            "age": FeatureSpace.float_discretized(num_bins=6),
            # Numerical features to normalize
            "trestbps": FeatureSpace.float_normalized(),
            "chol": FeatureSpace.float_normalized(),
            "thalach": FeatureSpace.float_normalized(),
            "oldpeak": FeatureSpace.float_rescaled(scale=0.5, offset=-0.5),
        },
        # Specify feature cross with a custom crossing dim.
        crosses=[
            FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=16),
            FeatureSpace.cross(feature_names=("thal", "ca"), crossing_dim=8),
        ],
        output_mode="concat",
    )
    feature_space.adapt(train)

    preprocessed_val = numpy(feature_space(val))
    preprocessed_train = numpy(feature_space(train))
    out["same_preprocessed_shape"] = preprocessed_val.shape
    out["same_preprocessed_dtype"] = str(preprocessed_val.dtype)
    out["close_preprocessed"] = preprocessed_val
    one_row = numpy(feature_space({k: v[0] for k, v in val.items()}))
    out["same_one_row_shape"] = one_row.shape
    out["close_one_row"] = one_row
    out["same_preprocessors"] = sorted(
        (name, type(layer).__name__)
        for name, layer in feature_space.preprocessors.items()
    )
    out["same_thal_vocab"] = list(feature_space.preprocessors["thal"].get_vocabulary())
    out["same_cp_vocab"] = [
        int(v) for v in feature_space.preprocessors["cp"].get_vocabulary()
    ]
    out["close_age_boundaries"] = np.asarray(
        feature_space.preprocessors["age"].bin_boundaries
    )
    out["close_trestbps_mean"] = numpy(feature_space.preprocessors["trestbps"].mean)
    out["close_chol_variance"] = numpy(feature_space.preprocessors["chol"].variance)

    # The same space in "dict" mode gives each encoded feature and cross.
    dict_space = FeatureSpace(
        features={
            "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
            "thal": FeatureSpace.string_categorical(),
            "city": FeatureSpace.string_hashed(num_bins=8, output_mode="int"),
            "age": FeatureSpace.float_discretized(num_bins=6, output_mode="int"),
            "thalach": FeatureSpace.float_normalized(),
        },
        crosses=[FeatureSpace.cross(("sex", "thal"), crossing_dim=6)],
        output_mode="dict",
    )
    dict_space.adapt(train)
    encoded = dict_space(
        {k: val[k][:5] for k in ("sex", "thal", "city", "age", "thalach")}
    )
    out["same_dict_keys"] = sorted(encoded)
    out["same_dict_shapes"] = {k: tuple(v.shape) for k, v in encoded.items()}
    out["same_dict_dtypes"] = {k: str(numpy(v).dtype) for k, v in encoded.items()}
    out["same_dict_thal"] = numpy(encoded["thal"])
    out["same_dict_city"] = numpy(encoded["city"])
    out["same_dict_age"] = numpy(encoded["age"])
    out["same_dict_cross"] = numpy(encoded["sex_X_thal"])
    out["close_dict_thalach"] = numpy(encoded["thalach"])

    # Training model on encoded features, inference model on raw dicts.
    dict_inputs = feature_space.get_inputs()
    encoded_features = feature_space.get_encoded_features()
    out["same_inputs"] = sorted(
        (name, tuple(x.shape), str(x.dtype)) for name, x in dict_inputs.items()
    )
    out["same_encoded_shape"] = tuple(encoded_features.shape)
    x = layers.Dense(32, activation="relu")(encoded_features)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid")(x)
    training_model = keras.Model(inputs=encoded_features, outputs=predictions)
    training_model.compile(
        optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]
    )
    inference_model = keras.Model(inputs=dict_inputs, outputs=predictions)
    training_model.set_weights(seeded_weights(training_model, 0))
    out["close_untrained"] = training_model.predict(preprocessed_val, verbose=0)
    out["same_training_params"] = training_model.count_params()
    out["same_training_layers"] = [
        type(layer).__name__ for layer in training_model.layers
    ]
    out["same_inference_layers"] = [
        type(layer).__name__ for layer in inference_model.layers
    ]

    history = training_model.fit(
        preprocessed_train,
        y_train,
        batch_size=32,
        epochs=15,
        validation_data=(preprocessed_val, y_val),
        verbose=0,
    )
    out["same_history_keys"] = sorted(history.history)
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    out["val_accuracy"] = history.history["val_accuracy"][-1]

    # A single sample, as the guide's "probability of having a heart disease".
    # (Under JAX, string inputs go through the FeatureSpace outside the model.)
    sample = {k: v[:1] for k, v in val.items()}
    prob = training_model.predict(feature_space(sample), verbose=0)
    out["same_sample_pred_shape"] = prob.shape
    out["message"] = f"{100 * float(prob[0][0]):.1f} percent probability of disease"

    # Save and reload the feature space, and the whole inference model.
    feature_space.save(workdir / "myfeaturespace.keras")
    reloaded_space = keras.models.load_model(workdir / "myfeaturespace.keras")
    out["same_reloaded_space_type"] = type(reloaded_space).__name__
    out["close_reloaded_space"] = numpy(reloaded_space(val))
    out["same_reloaded_thal_vocab"] = list(
        reloaded_space.preprocessors["thal"].get_vocabulary()
    )
    out["close_reloaded_age_boundaries"] = np.asarray(
        reloaded_space.preprocessors["age"].bin_boundaries
    )
    inference_model.save(workdir / "inference.keras")
    reloaded_model = keras.models.load_model(workdir / "inference.keras")
    out["same_reloaded_model_layers"] = [
        type(layer).__name__ for layer in reloaded_model.layers
    ]
    reloaded_fs = [
        layer
        for layer in reloaded_model.layers
        if isinstance(layer, keras.utils.FeatureSpace)
    ]
    out["same_reloaded_model_feature_spaces"] = len(reloaded_fs)
    reloaded_weights = [
        w
        for layer in reloaded_model.layers
        if isinstance(layer, layers.Dense)
        for w in layer.get_weights()
    ]
    np.testing.assert_allclose(reloaded_weights[0], training_model.get_weights()[0])
    out["same_reloaded_weight_shapes"] = [w.shape for w in reloaded_weights]

    # --- From scratch: one preprocessing layer per column ------------------------
    normalizer = layers.Normalization()
    normalizer.adapt(train["thalach"][:, None])
    out["close_normalizer"] = numpy(normalizer(val["thalach"][:5, None]))
    out["close_normalizer_mean"] = numpy(normalizer.mean)
    multi_normalizer = layers.Normalization(axis=-1)
    numeric = np.stack([train["trestbps"], train["chol"], train["oldpeak"]], axis=1)
    multi_normalizer.adapt(numeric)
    out["close_multi_normalizer_variance"] = numpy(multi_normalizer.variance)

    thal_lookup = layers.StringLookup(output_mode="one_hot")
    thal_lookup.adapt(train["thal"])
    out["same_thal_lookup_vocab"] = thal_lookup.get_vocabulary()
    out["same_thal_one_hot"] = numpy(thal_lookup(np.array(["fixed", "normal", "x"])))
    thal_ids = layers.StringLookup()
    thal_ids.adapt(train["thal"])
    ids = thal_ids(val["thal"][:6])
    out["same_thal_ids"] = numpy(ids)
    out["same_thal_ids_dtype"] = str(numpy(ids).dtype)
    # (An inverted StringLookup returns strings, which JAX arrays cannot hold.)
    out["same_vocab_size"] = (thal_ids.vocabulary_size(), thal_lookup.vocabulary_size())

    cp_lookup = layers.IntegerLookup(output_mode="one_hot")
    cp_lookup.adapt(train["cp"])
    out["same_cp_lookup_vocab"] = [int(v) for v in cp_lookup.get_vocabulary()]
    out["same_cp_one_hot"] = numpy(cp_lookup(np.array([1, 4, 7])))
    ca_lookup = layers.IntegerLookup(num_oov_indices=0, output_mode="int")
    ca_lookup.adapt(train["ca"])
    out["same_ca_ids"] = numpy(ca_lookup(val["ca"][:8]))
    out["same_ca_vocab"] = [int(v) for v in ca_lookup.get_vocabulary()]
    ca_inverse = layers.IntegerLookup(
        vocabulary=ca_lookup.get_vocabulary(), num_oov_indices=0, invert=True
    )
    out["same_ca_inverse"] = numpy(ca_inverse(numpy(ca_lookup(val["ca"][:8]))))
    multi = layers.IntegerLookup(vocabulary=[0, 1, 2, 3], output_mode="multi_hot")
    out["same_multi_hot"] = numpy(multi(np.array([[0, 3], [1, 1], [2, 9]])))
    counts = layers.StringLookup(
        vocabulary=["normal", "fixed", "reversible"], output_mode="count"
    )
    out["same_counts"] = numpy(counts(np.array([["normal", "normal", "fixed"]])))

    encoder = layers.CategoryEncoding(num_tokens=5, output_mode="one_hot")
    out["same_category_one_hot"] = numpy(encoder(val["cp"][:6]))
    encoder_mh = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
    out["same_category_multi_hot"] = numpy(encoder_mh(np.array([[0, 1], [3, 3]])))
    encoder_count = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    out["same_category_count"] = numpy(
        encoder_count(np.array([[0, 1, 1], [3, 3, 2]]), count_weights=None)
    )

    hasher = layers.Hashing(num_bins=8)
    out["same_hashed_strings"] = numpy(hasher(val["city"][:8, None]))
    out["same_hashed_ints"] = numpy(layers.Hashing(num_bins=5)(val["age"][:8, None]))
    salted = layers.Hashing(num_bins=8, salt=1337)
    out["same_salted"] = numpy(salted(val["city"][:8, None]))
    one_hot_hash = layers.Hashing(num_bins=4, output_mode="one_hot")
    out["same_hash_one_hot"] = numpy(one_hot_hash(val["city"][:4]))
    masked_hash = layers.Hashing(num_bins=4, mask_value="city_3")
    out["same_masked_hash"] = numpy(masked_hash(CITIES[:6, None]))

    discretizer = layers.Discretization(num_bins=4, epsilon=0.01)
    discretizer.adapt(train["thalach"])
    out["close_discretizer_boundaries"] = np.asarray(discretizer.bin_boundaries)
    out["same_discretized"] = numpy(discretizer(val["thalach"][:8]))
    fixed_bins = layers.Discretization(bin_boundaries=[40.0, 50.0, 60.0])
    out["same_fixed_bins"] = numpy(fixed_bins(val["age"][:8].astype("float32")))
    out["same_fixed_one_hot"] = numpy(
        layers.Discretization(bin_boundaries=[40.0, 60.0], output_mode="one_hot")(
            np.array([35.0, 45.0, 70.0])
        )
    )

    out["same_output_dtypes"] = [
        str(numpy(y).dtype)
        for y in (
            normalizer(val["thalach"][:2, None]),
            thal_ids(val["thal"][:2]),
            ca_lookup(val["ca"][:2]),
            encoder(val["cp"][:2]),
            hasher(val["city"][:2, None]),
            one_hot_hash(val["city"][:2]),
            discretizer(val["thalach"][:2]),
        )
    ]
    out["same_output_types"] = [
        type(y).__name__ == type(normalizer(val["thalach"][:2, None])).__name__
        for y in (thal_ids(val["thal"][:2]), hasher(val["city"][:2, None]))
    ]

    # A model on dict inputs. The lookups (TF-based in Keras) run on the arrays
    # before the model; Normalization, Discretization and CategoryEncoding run
    # inside it.
    def encode_categorical_feature(name, dataset, is_string):
        lookup_class = layers.StringLookup if is_string else layers.IntegerLookup
        lookup = lookup_class(output_mode="binary")
        lookup.adapt(dataset[name][:, None])
        return lookup

    def encode_numerical_feature(feature, name, dataset):
        normalizer = layers.Normalization()
        normalizer.adapt(dataset[name][:, None])
        return normalizer(feature)

    categorical = {"sex": False, "cp": False, "ca": False, "thal": True}
    lookups = {
        name: encode_categorical_feature(name, train, is_string)
        for name, is_string in categorical.items()
    }
    out["same_binary_vocabs"] = {
        name: [str(v) for v in lookup.get_vocabulary()]
        for name, lookup in lookups.items()
    }
    float_names = ["trestbps", "chol", "thalach", "oldpeak"]

    def to_model_inputs(table):
        x = {name: numpy(lookups[name](table[name][:, None])) for name in categorical}
        x.update({name: table[name][:, None] for name in float_names})
        x["age"] = table["age"][:, None].astype("float32")
        return x

    x_train, x_val = to_model_inputs(train), to_model_inputs(val)
    out["same_binary_encoded"] = {
        name: x_val[name][:4].tolist() for name in categorical
    }
    inputs = {
        name: keras.Input(shape=(lookups[name].vocabulary_size(),), name=name)
        for name in categorical
    }
    inputs.update({name: keras.Input(shape=(1,), name=name) for name in float_names})
    inputs["age"] = keras.Input(shape=(1,), name="age")
    encoded = [inputs[name] for name in categorical]
    encoded += [encode_numerical_feature(inputs[n], n, train) for n in float_names]
    age_bins = layers.Discretization(num_bins=4)
    age_bins.adapt(train["age"].astype("float32"))
    encoded.append(
        layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(
            age_bins(inputs["age"])
        )
    )
    all_features = layers.concatenate(encoded)
    x = layers.Dense(16, activation="relu")(all_features)
    x = layers.Dropout(0.5)(x)
    output = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, output)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    for seed, layer in enumerate(model.layers):
        if isinstance(layer, layers.Dense):
            layer.set_weights(seeded_weights(layer, seed))
    out["same_scratch_concat_shape"] = tuple(all_features.shape)
    out["same_scratch_params"] = model.count_params()
    out["close_scratch_untrained"] = model.predict(x_val, verbose=0)
    scratch_history = model.fit(
        x_train,
        y_train,
        epochs=10,
        batch_size=32,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    out["same_scratch_history_keys"] = sorted(scratch_history.history)
    assert scratch_history.history["loss"][-1] < scratch_history.history["loss"][0], (
        scratch_history.history
    )
    out["scratch_val_accuracy"] = scratch_history.history["val_accuracy"][-1]
    return out
