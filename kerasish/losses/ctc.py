"""`CTC` / `ctc`: Connectionist Temporal Classification loss over logits."""

from kerasish import ops
from kerasish.losses.loss import Loss
from kerasish.losses.loss_wrapper import LossFunctionWrapper
from kerasish.serialization import register_builtin


def ctc(y_true, y_pred):
    """CTC negative log-likelihood of integer labels given per-timestep logits.

    Label `0` is the blank and pads `y_true`: a sequence's label length is its
    count of non-zero labels, and every sequence uses all `max_length` timesteps.

    Args:
        y_true: Integer labels, `(batch_size, max_label_length)`.
        y_pred: Logits (not softmaxed), `(batch_size, max_length, num_classes)`.

    Returns:
        The loss of each sequence, `(batch_size,)`.

    Example:
    >>> y_true = np.array([[1, 2, 0]])
    >>> y_pred = np.zeros((1, 4, 3), "float32")
    >>> kerasish.losses.ctc(y_true, y_pred).shape
    (1,)
    """
    true_rank, pred_rank = len(y_true.shape), len(y_pred.shape)
    if true_rank != 2:
        raise ValueError(
            "ctc: targets `y_true` must be integer labels of shape "
            f"(batch_size, max_length), received y_true.shape={tuple(y_true.shape)}. "
            "Pad shorter label sequences with 0 (the blank)."
        )
    if pred_rank != 3:
        raise ValueError(
            "ctc: logits `y_pred` must have shape (batch_size, max_length, "
            f"num_classes), received y_pred.shape={tuple(y_pred.shape)}."
        )
    batch, timesteps = y_pred.shape[0], y_pred.shape[1]
    output_length = timesteps * ops.ones((batch,), dtype="int32")
    target_length = ops.cast(ops.sum(ops.not_equal(y_true, 0), axis=-1), "int32")
    return ops.ctc_loss(
        ops.cast(y_true, "int32"), y_pred, target_length, output_length, mask_index=0
    )


@register_builtin("losses")
class CTC(LossFunctionWrapper):
    """CTC (Connectionist Temporal Classification) loss, as a `Loss`.

    Args:
        reduction: See `kerasish.losses.Loss`. Defaults to "sum_over_batch_size".
        name: Defaults to "ctc".
        dtype: Computation dtype.

    Example:
    >>> loss = kerasish.losses.CTC()
    >>> float(loss(np.array([[1, 0]]), np.zeros((1, 2, 2), "float32"))) > 0
    True
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def check_shapes(self, y_true_shape, y_pred_shape):
        pass

    def get_config(self):
        return Loss.get_config(self)

    @classmethod
    def from_config(cls, config):
        return cls(**config)
