"""`Circle` / `circle`: Circle loss for metric learning (Sun et al., 2020).

With `d = max(1 - y_pred @ ref_embeddings.T, 0)` the pairwise cosine distances,
`m` the margin and `gamma` the scale, over positive pairs `P` (same label) and
negative pairs `N`:

    p = logsumexp_{j in P}(-gamma * max(m + d_ij, 0) * (m - d_ij))
    n = logsumexp_{j in N}(gamma * max(1 + m - d_ij, 0) * (1 - m - d_ij))
    loss_i = softplus(p + n)

Samples whose loss is 0 are left out of the mean, as in Keras.
"""

from kerasish import ops
from kerasish.losses.loss import Loss
from kerasish.losses.loss_wrapper import LossFunctionWrapper
from kerasish.serialization import register_builtin


def _pos_neg_masks(query_labels, key_labels, remove_diagonal):
    query_labels = ops.reshape(query_labels, (-1, 1))
    key_labels = ops.reshape(key_labels, (-1, 1))
    positive = ops.equal(query_labels, ops.transpose(key_labels))
    negative = ops.logical_not(positive)
    if remove_diagonal:
        eye = ops.eye(query_labels.shape[0], key_labels.shape[0], k=0, dtype="bool")
        positive = ops.logical_and(positive, ops.logical_not(eye))
    return positive, negative


def circle(
    y_true,
    y_pred,
    ref_labels=None,
    ref_embeddings=None,
    remove_diagonal=True,
    gamma=80,
    margin=0.4,
):
    """Circle loss of L2-normalized embeddings `y_pred` with integer labels.

    Args:
        y_true: Integer labels, `(batch_size,)`.
        y_pred: L2-normalized embeddings, `(batch_size, dim)`.
        ref_labels: Labels of the reference embeddings; defaults to `y_true`.
        ref_embeddings: Reference embeddings; defaults to `y_pred`.
        remove_diagonal: Whether a sample is left out of its own positives.
        gamma: Scale of the similarity scores. Defaults to 80.
        margin: Relaxation margin. Defaults to 0.4.

    Returns:
        The loss of each sample, `(batch_size,)`.

    Example:
    >>> emb = np.eye(2, dtype="float32")
    >>> kerasish.losses.circle(np.array([0, 1]), emb).shape
    (2,)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, "int32")
    ref_embeddings = (
        y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    )
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")
    # (batch, num_refs)
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref_embeddings)), 0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    pos_f = ops.cast(positive, distances.dtype)
    neg_f = ops.cast(negative, distances.dtype)
    pos_weights = ops.maximum((margin + distances) * pos_f, 0.0)
    neg_weights = ops.maximum((1.0 + margin - distances) * neg_f, 0.0)
    pos_scores = -gamma * pos_weights * (margin - distances)
    neg_scores = gamma * neg_weights * ((1.0 - margin) - distances)
    p_loss = ops.logsumexp(ops.where(positive, pos_scores, float("-inf")), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_scores, float("-inf")), axis=1)
    return ops.softplus(p_loss + n_loss)


@register_builtin("losses")
class Circle(LossFunctionWrapper):
    """Circle loss between integer labels and L2-normalized embeddings.

    Use it on embeddings from a linear layer followed by `UnitNormalization`.

    Args:
        gamma: Scale of the similarity scores. Defaults to 80.
        margin: Relaxation margin. Defaults to 0.4.
        remove_diagonal: Whether a sample is left out of its own positives.
        reduction: See `kerasish.losses.Loss`. Samples with zero loss count in
            neither the sum nor the denominator.
        name: Defaults to "circle".
        dtype: Computation dtype.

    Example:
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "float32")
    >>> float(kerasish.losses.Circle()(np.array([0, 0, 1]), emb)) >= 0
    True
    """

    def __init__(
        self,
        gamma=80.0,
        margin=0.4,
        remove_diagonal=True,
        reduction="sum_over_batch_size",
        name="circle",
        dtype=None,
    ):
        super().__init__(
            circle,
            name=name,
            reduction=reduction,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def call_with_mask(self, y_true, y_pred):
        values = circle(y_true, y_pred, **self._fn_kwargs)
        return values, ops.greater(values, 0)

    def check_shapes(self, y_true_shape, y_pred_shape):
        pass

    def get_config(self):
        return {
            **Loss.get_config(self),
            "gamma": self.gamma,
            "margin": self.margin,
            "remove_diagonal": self.remove_diagonal,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
