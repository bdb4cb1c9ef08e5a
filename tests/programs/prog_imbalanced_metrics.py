"""Imbalanced classification (keras.io credit card fraud) and multi-label metrics.

class_weight, the confusion-matrix metrics list of the fraud guide, AUC (ROC, PR,
multi-label), F1/F-beta, PrecisionAtRecall, SensitivityAtSpecificity, thresholds as
lists, weighted_metrics, duplicate metric names, a multi-output model with metric
dicts, evaluate's list order and return_dict, and metric objects used standalone.
"""

import numpy as np


def _seed_weights(model, seed, scale=0.3):
    rng = np.random.default_rng(seed)
    model.set_weights(
        [
            rng.normal(size=w.shape).astype("float32") * scale
            for w in model.get_weights()
        ]
    )


def _floats(logs):
    """A dict of logs (scalars, per-epoch lists, vector metrics) as one flat array."""
    return np.concatenate(
        [np.ravel(np.asarray(logs[k], dtype="float64")) for k in sorted(logs)]
    )


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(42)

    # --- data: a rare positive class, as in the credit card fraud guide -----------
    n, d = 640, 12
    features = rng.normal(size=(n, d)).astype("float32")
    score = features @ rng.normal(size=(d,)) + 0.5 * rng.normal(size=(n,))
    targets = (score > np.quantile(score, 0.9)).astype("float32").reshape(-1, 1)
    num_val_samples = 128
    train_features, val_features = (
        features[:-num_val_samples],
        features[-num_val_samples:],
    )
    train_targets, val_targets = targets[:-num_val_samples], targets[-num_val_samples:]
    counts = np.bincount(train_targets[:, 0].astype("int64"))
    mean = np.mean(train_features, axis=0)
    std = np.std(train_features, axis=0)
    train_features = (train_features - mean) / std
    val_features = (val_features - mean) / std

    model = keras.Sequential(
        [
            keras.Input(shape=train_features.shape[1:]),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    _seed_weights(model, 7)
    summary_lines = []
    model.summary(print_fn=lambda line, *a, **k: summary_lines.append(line))

    metrics = [
        keras.metrics.FalseNegatives(name="fn"),
        keras.metrics.FalsePositives(name="fp"),
        keras.metrics.TrueNegatives(name="tn"),
        keras.metrics.TruePositives(name="tp"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.AUC(name="auc"),
        keras.metrics.AUC(name="prc", curve="PR"),
        keras.metrics.BinaryAccuracy(name="acc_at_03", threshold=0.3),
    ]
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="binary_crossentropy",
        metrics=metrics,
    )
    weight_for_0 = 1.0 / counts[0]
    weight_for_1 = 1.0 / counts[1]
    class_weight = {0: weight_for_0 * 100, 1: weight_for_1 * 100}
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            str(workdir / "fraud_model_at_epoch_{epoch}.keras")
        )
    ]
    history = model.fit(
        train_features,
        train_targets,
        batch_size=128,
        epochs=3,
        verbose=0,
        callbacks=callbacks,
        validation_data=(val_features, val_targets),
        class_weight=class_weight,
        shuffle=False,
    )
    hist = history.history
    assert hist["loss"][-1] < hist["loss"][0], hist["loss"]
    assert hist["recall"][-1] > 0.5, hist["recall"]
    # The four confusion counts cover every training sample once per epoch.
    total = hist["fn"][-1] + hist["fp"][-1] + hist["tn"][-1] + hist["tp"][-1]
    assert total == len(train_features), total
    val_total = (
        hist["val_fn"][-1]
        + hist["val_fp"][-1]
        + hist["val_tn"][-1]
        + hist["val_tp"][-1]
    )
    assert val_total == num_val_samples, val_total

    eval_list = model.evaluate(val_features, val_targets, batch_size=128, verbose=0)
    eval_dict = model.evaluate(
        val_features, val_targets, batch_size=128, verbose=0, return_dict=True
    )
    np.testing.assert_allclose(eval_list[0], eval_dict["loss"], rtol=1e-6)
    val_preds = model.predict(val_features, batch_size=128, verbose=0)
    n_flagged = int(np.sum(val_preds[:, 0] > 0.5))
    assert n_flagged == int(eval_dict["tp"] + eval_dict["fp"]), (n_flagged, eval_dict)

    reloaded = keras.models.load_model(workdir / "fraud_model_at_epoch_3.keras")
    reloaded_eval = reloaded.evaluate(
        val_features, val_targets, batch_size=128, verbose=0, return_dict=True
    )
    np.testing.assert_allclose(reloaded_eval["loss"], eval_dict["loss"], rtol=1e-5)

    # --- thresholds as lists, F-scores, PrecisionAtRecall, SensitivityAtSpecificity --
    model2 = keras.Sequential(
        [
            keras.Input(shape=(d,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    _seed_weights(model2, 8)
    model2.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[
            keras.metrics.Precision(thresholds=[0.3, 0.5, 0.7], name="p_multi"),
            keras.metrics.Recall(thresholds=[0.3, 0.5, 0.7], name="r_multi"),
            keras.metrics.F1Score(threshold=0.5, name="f1"),
            keras.metrics.FBetaScore(beta=2.0, threshold=0.5, name="f2"),
            keras.metrics.PrecisionAtRecall(0.5, name="p_at_r"),
            keras.metrics.SensitivityAtSpecificity(0.8, name="s_at_s"),
            keras.metrics.SpecificityAtSensitivity(0.8, name="spec_at_s"),
            keras.metrics.RecallAtPrecision(0.3, name="r_at_p"),
        ],
    )
    h2 = model2.fit(
        train_features,
        train_targets,
        batch_size=128,
        epochs=2,
        verbose=0,
        shuffle=False,
        validation_data=(val_features, val_targets),
    )
    e2 = model2.evaluate(val_features, val_targets, verbose=0, return_dict=True)
    assert np.asarray(e2["p_multi"]).shape == (3,), e2["p_multi"]
    r_multi = np.asarray(e2["r_multi"])
    assert r_multi[0] >= r_multi[1] >= r_multi[2], (
        r_multi
    )  # recall falls with threshold

    # --- weighted_metrics and duplicate metric names ------------------------------
    model3 = keras.Sequential(
        [keras.Input(shape=(d,)), layers.Dense(1, activation="sigmoid")]
    )
    _seed_weights(model3, 9)
    model3.compile(
        optimizer="sgd",
        loss="binary_crossentropy",
        metrics=["accuracy", "accuracy", keras.metrics.AUC()],
        weighted_metrics=["accuracy", keras.metrics.AUC()],
    )
    sample_weight = np.where(train_targets[:, 0] == 1, 5.0, 1.0).astype("float32")
    h3 = model3.fit(
        train_features,
        train_targets,
        sample_weight=sample_weight,
        batch_size=128,
        epochs=1,
        verbose=0,
        shuffle=False,
        validation_data=(val_features, val_targets),
    )
    e3_list = model3.evaluate(val_features, val_targets, verbose=0)
    e3 = model3.evaluate(val_features, val_targets, verbose=0, return_dict=True)
    e3_weighted = model3.evaluate(
        val_features,
        val_targets,
        sample_weight=np.where(val_targets[:, 0] == 1, 5.0, 1.0),
        verbose=0,
        return_dict=True,
    )

    # --- multi-label classification: AUC(multi_label=True), macro F1 ---------------
    num_labels = 4
    label_w = rng.normal(size=(d, num_labels))
    multi_y = (train_features @ label_w > 0.8).astype("float32")
    multi_y_val = (val_features @ label_w > 0.8).astype("float32")
    ml_inputs = keras.Input(shape=(d,), name="text_features")
    ml_hidden = layers.Dense(24, activation="relu")(ml_inputs)
    ml_outputs = layers.Dense(num_labels, activation="sigmoid", name="labels")(
        ml_hidden
    )
    ml_model = keras.Model(ml_inputs, ml_outputs)
    _seed_weights(ml_model, 10)
    ml_model.compile(
        optimizer=keras.optimizers.Adam(5e-3),
        loss="binary_crossentropy",
        metrics=[
            keras.metrics.AUC(multi_label=True, num_labels=num_labels, name="ml_auc"),
            keras.metrics.AUC(multi_label=False, name="micro_auc"),
            keras.metrics.F1Score(average="macro", threshold=0.5, name="macro_f1"),
            keras.metrics.F1Score(average=None, threshold=0.5, name="f1_per_label"),
            keras.metrics.BinaryAccuracy(threshold=0.4),
            keras.metrics.Precision(top_k=2, name="precision_top2"),
        ],
    )
    h4 = ml_model.fit(
        train_features,
        multi_y,
        batch_size=128,
        epochs=3,
        verbose=0,
        shuffle=False,
        validation_data=(val_features, multi_y_val),
    )
    assert h4.history["ml_auc"][-1] > 0.6, h4.history["ml_auc"]
    e4 = ml_model.evaluate(val_features, multi_y_val, verbose=0, return_dict=True)
    assert np.asarray(e4["f1_per_label"]).shape == (num_labels,)
    ml_probs = ml_model.predict(val_features[:5], verbose=0)
    ml_decoded = (ml_probs > 0.5).astype("int32")

    # --- multi-output model with metric dicts and loss weights --------------------
    amount = (train_features[:, :3].sum(axis=1, keepdims=True)).astype("float32")
    amount_val = (val_features[:, :3].sum(axis=1, keepdims=True)).astype("float32")
    mo_inputs = keras.Input(shape=(d,), name="transaction")
    mo_hidden = layers.Dense(16, activation="relu", name="shared")(mo_inputs)
    fraud_out = layers.Dense(1, activation="sigmoid", name="fraud")(mo_hidden)
    amount_out = layers.Dense(1, name="amount")(mo_hidden)
    mo_model = keras.Model(mo_inputs, [fraud_out, amount_out])
    _seed_weights(mo_model, 11)
    mo_model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"fraud": "binary_crossentropy", "amount": "mse"},
        loss_weights={"fraud": 1.0, "amount": 0.5},
        metrics={
            "fraud": [keras.metrics.AUC(name="auc"), "accuracy"],
            "amount": ["mae", keras.metrics.RootMeanSquaredError()],
        },
    )
    h5 = mo_model.fit(
        train_features,
        {"fraud": train_targets, "amount": amount},
        batch_size=128,
        epochs=2,
        verbose=0,
        shuffle=False,
        validation_data=(val_features, {"fraud": val_targets, "amount": amount_val}),
    )
    e5_list = mo_model.evaluate(
        val_features, {"fraud": val_targets, "amount": amount_val}, verbose=0
    )
    e5 = mo_model.evaluate(
        val_features,
        {"fraud": val_targets, "amount": amount_val},
        verbose=0,
        return_dict=True,
    )
    np.testing.assert_allclose(
        e5["loss"], e5["fraud_loss"] + 0.5 * e5["amount_loss"], rtol=1e-4
    )

    # --- metric objects used standalone -----------------------------------------
    y_true = np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype="float32")
    y_prob = np.array([0.1, 0.8, 0.4, 0.6, 0.9, 0.2, 0.35, 0.55], dtype="float32")
    sw = np.array([1.0, 2.0, 1.0, 0.5, 1.0, 1.0, 3.0, 1.0], dtype="float32")
    standalone = {}
    for metric in [
        keras.metrics.FalseNegatives(),
        keras.metrics.FalsePositives(thresholds=[0.3, 0.5]),
        keras.metrics.TrueNegatives(),
        keras.metrics.TruePositives(),
        keras.metrics.Precision(),
        keras.metrics.Recall(thresholds=0.3),
        keras.metrics.AUC(),
        keras.metrics.AUC(curve="PR", num_thresholds=50),
        keras.metrics.AUC(summation_method="minoring"),
        keras.metrics.BinaryAccuracy(threshold=0.5),
        keras.metrics.PrecisionAtRecall(0.6),
        keras.metrics.SensitivityAtSpecificity(0.5),
    ]:
        metric.update_state(y_true[:4], y_prob[:4])
        metric.update_state(y_true[4:], y_prob[4:])
        plain = np.asarray(metric.result())
        metric.reset_state()
        metric.update_state(y_true[:4], y_prob[:4], sample_weight=sw[:4])
        metric.update_state(y_true[4:], y_prob[4:], sample_weight=sw[4:])
        weighted = np.asarray(metric.result())
        metric.reset_state()
        after_reset = np.asarray(metric.result())
        standalone[metric.name] = [
            plain.tolist(),
            weighted.tolist(),
            after_reset.tolist(),
        ]

    f1 = keras.metrics.F1Score(threshold=0.5)
    f1.update_state(y_true.reshape(-1, 1), y_prob.reshape(-1, 1))
    f1_value = np.asarray(f1.result())
    fbeta = keras.metrics.FBetaScore(average="micro", beta=0.5, threshold=0.5)
    fbeta.update_state(
        np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]], dtype="float32"),
        np.array([[0.9, 0.2, 0.3], [0.6, 0.7, 0.1], [0.8, 0.4, 0.6]], dtype="float32"),
        sample_weight=np.array([1.0, 2.0, 0.5], dtype="float32"),
    )
    fbeta_value = np.asarray(fbeta.result())
    ml_auc = keras.metrics.AUC(multi_label=True, num_labels=3)
    ml_auc.update_state(
        np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype="float32"),
        np.array(
            [[0.9, 0.2, 0.3], [0.6, 0.7, 0.1], [0.8, 0.4, 0.6], [0.2, 0.1, 0.7]],
            dtype="float32",
        ),
    )
    ml_auc_value = np.asarray(ml_auc.result())
    auc_config = keras.metrics.AUC(
        curve="PR", name="prc", num_thresholds=20
    ).get_config()
    auc_clone = keras.metrics.AUC.from_config(auc_config)
    precision_config = keras.metrics.Precision(thresholds=[0.3, 0.5, 0.7]).get_config()

    return {
        "same_summary": summary_lines,
        "same_history_keys": sorted(hist),
        "close_history": _floats(hist),
        "same_eval_list_len": len(eval_list),
        "same_eval_dict_keys": sorted(eval_dict),
        "close_eval_list": np.asarray(eval_list, dtype="float64"),
        "close_eval_dict": _floats(eval_dict),
        "same_n_flagged": n_flagged,
        "close_reloaded_eval": _floats(reloaded_eval),
        # Keras 3 reports ["loss", "compile_metrics"]; kerasish names each metric.
        "metrics_names": list(model.metrics_names),
        "same_h2_keys": sorted(h2.history),
        "close_h2": _floats(h2.history),
        "close_e2": _floats(e2),
        "same_h3_keys": sorted(h3.history),
        "close_h3": _floats(h3.history),
        "same_e3_keys": list(e3),
        "close_e3": _floats(e3),
        "close_e3_list": np.asarray(e3_list, dtype="float64"),
        "close_e3_weighted": _floats(e3_weighted),
        "same_h4_keys": sorted(h4.history),
        "close_h4": _floats(h4.history),
        "close_e4": _floats(e4),
        "same_ml_decoded": ml_decoded,
        "same_h5_keys": sorted(h5.history),
        "close_h5": _floats(h5.history),
        "same_e5_keys": list(e5),
        "close_e5": _floats(e5),
        "same_e5_list_len": len(e5_list),
        "close_e5_list": np.asarray(e5_list, dtype="float64"),
        "same_standalone_names": sorted(standalone),
        "close_standalone": _floats(standalone),
        "close_f1": f1_value,
        "close_fbeta": fbeta_value,
        "close_ml_auc": ml_auc_value,
        "same_auc_config": auc_config,
        "same_auc_clone_curve": auc_clone.get_config()["curve"],
        "same_auc_clone_name": auc_clone.name,
        "same_precision_config": precision_config,
    }
