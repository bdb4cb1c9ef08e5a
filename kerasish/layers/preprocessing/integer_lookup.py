"""`IntegerLookup`: maps integer ids to contiguous indices (host side)."""

from kerasish.layers.preprocessing.index_lookup import IndexLookup
from kerasish.serialization import register_builtin


@register_builtin("layers")
class IntegerLookup(IndexLookup):
    """Maps arbitrary integers to indices in a vocabulary learned or given.

    Runs on the host in numpy (`host_side = True`) and returns an engine tensor,
    integer except for "tf_idf" (as Keras's: int32 on JAX). Index layout for
    output_mode "int": `[mask_token] (if set) + [oov_token] * num_oov_indices +
    vocabulary`; `adapt` orders by decreasing frequency, ties by decreasing value
    (Keras 3). With `num_oov_indices > 1`, an OOV value `v` goes to OOV index
    `v mod num_oov_indices` (oov_method "floormod", the default).

    Args:
        max_tokens: Maximum vocabulary size, special tokens included.
        num_oov_indices: Number of out-of-vocabulary indices (default 1).
        mask_token: Integer mapped to index 0, or None (default).
        oov_token: Value returned for OOV indices when `invert=True` (-1).
        vocabulary: A list of integers.
        vocabulary_dtype: Only "int64".
        idf_weights: With output_mode "tf_idf" and a given vocabulary.
        invert: Map indices back to values.
        output_mode: "int" (default), "one_hot", "multi_hot", "count", "tf_idf".
        pad_to_max_tokens: Encode to width `max_tokens`.
        oov_method: "floormod" (default) or "farmhash" (Keras's FarmHash
            Fingerprint64 of the decimal text, as Keras buckets them).

    Example:
    >>> layer = kerasish.layers.IntegerLookup(vocabulary=[12, 36])
    >>> np.asarray(layer(np.array([12, 36, 7])))
    array([1, 2, 0], dtype=int32)
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token=-1,
        vocabulary=None,
        vocabulary_dtype="int64",
        idf_weights=None,
        invert=False,
        output_mode="int",
        sparse=False,
        pad_to_max_tokens=False,
        oov_method="floormod",
        salt=None,
        name=None,
        **kwargs,
    ):
        if vocabulary_dtype != "int64":
            raise ValueError(
                "IntegerLookup: only vocabulary_dtype='int64' is supported, got "
                f"vocabulary_dtype={vocabulary_dtype!r}."
            )
        for arg, value in (("mask_token", mask_token), ("oov_token", oov_token)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int)
            ):
                raise TypeError(
                    f"IntegerLookup: `{arg}` must be an int or None, got {value!r}."
                )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary_dtype=vocabulary_dtype,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method,
            salt=salt,
            name=name,
            **kwargs,
        )
