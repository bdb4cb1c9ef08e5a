"""Batches from the data libraries users already have: tf.data, Grain and torch.

`fit`, `evaluate`, `predict` and `validation_data` accept a `tf.data.Dataset`, a
Grain `MapDataset`/`IterDataset`/`DataLoader` and a torch `DataLoader`, as Keras 3
does on the JAX backend:

- Each element is one batch: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`, where
  `x` may be an array, a list or a dict of arrays (matched to the inputs by name).
  A list at the top (what torch's `default_collate` makes of a tuple) reads as a
  tuple. `y` and `sample_weight` must not be passed beside such data.
- The number of steps is the data's own length where the library knows it (tf.data
  cardinality, `len()` of a Grain `MapDataset` or a torch `DataLoader`); otherwise an
  epoch runs until the iterator ends. An infinite dataset (`.repeat()`) needs
  `steps_per_epoch` (`steps` for evaluate/predict, `validation_steps` for
  validation data), where Keras would loop forever.
- With `steps_per_epoch` given, one iterator serves consecutive epochs: an epoch
  continues where the last one stopped, and a new pass starts once the data runs
  out (an epoch cut short by the end of the data warns, as in Keras).
- `class_weight` works with tf.data (as in Keras) and is refused for Grain and torch
  (as in Keras). `shuffle` does not apply: such data shuffles itself (Keras warns
  at every `fit`, since `shuffle=True` is the default; kerasish stays quiet).

No library is imported to recognize its data: the type's module name decides, so
a user who never passes a tf.data dataset never imports TensorFlow. Tensors become
numpy arrays without a copy where the library allows it (`np.asarray` on a CPU tf
tensor, `Tensor.numpy()` on a CPU torch tensor; Grain yields numpy already).
"""

import warnings

import numpy as np

from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.trainers.data_adapters import (
    IterableData,
    _convert_framework,
    _unpack,
    num_samples,
    weigh_classes,
)

_INFINITE = -1
# Grain gives an infinite MapDataset the length `sys.maxsize` (divided by the
# batch size once batched); no real data set has this many batches.
_GRAIN_INFINITE_LENGTH = 1 << 40

_NAMES = {
    "tf": "tf.data.Dataset",
    "grain": "Grain dataset",
    "torch": "torch DataLoader",
}


def library_of(x):
    """`"tf"`, `"grain"`, `"torch"` or None, from the module names of `x`'s type.

    Nothing is imported: a type is recognized by where its class (or a base)
    was defined, so this costs nothing for numpy arrays and generators.
    """
    for cls in type(x).__mro__:
        module = getattr(cls, "__module__", None) or ""
        name = cls.__name__
        if name in ("DatasetV1", "DatasetV2") and module.startswith("tensorflow."):
            return "tf"
        if name == "DataLoader" and module.startswith("torch.utils.data"):
            return "torch"
        if name in ("MapDataset", "IterDataset", "DataLoader") and (
            module == "grain" or module.startswith("grain.")
        ):
            return "grain"
    return None


def _num_batches(source, library):
    """The batches in one pass: an int, `_INFINITE`, or None where unknown."""
    if library == "tf":
        cardinality = int(source.cardinality())
        if cardinality == -1:  # tf.data.INFINITE_CARDINALITY
            return _INFINITE
        return None if cardinality < 0 else cardinality  # -2: UNKNOWN_CARDINALITY
    if library == "grain":
        # A MapDataset knows its length; an IterDataset and a DataLoader do not.
        if type(source).__name__ == "DataLoader" or not hasattr(source, "__len__"):
            return None
        length = len(source)
        return _INFINITE if length >= _GRAIN_INFINITE_LENGTH else length
    try:  # torch: map-style datasets have a length, iterable-style ones may not
        return len(source)
    except TypeError:
        return None


def _to_numpy_tf(value):
    if value is None or isinstance(value, np.ndarray):
        return value
    kind = type(value).__name__
    if kind in ("SparseTensor", "RaggedTensor"):
        raise TypeError(
            f"The tf.data.Dataset yielded a {kind}; kerasish takes dense batches. "
            "Densify it in the pipeline, e.g. `ds.map(lambda x, y: "
            "(tf.sparse.to_dense(x), y))` or `x.to_tensor()` for a RaggedTensor."
        )
    # `np.asarray` reads a CPU tensor's buffer in place; `.numpy()` would copy it.
    return np.asarray(value)


def _to_numpy_torch(value):
    if value is None or isinstance(value, np.ndarray):
        return value
    if not (hasattr(value, "detach") and hasattr(value, "cpu")):
        return _convert_framework(value)
    tensor = value.detach()
    if tensor.device.type != "cpu":
        tensor = tensor.cpu()
    if str(tensor.dtype) == "torch.bfloat16":  # numpy has no bfloat16: same bits
        import ml_dtypes
        import torch

        return tensor.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return tensor.numpy()  # shares the tensor's memory


def _to_numpy_other(value):
    if value is None or isinstance(value, np.ndarray) or get_engine().is_tensor(value):
        return value
    return _convert_framework(value)


_CONVERTERS = {"tf": _to_numpy_tf, "torch": _to_numpy_torch, "grain": _to_numpy_other}


class LibraryData(IterableData):
    """Batches from a tf.data dataset, a Grain dataset or loader, a torch loader."""

    kind = "iterable"

    def __init__(self, source, library, steps=None, what="x", class_weight=None):
        self.source = source
        self.library = library
        self.what = what
        self.is_dataset = False
        self.is_generator = False
        self.class_weight = class_weight
        self.num_batches = _num_batches(source, library)
        name = _NAMES[library]
        if steps is None and self.num_batches == _INFINITE:
            raise ValueError(
                f"`{what}` is an infinite {name} (it repeats forever), so an epoch "
                "would never end: pass the number of batches per epoch as "
                "`steps_per_epoch=` to fit (`steps=` to evaluate and predict, "
                "`validation_steps=` for validation data), or make the dataset "
                "finite (no `.repeat()`)."
            )
        if steps is None and self.num_batches == 0:
            raise ValueError(
                f"The {name} passed as `{what}` is empty (0 batches): expected at "
                "least one batch. Check its source and its batch size "
                "(`drop_remainder=True` drops a dataset smaller than one batch)."
            )
        # With `steps` given, consecutive epochs share one iterator (Keras).
        self._resume = steps is not None
        self.steps = steps if steps is not None else self._pass_length()
        self.batch_size = None
        self._iterator = None  # the live iterator over `source`
        self._taken = 0  # batches read from the live iterator
        self._pending = None  # a raw batch read ahead by `first_batch`

    def restart(self):
        """The next epoch starts a new pass over the data."""
        self._iterator, self._pending, self._taken = None, None, 0

    def _pass_length(self):
        return None if self.num_batches in (None, _INFINITE) else self.num_batches

    def _next_raw(self):
        """The next raw element; StopIteration at the end of the current pass."""
        if self._iterator is None:
            self._iterator = iter(self.source)
            self._taken = 0
        length = self._pass_length()
        if length is not None and self._taken >= length:
            raise StopIteration
        item = next(self._iterator)
        self._taken += 1
        return item

    def _read_ahead(self):
        if self._pending is not None:
            return
        try:
            self._pending = self._next_raw()
            return
        except StopIteration:
            if self._taken == 0:
                self._empty()
        # The previous pass ended exactly at an epoch boundary: start a new one.
        self._iterator = None
        try:
            self._pending = self._next_raw()
        except StopIteration:
            self._empty()

    def _empty(self):
        raise ValueError(
            f"The {_NAMES[self.library]} passed as `{self.what}` yielded no "
            "batches: expected at least one (x, y) batch, received an empty "
            f"{type(self.source).__name__}."
        )

    def _batch(self, raw):
        if isinstance(raw, list):  # torch's default_collate turns tuples into lists
            raw = tuple(raw)
        raw = tree.map_structure(_CONVERTERS[self.library], raw)
        x, y, sw = _unpack(raw, f"The {_NAMES[self.library]} passed as `{self.what}`")
        source = f"a {_NAMES[self.library]}"
        return x, y, weigh_classes(y, sw, self.class_weight, source)

    def first_batch(self):
        self._read_ahead()
        x, y, sw = self._batch(self._pending)
        self.batch_size = num_samples(x, "x")
        if self.batch_size == 0:
            raise ValueError(
                f"The {_NAMES[self.library]} passed as `{self.what}` yielded a "
                "batch with 0 samples: expected batches of at least one sample."
            )
        return x, y, sw

    def epoch(self, pad=True):
        """Yields host batches `(x, y, sw, mask)` for one epoch (see `IterableData`)."""
        self.first_batch()
        count, ran_out = 0, False
        while self.steps is None or count < self.steps:
            if self._pending is not None:
                raw, self._pending = self._pending, None
            else:
                try:
                    raw = self._next_raw()
                except StopIteration:
                    ran_out = True
                    break
            x, y, sw = self._batch(raw)
            yield self._pad(x, y, sw, pad)
            count += 1
        length = self._pass_length()
        pass_done = ran_out or (length is not None and self._taken >= length)
        if pass_done or not self._resume:
            self._iterator = None  # the next epoch starts a new pass
        if ran_out and self._resume:
            warnings.warn(
                f"Your input ran out of data after {count} of {self.steps} steps of "
                f"this epoch; the next epoch starts a new pass over the "
                f"{_NAMES[self.library]}. To run {self.steps} steps every epoch, "
                "make the dataset repeat (e.g. `.repeat()`), or pass fewer steps.",
                stacklevel=3,
            )


def make_library_data(x, library, y, sample_weight, class_weight, steps, what):
    """The adapter for library data `x`, after the checks Keras makes."""
    name = _NAMES[library]
    if y is not None:
        raise ValueError(
            f"`y` must not be given when `{what}` is a {name} "
            f"({type(x).__name__}): the targets belong in the data, which should "
            "yield (x, y) batches; received `y` of type "
            f"{type(y).__name__}."
        )
    if sample_weight is not None:
        raise ValueError(
            f"`sample_weight` must not be given when `{what}` is a {name}: the "
            "data should yield (x, y, sample_weight) batches instead; received "
            f"`sample_weight` of type {type(sample_weight).__name__}."
        )
    if class_weight is not None and library != "tf":
        raise ValueError(
            f"`class_weight` is not supported with a {name} (nor in Keras); "
            f"received class_weight={class_weight!r}. Yield (x, y, sample_weight) "
            "batches with the class weights looked up per sample instead."
        )
    return LibraryData(x, library, steps=steps, what=what, class_weight=class_weight)
