"""`Dataset`: what kerasish's dataset utilities return in place of tf.data.

Keras returns `tf.data.Dataset`s from `image_dataset_from_directory`,
`text_dataset_from_directory`, `timeseries_dataset_from_array` and
`split_dataset`; kerasish returns a `Dataset`: a lazy pipeline of numpy elements
with tf.data's methods (`map`, `batch`, `shuffle`, `take`, `cache`,
`prefetch`, ...) and their semantics. `fit`, `evaluate` and `predict` read it as
an iterable of batches, one pass per epoch, in the order it yields them.
"""

import collections
import itertools

import numpy as np

from kerasish.common import tree

# tf.data's constants.
AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def _index(structure, i):
    return tree.map_structure(lambda a: a[i], structure)


def _stack_leaf(values):
    if isinstance(values[0], bytes | str):
        # Strings stay Python objects (dtype object), as tf.string batches convert.
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.stack([np.asarray(v) for v in values])


def _stack(elements):
    leaves = [tree.flatten(e) for e in elements]
    stacked = [_stack_leaf(list(values)) for values in zip(*leaves)]
    return tree.pack_sequence_as(elements[0], stacked)


def _apply(fn, element):
    # tf.data unpacks tuple elements into positional arguments.
    return fn(*element) if isinstance(element, tuple) else fn(element)


def _to_numpy(leaf):
    """A leaf as `as_numpy_iterator` yields it: arrays, numpy scalars, bytes."""
    if isinstance(leaf, bytes):
        return leaf
    if isinstance(leaf, str):
        return leaf.encode("utf-8")
    array = np.asarray(leaf)
    return array[()] if array.ndim == 0 else array


def _check_int(value, what, method):
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"Dataset.{method}: `{what}` must be an int, received {value!r} of "
            f"type {type(value).__name__}."
        )
    return int(value)


def _buffer_shuffle(source, buffer_size, rng):
    """tf.data's shuffle: fill a buffer of `buffer_size` elements (all of them
    when `None`), then yield a uniformly drawn one and put the next element from
    `source` in its slot; at the end, drain the buffer in random order."""
    buffer = list(itertools.islice(source, buffer_size))
    size = len(buffer)
    for element in source:
        i = int(rng.random() * size)
        yield buffer[i]
        buffer[i] = element
    while buffer:
        i = int(rng.random() * len(buffer))
        buffer[i], buffer[-1] = buffer[-1], buffer[i]
        yield buffer.pop()


def _derive(elements, cardinality, batch_size=None):
    """A dataset whose passes are `elements()`: a `Dataset` (with `len`) when
    the number of elements is known, else an `_UnsizedDataset`."""
    cls = Dataset if cardinality >= 0 else _UnsizedDataset
    dataset = cls.__new__(cls)
    dataset._init_pipeline(elements, cardinality, batch_size)
    return dataset


class HostBatch(np.ndarray):
    """A numpy array that also answers `.numpy()`, as the `tf.Tensor`s of a
    Keras dataset do (`text_batch.numpy()[i]` in keras.io's guides)."""

    def numpy(self):
        return np.asarray(self)


def _as_batch(leaf):
    return leaf.view(HostBatch) if type(leaf) is np.ndarray else leaf


class _Pipeline:
    """tf.data's transformations over a lazy sequence of elements.

    Iterating starts a pass: `elements()` (an iterator) runs the upstream
    steps as elements are asked for. Every method returns a new dataset and
    reads nothing until it is iterated. The cardinality is the number of
    elements, `INFINITE_CARDINALITY` (-1) or `UNKNOWN_CARDINALITY` (-2), by
    tf.data's rules.
    """

    def _init_pipeline(self, elements, cardinality, batch_size=None):
        self._elements = elements
        self._cardinality = int(cardinality)
        # The batch size where the last step batched (tf.data's `_batch_size`,
        # which `split_dataset` reads to split samples rather than batches).
        self._batch_size = batch_size

    def __iter__(self):
        for element in self._elements():
            yield tree.map_structure(_as_batch, element)

    def __repr__(self):
        return f"<{type(self).__name__} cardinality={self._cardinality}>"

    def cardinality(self):
        """The number of elements, or -1 (infinite) or -2 (unknown): an int64."""
        return np.int64(self._cardinality)

    def as_numpy_iterator(self):
        """Iterates the elements as numpy arrays, numpy scalars and `bytes`."""
        for element in self:
            yield tree.map_structure(_to_numpy, element)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element; a tuple element is passed as
        positional arguments and a returned list becomes a tuple, as in tf.data.
        `num_parallel_calls` and `deterministic` are accepted: elements are
        mapped in order, in the calling thread."""

        def elements():
            for element in self:
                out = _apply(map_func, element)
                yield tuple(out) if isinstance(out, list) else out

        return _derive(elements, self._cardinality)

    def filter(self, predicate, name=None):
        """Keeps the elements for which `predicate` returns a scalar `True`."""

        def elements():
            for element in self:
                keep = np.asarray(_apply(predicate, element))
                if keep.dtype != bool or keep.ndim != 0:
                    raise ValueError(
                        "Dataset.filter: `predicate` must return a scalar bool, "
                        f"received a value of dtype {keep.dtype} and shape "
                        f"{keep.shape}. Compare it to something, e.g. `x > 0`."
                    )
                if keep:
                    yield element

        return _derive(elements, UNKNOWN_CARDINALITY)

    def batch(
        self,
        batch_size,
        drop_remainder=False,
        num_parallel_calls=None,
        deterministic=None,
        name=None,
    ):
        """Stacks `batch_size` consecutive elements into one (the last may be
        smaller, unless `drop_remainder`)."""
        batch_size = _check_int(batch_size, "batch_size", "batch")
        if batch_size <= 0:
            raise ValueError(
                f"Dataset.batch: `batch_size` must be positive, received {batch_size}."
            )
        n = self._cardinality
        if n < 0:
            cardinality = n
        elif drop_remainder:
            cardinality = n // batch_size
        else:
            cardinality = -(-n // batch_size)

        def elements():
            source = iter(self)
            while True:
                group = list(itertools.islice(source, batch_size))
                if not group or (drop_remainder and len(group) < batch_size):
                    return
                yield _stack(group)

        return _derive(elements, cardinality, batch_size)

    def unbatch(self, name=None):
        """Splits each element along its first axis into single elements."""

        def elements():
            for element in self:
                leaves = [np.asarray(leaf) for leaf in tree.flatten(element)]
                if any(leaf.ndim == 0 for leaf in leaves):
                    raise ValueError(
                        "Dataset.unbatch: cannot unbatch an element with scalar "
                        "components; every array needs a leading batch axis."
                    )
                sizes = sorted({len(leaf) for leaf in leaves})
                if len(sizes) > 1:
                    raise ValueError(
                        "Dataset.unbatch: the arrays of an element must have the "
                        f"same first axis; received sizes {sizes}."
                    )
                for i in range(sizes[0]):
                    yield tree.pack_sequence_as(element, [a[i] for a in leaves])

        infinite = self._cardinality == INFINITE_CARDINALITY
        return _derive(elements, self._cardinality if infinite else UNKNOWN_CARDINALITY)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """Batches again with `batch_size`: `unbatch()`, then `batch(...)`."""
        rebatched = self.unbatch().batch(batch_size, drop_remainder)
        return _derive(rebatched._elements, UNKNOWN_CARDINALITY, batch_size)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Shuffles with a buffer of `buffer_size` elements (-2, tf.data's
        `UNKNOWN_CARDINALITY`: all of them), as tf.data does; each pass draws a
        new order unless `reshuffle_each_iteration=False`. Without `seed`, the
        seed comes from numpy's global generator (`utils.set_random_seed`)."""
        buffer_size = _check_int(buffer_size, "buffer_size", "shuffle")
        if buffer_size <= 0 and buffer_size != UNKNOWN_CARDINALITY:
            raise ValueError(
                "Dataset.shuffle: `buffer_size` must be greater than zero (or -2 to "
                f"buffer the whole dataset), received {buffer_size}."
            )
        buffer = None if buffer_size == UNKNOWN_CARDINALITY else buffer_size
        if seed is None:
            seed = np.random.randint(2**31)
        entropy = int(seed) % 2**64
        reshuffle = reshuffle_each_iteration is None or reshuffle_each_iteration
        passes = itertools.count()

        def elements():
            rng = np.random.default_rng([entropy, next(passes) if reshuffle else 0])
            return _buffer_shuffle(iter(self), buffer, rng)

        return _derive(elements, self._cardinality)

    def repeat(self, count=None, name=None):
        """Repeats the dataset `count` times (forever for `None` or -1); each
        repetition is a new pass (a shuffle upstream draws a new order)."""
        count = -1 if count is None else _check_int(count, "count", "repeat")
        n = self._cardinality
        if count < 0:
            cardinality = 0 if n == 0 else INFINITE_CARDINALITY
        elif count == 0 or n < 0:
            cardinality = n if count else 0
        else:
            cardinality = n * count

        def elements():
            done = 0
            while count < 0 or done < count:
                empty = True
                for element in self:
                    empty = False
                    yield element
                if empty:
                    return  # repeating nothing forever yields nothing
                done += 1

        return _derive(elements, cardinality)

    def take(self, count, name=None):
        """The first `count` elements (all of them for -1)."""
        count = _check_int(count, "count", "take")
        n = self._cardinality
        if count < 0 or n == UNKNOWN_CARDINALITY:
            cardinality = n
        elif n == INFINITE_CARDINALITY:
            cardinality = count
        else:
            cardinality = min(n, count)
        stop = None if count < 0 else count
        return _derive(lambda: itertools.islice(iter(self), stop), cardinality)

    def skip(self, count, name=None):
        """All but the first `count` elements (none for -1)."""
        count = _check_int(count, "count", "skip")
        n = self._cardinality
        if n < 0:
            cardinality = n
        else:
            cardinality = 0 if count < 0 else max(n - count, 0)

        def elements():
            source = iter(self)
            skipped = source if count < 0 else itertools.islice(source, count)
            collections.deque(skipped, maxlen=0)  # consume
            yield from source

        return _derive(elements, cardinality)

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then `dataset`'s."""
        if not isinstance(dataset, _Pipeline):
            raise TypeError(
                "Dataset.concatenate: `dataset` must be a kerasish Dataset, received "
                f"{type(dataset).__name__}."
            )
        sizes = (self._cardinality, dataset._cardinality)
        if INFINITE_CARDINALITY in sizes:
            cardinality = INFINITE_CARDINALITY
        elif UNKNOWN_CARDINALITY in sizes:
            cardinality = UNKNOWN_CARDINALITY
        else:
            cardinality = sum(sizes)
        return _derive(lambda: itertools.chain(self, dataset), cardinality)

    def enumerate(self, start=0, name=None):
        """Pairs each element with its position: `(np.int64(start + i), element)`."""
        start = _check_int(start, "start", "enumerate")

        def elements():
            for i, element in enumerate(self, start):
                yield np.int64(i), element

        return _derive(elements, self._cardinality)

    def cache(self, filename="", name=None):
        """Keeps the elements of the first complete pass (in memory, also when
        `filename` is given) and replays them on later passes; a pass stopped
        early caches nothing, as in tf.data."""
        cached = []

        def elements():
            if cached:
                yield from cached[0]
                return
            seen = []
            for element in self:
                seen.append(element)
                yield element
            cached.append(seen)

        return _derive(elements, self._cardinality)

    def prefetch(self, buffer_size, name=None):
        """The same elements: kerasish reads an element when it is asked for,
        so there is nothing to prefetch. `buffer_size` is an int >= 0, or -1
        (tf.data's `AUTOTUNE`)."""
        buffer_size = _check_int(buffer_size, "buffer_size", "prefetch")
        if buffer_size < AUTOTUNE:
            raise ValueError(
                "Dataset.prefetch: `buffer_size` must be >= 0, or -1 (AUTOTUNE); "
                f"received {buffer_size}."
            )
        return _derive(self._elements, self._cardinality)


class _UnsizedDataset(_Pipeline):
    """A dataset of unknown or infinite length (after `filter`, `unbatch`,
    `repeat()`, ...): it has no `len()`, so `fit` reads a pass to its end, as
    Keras reads such a tf.data dataset."""


class Dataset(_Pipeline):
    """Batches (or single elements) of numpy arrays loaded by index.

    `fit(dataset)` reads it batch by batch; `for batch in dataset` does too.
    With `shuffle`, the samples are shuffled as tf.data's
    `shuffle(shuffle_buffer_size, seed)` shuffles them before batching, with a
    new order for every pass (epoch).

    Args:
        num_samples: Number of samples.
        load: `load(indices) -> batch`, a structure of arrays whose leading
            axis has `len(indices)` entries.
        batch_size: Samples per batch, or `None` for single elements.
        shuffle: Shuffle the samples, anew at each pass.
        seed: Seed of those shuffles.
        shuffle_buffer_size: Shuffle buffer, in samples. Defaults to
            `8 * batch_size`, or 1024 without batches.

    Example:
    >>> ds = Dataset(5, lambda ids: np.asarray(ids) * 10, batch_size=2)
    >>> [b.tolist() for b in ds.skip(1)]
    [[20, 30], [40]]
    """

    def __init__(
        self,
        num_samples,
        load,
        batch_size=None,
        shuffle=False,
        seed=None,
        shuffle_buffer_size=None,
    ):
        num_samples = int(num_samples)
        ids = _derive(lambda: iter(range(num_samples)), num_samples)
        if shuffle:
            default = 1024 if batch_size is None else 8 * batch_size
            ids = ids.shuffle(shuffle_buffer_size or default, seed=seed)
        if batch_size is None:
            source = ids.map(lambda i: _index(load(np.asarray([i])), 0))
            self._init_pipeline(source._elements, num_samples)
            return
        # `ids.batch(batch_size).map(load)`, with the indices grouped directly.
        source = ids.batch(batch_size)

        def elements():
            order = iter(ids)
            while group := list(itertools.islice(order, batch_size)):
                yield load(np.asarray(group, dtype="int64"))

        self._init_pipeline(elements, source._cardinality, batch_size)

    def __len__(self):
        return self._cardinality
