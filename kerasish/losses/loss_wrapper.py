"""The machinery the loss catalogue shares: `LossFunctionWrapper` and helpers.

`LossFunctionWrapper` turns a per-sample function into a `Loss`; the catalogue's
classes (`regression_losses.py`, `probabilistic_losses.py`, `hinge_losses.py`,
`segmentation_losses.py`) derive from `_CatalogueLoss`, whose config is the
constructor's arguments. `call_with_mask` and `check_loss_shapes` serve losses and
metrics alike.
"""

from kerasish import ops
from kerasish.losses.loss import (
    Loss,
    check_shapes_for,
    shape_kind,
    squeeze_or_expand_to_same_rank,
)
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


def _pair(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    return y_true, y_pred


# Functions whose Loss/metric form also leaves some entries out of the mean, mapped
# to the form that returns `(values, mask)`; their modules register them.
_MASKED_FORMS = {}


def register_masked_form(fn, masked_fn):
    """Makes `call_with_mask(fn, ...)` call `masked_fn`, which returns
    `(values, mask)`: the mask marks the entries that count."""
    _MASKED_FORMS[fn] = masked_fn


def call_with_mask(fn, y_true, y_pred, **kwargs):
    """`fn(y_true, y_pred, **kwargs)` and the mask of entries that count (or None)."""
    masked = _MASKED_FORMS.get(fn)
    if masked is not None:
        return masked(y_true, y_pred, **kwargs)
    if isinstance(fn, Loss):
        return fn.call_with_mask(y_true, y_pred)
    return fn(y_true, y_pred, **kwargs), None


def check_loss_shapes(loss, y_true_shape, y_pred_shape):
    """Checks target and prediction shapes for `loss` (a Loss or a loss function).

    Raises a ValueError naming the loss, both shapes and the likely fix. Losses and
    functions that kerasish does not know (custom ones) are not checked.
    """
    if isinstance(loss, Loss):
        loss.check_shapes(y_true_shape, y_pred_shape)
        return
    name = getattr(loss, "__name__", type(loss).__name__)
    check_shapes_for(shape_kind(loss), f"Loss '{name}'", y_true_shape, y_pred_shape)


@register_builtin("losses")
class LossFunctionWrapper(Loss):
    """Wraps a loss function `fn(y_true, y_pred, **kwargs)` as a `Loss`.

    Args:
        fn: The per-sample loss function.
        reduction: See `Loss`.
        name: Name of the loss (defaults to the function's name).
        dtype: See `Loss`.
        **kwargs: Passed to `fn` on each call.

    Example:
    >>> loss = kerasish.losses.LossFunctionWrapper(kerasish.losses.huber, delta=0.5)
    >>> float(loss(np.zeros((1, 1)), np.full((1, 1), 2.0)))
    0.875
    """

    def __init__(
        self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs
    ):
        if not callable(fn):
            raise TypeError(
                f"LossFunctionWrapper expects a callable `fn(y_true, y_pred)`, "
                f"received {fn!r} of type {type(fn).__name__}."
            )
        super().__init__(
            name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype
        )
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.call_with_mask(y_true, y_pred)[0]

    def call_with_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return call_with_mask(self.fn, y_true, y_pred, **self._fn_kwargs)

    def check_shapes(self, y_true_shape, y_pred_shape):
        kind = shape_kind(self.fn)
        label = f"Loss '{self.name}'"
        if type(self) is not LossFunctionWrapper:
            label += f" ({type(self).__name__})"
        check_shapes_for(kind, label, y_true_shape, y_pred_shape)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from kerasish.losses import _ALL_OBJECTS

            fn = config["fn"]
            if isinstance(fn, dict) and fn.get("class_name") == "function":
                name = fn.get("config")
                fn = _ALL_OBJECTS.get(name) or deserialize_keras_object(fn, "losses")
            elif isinstance(fn, str):
                fn = _ALL_OBJECTS.get(fn) or deserialize_keras_object(fn, "losses")
            else:
                fn = deserialize_keras_object(fn, "losses")
            config["fn"] = fn
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _CatalogueLoss(LossFunctionWrapper):
    """A catalogue loss: its config is its constructor arguments, not `fn`."""

    _config_keys: tuple = ()

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _simple(fn, default_name, doc):
    class _Simple(_CatalogueLoss):
        def __init__(
            self, reduction="sum_over_batch_size", name=default_name, dtype=None
        ):
            super().__init__(fn, name=name, reduction=reduction, dtype=dtype)

    _Simple.__doc__ = doc
    return _Simple


def _check_probability(owner, arg, value, low=0.0, high=1.0):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{owner}: `{arg}` must be a float, received {value!r}.")
    if not low <= value <= high:
        raise ValueError(
            f"{owner}: `{arg}` must be in [{low}, {high}], received {value!r}."
        )
