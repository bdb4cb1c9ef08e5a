"""`ReversibleEmbedding`: an `Embedding` that can also project back to the vocabulary.

`layer(ids)` looks ids up as `Embedding` does; `layer(hidden, reverse=True)`
computes logits over the vocabulary, `hidden @ embeddings.T` (or `hidden @
reverse_embeddings` when the weights are not tied), optionally soft-capped:
`logits = tanh(logits / logit_soft_cap) * logit_soft_cap`.
"""

from kerasish import ops
from kerasish.layers.core.embedding import Embedding
from kerasish.layers.keras_mask import set_keras_mask
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class ReversibleEmbedding(Embedding):
    """Embedding with a reverse projection from `output_dim` back to `input_dim`.

    Args:
        input_dim: Vocabulary size.
        output_dim: Embedding size.
        tie_weights: Whether the reverse projection is the transposed
            `embeddings` (default) or its own weight `reverse_embeddings`
            `(output_dim, input_dim)`.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint,
            mask_zero: As in `Embedding`.
        reverse_dtype: Dtype the reverse matmul runs in (e.g. "float32" under
            mixed precision); `None` keeps the compute dtype.
        logit_soft_cap: If set, reverse logits become
            `tanh(logits / logit_soft_cap) * logit_soft_cap`.

    Call arguments:
        inputs: Integer ids, or with `reverse=True` `(..., output_dim)` features.
        reverse: Project features to vocabulary logits `(..., input_dim)`.

    Example:
    >>> layer = kerasish.layers.ReversibleEmbedding(10, 4)
    >>> hidden = layer(np.array([[1, 2]]))
    >>> layer(hidden, reverse=True).shape
    (1, 2, 10)
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        tie_weights=True,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        reverse_dtype=None,
        logit_soft_cap=None,
        **kwargs,
    ):
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        if logit_soft_cap is not None and (
            isinstance(logit_soft_cap, bool)
            or not isinstance(logit_soft_cap, int | float)
            or logit_soft_cap <= 0
        ):
            raise ValueError(
                "ReversibleEmbedding: `logit_soft_cap` must be None or a positive "
                f"number, received logit_soft_cap={logit_soft_cap!r}."
            )
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    # Saved as the layer's own variables in order (the table, then
    # `reverse_embeddings` when untied), not with Embedding's quantization spec.
    save_own_variables = Layer.save_own_variables
    load_own_variables = Layer.load_own_variables

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
                name="reverse_embeddings",
                trainable=True,
            )

    def call(self, inputs, reverse=False):
        if not reverse:
            result = super().call(inputs)
            mask = super().compute_mask(inputs)
            if mask is not None:
                set_keras_mask(result, mask)
            return result
        if inputs.shape[-1] is not None and inputs.shape[-1] != self.output_dim:
            raise ValueError(
                f"Layer '{self.name}' (ReversibleEmbedding) with reverse=True "
                f"expects features whose last axis is output_dim={self.output_dim}, "
                f"received shape {tuple(inputs.shape)}."
            )
        if self.tie_weights:
            kernel = ops.transpose(self.embeddings)  # (output_dim, input_dim)
        else:
            kernel = self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs = ops.cast(inputs, self.reverse_dtype)
            kernel = ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        # As Keras: the forward call attaches the mask to its output itself.
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        }
