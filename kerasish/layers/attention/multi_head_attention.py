"""`MultiHeadAttention`: scaled dot-product attention over several heads."""

import math
import string

from kerasish import constraints, initializers, ops, regularizers
from kerasish.common.tensor_mask import get_keras_mask
from kerasish.layers.activations.softmax import Softmax
from kerasish.layers.attention import _masking
from kerasish.layers.attention.einsum_dense import EinsumDense
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.layers.regularization.dropout import Dropout
from kerasish.serialization import register_builtin

_LETTERS = string.ascii_lowercase


def _positive_int(name, value, allow_none=False):
    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        extra = " or None" if allow_none else ""
        raise ValueError(
            f"MultiHeadAttention: `{name}` must be a positive int{extra}, got "
            f"{value!r}."
        )
    return value


def projection_equation(free_dims: int, bound_dims: int, output_dims: int):
    """Einsum for a projection keeping `free_dims` leading axes, contracting
    `bound_dims` axes with the kernel and adding `output_dims` kernel axes.

    Returns `(equation, bias_axes)`; e.g. `(2, 1, 2)` gives `"abc,cde->abde"`,
    bias over `"de"` (a `(dim, heads, key_dim)` kernel).
    """
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims : free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out


def attention_equations(rank: int, attention_axes: tuple[int, ...]):
    """Einsums for scores and combination of projected tensors of `rank` axes
    `(batch, *index, heads, dim)` attending over `attention_axes`.

    Scores have the batch-like axes (every axis but the attention axes and the
    last), then the query's attention axes, then the key's: for rank 4 and axes
    (1,), `(batch, heads, T, S)`.
    """
    query = _LETTERS[:rank]
    key = list(query)
    fresh = iter(_LETTERS[rank:])
    for axis in attention_axes:
        key[axis] = next(fresh)
    key = "".join(key)
    batch_like = [i for i in range(rank - 1) if i not in attention_axes]
    scores = (
        "".join(query[i] for i in batch_like)
        + "".join(query[i] for i in attention_axes)
        + "".join(key[i] for i in attention_axes)
    )
    return f"{key},{query}->{scores}", f"{scores},{key}->{query}", len(scores)


@register_builtin("layers")
class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017).

    `query`, `key` and `value` are projected to `num_heads` heads
    (`EinsumDense` sublayers "query", "key", "value" with kernels of shape
    `(dim, num_heads, key_dim)`); each head computes
    `softmax(q k^T / sqrt(key_dim) + mask) v` over the attention axes; the heads are
    projected back by "attention_output" (kernel `(num_heads, value_dim, out)`).

    Args:
        num_heads: Positive int, number of attention heads.
        key_dim: Positive int, size of each head for query and key.
        value_dim: Size of each head for value; defaults to `key_dim`.
        dropout: Dropout rate on the attention probabilities (training only).
        use_bias: Whether the projections have biases.
        output_shape: Output size(s) without the batch and index axes; defaults
            to the query's last axis.
        attention_axes: Axes (of the inputs, not counting the features) attention
            runs over; defaults to all axes between batch and features.
        sliding_window: Optional positive int: each query step attends only to
            key steps with `|i - j| < sliding_window`.
        flash_attention: Accepted for Keras compatibility (no effect).
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: Passed to the projection sublayers.
        use_gate: Whether to multiply the heads by a sigmoid gate computed from
            the query (sublayer "gate") before the output projection.
        seed: Integer seed for the dropout.

    Call arguments:
        query: `(batch, T, dim)`. value: `(batch, S, dim_v)`. key: `(batch, S,
        dim_k)`, defaults to `value`.
        query_mask, value_mask, key_mask: Boolean `(batch, T)` / `(batch, S)`;
            they default to the tensors' `_keras_mask`. As in Keras 3, the
            query's own mask is always the one used: an explicit `query_mask`
            is ignored.
        attention_mask: Boolean `(batch, T, S)`: True where attention is allowed.
        return_attention_scores: Also return the `(batch, heads, T, S)`
            probabilities.
        training: Whether the dropout is active.
        use_causal_mask: Whether query step i may only see key steps j <= i.

    Output shape: `(batch, T, dim)` (or `output_shape`).

    Example:
    >>> mha = kerasish.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> mha(np.ones((1, 3, 8)), np.ones((1, 5, 8))).shape
    (1, 3, 8)
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
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
        self._num_heads = _positive_int("num_heads", num_heads)
        self._key_dim = _positive_int("key_dim", key_dim)
        self._value_dim = _positive_int("value_dim", value_dim, True) or key_dim
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, int | float)
            or not 0 <= dropout < 1
        ):
            raise ValueError(
                f"MultiHeadAttention: `dropout` must be a float in [0, 1), got "
                f"{dropout!r}."
            )
        if output_shape is not None:
            if isinstance(output_shape, int) and not isinstance(output_shape, bool):
                output_shape = (output_shape,)
            if not isinstance(output_shape, list | tuple) or any(
                isinstance(d, bool) or not isinstance(d, int) or d <= 0
                for d in output_shape
            ):
                raise ValueError(
                    "MultiHeadAttention: `output_shape` must be a positive int or a "
                    f"tuple of positive ints, got {output_shape!r}."
                )
            output_shape = tuple(output_shape)
        if isinstance(attention_axes, int) and not isinstance(attention_axes, bool):
            attention_axes = (attention_axes,)
        if attention_axes is not None and (
            not isinstance(attention_axes, list | tuple)
            or any(
                isinstance(a, bool) or not isinstance(a, int) for a in attention_axes
            )
        ):
            raise ValueError(
                "MultiHeadAttention: `attention_axes` must be an int, a list or a "
                f"tuple of ints, got {attention_axes!r}."
            )
        if sliding_window is not None:
            _positive_int("sliding_window", sliding_window)
        if flash_attention and dropout > 0:
            raise ValueError(
                "MultiHeadAttention: dropout is not supported with "
                "`flash_attention=True`; set dropout=0.0 or leave flash_attention "
                "unset."
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(
                f"MultiHeadAttention: `seed` must be an int or None, got {seed!r}."
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self._dropout = float(dropout)
        self._use_bias = bool(use_bias)
        self._use_gate = bool(use_gate)
        self._output_shape = output_shape
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._sliding_window = sliding_window
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._sublayer_activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    # -- properties ----------------------------------------------------------------
    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # -- build ---------------------------------------------------------------------
    def _sublayer_kwargs(self):
        def fresh(initializer):
            # Each projection gets its own initializer instance (and draws).
            try:
                return type(initializer).from_config(initializer.get_config())
            except Exception:
                return initializer

        return dict(
            kernel_initializer=fresh(self._kernel_initializer),
            bias_initializer=fresh(self._bias_initializer),
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._sublayer_activity_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint,
            dtype=self.dtype_policy,
        )

    def _projection(self, rank, heads_dim, name, activation=None):
        equation, bias_axes = projection_equation(rank - 1, 1, 2)
        return EinsumDense(
            equation,
            output_shape=[None] * (rank - 2) + [self._num_heads, heads_dim],
            bias_axes=bias_axes if self._use_bias else None,
            activation=activation,
            name=name,
            **self._sublayer_kwargs(),
        )

    def _check_shapes(self, query_shape, value_shape, key_shape):
        cls = "MultiHeadAttention"
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f"Layer '{self.name}' ({cls}): all axes of `value` and `key` but the "
                f"last must be equal, got value shape {value_shape} and key shape "
                f"{key_shape}."
            )
        if len(query_shape) != len(value_shape):
            raise ValueError(
                f"Layer '{self.name}' ({cls}): `query` and `value` must have the same "
                f"rank, got query shape {query_shape} and value shape {value_shape}."
            )
        if len(query_shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' ({cls}): inputs must have rank >= 3 "
                f"(batch, ..., features), got query shape {query_shape}."
            )
        return query_shape, value_shape, key_shape

    def _resolve_attention_axes(self, rank):
        """Attention axes as indices of the projected tensors (rank = input + 1)."""
        if self._attention_axes is None:
            return tuple(range(1, rank - 2))
        axes = []
        for axis in self._attention_axes:
            resolved = axis if axis >= 0 else rank - 1 + axis
            if not 1 <= resolved <= rank - 3:
                raise ValueError(
                    f"Layer '{self.name}' (MultiHeadAttention): attention axis {axis} "
                    f"is not an index axis of inputs of rank {rank - 1}; use axes "
                    f"between 1 and {rank - 3} (or their negative forms, excluding "
                    "the batch and feature axes)."
                )
            axes.append(resolved)
        return tuple(axes)

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape, key_shape = self._check_shapes(
            query_shape, value_shape, key_shape
        )
        rank = len(query_shape)
        for label, shape in (
            ("query", query_shape),
            ("value", value_shape),
            ("key", key_shape),
        ):
            if shape[-1] is None:
                raise ValueError(
                    f"Layer '{self.name}' (MultiHeadAttention): the last axis of "
                    f"`{label}` must be known, got shape {shape}."
                )
        self._query_dense = self._projection(rank, self._key_dim, "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(rank, self._key_dim, "key")
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(
                rank, self._value_dim, "gate", activation="sigmoid"
            )
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection(rank, self._value_dim, "value")
        self._value_dense.build(value_shape)
        axes = self._resolve_attention_axes(rank + 1)
        self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, self._scores_rank = (
            attention_equations(rank + 1, axes)
        )
        # Keras's sublayers (subclasses' `_compute_attention` use them; they
        # take the auto-names "softmax" and "dropout", as in Keras).
        norm_axes = tuple(range(self._scores_rank - len(axes), self._scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(
            rate=self._dropout, dtype=self.dtype_policy, seed=self.seed
        )
        output_shape = self._output_shape or (query_shape[-1],)
        equation, bias_axes = projection_equation(rank - 1, 2, len(output_shape))
        self._output_dense = EinsumDense(
            equation,
            output_shape=[None] * (rank - 2) + list(output_shape),
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        self._output_dense.build(
            tuple(query_shape[:-1]) + (self._num_heads, self._value_dim)
        )

    # -- call ----------------------------------------------------------------------
    def _compute_attention(
        self,
        query,
        key,
        value,
        attention_mask=None,
        training=None,
        return_attention_scores=False,
    ):
        num_axes = len(self._attention_axes)
        # Keras's fused path (rank-4 projections, no dropout, no scores returned)
        # leaves fully masked rows uniform; its explicit path zeroes them.
        fused = not (self._dropout > 0 or return_attention_scores or query.ndim != 4)
        query = query * ops.cast(self._inverse_sqrt_key_dim, query.dtype)
        scores = ops.einsum(self._dot_product_equation, key, query)
        mask = _masking.expand_mask(attention_mask, scores.ndim, num_axes)
        axes = tuple(range(scores.ndim - num_axes, scores.ndim))
        probs = _masking.masked_softmax(scores, mask, axes, zero_masked=not fused)
        dropped = self._dropout_layer(probs, training=training)
        output = ops.einsum(self._combine_equation, dropped, value)
        return output, probs

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
        # As Keras 3: the query's own `_keras_mask` is the query mask; an
        # explicit `query_mask=` is not used (keras.io's translation
        # Transformer passes one, and its numbers are Keras's this way).
        query_mask = get_keras_mask(query)
        self._check_call_shapes(query, value, key)
        attention_mask = _masking.combine_masks(
            query,
            value,
            query_mask=query_mask,
            value_mask=value_mask,
            key_mask=key_mask,
            attention_mask=attention_mask,
            use_causal_mask=use_causal_mask,
            sliding_window=self._sliding_window,
        )
        gate = self._gate_dense(query) if self._use_gate else None
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        output, scores = self._compute_attention(
            query, key, value, attention_mask, training, return_attention_scores
        )
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _check_call_shapes(self, query, value, key):
        self._check_shapes(query.shape, value.shape, key.shape)
        for label, x, dense in (
            ("query", query, self._query_dense),
            ("value", value, self._value_dense),
            ("key", key, self._key_dense),
        ):
            expected = dense.kernel.shape[0]
            if x.shape[-1] != expected:
                raise ValueError(
                    f"Layer '{self.name}' (MultiHeadAttention) was built for `{label}` "
                    f"with {expected} features on its last axis, but received shape "
                    f"{tuple(x.shape)}. Use a new layer for other feature sizes."
                )

    # -- shapes and config ------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        query_shape, _, _ = self._check_shapes(query_shape, value_shape, key_shape)
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

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
        source = value.shape if key is None else key.shape
        rank = len(query.shape) + 1
        axes = self._resolve_attention_axes(rank)
        batch_like = [query.shape[i] for i in range(rank - 2) if i not in axes]
        scores_shape = (
            *batch_like,
            self._num_heads,
            *[query.shape[i] for i in axes],
            *[source[i] for i in axes],
        )
        return output, KerasTensor(scores_shape, dtype=self.compute_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(
                self._sublayer_activity_regularizer
            ),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        }
