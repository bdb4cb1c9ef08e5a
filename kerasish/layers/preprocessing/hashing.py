"""`Hashing`: hashes values (strings or integers) into a fixed number of bins.

Runs on the host in numpy, like Keras's (which uses TensorFlow string ops on every
backend). A value is first turned into bytes: strings as UTF-8, integers as their
decimal text, floats truncated to int64 first. Then

    bin = fingerprint64(bytes) % num_bins                (no salt: FarmHash)
    bin = siphash24(salt[0], salt[1], bytes) % num_bins  (salt: SipHash-2-4)

With a `mask_value`, that value goes to bin 0 and the others hash into the
`num_bins - 1` bins after it. The hashes match TensorFlow's bit for bit, so the
bins are Keras's.
"""

import numpy as np

from kerasish import config, ops
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.preprocessing import _hashes, _utils
from kerasish.layers.preprocessing.index_lookup import HostSideLayer
from kerasish.serialization import register_builtin

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def _to_host(inputs, layer):
    if isinstance(inputs, KerasTensor):
        raise TypeError(f"{layer}: cannot run on a symbolic tensor here.")
    if isinstance(inputs, list | tuple | str | bytes | int | float | np.ndarray):
        return np.asarray(inputs, dtype=object if _has_strings(inputs) else None)
    if ops.is_tensor(inputs):
        return np.asarray(ops.convert_to_numpy(inputs))
    return np.asarray(inputs)


def _has_strings(inputs):
    flat = np.asarray(inputs, dtype=object).reshape(-1)
    return any(isinstance(v, str | bytes | np.str_ | np.bytes_) for v in flat)


def value_bytes(value):
    """The bytes TensorFlow's `as_string` gives `value` (str, bytes, int, float)."""
    if isinstance(value, bytes | np.bytes_):
        return bytes(value)
    if isinstance(value, str | np.str_):
        return str(value).encode("utf-8")
    if isinstance(value, bool | np.bool_):
        raise TypeError(
            f"Hashing expects strings or numbers, received a bool {value!r}; cast "
            "booleans to int first."
        )
    if isinstance(value, float | np.floating):
        value = int(np.int64(value))
    return str(int(value)).encode("ascii")


@register_builtin("layers")
class Hashing(HostSideLayer):
    """Hashes strings or integers into `num_bins` bins (Keras's FarmHash bins).

    Args:
        num_bins: Positive int, the number of bins, including the mask bin when
            `mask_value` is set.
        mask_value: A value that maps to bin 0 (the others to 1..num_bins-1).
        salt: An int or a pair of ints: use the keyed SipHash-2-4 ("strong")
            hash with key `(salt, salt)` or `salt`. Defaults to FarmHash.
        output_mode: "int" (default, bin ids), "one_hot", "multi_hot" or
            "count".
        sparse: Accepted for compatibility; must be False (no sparse tensors).

    Input: strings or numbers of any shape. Output: an engine tensor of bin ids
    of the same shape (`dtype`, default "int64": int32 on JAX unless x64 is
    enabled, as Keras's), or float encodings of width `num_bins` (see
    `CategoryEncoding`).

    Example:
    >>> np.asarray(kerasish.layers.Hashing(num_bins=3)(np.array([["A"], ["B"]])))
    array([[1],
           [0]], dtype=int32)
    """

    engine_output = True  # as Keras's on JAX (int64 -> int32)

    def __init__(
        self,
        num_bins,
        mask_value=None,
        salt=None,
        output_mode="int",
        sparse=False,
        **kwargs,
    ):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        if (
            isinstance(num_bins, bool)
            or not isinstance(num_bins, int | np.integer)
            or num_bins <= 0
        ):
            raise ValueError(
                f"Hashing: `num_bins` must be a positive int, received "
                f"num_bins={num_bins!r}."
            )
        _utils.check_choice("Hashing", "output_mode", output_mode, _OUTPUT_MODES)
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(
                'Hashing: with output_mode="int" the `dtype` must be "int32" or '
                f'"int64", received dtype={kwargs["dtype"]!r}.'
            )
        if sparse:
            raise ValueError(
                "Hashing: `sparse=True` is not supported (kerasish has no sparse "
                "tensors); use sparse=False."
            )
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = _hashes.standardize_salt("Hashing", salt)

    def _hash(self, value, bins):
        return _hashes.bucket(value_bytes(value), bins, self.salt)

    def hash_to_bins(self, values):
        """Bin ids (int64 numpy array) of the values in a numpy array."""
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = np.vectorize(lambda v: v == self.mask_value, otypes=[bool])(values)
        flat = values.reshape(-1)
        cache = {}
        out = np.empty(flat.shape, dtype=np.int64)
        for i, value in enumerate(flat.tolist()):
            key = (type(value), value)
            if key not in cache:
                cache[key] = self._hash(value, bins)
            out[i] = cache[key]
        out = out.reshape(values.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        self.built = True  # no weights: called once, it is built (as in Keras)
        values = _to_host(inputs, "Hashing")
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        indices = self.hash_to_bins(values)
        if self.output_mode == "int":
            return indices.astype(self.dtype)
        return _utils.encode_categorical_numpy(
            indices, self.output_mode, self.num_bins, self.dtype
        )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if len(input_shape) == 0:
            return (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }
