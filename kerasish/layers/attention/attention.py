"""`Attention`: dot-product (Luong-style) attention between query and value."""

from kerasish import ops, random
from kerasish.layers.attention import _masking
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin

_SCORE_MODES = ("dot", "concat")


@register_builtin("layers")
class Attention(Layer):
    """Dot-product attention: `softmax(scores) @ value`, with
    `scores = query @ key^T` (`score_mode="dot"`, times a learned scalar `scale`
    when `use_scale`) or `scores = concat_score_weight * sum(tanh(scale * (q + k)),
    -1)` (`score_mode="concat"`). Key positions masked by the value mask (or the
    causal mask) get a logit of -1e9; outputs of masked query positions are 0.

    Args:
        use_scale: Whether to learn a scalar `scale` on the scores.
        score_mode: "dot" (default) or "concat".
        dropout: Dropout rate on the attention probabilities (training only).
        seed: Integer seed for the dropout.

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`: `(batch, Tq, dim)`,
            `(batch, Tv, dim_v)`, `(batch, Tv, dim)` (key defaults to value).
        mask: `[query_mask, value_mask]`, boolean `(batch, Tq)` and `(batch, Tv)`.
        training: Whether the dropout is active.
        return_attention_scores: Also return the `(batch, Tq, Tv)` probabilities.
        use_causal_mask: Whether query step i may only see value steps j <= i.

    Output shape: `(batch, Tq, dim_v)`.

    Example:
    >>> att = kerasish.layers.Attention()
    >>> att([np.ones((1, 2, 4)), np.ones((1, 3, 4))]).shape
    (1, 2, 4)
    """

    def __init__(
        self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        cls = type(self).__name__
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                f"{cls}: `score_mode` must be one of {list(_SCORE_MODES)}, got "
                f"{score_mode!r}."
            )
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, int | float)
            or not 0 <= dropout < 1
        ):
            raise ValueError(
                f"{cls}: `dropout` must be a float in [0, 1), got {dropout!r}."
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"{cls}: `seed` must be an int or None, got {seed!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if dropout > 0 else None
        self.supports_masking = True
        self.scale = None
        self.concat_score_weight = None

    # -- validation -------------------------------------------------------------
    def _validate_inputs(self, inputs, mask=None):
        cls = type(self).__name__
        single = isinstance(inputs, tuple) and all(
            d is None or isinstance(d, int) for d in inputs
        )
        if single or not isinstance(inputs, list | tuple):
            raise ValueError(
                f"{cls} layer must be called on a list of inputs, namely [query, "
                f"value] or [query, value, key]. Received: {type(inputs).__name__}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{cls} layer accepts a list of 2 or 3 inputs ([query, value] or "
                f"[query, value, key]); received {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, list | tuple):
                raise ValueError(
                    f"{cls} layer mask must be a list [query_mask, value_mask], got "
                    f"{type(mask).__name__}."
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{cls} layer accepts a mask list of length 2 or 3; received "
                    f"{len(mask)}."
                )

    def _check_shapes(self, shapes):
        cls = type(self).__name__
        query, value = tuple(shapes[0]), tuple(shapes[1])
        key = tuple(shapes[2]) if len(shapes) > 2 else value
        for label, shape in (("query", query), ("value", value), ("key", key)):
            if len(shape) < 2:
                raise ValueError(
                    f"Layer '{self.name}' ({cls}): `{label}` must have rank >= 2 "
                    f"(batch, steps, features), got shape {shape}."
                )
        if None not in (query[-1], key[-1]) and query[-1] != key[-1]:
            raise ValueError(
                f"Layer '{self.name}' ({cls}): query and key must have the same last "
                f"axis to be compared, got query shape {query} and key shape {key}. "
                "Project them to a common size first (e.g. with Dense)."
            )
        if None not in (key[-2], value[-2]) and key[-2] != value[-2]:
            raise ValueError(
                f"Layer '{self.name}' ({cls}): key and value must have the same "
                f"number of steps, got key shape {key} and value shape {value}."
            )

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )

    # -- call -------------------------------------------------------------------
    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = scores * self.scale.value
            return scores
        # (batch, Tq, 1, dim) + (batch, 1, Tv, dim) -> (batch, Tq, Tv, dim)
        summed = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            summed = self.scale.value * summed
        return self.concat_score_weight.value * ops.sum(ops.tanh(summed), axis=-1)

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        self._validate_inputs(inputs, mask)
        self._check_shapes([x.shape for x in inputs])
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = None
        if value_mask is not None:
            # (batch, Tv) -> (batch, 1, Tv)
            scores_mask = ops.expand_dims(ops.cast(value_mask, "bool"), -2)
        if use_causal_mask:
            causal = _masking.causal_mask(scores.shape[-2], scores.shape[-1])
            scores_mask = (
                causal if scores_mask is None else ops.logical_and(scores_mask, causal)
            )
        if scores_mask is not None:
            big = 65504.0 if str(scores.dtype) == "float16" else 1e9
            scores = ops.where(scores_mask, scores, scores - big)
        weights = ops.softmax(scores, axis=-1)
        dropped = weights
        if training and self.dropout > 0:
            dropped = random.dropout(weights, self.dropout, seed=self.seed_generator)
        output = ops.matmul(dropped, value)
        if query_mask is not None:
            keep = ops.expand_dims(ops.cast(query_mask, "bool"), -1)
            output = ops.where(keep, output, ops.zeros_like(output))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return ops.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_output_spec(
        self,
        inputs,
        mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        self._validate_inputs(inputs, mask)
        shapes = [x.shape for x in inputs]
        self._check_shapes(shapes)
        output = KerasTensor(
            self.compute_output_shape(shapes), dtype=self.compute_dtype
        )
        if not return_attention_scores:
            return output
        key = shapes[2] if len(shapes) > 2 else shapes[1]
        scores = KerasTensor((*shapes[0][:-1], key[-2]), dtype=self.compute_dtype)
        return output, scores

    def get_config(self):
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }
