"""`kerasish.wrappers`: scikit-learn estimators around kerasish models.

scikit-learn is imported on first use of a wrapper, not with `kerasish`.
"""

_NAMES = ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer")


def __getattr__(name):
    if name in _NAMES:
        from kerasish.wrappers import sklearn_wrapper

        return getattr(sklearn_wrapper, name)
    raise AttributeError(f"module 'kerasish.wrappers' has no attribute {name!r}")


__all__ = list(_NAMES)
