"""`TerminateOnNaN`: stops training when the loss becomes NaN or infinite."""

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.common import io_utils
from kerasish.serialization import register_builtin


@register_builtin("callbacks")
class TerminateOnNaN(Callback):
    """Stops `fit` at the first batch whose loss is NaN or infinite.

    Prints `Batch N: Invalid loss, terminating training` and sets
    `model.stop_training`, or raises with `raise_error=True`. It reads the loss
    after every batch (every `steps_per_execution` batches): one host sync each.

    Args:
        raise_error: Raise a `RuntimeError` instead of stopping quietly.

    Example:
    >>> cb = kerasish.callbacks.TerminateOnNaN()
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is None:
            return
        loss = np.asarray(loss)
        if np.isnan(loss).any() or np.isinf(loss).any():
            value = float(loss) if loss.ndim == 0 else loss
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                    f"{value}. Terminating training immediately."
                )
            io_utils.print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
