"""Random ops and image augmentation: keras.random, MixUp, CutMix, RandAugment, AugMix.

In the style of keras.io's "MixUp augmentation for image classification", "CutMix
data augmentation", "RandAugment for image classification" and "Image
classification via fine-tuning with data augmentation", on tiny synthetic images.
Random streams differ between libraries by design, so the compared values are what
is deterministic: shapes, dtypes, configs, invariants (MixUp labels sum to 1, CutMix
box area matches the label weight, outputs stay in range), inference mode, seeded
reproducibility within a library, and augmentations whose factor pins one value.
"""

import numpy as np


def _np(x):
    return np.asarray(x)


def _random_section(keras):
    random, ops = keras.random, keras.ops
    out = {}
    seed_gen = keras.random.SeedGenerator(1337)
    out["same_seed_state"] = (tuple(seed_gen.state.shape), str(seed_gen.state.dtype))

    normal = random.normal((200, 50), mean=1.0, stddev=2.0, seed=seed_gen)
    normal_again = random.normal((200, 50), mean=1.0, stddev=2.0, seed=seed_gen)
    n = _np(normal)
    assert abs(n.mean() - 1.0) < 0.1 and abs(n.std() - 2.0) < 0.1
    out["normal_moments"] = (float(n.mean()), float(n.std()))
    out["same_normal"] = (tuple(normal.shape), str(normal.dtype))
    # A SeedGenerator advances: the second draw differs from the first.
    out["same_generator_advances"] = bool(not np.array_equal(n, _np(normal_again)))
    # Two generators built with one seed give one stream.
    g1, g2 = random.SeedGenerator(7), random.SeedGenerator(7)
    out["same_generators_agree"] = bool(
        np.array_equal(
            _np(random.uniform((5,), seed=g1)), _np(random.uniform((5,), seed=g2))
        )
        and np.array_equal(
            _np(random.uniform((5,), seed=g1)), _np(random.uniform((5,), seed=g2))
        )
    )
    # An int seed gives the same numbers each time.
    out["same_int_seed_repeats"] = bool(
        np.array_equal(
            _np(random.normal((4, 3), seed=42)), _np(random.normal((4, 3), seed=42))
        )
    )

    uniform = random.uniform((1000,), minval=-3.0, maxval=5.0, seed=1)
    u = _np(uniform)
    assert u.min() >= -3.0 and u.max() < 5.0
    out["same_uniform"] = (tuple(uniform.shape), str(uniform.dtype))
    out["uniform_mean"] = float(u.mean())
    u16 = random.uniform((3, 2), dtype="float16", seed=seed_gen)
    out["same_uniform_f16_dtype"] = str(u16.dtype)
    try:
        random.uniform((3,), dtype="int32", seed=1)
        out["same_uniform_int_error"] = None
    except Exception as e:  # Keras refuses integer dtypes here.
        out["same_uniform_int_error"] = type(e).__name__

    trunc = random.truncated_normal((500, 4), mean=0.0, stddev=1.0, seed=seed_gen)
    t = _np(trunc)
    out["same_truncated_within_2_std"] = bool(np.all(np.abs(t) <= 2.0))
    out["same_truncated"] = (tuple(trunc.shape), str(trunc.dtype))
    out["truncated_std"] = float(t.std())

    gamma = random.gamma((2000,), alpha=2.0, seed=seed_gen)
    g = _np(gamma)
    assert g.min() > 0 and abs(g.mean() - 2.0) < 0.2
    out["same_gamma"] = (tuple(gamma.shape), str(gamma.dtype))
    out["gamma_mean"] = float(g.mean())

    beta = random.beta((2000,), alpha=2.0, beta=5.0, seed=seed_gen)
    b = _np(beta)
    out["same_beta_in_unit"] = bool(b.min() >= 0.0 and b.max() <= 1.0)
    out["same_beta"] = (tuple(beta.shape), str(beta.dtype))
    assert abs(b.mean() - 2.0 / 7.0) < 0.03
    out["beta_mean"] = float(b.mean())

    binom = random.binomial((2000,), counts=5.0, probabilities=0.3, seed=seed_gen)
    bi = _np(binom)
    out["same_binomial"] = (tuple(binom.shape), str(binom.dtype))
    out["same_binomial_integral"] = bool(
        np.all(bi == np.round(bi)) and bi.min() >= 0 and bi.max() <= 5
    )
    assert abs(bi.mean() - 1.5) < 0.15
    out["binomial_mean"] = float(bi.mean())

    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], "float32") + 1e-9)
    cat = random.categorical(logits, num_samples=500, seed=seed_gen)
    c = _np(cat)
    out["same_categorical"] = (tuple(cat.shape), str(cat.dtype))
    # A class of (almost) zero probability is never drawn.
    out["same_categorical_support"] = sorted(set(c[1].tolist()))
    out["categorical_freq"] = np.bincount(c[0], minlength=3).tolist()
    peaked = np.array([[-1e9, 0.0, -1e9]] * 3, "float32")
    out["same_categorical_peaked"] = _np(random.categorical(peaked, 4, seed=3)).tolist()
    cat64 = random.categorical(logits, 2, dtype="int64", seed=seed_gen)
    out["same_categorical_int64"] = str(cat64.dtype)

    ints = random.randint((10, 10), minval=2, maxval=7, seed=seed_gen)
    i = _np(ints)
    out["same_randint"] = (tuple(ints.shape), str(ints.dtype))
    out["same_randint_values"] = sorted(set(i.ravel().tolist()))

    arange = np.arange(20).reshape(10, 2)
    shuffled = random.shuffle(arange, axis=0, seed=seed_gen)
    s = _np(shuffled)
    # Each column keeps its values; whether rows stay whole says whether the
    # columns were shuffled together or each on its own. Keras's JAX backend
    # permutes each column on its own (`independent=True`); its TensorFlow and
    # torch backends, and kerasish, keep rows whole, as `shuffle` is documented.
    out["shuffle_rows_kept"] = sorted(map(tuple, s.tolist())) == sorted(
        map(tuple, arange.tolist())
    )
    out["same_shuffle_columns_sorted"] = np.sort(s, axis=0).tolist()
    out["same_shuffle_dtype"] = str(shuffled.dtype)
    shuffled_cols = _np(random.shuffle(arange, axis=1, seed=5))
    out["same_shuffle_axis1_sorted"] = np.sort(shuffled_cols, axis=1).tolist()

    ones = ops.ones((50, 40))
    dropped = random.dropout(ones, rate=0.25, seed=seed_gen)
    d = _np(dropped)
    out["same_dropout_values"] = sorted(np.unique(np.round(d, 5)).tolist())
    out["dropout_kept"] = float((d != 0).mean())
    assert 0.65 < (d != 0).mean() < 0.85
    shared = _np(random.dropout(ones, rate=0.5, noise_shape=(1, 40), seed=seed_gen))
    # With noise_shape (1, 40), every row drops the same columns.
    out["same_dropout_noise_shape_rows_equal"] = bool(np.all(shared == shared[:1]))

    return out


def _images(n=32, size=16, low=0.0, high=255.0, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, (n, size, size, 3)).astype("float32")


def _check_rectangle(mask2d):
    rows = np.where(mask2d.any(axis=1))[0]
    cols = np.where(mask2d.any(axis=0))[0]
    if rows.size == 0:
        return True, 0
    box = np.zeros_like(mask2d)
    box[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = True
    return bool(np.array_equal(box, mask2d)), int(mask2d.sum())


def _mix_sections(keras):
    layers = keras.layers
    out = {}
    n, num_classes = 16, 16
    images = _images(n)
    # One class per image, so a mixed label shows which image was pasted in.
    labels = np.eye(num_classes, dtype="float32")

    # --- MixUp, as the keras.io example applies it to a batch ---
    mix_up = layers.MixUp(alpha=0.2, seed=42, name="mix_up")
    batch = {"images": images, "labels": labels}
    mixed = mix_up(batch)
    out["same_mixup_returns_input_dict"] = mixed is batch
    mi, ml = _np(mixed["images"]), _np(mixed["labels"])
    out["same_mixup_shapes"] = (mi.shape, ml.shape, str(mi.dtype), str(ml.dtype))
    out["same_mixup_labels_sum_to_1"] = bool(np.allclose(ml.sum(-1), 1.0, atol=1e-5))
    out["same_mixup_images_in_range"] = bool(mi.min() >= 0 and mi.max() <= 255)
    # Each image is lam * own + (1 - lam) * partner, with lam read off its label.
    lam = ml[np.arange(n), np.arange(n)]
    partner = np.arange(n)
    for i in range(n):
        if lam[i] < 1 - 1e-6:
            partner[i] = [j for j in np.argsort(-ml[i]) if j != i][0]
    recon = (
        lam[:, None, None, None] * images
        + (1 - lam[:, None, None, None]) * (images[partner])
    )
    out["same_mixup_is_convex_combination"] = bool(np.allclose(recon, mi, atol=1e-2))
    out["mixup_mean_lambda"] = float(lam.mean())
    # The layer's SeedGenerator advances: a second call mixes differently.
    out["same_mixup_second_call_differs"] = not np.array_equal(
        _np(mix_up({"images": images, "labels": labels})["labels"]), ml
    )
    again = layers.MixUp(alpha=0.2, seed=42)({"images": images, "labels": labels})
    out["same_mixup_seed_repeats"] = bool(
        np.array_equal(_np(again["labels"]), ml)
        and np.array_equal(_np(again["images"]), mi)
    )
    inference = mix_up({"images": images, "labels": labels}, training=False)
    out["same_mixup_inference_identity"] = bool(
        np.array_equal(_np(inference["images"]), images)
        and np.array_equal(_np(inference["labels"]), labels)
    )
    out["same_mixup_images_only_shape"] = tuple(mix_up(images).shape)
    config = mix_up.get_config()
    out["same_mixup_config"] = config
    out["same_mixup_roundtrip"] = (
        layers.MixUp.from_config(config).get_config() == config
    )

    # --- CutMix ---
    cut_mix = layers.CutMix(factor=1.0, seed=7, name="cut_mix")
    cut = cut_mix({"images": images, "labels": labels})
    ci, cl = _np(cut["images"]), _np(cut["labels"])
    out["same_cutmix_shapes"] = (ci.shape, cl.shape, str(ci.dtype), str(cl.dtype))
    out["same_cutmix_labels_sum_to_1"] = bool(np.allclose(cl.sum(-1), 1.0, atol=1e-5))
    rect_ok, area_ok, source_ok = True, True, True
    area_errors = []
    for i in range(n):
        changed = np.any(ci[i] != images[i], axis=-1)
        is_rect, area = _check_rectangle(changed)
        rect_ok = rect_ok and is_rect
        lam_i = cl[i, i]
        if area:
            j = [k for k in np.argsort(-cl[i]) if k != i][0]
            source_ok = source_ok and bool(
                np.array_equal(ci[i][changed], images[j][changed])
            )
        frac = area / (16 * 16)
        area_errors.append(abs(frac - (1 - lam_i)))
        # The box's corners are real numbers; pixels are counted on the grid.
        area_ok = area_ok and abs(frac - (1 - lam_i)) <= 33 / 256
    out["same_cutmix_box_is_rectangle"] = rect_ok
    out["same_cutmix_area_matches_lambda"] = area_ok
    out["same_cutmix_box_from_partner"] = source_ok
    out["cutmix_max_area_error"] = float(max(area_errors))
    again = layers.CutMix(factor=1.0, seed=7)({"images": images, "labels": labels})
    out["same_cutmix_seed_repeats"] = bool(np.array_equal(_np(again["images"]), ci))
    inference = cut_mix({"images": images, "labels": labels}, training=False)
    out["same_cutmix_inference_identity"] = bool(
        np.array_equal(_np(inference["images"]), images)
        and np.array_equal(_np(inference["labels"]), labels)
    )
    config = cut_mix.get_config()
    out["same_cutmix_config"] = config
    out["same_cutmix_roundtrip"] = (
        layers.CutMix.from_config(config).get_config() == config
    )
    return out


def _augment_sections(keras):
    layers = keras.layers
    out = {}
    batch = _images(16)

    def check(name, layer, x=batch, value_range=(0, 255)):
        y = _np(layer(x))
        out[f"same_{name}_shape_dtype"] = (y.shape, str(y.dtype))
        out[f"same_{name}_in_range"] = bool(
            y.min() >= value_range[0] - 1e-3 and y.max() <= value_range[1] + 1e-3
        )
        out[f"same_{name}_inference_identity"] = bool(
            np.allclose(_np(layer(x, training=False)), x)
        )
        config = layer.get_config()
        rebuilt = layer.__class__.from_config(config)
        out[f"same_{name}_roundtrip"] = rebuilt.get_config() == config
        out[f"same_{name}_config"] = config
        return y

    rand_augment = layers.RandAugment(
        value_range=(0, 255), num_ops=2, factor=0.5, seed=1, name="rand_augment"
    )
    y = check("randaugment", rand_augment)
    again = layers.RandAugment(value_range=(0, 255), num_ops=2, factor=0.5, seed=1)
    symbolic = rand_augment(keras.Input(shape=(16, 16, 3)))
    out["same_randaugment_symbolic"] = (tuple(symbolic.shape), str(symbolic.dtype))
    out["same_randaugment_seed_repeats"] = bool(np.array_equal(_np(again(batch)), y))

    check(
        "augmix",
        layers.AugMix(
            value_range=(0, 255),
            num_chains=2,
            chain_depth=2,
            seed=2,
            name="aug_mix",
        ),
    )
    erasing = layers.RandomErasing(
        factor=1.0,
        scale=(0.1, 0.3),
        fill_value=0.0,
        value_range=(0, 255),
        seed=3,
        name="random_erasing",
    )
    y = check("erasing", erasing)
    # Every image gets one box of zeros; the rest of the pixels are untouched.
    erased = np.all(y == 0, axis=-1)
    untouched = np.all(y == batch, axis=-1)
    out["same_erasing_rest_untouched"] = bool(np.all(erased | untouched))
    out["same_erasing_boxes_rectangles"] = all(
        _check_rectangle(erased[i])[0] for i in range(len(y))
    )
    out["erasing_fraction"] = float(erased.mean())

    blur = layers.RandomGaussianBlur(
        factor=1.0,
        kernel_size=3,
        sigma=1.0,
        value_range=(0, 255),
        seed=4,
        name="random_gaussian_blur",
    )
    check("blur", blur)
    flat = np.full_like(batch, 100.0)
    blurred = _np(blur(flat))
    # Blurring a flat image leaves its inside flat.
    out["close_blur_flat_inside"] = blurred[:, 2:-2, 2:-2, :]

    jitter = layers.RandomColorJitter(
        value_range=(0, 255),
        brightness_factor=0.2,
        contrast_factor=0.2,
        saturation_factor=(0.5, 0.9),
        hue_factor=0.1,
        seed=5,
        name="random_color_jitter",
    )
    check("jitter", jitter)

    flip = layers.RandomFlip("horizontal", seed=6, name="random_flip")
    y = check("flip", flip)
    flipped = [bool(np.array_equal(y[i], batch[i, :, ::-1])) for i in range(len(y))]
    same = [bool(np.array_equal(y[i], batch[i])) for i in range(len(y))]
    out["same_flip_each_kept_or_mirrored"] = all(f or s for f, s in zip(flipped, same))
    out["flip_fraction"] = float(np.mean(flipped))
    both = _np(layers.RandomFlip("horizontal_and_vertical", seed=6)(batch))
    out["same_flip_both_shape"] = both.shape

    # Pinned factors make these augmentations deterministic.
    rot = layers.RandomRotation(factor=(0.5, 0.5), fill_mode="constant", name="rot")
    y = check("rotation", rot)
    out["close_rotation_180"] = y
    out["same_rotation_is_rot90_twice"] = bool(
        np.allclose(y, np.rot90(batch, 2, axes=(1, 2)), atol=1e-2)
    )
    trans = layers.RandomTranslation(
        height_factor=(0.25, 0.25),
        width_factor=(0.0, 0.0),
        fill_mode="constant",
        name="trans",
    )
    y = check("translation", trans)
    out["close_translation_down_4"] = y
    out["same_translation_shifts"] = bool(
        np.allclose(y[:, 4:], batch[:, :-4], atol=1e-2) and np.all(y[:, :4] == 0)
    )
    zoom = layers.RandomZoom(height_factor=(-0.5, -0.5), name="zoom")
    out["close_zoom_in"] = check("zoom", zoom)
    bright = layers.RandomBrightness(factor=(0.2, 0.2), value_range=(0, 255), name="br")
    y = check("brightness", bright)
    out["close_brightness"] = y
    out["same_brightness_adds_51"] = bool(
        np.allclose(y, np.clip(batch + 51.0, 0, 255), atol=1e-3)
    )
    mid = _images(16, low=100.0, high=155.0, seed=1)
    contrast = layers.RandomContrast(factor=0.5, seed=8, name="contrast")
    y = check("contrast", contrast, x=mid)
    # Contrast scales around each image's channel means, which stay put.
    out["close_contrast_keeps_means"] = y.mean(axis=(1, 2))
    out["close_contrast_input_means"] = mid.mean(axis=(1, 2))

    # A Pipeline of augmentations, as its docstring shows.
    pipeline = layers.Pipeline(
        [layers.RandomFlip("horizontal", seed=1), layers.RandomBrightness(0.1, seed=2)],
        name="pipeline",
    )
    y = _np(pipeline(batch))
    out["same_pipeline_out"] = (y.shape, str(y.dtype))
    out["same_pipeline_inference_identity"] = bool(
        np.allclose(_np(pipeline(batch, training=False)), batch)
    )
    config = pipeline.get_config()
    rebuilt = layers.Pipeline.from_config(config)
    out["same_pipeline_layer_classes"] = [
        type(layer).__name__ for layer in rebuilt.layers
    ]
    out["same_pipeline_roundtrip"] = rebuilt.get_config() == config
    pipe_mix = layers.Pipeline([layers.RandomFlip(seed=3), layers.MixUp(seed=4)])
    mixed = pipe_mix({"images": batch, "labels": np.eye(len(batch), dtype="float32")})
    out["same_pipeline_dict"] = (
        sorted(mixed),
        tuple(mixed["images"].shape),
        bool(np.allclose(_np(mixed["labels"]).sum(-1), 1.0, atol=1e-5)),
    )
    return out


def _model_section(keras, workdir):
    layers = keras.layers
    out = {}
    num_classes = 4
    rng = np.random.default_rng(0)
    # A bright central square over noise: red, green, blue (classes 0-2) or white.
    y = rng.integers(0, num_classes, 256)
    x = rng.uniform(0, 80, (256, 16, 16, 3)).astype("float32")
    for i, k in enumerate(y):
        channels = slice(None) if k == 3 else slice(int(k), int(k) + 1)
        x[i, 4:12, 4:12, channels] += 150.0
    y_onehot = keras.utils.to_categorical(y, num_classes)

    # Geometric augmentation before the model, as the fine-tuning example does.
    geometric = [
        layers.RandomRotation(factor=0.05, seed=1),
        layers.RandomTranslation(height_factor=0.05, width_factor=0.05, seed=2),
    ]
    # Keras runs these in eager mode (they say they cannot be jit-compiled);
    # kerasish compiles them (deliberate: every kerasish layer runs in `jit`).
    out["geometric_supports_jit"] = [layer.supports_jit for layer in geometric]

    def img_augmentation_fn(images):
        for layer in geometric:
            images = layer(images)
        return images

    # Colour augmentation inside the model, which stays jit-compiled.
    img_augmentation = keras.Sequential(
        [
            layers.RandomFlip(name="aug_flip"),
            layers.RandomContrast(factor=0.1, name="aug_contrast"),
            layers.RandomBrightness(factor=0.1, name="aug_brightness"),
        ],
        name="img_augmentation",
    )
    inputs = keras.Input(shape=(16, 16, 3), name="image")
    h = img_augmentation(inputs)
    h = layers.Rescaling(1.0 / 255, name="rescale")(h)
    h = layers.Conv2D(8, 3, activation="relu", name="conv")(h)
    h = layers.MaxPooling2D(name="pool")(h)
    h = layers.GlobalAveragePooling2D(name="gap")(h)
    h = layers.Dropout(0.2, name="top_dropout")(h)
    outputs = layers.Dense(num_classes, activation="softmax", name="pred")(h)
    model = keras.Model(inputs, outputs, name="augmented_cnn")

    wrng = np.random.default_rng(1)
    model.set_weights(
        [
            (wrng.standard_normal(w.shape) * 0.3).astype("float32")
            for w in model.get_weights()
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    lines = []
    model.summary(print_fn=lambda line, **kw: lines.append(line))
    out["same_summary"] = "\n".join(lines)
    out["same_param_count"] = model.count_params()
    out["same_jit_compile"] = model.jit_compile

    expanded = []
    model.summary(expand_nested=True, print_fn=lambda line, **kw: expanded.append(line))
    out["same_summary_expanded"] = "\n".join(expanded)

    # Called directly, the augmentation applies; with training=False it does not.
    sample = x[:16]
    out["same_sequential_default_augments"] = not np.allclose(
        _np(img_augmentation(sample)), sample
    )
    out["same_sequential_inference_identity"] = bool(
        np.allclose(_np(img_augmentation(sample, training=False)), sample)
    )
    out["close_model_call_inference"] = np.asarray(model(sample, training=False))

    # Inference runs the augmentation as identity: evaluate/predict are deterministic.
    out["close_evaluate_before"] = model.evaluate(x, y_onehot, verbose=0)
    out["close_predict_before"] = model.predict(x[:8], verbose=0)

    # MixUp the training batches, as the keras.io MixUp example does.
    mix_up = layers.MixUp(alpha=0.2, seed=0)
    mixed = mix_up({"images": img_augmentation_fn(x), "labels": y_onehot})
    history = model.fit(
        _np(mixed["images"]),
        _np(mixed["labels"]),
        validation_split=0.25,
        epochs=5,
        batch_size=32,
        verbose=0,
    )
    out["same_history_keys"] = sorted(history.history)
    out["same_epochs"] = len(history.history["loss"])
    assert history.history["loss"][-1] < history.history["loss"][0]
    out["final_loss"] = history.history["loss"][-1]
    acc = model.evaluate(x, y_onehot, verbose=0)[1]
    out["accuracy"] = acc
    assert acc > 0.4, acc

    path = str(workdir / "augmented.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    aug = loaded.get_layer("img_augmentation")
    out["same_loaded_aug_layers"] = [
        (type(layer).__name__, layer.name) for layer in aug.layers
    ]
    out["same_loaded_aug_configs_kept"] = [
        a.get_config() == b.get_config()
        for a, b in zip(aug.layers, img_augmentation.layers)
    ]
    out["same_loaded_aug_configs"] = [layer.get_config() for layer in aug.layers]
    out["same_loaded_predicts_the_same"] = bool(
        np.allclose(
            loaded.predict(x[:8], verbose=0),
            model.predict(x[:8], verbose=0),
            atol=1e-6,
        )
    )
    return out


def run(keras, workdir):
    keras.utils.set_random_seed(0)
    result = {}
    result.update(_random_section(keras))
    result.update(_mix_sections(keras))
    result.update(_augment_sections(keras))
    result.update(_model_section(keras, workdir))
    return result
