"""Masked softmax and attention-mask helpers shared by the attention layers."""

from kerasish import ops

# Keras's large negative logit for masked positions (-3e4 in float16).
_NEG = {"float16": -3e4}


def large_negative(dtype) -> float:
    return _NEG.get(str(dtype), -1e9)


def masked_softmax(scores, mask=None, axes=(-1,), zero_masked=True):
    """Softmax over `axes`, with positions where `mask` is False left out.

    Masked logits are replaced by a large negative number. With `zero_masked`, the
    masked probabilities are then set to 0, so a fully masked row is all zeros;
    without it such a row is uniform (what a fused attention kernel returns).
    """
    if mask is not None:
        mask = ops.cast(mask, "bool")
        scores = ops.where(mask, scores, large_negative(scores.dtype))
    axes = tuple(axes)
    if len(axes) == 1:
        probs = ops.softmax(scores, axis=axes[0])
    else:
        probs = ops.exp(scores - ops.logsumexp(scores, axis=axes, keepdims=True))
    if mask is not None and zero_masked:
        probs = ops.where(mask, probs, ops.zeros_like(probs))
    return probs


def causal_mask(q_len: int, v_len: int):
    """Boolean `(1, q_len, v_len)`: query step i sees key steps j <= i."""
    rows = ops.reshape(ops.arange(q_len, dtype="int32"), (1, q_len, 1))
    cols = ops.reshape(ops.arange(v_len, dtype="int32"), (1, 1, v_len))
    return ops.greater_equal(rows, cols)


def sliding_window_mask(q_len: int, v_len: int, window: int):
    """Boolean `(1, q_len, v_len)`: `|i - j| < window`."""
    rows = ops.reshape(ops.arange(q_len, dtype="int32"), (1, q_len, 1))
    cols = ops.reshape(ops.arange(v_len, dtype="int32"), (1, 1, v_len))
    return ops.less(ops.abs(rows - cols), window)


def combine_masks(
    query,
    value,
    query_mask=None,
    value_mask=None,
    key_mask=None,
    attention_mask=None,
    use_causal_mask=False,
    sliding_window=None,
):
    """The `(batch, T, S)`-like boolean attention mask from its parts, or None.

    `query_mask` `(batch, T)` masks query rows, `value_mask`/`key_mask`
    `(batch, S)` mask key columns, the causal and sliding-window masks use the
    lengths of axis 1 of `query` and `value`.
    """
    auto = None

    def add(mask):
        nonlocal auto
        auto = mask if auto is None else ops.logical_and(auto, mask)

    if query_mask is not None:
        add(ops.expand_dims(ops.cast(query_mask, "bool"), -1))
    if value_mask is not None:
        add(ops.expand_dims(ops.cast(value_mask, "bool"), -2))
    if key_mask is not None:
        add(ops.expand_dims(ops.cast(key_mask, "bool"), -2))
    if use_causal_mask:
        add(causal_mask(query.shape[1], value.shape[1]))
    if sliding_window is not None:
        add(sliding_window_mask(query.shape[1], value.shape[1], sliding_window))
    if attention_mask is not None:
        attention_mask = ops.cast(attention_mask, "bool")
        if auto is not None:
            attention_mask = ops.logical_and(attention_mask, auto)
        return attention_mask
    return auto


def expand_mask(mask, rank: int, num_attention_axes: int):
    """Inserts axes into `mask` before its last `2 * num_attention_axes` axes
    (the heads axis and batch-like axes) until it has `rank` axes."""
    if mask is None:
        return None
    while mask.ndim < rank:
        mask = ops.expand_dims(mask, -2 * num_attention_axes - 1)
    return mask
