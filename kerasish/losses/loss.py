"""`Loss`, the base of every loss, and the reductions losses and metrics share.

A loss's `call(y_true, y_pred)` returns per-sample values; `__call__` weights them
(`sample_weight`, `mask`) and reduces them (`reduction`) exactly as Keras 3 does.
The weighted-reduction helpers here are also what the Mean-based metrics use, so the
two packages agree on how a weight or a padding mask counts.
"""

import contextvars

from kerasish import config, ops
from kerasish.common.naming import to_snake_case, uniquify
from kerasish.common.tensor_mask import get_keras_mask
from kerasish.mixed_precision import DTypePolicy

REDUCTIONS = (
    "sum_over_batch_size",
    "sum",
    None,
    "none",
    "mean",
    "mean_with_sample_weight",
)


def standardize_reduction(reduction):
    """Returns `reduction` if Keras accepts it, else raises a ValueError."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: expected one of "
            f"{', '.join(repr(r) for r in REDUCTIONS)}, received {reduction!r}. "
            "Use 'sum_over_batch_size' (the default) to average over the batch."
        )
    return reduction


def standardize_compute_dtype(dtype):
    """A dtype name for `dtype`: a policy's compute dtype, or floatx for `None`."""
    if dtype is None:
        return config.floatx()
    if isinstance(dtype, DTypePolicy):
        return dtype.compute_dtype
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return DTypePolicy(dtype).compute_dtype
    if dtype == "int":
        return "int32"
    return ops.standardize_dtype(dtype)


def divide_no_nan(x, y):
    """`x / y`, and 0 where `y` is 0 (Keras's `ops.divide_no_nan`)."""
    zero = ops.equal(y, 0)
    safe = ops.where(zero, ops.ones_like(y), y)
    return ops.where(zero, ops.zeros_like(x / safe), x / safe)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rule: where ranks differ by one and the longer ends in 1, align them.

    A rank-1 partner is expanded (`(b,)` -> `(b, 1)`) unless `expand_rank_1` is false;
    otherwise the trailing 1 of the longer one is squeezed.
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def squeeze_or_expand_shapes(s1, s2, expand_rank_1=True):
    """`squeeze_or_expand_to_same_rank` on shape tuples (for checks before tracing)."""
    s1, s2 = tuple(s1), tuple(s2)
    if len(s1) == len(s2) + 1 and s1[-1] == 1:
        if len(s2) == 1 and expand_rank_1:
            s2 = s2 + (1,)
        else:
            s1 = s1[:-1]
    if len(s2) == len(s1) + 1 and s2[-1] == 1:
        if len(s1) == 1 and expand_rank_1:
            s1 = s1 + (1,)
        else:
            s2 = s2[:-1]
    return s1, s2


def _expand_trailing(x, rank):
    # A per-sample weight `(b,)` applies to every entry of `(b, t, ...)` values.
    while len(x.shape) < rank:
        x = ops.expand_dims(x, -1)
    return x


def _num_elements(x, dtype):
    n = 1
    for d in x.shape:
        n *= int(d)
    return ops.cast(n, dtype)


def apply_mask(sample_weight, mask, dtype, reduction, batches=None):
    """Merges a 0/1 `mask` into `sample_weight`, as Keras 3's `apply_mask`.

    For the averaging reductions valid entries get weight `total / valid`, so that
    `sum(loss * weight) / total == sum(loss) / valid`: masked-out entries (padding)
    leave the denominator too. `batches` (`(rows, row_mask)`, see
    `batch_means`): the values are several batches of `rows` rows merged into
    one call; the result is then each batch's own masked mean, weighted by its
    real rows, as Keras's loss tracker averages the batches run one by one.
    """
    if mask is None:
        return sample_weight
    mask = ops.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size") and batches is not None:
        float_mask = _per_batch_weights(mask, *batches)
    elif reduction in ("mean", "sum_over_batch_size"):
        total = _num_elements(mask, dtype)
        valid = ops.sum(mask)
        float_mask = ops.where(mask != 0, divide_no_nan(total, valid), 0.0)
        float_mask = ops.cast(float_mask, dtype)
    else:
        float_mask = mask
    if sample_weight is None:
        return float_mask
    sample_weight = ops.cast(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, sample_weight
    )
    rank = max(len(float_mask.shape), len(sample_weight.shape))
    return _expand_trailing(sample_weight, rank) * _expand_trailing(float_mask, rank)


# Rows per batch while a step runs several of the user's batches merged into
# one call (`evaluate`, `epoch_iterator.merged_test_data`), else None.
_BATCH_ROWS = contextvars.ContextVar("kerasish_batch_rows", default=None)


def batch_means(step, rows):
    """`step` run (and traced) with losses that take each merged batch of
    `rows` rows's masked mean on its own (`apply_mask`'s `batches`)."""

    def step_of_merged_batches(*args, **kwargs):
        token = _BATCH_ROWS.set(rows)
        try:
            return step(*args, **kwargs)
        finally:
            _BATCH_ROWS.reset(token)

    # A step kind of its own (a step's trace is shared by its `__name__`,
    # `StepCompiler.single_step`), still known for the step it wraps.
    step_of_merged_batches.__name__ = f"{step.__name__}_in_batches_of_{rows}"
    step_of_merged_batches.__func__ = getattr(step, "__func__", None)
    return step_of_merged_batches


def _per_batch_weights(mask, rows, row_mask):
    """Weights for a masked mean taken per batch of `rows` rows: valid entries
    of batch `s` weigh `n_s * E * N / (N_real * valid_s)` (E entries per row,
    `n_s` real rows in batch `s` out of `N_real`, of `N` rows with padding), so
    that the sum over all `N * E` entries, divided by `N * E`, is
    `sum_s (n_s / N_real) * (masked sum_s / valid_s)`. With one batch this is
    the plain `total / valid`."""
    dtype = mask.dtype
    n = int(mask.shape[0])
    count = -(-n // rows)
    per_row = ops.reshape(mask, (n, -1))
    entries = int(per_row.shape[1])
    real = (
        ops.ones((n,), dtype)
        if row_mask is None
        else ops.cast(ops.reshape(row_mask, (n,)), dtype)
    )

    def per_batch(v):
        v = ops.pad(v, [(0, count * rows - n)])
        return ops.sum(ops.reshape(v, (count, rows)), axis=1)

    valid = per_batch(ops.sum(per_row, axis=1))
    factor = divide_no_nan(per_batch(real) * (entries * n), ops.sum(real) * valid)
    factor = ops.repeat(factor, rows)[:n]
    factor = ops.reshape(factor, (n,) + (1,) * (len(mask.shape) - 1))
    return ops.where(mask != 0, factor, 0.0)


def weight_values(values, sample_weight):
    """`values * sample_weight` with the weight aligned to `values`.

    Entries of weight 0 give exactly 0 even where the value is inf or nan (a padded
    row may hold anything).
    """
    sample_weight = ops.cast(sample_weight, values.dtype)
    values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
    sample_weight = _expand_trailing(sample_weight, len(values.shape))
    weighted = values * sample_weight
    return values, sample_weight, ops.where(sample_weight != 0, weighted, 0.0)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduces already-weighted `values` to a scalar as `reduction` says."""
    if reduction is None or reduction == "none" or tuple(values.shape) in ((), (0,)):
        return values
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = ops.cast(ops.sum(sample_weight), loss.dtype)
        else:
            divisor = _num_elements(values, loss.dtype)
        loss = divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(
    values,
    sample_weight=None,
    mask=None,
    reduction="sum_over_batch_size",
    dtype=None,
    batches=None,
):
    """Weights `values` by `sample_weight` and `mask`, then reduces them
    (`batches`: see `apply_mask`)."""
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=values.dtype)
    if mask is not None:
        mask = ops.convert_to_tensor(mask)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction, batches)
    if sample_weight is not None:
        values, sample_weight, values_weighted = weight_values(values, sample_weight)
        values = values_weighted
        if reduction == "mean_with_sample_weight":
            sample_weight = ops.broadcast_to(sample_weight, values.shape)
    return reduce_values(values, sample_weight, reduction)


def merge_masks(mask_a, mask_b, values_shape):
    """Logical and of two optional masks, each aligned to `values_shape` (or to
    the other mask where it has more axes)."""
    masks = [ops.convert_to_tensor(m) for m in (mask_a, mask_b) if m is not None]
    if not masks:
        return None
    # A per-row mask `(b,)` meets a per-step one `(b, t)` even where the
    # values are a scalar (a loss that reduced itself).
    rank = max([len(values_shape)] + [len(m.shape) for m in masks])
    out = None
    for m in masks:
        m = _expand_trailing(ops.cast(m, "bool"), rank)
        out = m if out is None else ops.logical_and(out, m)
    return out


def prediction_mask(mask, values, owner):
    """`mask` (a prediction's `_keras_mask`) checked against the per-sample
    `values` it weighs. A scalar (a loss that reduced itself, as keras.io's
    `CustomNonPaddingTokenLoss`) is spread over the mask, as Keras broadcasts
    it; values of some but fewer axes than the mask cannot be weighed by it
    (Keras fails there with a broadcasting error)."""
    if mask is None or len(mask.shape) <= len(values.shape) or not values.shape:
        return mask
    raise ValueError(
        f"{type(owner).__name__} '{owner.name}' computed values of shape "
        f"{tuple(values.shape)}, but y_pred carries a mask of shape "
        f"{tuple(mask.shape)} (`y_pred._keras_mask`, from a `mask_zero` "
        "embedding or a `Masking` layer), which cannot weigh them. Return one "
        "value per masked step, or end the model with a layer that consumes "
        "the mask (an RNN without `return_sequences`, a pooling layer)."
    )


class Loss:
    """Loss base class: subclasses implement `call(y_true, y_pred)`.

    `call` returns per-sample losses; calling the loss weights and reduces them.

    Args:
        name: Name of the loss instance (defaults to its snake-case class name).
        reduction: One of `"sum_over_batch_size"` (sum, then divide by the number of
            entries), `"sum"`, `"mean"` (as sum_over_batch_size),
            `"mean_with_sample_weight"` (sum, then divide by the sum of the sample
            weights), or `None` / `"none"` (no reduction).
        dtype: The dtype of the loss's computations (a dtype name or a
            `DTypePolicy`, whose compute dtype is used). Defaults to floatx.

    Example:
    >>> class MyMSE(kerasish.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
    >>> float(MyMSE()(np.zeros((2, 3)), np.ones((2, 3))))
    1.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype_arg = dtype
        self._dtype = standardize_compute_dtype(dtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        """Weighted, reduced loss.

        Args:
            y_true: Targets.
            y_pred: Predictions.
            sample_weight: Optional per-sample (or per-entry) weights.
            mask: Optional 0/1 mask (for example the padding mask of a last short
                batch); masked-out entries count neither in the sum nor, for the
                averaging reductions, in the denominator. The mask `y_pred`
                carries (`y_pred._keras_mask`, as a layer with `mask_zero` or
                `Masking` leaves it) counts too, as in Keras.

        Returns:
            A scalar, or the per-sample losses for reduction `None`/`"none"`.
        """
        pred_mask = get_keras_mask(y_pred)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        values, out_mask = self.call_with_mask(y_true, y_pred)
        pred_mask = prediction_mask(pred_mask, values, self)
        rows, batches = _BATCH_ROWS.get(), None
        if rows and (out_mask is not None or pred_mask is not None) and values.shape:
            # Each merged batch's mean over its own valid entries (their count
            # differs from batch to batch), as when the batches run one by one.
            batches = (rows, mask)
        mask = merge_masks(mask, out_mask, values.shape)
        mask = merge_masks(mask, pred_mask, values.shape)
        return reduce_weighted_values(
            values,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=self.dtype,
            batches=batches,
        )

    def call(self, y_true, y_pred):
        raise NotImplementedError(
            f"Loss '{self.name}' ({type(self).__name__}) must implement "
            "`call(y_true, y_pred)` returning per-sample losses."
        )

    def call_with_mask(self, y_true, y_pred):
        """Per-sample losses and an optional mask of the entries that count."""
        return self.call(y_true, y_pred), None

    def check_shapes(self, y_true_shape, y_pred_shape):
        """Raises a ValueError when `y_true` cannot match `y_pred` for this loss.

        Shapes are tuples with `None` for unknown sizes (the batch). A custom loss
        accepts any shapes unless it overrides this.
        """

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


# How `y_true` must relate to `y_pred` for a loss, by kind:
#   "sparse": integer labels, y_pred's shape without its class axis (or with a 1 there)
#   "categorical": one entry per class, same shape as y_pred
#   "elementwise": broadcast-compatible once Keras's squeeze/expand rule has run
#   "binary": the same shape once that rule has run
_SHAPE_KINDS: dict = {}


def register_shape_kind(fn, kind):
    """Declares how `fn`'s targets relate to its predictions (see `check_shapes`)."""
    _SHAPE_KINDS[fn] = kind
    return fn


def shape_kind(fn):
    return _SHAPE_KINDS.get(fn)


def _fmt(shape):
    return str(tuple(shape))


def _dims_match(a, b):
    return a is None or b is None or a == b or a == 1 or b == 1


def check_shapes_for(kind, label, y_true_shape, y_pred_shape):
    """Raises a ValueError naming `label` when the shapes cannot match `kind`.

    Args:
        kind: "sparse", "categorical", "binary", "elementwise" or None (no check).
        label: How to name the loss in the message, e.g. "Loss 'mse'
            (MeanSquaredError)".
        y_true_shape, y_pred_shape: Tuples, `None` for unknown sizes.
    """
    if kind is None or y_true_shape is None or y_pred_shape is None:
        return
    yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
    got = f"received y_true of shape {_fmt(yt)} and y_pred of shape {_fmt(yp)}"
    if kind == "sparse":
        if not yp:
            raise ValueError(
                f"{label} expects y_pred with a class axis, {got}. The model should "
                "output one score per class, shape (batch, num_classes)."
            )
        classes = yp[-1]
        ok = len(yt) == len(yp) - 1 and all(map(_dims_match, yt, yp[:-1]))
        ok = ok or (
            len(yt) == len(yp) and yt[-1] == 1 and all(map(_dims_match, yt, yp))
        )
        if ok:
            return
        if len(yt) == len(yp) and yt[-1] == classes and classes not in (None, 1):
            raise ValueError(
                f"{label} expects integer class labels of shape {_fmt(yp[:-1])} or "
                f"{_fmt(yp[:-1] + (1,))}, {got}. These look like one-hot labels: "
                "use CategoricalCrossentropy (loss='categorical_crossentropy') for "
                "one-hot labels, or pass integer labels (y.argmax(axis=-1))."
            )
        raise ValueError(
            f"{label} expects integer class labels of shape {_fmt(yp[:-1])} or "
            f"{_fmt(yp[:-1] + (1,))} (one class index per sample), {got}. Reshape "
            "the labels, or check that the model's output matches the targets."
        )
    if kind == "categorical":
        classes = yp[-1] if yp else None
        if len(yt) == len(yp) and all(map(_dims_match_strict, yt, yp)):
            return
        looks_sparse = classes not in (None, 1) and (
            len(yt) == len(yp) - 1 or (len(yt) == len(yp) and yt[-1] == 1)
        )
        if looks_sparse:
            raise ValueError(
                f"{label} expects one-hot labels of the same shape as y_pred "
                f"{_fmt(yp)}, {got}. These look like integer class labels: use "
                "SparseCategoricalCrossentropy "
                "(loss='sparse_categorical_crossentropy') for integer labels, or "
                "one-hot encode them (kerasish.utils.to_categorical)."
            )
        raise ValueError(
            f"{label} expects y_true of the same shape as y_pred {_fmt(yp)} (one "
            f"entry per class), {got}. The labels have {yt[-1] if yt else 0} "
            f"entries per sample but the model outputs {classes}; make the last "
            "layer's size match the number of classes."
        )
    # Elementwise: Keras's squeeze/expand rule, then broadcast-compatible (binary
    # crossentropies: equal, as Keras's backend requires), and the batch axes
    # (axis 0 of each) must line up.
    st, sp = squeeze_or_expand_shapes(yt, yp)
    match = _dims_match_strict if kind == "binary" else _dims_match
    if len(st) == len(sp) and all(map(match, st, sp)):
        return
    if kind == "binary" and len(st) == len(sp) and sp and sp[-1] == 1:
        raise ValueError(
            f"{label} expects y_true and y_pred of the same shape, {got}. The model "
            f"has one output unit but the labels have {st[-1]} entries per sample: "
            "for one-hot labels over several classes use CategoricalCrossentropy "
            "(loss='categorical_crossentropy') with one output unit per class."
        )
    hint = "Reshape y_true to the model's output shape."
    if len(yp) >= 1 and yp[-1] not in (None, 1) and len(yt) in (len(yp) - 1, len(yp)):
        if len(yt) == len(yp) - 1 or yt[-1] == 1:
            hint = (
                "The model outputs several values per sample but the labels have "
                "one; for integer class labels use SparseCategoricalCrossentropy "
                "(loss='sparse_categorical_crossentropy')."
            )
    raise ValueError(
        f"{label} expects y_true and y_pred of matching shapes (equal, or "
        f"differing only by a trailing axis of size 1), {got}. {hint}"
    )


def _dims_match_strict(a, b):
    return a is None or b is None or a == b
