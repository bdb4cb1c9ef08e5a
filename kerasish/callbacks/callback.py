"""`Callback`: hooks the training loop calls, as in Keras."""

from kerasish.serialization import register_builtin

_HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)

# `on_batch_begin/end` are Keras's older names of the train-batch hooks.
_ALIASES = {
    "on_train_batch_begin": "on_batch_begin",
    "on_train_batch_end": "on_batch_end",
}


@register_builtin("callbacks")
class Callback:
    """Base class of callbacks: override the `on_*` hooks you need.

    `self.model` is the model being trained and `self.params` holds `epochs`,
    `steps` and `verbose`. `fit` calls, in order: `on_train_begin`, then per
    epoch `on_epoch_begin`, `on_train_batch_begin/end` per batch, the
    validation's `on_test_begin`, `on_test_batch_begin/end`, `on_test_end`,
    then `on_epoch_end(epoch, logs)` whose `logs` hold the epoch's metrics and
    their `val_*` twins; finally `on_train_end`. `evaluate` calls the `on_test_*`
    hooks and `predict` the `on_predict_*` hooks.

    Batch-level hooks cost a host sync per step (or per `steps_per_execution`
    steps, when they fire once per fused chunk with the chunk's last batch
    index), so they are only called on callbacks that override them. Set
    `self.model.stop_training = True` to end `fit` after the current batch.

    Example:
    >>> class PrintLoss(kerasish.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """Alias of `on_train_batch_begin`, kept for Keras compatibility."""

    def on_batch_end(self, batch, logs=None):
        """Alias of `on_train_batch_end`, kept for Keras compatibility."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch of `fit`."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch; `logs` hold metrics and `val_*`."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before a training batch (or a fused chunk of batches)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch; `logs` hold the running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before an evaluation batch (`evaluate` and validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after an evaluation batch; `logs` hold the running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a prediction batch; `logs["outputs"]` are its outputs."""

    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called at the end of `fit` with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` (and of each validation)."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` with its final logs."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""


def _implements(callback, name):
    if name in vars(callback):  # set on the instance (LambdaCallback)
        return True
    return getattr(type(callback), name) is not getattr(Callback, name)


def overrides(callback, hook: str) -> bool:
    """Whether `callback` implements `hook` itself (not the base class's no-op).

    A callback whose batch hooks are needed only in some configurations lists
    the idle ones in `self._unused_hooks`, so they cost no host sync.
    """
    if hook in getattr(callback, "_unused_hooks", ()):
        return False
    if _implements(callback, hook):
        return True
    alias = _ALIASES.get(hook)
    return alias is not None and _implements(callback, alias)
