"""Directory datasets, timeseries windows and split_dataset: values and `fit`."""

import inspect
import os
import random
import wave

import numpy as np
import pytest

import kerasish as keras
from kerasish import utils
from kerasish.common import tree
from kerasish.utils import data_pipeline, dataset_utils
from tests.helpers import keras3

PIL = pytest.importorskip("PIL.Image")

_FUNCS = {
    "image_dataset_from_directory": "image_dataset_utils",
    "text_dataset_from_directory": "text_dataset_utils",
    "audio_dataset_from_directory": "audio_dataset_utils",
    "timeseries_dataset_from_array": "timeseries_dataset_utils",
    "split_dataset": "dataset_utils",
}


@pytest.mark.compat
@pytest.mark.parametrize("name", sorted(_FUNCS))
def test_signatures_match_keras(name):
    keras3()
    import importlib

    theirs = importlib.import_module(f"keras.src.utils.{_FUNCS[name]}")
    assert inspect.signature(getattr(utils, name)) == inspect.signature(
        getattr(theirs, name)
    )


def _images(root, counts=(3, 4, 5), size=(6, 5), mode="RGB", seed=0):
    rng = np.random.default_rng(seed)
    pixels = {}
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    for c, n in enumerate(counts):
        d = root / f"class_{c}"
        d.mkdir(parents=True)
        for i in range(n):
            arr = rng.integers(0, 256, (*size, channels), dtype="uint8")
            path = d / f"img_{i}.png"
            PIL.fromarray(arr[..., 0] if channels == 1 else arr, mode).save(path)
            pixels[str(path)] = arr.astype("float32")
    (root / "class_0" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return pixels


@pytest.mark.compat
@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 7)])
def test_index_directory_matches_keras(tmp_path, shuffle, seed):
    keras3()
    from keras.src.utils import dataset_utils as kdu

    _images(tmp_path, counts=(2, 3))
    (tmp_path / "class_1" / "sub").mkdir()
    (tmp_path / "class_1" / "sub" / "deep.png").write_bytes(b"")
    args = (str(tmp_path), "inferred", (".png",))
    ours = dataset_utils.index_directory(*args, shuffle=shuffle, seed=seed)
    theirs = kdu.index_directory(*args, shuffle=shuffle, seed=seed)
    assert ours[0] == theirs[0] and ours[2] == theirs[2]
    np.testing.assert_array_equal(ours[1], theirs[1])
    for subset in ["training", "validation"]:
        a = dataset_utils.get_training_or_validation_split(
            ours[0], ours[1], 0.4, subset
        )
        b = kdu.get_training_or_validation_split(theirs[0], theirs[1], 0.4, subset)
        assert a[0] == b[0]
        np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("label_mode", ["int", "categorical", "binary", None])
def test_image_dataset_values_and_labels(tmp_path, label_mode):
    counts = (3, 4) if label_mode == "binary" else (3, 4, 5)
    pixels = _images(tmp_path, counts=counts)
    ds = utils.image_dataset_from_directory(
        tmp_path, label_mode=label_mode, batch_size=4, image_size=(6, 5), seed=3
    )
    names = [f"class_{c}" for c in range(len(counts))]
    # As Keras: label_mode=None indexes without labels, so no class names.
    assert ds.class_names == (None if label_mode is None else names)
    assert len(ds.file_paths) == sum(counts) and len(ds) == -(-sum(counts) // 4)
    # Reference: each yielded image is one file's pixels (the order is shuffled),
    # and its label is that file's class.
    path_of = {pixels[p].tobytes(): p for p in ds.file_paths}
    batches = list(ds)
    xs = np.concatenate([b if label_mode is None else b[0] for b in batches])
    paths = [path_of[x.tobytes()] for x in xs]
    assert sorted(paths) == sorted(ds.file_paths)
    if label_mode is None:
        return
    ints = np.array([names.index(os.path.basename(os.path.dirname(p))) for p in paths])
    y = np.concatenate([b[1] for b in batches])
    expected = {
        "int": ints.astype("int32"),
        "categorical": np.eye(len(counts), dtype="float32")[ints],
        "binary": ints.astype("float32")[:, None],
    }[label_mode]
    assert y.dtype == expected.dtype
    np.testing.assert_array_equal(y, expected)


def test_image_dataset_resize_color_modes_and_split(tmp_path):
    _images(tmp_path, counts=(2, 3), size=(2, 3))
    ds = utils.image_dataset_from_directory(
        tmp_path,
        image_size=(4, 6),
        interpolation="nearest",
        color_mode="grayscale",
        shuffle=False,
        batch_size=None,
        verbose=False,
    )
    x, label = next(iter(ds))
    rgb = np.asarray(PIL.open(ds.file_paths[0]), dtype="int64")
    gray = _libpng_gray(rgb).astype("float32")
    # half-pixel nearest upsampling by 2: out[i, j] = in[i // 2, j // 2]
    np.testing.assert_array_equal(x[..., 0], gray.repeat(2, 0).repeat(2, 1))
    assert int(label) == 0
    train, val = utils.image_dataset_from_directory(
        tmp_path, validation_split=0.4, subset="both", seed=1, image_size=(2, 3)
    )
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    first = utils.image_dataset_from_directory(
        tmp_path, validation_split=0.4, subset="training", seed=1, image_size=(2, 3)
    )
    assert first.file_paths == train.file_paths


def _libpng_gray(rgb):
    """libpng's RGB -> gray with TF's weights (0.299, 0.587, 0.114 in 1/32768),
    truncating: what tf.io.decode_image(channels=1) gives for a color PNG."""
    return (9797 * rgb[..., 0] + 19234 * rgb[..., 1] + 3737 * rgb[..., 2]) >> 15


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L"])
def test_image_dataset_grayscale_uses_libpng_conversion(tmp_path, mode):
    rng = np.random.default_rng(3)
    (tmp_path / "a").mkdir()
    rgba = rng.integers(0, 256, (9, 7, 4), dtype="uint8")
    path = tmp_path / "a" / "img.png"
    img = PIL.fromarray(rgba if mode == "RGBA" else rgba[..., :3]).convert(mode)
    img.save(path)
    ds = utils.image_dataset_from_directory(
        tmp_path,
        color_mode="grayscale",
        image_size=(9, 7),
        label_mode=None,
        shuffle=False,
        verbose=False,
    )
    got = next(iter(ds))[0, ..., 0]
    if mode == "L":
        expected = np.asarray(img, dtype="int64")  # already gray: unchanged
    else:
        # A palette expands to its RGB colors first; alpha is dropped.
        expected = _libpng_gray(np.asarray(img.convert("RGB"), dtype="int64"))
    np.testing.assert_array_equal(got, expected)
    if mode != "L":  # Pillow's convert("L") rounds, and differs somewhere
        assert (got != np.asarray(img.convert("L"), dtype="float32")).any()
    tf = pytest.importorskip("tensorflow")
    decoded = tf.io.decode_image(path.read_bytes(), channels=1).numpy()[..., 0]
    np.testing.assert_array_equal(got, decoded)


def test_dataset_reshuffles_each_epoch_and_covers_all(tmp_path):
    _images(tmp_path, counts=(5, 5), size=(2, 2))
    ds = utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), seed=0)
    orders = []
    for _ in range(3):
        xs = np.concatenate([x for x, _ in ds])  # iterating ends an epoch
        orders.append(xs.reshape(len(xs), -1)[:, 0])
    assert sorted(orders[0]) == sorted(orders[1]) == sorted(orders[2])
    assert not np.array_equal(orders[0], orders[1])


def test_directory_errors(tmp_path):
    _images(tmp_path, counts=(1, 1, 1), size=(2, 2))
    with pytest.raises(ValueError, match="exactly 2"):
        utils.image_dataset_from_directory(tmp_path, label_mode="binary")
    with pytest.raises(ValueError, match="label_mode"):
        utils.image_dataset_from_directory(tmp_path, label_mode="sparse")
    with pytest.raises(ValueError, match="must provide a `seed`"):
        utils.image_dataset_from_directory(
            tmp_path, validation_split=0.5, subset="training"
        )
    with pytest.raises(ValueError, match="`subset` is set"):
        utils.image_dataset_from_directory(tmp_path, subset="training")
    with pytest.raises(ValueError, match="color_mode"):
        utils.image_dataset_from_directory(tmp_path, color_mode="cmyk")
    with pytest.raises(ValueError, match="image_size"):
        utils.image_dataset_from_directory(tmp_path, image_size=(1, 2, 3))
    with pytest.raises(ValueError, match="interpolation"):
        utils.image_dataset_from_directory(tmp_path, interpolation="cubic")
    with pytest.raises(ValueError, match="did not match"):
        utils.image_dataset_from_directory(tmp_path, class_names=["nope"])
    with pytest.raises(ValueError, match="lengths of `labels`"):
        utils.image_dataset_from_directory(tmp_path, labels=[0, 1])
    with pytest.raises(ValueError, match="No text files"):
        utils.text_dataset_from_directory(tmp_path / "class_1")
    with pytest.raises(ValueError, match="not a directory"):
        utils.text_dataset_from_directory(tmp_path / "missing")


def test_image_dataset_trains_with_fit(tmp_path):
    _images(tmp_path, counts=(4, 4), size=(4, 4))
    ds = utils.image_dataset_from_directory(
        tmp_path, image_size=(4, 4), batch_size=3, seed=0, verbose=False
    )
    model = _tiny_image_classifier()
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()


def _texts(root):
    texts = {
        "neg": ["bad awful", "terrible film", "worst"],
        "pos": ["good", "great fun"],
    }
    for label, items in texts.items():
        (root / label).mkdir()
        for i, t in enumerate(items):
            (root / label / f"{i}.txt").write_text(t)
    return texts


def test_text_dataset_contents_and_fit(tmp_path):
    texts = _texts(tmp_path)
    ds = utils.text_dataset_from_directory(
        tmp_path, batch_size=2, shuffle=False, max_length=5, verbose=False
    )
    assert ds.class_names == ["neg", "pos"]
    got = [(t, int(y)) for x, ys in ds for t, y in zip(x, ys)]
    expected = [
        (t.encode()[:5], c)  # bytes, as Keras's tf.string
        for c, k in enumerate(["neg", "pos"])
        for t in sorted(texts[k], key=lambda s: texts[k].index(s))
    ]
    assert got == expected
    full = utils.text_dataset_from_directory(tmp_path, batch_size=5, seed=1)
    vectorizer = keras.layers.TextVectorization(output_mode="multi_hot", max_tokens=20)
    vectorizer.adapt([t for k in texts.values() for t in k])
    train = full.map(lambda x, y: (vectorizer(x), y))
    width = vectorizer.vocabulary_size()
    model = keras.Sequential([keras.Input((width,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(train, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def _wav(path, samples, rate=8000):
    samples = np.asarray(samples, dtype="<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1] if samples.ndim == 2 else 1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.tobytes())


def test_audio_dataset_decodes_pads_and_fits(tmp_path):
    rng = np.random.default_rng(0)
    clips = {}
    for c, lengths in enumerate([(5, 9), (7,)]):
        d = tmp_path / f"c{c}"
        d.mkdir()
        for i, n in enumerate(lengths):
            s = rng.integers(-32768, 32767, (n, 2))
            _wav(d / f"{i}.wav", s)
            clips[str(d / f"{i}.wav")] = s.astype("float32") / 32768
    ds = utils.audio_dataset_from_directory(tmp_path, batch_size=3, shuffle=False)
    x, y = next(iter(ds))
    assert x.shape == (3, 9, 2) and x.dtype == np.float32
    order = sorted(clips)
    for row, path in zip(x, order):
        ref = np.zeros((9, 2), "float32")
        ref[: len(clips[path])] = clips[path]
        np.testing.assert_array_equal(row, ref)
    np.testing.assert_array_equal(y, [0, 0, 1])
    ragged = utils.audio_dataset_from_directory(
        tmp_path, batch_size=3, shuffle=False, ragged=True, verbose=False
    )
    clips_out, _ = next(iter(ragged))
    assert [len(c) for c in clips_out] == [len(clips[p]) for p in order]
    np.testing.assert_array_equal(clips_out[1], clips[order[1]])
    fixed = utils.audio_dataset_from_directory(
        tmp_path,
        batch_size=2,
        output_sequence_length=6,
        seed=0,
        label_mode="categorical",
    )
    model = keras.Sequential(
        [keras.Input((6, 2)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(fixed, epochs=1, verbose=0).history["loss"]).all()
    with pytest.raises(ValueError, match="does not resample"):
        next(iter(utils.audio_dataset_from_directory(tmp_path, sampling_rate=16000)))
    with pytest.raises(ValueError, match="Cannot set both"):
        utils.audio_dataset_from_directory(
            tmp_path, ragged=True, output_sequence_length=3
        )


def _windows(data, targets, length, stride, rate, start, end):
    start, end = start or 0, len(data) if end is None else end
    n = end - start - (length - 1) * rate
    if targets is not None:
        n = min(n, len(targets))
    xs, ys = [], []
    for p in range(0, n, stride):
        xs.append([data[start + p + k * rate] for k in range(length)])
        if targets is not None:
            ys.append(targets[start + p])
    return np.array(xs), np.array(ys)


@pytest.mark.parametrize(
    "length,stride,rate,start,end,batch",
    [(4, 1, 1, None, None, 5), (3, 2, 3, 2, 25, 4), (5, 3, 2, 1, None, None)],
)
def test_timeseries_matches_loop_reference(length, stride, rate, start, end, batch):
    data = np.arange(60).reshape(30, 2)
    targets = np.arange(30) * 10
    ds = utils.timeseries_dataset_from_array(
        data, targets, length, stride, rate, batch, start_index=start, end_index=end
    )
    xs, ys = _windows(data, targets, length, stride, rate, start, end)
    if batch is None:
        got = list(ds)
        np.testing.assert_array_equal(np.stack([g[0] for g in got]), xs)
        np.testing.assert_array_equal(np.stack([g[1] for g in got]), ys)
    else:
        np.testing.assert_array_equal(np.concatenate([b[0] for b in ds]), xs)
        np.testing.assert_array_equal(np.concatenate([b[1] for b in ds]), ys)


def test_timeseries_shuffle_covers_every_window_and_fits():
    data = np.arange(40, dtype="float32")[:, None]
    ds = utils.timeseries_dataset_from_array(
        data, None, 3, batch_size=100, shuffle=True, seed=5
    )
    # Keras permutes the windows with RandomState(seed), then tf.data shuffles
    # them again (a new order each epoch): every window, once per epoch.
    first, second = (np.concatenate(list(ds)) for _ in range(2))
    np.testing.assert_array_equal(np.sort(first[:, 0, 0]), np.arange(38))
    np.testing.assert_array_equal(first[:, :, 0] - first[:, :1, 0], [[0, 1, 2]] * 38)
    assert not np.array_equal(first, second)
    fit_ds = utils.timeseries_dataset_from_array(
        data, data[:, 0], 3, batch_size=8, shuffle=True, seed=1
    )
    model = keras.Sequential(
        [keras.Input((3, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(fit_ds, epochs=2, verbose=0).history["loss"]).all()


def test_timeseries_errors():
    data = np.zeros(10)
    with pytest.raises(ValueError, match="start_index` must be 0 or greater"):
        utils.timeseries_dataset_from_array(data, None, 2, start_index=-1)
    with pytest.raises(ValueError, match="end_index` must be higher than `start_index"):
        utils.timeseries_dataset_from_array(data, None, 2, start_index=5, end_index=3)
    with pytest.raises(ValueError, match="end_index` must be lower"):
        utils.timeseries_dataset_from_array(data, None, 2, end_index=10)
    with pytest.raises(ValueError, match="sampling_rate` must be higher than 0"):
        utils.timeseries_dataset_from_array(data, None, 2, sampling_rate=0)
    with pytest.raises(ValueError, match="sequence_stride` must be lower"):
        utils.timeseries_dataset_from_array(data, None, 2, sequence_stride=10)


@pytest.mark.parametrize(
    "left,right,shuffle",
    [(0.8, None, False), (None, 3, True), (4, 0.3, True), (0.25, 0.5, False)],
)
def test_split_dataset_matches_reference(left, right, shuffle):
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 3
    lds, rds = utils.split_dataset((x, y), left, right, shuffle=shuffle, seed=11)
    samples = list(range(10))
    if shuffle:
        random.Random(11).shuffle(samples)  # Keras: random.seed(seed); shuffle
    n_left = {0.8: 8, None: 7, 4: 4, 0.25: 2}[left]
    n_right = {None: 10 - n_left, 3: 3, 0.3: 3, 0.5: 5}[right]
    got_left = [(tuple(a), int(b)) for a, b in lds]
    assert got_left == [(tuple(x[i]), int(y[i])) for i in samples[:n_left]]
    got_right = [int(b) for _, b in rds]
    assert got_right == [int(y[i]) for i in samples[-n_right:]]


@pytest.mark.compat
@pytest.mark.parametrize("left,right", [(0.8, None), (None, 3), (4, 0.3), (0.5, 0.5)])
def test_split_sizes_match_keras(left, right):
    keras3()
    from keras.src.utils.dataset_utils import _rescale_dataset_split_sizes

    expected = _rescale_dataset_split_sizes(left, right, 10)
    lds, rds = utils.split_dataset(np.arange(10), left, right)
    assert (len(lds), len(rds)) == expected


def test_split_batched_dataset_and_fit():
    x = np.random.default_rng(0).normal(size=(12, 3)).astype("float32")
    y = x.sum(1)
    ds = utils.split_dataset((x, y), left_size=0.5)[0].batch(4)
    left, right = utils.split_dataset(ds, left_size=4)
    assert len(left) == 1 and len(right) == 1  # split by samples, batched again
    np.testing.assert_array_equal(next(iter(left))[0], x[:4])
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(ds, epochs=1, verbose=0).history["loss"]).all()
    with pytest.raises(ValueError, match="At least one"):
        utils.split_dataset(x)
    with pytest.raises(TypeError, match="Invalid `left_size` Type"):
        utils.split_dataset(x, left_size="half")
    with pytest.raises(ValueError, match="left_size` should be"):
        utils.split_dataset(x, left_size=1.5)
    with pytest.raises(ValueError, match="greater than 1"):
        utils.split_dataset(x, left_size=0.7, right_size=0.6)
    with pytest.raises(ValueError, match="same length"):
        utils.split_dataset((x, y[:3]), left_size=0.5)
    nested = next(iter(ds.take(1).repeat(2).batch(2)))[0]  # batches of batches
    np.testing.assert_array_equal(nested, np.stack([x[:4], x[:4]]))
    with pytest.raises(TypeError, match="must be a kerasish Dataset"):
        utils.split_dataset(object(), left_size=0.5)


def test_dataset_map_then_batch():
    x = np.arange(10, dtype="float32")
    ds = utils.split_dataset(x, left_size=7)[0]  # unbatched: single elements
    assert len(ds) == 7 and [float(v) for v in ds] == list(range(7))
    doubled = ds.map(lambda v: v * 2).batch(3)  # element map, then batch
    batches = list(doubled)
    np.testing.assert_array_equal(np.concatenate(batches), x[:7] * 2)
    assert [len(b) for b in batches] == [3, 3, 1]
    pairs = list(doubled.map(lambda b: (b, b + 1)))  # batch map
    np.testing.assert_array_equal(pairs[2][1], x[6:7] * 2 + 1)
    with pytest.raises(ValueError, match="must be positive"):
        ds.batch(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    data = utils.split_dataset((x[:, None], x), left_size=8)[0].batch(4)
    model.fit(data, epochs=1, verbose=0)
    w, b = model.layers[-1].get_weights()
    np.testing.assert_allclose(
        model.evaluate(data, verbose=0),
        np.mean((x[:8] * w[0, 0] + b[0] - x[:8]) ** 2),
        rtol=1e-4,
    )


def test_image_dataset_pad_to_aspect_ratio_like_resize_with_pad(tmp_path):
    (tmp_path / "a").mkdir()
    wide = np.arange(2 * 4 * 3, dtype="uint8").reshape(2, 4, 3) + 1
    PIL.fromarray(wide).save(tmp_path / "a" / "wide.png")
    flat = np.full((4, 8, 3), 200, dtype="uint8")
    PIL.fromarray(flat).save(tmp_path / "a" / "zflat.png")
    ds = utils.image_dataset_from_directory(
        tmp_path,
        image_size=(4, 4),
        pad_to_aspect_ratio=True,
        shuffle=False,
        label_mode=None,
        verbose=False,
    )
    x = next(iter(ds))
    # 2x4 fits 4x4 as is: one zero row above and below
    expected = np.zeros((4, 4, 3), "float32")
    expected[1:3] = wide
    np.testing.assert_array_equal(x[0], expected)
    # 4x8 shrinks to 2x4 (constant stays constant), then the same padding
    expected = np.zeros((4, 4, 3), "float32")
    expected[1:3] = 200
    np.testing.assert_allclose(x[1], expected, atol=1e-3)


# --- Dataset: tf.data's methods ---------------------------------------------------

_X = np.arange(20, dtype="float32").reshape(10, 2)
_Y = np.arange(10, dtype="int64")


def _samples():
    return [(_X[i], _Y[i]) for i in range(10)]


def _stacked(elements, size, drop=False):
    groups = [elements[i : i + size] for i in range(0, len(elements), size)]
    groups = [g for g in groups if len(g) == size or not drop]
    return [tuple(np.stack(column) for column in zip(*g)) for g in groups]


def _ours():
    load = lambda ids: (_X[ids], _Y[ids])  # noqa: E731
    return data_pipeline.Dataset(10, load)


# name: (pipeline, expected elements from the list of samples, cardinality)
_PIPELINES = {
    "take": (lambda d: d.take(3), lambda s: s[:3], 3),
    "take_all": (lambda d: d.take(-1), lambda s: s, 10),
    "take_more": (lambda d: d.take(20), lambda s: s, 10),
    "skip": (lambda d: d.skip(4), lambda s: s[4:], 6),
    "skip_all": (lambda d: d.skip(-1), lambda s: [], 0),
    "batch": (lambda d: d.batch(3), lambda s: _stacked(s, 3), 4),
    "batch_drop": (
        lambda d: d.batch(3, drop_remainder=True),
        lambda s: _stacked(s, 3, drop=True),
        3,
    ),
    "unbatch": (lambda d: d.batch(3).unbatch(), lambda s: s, -2),
    "rebatch": (lambda d: d.batch(3).rebatch(4), lambda s: _stacked(s, 4), -2),
    "rebatch_drop": (
        lambda d: d.batch(3).rebatch(4, drop_remainder=True),
        lambda s: _stacked(s, 4, drop=True),
        -2,
    ),
    "map": (
        lambda d: d.map(lambda x, y: (x * 2, y + 1), num_parallel_calls=-1),
        lambda s: [(x * 2, y + 1) for x, y in s],
        10,
    ),
    "map_list": (
        lambda d: d.map(lambda x, y: [y, x]),
        lambda s: [(y, x) for x, y in s],
        10,
    ),
    "filter": (
        lambda d: d.filter(lambda x, y: y % 3 == 0),
        lambda s: [(x, y) for x, y in s if y % 3 == 0],
        -2,
    ),
    "repeat": (lambda d: d.repeat(2), lambda s: s + s, 20),
    "repeat_zero": (lambda d: d.repeat(0), lambda s: [], 0),
    "repeat_forever": (lambda d: d.repeat().take(25), lambda s: (s * 3)[:25], 25),
    "concatenate": (
        lambda d: d.take(2).concatenate(d.skip(7)),
        lambda s: s[:2] + s[7:],
        5,
    ),
    "enumerate": (
        lambda d: d.enumerate(start=5),
        lambda s: [(5 + i, e) for i, e in enumerate(s)],
        10,
    ),
    "cache": (lambda d: d.cache(), lambda s: s, 10),
    "prefetch": (lambda d: d.prefetch(-1).prefetch(2), lambda s: s, 10),
    "chain": (
        lambda d: (
            d.batch(4).map(lambda x, y: (x + 1, y)).unbatch().take(5).repeat(2).batch(3)
        ),
        lambda s: _stacked([(x + 1, y) for x, y in s[:5]] * 2, 3),
        -2,
    ),
}


def _assert_same_elements(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        structure = tree.map_structure(lambda _: None, a)
        assert structure == tree.map_structure(lambda _: None, b)
        for u, v in zip(tree.flatten(a), tree.flatten(b)):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("name", sorted(_PIPELINES))
def test_dataset_methods_match_lists_and_tf_data(name):
    pipeline, expected_fn, cardinality = _PIPELINES[name]
    ds = pipeline(_ours())
    expected = expected_fn(_samples())
    got = list(ds.as_numpy_iterator())
    _assert_same_elements(got, expected)
    _assert_same_elements(list(ds), expected)  # a second pass: the same
    assert ds.cardinality() == cardinality
    assert hasattr(ds, "__len__") == (cardinality >= 0)
    if cardinality >= 0:
        assert len(ds) == cardinality
    tf = pytest.importorskip("tensorflow")
    theirs = pipeline(tf.data.Dataset.from_tensor_slices((_X, _Y)))
    _assert_same_elements(got, list(theirs.as_numpy_iterator()))
    assert int(theirs.cardinality()) == cardinality


def test_dataset_repeat_forever_is_infinite_and_fit_needs_steps():
    forever = _ours().repeat()
    assert forever.cardinality() == data_pipeline.INFINITE_CARDINALITY
    assert forever.take(3).cardinality() == 3
    with pytest.raises(TypeError):
        len(forever)
    empty = _ours().take(0).repeat()  # repeating nothing ends at once
    assert list(empty) == [] and empty.cardinality() == 0
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(
        forever.batch(4).map(lambda x, y: (x, y.astype("float32"))),
        epochs=2,
        steps_per_epoch=3,
        verbose=0,
    )
    assert len(history.history["loss"]) == 2


def test_dataset_of_unknown_size_fits_to_its_end():
    """A filtered dataset has no len(); fit, evaluate and predict read it all."""
    ds = _ours().filter(lambda x, y: y < 7).batch(3)
    ds = ds.map(lambda x, y: (x, y.astype("float32")))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    steps = []
    counter = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: steps.append(batch)
    )
    model.fit(ds, epochs=1, callbacks=[counter], verbose=0)
    assert steps == [0, 1, 2]  # 7 samples in batches of 3
    w, b = model.layers[-1].get_weights()
    pred = _X[:7] @ w + b
    np.testing.assert_allclose(model.predict(ds, verbose=0), pred, rtol=1e-5)
    np.testing.assert_allclose(
        model.evaluate(ds, verbose=0), np.mean((pred[:, 0] - _Y[:7]) ** 2), rtol=1e-5
    )


def _is_buffer_order(order, buffer_size):
    # With a buffer of k, output i comes from the first i + k inputs.
    return all(v < i + buffer_size for i, v in enumerate(order))


def test_dataset_shuffle_buffer_seed_and_reshuffling():
    ids = _ours().map(lambda x, y: int(y))
    assert list(ids.shuffle(1, seed=3)) == list(range(10))  # a buffer of 1: as is
    for buffer_size in (2, 4):
        orders = [list(ids.shuffle(buffer_size, seed=s)) for s in range(20)]
        assert all(sorted(o) == list(range(10)) for o in orders)
        assert all(_is_buffer_order(o, buffer_size) for o in orders)
        assert len({tuple(o) for o in orders}) > 10
    seeded = ids.shuffle(10, seed=7)
    first, second = list(seeded), list(seeded)
    assert first != second  # a new order each pass...
    assert list(ids.shuffle(10, seed=7)) == first  # ...reproducible from the seed
    fixed = ids.shuffle(10, seed=7, reshuffle_each_iteration=False)
    assert list(fixed) == list(fixed)
    assert sorted(ids.shuffle(-2, seed=1)) == list(range(10))  # whole-data buffer
    # A buffer of 2: the first element is input 0 or 1, with probability 1/2 each.
    firsts = [next(iter(ids.shuffle(2, seed=s))) for s in range(2000)]
    assert set(firsts) == {0, 1} and abs(np.mean(firsts) - 0.5) < 0.05
    # Without a seed, numpy's global seed decides (utils.set_random_seed).
    keras.utils.set_random_seed(1)
    a = list(ids.shuffle(10))
    keras.utils.set_random_seed(1)
    assert list(ids.shuffle(10)) == a


def test_dataset_shuffle_matches_tf_data_properties():
    tf = pytest.importorskip("tensorflow")
    theirs = tf.data.Dataset.range(10)
    for buffer_size in (1, 2, 4):
        order = [int(v) for v in theirs.shuffle(buffer_size, seed=0)]
        assert sorted(order) == list(range(10))
        assert _is_buffer_order(order, buffer_size)
        ours = list(_ours().map(lambda x, y: int(y)).shuffle(buffer_size, seed=0))
        assert (ours == list(range(10))) == (order == list(range(10)))


def test_dataset_cache_replays_the_first_complete_pass():
    calls = []

    def record(x, y):
        calls.append(int(y))
        return x, y

    ds = _ours().shuffle(10, seed=0).map(record).cache()
    partial = [int(y) for _, y in ds.take(3)]  # a pass stopped early: not kept
    full = [int(y) for _, y in ds]
    assert len(calls) == 13 and sorted(full) == list(range(10))
    assert len(partial) == 3
    again = [int(y) for _, y in ds]
    assert again == full and len(calls) == 13  # replayed, not recomputed
    tf = pytest.importorskip("tensorflow")
    theirs = tf.data.Dataset.range(10).shuffle(10, seed=0).cache()
    list(theirs.take(3))
    first = [int(v) for v in theirs]
    assert [int(v) for v in theirs] == first


def test_dataset_method_errors():
    ds = _ours()
    with pytest.raises(ValueError, match="greater than zero"):
        ds.shuffle(0)
    with pytest.raises(ValueError, match="AUTOTUNE"):
        ds.prefetch(-2)
    with pytest.raises(TypeError, match="must be an int"):
        ds.take(None)
    with pytest.raises(TypeError, match="must be an int"):
        ds.batch(2.5)
    with pytest.raises(ValueError, match="scalar bool"):
        list(ds.filter(lambda x, y: y))
    with pytest.raises(ValueError, match="scalar components"):
        list(ds.unbatch())
    with pytest.raises(TypeError, match="kerasish Dataset"):
        ds.concatenate([1, 2])
    assert repr(ds.filter(lambda x, y: True)) == "<_UnsizedDataset cardinality=-2>"


def test_directory_dataset_methods_keep_fit_working(tmp_path):
    """The guide's idiom: map an augmentation, prefetch, fit with validation."""
    _images(tmp_path, counts=(4, 4), size=(4, 4))
    train, val = utils.image_dataset_from_directory(
        tmp_path,
        image_size=(4, 4),
        batch_size=3,
        seed=1,
        validation_split=0.25,
        subset="both",
        verbose=False,
    )
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    train = train.map(lambda x, y: (flip(x), y), num_parallel_calls=-1).prefetch(-1)
    val = val.cache().prefetch(buffer_size=2)
    assert (len(train), len(val)) == (2, 1)
    model = _tiny_image_classifier()
    history = model.fit(train, epochs=2, validation_data=val, verbose=0)
    assert np.isfinite(history.history["val_loss"]).all()
    xs = np.concatenate([x for x, _ in val])
    np.testing.assert_allclose(
        model.predict(val, verbose=0),
        (xs.reshape(len(xs), -1) / 255) @ model.layers[-1].get_weights()[0]
        + model.layers[-1].get_weights()[1],
        rtol=1e-4,
        atol=1e-5,
    )


# --- text datasets yield bytes, as tf.string batches convert -----------------------


def test_text_dataset_yields_bytes_like_keras(tmp_path):
    texts = _texts(tmp_path)
    (tmp_path / "pos" / "2.txt").write_bytes("Café très bien".encode())
    texts["pos"].append("Café très bien")
    ds = utils.text_dataset_from_directory(
        tmp_path, batch_size=4, shuffle=False, verbose=False
    )
    batches = [(np.asarray(x), np.asarray(y)) for x, y in ds]
    first = batches[0][0]
    assert first.dtype == object and type(first[0]) is bytes
    got = [t.decode() for x, _ in batches for t in x]
    assert got == texts["neg"] + texts["pos"]
    short = utils.text_dataset_from_directory(
        tmp_path, batch_size=8, shuffle=False, max_length=4, verbose=False
    )
    short_texts = next(iter(short))[0]
    # max_length counts bytes: "Café" is 5 bytes, cut inside "é".
    assert list(short_texts) == [t.encode()[:4] for t in got]
    # Unbatched texts are bytes too; batching them again gives object arrays.
    single = list(ds.unbatch().as_numpy_iterator())
    assert [type(t) for t, _ in single] == [bytes] * 6
    again = next(iter(ds.unbatch().batch(6)))[0]
    assert again.dtype == object and list(again) == [t.encode() for t in got]
    keras3()
    import keras as real_keras

    pytest.importorskip("tensorflow")
    theirs = real_keras.utils.text_dataset_from_directory(
        tmp_path, batch_size=4, shuffle=False, verbose=False
    )
    their_first = np.asarray(next(iter(theirs))[0])
    assert their_first.dtype == first.dtype and list(their_first) == list(first)


def test_text_layers_take_bytes_batches(tmp_path):
    texts = _texts(tmp_path)
    ds = utils.text_dataset_from_directory(
        tmp_path, batch_size=2, seed=0, verbose=False
    )
    as_str = [t for k in ("neg", "pos") for t in texts[k]]
    from_ds = keras.layers.TextVectorization(output_sequence_length=3)
    from_ds.adapt(ds.map(lambda x, y: x))
    from_list = keras.layers.TextVectorization(output_sequence_length=3)
    from_list.adapt(as_str)
    assert from_ds.get_vocabulary() == from_list.get_vocabulary()
    as_bytes = np.array([t.encode() for t in as_str], dtype=object)
    np.testing.assert_array_equal(from_ds(as_bytes), from_list(as_str))
    vectorized = [np.asarray(v) for v, _ in ds.map(lambda x, y: (from_ds(x), y))]
    assert sum(len(v) for v in vectorized) == 5
    lookup = keras.layers.StringLookup()
    lookup.adapt(np.array([b"neg", b"pos", b"pos"], dtype=object))
    assert lookup.get_vocabulary() == ["[UNK]", "pos", "neg"]
    np.testing.assert_array_equal(
        lookup(np.array([b"neg", b"zzz"], dtype=object)), [2, 0]
    )


def test_batches_answer_numpy_as_keras_tf_tensors_do(tmp_path):
    """keras.io's text guide prints `text_batch.numpy()[i]`: the batches of a
    dataset answer `.numpy()` with a plain numpy array."""
    for name, text in (("a", "first"), ("b", "second")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "0.txt").write_text(text)
    ds = keras.utils.text_dataset_from_directory(tmp_path, batch_size=2, shuffle=False)
    texts, labels = next(iter(ds))
    assert type(texts.numpy()) is np.ndarray
    assert texts.numpy().tolist() == [b"first", b"second"]
    assert labels.numpy().tolist() == [0, 1]
    assert type(next(ds.as_numpy_iterator())[0]) is np.ndarray


def _tiny_image_classifier():
    """A classifier of 4x4 RGB images, compiled (the guides' shape, in small)."""
    model = keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_split_dataset_splits_a_tf_data_dataset_into_tf_data_datasets():
    """As Keras: a tf.data dataset is split by samples into two tf.data
    datasets, a batched one batched again."""
    tf = pytest.importorskip("tensorflow")
    from kerasish.utils import split_dataset

    left, right = split_dataset(
        tf.data.Dataset.from_tensor_slices(np.arange(10.0)), left_size=0.8
    )
    assert isinstance(left, tf.data.Dataset)
    assert [float(v) for v in left] == [float(i) for i in range(8)]
    assert [float(v) for v in right] == [8.0, 9.0]
    batched = tf.data.Dataset.from_tensor_slices(
        (np.arange(10.0), {"a": np.arange(10)})
    ).batch(3)
    _, right = split_dataset(batched, right_size=4)
    assert [(x.numpy().tolist(), y["a"].numpy().tolist()) for x, y in right] == [
        ([6.0, 7.0, 8.0], [6, 7, 8]),
        ([9.0], [9]),
    ]
