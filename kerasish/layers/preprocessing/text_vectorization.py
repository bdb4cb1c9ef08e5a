"""`TextVectorization`: raw strings to token indices or bag-of-words vectors
(host side, in numpy)."""

import re
import string

import numpy as np

from kerasish import config, ops
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.preprocessing import _utils
from kerasish.layers.preprocessing.index_lookup import HostSideLayer, to_host_array
from kerasish.layers.preprocessing.string_lookup import StringLookup
from kerasish.serialization import register_builtin

STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
# TF lowercases ASCII letters only, and strips ASCII punctuation only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_STRIP_PUNCTUATION = str.maketrans("", "", string.punctuation)
# `tf.strings.split` splits on ASCII whitespace only.
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


@register_builtin("layers")
class TextVectorization(HostSideLayer):
    """Turns raw strings into token indices (or multi-hot / count / TF-IDF
    vectors): standardize, split, form n-grams, look up in a vocabulary.

    Runs on the host in numpy (`host_side = True`): `call` takes a list or a
    numpy array of strings of shape `(batch,)` or `(batch, 1)` and computes in
    numpy; calling the layer hands the result over as an engine tensor, as
    Keras's on JAX: integer ids, multi-hot and counts are int64 (int32 unless
    x64 is enabled), TF-IDF is floatx. The vocabulary comes from
    `adapt(texts)` (most frequent tokens first, ties by decreasing string, as
    Keras 3), `set_vocabulary` or `vocabulary=`; calling the layer without one
    raises a RuntimeError. Index 0 is the padding/mask token "" and index 1
    the OOV token "[UNK]" in "int" mode.

    Args:
        max_tokens: Maximum vocabulary size, special tokens included.
        standardize: "lower_and_strip_punctuation" (default), "lower",
            "strip_punctuation", None, or a callable taking and returning a
            numpy array of strings. Lowercasing and punctuation are ASCII only.
        split: "whitespace" (default), "character", None, or a callable taking
            one standardized string and returning its list of tokens.
        ngrams: None, an int `n` (all n-grams of sizes 1..n), or a tuple of
            sizes. N-grams join tokens with a space; sizes come in order.
        output_mode: "int" (default), "multi_hot", "count", "tf_idf", or
            "one_hot" (as Keras: one vector per token, so only for a single
            string, `(tokens, depth)`, or with `split=None`, `(batch, depth)`;
            a batch of split strings raises a TypeError).
        output_sequence_length: With "int": pad with 0 or truncate each row to
            this length. Without it rows are padded to the batch's longest.
        pad_to_max_tokens: Non-"int" modes: output width `max_tokens`.
        vocabulary: A list of tokens or a one-token-per-line file path.
        idf_weights: With "tf_idf" and a given vocabulary.
        sparse, ragged: Unsupported (must be False).
        encoding: Encoding of `bytes` inputs (UTF-8).

    Output shape: `(batch, output_sequence_length or longest)` ("int"),
    `(batch, vocabulary_size or max_tokens)` otherwise.

    Example:
    >>> layer = kerasish.layers.TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["the cat sat", "the dog"])
    >>> np.asarray(layer(["the dog sat"]))
    array([[2, 4, 3, 0]], dtype=int32)
    """

    engine_output = True  # as Keras's on JAX (int64 -> int32)

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode="int",
        output_sequence_length=None,
        pad_to_max_tokens=False,
        vocabulary=None,
        idf_weights=None,
        sparse=False,
        ragged=False,
        encoding="utf-8",
        name=None,
        **kwargs,
    ):
        has_input_vocabulary = kwargs.pop(
            "has_input_vocabulary", vocabulary is not None
        )
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        cls = "TextVectorization"
        if not (standardize is None or callable(standardize)):
            _utils.check_choice(cls, "standardize", standardize, STANDARDIZE)
        if not (split is None or callable(split)):
            _utils.check_choice(cls, "split", split, SPLIT)
        output_mode = _utils.standardize_output_mode(cls, output_mode)
        if not (
            ngrams is None
            or (isinstance(ngrams, int) and not isinstance(ngrams, bool) and ngrams > 0)
            or (
                isinstance(ngrams, tuple)
                and ngrams
                and all(isinstance(n, int) and n > 0 for n in ngrams)
            )
        ):
            raise ValueError(
                f"{cls}: `ngrams` must be None, a positive int, or a tuple of "
                f"positive ints, got ngrams={ngrams!r}."
            )
        if output_mode == "int":
            _utils.check_int(
                cls,
                "output_sequence_length",
                output_sequence_length,
                1,
                allow_none=True,
            )
        elif output_sequence_length is not None:
            raise ValueError(
                f"{cls}: `output_sequence_length` must not be set if `output_mode` "
                f"is not 'int'; got output_mode={output_mode!r}, "
                f"output_sequence_length={output_sequence_length}."
            )
        if sparse or ragged:
            raise ValueError(f"{cls}: `sparse` and `ragged` outputs are not supported.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = (
            tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        )
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            has_input_vocabulary=has_input_vocabulary,
            encoding=encoding,
            vocabulary_size=vocabulary_size,
            name=f"{self.name}_lookup",
        )
        self.built = True

    # -- text processing ---------------------------------------------------------
    def _standardize_array(self, texts):
        if self._standardize is None:
            return texts
        if callable(self._standardize):
            out = to_host_array(
                np.asarray(self._standardize(texts.astype(str)), dtype=object),
                "string",
                "TextVectorization standardize",
            )
            if out.shape != texts.shape:
                raise ValueError(
                    f"Layer '{self.name}' (TextVectorization): the `standardize` "
                    f"callable changed the shape from {texts.shape} to {out.shape}."
                )
            return out
        out = np.empty(texts.shape, dtype=object)
        lower = self._standardize in ("lower", "lower_and_strip_punctuation")
        strip = self._standardize in (
            "strip_punctuation",
            "lower_and_strip_punctuation",
        )
        for i, text in enumerate(texts.reshape(-1)):
            if lower:
                text = text.translate(_ASCII_LOWER)
            if strip:
                text = text.translate(_STRIP_PUNCTUATION)
            out.reshape(-1)[i] = text
        return out

    def _split_text(self, text):
        if self._split == "whitespace":
            return [t for t in _WHITESPACE.split(text) if t]
        if self._split == "character":
            return list(text)
        # A list of str, or an array or tensor of strings (tf.strings.split).
        tokens = to_host_array(self._split(text), "string", "TextVectorization split")
        return list(tokens.reshape(-1))

    def _make_ngrams(self, tokens):
        if self._ngrams is None:
            return tokens
        out = []
        for width in self._ngrams:
            out.extend(
                " ".join(tokens[i : i + width]) for i in range(len(tokens) - width + 1)
            )
        return out

    def _tokenize(self, inputs):
        """Inputs -> (list of token lists, scalar?) or an array when `split=None`."""
        texts = to_host_array(inputs, "string", "TextVectorization")
        texts = self._standardize_array(texts)
        scalar = texts.ndim == 0
        if self._split is None:
            if scalar:
                texts = texts.reshape(1)
            if texts.ndim == 1:
                # Unsplit strings of rank 1 are one sequence of tokens, as
                # Keras reads them (`(batch, 1)` is the batch of single tokens).
                return [self._make_ngrams(list(texts))], True
            return [self._make_ngrams(list(row)) for row in texts], scalar
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError(
                    f"Layer '{self.name}' (TextVectorization): to tokenize strings "
                    "the input must have rank 1 or a last axis of size 1; received "
                    f"shape {texts.shape}."
                )
            texts = texts[..., 0]
        if texts.ndim > 1:
            raise ValueError(
                f"Layer '{self.name}' (TextVectorization) expects a batch of "
                f"strings of shape (batch,) or (batch, 1); received {texts.shape}."
            )
        rows = texts.reshape(-1)
        return [self._make_ngrams(self._split_text(t)) for t in rows], scalar

    # -- vocabulary --------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and IDF weights) from `data`.

        As Keras's: `reset_state()`, `update_state(batch)` for each batch, then
        `finalize_state()`.

        Args:
            data: A list or numpy array of strings (one document each), or an
                iterable of such batches.
            batch_size: Unused (Keras compatibility).
            steps: With an iterable, the number of batches to use.
        """
        if isinstance(data, np.ndarray | list | tuple | str | bytes) or ops.is_tensor(
            data
        ):
            batches = [data]
        elif hasattr(data, "__iter__"):
            batches = data
        else:
            raise TypeError(
                f"Layer '{self.name}' (TextVectorization): adapt() expects a list or "
                f"array of strings, or an iterable of batches; got "
                f"{type(data).__name__}."
            )

        def documents():
            for step, batch in enumerate(batches):
                if steps is not None and step >= steps:
                    break
                yield self._documents(batch)

        self._lookup_layer.adapt(documents())

    def _documents(self, batch):
        """A batch of texts as a 2-D array of tokens, one row per text, padded
        with the mask token "" (which the vocabulary leaves out)."""
        rows, _ = self._tokenize(batch)
        width = max((len(r) for r in rows), default=0)
        padded = np.full((len(rows), max(width, 1)), "", dtype=object)
        for i, row in enumerate(rows):
            padded[i, : len(row)] = row
        return padded

    def reset_state(self):
        """Forgets the token counts gathered by `update_state`."""
        self._lookup_layer.reset_state()

    def update_state(self, data):
        """Counts the tokens of a batch of texts for `finalize_state`."""
        self._lookup_layer.update_state(self._documents(data))

    def finalize_state(self):
        """Sets the vocabulary from the counts gathered by `update_state`."""
        self._lookup_layer.finalize_state()

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    # -- call ----------------------------------------------------------------------
    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._check_vocabulary_set(self.name, "TextVectorization")
        rows, scalar = self._tokenize(inputs)
        indices = [lookup._lookup(np.array(row, dtype=object)) for row in rows]
        if self._output_mode == "one_hot":
            return self._one_hot(indices, scalar)
        if self._output_mode != "int":
            tf_idf = self._output_mode == "tf_idf"
            # Keras encodes in the lookup's index dtype (int64, int32 on JAX):
            # integer multi-hot and counts; TF-IDF weights the counts in floatx.
            out = _utils.encode_categorical_numpy(
                indices,
                "count" if tf_idf else self._output_mode,
                lookup._depth(),
                config.floatx() if tf_idf else "int64",
            )
            if tf_idf:
                out = out * lookup._idf_for_depth().astype(config.floatx())
            return out[0] if scalar else out
        length = self._output_sequence_length
        if length is None:
            length = max((len(r) for r in indices), default=0)
        out = np.zeros((len(indices), length), dtype=np.int64)
        for i, row in enumerate(indices):
            row = row[:length]
            out[i, : len(row)] = row
        return out[0] if scalar else out

    def _one_hot(self, indices, scalar):
        """Keras's "one_hot": one vector per token, `(tokens, depth)` for one
        split string, `(batch, depth)` for whole strings (`split=None`)."""
        depth = self._lookup_layer._depth()
        if self._split is None and self._ngrams is None:
            # (batch, 1): one token per string
            ids = np.asarray(indices, dtype=np.int64).reshape(-1, 1)
            return _utils.encode_categorical_numpy(ids, "one_hot", depth, "int64")
        if not scalar:
            raise TypeError(
                f"Layer '{self.name}' (TextVectorization): output_mode='one_hot' "
                "encodes every token as its own vector, so each string of a batch "
                "becomes a (tokens, depth) matrix of its own length, which is not "
                "a dense tensor (Keras raises a TypeError here too). For one "
                "vector per string use output_mode='multi_hot' or 'count'; for one "
                "vector per token use output_mode='int' followed by "
                "CategoryEncoding(output_mode='one_hot'); or pass split=None to "
                "encode whole strings."
            )
        # (tokens,) -> (tokens, depth)
        return _utils.encode_categorical_numpy(indices[0], "one_hot", depth, "int64")

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (
                input_shape[0] if input_shape else None,
                self._output_sequence_length,
            )
        depth = self._lookup_layer._depth()
        return (input_shape[0] if input_shape else None, depth)

    def compute_output_spec(self, inputs):
        dtype = "int64" if self._output_mode == "int" else config.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        lookup = self._lookup_layer

        def listify(x):
            return None if x is None else np.asarray(x).tolist()

        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False,
            "ragged": False,
            "vocabulary": listify(lookup.input_vocabulary),
            "idf_weights": listify(lookup.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)
