"""`CallbackList`: calls every callback's hook, in order."""

from kerasish.callbacks.callback import _HOOKS, Callback, overrides
from kerasish.callbacks.history import History
from kerasish.callbacks.progbar_logger import ProgbarLogger


def _flatten(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    out = []
    for cb in callbacks:
        out += _flatten(cb) if isinstance(cb, list | tuple) else [cb]
    return out


class CallbackList(Callback):
    """A list of callbacks called as one.

    Args:
        callbacks: The user's callbacks (a list; nested lists are flattened).
        add_history: Append a `History` callback if there is none (fit does).
        add_progbar: Append a `ProgbarLogger` if there is none.
        model: The model, set on every callback.
        **params: `epochs`, `steps`, `verbose`, ...: set on every callback.
    """

    def __init__(
        self, callbacks=None, add_history=False, add_progbar=False, model=None, **params
    ):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    "`callbacks` must be a list of `keras.callbacks.Callback` "
                    f"instances, got {type(cb).__name__}: {cb!r}. Subclass "
                    "`Callback`, or wrap functions in `LambdaCallback`."
                )
        self._history = next(
            (c for c in self.callbacks if isinstance(c, History)), None
        )
        self._progbar = next(
            (c for c in self.callbacks if isinstance(c, ProgbarLogger)), None
        )
        # Keras's order: History first, then the progress bar, after the user's.
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and self._progbar is None:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def wants(self, hook: str) -> bool:
        """Whether any callback implements `hook` (a batch hook costs a sync)."""
        return any(overrides(cb, hook) for cb in self.callbacks)

    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)


def _make_hook(name):
    batch_level = "batch" in name
    takes_index = batch_level or name.startswith("on_epoch")

    def call_all(self, args, logs):
        # As Keras: `logs` is always a dict (never None); batch hooks get it by
        # keyword, the others positionally.
        logs = {} if logs is None else logs
        if not batch_level:
            # Keras hands callbacks a fresh dict, keys sorted (its
            # `pythonify_logs`): what one adds (the learning rate at epoch
            # end) does not reach the trainer's later logs.
            logs = dict(sorted(logs.items()))
        for cb in self.callbacks:
            # The base class's batch hooks are no-ops: skipping them keeps an
            # idle callback from costing anything per step.
            if batch_level and not overrides(cb, name):
                continue
            if batch_level:
                getattr(cb, name)(*args, logs=logs)
            else:
                getattr(cb, name)(*args, logs)

    if takes_index:

        def hook(self, index, logs=None):
            call_all(self, (index,), logs)

    else:

        def hook(self, logs=None):
            call_all(self, (), logs)

    hook.__name__ = name
    hook.__doc__ = f"Calls `{name}` on every callback, in order."
    return hook


for _name in _HOOKS:
    setattr(CallbackList, _name, _make_hook(_name))
