"""Losses as metrics: crossentropies, KL divergence, Poisson and the hinges."""

from kerasish.losses.hinge_losses import (
    categorical_hinge,
    hinge,
    squared_hinge,
)
from kerasish.losses.probabilistic_losses import (
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from kerasish.metrics.reduction_metrics import _CatalogueMeanMetric
from kerasish.serialization import register_builtin


@register_builtin("metrics")
class KLDivergence(_CatalogueMeanMetric):
    """Mean Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))`.

    Args:
        name: Defaults to "kl_divergence".
        dtype: Dtype of the result.
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


@register_builtin("metrics")
class Poisson(_CatalogueMeanMetric):
    """Mean Poisson loss `y_pred - y_true * log(y_pred)`.

    Args:
        name: Defaults to "poisson".
        dtype: Dtype of the result.
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


@register_builtin("metrics")
class BinaryCrossentropy(_CatalogueMeanMetric):
    """Mean binary crossentropy over all samples seen.

    Args:
        name: Defaults to "binary_crossentropy".
        dtype: Dtype of the result.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
    """

    _config_keys = ("from_logits", "label_smoothing")

    def __init__(
        self,
        name="binary_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
    ):
        super().__init__(
            binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


@register_builtin("metrics")
class CategoricalCrossentropy(_CatalogueMeanMetric):
    """Mean categorical crossentropy (one-hot labels) over all samples seen.

    Args:
        name: Defaults to "categorical_crossentropy".
        dtype: Dtype of the result.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In [0, 1].
        axis: The class axis. Defaults to -1.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        name="categorical_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
        axis=-1,
    ):
        super().__init__(
            categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@register_builtin("metrics")
class SparseCategoricalCrossentropy(_CatalogueMeanMetric):
    """Mean sparse categorical crossentropy (integer labels) over all samples seen.

    Args:
        name: Defaults to "sparse_categorical_crossentropy".
        dtype: Dtype of the result.
        from_logits: Whether `y_pred` holds logits.
        ignore_class: Optional label value left out of the mean.
        axis: The class axis. Defaults to -1.
    """

    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(
        self,
        name="sparse_categorical_crossentropy",
        dtype=None,
        from_logits=False,
        ignore_class=None,
        axis=-1,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis


@register_builtin("metrics")
class Hinge(_CatalogueMeanMetric):
    """Mean hinge loss over all samples seen.

    Args:
        name: Defaults to "hinge".
        dtype: Dtype of the result.
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


@register_builtin("metrics")
class SquaredHinge(_CatalogueMeanMetric):
    """Mean squared hinge loss over all samples seen.

    Args:
        name: Defaults to "squared_hinge".
        dtype: Dtype of the result.
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


@register_builtin("metrics")
class CategoricalHinge(_CatalogueMeanMetric):
    """Mean categorical hinge loss over all samples seen.

    Args:
        name: Defaults to "categorical_hinge".
        dtype: Dtype of the result.
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
