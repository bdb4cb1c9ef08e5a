"""`LambdaCallback`: a callback made of plain functions."""

from kerasish.callbacks.callback import Callback
from kerasish.serialization import register_builtin

_LAMBDA_HOOKS = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_begin",
    "on_train_end",
    "on_train_batch_begin",
    "on_train_batch_end",
)


@register_builtin("callbacks")
class LambdaCallback(Callback):
    """Builds a callback from functions, one per hook.

    `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`,
    `on_train_begin(logs)`, `on_train_end(logs)`, `on_train_batch_begin(batch,
    logs)`, `on_train_batch_end(batch, logs)`; any other hook (e.g.
    `on_test_end=...`) can be passed by keyword too.

    Example:
    >>> losses = []
    >>> cb = kerasish.callbacks.LambdaCallback(
    ...     on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        hooks = dict(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
            on_train_batch_begin=on_train_batch_begin,
            on_train_batch_end=on_train_batch_end,
        )
        for name, fn in {**hooks, **kwargs}.items():
            if fn is not None and name.startswith("on_") and not callable(fn):
                raise TypeError(
                    f"LambdaCallback: `{name}` must be a function, got "
                    f"{type(fn).__name__}: {fn!r}."
                )
        self.__dict__.update(kwargs)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
