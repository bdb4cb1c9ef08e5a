"""Shared readers for the Keras datasets: restricted unpickling, npz, splits."""

import io
import pickle
import zipfile

import numpy as np

from kerasish.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# Only what numpy needs to rebuild arrays (object arrays of int lists included);
# lists, dicts, ints and bytes are pickle opcodes and need no lookup.
_ALLOWED_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }
)


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that only rebuilds numpy arrays and builtin containers."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a dataset file: only numpy "
            "arrays and builtin values are allowed. The file may be corrupted or "
            "malicious."
        )


def load_npy_member(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:
        # An object array (lists of word indices): read the header, then the
        # pickled payload with the restricted unpickler.
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {version}.") from None
        return RestrictedUnpickler(fp).load()


def load_npz(path):
    """Reads every array of an `.npz` file; object arrays via restricted pickle."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    buffer = io.BytesIO(raw.read())
                arrays[member[: -len(".npy")]] = load_npy_member(buffer)
    return arrays


def fetch(fname, origin, file_hash, **kwargs):
    return get_file(fname=fname, origin=origin, file_hash=file_hash, **kwargs)


def check_test_split(test_split):
    if not (0 <= test_split < 1):
        raise ValueError(
            f"Invalid `test_split` argument: {test_split}. "
            "It must be between 0 and 1 (exclusive of 1)."
        )


def shuffle_split(x, y, test_split, seed):
    """Keras's housing split: RandomState(seed) shuffle, then a head/tail cut."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    train = (np.array(x[:cut]), np.array(y[:cut]))
    return train, (np.array(x[cut:]), np.array(y[cut:]))


def remove_long_seq(maxlen, seq, label):
    """Keeps the sequences shorter than `maxlen` (and their labels)."""
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def index_words(xs, start_char, index_from):
    """imdb/reuters word-index processing, as Keras 3 does it."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]
    return xs


def clip_words(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def read_cifar_batch(fpath, label_key="labels"):
    """One CIFAR python batch: (data (n, 3, 32, 32) uint8, labels list)."""
    with open(fpath, "rb") as f:
        d = RestrictedUnpickler(f, encoding="bytes").load()
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    data = np.asarray(d["data"])
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]
