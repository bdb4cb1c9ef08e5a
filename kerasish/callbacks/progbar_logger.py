"""`ProgbarLogger`: prints Keras's progress bar (verbose=1) or epoch lines (2)."""

from kerasish.callbacks.callback import Callback
from kerasish.common.progbar import Progbar
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class ProgbarLogger(Callback):
    """Prints progress: a live bar per epoch (verbose=1) or one line (verbose=2)."""

    def __init__(self):
        super().__init__()
        self.progbar = None
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self._seen = 0
        self._phase = "train"

    @property
    def seen(self):
        """Steps seen in the current epoch (or evaluation/prediction), as Keras."""
        return self._seen

    @seen.setter
    def seen(self, value):
        self._seen = value

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _start(self):
        # Logs hold running (stateful) metric results: shown as given.
        self.progbar = Progbar(
            target=self.target,
            verbose=self.verbose,
            stateless_metrics=(),
            unit_name="step",
        )
        self._seen = 0

    def on_train_begin(self, logs=None):
        self._phase = "train"

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        self.progbar.update(batch + 1, logs, finalize=False)

    def on_test_begin(self, logs=None):
        if self._phase != "train" or self.progbar is None:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if self._phase == "test" or self.progbar is None or not self.model._in_fit:
            self.progbar.update(batch + 1, logs, finalize=False)

    def on_predict_begin(self, logs=None):
        self._phase = "predict"
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, None, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.target or self._seen, logs, finalize=True)

    def on_test_end(self, logs=None):
        if not self.model._in_fit:
            self.progbar.update(self.target or self.progbar.seen, logs, finalize=True)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.target or self.progbar.seen, None, finalize=True)

    def compiling(self, seconds):
        """Called by the trainer when a step was compiled (shown, then excluded)."""
        if self.progbar is not None:
            self.progbar.compiled(seconds)
