"""`kerasish.losses`: Keras's losses, as classes and as per-sample functions."""

import inspect

from kerasish.common.identifiers import IdentifierError
from kerasish.losses.circle import Circle, circle
from kerasish.losses.ctc import CTC, ctc
from kerasish.losses.hinge_losses import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from kerasish.losses.loss import (
    REDUCTIONS,
    Loss,
    apply_mask,
    check_shapes_for,
    reduce_values,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_reduction,
)
from kerasish.losses.loss_wrapper import (
    LossFunctionWrapper,
    call_with_mask,
    check_loss_shapes,
)
from kerasish.losses.probabilistic_losses import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from kerasish.losses.regression_losses import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from kerasish.losses.segmentation_losses import (
    Dice,
    Tversky,
    dice,
    tversky,
)
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
    unknown_name_error,
)

_CLASSES = (
    Loss,
    LossFunctionWrapper,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    SparseCategoricalCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Huber,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    Dice,
    Tversky,
    CTC,
    Circle,
)
_FUNCTIONS = (
    kl_divergence,
    poisson,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    sparse_categorical_crossentropy,
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    log_cosh,
    huber,
    hinge,
    squared_hinge,
    categorical_hinge,
    dice,
    tversky,
    ctc,
    circle,
)
# Keras's names: class names, function names and the short aliases.
_ALL_OBJECTS = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
_ALL_OBJECTS.update(
    {
        "bce": binary_crossentropy,
        "BCE": binary_crossentropy,
        "kld": kl_divergence,
        "KLD": kl_divergence,
        "mae": mean_absolute_error,
        "MAE": mean_absolute_error,
        "mse": mean_squared_error,
        "MSE": mean_squared_error,
        "mape": mean_absolute_percentage_error,
        "MAPE": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "MSLE": mean_squared_logarithmic_error,
    }
)
for _fn in _FUNCTIONS:
    register_builtin("losses")(_fn)


def serialize(loss):
    """Returns a JSON-able config of a `Loss` instance or a loss function."""
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """Rebuilds a loss from `serialize`'s output (or from a name)."""
    config = name
    if isinstance(config, str):
        if config in _ALL_OBJECTS:
            return _ALL_OBJECTS[config]
        return deserialize_keras_object(config, "losses", custom_objects)
    if isinstance(config, dict) and config.get("class_name") == "function":
        fn_name = config.get("config")
        if fn_name in _ALL_OBJECTS:
            return _ALL_OBJECTS[fn_name]
    if isinstance(config, dict) and config.get("class_name") in _ALL_OBJECTS:
        cls = (custom_objects or {}).get(config["class_name"]) or _ALL_OBJECTS[
            config["class_name"]
        ]
        if inspect.isclass(cls):
            return cls.from_config(config.get("config", {}))
    return deserialize_keras_object(config, "losses", custom_objects)


def get(identifier):
    """Returns a loss from a name, a config dict, a class, an instance or a function.

    As in Keras, a function's name (`"mse"`, `"categorical_crossentropy"`) gives the
    function and a class name (`"CategoricalCrossentropy"`) gives an instance.

    Example:
    >>> kerasish.losses.get("mse") is kerasish.losses.mean_squared_error
    True
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _ALL_OBJECTS.get(identifier)
        if obj is None:
            raise unknown_name_error("loss", identifier, _ALL_OBJECTS)
    else:
        obj = identifier
    if inspect.isclass(obj):
        if not issubclass(obj, Loss):
            raise IdentifierError(
                f"Could not interpret loss identifier {identifier!r}: a class must "
                f"subclass kerasish.losses.Loss, received {obj.__name__}."
            )
        return obj()
    if callable(obj):
        return obj
    raise IdentifierError(
        f"Could not interpret loss identifier {identifier!r} of type "
        f"{type(identifier).__name__}: expected a name, a Loss, a function or a "
        "config dict."
    )


def _is_binary_or_sparse(y_true_shape, y_pred_shape):
    # Keras 3's rule (compile_utils.is_binary_or_sparse_categorical).
    yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
    t_last = yt[-1] if yt else None
    p_last = yp[-1] if yp else None
    is_binary = p_last == 1
    is_sparse = len(yt) < len(yp) or (t_last == 1 and p_last not in (None, 1))
    return is_binary, is_sparse


def resolve(identifier, y_true_shape=None, y_pred_shape=None):
    """The `Loss` instance `compile(loss=identifier)` uses for one output.

    Strings `"crossentropy"` / `"ce"` pick binary, sparse categorical or categorical
    crossentropy from the shapes, as Keras does; a function is wrapped in a
    `LossFunctionWrapper` named after the string given (or the function). The
    shapes, when given, are checked with the loss's `check_shapes`.

    Args:
        identifier: Name, function, class, instance or config dict.
        y_true_shape: Shape of the targets (tuple, `None` for the batch), or None.
        y_pred_shape: Shape of the model output, or None.

    Returns:
        A `Loss`, or None when `identifier` is None.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(
                f"Loss {identifier!r} chooses binary, categorical or sparse "
                "categorical crossentropy from the shapes of y_true and y_pred, which "
                "were not given. Name the crossentropy explicitly."
            )
        is_binary, is_sparse = _is_binary_or_sparse(y_true_shape, y_pred_shape)
        if is_binary:
            obj = binary_crossentropy
        elif is_sparse:
            obj = sparse_categorical_crossentropy
        else:
            obj = categorical_crossentropy
    else:
        obj = get(identifier)
    if not isinstance(obj, Loss):
        name = (
            identifier
            if isinstance(identifier, str)
            else getattr(obj, "__name__", type(obj).__name__)
        )
        obj = LossFunctionWrapper(obj, name=name)
    if y_true_shape is not None and y_pred_shape is not None:
        obj.check_shapes(tuple(y_true_shape), tuple(y_pred_shape))
    return obj


__all__ = [
    "REDUCTIONS",
    "apply_mask",
    "call_with_mask",
    "check_loss_shapes",
    "check_shapes_for",
    "deserialize",
    "get",
    "reduce_values",
    "reduce_weighted_values",
    "resolve",
    "serialize",
    "squeeze_or_expand_to_same_rank",
    "standardize_reduction",
    *sorted(o.__name__ for o in _CLASSES + _FUNCTIONS),
]
