"""Loading data from disk: image and text folders, arrays to timeseries windows.

As keras.io's "Image classification from scratch" and "Text classification from
scratch" start: class sub-folders of PNG images (written with keras.utils.save_img)
and of .txt reviews are read with image_dataset_from_directory (validation_split,
subset="both" / "training" / "validation", seed=1337, label_mode int / categorical
/ binary / None, class_names, color_mode, interpolation, crop / pad to aspect ratio,
channels_first) and text_dataset_from_directory; the datasets are iterated, mapped,
and fed to a small convnet (Rescaling, Conv2D) and to a TextVectorization adapted on
the texts; then load_img / img_to_array / array_to_img, split_dataset and
timeseries_dataset_from_array (sequence_length, sampling_rate, sequence_stride,
targets, start/end index).
"""

import io
from contextlib import redirect_stdout

import numpy as np

CLASSES = ("bird", "cat", "dog")
WORDS = {
    "neg": ["bad", "boring", "awful", "dull", "worst", "slow"],
    "pos": ["good", "great", "fun", "brilliant", "best", "lovely"],
}
COMMON = ["the", "movie", "was", "a", "plot", "and", "acting", "film", "really"]


def write_image_tree(keras, root, rng):
    """Three class folders of 20x24 PNGs; each class is bright in one channel."""
    for c, name in enumerate(CLASSES):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(10):
            img = rng.integers(0, 60, size=(20, 24, 3))
            img[..., c] += 150 + rng.integers(0, 40, size=(20, 24))
            keras.utils.save_img(
                str(folder / f"{name}.{i:03d}.png"), img.astype("uint8"), scale=False
            )
    # Files that are not images and hidden folders are skipped.
    (root / "cat" / "README.txt").write_text("not an image")
    (root / ".ipynb_checkpoints").mkdir()
    keras.utils.save_img(
        str(root / ".ipynb_checkpoints" / "x.png"), np.zeros((4, 4, 3)), scale=False
    )
    # A grayscale PNG and an RGBA PNG among the dogs: decoded to 3 channels.
    gray = rng.integers(0, 255, size=(20, 24, 1)).astype("uint8")
    keras.utils.save_img(str(root / "dog" / "dog.gray.png"), gray, scale=False)
    rgba = rng.integers(0, 255, size=(20, 24, 4)).astype("uint8")
    keras.utils.save_img(str(root / "dog" / "dog.rgba.png"), rgba, scale=False)


def write_text_tree(root, rng, n_per_class):
    for label, words in WORDS.items():
        folder = root / label
        folder.mkdir(parents=True)
        for i in range(n_per_class):
            n = int(rng.integers(6, 14))
            tokens = [
                str(w) for w in rng.choice(COMMON + words + words, size=n, replace=True)
            ]
            text = " ".join(tokens).capitalize() + ". <br />" + tokens[0] + "!"
            (folder / f"{i}_{label}.txt").write_text(text, encoding="utf-8")


def relative(paths, root):
    return [str(p)[len(str(root)) + 1 :].replace("\\", "/") for p in paths]


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)
    image_dir = workdir / "PetImages"
    write_image_tree(keras, image_dir, rng)
    text_dir = workdir / "aclImdb"
    write_text_tree(text_dir / "train", rng, 20)
    write_text_tree(text_dir / "test", rng, 6)
    (text_dir / "train" / "neg" / "urls.csv").write_text("ignored")

    image_size = (16, 16)
    batch_size = 8
    out = {}

    # --- Image classification from scratch -------------------------------------
    buf = io.StringIO()
    with redirect_stdout(buf):
        train_ds, val_ds = keras.utils.image_dataset_from_directory(
            image_dir,
            validation_split=0.2,
            subset="both",
            seed=1337,
            image_size=image_size,
            batch_size=batch_size,
        )
    out["same_found_message"] = buf.getvalue()
    out["same_class_names"] = (list(train_ds.class_names), list(val_ds.class_names))
    out["same_train_files"] = relative(train_ds.file_paths, image_dir)
    out["same_val_files"] = relative(val_ds.file_paths, image_dir)
    out["same_cardinality"] = (int(train_ds.cardinality()), int(val_ds.cardinality()))
    out["same_len"] = (len(train_ds), len(val_ds))

    for images, labels in train_ds.take(1):
        first = np.asarray(images)
        out["same_batch_shapes"] = (first.shape, np.asarray(labels).shape)
        out["same_batch_dtypes"] = (str(first.dtype), str(np.asarray(labels).dtype))
        assert 0.0 <= first.min() and first.max() <= 255.0
        # As the guide plots them.
        shown = np.array(images[0]).astype("uint8")
        out["same_shown"] = (shown.shape, str(shown.dtype), int(labels[0]) in (0, 1, 2))

    # One epoch of the (shuffled) training set holds every training image once.
    train_images, train_labels = [], []
    for images, labels in train_ds:
        train_images.append(np.asarray(images))
        train_labels.append(np.asarray(labels))
    out["same_train_batch_sizes"] = [len(b) for b in train_labels]
    train_images = np.concatenate(train_images)
    train_labels = np.concatenate(train_labels)
    out["same_train_label_counts"] = np.bincount(train_labels, minlength=3).tolist()
    sums = train_images.sum(axis=(1, 2, 3)) + 1e6 * train_labels
    out["close_train_sorted_sums"] = np.sort(sums)

    # The validation subset is not shuffled: it follows val_ds.file_paths.
    val_batches = [(np.asarray(x), np.asarray(y)) for x, y in val_ds]
    val_images = np.concatenate([x for x, _ in val_batches])
    val_labels = np.concatenate([y for _, y in val_batches])
    out["same_val_batch_shapes"] = [(x.shape, y.shape) for x, y in val_batches]
    out["same_val_labels"] = val_labels.tolist()
    out["same_val_labels_from_paths"] = [
        out["same_class_names"][0].index(p.split("/")[0]) for p in out["same_val_files"]
    ]
    out["close_val_pixels"] = val_images

    data_augmentation_layers = [layers.RandomFlip("horizontal")]

    def data_augmentation(images):
        for layer in data_augmentation_layers:
            images = layer(images)
        return images

    aug_train_ds = train_ds.map(lambda img, label: (data_augmentation(img), label))
    aug_train_ds = aug_train_ds.prefetch(2)
    val_ds = val_ds.prefetch(2)

    def make_model(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = layers.Rescaling(1.0 / 255)(inputs)
        x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
        x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(num_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs)

    model = make_model(image_size + (3,), num_classes=len(CLASSES))
    rng_w = np.random.default_rng(0)
    model.set_weights(
        [
            rng_w.normal(size=w.shape).astype("float32")
            / np.sqrt(np.prod(w.shape[:-1]))
            if w.ndim > 1
            else w
            for w in model.get_weights()
        ]
    )
    out["close_untrained_val_preds"] = model.predict(val_ds, verbose=0)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(aug_train_ds, epochs=4, validation_data=val_ds, verbose=0)
    out["same_history_keys"] = sorted(history.history)
    out["same_history_len"] = len(history.history["loss"])
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    out["val_accuracy"] = history.history["val_accuracy"][-1]
    out["same_eval"] = len(model.evaluate(val_ds, verbose=0))

    # Unshuffled, categorical, nearest: the first batch in file order.
    buf = io.StringIO()
    with redirect_stdout(buf):
        cat_ds = keras.utils.image_dataset_from_directory(
            image_dir,
            label_mode="categorical",
            shuffle=False,
            image_size=image_size,
            batch_size=batch_size,
            interpolation="nearest",
        )
    out["same_found_message_2"] = buf.getvalue()
    out["same_sorted_files"] = relative(cat_ds.file_paths, image_dir)
    x0, y0 = next(iter(cat_ds))
    out["same_categorical_labels"] = np.asarray(y0)
    out["same_categorical_dtype"] = str(np.asarray(y0).dtype)
    out["close_nearest_pixels"] = np.asarray(x0)
    last_x, last_y = list(cat_ds)[-1]
    out["same_last_batch"] = (np.asarray(last_x).shape, np.asarray(last_y).tolist())
    # The grayscale and RGBA dogs decode to 3 channels.
    gray_index = out["same_sorted_files"].index("dog/dog.gray.png")
    rgba_index = out["same_sorted_files"].index("dog/dog.rgba.png")
    all_x = np.concatenate([np.asarray(x) for x, _ in cat_ds])
    out["close_gray_and_rgba"] = all_x[[gray_index, rgba_index]]

    # The tf.data methods the guides chain onto these datasets.
    samples = cat_ds.unbatch()
    out["same_unbatched_labels"] = [
        int(np.argmax(y)) for _, y in samples.as_numpy_iterator()
    ]
    rebatched = samples.batch(5, drop_remainder=True)
    out["same_rebatched"] = (
        int(rebatched.cardinality()),
        [np.asarray(x).shape for x, _ in rebatched],
    )
    window = cat_ds.skip(1).take(2)
    out["same_skip_take"] = (
        int(window.cardinality()),
        [np.asarray(y).argmax(axis=1).tolist() for _, y in window],
    )
    out["close_skip_take_pixels"] = np.concatenate([np.asarray(x) for x, _ in window])
    cats = samples.filter(lambda x, y: y[1] > 0.5)
    out["same_filtered"] = (int(cats.cardinality()), sum(1 for _ in cats))
    twice = cat_ds.repeat(2).enumerate()
    out["same_repeat_enumerate"] = (
        int(twice.cardinality()),
        [int(i) for i, _ in twice],
    )
    both = cat_ds.concatenate(cat_ds.take(1))
    out["same_concatenated"] = (
        int(both.cardinality()),
        [len(np.asarray(y)) for _, y in both],
    )
    mixed = samples.shuffle(buffer_size=64, seed=3).batch(batch_size).cache()
    first_pass = [np.asarray(y).argmax(axis=1).tolist() for _, y in mixed]
    out["same_shuffled_label_counts"] = np.bincount(
        np.concatenate(first_pass), minlength=3
    ).tolist()
    assert [np.asarray(y).argmax(axis=1).tolist() for _, y in mixed] == first_pass
    infinite = cat_ds.repeat()
    out["same_infinite"] = (
        int(infinite.cardinality()),
        int(infinite.take(7).cardinality()),
        sum(len(np.asarray(y)) for _, y in infinite.take(7)),
    )

    # Binary labels for two of the three classes, grayscale images.
    with redirect_stdout(io.StringIO()):
        binary_ds = keras.utils.image_dataset_from_directory(
            image_dir,
            class_names=["dog", "cat"],
            label_mode="binary",
            color_mode="grayscale",
            shuffle=False,
            image_size=(20, 24),
            batch_size=batch_size,
        )
    xb, yb = next(iter(binary_ds))
    out["same_binary_class_names"] = list(binary_ds.class_names)
    out["same_binary_labels"] = np.asarray(yb)
    out["same_binary_shapes"] = (np.asarray(xb).shape, str(np.asarray(yb).dtype))
    out["close_grayscale_pixels"] = np.asarray(xb)
    out["same_binary_n"] = sum(len(np.asarray(y)) for _, y in binary_ds)

    # No labels; RGBA; crop and pad to the target aspect ratio; channels_first.
    with redirect_stdout(io.StringIO()):
        unlabeled = keras.utils.image_dataset_from_directory(
            image_dir,
            labels=None,
            shuffle=False,
            image_size=(12, 12),
            batch_size=4,
            crop_to_aspect_ratio=True,
        )
        padded = keras.utils.image_dataset_from_directory(
            image_dir,
            shuffle=False,
            image_size=(12, 12),
            batch_size=4,
            pad_to_aspect_ratio=True,
            color_mode="rgba",
        )
        first_channels = keras.utils.image_dataset_from_directory(
            image_dir,
            shuffle=False,
            image_size=(10, 14),
            batch_size=None,
            data_format="channels_first",
        )
    xu = next(iter(unlabeled))
    out["same_unlabeled"] = (np.asarray(xu).shape, unlabeled.class_names)
    out["close_cropped_pixels"] = np.asarray(xu)
    xp, _ = next(iter(padded))
    out["same_padded_shape"] = np.asarray(xp).shape
    out["close_padded_pixels"] = np.asarray(xp)
    xc, yc = next(iter(first_channels))
    out["same_channels_first"] = (np.asarray(xc).shape, np.asarray(yc).shape)
    out["close_channels_first"] = np.asarray(xc)

    # Explicit integer labels, in the sorted order of the file paths.
    n_files = sum(1 for _ in image_dir.rglob("*.png"))
    explicit = [i % 2 for i in range(n_files)]
    with redirect_stdout(io.StringIO()):
        explicit_ds = keras.utils.image_dataset_from_directory(
            image_dir, labels=explicit, shuffle=False, image_size=image_size
        )
    out["same_explicit"] = (
        list(explicit_ds.class_names),
        np.concatenate([np.asarray(y) for _, y in explicit_ds]).tolist(),
    )

    # Mistakes a user makes get a ValueError that says what is wrong.
    errors = []
    for kwargs in (
        dict(label_mode="binary"),
        dict(class_names=["cat", "cow"]),
        dict(validation_split=0.2, subset="training"),
        dict(validation_split=0.2, seed=1),
        dict(color_mode="bgr"),
    ):
        try:
            with redirect_stdout(io.StringIO()):
                keras.utils.image_dataset_from_directory(image_dir, **kwargs)
            errors.append(None)
        except ValueError as e:
            errors.append(str(e).replace(str(image_dir), "<dir>"))
    out["same_errors"] = errors

    # --- load_img / img_to_array / array_to_img ---------------------------------
    path = image_dir / "cat" / "cat.003.png"
    img = keras.utils.load_img(path)
    out["same_img"] = (type(img).__name__, img.size, img.mode)
    arr = keras.utils.img_to_array(img)
    out["same_img_array"] = (arr.shape, str(arr.dtype))
    out["close_img_array"] = arr
    small = keras.utils.load_img(path, target_size=(10, 12), interpolation="bilinear")
    out["close_small"] = keras.utils.img_to_array(small)
    gray = keras.utils.load_img(path, color_mode="grayscale", target_size=(8, 8))
    out["same_gray"] = keras.utils.img_to_array(gray, dtype="uint8")
    kept = keras.utils.load_img(path, target_size=(10, 10), keep_aspect_ratio=True)
    out["close_keep_aspect"] = keras.utils.img_to_array(kept)
    back = keras.utils.array_to_img(arr)
    out["same_array_to_img"] = (back.size, back.mode, back.getpixel((3, 2)))
    unscaled = keras.utils.array_to_img(arr / 4.0, scale=False)
    out["same_unscaled_pixel"] = unscaled.getpixel((3, 2))
    scaled = keras.utils.array_to_img(arr / 4.0)
    out["same_scaled_pixel"] = scaled.getpixel((3, 2))
    channels_first = keras.utils.img_to_array(img, data_format="channels_first")
    out["same_channels_first_array"] = channels_first.shape
    # Classify the loaded image as the guide does.
    img_array = keras.ops.expand_dims(
        keras.utils.img_to_array(keras.utils.load_img(path, target_size=image_size)), 0
    )
    out["same_single_pred_shape"] = tuple(model.predict(img_array, verbose=0).shape)

    # --- Text classification from scratch ---------------------------------------
    buf = io.StringIO()
    with redirect_stdout(buf):
        raw_train_ds = keras.utils.text_dataset_from_directory(
            text_dir / "train",
            batch_size=batch_size,
            validation_split=0.2,
            subset="training",
            seed=1337,
        )
        raw_val_ds = keras.utils.text_dataset_from_directory(
            text_dir / "train",
            batch_size=batch_size,
            validation_split=0.2,
            subset="validation",
            seed=1337,
        )
        raw_test_ds = keras.utils.text_dataset_from_directory(
            text_dir / "test", batch_size=batch_size, shuffle=False
        )
    out["same_text_messages"] = buf.getvalue()
    out["same_text_class_names"] = list(raw_train_ds.class_names)
    out["same_text_cardinality"] = [
        int(d.cardinality()) for d in (raw_train_ds, raw_val_ds, raw_test_ds)
    ]
    for text_batch, label_batch in raw_train_ds.take(1):
        texts = np.asarray(text_batch)
        out["same_text_batch"] = (texts.shape, np.asarray(label_batch).shape)
        out["same_text_label_dtype"] = str(np.asarray(label_batch).dtype)
        out["same_text_element_type"] = type(texts[0]).__name__
    # "training" and "validation" are shuffled: compare their contents.
    val_pairs = sorted(
        (t, int(v))
        for texts, labels in raw_val_ds
        for t, v in zip(np.asarray(texts), np.asarray(labels))
    )
    out["same_val_texts"] = [t for t, _ in val_pairs]
    out["same_val_text_labels"] = [v for _, v in val_pairs]
    train_texts = sorted(t for texts, _ in raw_train_ds for t in np.asarray(texts))
    out["same_train_texts"] = train_texts
    assert not set(train_texts) & set(out["same_val_texts"])
    test_texts = [t for batch, _ in raw_test_ds for t in np.asarray(batch)]
    out["same_test_texts"] = test_texts
    # Texts are bytes: the guide decodes them to print them.
    first_texts, _ = next(iter(raw_test_ds))
    out["same_decoded"] = [t.decode("utf-8") for t in np.asarray(first_texts)[:3]]

    max_features = 40
    sequence_length = 12
    vectorize_layer = layers.TextVectorization(
        max_tokens=max_features,
        output_mode="int",
        output_sequence_length=sequence_length,
    )
    text_ds = raw_train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(text_ds)
    out["same_vocabulary"] = vectorize_layer.get_vocabulary()
    out["same_vectorized"] = keras.ops.convert_to_numpy(
        vectorize_layer(["The movie was great!", "Awful, boring plot <br />"])
    )

    def vectorize_text(text, label):
        return vectorize_layer(text), label

    train_vec = raw_train_ds.map(vectorize_text).cache().prefetch(buffer_size=10)
    val_vec = raw_val_ds.map(vectorize_text).cache().prefetch(buffer_size=10)
    for xv, yv in val_vec.take(1):
        out["same_vectorized_batch"] = (np.asarray(xv).shape, np.asarray(yv).shape)
    out["same_vectorized_val"] = sorted(
        (row.tolist(), int(label))
        for xv, yv in val_vec
        for row, label in zip(np.asarray(xv), np.asarray(yv))
    )

    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, 8)(inputs)
    x = layers.Dropout(0.2)(x)
    x = layers.Conv1D(8, 3, padding="valid", activation="relu", strides=1)(x)
    x = layers.GlobalMaxPooling1D()(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    text_model = keras.Model(inputs, predictions)
    text_model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(2e-2),
        metrics=["accuracy"],
    )
    text_history = text_model.fit(
        train_vec, validation_data=val_vec, epochs=5, verbose=0
    )
    out["same_text_history_keys"] = sorted(text_history.history)
    assert text_history.history["loss"][-1] < text_history.history["loss"][0], (
        text_history.history
    )
    test_vec = raw_test_ds.map(vectorize_text)
    out["text_test_eval"] = text_model.evaluate(test_vec, verbose=0)
    out["same_text_test_pred_shape"] = text_model.predict(test_vec, verbose=0).shape

    # Texts as bytes: max_length truncates each file; binary label mode.
    with redirect_stdout(io.StringIO()):
        short_ds = keras.utils.text_dataset_from_directory(
            text_dir / "test",
            batch_size=4,
            max_length=10,
            label_mode="binary",
            shuffle=False,
        )
    ts, tl = next(iter(short_ds))
    out["same_short_texts"] = list(np.asarray(ts))
    out["same_short_labels"] = np.asarray(tl)

    # --- split_dataset -----------------------------------------------------------
    xs = np.arange(40, dtype="float32").reshape(20, 2)
    ys = np.arange(20) % 3
    left, right = keras.utils.split_dataset((xs, ys), left_size=0.8)
    out["same_split_lengths"] = (int(left.cardinality()), int(right.cardinality()))
    out["same_split_right"] = [(np.asarray(a).tolist(), int(b)) for a, b in right]
    left, right = keras.utils.split_dataset(
        (xs, ys), left_size=12, right_size=5, shuffle=True, seed=42
    )
    out["same_split_shuffled"] = (
        [int(b) for _, b in left],
        [np.asarray(a).tolist() for a, _ in right],
    )
    batched = left.batch(5)
    out["same_split_batched"] = [np.asarray(a).shape for a, _ in batched]
    only_x, _ = keras.utils.split_dataset(xs, right_size=0.25)
    out["same_split_array"] = [np.asarray(a).tolist() for a in only_x]

    # --- timeseries_dataset_from_array ------------------------------------------
    data = np.arange(100)
    ts_ds = keras.utils.timeseries_dataset_from_array(
        data[:-10],
        targets=data[10:],
        sequence_length=10,
        sampling_rate=2,
        sequence_stride=3,
        batch_size=4,
    )
    ts_batches = [(np.asarray(a), np.asarray(b)) for a, b in ts_ds]
    out["same_ts_n_batches"] = len(ts_batches)
    out["same_ts_first"] = [a.tolist() for a in ts_batches[0]]
    out["same_ts_last"] = [a.tolist() for a in ts_batches[-1]]
    out["same_ts_dtypes"] = (str(ts_batches[0][0].dtype), str(ts_batches[0][1].dtype))
    # Forecasting windows: input at t .. t+4, target at t+5.
    series = np.sin(np.arange(60) / 5.0).astype("float32")[:, None]
    window_ds = keras.utils.timeseries_dataset_from_array(
        series,
        targets=None,
        sequence_length=5,
        start_index=10,
        end_index=40,
        batch_size=8,
    )
    windows = np.concatenate([np.asarray(w) for w in window_ds])
    out["same_windows_shape"] = windows.shape
    out["close_windows"] = windows
    shuffled = keras.utils.timeseries_dataset_from_array(
        series, targets=None, sequence_length=5, batch_size=8, shuffle=True, seed=3
    )
    shuffled_windows = np.concatenate([np.asarray(w) for w in shuffled])
    out["same_shuffled_windows_shape"] = shuffled_windows.shape
    out["close_shuffled_windows_sorted"] = np.sort(shuffled_windows[:, 0, 0])
    return out
