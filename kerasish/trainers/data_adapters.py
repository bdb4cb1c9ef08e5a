"""Turning what a user passes to fit/evaluate/predict into fixed-shape batches.

Two kinds of source:

- `ArrayData`: numpy or jax arrays (or lists/dicts of them). They are put on the
  device once; each epoch is a padded index vector, the rows are put in that
  order on the device once per epoch, and the compiled step slices its batch. A
  last short batch is padded with repeated rows and a mask of 0, so it neither
  recompiles nor biases the loss or the metrics.
- `IterableData`: Python generators, `PyDataset`s and any iterable of batches
  (a list of tuples, ...). Each batch is padded on the host to the first batch's
  size, with its mask, and sent to the device.
- `library_data.LibraryData`: a tf.data dataset, a Grain dataset or loader, a torch
  DataLoader; an `IterableData` with Keras's rules for each (see that module).
"""

import functools
import math
import numbers
import random
import warnings

import numpy as np

from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.trainers import distributed


class PyDataset:
    """Keras's sequence of batches: implement `__len__` and `__getitem__`.

    `__getitem__(index)` returns `(x, y)` or `(x, y, sample_weight)` for one batch;
    `on_epoch_end()` is called after each epoch (to reshuffle, for example).

    Args:
        workers, use_multiprocessing, max_queue_size: Accepted for Keras
            compatibility; batches are read in the calling thread.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError("A PyDataset must implement __len__.")

    def __getitem__(self, index):
        raise NotImplementedError("A PyDataset must implement __getitem__.")

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


def _is_array(x):
    return (
        isinstance(x, np.ndarray)
        or get_engine().is_tensor(x)
        or (hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype"))
    )


def _is_array_structure(x):
    if x is None:
        return True
    if isinstance(x, dict):
        return all(_is_array_structure(v) for v in x.values())
    if isinstance(x, list | tuple):
        return bool(x) and all(
            _is_array(v)
            or (isinstance(v, list | tuple | dict) and _is_array_structure(v))
            for v in x
        )
    return _is_array(x)


def to_numpy_structure(x, what):
    """Converts arrays (and nested lists of numbers) to numpy, checking dtypes."""

    def convert(value):
        if value is None:
            return None
        if get_engine().is_tensor(value):
            return value
        array = np.asarray(value)
        if array.dtype == object or array.dtype.kind in "SU":
            if array.dtype.kind in "SUO":
                return array  # strings: only host-side layers may take them
        if array.dtype.kind not in "biufc":
            raise TypeError(
                f"`{what}` must be numeric, got an array of dtype {array.dtype}. "
                "Convert it with `np.asarray(..., dtype='float32')`."
            )
        return array

    return tree.map_structure(convert, x)


def num_samples(x, what):
    sizes = {
        int(np.shape(a)[0]) for a in tree.flatten(x) if a is not None and np.ndim(a) > 0
    }
    scalars = [a for a in tree.flatten(x) if a is not None and np.ndim(a) == 0]
    if scalars:
        raise ValueError(
            f"`{what}` must be arrays with a leading batch axis (shape (samples, "
            "...)), received a scalar."
        )
    if len(sizes) > 1:
        raise ValueError(
            f"All arrays in `{what}` must have the same number of samples; got "
            f"sizes {sorted(sizes)}."
        )
    return sizes.pop() if sizes else None


def weigh_classes(y, sample_weight, class_weight, source):
    """A batch's sample weights under `class_weight` (None: as given), from its
    labels `y`; `source` names the data in the error (a dataset yielding its
    own sample weights cannot take class weights, as in Keras)."""
    if class_weight is None or y is None:
        return sample_weight
    if sample_weight is not None:
        raise ValueError(
            f"`class_weight` cannot be combined with {source} that yields (x, y, "
            "sample_weight) batches (Keras refuses them too): `class_weight` and "
            "`sample_weight` were both given. Multiply the class weights into the "
            "dataset's sample weights instead."
        )
    return class_weights_to_sample_weights(y, class_weight)


def class_weights_to_sample_weights(y, class_weight):
    """Per-sample weights from `class_weight` (`{class: weight}`), from labels."""
    flat = tree.flatten(y)
    if len(flat) != 1:
        raise ValueError(
            "`class_weight` is only supported for models with a single output; "
            f"received targets for {len(flat)} outputs. Pass per-output "
            "`sample_weight` instead."
        )
    labels = np.asarray(flat[0])
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = np.argmax(labels, axis=1)
    elif labels.ndim == 2:
        labels = np.round(labels[:, 0])
    labels = labels.astype("int64").reshape(-1)
    known = set(int(k) for k in class_weight)
    # A class without an entry weighs 1.0, as in Keras.
    table = np.ones(max(known | set(labels.tolist())) + 1, dtype="float32")
    for k, v in class_weight.items():
        table[int(k)] = float(v)
    return table[labels]


class ArrayData:
    """In-memory arrays, kept on the device; batches are sliced there."""

    kind = "arrays"

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=32,
        shuffle=False,
        class_weight=None,
        steps=None,
    ):
        x = to_numpy_structure(x, "x")
        y = to_numpy_structure(y, "y")
        n = num_samples(x, "x")
        if y is not None:
            ny = num_samples(y, "y")
            if ny != n:
                raise ValueError(
                    f"`x` and `y` have different numbers of samples: x has {n}, y has "
                    f"{ny}. Pass the same number of inputs and labels."
                )
        if n == 0:
            raise ValueError(
                "The input data is empty (0 samples): `x` must hold at least one "
                f"sample, received shape {tuple(tree.flatten(x)[0].shape)}."
            )
        if class_weight is not None and y is not None:
            cw = class_weights_to_sample_weights(y, class_weight)
            sample_weight = (
                cw if sample_weight is None else np.asarray(sample_weight) * cw
            )
        if sample_weight is not None:
            sample_weight = tree.map_structure(
                lambda w: np.asarray(w, dtype="float32"), sample_weight
            )
            if num_samples(sample_weight, "sample_weight") != n:
                raise ValueError(
                    f"`sample_weight` has "
                    f"{num_samples(sample_weight, 'sample_weight')} "
                    f"entries but x has {n} samples."
                )
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = n
        self.batch_size = min(batch_size, n)
        self.shuffle = shuffle
        self.steps = math.ceil(n / self.batch_size)
        if steps is not None and steps > self.steps:
            # As Keras: an epoch ends where the arrays do (no empty steps, which
            # would still move an optimizer's moments).
            warnings.warn(
                f"Your input ran out of data: the arrays hold {self.steps} "
                f"batches of {self.batch_size}, fewer than the {steps} steps "
                f"asked for; each epoch runs {self.steps} steps. Make sure that "
                "your data can generate at least `steps_per_epoch` batches.",
                stacklevel=4,
            )
        elif steps is not None:
            self.steps = steps
        self.continues = False  # see `continue_across_epochs`
        self._steps_asked = self.steps
        self._position = (0, 0)  # (pass over the data, batch) of the next epoch
        self._device = None
        self._resident = {}  # (rows, start) -> the epoch's mask and start, placed
        self._host = None  # the arrays `place` put on the device, if numpy
        # Each row is read once (one evaluation, `train_on_batch`): streamed from
        # the host rather than placed whole on the device first.
        self.read_once = False

    def place(self, host_fn=None):
        """Puts the arrays on the device (once per fit), as they are.

        No host-side padded copy: the epoch's index vector is what gets padded
        (its padding points at row 0 and is masked out).
        """
        if self._device is None:
            x = self.x if host_fn is None else host_fn(self.x)
            arrays = (x, self.y, self.sample_weight)
            self._device = distributed.place_resident(arrays)
            leaves = tree.flatten(arrays)
            if all(a is None or isinstance(a, np.ndarray) for a in leaves):
                self._host = arrays
        return self._device

    def host_arrays(self):
        """The placed arrays as host numpy arrays, or None (jax arrays given)."""
        return self._host

    def resident_mask(self, mask, start):
        """`(mask, start)` on the device: the epoch's host mask (`epoch_indices`)
        and the row its first step starts at. The mask marks padding by
        position, whatever the order, so it is placed once per length."""
        key = (len(mask), start)
        if key not in self._resident:
            self._resident[key] = distributed.place_resident((mask, np.int32(start)))
        return self._resident[key]

    def resident_count(self, n):
        """The step count `n` on the device, placed once (`get_counted`)."""
        key = ("count", n)
        if key not in self._resident:
            self._resident[key] = distributed.place_resident(np.int32(n))
        return self._resident[key]

    def first_batch(self):
        bs = self.batch_size
        take = lambda a: None if a is None else np.asarray(a[:bs])  # noqa: E731
        return tree.map_structure(take, (self.x, self.y, self.sample_weight))

    def epoch_indices(self, shuffle=False):
        """(indices, mask) for one epoch, padded to `steps * batch_size`; with
        `shuffle`, in a new order drawn as Keras draws it (`pass_order`)."""
        if self.continues:
            return self._window
        n, total = self.num_samples, self.steps * self.batch_size
        if not shuffle:
            if total <= _SHARED_ORDER_ROWS:
                return _in_order(n, total)
            return _padded(np.arange(n), n, total)
        return _padded(self.pass_order(), n, total)

    def pass_order(self):
        """A shuffled pass's row order, from numpy's global generator as Keras's
        array adapter draws it (so `set_random_seed` gives Keras's order):
        `np.random.permutation(n)`, or with `shuffle="batch"` one permutation
        within each batch."""
        n, bs = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            return np.concatenate(
                [np.random.permutation(min(bs, n - s)) + s for s in range(0, n, bs)]
            )
        return np.random.permutation(n)

    def draw_first_batch_order(self):
        """Draws the order Keras's build takes its first batch in (from a pass
        of its own, then discarded): `fit` calls it where Keras's would."""
        if self.shuffle == "batch":
            np.random.permutation(min(self.batch_size, self.num_samples))
        elif self.shuffle:
            np.random.permutation(self.num_samples)

    def continue_across_epochs(self):
        """For fit's `steps_per_epoch` below the arrays' batches: each epoch
        goes on where the last one stopped, as Keras's epoch iterator does
        (`_next_window`)."""
        if self.steps < math.ceil(self.num_samples / self.batch_size):
            self.continues = True
            self._steps_asked = self.steps

    def begin_epoch(self):
        """Called by `fit` before each training epoch: for epochs that go on
        from each other, sets this epoch's rows (`epoch_indices`) and `steps`."""
        if self.continues:
            self._window = self._next_window()

    def skip_epochs(self, count):
        """Draws what `count` training epochs would draw, without running them:
        a run that BackupAndRestore resumes then shuffles its next epochs as
        the run it resumes would have (Keras starts the draws afresh)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(count):
                if self.continues:
                    self.begin_epoch()
                elif self.shuffle:
                    self.pass_order()

    def _next_window(self):
        """The next epoch's rows when epochs go on from each other: the batches
        from where the last epoch stopped, in the current pass's order (a new
        order per pass when shuffling). As in Keras, an epoch ends with its
        pass (fewer steps, with a warning), and the next starts a new pass.
        Sets `steps` to this epoch's step count."""
        bs, n = self.batch_size, self.num_samples
        full = math.ceil(n / bs)
        done_passes, start = self._position
        count = min(self._steps_asked, full - start)
        if start == 0:
            self._order = self.pass_order() if self.shuffle else np.arange(n)
        rows = self._order[start * bs : (start + count) * bs]
        self.steps = count
        start += count
        self._position = (done_passes + 1, 0) if start >= full else (done_passes, start)
        if count < self._steps_asked:
            warnings.warn(
                f"Your input ran out of data: this epoch ran {count} of the "
                f"{self._steps_asked} steps asked for (the arrays hold {full} "
                f"batches of {bs}); the next epoch starts a new pass over them. "
                "Use a `steps_per_epoch` that divides the number of batches.",
                stacklevel=4,
            )
        return _padded(rows, len(rows), count * bs)

    def split(self, fraction):
        """Keras's `validation_split`: the last `fraction` of samples, unshuffled."""
        cut = int(self.num_samples * (1.0 - fraction))
        if cut <= 0 or cut >= self.num_samples:
            raise ValueError(
                f"`validation_split={fraction}` leaves "
                f"{'no training' if cut <= 0 else 'no validation'} samples out of "
                f"{self.num_samples}."
            )
        head = lambda a: None if a is None else a[:cut]  # noqa: E731
        tail = lambda a: None if a is None else a[cut:]  # noqa: E731
        train = tree.map_structure(head, (self.x, self.y, self.sample_weight))
        val = tree.map_structure(tail, (self.x, self.y, self.sample_weight))
        return train, val


def _padded(order, n, total):
    if total <= n:
        return order[:total].astype("int32"), np.ones(total, dtype="float32")
    # Pad with index 0 and mask the padding out of the loss and the metrics.
    padded = np.concatenate([order, np.zeros(total - n, dtype=order.dtype)])
    mask = (np.arange(total) < n).astype("float32")
    return padded.astype("int32"), mask


# Up to this many rows the unshuffled order is shared (8 MB at most per size);
# above it, making it again costs nothing next to a pass over the data.
_SHARED_ORDER_ROWS = 1 << 20


@functools.lru_cache(maxsize=4)
def _in_order(n, total):
    """The unshuffled `(indices, mask)`, made once per size and shared read-only:
    every `evaluate` call asks (0.1 ms for 16,000 rows to make again)."""
    indices, mask = _padded(np.arange(n), n, total)
    indices.flags.writeable = mask.flags.writeable = False
    return indices, mask


def _unpack(batch, where):
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(
            f"{where} yielded a tuple of {len(batch)} elements; expected (x,), "
            "(x, y) or (x, y, sample_weight)."
        )
    return batch, None, None


def _convert_framework(x):
    """Accepts torch tensors (and anything with `.numpy()`) from iterables."""

    def convert(v):
        if v is None or isinstance(v, np.ndarray) or get_engine().is_tensor(v):
            return v
        if hasattr(v, "detach") and hasattr(v, "cpu"):
            return v.detach().cpu().numpy()
        if hasattr(v, "numpy") and not isinstance(v, numbers.Number):
            return np.asarray(v.numpy())
        return np.asarray(v)

    return tree.map_structure(convert, x)


class IterableData:
    """Batches from a generator, a PyDataset or any iterable of batches.

    A PyDataset is read as Keras reads it: `on_epoch_begin()`/`on_epoch_end()`
    around every epoch and around the batch drawn first (to build the model,
    from a pass of its own); with `shuffle`, each pass
    visits the batches in an order from Python's `random.shuffle`; with
    `steps_per_epoch` below its length, an epoch goes on from where the last
    one stopped. With `class_weight`, its batches get sample weights from
    their labels.
    """

    kind = "iterable"
    shuffle = False  # (library datasets, a subclass, never reorder batches)

    def __init__(self, source, steps=None, what="x", shuffle=False, class_weight=None):
        self.source = source
        self.is_dataset = isinstance(source, PyDataset)
        self.is_generator = hasattr(source, "__next__") and not hasattr(
            source, "__len__"
        )
        self._continues = steps is not None  # `steps_per_epoch` was given
        if steps is None and hasattr(source, "__len__"):
            steps = len(source)
        self.steps = steps
        self.shuffle = bool(shuffle) and self.is_dataset
        self.class_weight = class_weight
        self.batch_size = None
        self._peeked = None
        self._exhausted = False
        self.what = what
        self._pass_left = None  # PyDataset: the pass being read, batches left

    def _raw_iter(self):
        if self.is_dataset:
            return self._dataset_pass()
        if self.is_generator:
            return self.source
        return iter(self.source)

    def _dataset_pass(self):
        order = list(range(len(self.source)))
        if self.shuffle:
            random.shuffle(order)  # Python's generator, as Keras (seeded by it)
        for index in order:
            yield self.source[index]

    def first_batch(self):
        if self._peeked is None:
            if self.is_dataset:
                self._dataset_hook("on_epoch_begin")
            iterator = self._raw_iter()
            try:
                first = next(iterator)
            except StopIteration:
                raise ValueError(
                    f"The data passed as `{self.what}` yielded no batches: expected "
                    "at least one (x, y) batch, received an empty or exhausted "
                    f"{type(self.source).__name__}."
                ) from None
            if self.is_dataset:
                # Keras draws the model's first batch from a pass of its own.
                self._dataset_hook("on_epoch_end")
                iterator = None
            self._peeked = (first, iterator)
        x, y, sw = self._unpack(self._peeked[0])
        self.batch_size = num_samples(x, "x")
        if self.batch_size == 0:
            raise ValueError("The input data is empty (a batch with 0 samples).")
        return x, y, sw

    def _dataset_hook(self, name):
        hook = getattr(self.source, name, None)
        if callable(hook):
            hook()

    def _unpack(self, raw):
        x, y, sw = _unpack(_convert_framework(raw), f"`{self.what}`")
        return x, y, weigh_classes(y, sw, self.class_weight, f"`{self.what}`")

    def _items(self):
        """This epoch's raw batches: a PyDataset's pass (one left unfinished by
        `steps_per_epoch` goes on), or the generator after the peeked batch."""
        if not self.is_dataset:
            self.first_batch()
            first, iterator = self._peeked
            self._peeked = None
            return _chain_first(first, iterator)
        self.first_batch()  # the batch size; its pass is already closed
        self._dataset_hook("on_epoch_begin")
        if self._pass_left is None:
            self._pass_left = [self._dataset_pass(), len(self.source)]
        return self._pass_left[0]

    def epoch(self, pad=True):
        """Yields host batches `(x, y, sw, mask)` for one epoch.

        With `pad`, a short batch is padded to the first batch's size (its mask
        marks the padding); without, it keeps its true size.
        """
        count = 0
        for raw in self._items():
            x, y, sw = self._unpack(raw)
            yield self._pad(x, y, sw, pad)
            count += 1
            if self.is_dataset:
                self._pass_left[1] -= 1
            if self.steps is not None and count >= self.steps:
                break
        if self.is_dataset:
            if not self._continues or self._pass_left[1] <= 0:
                self._pass_left = None  # the next epoch starts a new pass
            self._dataset_hook("on_epoch_end")
        if self.is_generator and self.steps is not None and count < self.steps:
            self._exhausted = True
            warnings.warn(
                f"Your input ran out of data after {count} steps; expected "
                f"{self.steps}: training stops here. Use `steps_per_epoch` no "
                "larger than the generator's length, or a generator that loops.",
                stacklevel=3,
            )

    def _pad(self, x, y, sw, pad=True):
        n = num_samples(x, "x")
        bs = self.batch_size
        if n > bs:
            # The first batch was a short one (a shuffled pass's last batch, a
            # dataset shuffled after batching): as Keras, the larger batch
            # trains, and batches are padded to its size from here (the step
            # compiles once more).
            self.batch_size = bs = n
        if not pad:
            bs = n
        mask = np.zeros(bs, dtype="float32")
        mask[:n] = 1.0

        def pad(a):
            if a is None:
                return None
            a = np.asarray(a)
            if a.shape[0] == bs:
                return a
            extra = np.repeat(a[:1], bs - a.shape[0], axis=0)
            return np.concatenate([a, extra], axis=0)

        return tree.map_structure(pad, (x, y, sw)) + (mask,)


def _chain_first(first, iterator):
    yield first
    # Not `yield from`: stopping an epoch early closes this generator, and that
    # must not close the user's generator, which later epochs keep reading.
    for item in iterator:  # noqa: UP028
        yield item


def validation_source(x, y, sample_weight, steps):
    """`validation_data` as fit hands it to evaluate at each epoch's end.

    A library dataset (tf.data, Grain, torch) becomes one adapter for the whole
    fit (an infinite one without `validation_steps` fails here, before training
    starts); each validation starts from the dataset's first batch, as Keras's
    `evaluate` resets its cached iterator, also with `validation_steps`.
    """
    from kerasish.trainers import library_data

    if library_data.library_of(x) is None:
        return x, y, sample_weight
    data = make_data(x, y, sample_weight, steps=steps, what="validation_data")
    return data, None, None


def _is_numbers(value):
    """Whether `value` is a Python number or a (nested) list/tuple of them."""
    if isinstance(value, list | tuple):
        return bool(value) and all(map(_is_numbers, value))
    return isinstance(value, int | float)  # bool is an int


def make_data(
    x,
    y=None,
    sample_weight=None,
    batch_size=32,
    shuffle=False,
    class_weight=None,
    steps=None,
    what="x",
):
    """Picks the adapter for `x` and checks the arguments that go with it."""
    if x is None:
        raise ValueError("No data was passed: `x` is None.")
    if isinstance(x, IterableData) and getattr(x, "library", None):
        x.restart()  # built once by fit for `validation_data`, reused each epoch
        return x
    from kerasish.trainers import library_data

    library = library_data.library_of(x)
    if library is not None:
        return library_data.make_library_data(
            x, library, y, sample_weight, class_weight, steps, what
        )
    batches_list = isinstance(x, list) and any(isinstance(e, tuple) for e in x)
    if not batches_list and _is_array_structure(x) and not isinstance(x, PyDataset):
        return ArrayData(x, y, sample_weight, batch_size, shuffle, class_weight, steps)
    if isinstance(x, list | tuple) and x and all(map(_is_numbers, x)):
        raise ValueError(
            f"`{what}` is a nested Python {type(x).__name__} of numbers; convert it "
            f"to an array first: `np.asarray({what})`. (A list of arrays is read as "
            "one array per model input, as in Keras.)"
        )
    if y is not None:
        raise ValueError(
            f"`y` must not be given when `{what}` is a generator, a PyDataset or an "
            f"iterable ({type(x).__name__}); it should yield (x, y) batches itself."
        )
    if sample_weight is not None:
        raise ValueError(
            "`sample_weight` must not be given with a generator or PyDataset; yield "
            "(x, y, sample_weight) batches instead."
        )
    if isinstance(x, PyDataset):
        return IterableData(x, steps, what, shuffle, class_weight)
    if hasattr(x, "__iter__") or hasattr(x, "__next__"):
        if class_weight is not None:
            raise ValueError(
                "Argument `class_weight` is not supported for Python generator "
                f"inputs. Received: class_weight={class_weight}. Yield (x, y, "
                "sample_weight) batches instead, or use a PyDataset."
            )
        return IterableData(x, steps=steps, what=what)
    raise TypeError(
        f"Unrecognized data type for `{what}`: {type(x).__name__}. Pass numpy arrays "
        "(or lists/dicts of them), a generator, a kerasish.utils.PyDataset, or an "
        "iterable of batches."
    )
