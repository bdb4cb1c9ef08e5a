"""`CallbackList`: calls every callback's hook, in order."""

from kerasish.callbacks.callback import _HOOKS, Callback, overrides
from kerasish.callbacks.history import History
from kerasish.callbacks.progbar_logger import ProgbarLogger


class CallbackList(Callback):
    """A list of callbacks called as one.

    Args:
        callbacks: The user's callbacks.
        add_history: Append a `History` callback (fit does).
        add_progbar: Append a `ProgbarLogger` when `verbose` is non-zero.
        model: The model, set on every callback.
        **params: `epochs`, `steps`, `verbose`, ...: set on every callback.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"`callbacks` must be Callback instances, got {type(cb).__name__}: "
                    f"{cb!r}."
                )
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def wants(self, hook: str) -> bool:
        """Whether any callback implements `hook` (a batch hook costs a sync)."""
        return any(overrides(cb, hook) for cb in self.callbacks)


def _make_hook(name):
    def hook(self, *args, **kwargs):
        for cb in self.callbacks:
            if name.startswith("on_") and "batch" in name and not overrides(cb, name):
                continue
            getattr(cb, name)(*args, **kwargs)

    hook.__name__ = name
    return hook


for _name in _HOOKS:
    setattr(CallbackList, _name, _make_hook(_name))
