"""Image files <-> numpy arrays through Pillow (the optional `image` extra)."""

import io
import pathlib
import warnings

import numpy as np

from kerasish import config

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(
            "Reading and writing images needs Pillow: `pip install kerasish[image]` "
            "(or `pip install pillow`)."
        ) from e
    return Image


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a rank-3 array to a PIL image.

    Args:
        x: Array of shape `(height, width, channels)` (channels_last) with 1, 3
            or 4 channels.
        data_format: `"channels_last"` or `"channels_first"`.
        scale: Rescale values to `[0, 255]`: `(x - min) / max * 255`.
        dtype: Working dtype; defaults to `floatx()`.

    Returns:
        A PIL image (mode `"L"`, `"I"`, `"RGB"` or `"RGBA"`).
    """
    pil = _pil()
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(
            "Expected image array to have rank 3 (single image). "
            f"Got array with shape: {x.shape}"
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return pil.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return pil.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return pil.fromarray(x[:, :, 0].astype("int32"), "I")
        return pil.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL image (or array-like) to a rank-3 float array."""
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        if data_format == "channels_first":
            x = x.reshape((1, x.shape[0], x.shape[1]))
        else:
            x = x.reshape((x.shape[0], x.shape[1], 1))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves a rank-3 array as an image file (format from the suffix)."""
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, str | pathlib.Path):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn(
            "The JPEG format does not support RGBA images, converting to RGB.",
            stacklevel=2,
        )
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(
    path,
    color_mode="rgb",
    target_size=None,
    interpolation="nearest",
    keep_aspect_ratio=False,
):
    """Loads an image file into a PIL image.

    Args:
        path: Path (str, bytes, `pathlib.Path`) or an `io.BytesIO`.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`.
        target_size: `(height, width)` to resize to, or `None`.
        interpolation: Pillow resampling: `"nearest"`, `"bilinear"`,
            `"bicubic"`, `"hamming"`, `"box"` or `"lanczos"`.
        keep_aspect_ratio: Center-crop to the target aspect ratio first.

    Returns:
        A PIL image.
    """
    pil = _pil()
    if isinstance(path, io.BytesIO):
        img = pil.open(path)
    elif isinstance(path, pathlib.Path | bytes | str):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = pil.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError(
            f'color_mode must be "grayscale", "rgb", or "rgba"; got {color_mode!r}.'
        )
    if target_size is not None:
        size = (target_size[1], target_size[0])  # PIL is (width, height)
        if img.size != size:
            if interpolation not in _INTERPOLATIONS:
                raise ValueError(
                    f"Invalid interpolation method {interpolation} specified. "
                    f"Supported methods are {', '.join(_INTERPOLATIONS)}"
                )
            resample = getattr(pil.Resampling, interpolation.upper())
            if keep_aspect_ratio:
                width, height = img.size
                crop_h = min(height, (width * size[1]) // size[0])
                crop_w = min(width, (height * size[0]) // size[1])
                top, left = (height - crop_h) // 2, (width - crop_w) // 2
                box = [left, top, left + crop_w, top + crop_h]
                img = img.resize(size, resample, box=box)
            else:
                img = img.resize(size, resample)
    return img


def smart_resize(
    x, size, interpolation="bilinear", data_format="channels_last", **kwargs
):
    """Resizes images to `size` without distorting them: center crop, then resize.

    `kerasish.ops.image.resize` with `crop_to_aspect_ratio=True`: the largest
    central window with the target aspect ratio, resized. Numpy in, numpy out.
    """
    from kerasish import ops

    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(
            f"smart_resize() got unexpected keyword arguments: {list(kwargs)}"
        )
    if len(size) != 2:
        raise ValueError(
            f"smart_resize: `size` must be a tuple of 2 integers, got {size!r}."
        )
    was_numpy = isinstance(x, np.ndarray)
    img = ops.convert_to_tensor(x)
    if len(img.shape) not in (3, 4):
        raise ValueError(
            "smart_resize expected an image of shape (height, width, channels) or "
            f"(batch_size, height, width, channels), got shape {tuple(img.shape)}."
        )
    out = ops.image.resize(
        img,
        size=size,
        interpolation=interpolation,
        crop_to_aspect_ratio=True,
        data_format=data_format,
    )
    return np.asarray(out) if was_numpy else out
