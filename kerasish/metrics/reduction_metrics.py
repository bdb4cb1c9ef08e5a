"""`Sum`, `Mean` and `MeanMetricWrapper`: the weighted running reductions.

Every per-sample metric (accuracies, errors, losses used as metrics) is a
`MeanMetricWrapper`: it accumulates `sum(w * value)` and `sum(w)`, so a row of
weight 0 (a padded row of a last short batch) changes neither.
"""

import inspect

from kerasish import ops
from kerasish.common.tensor_mask import get_keras_mask
from kerasish.losses.loss import (
    Loss,
    _expand_trailing,
    apply_mask,
    divide_no_nan,
    merge_masks,
    prediction_mask,
    squeeze_or_expand_to_same_rank,
)
from kerasish.metrics.metric import Metric
from kerasish.serialization import register_builtin, serialize_keras_object


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype, mask=None):
    """Per-sample weighted values and per-sample weights, as Keras's Mean sees them.

    Values beyond the weight's rank are reduced with `reduce_fn` first; the product
    `values * weight` is 0 wherever the weight is 0 (even for inf/nan values).

    Returns:
        `(values, sample_weight)`: values of shape `(batch,)` (or a scalar) and the
        matching weights, or None when neither a weight nor a mask was given.
    """
    values = ops.cast(ops.convert_to_tensor(values), dtype)
    if mask is not None:
        mask = ops.cast(ops.convert_to_tensor(mask), dtype)
        if sample_weight is None:
            sample_weight = _expand_trailing(mask, len(values.shape))
        else:
            sw = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
            mask, sw = squeeze_or_expand_to_same_rank(mask, sw)
            rank = max(len(mask.shape), len(sw.shape))
            sample_weight = _expand_trailing(sw, rank) * _expand_trailing(mask, rank)
    if sample_weight is not None:
        sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = len(sample_weight.shape), len(values.shape)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=list(range(weight_ndim, values_ndim)))
        sample_weight = ops.broadcast_to(sample_weight, values.shape)
        values = ops.where(sample_weight != 0, values * sample_weight, 0.0)
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_ndim)))
    if len(values.shape) > 1:
        values = reduce_fn(values, axis=list(range(1, len(values.shape))))
    return values, sample_weight


@register_builtin("metrics")
class Sum(Metric):
    """Weighted sum of the given values.

    `update(state, values, sample_weight=None)`.

    Args:
        name: Defaults to "sum".
        dtype: Dtype of the result.

    Example:
    >>> m = kerasish.metrics.Sum()
    >>> m.update_state([1.0, 3.0, 5.0], sample_weight=[1.0, 0.0, 1.0])
    >>> float(m.result())
    6.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init(self):
        return {"total": self._zeros()}

    def update(self, state, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(
            values, sample_weight, ops.sum, self.dtype
        )
        return {"total": state["total"] + ops.sum(values)}

    def compute(self, state):
        return state["total"]


@register_builtin("metrics")
class Mean(Metric):
    """Weighted mean of the given values: `sum(w * values) / sum(w)`.

    `update(state, values, sample_weight=None)`: with no weights every sample counts
    once; a sample of weight 0 is ignored.

    Args:
        name: Defaults to "mean".
        dtype: Dtype of the result.

    Example:
    >>> m = kerasish.metrics.Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1.0, 1.0, 0.0, 0.0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init(self):
        return {"total": self._zeros(), "count": self._zeros()}

    def update(self, state, values, sample_weight=None, mask=None):
        """Accumulates `values` (weighted by `sample_weight`, masked by `mask`)."""
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, ops.mean, self.dtype, mask=mask
        )
        if sample_weight is not None:
            count = ops.sum(sample_weight)
        elif len(values.shape) >= 1:
            count = values.shape[0]
        else:
            count = 1
        return {
            "total": state["total"] + ops.sum(values),
            "count": state["count"] + ops.cast(count, self.dtype),
        }

    def compute(self, state):
        return divide_no_nan(state["total"], state["count"])


@register_builtin("metrics")
class MeanMetricWrapper(Mean):
    """Mean of `fn(y_true, y_pred, **kwargs)` over all samples seen.

    `fn` may be any per-sample function (a loss function) or a `Loss` instance (its
    unreduced per-sample values are averaged, so weights and padding count per
    sample).

    Args:
        fn: The per-sample function.
        name: Defaults to "mean_metric_wrapper", as Keras's (`compile` and
            `metrics.get` name a wrapped function after it).
        dtype: Dtype of the result.
        **kwargs: Passed to `fn`.

    Example:
    >>> m = kerasish.metrics.MeanMetricWrapper(kerasish.losses.mean_absolute_error)
    >>> float(m([[0.0], [0.0]], [[1.0], [3.0]]))
    2.0
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(
                f"MeanMetricWrapper expects a callable `fn(y_true, y_pred)`, received "
                f"{fn!r} of type {type(fn).__name__}."
            )
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def _stateful_jit(self):
        fn = self._fn
        module = getattr(fn, "__module__", None) if not isinstance(fn, Loss) else None
        module = module or type(fn).__module__
        return super()._stateful_jit() and module.startswith("kerasish.")

    def values(self, y_true, y_pred):
        """Per-sample values and an optional mask of the entries that count."""
        from kerasish.losses import call_with_mask

        if isinstance(self._fn, Loss):
            y_pred = ops.convert_to_tensor(y_pred, dtype=self._fn.dtype)
            y_true = ops.convert_to_tensor(y_true, dtype=self._fn.dtype)
        return call_with_mask(self._fn, y_true, y_pred, **self._fn_kwargs)

    def update(self, state, y_true, y_pred, sample_weight=None):
        """Accumulates the per-sample values; as in Keras, the steps the
        prediction's mask (`y_pred._keras_mask`) leaves out do not count."""
        pred_mask = get_keras_mask(y_pred)
        values, mask = self.values(y_true, y_pred)
        pred_mask = prediction_mask(pred_mask, values, self)
        mask = merge_masks(mask, pred_mask, values.shape)
        return super().update(state, values, sample_weight=sample_weight, mask=mask)

    def update_state(self, y_true, y_pred, sample_weight=None):
        # The compiled update sees tracers, which carry no mask: the mask
        # becomes part of the weight here, as Keras's `apply_mask` makes it.
        mask = get_keras_mask(y_pred)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, self.dtype, "sum")
        super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_keras_object(self._fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from kerasish import losses

            fn = config["fn"]
            config["fn"] = losses.deserialize(fn) if fn is not None else None
            if inspect.isclass(config["fn"]):
                config["fn"] = config["fn"]()
        return cls(**config)


class _CatalogueMeanMetric(MeanMetricWrapper):
    """A catalogue metric: its config is its constructor arguments, not `fn`."""

    _config_keys: tuple = ()

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
