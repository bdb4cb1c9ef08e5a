"""`SwapEMAWeights`: evaluate (and optionally checkpoint) with the EMA weights."""

from kerasish.callbacks.callback import Callback
from kerasish.serialization import register_builtin


def _ema_owners(model):
    """`[(state owner, optimizer)]` for each optimizer whose moving averages are
    swapped: the state owner reads and writes the `OptimizerState` holding `ema`
    (a `LossScaleOptimizer` owns its inner optimizer's), the optimizer holds the
    variables and `use_ema`."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(
            "SwapEMAWeights: the model has no optimizer. Compile it with an "
            "optimizer created with `use_ema=True`."
        )
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:  # LossScaleOptimizer
        pairs = [(optimizer, inner)]
    elif hasattr(optimizer, "optimizers"):  # MultiOptimizer
        pairs = [(o, o) for o in optimizer.optimizers if o.use_ema]
        if not pairs:
            raise ValueError(
                "SwapEMAWeights needs at least one inner optimizer of the "
                "MultiOptimizer with `use_ema=True`; none has it."
            )
    else:
        pairs = [(optimizer, optimizer)]
    for owner, opt in pairs:
        if not opt.use_ema:
            raise ValueError(
                f"SwapEMAWeights needs an optimizer with `use_ema=True`; optimizer "
                f"'{opt.name}' ({type(opt).__name__}) has use_ema=False. Create it "
                "with `use_ema=True`."
            )
        if not owner.built:
            raise ValueError(
                f"SwapEMAWeights: optimizer '{opt.name}' is not built, so it has "
                "no moving averages yet. Train the model (or call "
                "`optimizer.build(model.trainable_variables)`) first."
            )
    return pairs


@register_builtin("callbacks")
class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's moving averages for
    evaluation (and, with `swap_on_epoch`, between epochs), then swaps back.

    The optimizer must be created with `use_ema=True`. The swap is exact: the
    model's weights go into the averages' place and come back unchanged.

    Args:
        swap_on_epoch: Whether to also swap at the end of each epoch (so later
            callbacks such as `ModelCheckpoint` see the EMA weights) and back at
            the start of the next. Defaults to `False`.

    Example:
    >>> callback = kerasish.callbacks.SwapEMAWeights(swap_on_epoch=True)
    >>> callback.swap_on_epoch
    True
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        if not isinstance(swap_on_epoch, bool):
            raise TypeError(
                f"SwapEMAWeights: `swap_on_epoch` must be a bool, got "
                f"{swap_on_epoch!r}."
            )
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _swap_variables(self):
        for owner, optimizer in _ema_owners(self.model):
            state = owner._lr_state()
            variables = optimizer._trainable_variables
            current = [v.value for v in variables]
            for variable, average in zip(variables, state.ema):
                variable.assign(average)
            owner._set_lr_state(state._replace(ema=current))

    def _finalize_ema_values(self):
        # The model holds the averages now; `fit` ends by writing the averages
        # into the model (`finalize_variable_values`), so they must be the same.
        for owner, optimizer in _ema_owners(self.model):
            state = owner._lr_state()
            current = [v.value for v in optimizer._trainable_variables]
            owner._set_lr_state(state._replace(ema=current))

    def _swap_in(self):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            if self.params and epoch == self.params.get("epochs", 0) - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        # Keras 3.15 tests `not in_model` here and so never swaps back after
        # `predict`, leaving the averages in the model and the trained weights in
        # the optimizer; kerasish restores them, as after `evaluate`.
        self._swap_out()

    def get_config(self):
        return {"swap_on_epoch": self.swap_on_epoch}
