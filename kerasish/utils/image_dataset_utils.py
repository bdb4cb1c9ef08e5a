"""`image_dataset_from_directory`: labelled image batches from class folders."""

import math

import numpy as np

from kerasish import config
from kerasish.utils import dataset_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = (
    "bilinear",
    "nearest",
    "bicubic",
    "area",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
)
# Pillow modes with red, green and blue (a palette expands to them).
_COLOR_MODES = ("RGB", "RGBA", "RGBX", "P", "PA")
# tf.image.resize methods kerasish's resize implements.
_SUPPORTED = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


def _resize(x, height, width, interpolation, crop_to_aspect_ratio=False):
    from kerasish.layers.preprocessing.resizing import resize_images

    out = resize_images(
        x,
        height,
        width,
        interpolation=interpolation,
        crop_to_aspect_ratio=crop_to_aspect_ratio,
        data_format="channels_last",
    )
    return np.asarray(out, dtype="float32")


def _resize_with_pad(x, height, width, interpolation):
    """As `tf.image.resize_with_pad`: fit inside, keep the aspect ratio, then
    zero-pad (centered) to `(height, width)`."""
    in_h, in_w = x.shape[:2]
    ratio = max(in_w / width, in_h / height)
    new_h, new_w = math.floor(in_h / ratio), math.floor(in_w / ratio)
    if (new_h, new_w) != (in_h, in_w):
        x = _resize(x, new_h, new_w, interpolation)
    # TF pads by the unrounded size: floor((target - size / ratio) / 2)
    top = max(0, math.floor((height - in_h / ratio) / 2))
    left = max(0, math.floor((width - in_w / ratio) / 2))
    pads = ((top, height - new_h - top), (left, width - new_w - left), (0, 0))
    return np.pad(x, pads)


def _decode(img, num_channels):
    """A PIL image as float32 `(height, width, num_channels)`, with the pixel
    values of `tf.io.decode_image(..., channels=num_channels)`.

    A color PNG read as grayscale goes through libpng's fixed-point
    conversion, which truncates: `(9797 * R + 19234 * G + 3737 * B) >> 15`
    (Pillow's `convert("L")` rounds). JPEGs and gray images use Pillow's.
    """
    if num_channels == 1 and img.mode in _COLOR_MODES and img.format != "JPEG":
        rgb = np.asarray(img.convert("RGB"), dtype="uint32")
        weights = np.array([9797, 19234, 3737], dtype="uint32")
        return ((rgb @ weights) >> 15).astype("float32")[:, :, None]
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
    x = np.asarray(img.convert(mode), dtype="float32")
    return x[:, :, None] if x.ndim == 2 else x


def load_image(
    path,
    image_size,
    num_channels,
    interpolation,
    data_format,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
):
    """One image file -> float32 array `(height, width, channels)` (or CHW)."""
    from kerasish.utils.image_utils import _pil

    with _pil().open(path) as img:
        img.seek(0)  # first frame of an animation, as `expand_animations=False`
        x = _decode(img, num_channels)
    height, width = image_size
    if pad_to_aspect_ratio:
        x = _resize_with_pad(x, height, width, interpolation)
    elif x.shape[:2] != (height, width):
        x = _resize(x, height, width, interpolation, crop_to_aspect_ratio)
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    return x


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",
    verbose=True,
):
    """Batches of images (float32, resized) and labels from a directory.

    With `labels="inferred"`, each sub-directory of `directory` is a class
    (alphanumeric order, or the order of `class_names`); files are `.bmp`,
    `.gif`, `.jpeg`, `.jpg` or `.png`. Images are decoded with Pillow; color
    PNGs read as grayscale get libpng's (TF's) conversion.

    Args:
        directory: The data directory.
        labels: `"inferred"`, `None`, or a list of int labels in the sorted
            order of the file paths.
        label_mode: `"int"` (int32), `"categorical"` (float32 one-hot),
            `"binary"` (float32 `(batch, 1)`), or `None` (images only).
        class_names: Explicit class (sub-directory) order.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"` (1, 3 or 4 channels).
        batch_size: Batch size, or `None` for single images.
        image_size: `(height, width)` to resize to.
        shuffle: Shuffle the files (seeded) and reshuffle after each epoch.
        seed: Seed for shuffling and for the validation split.
        validation_split: Fraction of files reserved for validation.
        subset: `"training"`, `"validation"` or `"both"` (returns a list).
        interpolation: Resize method (`"bilinear"`, `"nearest"`, `"bicubic"`,
            `"lanczos3"`, `"lanczos5"`).
        follow_links: Follow symbolic links to sub-directories.
        crop_to_aspect_ratio: Center-crop to the target aspect ratio first.
        pad_to_aspect_ratio: Resize to fit inside `image_size` keeping the
            aspect ratio, then zero-pad (centered), as `tf.image.resize_with_pad`.
        data_format: `"channels_last"` or `"channels_first"`.
        format: Accepted for Keras compatibility (`"tf"` or `"grain"`); the
            result is always a kerasish `Dataset`.
        verbose: Print the number of files and classes found.

    Returns:
        A `Dataset` of `(images, labels)` batches (or images alone) with
        `class_names` and `file_paths` attributes, or a list of two for
        `subset="both"`.
    """
    if color_mode not in ("rgb", "rgba", "grayscale"):
        raise ValueError(
            '`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
            f"Received: color_mode={color_mode}"
        )
    num_channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, list | tuple) or len(image_size) != 2:
        raise ValueError(
            "Invalid `image_size` value. Expected a tuple of 2 integers. "
            f"Received: image_size={image_size}"
        )
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}"
        )
    if interpolation not in _SUPPORTED:
        raise NotImplementedError(
            f"interpolation={interpolation!r} is not implemented in kerasish; use "
            f"one of {_SUPPORTED}."
        )
    if format not in ("tf", "grain"):
        raise ValueError(
            f'`format` should be either "tf" or "grain". Received: format={format}'
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
            "to `True`."
        )
    data_format = config.standardize_data_format(data_format)
    image_size = tuple(int(s) for s in image_size)

    def load_batch(paths):
        return np.stack(
            [
                load_image(
                    p,
                    image_size,
                    num_channels,
                    interpolation,
                    data_format,
                    crop_to_aspect_ratio,
                    pad_to_aspect_ratio,
                )
                for p in paths
            ]
        )

    return dataset_utils.make_directory_datasets(
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        ALLOWLIST_FORMATS,
        "images",
        load_batch,
    )
