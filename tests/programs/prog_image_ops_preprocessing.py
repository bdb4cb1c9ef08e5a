"""keras.ops.image and the deterministic image preprocessing layers, on tiny images.

In the style of keras.io's "Image classification from scratch" (preprocessing
inside the model: Rescaling, Resizing, CenterCrop, augmentation layers that are
the identity at inference) and the `keras.ops.image` API docs, on 2x12x12x3
float and uint8 images made with numpy.

Covers: `ops.image.resize` with each interpolation, `antialias`,
`crop_to_aspect_ratio`, `pad_to_aspect_ratio` (with `fill_value`), uint8 input,
upsampling and channels_first ("area" is refused by the JAX backend);
`affine_transform` with constant / reflect / wrap / mirror fill and nearest /
bilinear interpolation (and channels_first); `extract_patches` (valid / same, strides,
dilation, channels_first) and `extract_patches_3d`; `crop_images` /
`pad_images` by offsets and by target size; `rgb_to_grayscale`, `rgb_to_hsv`,
`hsv_to_rgb` (round trip); `map_coordinates` with order 0 / 1 and fill modes;
`gaussian_blur` (with an explicit data_format: Keras's JAX backend reads
data_format=None as channels_first there), `perspective_transform` (one point
set per image) and `elastic_transform` (random: only checked to exist);
symbolic output shapes on KerasTensors of unknown size.
Layers: Resizing (interpolation, crop / pad to aspect ratio, channels_first),
CenterCrop, Rescaling(scale, offset) on uint8, Normalization(axis=-1) with
given mean / variance, `invert=True` and axis=1 on channels_first; the
output dtype of the layers on uint8 images; RandomCrop / RandomFlip /
RandomRotation / RandomZoom / RandomTranslation / RandomContrast /
RandomBrightness with training=False (identity) and training=True (shapes and
ranges compared, values reported); `keras.utils.array_to_img` /
`img_to_array` / `save_img` / `load_img` round trip in workdir (PNG and JPEG,
grayscale / rgba, target_size, keep_aspect_ratio, bilinear); a small CNN
whose first layers are Rescaling + Resizing + CenterCrop, weights set from
numpy, predictions and two fit steps.
"""

import numpy as np

# Sections the values are gathered in (by the first word of their name), so the
# result stays a short dict: one `close_<section>` array and one
# `same_<section>` list each.
SECTIONS = {
    "resize": "resize",
    "affine": "geometry",
    "map": "geometry",
    "perspective": "geometry",
    "patches": "patches",
    "crop": "crop_pad",
    "pad": "crop_pad",
    "gray": "color",
    "hsv": "color",
    "gaussian": "filters",
    "has": "filters",
    "layer": "layers",
    "resizing": "layers",
    "center": "layers",
    "rescaling": "layers",
    "normalization": "layers",
    "uint8": "layers",
    "contrast": "layers",
    "random": "random",
    "pil": "image_utils",
    "img": "image_utils",
    "load": "image_utils",
    "array": "image_utils",
}


def _grouped(values):
    """`close_*` arrays concatenated (flat, in name order) and `same_*` values
    listed as `(name, value)` per section; other keys kept as they are."""
    out, closes, sames = {}, {}, {}
    for key in sorted(values):
        kind, _, name = key.partition("_")
        section = SECTIONS.get(name.split("_")[0])
        if kind == "close" and section:
            closes.setdefault(section, []).append(
                np.ravel(np.asarray(values[key], "float64"))
            )
            # The shapes are compared too, not only the flat values.
            sames.setdefault(section, []).append(
                (name + "_shape", tuple(np.shape(values[key])))
            )
        elif kind == "same" and section:
            value = values[key]
            if isinstance(value, np.ndarray):
                value = value.tolist()
            sames.setdefault(section, []).append((name, value))
        else:
            out[key] = values[key]
    for section, arrays in closes.items():
        out[f"close_{section}"] = np.concatenate(arrays)
    for section, items in sames.items():
        out[f"same_{section}"] = items
    return out


def run(keras, workdir):
    ops, layers = keras.ops, keras.layers
    image = ops.image
    keras.utils.set_random_seed(0)

    rng = np.random.default_rng(7)
    imgs = rng.uniform(0.0, 1.0, size=(2, 12, 12, 3)).astype("float32")
    imgs_u8 = rng.integers(0, 256, size=(2, 12, 12, 3)).astype("uint8")
    imgs_cf = np.transpose(imgs, (0, 3, 1, 2)).copy()

    def a(x):
        return np.asarray(x)

    out = {}

    # ---- resize ---------------------------------------------------------
    resized = {}
    for method in ("nearest", "bilinear", "bicubic", "lanczos5"):
        r = a(image.resize(imgs, (8, 8), interpolation=method))
        resized[method] = r
        out[f"close_resize_{method}"] = r
    # "area" is not one of the JAX backend's methods: a ValueError.
    try:
        image.resize(imgs, (8, 8), interpolation="area")
        out["same_resize_area_error"] = None
    except ValueError as e:
        out["same_resize_area_error"] = type(e).__name__
        out["resize_area_message"] = str(e)
    out["same_resize_shape"] = resized["bilinear"].shape
    out["close_resize_bilinear_antialias"] = a(
        image.resize(imgs, (8, 8), interpolation="bilinear", antialias=True)
    )
    up = a(image.resize(imgs, (16, 16)))
    out["close_resize_up"] = up
    out["close_resize_crop_aspect"] = a(
        image.resize(imgs, (6, 10), crop_to_aspect_ratio=True)
    )
    out["close_resize_pad_aspect"] = a(
        image.resize(imgs, (6, 10), pad_to_aspect_ratio=True, fill_value=0.5)
    )
    r_u8 = image.resize(imgs_u8, (8, 8), interpolation="bilinear")
    out["same_resize_uint8_dtype"] = str(a(r_u8).dtype)
    out["close_resize_uint8"] = a(r_u8).astype("float64")
    r_cf = a(image.resize(imgs_cf, (8, 8), data_format="channels_first"))
    out["same_resize_cf_shape"] = r_cf.shape
    assert np.allclose(np.transpose(r_cf, (0, 2, 3, 1)), resized["bilinear"], 1e-5)

    # ---- affine_transform -------------------------------------------------
    theta = 0.3
    c, s = np.cos(theta), np.sin(theta)
    rot = np.array([c, -s, 1.5, s, c, -1.0, 0.0, 0.0], "float32")
    shift = np.array([1, 0, -2.5, 0, 1, 3.0, 0, 0], "float32")
    transforms = np.stack([rot, shift])
    affine = []
    for fill, interp in (
        ("constant", "nearest"),
        ("reflect", "bilinear"),
        ("wrap", "bilinear"),
        ("mirror", "nearest"),
    ):
        affine.append(
            a(
                image.affine_transform(
                    imgs,
                    transforms,
                    interpolation=interp,
                    fill_mode=fill,
                    fill_value=0.25,
                )
            )
        )
    out["close_affine_all"] = np.stack(affine)
    aff_cf = a(
        image.affine_transform(imgs_cf, transforms, data_format="channels_first")
    )
    assert np.allclose(
        np.transpose(aff_cf, (0, 2, 3, 1)),
        a(image.affine_transform(imgs, transforms)),
        atol=1e-5,
    )
    out["same_affine_cf_shape"] = aff_cf.shape

    # ---- extract_patches -------------------------------------------------
    p1 = a(image.extract_patches(imgs, 4))
    out["same_patches_valid_shape"] = p1.shape
    out["close_patches_valid"] = p1
    p2 = a(image.extract_patches(imgs, (3, 3), strides=(2, 2), padding="same"))
    out["same_patches_same_shape"] = p2.shape
    out["close_patches_same"] = p2
    p3 = a(image.extract_patches(imgs, (3, 3), strides=(3, 3), dilation_rate=2))
    out["close_patches_dilated"] = p3
    p_cf = a(image.extract_patches(imgs_cf, 4, data_format="channels_first"))
    out["same_patches_cf_shape"] = p_cf.shape
    vol = imgs[:, :8, :8, :].reshape(2, 4, 4, 4, 3)
    p3d = a(image.extract_patches_3d(vol, 2))
    out["same_patches_3d_shape"] = p3d.shape
    out["close_patches_3d"] = p3d

    # ---- crop / pad -------------------------------------------------------
    cropped = a(
        image.crop_images(
            imgs, top_cropping=1, left_cropping=2, bottom_cropping=3, right_cropping=0
        )
    )
    out["same_crop_shape"] = cropped.shape
    assert np.array_equal(cropped, imgs[:, 1:9, 2:12, :])
    cropped_t = a(
        image.crop_images(
            imgs, top_cropping=2, left_cropping=3, target_height=6, target_width=5
        )
    )
    out["same_crop_target_shape"] = cropped_t.shape
    out["close_crop_target"] = cropped_t
    padded = a(
        image.pad_images(
            imgs_u8, top_padding=1, left_padding=2, bottom_padding=0, right_padding=3
        )
    )
    out["same_pad_shape_dtype"] = (padded.shape, str(padded.dtype))
    out["same_pad_values"] = padded
    padded_t = a(
        image.pad_images(
            imgs_cf,
            top_padding=2,
            right_padding=1,
            target_height=16,
            target_width=14,
            data_format="channels_first",
        )
    )
    out["same_pad_target_cf_shape"] = padded_t.shape
    out["close_pad_target_cf"] = padded_t

    # ---- colour spaces ----------------------------------------------------
    gray = a(image.rgb_to_grayscale(imgs))
    out["same_gray_shape"] = gray.shape
    out["close_gray"] = gray
    gray_u8 = a(image.rgb_to_grayscale(imgs_u8))
    out["same_gray_uint8_dtype"] = str(gray_u8.dtype)
    out["close_gray_uint8"] = gray_u8.astype("float64")
    gray_cf = a(image.rgb_to_grayscale(imgs_cf, data_format="channels_first"))
    out["same_gray_cf_shape"] = gray_cf.shape
    hsv = a(image.rgb_to_hsv(imgs))
    out["close_hsv"] = hsv
    back = a(image.hsv_to_rgb(hsv))
    assert np.allclose(back, imgs, atol=1e-5)
    out["close_hsv_roundtrip"] = back

    # ---- map_coordinates -----------------------------------------------------
    plane = imgs[0, :, :, 0]
    yy, xx = np.meshgrid(
        np.linspace(-1.5, 12.5, 7), np.linspace(-0.7, 11.9, 5), indexing="ij"
    )
    coords = np.stack([yy, xx]).astype("float32")
    mapped = []
    for order, fill in ((0, "constant"), (1, "constant"), (1, "wrap"), (0, "mirror")):
        mapped.append(
            a(
                image.map_coordinates(
                    plane, coords, order, fill_mode=fill, fill_value=-1.0
                )
            )
        )
    out["close_map_coordinates"] = np.stack(mapped)

    # ---- newer ops -------------------------------------------------------------
    out["close_gaussian_blur"] = a(
        image.gaussian_blur(
            imgs, kernel_size=(3, 5), sigma=(1.0, 0.7), data_format="channels_last"
        )
    )
    start = np.array([[0, 0], [11, 0], [0, 11], [11, 11]], "float32")
    end = np.array([[1, 0], [10, 2], [0, 11], [11, 9]], "float32")
    # One (4, 2) pair of point sets for a batch fails in Keras's JAX backend
    # (vmap over a batch of 1): give one pair per image.
    out["close_perspective"] = a(
        image.perspective_transform(
            imgs, np.stack([start, start]), np.stack([end, end[::-1]])
        )
    )
    # elastic_transform is random (and slow to compile): only checked to exist.
    out["same_has_elastic_transform"] = callable(image.elastic_transform)

    # ---- deterministic preprocessing layers ----------------------------------
    out["close_layer_resizing"] = np.stack(
        [
            a(layers.Resizing(8, 8, interpolation=m)(imgs))
            for m in ("nearest", "bicubic")
        ]
    )
    out["close_layer_resizing_crop"] = a(
        layers.Resizing(6, 10, crop_to_aspect_ratio=True)(imgs)
    )
    out["close_layer_resizing_pad"] = a(
        layers.Resizing(6, 10, pad_to_aspect_ratio=True, fill_value=1.0)(imgs)
    )
    rz_cf = layers.Resizing(8, 8, data_format="channels_first")
    out["same_layer_resizing_cf_shape"] = a(rz_cf(imgs_cf)).shape
    cfg = layers.Resizing(6, 10, interpolation="bicubic", crop_to_aspect_ratio=True)
    cfg = cfg.get_config()
    out["same_resizing_config"] = sorted(
        (k, str(v)) for k, v in cfg.items() if k not in ("dtype", "name")
    )
    cc = layers.CenterCrop(8, 10)
    cc_out = a(cc(imgs))
    assert np.array_equal(cc_out, imgs[:, 2:10, 1:11, :])
    out["same_center_crop_shape"] = cc_out.shape
    out["close_center_crop_up"] = a(layers.CenterCrop(14, 16)(imgs))
    cc_cf = a(layers.CenterCrop(8, 10, data_format="channels_first")(imgs_cf))
    out["same_center_crop_cf_shape"] = cc_cf.shape
    resc = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)
    resc_out = a(resc(imgs_u8))
    out["same_rescaling_dtype"] = str(resc_out.dtype)
    out["close_rescaling"] = resc_out
    mean = np.array([0.4, 0.5, 0.6], "float32")
    var = np.array([0.04, 0.09, 0.16], "float32")
    norm = layers.Normalization(axis=-1, mean=mean, variance=var)
    normed = a(norm(imgs))
    out["close_normalization"] = normed
    denorm = layers.Normalization(axis=-1, mean=mean, variance=var, invert=True)
    restored = a(denorm(normed))
    assert np.allclose(restored, imgs, atol=1e-5)
    out["close_normalization_invert"] = restored

    norm_cf = layers.Normalization(axis=1, mean=mean, variance=var)
    out["close_normalization_cf"] = a(norm_cf(imgs_cf))

    # dtypes on uint8 input: Resizing keeps uint8, CenterCrop / RandomFlip cast.
    out["same_uint8_layer_dtypes"] = [
        str(a(layer(imgs_u8, training=False)).dtype)
        for layer in (
            layers.Resizing(8, 8),
            layers.CenterCrop(8, 8),
            layers.RandomFlip(seed=1),
            layers.RandomRotation(0.1, seed=1),
            layers.RandomBrightness(0.1, seed=1),
        )
    ]
    # RandomContrast(training=False) on uint8 images returns them unchanged.
    contrast_u8 = a(layers.RandomContrast(0.1, seed=1)(imgs_u8, training=False))
    out["same_contrast_uint8_inference_dtype"] = str(contrast_u8.dtype)
    out["same_contrast_uint8_inference_values"] = contrast_u8.astype("float64")

    # Symbolic shapes: ops.image on KerasTensors of unknown size.
    any_size = keras.Input(shape=(None, None, 3))
    fixed = keras.Input(shape=(12, 12, 3))
    out["same_symbolic_shapes"] = [
        tuple(t.shape)
        for t in (
            image.resize(any_size, (8, 8)),
            layers.Resizing(8, 8, crop_to_aspect_ratio=True)(any_size),
            layers.CenterCrop(8, 6)(any_size),
            image.rgb_to_grayscale(any_size),
            image.affine_transform(any_size, keras.Input(shape=(8,))),
            image.extract_patches(fixed, 4),
            image.extract_patches(fixed, (3, 3), strides=2, padding="same"),
            image.crop_images(
                fixed, top_cropping=1, left_cropping=1, target_height=5, target_width=6
            ),
            image.pad_images(
                fixed, top_padding=1, left_padding=1, target_height=15, target_width=16
            ),
        )
    ]

    # ---- random layers: identity at inference, shapes / ranges in training ------
    randoms = {
        "crop": layers.RandomCrop(8, 8, seed=1),
        "flip": layers.RandomFlip("horizontal_and_vertical", seed=1),
        "rotation": layers.RandomRotation(0.2, fill_mode="reflect", seed=1),
        "zoom": layers.RandomZoom(0.3, 0.2, seed=1),
        "translation": layers.RandomTranslation(0.2, 0.1, seed=1),
        "contrast": layers.RandomContrast(0.5, value_range=(0, 1), seed=1),
        "brightness": layers.RandomBrightness(0.3, value_range=(0, 1), seed=1),
    }
    identity, train_shapes, in_range, train_means = [], [], [], {}
    for name, layer in randoms.items():
        inf = a(layer(imgs, training=False))
        if name == "crop":
            # RandomCrop at inference center-crops (a deterministic resize).
            out["close_random_crop_inference"] = inf
        else:
            identity.append(bool(np.allclose(inf, imgs, atol=1e-6)))
        tr = a(layer(imgs, training=True))
        train_shapes.append(tr.shape)
        in_range.append(bool(tr.min() >= -1e-5 and tr.max() <= 1 + 1e-5))
        train_means[name] = float(tr.mean())
    out["random_train_means"] = train_means
    out["same_random_identity"] = identity
    out["same_random_train_shapes"] = train_shapes
    out["same_random_in_range"] = in_range

    # ---- keras.utils image round trip -------------------------------------------
    utils = keras.utils
    pil = utils.array_to_img(imgs[0])
    out["same_pil_size_mode"] = (pil.size, pil.mode)
    arr = utils.img_to_array(pil)
    out["same_img_to_array"] = (arr.shape, str(arr.dtype))
    out["close_img_to_array"] = arr
    png = workdir / "pic.png"
    utils.save_img(png, imgs_u8[1], scale=False)
    loaded = utils.load_img(png)
    loaded_arr = utils.img_to_array(loaded, dtype="uint8")
    assert np.array_equal(loaded_arr, imgs_u8[1])
    out["same_load_roundtrip"] = bool(np.array_equal(loaded_arr, imgs_u8[1]))
    gray_img = utils.load_img(png, color_mode="grayscale", target_size=(6, 8))
    gray_arr = utils.img_to_array(gray_img)
    out["same_load_gray"] = (gray_img.size, gray_img.mode, gray_arr.shape)
    out["close_load_gray"] = gray_arr
    jpg = workdir / "pic.jpg"
    utils.save_img(jpg, imgs[0])
    out["close_load_jpg_keep_aspect"] = utils.img_to_array(
        utils.load_img(jpg, target_size=(6, 10), keep_aspect_ratio=True)
    )
    out["close_load_rgba_bilinear"] = utils.img_to_array(
        utils.load_img(
            png, color_mode="rgba", target_size=(5, 7), interpolation="bilinear"
        )
    )
    cf_arr = utils.img_to_array(loaded, data_format="channels_first")
    out["same_img_to_array_cf"] = cf_arr.shape
    pil_cf = utils.array_to_img(cf_arr, data_format="channels_first", scale=False)
    out["same_array_to_img_cf"] = (pil_cf.size, pil_cf.mode)

    out = _grouped(out)

    # ---- small CNN with preprocessing inside ------------------------------------
    inputs = keras.Input(shape=(12, 12, 3))
    h = layers.Rescaling(1.0 / 255.0)(inputs)
    h = layers.Resizing(10, 10)(h)
    h = layers.CenterCrop(8, 8)(h)
    h = layers.Conv2D(4, 3, activation="relu", name="conv")(h)
    h = layers.GlobalAveragePooling2D()(h)
    outputs = layers.Dense(3, name="head")(h)
    model = keras.Model(inputs, outputs, name="prep_cnn")
    wrng = np.random.default_rng(3)
    model.set_weights(
        [
            (wrng.normal(size=w.shape) * 0.5).astype("float32")
            for w in model.get_weights()
        ]
    )
    out["same_cnn_params"] = model.count_params()
    out["same_cnn_layers"] = [type(layer).__name__ for layer in model.layers]
    x = rng.integers(0, 256, size=(8, 12, 12, 3)).astype("float32")
    y = rng.integers(0, 3, size=(8,))
    out["close_cnn_predict"] = model.predict(x, verbose=0)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    hist = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    out["same_cnn_history_keys"] = sorted(hist.history)
    out["close_cnn_loss"] = hist.history["loss"]
    out["close_cnn_weights"] = np.concatenate(
        [np.ravel(w) for w in model.get_weights()]
    )
    out["close_cnn_predict_after"] = model.predict(x[:3], verbose=0)
    return out
