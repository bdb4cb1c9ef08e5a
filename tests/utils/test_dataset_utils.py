"""Directory datasets, timeseries windows and split_dataset: values and `fit`."""

import inspect
import os
import random
import wave

import numpy as np
import pytest

import kerasish as keras
from kerasish import utils
from kerasish.utils import dataset_utils
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
    # Reference: pixels and labels in file_paths order (the first epoch's order).
    xs = np.stack([pixels[p] for p in ds.file_paths])
    ints = np.array(
        [names.index(os.path.basename(os.path.dirname(p))) for p in ds.file_paths]
    )
    batches = [ds[i] for i in range(len(ds))]
    if label_mode is None:
        np.testing.assert_array_equal(np.concatenate(batches), xs)
        return
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), xs)
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
    x, label = ds[0]
    gray = np.asarray(PIL.open(ds.file_paths[0]).convert("L"), dtype="float32")
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
    model = keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
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
        (t[:5], c)
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
    x, y = ds[0]
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
    clips_out, _ = ragged[0]
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
        utils.audio_dataset_from_directory(tmp_path, sampling_rate=16000)[0]
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


def test_timeseries_shuffle_uses_keras_permutation_and_fits():
    data = np.arange(40, dtype="float32")[:, None]
    ds = utils.timeseries_dataset_from_array(
        data, None, 3, batch_size=100, shuffle=True, seed=5
    )
    starts = np.arange(0, 38)
    np.random.RandomState(5).shuffle(starts)
    np.testing.assert_array_equal(ds[0][:, 0, 0], starts)
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
    assert left.batch_size == 4 and len(left) == 1 and len(right) == 1
    np.testing.assert_array_equal(left[0][0], x[:4])
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
    with pytest.raises(ValueError, match="already batched"):
        ds.batch(2)
    with pytest.raises(TypeError, match="must be a kerasish Dataset"):
        utils.split_dataset(object(), left_size=0.5)


def test_dataset_map_batch_and_indexing():
    x = np.arange(10, dtype="float32")
    ds = utils.split_dataset(x, left_size=7)[0]  # unbatched: single elements
    assert ds.batch_size is None and len(ds) == 7 and float(ds[3]) == 3.0
    doubled = ds.map(lambda v: v * 2).batch(3)  # element map, then batch
    batches = list(doubled)
    np.testing.assert_array_equal(np.concatenate(batches), x[:7] * 2)
    assert [len(b) for b in batches] == [3, 3, 1]
    pairs = doubled.map(lambda b: (b, b + 1))  # batch map
    bx, by = pairs[2]
    np.testing.assert_array_equal(by, bx + 1)
    with pytest.raises(IndexError, match="out of range"):
        pairs[3]
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
    x = ds[0]
    # 2x4 fits 4x4 as is: one zero row above and below
    expected = np.zeros((4, 4, 3), "float32")
    expected[1:3] = wide
    np.testing.assert_array_equal(x[0], expected)
    # 4x8 shrinks to 2x4 (constant stays constant), then the same padding
    expected = np.zeros((4, 4, 3), "float32")
    expected[1:3] = 200
    np.testing.assert_allclose(x[1], expected, atol=1e-3)
