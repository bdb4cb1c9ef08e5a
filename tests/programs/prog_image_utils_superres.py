"""Image utilities and super-resolution: ESPCN on tiny synthetic pictures.

In the style of keras.io's "Image Super-Resolution using an Efficient Sub-Pixel CNN"
(with "Low-light image enhancement" / "Image denoising" style pre-processing):
32x32 RGB pictures made with numpy are written as PNGs with keras.utils.save_img and
read back with load_img (color_mode, target_size, interpolation, keep_aspect_ratio),
img_to_array and array_to_img; keras.ops.image (resize with each interpolation,
antialias, crop / pad to aspect ratio; rgb_to_grayscale, rgb_to_hsv / hsv_to_rgb,
affine_transform, map_coordinates, pad_images, crop_images, extract_patches,
perspective_transform) and the Resizing / CenterCrop / Rescaling / Normalization
layers are checked on them. The ESPCN model (Conv2D + the guide's DepthToSpace
layer written with keras.ops, trained on the Y channel of a YUV conversion, low-res
inputs from load_img's bicubic resize) starts from weights set from a numpy seed and
trains with a custom PSNR callback (keras.ops), ModelCheckpoint(save_best_only) and
EarlyStopping(restore_best_weights); then summary, evaluate, predict, upscaling an
RGB picture, the best checkpoint and .keras saving with load_model, the same network
with a Lambda around ops.depth_to_space, an inference model whose Lambda needs
safe_mode=False to load (the error safe_mode=True raises), and
image_dataset_from_directory on a tiny folder of PNGs (label_mode int / categorical
/ binary / None, validation_split + subset + seed, image_size, crop_to_aspect_ratio,
grayscale).
"""

import io
import math
from contextlib import redirect_stdout

import numpy as np

SIZE = 32
UPSCALE = 2


def make_picture(rng, height=SIZE, width=SIZE):
    """A smooth RGB picture (sinusoids + a bright square), uint8."""
    yy, xx = np.mgrid[0:height, 0:width].astype("float64")
    yy, xx = yy / height, xx / width
    channels = []
    for _ in range(3):
        fx, fy = rng.uniform(0.5, 2.5, size=2)
        phase = rng.uniform(0, 2 * np.pi)
        channels.append(0.5 + 0.4 * np.sin(2 * np.pi * (fx * xx + fy * yy) + phase))
    img = np.stack(channels, axis=-1)
    top, left = rng.integers(2, height // 2), rng.integers(2, width // 2)
    img[top : top + height // 4, left : left + width // 4] += rng.uniform(
        0.1, 0.3, size=3
    )
    img += rng.normal(scale=0.02, size=img.shape)
    return (np.clip(img, 0, 1) * 255).round().astype("uint8")


def summary_text(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def relative(paths, root):
    return [str(p)[len(str(root)) + 1 :].replace("\\", "/") for p in paths]


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    utils = keras.utils
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(2024)
    out = {}

    pictures = np.stack([make_picture(rng) for _ in range(48)])  # (48, 32, 32, 3)

    # --- keras.utils image I/O ---------------------------------------------------
    first = pictures[0]
    pil = utils.array_to_img(first, scale=False)
    out["same_pil_size_mode"] = (pil.size, pil.mode)
    back = utils.img_to_array(pil)
    out["same_img_to_array"] = (back.shape, str(back.dtype))
    out["close_img_to_array"] = back[::4, ::4]
    out["same_img_to_array_uint8"] = str(utils.img_to_array(pil, dtype="uint8").dtype)
    out["same_img_to_array_cf"] = utils.img_to_array(
        pil, data_format="channels_first"
    ).shape
    # scale=True (the default) stretches a float array to 0..255.
    scaled = utils.img_to_array(utils.array_to_img(first.astype("float32") / 510.0))
    out["close_array_to_img_scaled"] = scaled[::4, ::4]
    gray_pil = utils.array_to_img(first[..., :1], scale=False)
    out["same_gray_pil_mode"] = gray_pil.mode

    png = workdir / "picture.png"
    utils.save_img(png, first, scale=False)
    loaded = utils.load_img(png)
    out["same_loaded"] = (loaded.size, loaded.mode, loaded.format)
    np.testing.assert_array_equal(utils.img_to_array(loaded), first.astype("float32"))
    gray = utils.img_to_array(utils.load_img(str(png), color_mode="grayscale"))
    out["same_gray_shape"] = gray.shape
    out["close_gray"] = gray[::4, ::4, 0]
    rgba = utils.img_to_array(utils.load_img(png, color_mode="rgba"))
    out["same_rgba_shape_alpha"] = (rgba.shape, float(rgba[..., 3].min()))
    for interpolation in ("nearest", "bilinear", "bicubic", "lanczos", "box"):
        small = utils.load_img(png, target_size=(16, 12), interpolation=interpolation)
        arr = utils.img_to_array(small)
        out[f"close_load_{interpolation}"] = arr
    out["same_load_target_size"] = utils.load_img(png, target_size=(16, 12)).size
    kept = utils.load_img(png, target_size=(16, 8), keep_aspect_ratio=True)
    out["same_keep_aspect_size"] = kept.size
    out["close_keep_aspect"] = utils.img_to_array(kept)
    # A float image in [0, 1] saved with scale=True, a one-channel image, a JPEG.
    utils.save_img(workdir / "float.png", first / 255.0)
    out["close_float_roundtrip"] = utils.img_to_array(
        utils.load_img(workdir / "float.png")
    )[::4, ::4]
    utils.save_img(workdir / "gray.png", gray, scale=False)
    gray_loaded = utils.load_img(workdir / "gray.png", color_mode="grayscale")
    out["same_gray_png"] = (gray_loaded.mode, gray_loaded.size)
    utils.save_img(workdir / "picture.jpg", first, scale=False)
    out["same_jpeg"] = utils.load_img(workdir / "picture.jpg").format
    utils.save_img(
        workdir / "cf.png",
        np.transpose(first, (2, 0, 1)),
        data_format="channels_first",
        scale=False,
    )
    np.testing.assert_array_equal(
        utils.img_to_array(utils.load_img(workdir / "cf.png")), first
    )

    # --- keras.ops.image -----------------------------------------------------------
    batch = pictures[:2].astype("float32") / 255.0
    for interpolation in ("bilinear", "nearest", "bicubic"):
        down = ops.image.resize(batch, (16, 16), interpolation=interpolation)
        out[f"close_resize_{interpolation}"] = ops.convert_to_numpy(down)
    for interpolation in ("bilinear", "bicubic"):
        up = ops.image.resize(batch[0], (40, 48), interpolation=interpolation)
        out[f"same_resize_up_shape_{interpolation}"] = tuple(up.shape)
        out[f"close_resize_up_{interpolation}"] = ops.convert_to_numpy(up)[::3, ::3]
    anti = ops.image.resize(batch, (8, 8), antialias=True)
    plain = ops.image.resize(batch, (8, 8))
    out["close_resize_antialias"] = ops.convert_to_numpy(anti)
    # Antialiasing averages more pixels: the result is smoother.
    assert np.std(np.diff(ops.convert_to_numpy(anti), axis=1)) <= np.std(
        np.diff(ops.convert_to_numpy(plain), axis=1)
    )
    cropped = ops.image.resize(batch, (16, 24), crop_to_aspect_ratio=True)
    out["close_resize_crop_aspect"] = ops.convert_to_numpy(cropped)
    padded = ops.image.resize(batch, (16, 24), pad_to_aspect_ratio=True, fill_value=0.5)
    out["close_resize_pad_aspect"] = ops.convert_to_numpy(padded)
    out["same_resize_dtype"] = str(ops.image.resize(pictures[:2], (8, 8)).dtype)

    grayscale = ops.image.rgb_to_grayscale(batch)
    out["same_grayscale_shape"] = tuple(grayscale.shape)
    out["close_grayscale"] = ops.convert_to_numpy(grayscale)[:, ::2, ::2]
    hsv = ops.image.rgb_to_hsv(batch)
    out["close_hsv"] = ops.convert_to_numpy(hsv)[:, ::2, ::2]
    np.testing.assert_allclose(
        ops.convert_to_numpy(ops.image.hsv_to_rgb(hsv)), batch, atol=1e-5
    )
    out["close_hsv_to_rgb"] = ops.convert_to_numpy(
        ops.image.hsv_to_rgb(hsv * np.array([1.0, 0.5, 1.0], "float32"))
    )[:, ::2, ::2]

    # Rotate by 15 degrees about the centre, then shift, as an augmentation would.
    theta = np.deg2rad(15.0)
    c, s = np.cos(theta), np.sin(theta)
    cx = cy = (SIZE - 1) / 2
    rotate = [c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0.0, 0.0]
    shift = [1.0, 0.0, 3.0, 0.0, 1.0, -2.0, 0.0, 0.0]
    transforms = np.array([rotate, shift], "float32")
    for interpolation, fill_mode in (
        ("bilinear", "constant"),
        ("nearest", "reflect"),
        ("bilinear", "wrap"),
    ):
        moved = ops.image.affine_transform(
            batch, transforms, interpolation=interpolation, fill_mode=fill_mode
        )
        out[f"close_affine_{interpolation}_{fill_mode}"] = ops.convert_to_numpy(moved)
    single = ops.image.affine_transform(batch[0], transforms[1], fill_value=1.0)
    out["close_affine_single"] = ops.convert_to_numpy(single)

    channel = batch[0, :, :, 0]
    rows, cols = np.meshgrid(
        np.linspace(-2, SIZE + 1, 20), np.linspace(-1.5, SIZE, 24), indexing="ij"
    )
    coords = np.stack([rows, cols]).astype("float32")
    for order, fill_mode in (
        (1, "constant"),
        (1, "nearest"),
        (1, "mirror"),
        (0, "reflect"),
        (0, "wrap"),
    ):
        mapped = ops.image.map_coordinates(
            channel, coords, order=order, fill_mode=fill_mode, fill_value=0.25
        )
        out[f"close_map_coordinates_{order}_{fill_mode}"] = ops.convert_to_numpy(mapped)

    padded = ops.image.pad_images(
        batch, top_padding=2, left_padding=3, target_height=40, target_width=40
    )
    out["same_pad_images_shape"] = tuple(padded.shape)
    np.testing.assert_array_equal(ops.convert_to_numpy(padded)[:, 2:34, 3:35], batch)
    out["same_pad_images_border"] = float(ops.sum(padded[:, :2]))
    padded2 = ops.image.pad_images(
        batch[0], top_padding=1, bottom_padding=2, left_padding=0, right_padding=5
    )
    out["same_pad_images_single"] = tuple(padded2.shape)
    crop = ops.image.crop_images(
        batch, top_cropping=2, left_cropping=3, target_height=20, target_width=24
    )
    out["same_crop_images_shape"] = tuple(crop.shape)
    np.testing.assert_array_equal(ops.convert_to_numpy(crop), batch[:, 2:22, 3:27])
    crop2 = ops.image.crop_images(
        batch, top_cropping=1, bottom_cropping=3, left_cropping=2, right_cropping=4
    )
    out["same_crop_images_2"] = tuple(crop2.shape)

    patches = ops.image.extract_patches(batch, 8)
    out["same_patches_shape"] = tuple(patches.shape)
    np.testing.assert_allclose(
        ops.convert_to_numpy(patches)[0, 1, 2], batch[0, 8:16, 16:24].reshape(-1)
    )
    strided = ops.image.extract_patches(batch, (6, 6), strides=(4, 4), padding="same")
    out["same_patches_same_shape"] = tuple(strided.shape)
    out["close_patches_same"] = ops.convert_to_numpy(strided)[:, ::2, ::2, ::7]

    if hasattr(ops.image, "perspective_transform"):
        start = np.array([[0, 0], [SIZE - 1, 0], [0, SIZE - 1], [SIZE - 1, SIZE - 1]])
        end = np.array([[3, 2], [SIZE - 4, 0], [0, SIZE - 1], [SIZE - 2, SIZE - 5]])
        # One pair of point sets per image of the batch.
        warped = ops.image.perspective_transform(
            batch,
            np.stack([start, start]).astype("float32"),
            np.stack([end, end[::-1]]).astype("float32"),
        )
        out["close_perspective"] = ops.convert_to_numpy(warped)

    # --- preprocessing layers --------------------------------------------------------
    out["close_resizing_layer"] = ops.convert_to_numpy(
        layers.Resizing(16, 16, interpolation="bicubic")(batch)
    )
    out["close_resizing_crop"] = ops.convert_to_numpy(
        layers.Resizing(16, 24, crop_to_aspect_ratio=True)(batch)
    )
    out["close_resizing_pad"] = ops.convert_to_numpy(
        layers.Resizing(16, 24, pad_to_aspect_ratio=True, fill_value=1.0)(batch)
    )
    center = layers.CenterCrop(24, 20)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(center(batch)), batch[:, 4:28, 6:26]
    )
    out["close_center_crop_upsizes"] = ops.convert_to_numpy(
        layers.CenterCrop(36, 30)(batch[0])
    )[::2, ::2]
    rescale = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)
    out["close_rescaling"] = ops.convert_to_numpy(rescale(pictures[:1]))[0, ::4, ::4]
    out["same_rescaling_dtype"] = str(rescale(pictures[:1]).dtype)
    norm = layers.Normalization(axis=-1)
    norm.adapt(pictures[:16].astype("float32") / 255.0)
    out["close_norm_stats"] = (
        ops.convert_to_numpy(norm.mean).ravel(),
        ops.convert_to_numpy(norm.variance).ravel(),
    )
    normed = ops.convert_to_numpy(norm(pictures[:16].astype("float32") / 255.0))
    np.testing.assert_allclose(normed.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    denorm = layers.Normalization(
        axis=-1,
        mean=ops.convert_to_numpy(norm.mean).ravel(),
        variance=ops.convert_to_numpy(norm.variance).ravel(),
        invert=True,
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(denorm(normed)),
        pictures[:16].astype("float32") / 255.0,
        atol=1e-5,
    )
    out["same_layer_configs"] = [
        sorted(layers.Resizing(8, 8).get_config()),
        sorted(center.get_config()),
        sorted(rescale.get_config()),
        sorted(norm.get_config()),
    ]
    out["same_norm_output_shape"] = norm.compute_output_shape((None, 32, 32, 3))

    # --- ESPCN: data ---------------------------------------------------------------
    hr_dir = workdir / "BSDS_tiny"
    hr_dir.mkdir()
    paths = []
    for i, picture in enumerate(pictures):
        path = hr_dir / f"img_{i:03d}.png"
        utils.save_img(path, picture, scale=False)
        paths.append(path)

    def rgb_to_yuv(images):
        r, g, b = images[..., 0], images[..., 1], images[..., 2]
        y = 0.299 * r + 0.587 * g + 0.114 * b
        u = -0.14714119 * r - 0.28886916 * g + 0.43601035 * b
        v = 0.61497538 * r - 0.51496512 * g - 0.10001026 * b
        return ops.stack([y, u, v], axis=-1)

    def yuv_to_rgb(images):
        y, u, v = images[..., 0], images[..., 1], images[..., 2]
        r = y + 1.13988303 * v
        g = y - 0.394642334 * u - 0.58062185 * v
        b = y + 2.03206185 * u
        return ops.stack([r, g, b], axis=-1)

    def get_lowres_image(img, upscale_factor):
        """As the guide: a PIL bicubic resize (PIL.Image.BICUBIC is 3)."""
        return img.resize(
            (img.size[0] // upscale_factor, img.size[1] // upscale_factor), 3
        )

    def process_input(path):
        lowres = utils.load_img(
            path,
            target_size=(SIZE // UPSCALE, SIZE // UPSCALE),
            interpolation="bicubic",
        )
        yuv = rgb_to_yuv(utils.img_to_array(lowres) / 255.0)
        return ops.convert_to_numpy(yuv[..., :1])

    def process_target(path):
        yuv = rgb_to_yuv(utils.img_to_array(utils.load_img(path)) / 255.0)
        return ops.convert_to_numpy(yuv[..., :1])

    x_all = np.stack([process_input(p) for p in paths]).astype("float32")
    y_all = np.stack([process_target(p) for p in paths]).astype("float32")
    out["same_data_shapes"] = (x_all.shape, y_all.shape)
    out["close_data_sample"] = (x_all[0, ::2, ::2, 0], y_all[0, ::4, ::4, 0])
    x_train, y_train = x_all[:36], y_all[:36]
    x_val, y_val = x_all[36:44], y_all[36:44]
    test_paths = paths[44:]

    # --- ESPCN: model ----------------------------------------------------------------
    @keras.saving.register_keras_serializable(package="superres")
    class DepthToSpace(layers.Layer):
        """The guide's sub-pixel shuffle, written with keras.ops."""

        def __init__(self, block_size, **kwargs):
            super().__init__(**kwargs)
            self.block_size = block_size

        def call(self, input):
            batch, height, width, depth = ops.shape(input)
            depth = depth // (self.block_size**2)
            x = ops.reshape(
                input, [batch, height, width, self.block_size, self.block_size, depth]
            )
            x = ops.transpose(x, [0, 1, 3, 2, 4, 5])
            x = ops.reshape(
                x, [batch, height * self.block_size, width * self.block_size, depth]
            )
            return x

        def get_config(self):
            return {**super().get_config(), "block_size": self.block_size}

    def get_model(upscale_factor=UPSCALE, channels=1):
        conv_args = {"activation": "relu", "padding": "same"}
        inputs = keras.Input(shape=(None, None, channels))
        x = layers.Conv2D(16, 5, **conv_args)(inputs)
        x = layers.Conv2D(16, 3, **conv_args)(x)
        x = layers.Conv2D(8, 3, **conv_args)(x)
        x = layers.Conv2D(channels * (upscale_factor**2), 3, **conv_args)(x)
        outputs = DepthToSpace(upscale_factor)(x)
        return keras.Model(inputs, outputs, name="espcn")

    features = np.random.default_rng(5).normal(size=(2, 3, 4, 12)).astype("float32")
    out["close_depth_to_space"] = ops.convert_to_numpy(ops.depth_to_space(features, 2))
    np.testing.assert_allclose(
        ops.convert_to_numpy(DepthToSpace(2)(features)), out["close_depth_to_space"]
    )
    out["close_space_to_depth"] = ops.convert_to_numpy(
        ops.space_to_depth(ops.depth_to_space(features, 2), 2)
    )
    np.testing.assert_allclose(out["close_space_to_depth"], features)

    model = get_model()
    w_rng = np.random.default_rng(0)
    initial_weights = [
        (
            w_rng.normal(size=w.shape) * np.sqrt(2.0 / np.prod(w.shape[:-1]))
            if w.ndim > 1
            else np.full(w.shape, 0.05)
        ).astype("float32")
        for w in model.get_weights()
    ]
    model.set_weights(initial_weights)
    out["same_summary"] = summary_text(model)
    out["same_layer_names"] = [layer.name for layer in model.layers]
    out["same_param_count"] = model.count_params()
    out["same_output_shape"] = tuple(model.output.shape)
    out["same_predict_shape_odd"] = model.predict(
        np.zeros((1, 5, 7, 1), "float32"), verbose=0
    ).shape
    out["close_untrained_predict"] = model.predict(x_val[:2], verbose=0)[:, ::4, ::4, 0]

    class ESPCNCallback(keras.callbacks.Callback):
        def __init__(self, test_lowres, test_highres):
            super().__init__()
            self.test_lowres = test_lowres
            self.test_highres = test_highres
            self.epoch_psnr = []
            self.mean_psnr = []

        def on_epoch_begin(self, epoch, logs=None):
            self.psnr = []

        def on_test_batch_end(self, batch, logs=None):
            self.psnr.append(10 * math.log10(1 / logs["loss"]))

        def on_epoch_end(self, epoch, logs=None):
            self.mean_psnr.append(float(np.mean(self.psnr)))
            prediction = self.model.predict(self.test_lowres, verbose=0)
            mse = ops.mean(ops.square(prediction - self.test_highres))
            psnr = 10.0 * ops.log(1.0 / mse) / ops.log(10.0)
            self.epoch_psnr.append(float(ops.convert_to_numpy(psnr)))
            print(f"Mean PSNR for epoch: {self.mean_psnr[-1]:.2f}")

    checkpoint_filepath = str(workdir / "checkpoint.keras")
    model_checkpoint_callback = keras.callbacks.ModelCheckpoint(
        filepath=checkpoint_filepath,
        save_weights_only=False,
        monitor="val_loss",
        mode="min",
        save_best_only=True,
    )
    early_stopping_callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    espcn_callback = ESPCNCallback(x_val[:1], y_val[:1])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="mse")
    buf = io.StringIO()
    with redirect_stdout(buf):
        history = model.fit(
            x_train,
            y_train,
            epochs=6,
            batch_size=12,
            shuffle=False,
            validation_data=(x_val, y_val),
            callbacks=[
                espcn_callback,
                early_stopping_callback,
                model_checkpoint_callback,
            ],
            verbose=0,
        )
    printed = buf.getvalue().splitlines()
    out["same_printed_lines"] = len(printed)
    assert all(line.startswith("Mean PSNR for epoch: ") for line in printed), printed
    out["same_history_keys"] = sorted(history.history)
    out["same_history_epochs"] = history.epoch
    out["close_history"] = (history.history["loss"], history.history["val_loss"])
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    out["close_psnr_callback"] = espcn_callback.epoch_psnr
    out["close_psnr_mean"] = espcn_callback.mean_psnr
    out["same_psnr_len"] = (len(espcn_callback.psnr), len(espcn_callback.epoch_psnr))
    out["same_early_stopping"] = (
        early_stopping_callback.stopped_epoch,
        early_stopping_callback.wait,
    )
    out["close_checkpoint_best"] = float(model_checkpoint_callback.best)
    out["close_trained_weights"] = np.concatenate(
        [w.ravel()[:20] for w in model.get_weights()]
    )

    # A second run that stops: nothing improves val_loss by 1.0.
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", min_delta=1.0, patience=2, restore_best_weights=True
    )
    before = model.get_weights()
    h2 = model.fit(
        x_train,
        y_train,
        epochs=10,
        batch_size=12,
        shuffle=False,
        validation_data=(x_val, y_val),
        callbacks=[stopper],
        verbose=0,
    )
    out["same_early_stopped"] = (stopper.stopped_epoch, len(h2.history["loss"]))
    out["close_h2"] = h2.history["val_loss"]
    # The weights of the best (first) epoch are restored: one epoch from `before`.
    out["close_restored_weights"] = np.concatenate(
        [w.ravel()[:20] for w in model.get_weights()]
    )
    assert any(not np.allclose(a, b) for a, b in zip(model.get_weights(), before)), (
        "restored weights should be those after the first epoch"
    )

    # --- ESPCN: evaluate, predict, upscale -----------------------------------------
    out["close_evaluate"] = model.evaluate(x_val, y_val, batch_size=4, verbose=0)
    pred = model.predict(x_val, batch_size=4, verbose=0)
    out["same_pred"] = (pred.shape, str(pred.dtype))
    out["close_pred"] = pred[:2, ::4, ::4, 0]

    def upscale_image(model, img):
        """Upscale the Y channel with the model, U and V with bicubic resizing."""
        yuv = rgb_to_yuv(utils.img_to_array(img) / 255.0)
        y = ops.expand_dims(yuv[..., :1], 0)
        out_y = model.predict(y, verbose=0)[0]
        new_size = (out_y.shape[0], out_y.shape[1])
        out_uv = ops.image.resize(yuv[..., 1:], new_size, interpolation="bicubic")
        rgb = yuv_to_rgb(ops.concatenate([out_y, out_uv], axis=-1))
        rgb = ops.clip(rgb * 255.0, 0.0, 255.0)
        return utils.array_to_img(ops.convert_to_numpy(rgb), scale=False)

    total_bicubic_psnr = total_test_psnr = 0.0
    upscaled_arrays = []
    for path in test_paths:
        img = utils.load_img(path)
        lowres_input = get_lowres_image(img, UPSCALE)
        w, h = lowres_input.size[0] * UPSCALE, lowres_input.size[1] * UPSCALE
        highres_img = img.resize((w, h))
        prediction = upscale_image(model, lowres_input)
        lowres_img = lowres_input.resize((w, h))
        lowres_arr = utils.img_to_array(lowres_img)
        highres_arr = utils.img_to_array(highres_img)
        predict_arr = utils.img_to_array(prediction)
        upscaled_arrays.append(predict_arr[::4, ::4])
        bicubic_psnr = float(
            10 * np.log10(255.0**2 / np.mean((lowres_arr - highres_arr) ** 2))
        )
        test_psnr = float(
            10 * np.log10(255.0**2 / np.mean((predict_arr - highres_arr) ** 2))
        )
        total_bicubic_psnr += bicubic_psnr
        total_test_psnr += test_psnr
        utils.save_img(workdir / f"upscaled_{path.name}", predict_arr)
    out["same_upscaled_size"] = prediction.size
    out["close_upscaled"] = np.stack(upscaled_arrays)
    out["bicubic_psnr"] = total_bicubic_psnr / len(test_paths)
    out["close_test_psnr"] = total_test_psnr / len(test_paths)

    # --- ESPCN: the best checkpoint, .keras saving, a Lambda and safe_mode ------------
    best = keras.models.load_model(checkpoint_filepath)
    out["same_best_layer_names"] = [layer.name for layer in best.layers]
    out["same_best_d2s_config"] = best.layers[-1].get_config()
    out["close_best_val_loss"] = best.evaluate(x_val, y_val, batch_size=8, verbose=0)
    np.testing.assert_allclose(
        out["close_best_val_loss"], min(history.history["val_loss"]), rtol=1e-4
    )
    model.save(workdir / "espcn.keras")
    reloaded = keras.saving.load_model(workdir / "espcn.keras")
    out["same_reloaded_summary"] = summary_text(reloaded) == out["same_summary"]
    np.testing.assert_allclose(
        reloaded.predict(x_val, verbose=0), pred, rtol=1e-5, atol=1e-6
    )
    out["same_reloaded_optimizer"] = (
        type(reloaded.optimizer).__name__,
        int(ops.convert_to_numpy(reloaded.optimizer.iterations)),
        int(ops.convert_to_numpy(model.optimizer.iterations)),
    )
    out["same_reloaded_loss"] = reloaded.loss

    # The same trained convolutions with a Lambda around ops.depth_to_space instead.
    features_out = model.layers[-2].output
    shuffled = layers.Lambda(
        lambda t: ops.depth_to_space(t, UPSCALE), name="depth_to_space"
    )(features_out)
    lambda_model = keras.Model(model.input, shuffled, name="espcn_lambda")
    out["same_lambda_summary"] = summary_text(lambda_model)
    np.testing.assert_allclose(
        lambda_model.predict(x_val, verbose=0), pred, rtol=1e-5, atol=1e-6
    )

    # An inference model that outputs pixel values: its Lambda holds Python bytecode.
    lowres_in = keras.Input(shape=(None, None, 1), name="lowres_y")
    pixels = layers.Lambda(lambda y: y * 255.0, name="to_pixels")(model(lowres_in))
    inference = keras.Model(lowres_in, pixels, name="espcn_inference")
    out["same_inference_summary"] = summary_text(inference)
    inference.save(workdir / "espcn_inference.keras")
    try:
        keras.saving.load_model(workdir / "espcn_inference.keras")
        out["same_safe_mode_error"] = None
    except Exception as e:
        out["same_safe_mode_error"] = type(e).__name__
        assert "safe_mode" in str(e), str(e)
    try:
        keras.models.load_model(workdir / "espcn_inference.keras", safe_mode=True)
        out["same_safe_mode_error_2"] = None
    except Exception as e:
        out["same_safe_mode_error_2"] = type(e).__name__
    unsafe = keras.models.load_model(workdir / "espcn_inference.keras", safe_mode=False)
    out["same_unsafe_layer_names"] = [layer.name for layer in unsafe.layers]
    np.testing.assert_allclose(
        unsafe.predict(x_val, verbose=0), pred * 255.0, rtol=1e-5, atol=1e-4
    )

    # --- image_dataset_from_directory -----------------------------------------------
    root = workdir / "images"
    for label, (lo, hi) in {"dark": (0, 100), "bright": (150, 255)}.items():
        (root / label).mkdir(parents=True)
        for i in range(6):
            picture = rng.integers(lo, hi, size=(20, 28, 3)).astype("uint8")
            utils.save_img(root / label / f"{label}_{i}.png", picture, scale=False)

    def load(**kwargs):
        buf = io.StringIO()
        with redirect_stdout(buf):
            ds = utils.image_dataset_from_directory(root, **kwargs)
        return ds, buf.getvalue()

    def batches(ds):
        result = []
        for item in ds:
            if isinstance(item, tuple):
                result.append(tuple(np.asarray(t) for t in item))
            else:
                result.append(np.asarray(item))
        return result

    ds, message = load(image_size=(16, 16), batch_size=4, shuffle=False)
    got = batches(ds)
    out["same_ds_int"] = (
        message,
        list(ds.class_names),
        relative(ds.file_paths, root),
        [(x.shape, str(x.dtype), y.tolist(), str(y.dtype)) for x, y in got],
    )
    out["close_ds_int_pixels"] = got[0][0][:, ::3, ::3]
    ds, _ = load(
        image_size=(16, 16), batch_size=4, shuffle=False, label_mode="categorical"
    )
    out["same_ds_categorical"] = [(y.tolist(), str(y.dtype)) for _, y in batches(ds)]
    ds, _ = load(image_size=(16, 16), batch_size=5, shuffle=False, label_mode="binary")
    out["same_ds_binary"] = [(y.shape, y.ravel().tolist()) for _, y in batches(ds)]
    ds, _ = load(
        image_size=(16, 16),
        batch_size=4,
        shuffle=False,
        crop_to_aspect_ratio=True,
        color_mode="grayscale",
    )
    cropped = batches(ds)
    out["same_ds_crop_shapes"] = [x.shape for x, _ in cropped]
    out["close_ds_crop_pixels"] = cropped[0][0][:, ::3, ::3, 0]
    # As the ESPCN guide loads its training images: no labels, split with a seed.
    train_ds, train_msg = load(
        batch_size=4,
        image_size=(SIZE, SIZE),
        validation_split=0.25,
        subset="training",
        seed=1337,
        label_mode=None,
    )
    valid_ds, valid_msg = load(
        batch_size=4,
        image_size=(SIZE, SIZE),
        validation_split=0.25,
        subset="validation",
        seed=1337,
        label_mode=None,
    )
    train_files = relative(train_ds.file_paths, root)
    valid_files = relative(valid_ds.file_paths, root)
    assert not set(train_files) & set(valid_files)
    out["same_ds_split"] = (train_msg, valid_msg, train_files, valid_files)
    train_batches = batches(train_ds)
    out["same_ds_split_shapes"] = [x.shape for x in train_batches]
    out["same_ds_split_dtype"] = str(train_batches[0].dtype)
    out["close_ds_split_sums"] = np.sort(
        np.concatenate([x.sum(axis=(1, 2, 3)) for x in train_batches])
    )
    # A subset is shuffled (shuffle=True by default): compare it in a fixed order.
    valid_images = np.concatenate(batches(valid_ds))
    order = np.argsort(valid_images.sum(axis=(1, 2, 3)))
    out["close_ds_valid_pixels"] = valid_images[order][:, ::5, ::5]
    return out
