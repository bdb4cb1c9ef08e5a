"""`IndexLookup`: the host-side vocabulary lookup behind StringLookup and
IntegerLookup, and `HostSideLayer`, the base of layers that run in numpy.

Strings cannot enter a compiled XLA graph, so these layers work on the host:
`call` takes lists or numpy arrays and computes in numpy. The lookups then hand
their result over as an engine tensor, as Keras's do on the JAX backend: indices
and "one_hot"/"multi_hot"/"count" encodings are integer (int64 on the host,
int32 on JAX unless x64 is enabled), "tf_idf" is floatx; `invert=True` on a
StringLookup gives a numpy array of strings, which engine tensors cannot hold.
The trainer runs leading host-side layers of a model on each batch before the
compiled step (they have no weights).
"""

import collections
import os

import numpy as np

from kerasish import config, ops
from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.layers import shape_inference, tf_data_bridge
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing import _hashes, _utils
from kerasish.serialization import refuse_path


class HostSideLayer(Layer):
    """A layer whose `call` runs in numpy on the host, outside compiled code.

    Called on symbolic tensors it records a graph node like any layer (its
    output spec comes from `compute_output_spec`); called on data it runs
    `call` directly on the given lists/arrays, without converting them to
    engine tensors.
    """

    _allow_non_tensor_positional_args = True  # as Keras's data layers

    host_side = True
    # Whether a call on data hands its numeric result over as an engine tensor,
    # as Keras's lookups and Hashing do on the JAX backend (int64 -> int32).
    engine_output = False

    def __call__(self, *args, **kwargs):
        flat = tree.flatten((args, kwargs))
        if any(isinstance(x, KerasTensor) for x in flat):
            kwargs = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
            return super().__call__(*args, **kwargs)
        if args and get_engine().is_tracer(args[0]):
            return self._traced_call(args[0])
        if args and type(args[0]).__name__ == "RaggedTensor":
            return self._ragged_call(args[0])
        if tf_data_bridge.in_tf_function(flat):  # `tf.data` map
            return tf_data_bridge.call_in_tf_function(
                self, self.host_call, args, kwargs
            )
        out = self.host_call(*args, **kwargs)
        if self.engine_output and np.asarray(out).dtype.kind in "biuf":
            return ops.convert_to_tensor(out)
        return out

    def _ragged_call(self, inputs):
        """A `tf.RaggedTensor` of tokens (`tf.strings.split` output): an
        elementwise lookup (`output_mode="int"`) maps its values and keeps its
        rows, as Keras's does."""
        if getattr(self, "output_mode", None) != "int":
            raise ValueError(
                f"{type(self).__name__} '{self.name}': a tf.RaggedTensor input "
                f"is supported with output_mode='int' only, got output_mode="
                f"'{self.output_mode}'. Pad the rows first "
                "(`ragged.to_tensor()`), or use output_mode='int'."
            )
        values = inputs.flat_values
        if tf_data_bridge.in_tf_function([values]):  # `tf.data` map
            return inputs.with_flat_values(self(values))
        return inputs.with_flat_values(np.asarray(self.host_call(values.numpy())))

    def _traced_call(self, inputs):
        """The layer inside a compiled step (a model that holds it after
        other layers, where Keras turns jit off): the lookup runs on the host
        through a callback, on each batch's values."""
        spec = self.compute_output_spec(KerasTensor(inputs.shape, str(inputs.dtype)))
        if spec.dtype == "string":
            raise TypeError(
                f"Layer '{self.name}' ({type(self).__name__}) returns strings, "
                "which a compiled step cannot hold: call it on data outside the "
                "model (or as the model's first layer)."
            )
        return get_engine().host_callback(self.host_call, spec, inputs)

    def host_call(self, *args, **kwargs):
        """`call` on data, its result in numpy: what the trainer runs on each
        batch before the compiled step (no round trip through the device)."""
        if not args:
            raise TypeError(
                f"Layer '{self.name}' ({type(self).__name__}) was called without "
                "inputs; pass them as the first positional argument."
            )
        kwargs = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
        try:
            return self.call(*args, **kwargs)
        except Exception as error:
            note = (
                f"(Raised while calling layer '{self.name}' ({type(self).__name__}).)"
            )
            if note not in getattr(error, "__notes__", []):
                error.add_note(note)
            raise


def to_host_array(inputs, kind: str, layer: str):
    """`inputs` (list, tuple, numpy array, tensor, scalar) as a numpy array of
    Python `str` objects (`kind="string"`, bytes decoded as UTF-8) or int64."""
    if isinstance(inputs, KerasTensor):
        raise TypeError(f"{layer}: cannot run on a symbolic tensor here.")
    if not isinstance(inputs, np.ndarray | list | tuple | str | bytes | int):
        if ops.is_tensor(inputs):
            inputs = ops.convert_to_numpy(inputs)
        else:
            inputs = np.asarray(inputs)
    if kind == "string":
        # A copy: the caller's array (perhaps a read-only view of a tf
        # tensor) is never written to.
        array = np.array(inputs, dtype=object)
        flat = array.reshape(-1)
        for i, value in enumerate(flat):
            if hasattr(value, "numpy"):  # a tf scalar (a tf.data element)
                value = value.numpy()
            if isinstance(value, bytes | np.bytes_):
                flat[i] = bytes(value).decode("utf-8")
            elif isinstance(value, str):
                flat[i] = str(value)
            else:
                raise TypeError(
                    f"{layer} expects strings (str or bytes), received an element "
                    f"of type {type(value).__name__}: {value!r}."
                )
        return flat.reshape(array.shape)
    array = np.asarray(inputs)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(array == np.round(array)):
            return array.astype(np.int64)
        raise TypeError(
            f"{layer} expects integer inputs, received dtype {array.dtype}."
        )
    return array.astype(np.int64)


def _is_one_batch(data):
    """Whether `adapt` takes `data` as one batch (Keras: an array, tensor, list
    or tuple) rather than an iterable of batches."""
    return isinstance(data, np.ndarray | list | tuple | str | bytes) or ops.is_tensor(
        data
    )


def _check_salt(cls, salt, vocabulary_dtype, oov_method):
    """Keras's `salt` (`_hashes.standardize_salt`). Integer vocabularies hash
    only with `oov_method="farmhash"`, so a salt needs it."""
    if salt is not None and vocabulary_dtype != "string" and oov_method != "farmhash":
        raise ValueError(
            f"{cls}: `salt` can only be used when `oov_method='farmhash'`, got "
            f"oov_method={oov_method!r}. Pass oov_method='farmhash' to hash "
            "out-of-vocabulary integers with the salted hash."
        )
    return _hashes.standardize_salt(cls, salt)


class IndexLookup(HostSideLayer):
    """Maps tokens to indices with a vocabulary (base of the lookup layers).

    Index layout (output_mode "int"): `[mask] + [oov] * num_oov_indices +
    tokens`; other output modes have no mask index. `adapt` orders tokens by
    decreasing frequency, ties broken by decreasing token (as Keras's
    `np.lexsort(...)[::-1]`).
    """

    engine_output = True

    def __init__(
        self,
        max_tokens,
        num_oov_indices,
        mask_token,
        oov_token,
        vocabulary_dtype,
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        sparse=False,
        pad_to_max_tokens=False,
        oov_method="floormod",
        salt=None,
        **kwargs,
    ):
        cls = type(self).__name__
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop(
            "has_input_vocabulary", vocabulary is not None
        )
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if max_tokens is not None:
            _utils.check_int(cls, "max_tokens", max_tokens)
            if max_tokens <= 1:
                raise ValueError(
                    f"{cls}: if set, `max_tokens` must be greater than 1, got "
                    f"max_tokens={max_tokens}."
                )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"{cls}: `pad_to_max_tokens=True` needs `max_tokens` to be set."
            )
        _utils.check_int(cls, "num_oov_indices", num_oov_indices)
        if num_oov_indices < 0:
            raise ValueError(
                f"{cls}: `num_oov_indices` must be >= 0, got {num_oov_indices}."
            )
        _utils.check_choice(cls, "oov_method", oov_method, ("floormod", "farmhash"))
        salt = _check_salt(cls, salt, vocabulary_dtype, oov_method)
        output_mode = _utils.standardize_output_mode(cls, output_mode)
        if invert and output_mode != "int":
            raise ValueError(
                f"{cls}: `output_mode` must be 'int' when `invert=True`, got "
                f"output_mode={output_mode!r}."
            )
        if sparse:
            raise ValueError(f"{cls}: `sparse=True` is not supported by kerasish.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"{cls}: `idf_weights` should only be set if `output_mode` is "
                f"'tf_idf', got output_mode={output_mode!r}."
            )
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError(
                f"{cls}: with a given `vocabulary` in 'tf_idf' output mode, the "
                "`idf_weights` argument must also be provided."
            )
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._kind = "string" if vocabulary_dtype == "string" else "int"
        self._tokens = []
        self._index = {}
        # Set by `adapt`/`set_vocabulary`: calling before raises, as Keras's
        # uninitialized lookup table does.
        self._vocabulary_set = False
        self.idf_weights = None
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- saving (Keras's asset layout: `vocabulary.txt`, one token a line) -------
    def save_assets(self, dir_path):
        """Writes an adapted vocabulary to `dir_path/vocabulary.txt` (a vocabulary
        given to the constructor is in the config instead)."""
        if self.input_vocabulary is not None or not self._tokens:
            return
        vocabulary = self.get_vocabulary(include_special_tokens=True)
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in vocabulary))

    def load_assets(self, dir_path):
        """Reads the vocabulary `save_assets` wrote (a file inside the archive)."""
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not lines or self.output_mode == "tf_idf":
            return
        if self._kind == "string":
            values = [str(line) for line in lines]
        else:
            try:
                values = [int(line) for line in lines]
            except ValueError as error:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): the saved "
                    f"vocabulary holds a non-integer token ({error})."
                ) from error
        self.set_vocabulary(values)

    # -- indices ---------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: special tokens plus learned/given tokens."""
        return self._token_start_index() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (with the mask and OOV tokens by default)."""
        if not include_special_tokens:
            return list(self._tokens)
        specials = [self.mask_token] * self._oov_start_index()
        specials += [self.oov_token] * self.num_oov_indices
        return specials + list(self._tokens)

    # -- vocabulary ------------------------------------------------------------
    def _convert_tokens(self, values):
        array = to_host_array(values, self._kind, type(self).__name__).reshape(-1)
        return [str(v) if self._kind == "string" else int(v) for v in array]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for "tf_idf", the IDF weights).

        Args:
            vocabulary: A list or 1-D array of tokens, optionally starting with
                the special tokens in index order; or a path to a text file with
                one token per line.
            idf_weights: For "tf_idf": one weight per token of `vocabulary`.
        """
        cls = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{cls}: `idf_weights` must be set in 'tf_idf' mode.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                f"{cls}: `idf_weights` should only be set if output_mode is "
                f"'tf_idf', got output_mode={self.output_mode!r}."
            )
        if isinstance(vocabulary, str):
            refuse_path("vocabulary file", vocabulary)
            if not os.path.exists(vocabulary):
                raise ValueError(
                    f"{cls}: vocabulary file {vocabulary!r} does not exist."
                )
            if self.output_mode == "tf_idf":
                raise ValueError(
                    f"{cls}: output_mode 'tf_idf' does not support loading a "
                    "vocabulary from a file."
                )
            with open(vocabulary, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines
        vocabulary = self._convert_tokens(vocabulary)
        if not vocabulary:
            raise ValueError(f"{cls}: cannot set an empty vocabulary.")
        token_start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + [
            self.oov_token
        ] * self.num_oov_indices
        found_specials = vocabulary[:token_start] == specials
        tokens = vocabulary[token_start:] if found_specials else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                f"{cls}: the vocabulary has repeated tokens {repeated}. Pass each "
                "token once."
            )
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{cls}: found the mask token {self.mask_token!r} at index "
                f"{vocabulary.index(self.mask_token)} of `vocabulary`. Either remove "
                "the mask and OOV tokens, or put them only at the start in this "
                f"order: {specials}."
            )
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(
                f"{cls}: found the OOV token {self.oov_token!r} inside `vocabulary`. "
                "Either remove the mask and OOV tokens, or put them only at the "
                f"start in this order: {specials}."
            )
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                f"{cls}: the vocabulary size {size} (with special tokens) exceeds "
                f"max_tokens={self.max_tokens}."
            )
        if idf_weights is not None:
            idf = np.asarray(idf_weights, dtype="float64")
            if idf.ndim != 1 or len(idf) != len(vocabulary):
                raise ValueError(
                    f"{cls}: `idf_weights` must be 1-D with one weight per "
                    f"vocabulary entry ({len(vocabulary)}), got shape {idf.shape}."
                )
            front = 0 if found_specials else token_start
            idf = np.concatenate([np.full(front, idf.mean()), idf])
            self._set_idf(idf)
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._check_vocab_size_unchanged()
        self._vocabulary_set = True

    def _set_idf(self, idf):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            idf = np.concatenate([idf, np.zeros(max(self.max_tokens - len(idf), 0))])
        self.idf_weights = idf.astype(config.floatx())

    def _check_vocab_size_unchanged(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        size = self.vocabulary_size()
        if self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(
                f"{type(self).__name__}: with output_mode={self.output_mode!r} and "
                "pad_to_max_tokens=False the vocabulary size cannot change after "
                f"it is set. Old size {self._frozen_vocab_size}, new size {size}."
            )
        self._frozen_vocab_size = size

    def adapt(self, data, steps=None):
        """Learns the vocabulary from `data`, most frequent tokens first.

        As Keras's: `reset_state()`, `update_state(batch)` for each batch, then
        `finalize_state()`.

        Args:
            data: A list or array of tokens (each element of a rank-1 array or
                list is one document; rows of a rank-2 input are documents), or
                an iterable of batches (each passed to `update_state`).
            steps: With an iterable, the number of batches to use.
        """
        cls = type(self).__name__
        self._check_adaptable()
        self.reset_state()
        if _is_one_batch(data):
            array = to_host_array(data, self._kind, cls)
            self.update_state(array[:, None] if array.ndim == 1 else array)
        elif hasattr(data, "__iter__"):
            for step, batch in enumerate(data):
                if steps is not None and step >= steps:
                    break
                self.update_state(batch)
        else:
            raise TypeError(
                f"{cls}: adapt() expects an array, a list, or an iterable of "
                f"batches, got {type(data).__name__}."
            )
        if not self._learned_counts():
            raise ValueError(
                f"Layer '{self.name}' ({cls}): adapt() found no tokens in the data "
                "(empty data, or only mask/OOV tokens). Pass non-empty data."
            )
        self.finalize_state()

    def _check_adaptable(self):
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' ({type(self).__name__}) after "
                "setting a static vocabulary via the `vocabulary` argument or "
                "`set_vocabulary()`."
            )

    def reset_state(self):
        """Forgets the token counts gathered by `update_state` (the vocabulary
        in use stays)."""
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_docs = 0

    def update_state(self, data):
        """Counts the tokens of one batch for `finalize_state`.

        As in Keras, a rank-1 batch is one document and the rows of a rank-2
        batch are documents (documents matter for "tf_idf" only).
        """
        self._check_adaptable()
        array = to_host_array(data, self._kind, type(self).__name__)
        array = array.reshape(1, -1) if array.ndim < 2 else array
        if array.size == 0:
            return
        if not hasattr(self, "_counts"):
            self.reset_state()
        self._counts.update(self._convert_tokens(array))
        if self.output_mode == "tf_idf":
            for row in array.reshape(array.shape[0], -1):
                self._doc_counts.update(set(self._convert_tokens(row)))
            self._num_docs += array.shape[0]

    def _learned_counts(self):
        """The counts of the tokens `update_state` saw, special tokens left out."""
        counts = collections.Counter(getattr(self, "_counts", ()))
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        return counts

    def finalize_state(self):
        """Sets the vocabulary (and "tf_idf" weights) from the counts gathered
        by `update_state`, then forgets the counts. Without counts (or with a
        static vocabulary) it changes nothing, as in Keras."""
        counts = self._learned_counts()
        if self._has_input_vocabulary or not counts:
            return
        # Decreasing count, ties by decreasing token: Keras's lexsort(...)[::-1].
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[: self.max_tokens - self._token_start_index()]
        if self.output_mode == "tf_idf":
            df = np.array([self._doc_counts[t] for t in tokens], dtype="float64")
            idf = np.log(1.0 + self._num_docs / (1.0 + df)).astype(config.floatx())
            front = np.full(self._token_start_index(), idf.mean(dtype="float32"))
            self._set_idf(np.concatenate([front, idf]))
        self._frozen_vocab_size = None
        self._set_tokens(tokens)
        self.reset_state()

    # -- lookup ----------------------------------------------------------------
    def _lookup(self, array):
        """Token array -> int64 index array of the same shape. The mask token
        becomes 0 ("int" mode) or -1 (other modes: dropped by the encoding)."""
        cls = type(self).__name__
        flat = array.reshape(-1)
        default = -2  # marks OOV until resolved below
        out = np.fromiter(
            (self._index.get(t, default) for t in flat), dtype=np.int64, count=flat.size
        )
        if self.mask_token is not None:
            out[[t == self.mask_token for t in flat]] = (
                0 if self.output_mode == "int" else -1
            )
        oov = out == default
        if oov.any() and self.num_oov_indices == 0 and shape_inference.probing():
            # Shape inference's made-up text (`PROBE_TEXTS`): any valid index.
            out[oov] = self._oov_start_index()
            oov[:] = False
        if oov.any():
            if self.num_oov_indices == 0:
                values = sorted({flat[i] for i in np.flatnonzero(oov)}, key=str)
                raise ValueError(
                    f"Layer '{self.name}' ({cls}): with num_oov_indices=0 all inputs "
                    f"must be in the vocabulary; found out-of-vocabulary values "
                    f"{values[:10]}. Set num_oov_indices=1 to map them to an OOV "
                    "index."
                )
            start = self._oov_start_index()
            if self.num_oov_indices == 1:
                out[oov] = start
            else:
                buckets = {}
                for i in np.flatnonzero(oov):
                    token = flat[i]
                    if token not in buckets:
                        buckets[token] = start + self._oov_bucket(token)
                    out[i] = buckets[token]
        return out.reshape(array.shape)

    def _oov_bucket(self, token):
        """Keras's OOV bucket (in `[0, num_oov_indices)`) of an OOV token.

        Integer tokens with `oov_method="floormod"`: `token % num_oov_indices`
        (floor modulo). Otherwise the token's bytes are hashed (an integer's
        decimal text, as `tf.strings.as_string`; a string's UTF-8) and

            bucket = fingerprint64(bytes) % num_oov_indices   (no salt: FarmHash)
            bucket = siphash24(salt[0], salt[1], bytes) % num_oov_indices

        as `tf.strings.to_hash_bucket_fast` / `to_hash_bucket_strong`.
        """
        if self._kind == "int" and self.oov_method == "floormod":
            return int(token) % self.num_oov_indices
        data = str(token).encode("utf-8")
        return _hashes.bucket(data, self.num_oov_indices, self.salt)

    def _invert_lookup(self, array):
        cls = type(self).__name__
        if array.size and not np.issubdtype(np.asarray(array).dtype, np.integer):
            raise TypeError(f"{cls} with invert=True expects integer indices.")
        vocab = self.get_vocabulary()
        flat = array.reshape(-1)
        out = [
            vocab[i] if 0 <= i < len(vocab) else self.oov_token for i in flat.tolist()
        ]
        if self._kind == "string":
            return np.array(out, dtype=object).reshape(array.shape).astype(str)
        return np.array(out, dtype=np.int64).reshape(array.shape)

    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        return self._frozen_vocab_size

    def _check_vocabulary_set(self, layer_name=None, layer_type=None):
        """Raises a RuntimeError (as Keras's uninitialized lookup table) when
        no vocabulary was adapted or set; `layer_name`/`layer_type` name the
        layer the user called (a TextVectorization wrapping this lookup)."""
        if self._vocabulary_set:
            return
        name = self.name if layer_name is None else layer_name
        cls = type(self).__name__ if layer_type is None else layer_type
        raise RuntimeError(
            f"Layer '{name}' ({cls}) has no vocabulary: set the vocabulary before "
            "calling the layer, with `adapt(data)`, `set_vocabulary(vocabulary)` "
            "or the `vocabulary=` constructor argument. A layer rebuilt with "
            "`from_config` from an adapted layer's config has no vocabulary (it "
            "is saved as an asset, not in the config): load the saved model "
            "instead, or set the vocabulary again."
        )

    def call(self, inputs):
        cls = type(self).__name__
        self._check_vocabulary_set()
        if self.invert:
            return self._invert_lookup(to_host_array(inputs, "int", cls))
        array = to_host_array(inputs, self._kind, cls)
        indices = self._lookup(array)
        if self.output_mode == "int":
            return indices
        if self.output_mode == "tf_idf":
            counts = _utils.encode_categorical_numpy(
                indices, "count", self._depth(), config.floatx()
            )
            return counts * self._idf_for_depth().astype(config.floatx())
        # Keras encodes in the lookup's index dtype (int64): integer counts.
        return _utils.encode_categorical_numpy(
            indices, self.output_mode, self._depth(), "int64"
        )

    def _idf_for_depth(self):
        idf = self.idf_weights
        if idf is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): output_mode='tf_idf' "
                "needs IDF weights: call `adapt(data)` or pass `idf_weights=`."
            )
        depth = self._depth()
        if len(idf) < depth:
            idf = np.concatenate([idf, np.zeros(depth - len(idf), idf.dtype)])
        return idf[:depth]

    # -- shapes and config -----------------------------------------------------
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs):
        if self.invert:
            dtype = "int64" if self._kind == "int" else "string"
        else:
            dtype = "int64" if self.output_mode == "int" else config.floatx()
        shape = self.compute_output_shape(inputs.shape)
        try:
            return KerasTensor(shape, dtype)
        except TypeError as error:
            raise TypeError(
                f"Layer '{self.name}' ({type(self).__name__}): symbolic tensors of "
                f"dtype {dtype!r} are not supported yet ({error}). Call the layer "
                "on data instead."
            ) from None

    def get_build_config(self):
        return {}  # as Keras's: nothing to rebuild (the vocabulary is state)

    def get_config(self):
        def listify(x):
            return None if x is None else np.asarray(x).tolist()

        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": listify(self.input_idf_weights),
            "vocabulary": listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }
