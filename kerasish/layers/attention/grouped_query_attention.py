"""`GroupedQueryAttention` (Keras name `GroupQueryAttention`): attention where
groups of query heads share one key/value head."""

import math

from kerasish import constraints, initializers, ops, regularizers
from kerasish.layers.activations.softmax import Softmax
from kerasish.layers.attention import _masking
from kerasish.layers.attention.einsum_dense import EinsumDense
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.layers.regularization.dropout import Dropout
from kerasish.serialization import register_builtin


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"GroupedQueryAttention: `{name}` must be a positive int, got {value!r}."
        )
    return value


@register_builtin("layers")
class GroupedQueryAttention(Layer):
    """Grouped-query attention (Ainslie et al., 2023): `num_query_heads` query
    heads and `num_key_value_heads` key/value heads; each key/value head serves
    `num_query_heads // num_key_value_heads` consecutive query heads. With equal
    counts it is multi-head attention; with one key/value head, multi-query.

    Sublayers (Keras's weights order): "query" `(dim, num_query_heads,
    head_dim)`, "key" and "value" `(dim, num_key_value_heads, head_dim)`,
    ("gate" when `use_gate`), "attention_output" `(num_query_heads, head_dim,
    dim)`.

    Args:
        head_dim: Positive int, size of each head.
        num_query_heads: Positive int, number of query heads.
        num_key_value_heads: Positive int dividing `num_query_heads`.
        dropout: Dropout rate on the attention probabilities (training only).
        use_bias: Whether the projections have biases.
        sliding_window: Optional positive int: attend only to `|i - j| < window`.
        flash_attention: Accepted for Keras compatibility (no effect).
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: Passed to the projections.
        use_gate: Whether to gate the heads with `sigmoid(query projection)`.
        seed: Integer seed for the dropout.

    Call arguments: as in `MultiHeadAttention` (rank-3 inputs); the query and
    value must have the same last axis.

    Output shape: `(batch, T, dim)`.

    Example:
    >>> gqa = kerasish.layers.GroupQueryAttention(4, 4, 2)
    >>> gqa(np.ones((1, 3, 8)), np.ones((1, 5, 8))).shape
    (1, 3, 8)
    """

    def __init__(
        self,
        head_dim,
        num_query_heads,
        num_key_value_heads,
        dropout=0.0,
        use_bias=True,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        self.head_dim = _positive_int("head_dim", head_dim)
        self.num_query_heads = _positive_int("num_query_heads", num_query_heads)
        self.num_key_value_heads = _positive_int(
            "num_key_value_heads", num_key_value_heads
        )
        if num_query_heads % num_key_value_heads:
            raise ValueError(
                "GroupedQueryAttention: `num_query_heads` must be divisible by "
                f"`num_key_value_heads`, got {num_query_heads} and "
                f"{num_key_value_heads}."
            )
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, int | float)
            or not 0 <= dropout < 1
        ):
            raise ValueError(
                "GroupedQueryAttention: `dropout` must be a float in [0, 1), got "
                f"{dropout!r}."
            )
        if sliding_window is not None:
            _positive_int("sliding_window", sliding_window)
        if flash_attention and dropout > 0:
            raise ValueError(
                "GroupedQueryAttention: dropout is not supported with "
                "`flash_attention=True`; set dropout=0.0."
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.use_gate = bool(use_gate)
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.sublayer_activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(self.head_dim))

    def _dense(self, equation, output_shape, bias_axes, name, activation=None):
        def fresh(initializer):
            try:
                return type(initializer).from_config(initializer.get_config())
            except Exception:
                return initializer

        return EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            activation=activation,
            name=name,
            kernel_initializer=fresh(self.kernel_initializer),
            bias_initializer=fresh(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.sublayer_activity_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
        )

    def _check_shapes(self, query_shape, value_shape, key_shape=None):
        cls = "GroupedQueryAttention"
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for label, shape in (
            ("query", query_shape),
            ("value", value_shape),
            ("key", key_shape),
        ):
            if len(shape) != 3:
                raise ValueError(
                    f"Layer '{self.name}' ({cls}): `{label}` must have rank 3 "
                    f"(batch, steps, features), got shape {shape}."
                )
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f"Layer '{self.name}' ({cls}): the last axes of `query` and `value` "
                f"must be equal, got query shape {query_shape} and value shape "
                f"{value_shape}."
            )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f"Layer '{self.name}' ({cls}): all axes of `value` and `key` but the "
                f"last must be equal, got value shape {value_shape} and key shape "
                f"{key_shape}."
            )
        return query_shape, value_shape, key_shape

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape, key_shape = self._check_shapes(
            query_shape, value_shape, key_shape
        )
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads, dim = (
            self.num_query_heads,
            self.num_key_value_heads,
            self.head_dim,
        )
        self._query_dense = self._dense(
            "bqm,muh->bquh", (None, q_heads, dim), "uh", "query"
        )
        self._query_dense.build(query_shape)
        self._key_dense = self._dense(
            "bkm,mvh->bkvh", (None, kv_heads, dim), "vh", "key"
        )
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._dense(
                "bqm,muh->bquh", (None, q_heads, dim), "uh", "gate", "sigmoid"
            )
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense(
            "bkm,mvh->bkvh", (None, kv_heads, dim), "vh", "value"
        )
        self._value_dense.build(value_shape)
        # Keras's sublayers (and their auto-names "softmax", "dropout").
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(
            rate=self.dropout, dtype=self.dtype_policy, seed=self.seed
        )
        self._output_dense = self._dense(
            "bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output"
        )
        self._output_dense.build((None, None, q_heads, dim))

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        if key is None:
            key = value
        self._check_shapes(query.shape, value.shape, key.shape)
        attention_mask = _masking.combine_masks(
            query,
            value,
            query_mask=query_mask,
            value_mask=value_mask,
            key_mask=key_mask,
            attention_mask=attention_mask,
            use_causal_mask=use_causal_mask,
            sliding_window=self.sliding_window,
        )
        gate = self._gate_dense(query) if self.use_gate else None
        query = self._query_dense(query)  # (batch, T, q_heads, head_dim)
        key = self._key_dense(key)  # (batch, S, kv_heads, head_dim)
        value = self._value_dense(value)
        key = ops.repeat(key, self.num_repeats, axis=2)
        value = ops.repeat(value, self.num_repeats, axis=2)
        query = query * ops.cast(self._inverse_sqrt_head_dim, query.dtype)
        scores = ops.einsum("bquh,bkuh->buqk", query, key)
        mask = _masking.expand_mask(attention_mask, 4, 1)
        # Keras's fused path (no dropout, no scores returned) keeps fully masked
        # rows uniform; the explicit path zeroes them.
        fused = not (self.dropout > 0 or return_attention_scores)
        probs = _masking.masked_softmax(scores, mask, (-1,), zero_masked=not fused)
        dropped = self._dropout_layer(probs, training=training)
        output = ops.einsum("buqk,bkuh->bquh", dropped, value)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, probs
        return output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        return self._check_shapes(query_shape, value_shape, key_shape)[0]

    def compute_output_spec(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        key_shape = None if key is None else key.shape
        shape = self.compute_output_shape(query.shape, value.shape, key_shape)
        output = KerasTensor(shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        kv_len = (value.shape if key is None else key.shape)[1]
        scores = (query.shape[0], self.num_query_heads, query.shape[1], kv_len)
        return output, KerasTensor(scores, dtype=self.compute_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(
                self.sublayer_activity_regularizer
            ),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


# Keras 3 exports this class as `keras.layers.GroupQueryAttention`.
GroupQueryAttention = register_builtin("layers", name="GroupQueryAttention")(
    GroupedQueryAttention
)
