"""Regression metrics: mean errors, RMSE, cosine similarity, log-cosh, R^2."""

import warnings

from kerasish import ops
from kerasish.losses.loss import squeeze_or_expand_shapes
from kerasish.losses.loss import squeeze_or_expand_to_same_rank as _align
from kerasish.losses.regression_losses import (
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from kerasish.metrics.metric import Metric
from kerasish.metrics.reduction_metrics import Mean, _CatalogueMeanMetric
from kerasish.serialization import register_builtin


def cosine_similarity(y_true, y_pred, axis=-1):
    """`sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`: 1 is best."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    y_true, y_pred = _align(y_true, y_pred)
    return ops.sum(
        ops.normalize(y_true, axis=axis) * ops.normalize(y_pred, axis=axis), axis=axis
    )


@register_builtin("metrics")
class MeanSquaredError(_CatalogueMeanMetric):
    """Mean of `square(y_true - y_pred)` over all samples seen.

    Args:
        name: Defaults to "mean_squared_error".
        dtype: Dtype of the result.
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


@register_builtin("metrics")
class MeanAbsoluteError(_CatalogueMeanMetric):
    """Mean of `abs(y_true - y_pred)` over all samples seen.

    Args:
        name: Defaults to "mean_absolute_error".
        dtype: Dtype of the result.
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


@register_builtin("metrics")
class MeanAbsolutePercentageError(_CatalogueMeanMetric):
    """Mean of `100 * abs((y_true - y_pred) / y_true)` over all samples seen.

    Args:
        name: Defaults to "mean_absolute_percentage_error".
        dtype: Dtype of the result.
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


@register_builtin("metrics")
class MeanSquaredLogarithmicError(_CatalogueMeanMetric):
    """Mean of `square(log(y_true + 1) - log(y_pred + 1))` over all samples seen.

    Args:
        name: Defaults to "mean_squared_logarithmic_error".
        dtype: Dtype of the result.
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


@register_builtin("metrics")
class LogCoshError(_CatalogueMeanMetric):
    """Mean of `log(cosh(y_pred - y_true))` over all samples seen.

    Args:
        name: Defaults to "logcosh" (Keras's name).
        dtype: Dtype of the result.
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


@register_builtin("metrics")
class CosineSimilarity(_CatalogueMeanMetric):
    """Mean cosine similarity between labels and predictions along `axis`.

    Args:
        name: Defaults to "cosine_similarity".
        dtype: Dtype of the result.
        axis: The axis along which the similarity is computed. Defaults to -1.

    Example:
    >>> m = kerasish.metrics.CosineSimilarity()
    >>> float(m([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]))
    0.5
    """

    _config_keys = ("axis",)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis


@register_builtin("metrics")
class RootMeanSquaredError(Mean):
    """`sqrt(mean(square(y_true - y_pred)))` over all entries seen.

    Args:
        name: Defaults to "root_mean_squared_error".
        dtype: Dtype of the result.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, self.dtype)
        y_true, y_pred = _align(y_true, y_pred)
        return super().update(state, ops.square(y_pred - y_true), sample_weight)

    def compute(self, state):
        return ops.sqrt(super().compute(state))


@register_builtin("metrics")
class R2Score(Metric):
    """Coefficient of determination `1 - SS_res / SS_tot`, per output then averaged.

    Args:
        class_aggregation: How per-output scores combine: "uniform_average"
            (default), "variance_weighted_average", or None (one score per output).
        num_regressors: Number of independent regressors, for the adjusted R^2
            (0 gives the plain R^2).
        name: Defaults to "r2_score".
        dtype: Dtype of the result.

    Example:
    >>> m = kerasish.metrics.R2Score()
    >>> float(m([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]]))
    0.5
    """

    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(
        self,
        class_aggregation="uniform_average",
        num_regressors=0,
        name="r2_score",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(
                f"R2Score: invalid `class_aggregation` {class_aggregation!r}; expected "
                f"one of {self._AGGREGATIONS}."
            )
        if (
            isinstance(num_regressors, bool)
            or not isinstance(num_regressors, int)
            or (num_regressors < 0)
        ):
            raise ValueError(
                f"R2Score: `num_regressors` must be an int >= 0, received "
                f"{num_regressors!r}."
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.built = False
        self._num_outputs = None

    def build(self, y_true_shape, y_pred_shape):
        yt, yp = squeeze_or_expand_shapes(tuple(y_true_shape), tuple(y_pred_shape))
        if len(yp) != 2 or len(yt) != 2 or yp[-1] is None:
            raise ValueError(
                f"R2Score expects 2D inputs of shape (batch_size, output_dim) with "
                f"output_dim known, received y_true of shape {tuple(y_true_shape)} and "
                f"y_pred of shape {tuple(y_pred_shape)}."
            )
        self._num_outputs = yp[-1]
        self.built = True

    def init(self):
        self._require_built()
        n = (self._num_outputs,)
        # Keras's variables, in its order (`residual` is its `total_mse`).
        return {
            "num_samples": self._zeros(),
            "squared_sum": self._zeros(n),
            "sum": self._zeros(n),
            "residual": self._zeros(n),
            "count": self._zeros(n),
        }

    @property
    def total_mse(self):
        """Keras's attribute for the `residual` variable: the weighted sum of
        squared errors per output (built by the first update, as in Keras)."""
        if not self.built:
            raise AttributeError("R2Score has no `total_mse` until its first update.")
        return self._view("residual")

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, self.dtype)
        y_true, y_pred = _align(y_true, y_pred)
        if sample_weight is None:
            weight = ops.ones_like(y_true)
        else:
            weight = ops.convert_to_tensor(sample_weight, self.dtype)
            if len(weight.shape) == 1:
                weight = ops.expand_dims(weight, 1)
            weight = ops.broadcast_to(weight, y_true.shape)
        keep = weight != 0
        y_true = ops.where(keep, y_true, 0.0)
        y_pred = ops.where(keep, y_pred, 0.0)
        weighted = y_true * weight
        return {
            "sum": state["sum"] + ops.sum(weighted, axis=0),
            "squared_sum": state["squared_sum"] + ops.sum(y_true * weighted, axis=0),
            "residual": state["residual"]
            + ops.sum(ops.square(y_true - y_pred) * weight, axis=0),
            "count": state["count"] + ops.sum(weight, axis=0),
            # Keras counts entries (ops.size); padded (weight 0) entries do not count.
            "num_samples": state["num_samples"] + ops.sum(ops.cast(keep, self.dtype)),
        }

    def compute(self, state):
        mean = state["sum"] / state["count"]
        total = state["squared_sum"] - state["sum"] * mean
        raw = 1.0 - state["residual"] / total
        raw = ops.where(ops.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.sum(total * raw) / ops.sum(total)
        else:
            score = raw
        if self.num_regressors:
            n = state["num_samples"]
            p = float(self.num_regressors)
            adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
            # Keras falls back to the plain score (with a warning) when n - 1 <= p.
            score = ops.where(n - 1.0 > p, adjusted, score)
        return score

    def result(self):
        if self.num_regressors and self._state is not None:
            n = float(ops.convert_to_numpy(self._state["num_samples"]))
            if self.num_regressors >= n - 1:
                warnings.warn(
                    f"R2Score '{self.name}': {self.num_regressors} regressors for "
                    f"{int(n)} samples; the adjusted R^2 is undefined, falling back to "
                    "the standard R^2 score.",
                    stacklevel=2,
                )
        return super().result()

    def get_config(self):
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }


def _pearson(y_true, y_pred, axis=-1):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    y_true, y_pred = _align(y_true, y_pred)
    t = y_true - ops.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - ops.mean(y_pred, axis=axis, keepdims=True)
    t = t / ops.std(t, axis=axis, keepdims=True)
    p = p / ops.std(p, axis=axis, keepdims=True)
    return ops.mean(t * p, axis=axis)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation of `y_true` and `y_pred` along `axis`."""
    return _pearson(y_true, y_pred, axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis` (Keras's formula)."""
    from kerasish import config

    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    y_true, y_pred = _align(y_true, y_pred)
    t_mean = ops.mean(y_true, axis=axis, keepdims=True)
    p_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    t_var = ops.var(y_true - t_mean, axis=axis, keepdims=True)
    p_var = ops.var(y_pred - p_mean, axis=axis, keepdims=True)
    covar = (y_true - p_mean) * (y_pred - p_mean)
    norm = t_var + p_var + ops.square(t_mean - p_mean)
    return ops.mean(2.0 * covar / (norm + config.epsilon()), axis=axis)


@register_builtin("metrics")
class PearsonCorrelation(_CatalogueMeanMetric):
    """Mean over samples of the Pearson correlation along `axis`.

    Args:
        name: Defaults to "pearson_correlation".
        dtype: Dtype of the result.
        axis: The axis the correlation is computed along. Defaults to -1.
    """

    _config_keys = ("axis",)

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


@register_builtin("metrics")
class ConcordanceCorrelation(_CatalogueMeanMetric):
    """Mean over samples of the concordance correlation along `axis`.

    Args:
        name: Defaults to "concordance_correlation".
        dtype: Dtype of the result.
        axis: The axis the correlation is computed along. Defaults to -1.
    """

    _config_keys = ("axis",)

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
