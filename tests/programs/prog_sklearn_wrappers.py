"""Keras 3's scikit-learn wrappers (keras.io API docs: "Scikit-Learn API wrappers").

Follows the examples of `keras.wrappers.SKLearnClassifier`, `SKLearnRegressor`
and `SKLearnTransformer` in the Keras API reference, written for the JAX
backend:

- a `model` callable `build(X, y, **model_kwargs)` that makes a compiled MLP
  whose input/output sizes follow `X` and `y` (the one-hot targets for the
  classifier), with `fit_kwargs` (epochs, batch_size, `shuffle=False`);
- `fit`/`predict`/`decision_function`/`score` on the digits data set
  (`load_digits`), `classes_`, `n_features_in_`, `history_`, `model_`;
  string labels (multiclass and binary) one-hot encoded and decoded back;
- `SKLearnRegressor` (1-D and 2-D targets, R^2 `score`) and
  `SKLearnTransformer` (`transform`, `fit_transform`) feeding a scikit-learn
  `LogisticRegression`;
- inside `sklearn.pipeline.Pipeline` with `StandardScaler` (fit params routed
  as `step__param`), `cross_val_score` over `KFold` without shuffling and a
  tiny `GridSearchCV` over `model_kwargs`;
- `get_params`/`set_params`/`sklearn.base.clone` (which keeps `model` and
  `model_kwargs` but not `fit_kwargs`);
- the errors: unfitted use, wrong number of features, uncompiled model,
  continuous / multilabel / single-class targets, unknown parameters.

Every weight is set from a seeded numpy rng inside the builder and
`shuffle=False`, so both libraries compute the same numbers.
"""

import re

import numpy as np

FIT = {"epochs": 2, "batch_size": 16, "shuffle": False, "verbose": 0}


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        return f"{type(e).__name__}: {re.sub(r'0x[0-9a-f]+', '0x', str(e))}"
    return "no error"


def _seed_weights(model, seed):
    wrng = np.random.default_rng(seed)
    values = []
    for w in model.get_weights():
        fan_in = w.shape[0] if w.ndim == 2 else 10
        values.append((wrng.normal(size=w.shape) / np.sqrt(fan_in)).astype("float32"))
    model.set_weights(values)


def make_builders(keras):
    layers = keras.layers

    def build_classifier(X, y, hidden=16, lr=0.1, seed=0):
        """The Keras docs' `dynamic_model`: sizes from X and one-hot y."""
        n_outputs = y.shape[1] if len(y.shape) > 1 else 1
        inputs = keras.Input(shape=(X.shape[1],))
        h = layers.Dense(hidden, activation="relu", name="hidden")(inputs)
        outputs = layers.Dense(n_outputs, activation="softmax", name="probs")(h)
        model = keras.Model(inputs, outputs, name="mlp_classifier")
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.5),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        _seed_weights(model, seed)
        return model

    def build_regressor(X, y, hidden=8, loss="mse"):
        n_outputs = y.shape[1] if len(y.shape) > 1 else 1
        model = keras.Sequential(
            [
                keras.Input(shape=(X.shape[1],)),
                layers.Dense(hidden, activation="tanh"),
                layers.Dense(n_outputs),
            ],
            name="mlp_regressor",
        )
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=["mae"])
        _seed_weights(model, 1)
        return model

    def build_embedder(X, y, dim=3):
        """A small net trained to predict y; `transform` is its prediction."""
        inputs = keras.Input(shape=(X.shape[1],))
        h = layers.Dense(dim, activation="tanh", name="embedding")(inputs)
        outputs = layers.Dense(y.shape[1], name="head")(h)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="rmsprop", loss="mse")
        _seed_weights(model, 2)
        return model

    def build_uncompiled(X, y):
        inputs = keras.Input(shape=(X.shape[1],))
        return keras.Model(inputs, layers.Dense(2)(inputs))

    return build_classifier, build_regressor, build_embedder, build_uncompiled


def run(keras, workdir):
    from sklearn.base import clone
    from sklearn.datasets import load_digits, make_classification, make_regression
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    keras.utils.set_random_seed(0)
    SKLearnClassifier = keras.wrappers.SKLearnClassifier
    SKLearnRegressor = keras.wrappers.SKLearnRegressor
    SKLearnTransformer = keras.wrappers.SKLearnTransformer
    build_classifier, build_regressor, build_embedder, build_uncompiled = make_builders(
        keras
    )
    out = {}

    # --- Digits: the classifier on its own -----------------------------------
    digits = load_digits()
    X = (digits.data[:240] / 16.0).astype("float32")
    y = digits.target[:240]
    X_test = (digits.data[240:300] / 16.0).astype("float32")
    y_test = digits.target[240:300]

    est = SKLearnClassifier(
        model=build_classifier,
        model_kwargs={"hidden": 16, "lr": 0.1},
        fit_kwargs=dict(FIT),
    )
    params = est.get_params()
    out["same_params_keys"] = sorted(params)
    out["same_params_values"] = {
        k: (v.__name__ if callable(v) else v) for k, v in params.items()
    }
    out["same_unfitted_predict"] = _error(lambda: est.predict(X_test))
    out["same_unfitted_score"] = _error(lambda: est.score(X_test, y_test))
    out["same_has_predict_proba"] = hasattr(est, "predict_proba")
    out["same_has_decision_function"] = hasattr(est, "decision_function")
    out["same_repr"] = re.sub(r"0x[0-9a-f]+", "0x", repr(est))

    assert est.fit(X, y) is est
    history = est.history_.history
    out["same_history_keys"] = sorted(history)
    out["close_history_loss"] = np.asarray(history["loss"])
    out["close_history_accuracy"] = np.asarray(history["accuracy"])
    out["same_classes"] = est.classes_.tolist()
    out["same_n_features_in"] = int(est.n_features_in_)
    out["same_model_name"] = est.model_.name
    out["same_model_layers"] = [layer.name for layer in est.model_.layers]
    out["same_model_params"] = int(est.model_.count_params())
    out["same_model_output_shape"] = list(est.model_.output_shape)
    out["close_model_kernel"] = np.asarray(est.model_.get_layer("probs").kernel)[:4]
    pred = est.predict(X_test)
    out["same_predict"] = np.asarray(pred).tolist()
    out["same_predict_dtype"] = str(np.asarray(pred).dtype)
    raw = np.asarray(est.decision_function(X_test))
    out["same_decision_shape"] = list(raw.shape)
    out["close_decision"] = raw[:8]
    out["close_score"] = float(est.score(X_test, y_test))
    out["same_wrong_features"] = _error(lambda: est.predict(X_test[:, :10]))
    # Model results computed by hand agree with the wrapper's.
    np.testing.assert_array_equal(pred, est.classes_[raw.argmax(axis=1)])

    # --- String labels: label encoding -----------------------------------------
    Xc, yc = make_classification(
        n_samples=90,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    Xc = Xc.astype("float32")
    names = np.array(["owl", "cat", "dog"])
    ys = names[yc]
    est_s = SKLearnClassifier(
        model=build_classifier, model_kwargs={"hidden": 8}, fit_kwargs=dict(FIT)
    )
    est_s.fit(Xc, ys)
    out["same_string_classes"] = est_s.classes_.tolist()
    out["same_string_output_units"] = int(est_s.model_.output_shape[-1])
    ps = est_s.predict(Xc[:12])
    out["same_string_predict"] = [str(v) for v in ps]
    out["same_string_predict_shape"] = list(np.asarray(ps).shape)
    out["close_string_score"] = float(est_s.score(Xc, ys))
    out["close_string_loss"] = np.asarray(est_s.history_.history["loss"])

    yb = np.where(yc == 0, "no", "yes")
    est_b = SKLearnClassifier(model=build_classifier, fit_kwargs=dict(FIT))
    est_b.fit(Xc, yb, epochs=1)  # fit(**kwargs) overrides fit_kwargs
    out["same_fit_kwarg_override_epochs"] = len(est_b.history_.history["loss"])
    # Keras's `fit` updates `self.fit_kwargs` in place with the call's kwargs
    # (a Keras bug: an estimator's params should not change in fit), so this
    # is only reported.
    out["fit_kwargs_after_fit_call"] = est_b.get_params()["fit_kwargs"]
    # Keras's `epoch_` reads `history_.get(...)`, but `history_` is a History
    # callback (AttributeError in Keras): reported only.
    out["epoch_property"] = _error(lambda: est_b.epoch_)
    out["same_binary_classes"] = est_b.classes_.tolist()
    out["same_binary_output_units"] = int(est_b.model_.output_shape[-1])
    out["same_binary_predict"] = [str(v) for v in est_b.predict(Xc[:12])]
    out["close_binary_decision"] = np.asarray(est_b.decision_function(Xc[:6]))

    # --- Errors -----------------------------------------------------------------
    bad = SKLearnClassifier(model=build_classifier, fit_kwargs=dict(FIT))
    out["same_continuous_target"] = _error(lambda: bad.fit(Xc, Xc[:, 0]))
    out["same_multilabel_target"] = _error(
        lambda: bad.fit(Xc, np.stack([yc == 0, yc == 1], axis=1).astype(int))
    )
    out["same_single_class"] = _error(lambda: bad.fit(Xc, np.zeros(len(Xc), int)))
    out["same_uncompiled"] = _error(
        lambda: SKLearnClassifier(model=build_uncompiled, fit_kwargs=dict(FIT)).fit(
            Xc, yc
        )
    )
    out["same_bad_model_kwarg"] = _error(
        lambda: SKLearnClassifier(
            model=build_classifier, model_kwargs={"units": 3}, fit_kwargs=dict(FIT)
        ).fit(Xc, yc)
    )
    out["same_set_unknown_param"] = _error(lambda: bad.set_params(units=3))
    out["same_fit_1d_X"] = _error(lambda: bad.fit(Xc[:, 0], yc)).splitlines()[0]

    # --- get_params / set_params / clone ---------------------------------------
    assert est_s.set_params(model_kwargs={"hidden": 4}) is est_s
    out["same_set_params"] = est_s.get_params()["model_kwargs"]
    cloned = clone(est_s)
    out["same_clone_params"] = {
        k: (v.__name__ if callable(v) else v) for k, v in cloned.get_params().items()
    }
    out["same_clone_is_unfitted"] = [
        hasattr(cloned, "model_"),
        hasattr(cloned, "classes_"),
        cloned.model is est_s.model,
    ]
    cloned.set_params(fit_kwargs=dict(FIT, epochs=1))
    cloned.fit(Xc, ys)
    out["close_clone_loss"] = np.asarray(cloned.history_.history["loss"])
    out["same_clone_hidden_units"] = int(cloned.model_.get_layer("hidden").units)

    # --- Regressor -------------------------------------------------------------
    Xr, yr = make_regression(
        n_samples=80, n_features=5, noise=0.1, random_state=0, n_targets=1
    )
    Xr = Xr.astype("float32")
    yr = (yr / np.abs(yr).max()).astype("float32")
    reg = SKLearnRegressor(
        model=build_regressor, model_kwargs={"hidden": 8}, fit_kwargs=dict(FIT)
    )
    out["same_regressor_unfitted"] = _error(lambda: reg.predict(Xr))
    reg.fit(Xr, yr)
    pr = reg.predict(Xr[:10])
    out["same_regressor_predict_shape"] = list(np.asarray(pr).shape)
    out["close_regressor_predict"] = np.asarray(pr)
    out["close_regressor_score"] = float(reg.score(Xr, yr))
    out["same_regressor_history_keys"] = sorted(reg.history_.history)
    out["close_regressor_mae"] = np.asarray(reg.history_.history["mae"])
    Y2 = np.stack([yr, yr**2], axis=1)
    # The wrappers take 1-D targets only (scikit-learn's validation says so).
    out["same_regressor_2d_target"] = _error(
        lambda: SKLearnRegressor(model=build_regressor).fit(Xr, Y2)
    )

    # --- Transformer: a learned feature for a scikit-learn classifier -----------------
    score_target = (yc == 0).astype("float32")
    trs = SKLearnTransformer(model=build_embedder, fit_kwargs=dict(FIT))
    out["same_transformer_unfitted"] = _error(lambda: trs.transform(Xc))
    emb = np.asarray(trs.fit_transform(Xc, score_target))
    out["same_transform_shape"] = list(emb.shape)
    out["close_transform"] = emb[:6]
    out["close_transform_again"] = np.asarray(trs.transform(Xc[:6]))
    out["same_transformer_has_predict"] = hasattr(trs, "predict")

    # --- Pipelines, cross-validation and grid search --------------------------
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "clf",
                SKLearnClassifier(
                    model=build_classifier,
                    model_kwargs={"hidden": 8},
                    fit_kwargs=dict(FIT),
                ),
            ),
        ]
    )
    pipe.fit(Xc, ys)
    out["same_pipeline_classes"] = pipe.classes_.tolist()
    out["same_pipeline_predict"] = [str(v) for v in pipe.predict(Xc[:10])]
    out["close_pipeline_score"] = float(pipe.score(Xc, ys))
    out["same_pipeline_param_names"] = sorted(
        k for k in pipe.get_params() if k.startswith("clf__")
    )

    embed_pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("embed", SKLearnTransformer(model=build_embedder, fit_kwargs=dict(FIT))),
            ("logreg", LogisticRegression()),
        ]
    )
    embed_pipe.fit(Xc, yc, embed__epochs=3)
    out["close_embed_pipe_proba"] = embed_pipe.predict_proba(Xc[:5])
    out["close_embed_pipe_score"] = float(embed_pipe.score(Xc, yc))

    # `clone` drops fit_kwargs, so cross-validation passes them as fit params.
    cv_params = {f"clf__{k}": v for k, v in FIT.items()}
    scores = cross_val_score(pipe, Xc, ys, cv=KFold(n_splits=3), params=cv_params)
    out["close_cv_scores"] = np.asarray(scores)

    grid = GridSearchCV(
        SKLearnClassifier(model=build_classifier),
        param_grid={"model_kwargs": [{"hidden": 4}, {"hidden": 12, "lr": 0.2}]},
        cv=KFold(n_splits=2),
    )
    grid.fit(X[:120], y[:120], **FIT)
    out["close_grid_mean_scores"] = np.asarray(grid.cv_results_["mean_test_score"])
    out["same_grid_params"] = [dict(p) for p in grid.cv_results_["params"]]
    out["same_grid_best_params"] = grid.best_params_
    out["same_grid_best_units"] = int(
        grid.best_estimator_.model_.get_layer("hidden").units
    )
    out["close_grid_best_score"] = float(grid.score(X_test, y_test))
    return out
