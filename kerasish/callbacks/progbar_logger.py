"""`ProgbarLogger`: prints Keras's progress bar (verbose=1) or epoch lines (2)."""

from kerasish.callbacks.callback import Callback
from kerasish.common import io_utils
from kerasish.common.progbar import Progbar
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class ProgbarLogger(Callback):
    """Callback that prints metrics to stdout: a live bar per epoch (verbose=1) or
    one line per epoch (verbose=2), each epoch after an `Epoch 1/3` line.

    Everything goes through `keras.utils.print_msg`: with interactive logging off
    it goes to the "kerasish" logger. Inside `fit`, validation is silent.
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        # The same logger passed to a later `evaluate` shows its bar again.
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # not the predictions

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def compiling(self, seconds):
        """Called by the trainer when a step was compiled (shown, then excluded)."""
        if self.progbar is not None:
            self.progbar.compiled(seconds)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            # Logs hold running (stateful) metric results: shown as given.
            self.progbar = Progbar(
                target=self.target,
                verbose=self.verbose,
                unit_name="step",
                stateless_metrics=set(),
            )

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1  # one-indexed
        if self.verbose == 1:
            # The mapping itself (not `logs or {}`: a trainer's lazy logs would be
            # read to test it): the bar reads it only when it prints a frame.
            logs = {} if logs is None else logs
            self.progbar.update(self.seen, logs, finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:  # learnt in the first epoch
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, logs or {}, finalize=True)
