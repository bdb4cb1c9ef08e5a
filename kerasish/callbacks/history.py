"""`History`: records each epoch's logs; `fit` returns it."""

from kerasish.callbacks.callback import Callback
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class History(Callback):
    """Records `logs` at each epoch end: `history.history["loss"]` is a list.

    Attributes:
        epoch: The epoch indices seen.
        history: Dict from log key ("loss", "accuracy", "val_loss", ...) to values.
        throughput: kerasish only: per epoch, `"samples_per_second"` and
            `"input_wait_fraction"` (the share of the epoch's wall time the
            host spent producing input batches). Kept apart from `history`,
            whose keys are Keras's; `kerasish.config.enable_throughput_logs()`
            also puts them in the logs (and so in `history`).
    """

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = {}
        self.throughput = {}

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self

    def plot(self, metrics=None, to_file=None, **kwargs):
        """Draws loss and metric curves (train vs validation); needs matplotlib."""
        from kerasish.common.plotting import plot_history

        return plot_history(self, metrics=metrics, to_file=to_file, **kwargs)
