"""`HashedCrossing`: hashes the cross of categorical features into bins.

As TensorFlow's `tf.sparse.cross_hashed` (which Keras uses on every backend):
each feature becomes a 64-bit value (a string's FarmHash `fingerprint64`, an
integer's own two's-complement bits), and the features of one sample are
combined left to right,

    h = 0xDECAFCAFFE
    h = fingerprint_cat64(h, feature)   for each input, in order
    bin = h % num_bins

Runs on the host in numpy; the bins are Keras's bit for bit. Calling the layer
hands the result over as an engine tensor, as Keras's on JAX: bin ids in `dtype`
("int64": int32 unless x64 is enabled), one-hot vectors in floatx.
"""

import numpy as np

from kerasish import config
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.preprocessing import _hashes, _utils
from kerasish.layers.preprocessing.hashing import _to_host
from kerasish.layers.preprocessing.index_lookup import HostSideLayer
from kerasish.serialization import register_builtin

_HASH_KEY = 0xDECAFCAFFE
_M = (1 << 64) - 1


def _feature(value):
    if isinstance(value, bytes | np.bytes_):
        return _hashes.fingerprint64(bytes(value))
    if isinstance(value, str | np.str_):
        return _hashes.fingerprint64(str(value).encode("utf-8"))
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return int(value) & _M
    raise TypeError(
        f"HashedCrossing expects string or integer features, received {value!r} of "
        f"type {type(value).__name__}. Cast floats to int or to strings first."
    )


@register_builtin("layers")
class HashedCrossing(HostSideLayer):
    """Crosses categorical features with the hashing trick (Keras's bins).

    Args:
        num_bins: Positive int, the number of bins.
        output_mode: "int" (default, bin ids) or "one_hot".
        sparse: Accepted for compatibility; must be False.
        name: Layer name.
        dtype: Output dtype; defaults to "int64" for "int", floatx otherwise.

    Call arguments:
        inputs: A list or tuple of at least two features of equal shape `()`,
            `(batch,)` or `(batch, 1)`, strings or integers.

    Returns:
        An engine tensor: bin ids of the inputs' shape ("int"), or one-hot
        vectors `(batch, num_bins)` ("one_hot").

    Example:
    >>> layer = kerasish.layers.HashedCrossing(num_bins=5)
    >>> layer((np.array(["A", "B"]), np.array([1, 2]))).shape
    (2,)
    """

    engine_output = True  # as Keras's on JAX (int64 -> int32)

    def __init__(
        self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs
    ):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if (
            isinstance(num_bins, bool)
            or not isinstance(num_bins, int | np.integer)
            or num_bins <= 0
        ):
            raise ValueError(
                "HashedCrossing: `num_bins` must be a positive int, received "
                f"num_bins={num_bins!r}."
            )
        _utils.check_choice(
            "HashedCrossing", "output_mode", output_mode, ("int", "one_hot")
        )
        if sparse:
            raise ValueError(
                "HashedCrossing: `sparse=True` can only be used with the TensorFlow "
                "backend of Keras; use sparse=False."
            )
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = sparse

    def _check_inputs(self, inputs):
        if not isinstance(inputs, list | tuple):
            raise ValueError(
                "HashedCrossing should be called on a list or tuple of inputs, "
                f"received {type(inputs).__name__}: {inputs!r}."
            )
        if len(inputs) < 2:
            raise ValueError(
                "HashedCrossing should be called on at least two inputs, received "
                f"{len(inputs)}."
            )
        shapes = [tuple(x.shape) for x in inputs]
        first = shapes[0]
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(
                "All HashedCrossing inputs should have shape (), (batch_size,) or "
                f"(batch_size, 1), received shapes {shapes}."
            )
        if any(s != first for s in shapes[1:]):
            raise ValueError(
                "All HashedCrossing inputs should have equal shapes, received "
                f"{shapes}."
            )

    def call(self, inputs):
        self.built = True  # no weights: called once, it is built (as in Keras)
        if not isinstance(inputs, list | tuple):
            self._check_inputs(inputs)
        arrays = [_to_host(x, "HashedCrossing") for x in inputs]
        self._check_inputs(arrays)
        shape = arrays[0].shape
        columns = [a.reshape(-1).tolist() for a in arrays]
        out = np.empty(len(columns[0]), dtype=np.int64)
        for i, row in enumerate(zip(*columns)):
            h = _HASH_KEY
            for value in row:
                h = _hashes.fingerprint_cat64(h, _feature(value))
            out[i] = h % self.num_bins
        out = out.reshape(shape)
        if self.output_mode == "int":
            return out.astype(self.dtype)
        return _utils.encode_categorical_numpy(
            out, "one_hot", self.num_bins, self.compute_dtype
        )

    def compute_output_shape(self, input_shape):
        if (
            not isinstance(input_shape, list | tuple)
            or len(input_shape) < 2
            or not all(isinstance(s, list | tuple) for s in input_shape)
        ):
            raise ValueError(
                "HashedCrossing expects a list of input shapes (one per feature), "
                f"received input_shape={input_shape!r}."
            )
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if len(first) == 0:
            return (self.num_bins,)
        if first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def compute_output_spec(self, inputs):
        shape = self.compute_output_shape([tuple(x.shape) for x in inputs])
        dtype = self.dtype if self.output_mode == "int" else config.floatx()
        return KerasTensor(shape, dtype)

    def get_config(self):
        return {
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }
