"""`AdditiveAttention`: Bahdanau-style attention between query and value."""

from kerasish import ops
from kerasish.layers.attention.attention import Attention
from kerasish.serialization import register_builtin


@register_builtin("layers")
class AdditiveAttention(Attention):
    """Additive attention: `scores = sum(scale * tanh(query + key), axis=-1)`
    (query step i against key step j), then `softmax(scores) @ value`, with masks
    as in `Attention`. `scale` is a learned vector over the features.

    Args:
        use_scale: Whether to learn the per-feature `scale` (glorot_uniform
            initialized). Defaults to `True`.
        dropout: Dropout rate on the attention probabilities (training only).
        seed: Integer seed for the dropout.

    Call arguments and shapes: as in `Attention`.

    Example:
    >>> att = kerasish.layers.AdditiveAttention()
    >>> att([np.ones((1, 2, 4)), np.ones((1, 3, 4))]).shape
    (1, 2, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        dim = input_shape[0][-1]
        if self.use_scale:
            if dim is None:
                raise ValueError(
                    f"Layer '{self.name}' (AdditiveAttention): the query's last axis "
                    f"must be known to create `scale`, got shape "
                    f"{tuple(input_shape[0])}."
                )
            self.scale = self.add_weight(
                name="scale", shape=(dim,), initializer="glorot_uniform"
            )

    def _calculate_scores(self, query, key):
        # (batch, Tq, 1, dim) + (batch, 1, Tv, dim) -> (batch, Tq, Tv, dim)
        summed = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = self.scale.value * summed
        return ops.sum(summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode")
        return config
