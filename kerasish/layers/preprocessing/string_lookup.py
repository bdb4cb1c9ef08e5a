"""`StringLookup`: maps strings to integer indices with a vocabulary (host side)."""

from kerasish.layers.preprocessing.index_lookup import IndexLookup
from kerasish.serialization import register_builtin


@register_builtin("layers")
class StringLookup(IndexLookup):
    """Maps strings to indices in a vocabulary learned by `adapt` or given.

    Runs on the host in numpy (`host_side = True`): `call` takes a list or numpy
    array of `str`/`bytes` and returns an engine tensor, integer except for
    "tf_idf" (as Keras's: int32 on JAX); `invert=True` returns a numpy array of
    strings. Index layout for
    output_mode "int": `[mask_token] (if set) + [oov_token] * num_oov_indices +
    vocabulary`. `adapt` orders the vocabulary by decreasing frequency, ties by
    decreasing string (as Keras 3).

    Args:
        max_tokens: Maximum vocabulary size, special tokens included.
        num_oov_indices: Number of out-of-vocabulary indices (default 1). With
            more than 1, OOV strings are hashed into them with Keras's FarmHash
            Fingerprint64 (SipHash with a `salt`): the same buckets as Keras.
        mask_token: Token mapped to index 0 (output_mode "int"), or ignored by
            the encodings; None (default) for no mask.
        oov_token: Token returned for OOV indices when `invert=True`. "[UNK]".
        vocabulary: A list of strings or a path to a one-token-per-line file.
        idf_weights: With output_mode "tf_idf" and a given vocabulary.
        invert: Map indices back to strings.
        output_mode: "int" (default), "one_hot", "multi_hot", "count", "tf_idf".
        pad_to_max_tokens: Encode to width `max_tokens` instead of the
            vocabulary size.
        sparse: Unsupported (must be False).
        encoding: Text encoding of `bytes` inputs (UTF-8).

    Example:
    >>> layer = kerasish.layers.StringLookup(vocabulary=["a", "b"])
    >>> np.asarray(layer(np.array([["a", "c"], ["b", "a"]])))
    array([[1, 0],
           [2, 1]], dtype=int32)
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token="[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        pad_to_max_tokens=False,
        sparse=False,
        encoding="utf-8",
        name=None,
        salt=None,
        **kwargs,
    ):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary_dtype="string",
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            salt=salt,
            name=name,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}
