"""Training options from the keras.io guides and API pages, on small models whose
weights are set from numpy: every built-in optimizer with its options (weight decay,
clipping, EMA, gradient accumulation, loss scaling, decay exclusions), the optimizer's
variables, iterations, config and serialization after fit; loss options (label
smoothing, logits, ignore_class, axis, reductions, focal, Huber, Dice, Tversky, ...);
compile options (loss_weights, weighted_metrics, steps_per_execution, jit_compile)
and fit options (class_weight, sample_weight, initial_epoch, validation_freq,
validation_batch_size, steps_per_epoch with a repeated generator)."""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(64, 4)).astype("float32")
    labels = np.argmax(x @ rng.normal(size=(4, 3)), axis=-1).astype("int32")
    init_rng = np.random.default_rng(3)
    init_weights = [
        (init_rng.normal(size=s) * 0.5).astype("float32")
        for s in [(4, 8), (8,), (8, 3), (3,)]
    ]

    def get_classifier():
        model = keras.Sequential(
            [
                keras.Input(shape=(4,)),
                layers.Dense(8, activation="relu", name="hidden"),
                layers.Dense(3, activation="softmax", name="probs"),
            ]
        )
        model.set_weights(init_weights)
        return model

    def flat(arrays):
        return np.concatenate(
            [np.ravel(ops.convert_to_numpy(a)).astype("float64") for a in arrays]
        ).tolist()

    def split_config(config):
        numeric, other = {}, {}
        for key, value in sorted(config.items()):
            if key == "name":
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numeric[key] = float(value)
            else:
                other[key] = repr(value)
        return numeric, other

    out = {}

    # --- Every optimizer, with the options the API pages document -------------
    optimizers = {
        "sgd_nesterov": keras.optimizers.SGD(
            learning_rate=0.05,
            momentum=0.9,
            nesterov=True,
            weight_decay=1e-3,
            clipnorm=1.0,
        ),
        "adam_amsgrad": keras.optimizers.Adam(
            learning_rate=1e-2,
            amsgrad=True,
            clipvalue=0.1,
            weight_decay=1e-3,
            loss_scale_factor=64.0,
        ),
        "adamw": keras.optimizers.AdamW(
            learning_rate=1e-2, weight_decay=0.1, global_clipnorm=0.5
        ),
        "rmsprop_centered_ema": keras.optimizers.RMSprop(
            learning_rate=1e-2,
            rho=0.8,
            momentum=0.5,
            centered=True,
            use_ema=True,
            ema_momentum=0.9,
        ),
        "adagrad": keras.optimizers.Adagrad(
            learning_rate=0.1, initial_accumulator_value=0.2, epsilon=1e-6
        ),
        "adadelta": keras.optimizers.Adadelta(learning_rate=1.0, rho=0.9),
        "adamax_ema": keras.optimizers.Adamax(
            learning_rate=1e-2,
            use_ema=True,
            ema_momentum=0.9,
            ema_overwrite_frequency=3,
        ),
        "nadam_accum": keras.optimizers.Nadam(
            learning_rate=1e-2, gradient_accumulation_steps=2
        ),
        "ftrl": keras.optimizers.Ftrl(
            learning_rate=0.1,
            learning_rate_power=-0.5,
            l1_regularization_strength=0.01,
            l2_regularization_strength=0.01,
            l2_shrinkage_regularization_strength=0.01,
            beta=0.1,
        ),
        "lion": keras.optimizers.Lion(
            learning_rate=1e-3, beta_1=0.9, beta_2=0.99, weight_decay=0.01
        ),
        "lamb": keras.optimizers.Lamb(learning_rate=1e-2, weight_decay=0.01),
        "adafactor": keras.optimizers.Adafactor(learning_rate=1e-2, clip_threshold=1.0),
    }
    # The AdamW page: keep the biases out of weight decay.
    optimizers["adamw"].exclude_from_weight_decay(var_names=["bias"])

    for name, optimizer in optimizers.items():
        model = get_classifier()
        model.compile(
            optimizer=optimizer,
            loss="sparse_categorical_crossentropy",
            metrics=["sparse_categorical_accuracy"],
        )
        history = model.fit(
            x, labels, batch_size=16, epochs=2, shuffle=False, verbose=0
        )
        opt = model.optimizer
        out[f"same_{name}_history_keys"] = sorted(history.history)
        out[f"close_{name}_loss"] = history.history["loss"]
        out[f"close_{name}_accuracy"] = history.history["sparse_categorical_accuracy"]
        out[f"close_{name}_weights"] = flat(model.get_weights())
        out[f"same_{name}_iterations"] = int(ops.convert_to_numpy(opt.iterations))
        out[f"same_{name}_variables"] = [
            (v.name, tuple(v.shape)) for v in opt.variables
        ]
        out[f"close_{name}_variable_values"] = flat(opt.variables)
        config = opt.get_config()
        out[f"same_{name}_config_keys"] = sorted(config)
        numeric, other = split_config(config)
        out[f"same_{name}_config_numeric_keys"] = sorted(numeric)
        out[f"close_{name}_config_numeric"] = [numeric[k] for k in sorted(numeric)]
        out[f"same_{name}_config_other"] = other
        serialized = keras.optimizers.serialize(opt)
        out[f"same_{name}_serialized_keys"] = sorted(serialized)
        out[f"same_{name}_serialized_class"] = serialized["class_name"]
        if name == "lamb":
            # Keras 3's deserialize() does not know "Lamb": use from_config.
            restored = keras.optimizers.Lamb.from_config(serialized["config"])
        else:
            restored = keras.optimizers.deserialize(serialized)
        out[f"same_{name}_restored_type"] = type(restored).__name__
        r_numeric, r_other = split_config(restored.get_config())
        assert sorted(r_numeric) == sorted(numeric), name
        out[f"close_{name}_restored_numeric"] = [r_numeric[k] for k in sorted(numeric)]
        out[f"same_{name}_restored_other"] = r_other
        if name in ("sgd_nesterov", "adam_amsgrad", "adamw", "nadam_accum"):
            assert history.history["loss"][-1] < history.history["loss"][0], name
        if name == "rmsprop_centered_ema":
            # Without ema_overwrite_frequency, fit ends by copying the moving
            # averages into the model (finalize_variable_values).
            averages = [v for v in opt.variables if v.name.endswith("_average")]
            assert len(averages) == 4, [v.name for v in opt.variables]
            np.testing.assert_allclose(
                flat(averages), flat(model.get_weights()), rtol=1e-6
            )

    # --- Loss options, called directly on fixed arrays ------------------------
    lrng = np.random.default_rng(21)
    logits = lrng.normal(size=(6, 3)).astype("float32")
    probs = ops.convert_to_numpy(ops.softmax(logits, axis=-1))
    sparse = np.array([0, 2, 1, 1, 0, 2], dtype="int32")
    onehot = keras.utils.to_categorical(sparse, num_classes=3)
    binary = (lrng.uniform(size=(6, 1)) > 0.5).astype("float32")
    bin_logits = lrng.normal(size=(6, 1)).astype("float32")
    bin_probs = (1.0 / (1.0 + np.exp(-bin_logits))).astype("float32")
    reg_true = lrng.normal(size=(6, 2)).astype("float32")
    reg_pred = lrng.normal(size=(6, 2)).astype("float32")
    counts = lrng.poisson(2.0, size=(6, 2)).astype("float32")
    rates = lrng.uniform(0.5, 3.0, size=(6, 2)).astype("float32")
    signs = np.where(lrng.uniform(size=(6, 3)) > 0.5, 1.0, -1.0).astype("float32")
    masks = (lrng.uniform(size=(6, 4, 4, 1)) > 0.5).astype("float32")
    mask_pred = lrng.uniform(size=(6, 4, 4, 1)).astype("float32")
    weights = np.array([1.0, 0.5, 2.0, 0.0, 1.0, 1.5], dtype="float32")
    channels_first = np.transpose(onehot)[None]  # (1, 3, 6): classes on axis 1
    probs_first = np.transpose(probs)[None]

    losses = keras.losses
    cases = {
        "cce_smooth_logits": (
            losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
            onehot,
            logits,
        ),
        "cce_axis1": (
            losses.CategoricalCrossentropy(axis=1),
            channels_first,
            probs_first,
        ),
        "cce_sum": (losses.CategoricalCrossentropy(reduction="sum"), onehot, probs),
        "cce_none": (losses.CategoricalCrossentropy(reduction="none"), onehot, probs),
        "scce_logits": (
            losses.SparseCategoricalCrossentropy(from_logits=True),
            sparse,
            logits,
        ),
        "scce_ignore": (
            losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
            sparse,
            logits,
        ),
        "scce_ignore_none": (
            losses.SparseCategoricalCrossentropy(
                from_logits=True, ignore_class=2, reduction="none"
            ),
            sparse,
            logits,
        ),
        "bce_smooth": (
            losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
            binary,
            bin_logits,
        ),
        "bce_probs_sum_over_batch": (
            losses.BinaryCrossentropy(reduction="sum_over_batch_size"),
            binary,
            bin_probs,
        ),
        "cat_focal": (
            losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0),
            onehot,
            probs,
        ),
        "cat_focal_logits": (
            losses.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.1),
            onehot,
            logits,
        ),
        "bin_focal_balanced": (
            losses.BinaryFocalCrossentropy(
                apply_class_balancing=True, alpha=0.3, gamma=2.0, from_logits=True
            ),
            binary,
            bin_logits,
        ),
        "bin_focal_none": (
            losses.BinaryFocalCrossentropy(gamma=1.5, reduction="none"),
            binary,
            bin_probs,
        ),
        "huber": (losses.Huber(delta=0.5), reg_true, reg_pred),
        "huber_sum": (losses.Huber(delta=2.0, reduction="sum"), reg_true, reg_pred),
        "log_cosh": (losses.LogCosh(), reg_true, reg_pred),
        "mse_none": (losses.MeanSquaredError(reduction="none"), reg_true, reg_pred),
        "mae_sum": (losses.MeanAbsoluteError(reduction="sum"), reg_true, reg_pred),
        "cosine": (losses.CosineSimilarity(axis=-1), reg_true, reg_pred),
        "cosine_axis0": (
            losses.CosineSimilarity(axis=0, reduction="none"),
            reg_true,
            reg_pred,
        ),
        "poisson": (losses.Poisson(), counts, rates),
        "kld": (losses.KLDivergence(), onehot * 0.8 + 0.2 / 3, probs),
        "hinge": (losses.Hinge(), signs, logits),
        "squared_hinge": (losses.SquaredHinge(), signs, logits),
        "categorical_hinge": (losses.CategoricalHinge(), onehot, logits),
        "dice": (losses.Dice(), masks, mask_pred),
        "dice_axis": (losses.Dice(reduction="none", axis=(1, 2, 3)), masks, mask_pred),
        "tversky": (losses.Tversky(alpha=0.3, beta=0.7), masks, mask_pred),
    }
    # Keras 3 leaves Huber's `delta` and CosineSimilarity's `axis` out of
    # get_config (from_config falls back to the defaults); kerasish keeps them on
    # purpose, so those configs and round trips are reported, not compared.
    keras_drops_config = {"huber", "huber_sum", "cosine", "cosine_axis0"}
    # Round trips and sample weights on the losses whose options matter most.
    round_trip = {
        "cce_smooth_logits",
        "cce_axis1",
        "scce_ignore",
        "bin_focal_balanced",
        "cat_focal_logits",
        "tversky",
        "dice_axis",
        "huber",
        "cosine_axis0",
    }
    weighted_cases = {
        "cce_smooth_logits",
        "scce_ignore",
        "scce_ignore_none",
        "bce_smooth",
        "cat_focal",
        "bin_focal_none",
        "huber_sum",
        "kld",
        "categorical_hinge",
    }
    for name, (loss, y_true, y_pred) in cases.items():
        value = ops.convert_to_numpy(loss(y_true, y_pred))
        if name == "scce_ignore_none":
            assert np.all(value[sparse == 2] == 0.0), value
        out[f"same_loss_{name}_shape"] = tuple(value.shape)
        out[f"same_loss_{name}_dtype"] = str(value.dtype)
        out[f"close_loss_{name}"] = np.asarray(value, "float64").tolist()
        config = loss.get_config()
        prefix = "" if name in keras_drops_config else "same_"
        out[f"{prefix}loss_{name}_config_keys"] = sorted(config)
        if name in round_trip:
            again = type(loss).from_config(config)
            prefix = "" if name in keras_drops_config else "close_"
            out[f"{prefix}loss_{name}_again"] = np.asarray(
                ops.convert_to_numpy(again(y_true, y_pred)), "float64"
            ).tolist()
        if name in weighted_cases:
            weighted = loss(y_true, y_pred, sample_weight=weights)
            out[f"close_loss_{name}_weighted"] = np.asarray(
                ops.convert_to_numpy(weighted), "float64"
            ).tolist()
    out["same_loss_serialized"] = sorted(keras.losses.serialize(cases["huber"][0]))
    out["same_loss_deserialized_type"] = type(
        keras.losses.deserialize(keras.losses.serialize(cases["huber"][0]))
    ).__name__
    out["same_loss_get_type"] = type(keras.losses.get("log_cosh")).__name__

    # --- compile options: two outputs, weights per output ---------------------
    def get_two_headed():
        inputs = keras.Input(shape=(4,), name="features")
        h = layers.Dense(8, activation="relu", name="trunk")(inputs)
        cls = layers.Dense(3, name="cls")(h)
        reg = layers.Dense(1, name="reg")(h)
        model = keras.Model(inputs, {"cls": cls, "reg": reg})
        model.set_weights(init_weights + [init_weights[2][:, :1], init_weights[3][:1]])
        return model

    targets = x[:, :1] * 0.5 - x[:, 1:2]
    sw = np.linspace(0.5, 1.5, 64).astype("float32")
    model = get_two_headed()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss={
            "cls": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "reg": keras.losses.Huber(delta=0.5),
        },
        loss_weights={"cls": 1.0, "reg": 0.5},
        metrics={"cls": ["sparse_categorical_accuracy"], "reg": ["mae"]},
        weighted_metrics={"reg": ["mse"]},
        run_eagerly=False,
        steps_per_execution=4,
        jit_compile=True,
    )
    history = model.fit(
        x[:48],
        {"cls": labels[:48], "reg": targets[:48]},
        sample_weight={"cls": sw[:48], "reg": sw[:48]},
        batch_size=8,
        epochs=4,
        shuffle=False,
        validation_data=(x[48:], {"cls": labels[48:], "reg": targets[48:]}),
        validation_freq=2,
        validation_batch_size=4,
        verbose=0,
    )
    out["same_multi_history_keys"] = sorted(history.history)
    out["same_multi_history_lengths"] = {
        k: len(v) for k, v in sorted(history.history.items())
    }
    out["same_multi_epoch"] = list(history.epoch)
    for key, values in history.history.items():
        out[f"close_multi_{key}"] = values
    out["close_multi_weights"] = flat(model.get_weights())
    out["same_multi_iterations"] = int(ops.convert_to_numpy(model.optimizer.iterations))
    evaluation = model.evaluate(
        x[48:],
        {"cls": labels[48:], "reg": targets[48:]},
        batch_size=8,
        return_dict=True,
        verbose=0,
    )
    out["same_multi_eval_keys"] = sorted(evaluation)
    out["close_multi_eval"] = [evaluation[k] for k in sorted(evaluation)]
    preds = model.predict(x[:5], verbose=0)
    out["same_multi_pred_keys"] = sorted(preds)
    out["close_multi_pred_cls"] = np.asarray(preds["cls"], "float64").tolist()

    # --- fit options on a single-output model ---------------------------------
    model = get_classifier()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(reduction="sum"),
        metrics=["sparse_categorical_accuracy"],
        weighted_metrics=["sparse_categorical_accuracy"],
    )
    h1 = model.fit(
        x,
        labels,
        class_weight={0: 1.0, 1: 2.0, 2: 0.5},
        batch_size=16,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    out["same_class_weight_keys"] = sorted(h1.history)
    for key, values in h1.history.items():
        out[f"close_class_weight_{key}"] = values
    # Resume the same run for two more epochs: the epochs are numbered 2 and 3.
    h2 = model.fit(
        x,
        labels,
        sample_weight=sw,
        batch_size=16,
        epochs=4,
        initial_epoch=2,
        shuffle=False,
        verbose=0,
    )
    out["same_initial_epoch_epochs"] = list(h2.epoch)
    out["same_initial_epoch_keys"] = sorted(h2.history)
    for key, values in h2.history.items():
        out[f"close_initial_epoch_{key}"] = values
    out["close_after_resume_weights"] = flat(model.get_weights())
    out["same_after_resume_iterations"] = int(
        ops.convert_to_numpy(model.optimizer.iterations)
    )

    def repeated_batches():
        while True:
            for start in range(0, 64, 16):
                yield x[start : start + 16], labels[start : start + 16]

    model = get_classifier()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    h3 = model.fit(
        repeated_batches(),
        steps_per_epoch=4,
        epochs=3,
        verbose=0,
        validation_data=repeated_batches(),
        validation_steps=2,
    )
    out["same_generator_keys"] = sorted(h3.history)
    out["same_generator_params"] = {
        k: h3.params.get(k) for k in ("epochs", "steps", "verbose")
    }
    for key, values in h3.history.items():
        # Keras validates on the two batches it peeked at to learn the
        # generator's shapes, replayed every epoch; kerasish reads the
        # generator on. The training values are the same; val_* reported only.
        prefix = "" if key.startswith("val_") else "close_"
        out[f"{prefix}generator_{key}"] = values
    out["same_generator_iterations"] = int(
        ops.convert_to_numpy(model.optimizer.iterations)
    )
    assert h3.history["loss"][-1] < h3.history["loss"][0], h3.history
    return out
