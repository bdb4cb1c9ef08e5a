"""scikit-learn wrappers: `SKLearnClassifier`, `SKLearnRegressor`, `SKLearnTransformer`.

As Keras's: `model` is a compiled kerasish `Model` (cloned at each `fit`) or a
callable `model(X=X, y=y, **model_kwargs)` that builds and compiles one.
"""

import copy

import numpy as np

try:
    import sklearn
    from sklearn.base import (
        BaseEstimator,
        ClassifierMixin,
        RegressorMixin,
        TransformerMixin,
    )
except ImportError:  # the classes still exist; constructing one raises
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass


def _validate_data(estimator, *args, **kwargs):
    try:
        from sklearn.utils.validation import validate_data  # scikit-learn >= 1.6
    except ImportError:
        return estimator._validate_data(*args, **kwargs)
    return validate_data(estimator, *args, **kwargs)


def _type_of_target(y):
    from sklearn.utils.multiclass import type_of_target

    target_type = type_of_target(y)
    if target_type == "unknown":
        raise ValueError(f"Unknown label type for data: {y!r}")
    return target_type


def _clone_model(model):
    """A fresh copy of `model`'s architecture, compiled the same way."""
    from kerasish import models

    if hasattr(models, "clone_model"):
        new = models.clone_model(model)
    else:
        new = type(model).from_config(model.get_config())
    if model.compiled and not new.compiled:
        optimizer = model.optimizer
        optimizer = type(optimizer).from_config(optimizer.get_config())
        new.compile(optimizer=optimizer, **model._compile_args)
    return new


def _check_model(model):
    if not model.compiled or not model.loss or not model.optimizer:
        raise RuntimeError(
            "Given model needs to be compiled, and have a loss and an optimizer."
        )


class _KerasBytes:
    def __init__(self, data):
        self.data = data


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Makes 1-D targets 2-D for fitting and squeezes predictions back."""

    def fit(self, y):
        self.ndim_ = y.ndim
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y


class SKLBase(BaseEstimator):
    """Shared base of the scikit-learn wrappers.

    Args:
        model: A compiled `Model` (cloned for each `fit`), or a callable
            `model(X, y, **model_kwargs)` returning a compiled `Model`.
        warm_start: Accepted for Keras compatibility (Keras does not use it).
        model_kwargs: Keyword arguments for the `model` callable.
        fit_kwargs: Keyword arguments for `Model.fit` (`epochs`, ...).

    Attributes:
        model_: The fitted model. history_: The `History` that `fit` returned.
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        if sklearn is None:
            raise ImportError(
                f"{type(self).__name__} requires scikit-learn: "
                "`pip install kerasish[examples]` (or `pip install scikit-learn`)."
            )
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _more_tags(self):
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        model = self.model if callable(self.model) else copy.deepcopy(self.model)
        return type(self)(
            model=model, warm_start=self.warm_start, model_kwargs=self.model_kwargs
        )

    def set_fit_request(self, **kwargs):
        """Routes `score` metadata (e.g. `sample_weight`) when routing is on."""
        if not sklearn.get_config().get("enable_metadata_routing", False):
            raise RuntimeError(
                "This method is only available when metadata routing is enabled. "
                "You can enable it using "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
        from sklearn.utils.metadata_routing import MetadataRequest

        self._metadata_request = MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.score.add_request(param=param, alias=alias)
        return self

    def __getstate__(self):
        # A fitted model pickles as its `.keras` archive bytes.
        state = dict(self.__dict__)
        if "model_" in state:
            import os
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "model.keras")
                state["model_"].save(path)
                with open(path, "rb") as f:
                    state["model_"] = _KerasBytes(f.read())
        if "history_" in state:
            history = copy.copy(state["history_"])
            history.set_model(None)
            state["history_"] = history
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), _KerasBytes):
            import os
            import tempfile

            from kerasish.models import load_model

            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "model.keras")
                with open(path, "wb") as f:
                    f.write(state["model_"].data)
                state["model_"] = load_model(path)
        self.__dict__.update(state)

    @property
    def epoch_(self):
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def _get_model(self, X, y):
        from kerasish.models import Model

        if isinstance(self.model, Model):
            return _clone_model(self.model)
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Fits a new model (built or cloned from `model`) on `X`, `y`."""
        X, y = _validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        _check_model(model)
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)
        fit_kwargs.setdefault("verbose", 0)
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        raw = np.asarray(self.model_.predict(X, verbose=0))
        return self._reverse_process_target(raw)

    def _process_target(self, y, reset=False):
        _type_of_target(y)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """scikit-learn classifier around a kerasish model.

    Targets are one-hot encoded for fitting (so the model ends with one unit
    per class, e.g. softmax); `predict` returns the original class labels.
    Args as `SKLBase`. Attributes: `classes_`, `model_`, `history_`.
    """

    def decision_function(self, X):
        """The model's raw outputs (probabilities or logits)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return np.asarray(self.model_.predict(X, verbose=0))

    def _process_target(self, y, reset=False):
        target_type = _type_of_target(y)
        if target_type not in ["binary", "multiclass"]:
            raise ValueError(
                "Only binary and multiclass target types are supported."
                f" Target type: {target_type}"
            )
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self._target_encoder = make_pipeline(
                TargetReshaper(), OneHotEncoder(sparse_output=False)
            ).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError(
                    "Classifier can't train when only one class is present."
                )
        return self._target_encoder.transform(y)

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """scikit-learn regressor around a kerasish model. Args as `SKLBase`."""

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """scikit-learn transformer: `transform(X)` is the model's prediction."""

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return np.asarray(self.model_.predict(X, verbose=0))

    def _more_tags(self):
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
