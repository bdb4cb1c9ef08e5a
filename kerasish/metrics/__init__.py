"""`kerasish.metrics`: Keras's metrics over a stateless core (init/update/compute)."""

import inspect

from kerasish import losses as _losses
from kerasish.common.identifiers import IdentifierError
from kerasish.common.naming import to_snake_case
from kerasish.losses import Loss as _Loss

# Loss functions Keras also exports under `keras.metrics`.
from kerasish.losses import (  # noqa: E402, I001
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from kerasish.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from kerasish.metrics.auc_metrics import AUC
from kerasish.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from kerasish.metrics.f_score_metrics import F1Score, FBetaScore
from kerasish.metrics.iou_metrics import (
    BinaryIoU,
    IoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
)
from kerasish.metrics.metric import Metric
from kerasish.metrics.operating_point_metrics import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from kerasish.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from kerasish.metrics.reduction_metrics import (
    Mean,
    MeanMetricWrapper,
    Sum,
    reduce_to_samplewise_values,
)
from kerasish.metrics.regression_metrics import (
    ConcordanceCorrelation,
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    PearsonCorrelation,
    R2Score,
    RootMeanSquaredError,
    concordance_correlation,
    pearson_correlation,
)
from kerasish.metrics.threshold_counts import confusion_counts
from kerasish.serialization import (
    deserialize_keras_object,
    serialize_keras_object,
    unknown_name_error,
)

_CLASSES = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    R2Score,
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
    ConcordanceCorrelation,
    PearsonCorrelation,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    F1Score,
    FBetaScore,
    IoU,
    BinaryIoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
)
_FUNCTIONS = (
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    pearson_correlation,
    concordance_correlation,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
# Keras's names: class names, their snake_case forms and the short aliases.
_ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
_ALL_OBJECTS.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
_ALL_OBJECTS.update(
    {
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)


# Names only `compile` knows: it picks the metric from the output's shape.
_COMPILE_ONLY = ("acc", "crossentropy", "ce")


def _valid_names():
    loss_names = {k for k, v in _losses._ALL_OBJECTS.items() if not inspect.isclass(v)}
    return set(_ALL_OBJECTS) | loss_names


def serialize(metric):
    """Returns a JSON-able config of a metric."""
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """Rebuilds a metric from `serialize`'s output (or from a name)."""
    if isinstance(config, str) and config in _ALL_OBJECTS:
        return _ALL_OBJECTS[config]
    if isinstance(config, dict) and config.get("class_name") in _ALL_OBJECTS:
        cls = (custom_objects or {}).get(config["class_name"]) or _ALL_OBJECTS[
            config["class_name"]
        ]
        return cls.from_config(config.get("config", {}))
    return deserialize_keras_object(config, "metrics", custom_objects)


def get(identifier):
    """Returns a metric from a name, config dict, class, instance or function.

    Names are Keras's (`"accuracy"`, `"mae"`, `"AUC"`, `"binary_accuracy"`); a loss
    function's name (`"huber"`) gives the mean of that loss. A function is returned
    as is (`resolve` wraps it).

    Example:
    >>> kerasish.metrics.get("mae").name
    'mean_absolute_error'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _ALL_OBJECTS.get(identifier)
        if obj is None:
            loss_fn = _losses._ALL_OBJECTS.get(identifier)
            if loss_fn is not None and not inspect.isclass(loss_fn):
                return MeanMetricWrapper(loss_fn, name=identifier)
            if identifier in _COMPILE_ONLY:
                raise ValueError(
                    f"Unknown metric {identifier!r}: `compile(metrics=["
                    f"{identifier!r}])` picks the metric from the output's shape, "
                    "but `metrics.get` has no output to look at. Name the metric "
                    "itself (e.g. 'binary_accuracy', 'categorical_accuracy', "
                    "'sparse_categorical_accuracy', 'binary_crossentropy')."
                )
            raise unknown_name_error("metric", identifier, _valid_names())
    else:
        obj = identifier
    if inspect.isclass(obj):
        if issubclass(obj, Metric):
            return obj()
        if issubclass(obj, _Loss):
            loss = obj()
            return MeanMetricWrapper(loss, name=loss.name)
        raise IdentifierError(
            f"Could not interpret metric identifier {identifier!r}: a class must "
            f"subclass kerasish.metrics.Metric, received {obj.__name__}."
        )
    if callable(obj):
        return obj
    raise IdentifierError(
        f"Could not interpret metric identifier {identifier!r} of type "
        f"{type(identifier).__name__}: expected a name, a Metric, a function or a "
        "config dict."
    )


def _object_name(obj):
    if isinstance(obj, Metric | _Loss):
        return obj.name
    # As Keras: a function's name in snake case (`PSNR` logs as "psnr").
    return to_snake_case(getattr(obj, "__name__", None) or type(obj).__name__)


def resolve(identifier, y_true_shape=None, y_pred_shape=None, loss=None):
    """The `Metric` instance `compile(metrics=[identifier])` uses for one output.

    `"accuracy"` / `"acc"` become `BinaryAccuracy` when the output has one unit,
    `SparseCategoricalAccuracy` when the labels have a lower rank or a last axis of
    1, else `CategoricalAccuracy` (Keras 3's rule, from the shapes); `"crossentropy"`
    / `"ce"` pick the crossentropy the same way. The metric keeps the string as its
    name (the History key). A function or a `Loss` is wrapped in a
    `MeanMetricWrapper`. Metrics whose state depends on the data's shapes are built.

    Args:
        identifier: Name, function, class, instance or config dict.
        y_true_shape: Shape of the targets (tuple, `None` for the batch), or None.
        y_pred_shape: Shape of the model output, or None.
        loss: The output's loss; decides "accuracy" only when the shapes are
            unknown.

    Returns:
        A `Metric`.
    """
    if identifier is None:
        raise ValueError("Expected a metric, received None.")
    name = identifier.lower() if isinstance(identifier, str) else None
    if name in ("accuracy", *_COMPILE_ONLY):
        kind = _label_kind(y_true_shape, y_pred_shape, loss)
        if name in ("accuracy", "acc"):
            cls = {
                "binary": BinaryAccuracy,
                "sparse": SparseCategoricalAccuracy,
                "categorical": CategoricalAccuracy,
            }[kind]
        else:
            cls = {
                "binary": BinaryCrossentropy,
                "sparse": SparseCategoricalCrossentropy,
                "categorical": CategoricalCrossentropy,
            }[kind]
        metric = cls(name=identifier)
    else:
        metric = get(identifier)
        if not isinstance(metric, Metric):
            metric = MeanMetricWrapper(metric, name=_object_name(metric))
        if isinstance(identifier, str):
            metric.name = identifier
    if not metric.built and y_true_shape is not None and y_pred_shape is not None:
        metric.build(tuple(y_true_shape), tuple(y_pred_shape))
    return metric


def _label_kind(y_true_shape, y_pred_shape, loss):
    if y_true_shape is not None and y_pred_shape is not None:
        yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
        t_last = yt[-1] if yt else None
        p_last = yp[-1] if yp else None
        if p_last == 1:
            return "binary"
        if len(yt) < len(yp) or (t_last == 1 and p_last not in (None, 1)):
            return "sparse"
        return "categorical"
    # Shapes unknown: fall back on the loss, as Keras 2 did.
    fn = getattr(loss, "fn", loss)
    loss_name = (
        getattr(fn, "__name__", None) or getattr(loss, "name", None) or str(loss)
    )
    loss_name = to_snake_case(str(loss_name))
    if "sparse" in loss_name:
        return "sparse"
    if "binary" in loss_name or "hinge" == loss_name:
        return "binary"
    return "categorical"


__all__ = [
    "confusion_counts",
    "deserialize",
    "get",
    "reduce_to_samplewise_values",
    "resolve",
    "serialize",
    *sorted(o.__name__ for o in _CLASSES + _FUNCTIONS),
]
