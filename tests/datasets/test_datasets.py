"""Dataset loaders read tiny files in Keras's exact formats; compared with Keras."""

import gzip
import hashlib
import inspect
import io
import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from kerasish import datasets
from tests.helpers import keras3

_ALL = [
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]


@pytest.fixture
def home(tmp_path, monkeypatch):
    root = tmp_path / "kh"
    (root / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(root))
    return root


def _sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _place(home, monkeypatch, module, name, write, attr="_FILE_HASH"):
    """Writes a cache file and sets the module's expected hash to its digest."""
    path = home / "datasets" / name
    write(path)
    monkeypatch.setattr(module, attr, _sha(path))
    return path


def _keras_module(name, home, monkeypatch):
    """Keras's dataset module, reading the same cache, with the hash check off."""
    keras3()
    import importlib

    from keras.src.backend import config as kconfig
    from keras.src.utils import file_utils as kfu

    monkeypatch.setattr(kconfig, "_KERAS_DIR", str(home))
    mod = importlib.import_module(f"keras.src.datasets.{name}")

    def get_file(*args, **kwargs):
        kwargs["file_hash"] = None
        return kfu.get_file(*args, **kwargs)

    monkeypatch.setattr(mod, "get_file", get_file)
    return mod


@pytest.mark.compat
@pytest.mark.parametrize("name", _ALL)
def test_signatures_match_keras(name):
    keras3()
    import importlib

    ours = getattr(datasets, name)
    theirs = importlib.import_module(f"keras.src.datasets.{name}")
    for fn in ["load_data", "get_word_index", "get_label_names"]:
        if hasattr(theirs, fn):
            sig = inspect.signature(getattr(theirs, fn))
            assert inspect.signature(getattr(ours, fn)) == sig


def _write_mnist(path):
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 256, (6, 28, 28), dtype="uint8"),
        y_train=np.arange(6, dtype="uint8"),
        x_test=rng.integers(0, 256, (3, 28, 28), dtype="uint8"),
        y_test=np.arange(3, dtype="uint8"),
    )


@pytest.mark.compat
def test_mnist_matches_keras(home, monkeypatch):
    path = _place(home, monkeypatch, datasets.mnist, "mnist.npz", _write_mnist)
    ours = datasets.mnist.load_data()
    raw = np.load(path)
    np.testing.assert_array_equal(ours[0][0], raw["x_train"])
    np.testing.assert_array_equal(ours[1][1], raw["y_test"])
    theirs = _keras_module("mnist", home, monkeypatch).load_data()
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


def test_mnist_wrong_cached_hash_offline_is_clear(home, monkeypatch):
    _write_mnist(home / "datasets" / "mnist.npz")  # hash differs from the real one
    monkeypatch.setattr(datasets._common, "ORIGIN_FOLDER", "file:///nonexistent/")
    with pytest.raises(OSError, match="mnist.npz.*wrong hash"):
        datasets.mnist.load_data()


def _idx(path, arr, magic):
    header = magic.to_bytes(4, "big") + b"".join(
        d.to_bytes(4, "big") for d in arr.shape
    )
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype("uint8").tobytes())


@pytest.mark.compat
def test_fashion_mnist_idx_files_match_keras(home, monkeypatch):
    d = home / "datasets" / "fashion-mnist"
    d.mkdir()
    rng = np.random.default_rng(1)
    xtr = rng.integers(0, 256, (5, 28, 28))
    xte = rng.integers(0, 256, (2, 28, 28))
    ytr, yte = np.array([1, 2, 3, 4, 5]), np.array([9, 0])
    _idx(d / "train-labels-idx1-ubyte.gz", ytr, 2049)
    _idx(d / "train-images-idx3-ubyte.gz", xtr, 2051)
    _idx(d / "t10k-labels-idx1-ubyte.gz", yte, 2049)
    _idx(d / "t10k-images-idx3-ubyte.gz", xte, 2051)
    (x_train, y_train), (x_test, y_test) = datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, xtr)
    np.testing.assert_array_equal(y_test, yte)
    theirs = _keras_module("fashion_mnist", home, monkeypatch).load_data()
    np.testing.assert_array_equal(theirs[0][0], x_train)
    np.testing.assert_array_equal(theirs[1][1], y_test)


def _cifar_batch(n, label_key, seed):
    rng = np.random.default_rng(seed)
    d = {
        b"data": rng.integers(0, 256, (n, 3072), dtype="uint8"),
        label_key.encode(): [int(v) for v in rng.integers(0, 10, n)],
        b"batch_label": b"x",
    }
    return pickle.dumps(d, protocol=3)  # py2 files hold bytes: BINBYTES


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _compare(ours, theirs):
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            assert u.dtype == v.dtype and u.shape == v.shape
            np.testing.assert_array_equal(u, v)


def test_cifar10_pickles_match_numpy(home, monkeypatch):
    members = {
        f"cifar-10-batches-py/data_batch_{i}": _cifar_batch(4, "labels", i)
        for i in range(1, 6)
    }
    members["cifar-10-batches-py/test_batch"] = _cifar_batch(3, "labels", 9)
    _place(
        home,
        monkeypatch,
        datasets.cifar10,
        "cifar-10-batches-py-target_archive",
        lambda p: _tar(p, members),
    )
    # cifar10 in Keras assumes 10,000 samples per batch: compare with numpy.
    (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    first = pickle.loads(members["cifar-10-batches-py/data_batch_1"], encoding="bytes")
    expected = first[b"data"].reshape(4, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(x_train[:4], expected)
    np.testing.assert_array_equal(y_train[:4, 0], first[b"labels"])
    assert x_train.shape == (20, 32, 32, 3) and y_test.shape == (3, 1)


@pytest.mark.compat
@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_pickles_match_keras(home, monkeypatch, label_mode):
    def batch(n, seed):
        rng = np.random.default_rng(seed)
        return pickle.dumps(
            {
                b"data": rng.integers(0, 256, (n, 3072), dtype="uint8"),
                b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
                b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)],
            },
            protocol=3,
        )

    members = {
        "cifar-100-python/train": batch(5, 0),
        "cifar-100-python/test": batch(2, 1),
    }
    _place(
        home,
        monkeypatch,
        datasets.cifar100,
        "cifar-100-python-target_archive",
        lambda p: _tar(p, members),
    )
    ours = datasets.cifar100.load_data(label_mode)
    theirs = _keras_module("cifar100", home, monkeypatch).load_data(label_mode)
    _compare(ours, theirs)
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data("medium")


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar_refuses_hostile_pickle(home, monkeypatch):
    bad = pickle.dumps({b"data": _Evil(), b"fine_labels": []})
    members = {"cifar-100-python/train": bad, "cifar-100-python/test": bad}
    _place(
        home,
        monkeypatch,
        datasets.cifar100,
        "cifar-100-python-target_archive",
        lambda p: _tar(p, members),
    )
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load `posix.system"):
        datasets.cifar100.load_data()


def _seqs(rng, n, vocab=30):
    out = np.empty(n, dtype="object")
    # python ints, as in Keras's files (numpy scalars would need more globals)
    out[:] = [
        [int(w) for w in rng.integers(1, vocab, rng.integers(2, 12))] for _ in range(n)
    ]
    return out


_WORD_ARGS = [
    {},
    {"num_words": 10},
    {"num_words": 15, "skip_top": 5, "maxlen": 9, "seed": 7},
    {"start_char": None, "oov_char": None, "num_words": 12, "index_from": 0},
    {"start_char": None, "index_from": 2, "oov_char": 0, "skip_top": 3},
]


def _assert_same_lists(ours, theirs):
    for a, b in zip(ours, theirs):
        assert [list(map(int, s)) for s in a[0]] == [list(map(int, s)) for s in b[0]]
        np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.compat
@pytest.mark.parametrize("kwargs", _WORD_ARGS)
def test_imdb_index_processing_matches_keras(home, monkeypatch, kwargs):
    rng = np.random.default_rng(0)

    def write(p):
        np.savez(
            p,
            x_train=_seqs(rng, 12),
            y_train=rng.integers(0, 2, 12),
            x_test=_seqs(rng, 8),
            y_test=rng.integers(0, 2, 8),
        )

    _place(home, monkeypatch, datasets.imdb, "imdb.npz", write)
    ours = datasets.imdb.load_data(**kwargs)
    theirs = _keras_module("imdb", home, monkeypatch).load_data(**kwargs)
    _assert_same_lists(ours, theirs)


@pytest.mark.compat
@pytest.mark.parametrize("kwargs", _WORD_ARGS + [{"test_split": 0.5}])
def test_reuters_index_processing_matches_keras(home, monkeypatch, kwargs):
    rng = np.random.default_rng(3)
    write = lambda p: np.savez(p, x=_seqs(rng, 15), y=rng.integers(0, 46, 15))
    _place(home, monkeypatch, datasets.reuters, "reuters.npz", write)
    ours = datasets.reuters.load_data(**kwargs)
    theirs = _keras_module("reuters", home, monkeypatch).load_data(**kwargs)
    _assert_same_lists(ours, theirs)


def test_imdb_manual_reference(home, monkeypatch):
    def write(p):
        x = np.empty(2, dtype="object")
        x[:] = [[1, 2, 3], [4, 5]]
        np.savez(p, x_train=x, y_train=np.array([0, 1]), x_test=x, y_test=[1, 0])

    _place(home, monkeypatch, datasets.imdb, "imdb.npz", write)
    (x_train, _), _ = datasets.imdb.load_data(seed=0, num_words=7, skip_top=4)
    order = np.arange(2)
    np.random.RandomState(0).shuffle(order)
    raw = [[1, 2, 3], [4, 5]]
    expected = [[1] + [w + 3 if 4 <= w + 3 < 7 else 2 for w in raw[i]] for i in order]
    expected = [[w if 4 <= w < 7 else 2 for w in s] for s in expected]
    assert [list(s) for s in x_train] == expected
    with pytest.raises(ValueError, match="Increase maxlen"):
        datasets.imdb.load_data(maxlen=2)


def test_imdb_refuses_hostile_object_array(home, monkeypatch):
    def write(p):
        x = np.empty(1, dtype="object")
        x[0] = _Evil()
        np.savez(p, x_train=x, y_train=[0], x_test=x, y_test=[0])

    _place(home, monkeypatch, datasets.imdb, "imdb.npz", write)
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        datasets.imdb.load_data()


@pytest.mark.compat
@pytest.mark.parametrize("name", ["imdb", "reuters"])
def test_word_index_and_labels(home, monkeypatch, name):
    index = {"the": 1, "movie": 2, "great": 3}
    fname = f"{name}_word_index.json"
    mod = getattr(datasets, name)
    _place(
        home,
        monkeypatch,
        mod,
        fname,
        lambda p: p.write_text(json.dumps(index)),
        attr="_INDEX_HASH",
    )
    assert mod.get_word_index() == index
    theirs = _keras_module(name, home, monkeypatch)
    assert theirs.get_word_index() == index
    if name == "reuters":
        assert mod.get_label_names() == theirs.get_label_names()
        assert len(mod.get_label_names()) == 46


@pytest.mark.compat
@pytest.mark.parametrize("name", ["boston_housing", "california_housing"])
@pytest.mark.parametrize("split,seed", [(0.2, 113), (0.0, 1), (0.5, 3)])
def test_housing_split_matches_keras(home, monkeypatch, name, split, seed):
    rng = np.random.default_rng(5)
    n, f = (20, 13) if name == "boston_housing" else (700, 8)
    write = lambda p: np.savez(p, x=rng.normal(size=(n, f)), y=rng.normal(size=n))
    mod = getattr(datasets, name)
    _place(home, monkeypatch, mod, f"{name}.npz", write)
    ours = mod.load_data(test_split=split, seed=seed)
    theirs = _keras_module(name, home, monkeypatch).load_data(
        test_split=split, seed=seed
    )
    _compare(ours, theirs)
    if name == "california_housing":
        small = mod.load_data(version="small")
        assert len(small[0][0]) + len(small[1][0]) == 600
        with pytest.raises(ValueError, match="version"):
            mod.load_data(version="medium")
    with pytest.raises(ValueError, match="test_split"):
        mod.load_data(test_split=1.0)
