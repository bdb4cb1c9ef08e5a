"""Image functions for the JAX engine: resizing, warps, crops, patches.

Filters and colour spaces live in `jax_image_filters` and are re-exported here.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.engine.jax_arrays import convert_to_tensor
from kerasish.engine.jax_core import saturate_cast
from kerasish.engine.jax_image_filters import (  # noqa: F401 (re-exported)
    _check_images,
    _depthwise_2d,
    _floating,
    _gaussian_1d,
    _to_batched_channels_last,
    gaussian_blur,
    hsv_to_rgb,
    rgb_to_grayscale,
    rgb_to_hsv,
    sobel_edges,
    ssim,
)

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def resize(
    images,
    size,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_mode="constant",
    fill_value=0.0,
    data_format=None,
):
    """Resizes a rank-3 image or rank-4 batch to `size = (height, width)`.

    Uses half-pixel centers (`jax.image.resize`), as Keras 3's JAX backend does.
    `crop_to_aspect_ratio` first takes the largest centred crop of the target's
    aspect ratio; `pad_to_aspect_ratio` first pads both sides with `fill_value`.
    The result has the input's dtype, as in Keras: where `jax.image.resize`
    returns floats for integer images, they are rounded half to even and cast
    back saturating (`uint8` stays in [0, 255]); bool images become `value != 0`.
    """
    data_format = config.standardize_data_format(data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"resize: unknown `interpolation` {interpolation!r}; valid values are "
            f"{RESIZE_INTERPOLATIONS}."
        )
    if fill_mode != "constant":
        raise ValueError(
            f"resize: only fill_mode='constant' is supported, received {fill_mode!r}."
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "resize: set at most one of `crop_to_aspect_ratio` and "
            "`pad_to_aspect_ratio`."
        )
    if len(size) != 2:
        raise ValueError(f"resize: `size` must be (height, width), received {size!r}.")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(
            f"resize: `size` must have positive height and width, received {size!r}."
        )
    images = convert_to_tensor(images)
    _check_images("resize", images)
    in_dtype = images.dtype
    height, width = (int(s) for s in size)
    images, restore = _to_batched_channels_last(images, data_format)
    in_h, in_w = images.shape[1], images.shape[2]
    if crop_to_aspect_ratio:
        crop_h = max(min(in_h, int(in_w * height / width)), 1)
        crop_w = max(min(in_w, int(in_h * width / height)), 1)
        top, left = (in_h - crop_h) // 2, (in_w - crop_w) // 2
        images = images[:, top : top + crop_h, left : left + crop_w]
    elif pad_to_aspect_ratio:
        pad_h = max(in_h, int(in_w * height / width))
        pad_w = max(in_w, int(in_h * width / height))
        top, left = (pad_h - in_h) // 2, (pad_w - in_w) // 2
        # Keras pads `top` rows on both sides (or `left` columns), not one.
        pads = ((0, 0), (top, top), (0, 0), (0, 0))
        if top == 0:
            pads = ((0, 0), (0, 0), (left, left), (0, 0))
        if top or left:
            # Keras pads with `ones(dtype) * fill_value` (float32 ones for
            # channels_first): a float fill makes integer images float first.
            ones_dtype = images.dtype if data_format == "channels_last" else "float32"
            fill = jnp.ones((), ones_dtype) * fill_value
            images = images.astype(jnp.result_type(images, fill))
            images = jnp.pad(images, pads, constant_values=fill)
    shape = (images.shape[0], height, width, images.shape[-1])
    out = restore(
        jax.image.resize(images, shape, method=interpolation, antialias=antialias)
    )
    if out.dtype != in_dtype:
        if jnp.issubdtype(in_dtype, jnp.integer):
            out = jnp.round(out)
        out = saturate_cast(out, in_dtype)
    return out


_AFFINE_ORDERS = {"nearest": 0, "bilinear": 1}
_AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def affine_transform(
    images,
    transform,
    interpolation="bilinear",
    fill_mode="constant",
    fill_value=0.0,
    data_format=None,
):
    """Samples `images` at affinely transformed coordinates (Keras's convention).

    `transform` is `(batch, 8)` (or `(8,)`) rows `[a0, a1, a2, b0, b1, b2, c0, c1]`
    mapping an output pixel `(x, y)` to the input point
    `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`
    (`c0 = c1 = 0` here: affine only).
    """
    data_format = config.standardize_data_format(data_format)
    if interpolation not in _AFFINE_ORDERS:
        raise ValueError(
            f"affine_transform: unknown `interpolation` {interpolation!r}; valid "
            f"values are {tuple(_AFFINE_ORDERS)}."
        )
    if fill_mode not in _AFFINE_FILL_MODES:
        raise ValueError(
            f"affine_transform: unknown `fill_mode` {fill_mode!r}; valid values "
            f"are {_AFFINE_FILL_MODES}."
        )
    transform = jnp.asarray(transform)
    unbatched = images.ndim == 3
    if unbatched:
        images = images[None]
    if transform.ndim == 1:
        transform = transform[None]
    if data_format == "channels_first":
        images = jnp.transpose(images, (0, 2, 3, 1))
    _, height, width, channels = images.shape
    floating = jnp.issubdtype(transform.dtype, jnp.floating)
    dtype = transform.dtype if floating else "float32"
    y, x = jnp.meshgrid(
        jnp.arange(height, dtype=dtype), jnp.arange(width, dtype=dtype), indexing="ij"
    )
    t = transform.astype(dtype)[:, :, None, None]  # (batch, 8, 1, 1)
    src_x = t[:, 0] * x + t[:, 1] * y + t[:, 2]  # (batch, height, width)
    src_y = t[:, 3] * x + t[:, 4] * y + t[:, 5]
    channel = jnp.broadcast_to(
        jnp.arange(channels, dtype=dtype), (height, width, channels)
    )

    def sample(image, sy, sx):
        coords = [
            jnp.broadcast_to(sy[..., None], (height, width, channels)),
            jnp.broadcast_to(sx[..., None], (height, width, channels)),
            channel,
        ]
        return jax.scipy.ndimage.map_coordinates(
            image,
            coords,
            order=_AFFINE_ORDERS[interpolation],
            mode=fill_mode,
            cval=fill_value,
        )

    out = jax.vmap(sample)(images, src_y, src_x)
    if data_format == "channels_first":
        out = jnp.transpose(out, (0, 3, 1, 2))
    return out[0] if unbatched else out


def _homography(start_points, end_points):
    """The 8 coefficients mapping `end_points` (output) to `start_points` (input)."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = jnp.zeros_like(ex), jnp.ones_like(ex)
    x_rows = jnp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], -1)
    y_rows = jnp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], -1)
    matrix = jnp.concatenate([x_rows, y_rows], axis=1)  # (batch, 8, 8)
    target = jnp.concatenate([sx, sy], axis=-1)[..., None]
    return jnp.linalg.solve(matrix, target)[..., 0]


def perspective_transform(
    images,
    start_points,
    end_points,
    interpolation="bilinear",
    fill_value=0,
    data_format=None,
):
    data_format = config.standardize_data_format(data_format)
    return _perspective_transform(
        images=images,
        start_points=start_points,
        end_points=end_points,
        interpolation=interpolation,
        fill_value=fill_value,
        data_format=data_format,
    )


# Compiled whole: run eagerly, its many small steps would each dispatch.
@functools.partial(
    jax.jit, static_argnames=("interpolation", "fill_value", "data_format")
)
def _perspective_transform(
    images,
    start_points,
    end_points,
    interpolation="bilinear",
    fill_value=0,
    data_format=None,
):
    """Warps `images` so that `start_points` (4 corners, `(x, y)`) land on
    `end_points`; an output pixel `(x, y)` samples the input at
    `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`."""
    data_format = config.standardize_data_format(data_format)
    if interpolation not in _AFFINE_ORDERS:
        raise ValueError(
            f"perspective_transform: unknown `interpolation` {interpolation!r}; "
            f"valid values are {tuple(_AFFINE_ORDERS)}."
        )
    _check_images("perspective_transform", images)
    start_points = jnp.asarray(start_points, "float32")
    end_points = jnp.asarray(end_points, "float32")
    for name, points in (("start_points", start_points), ("end_points", end_points)):
        if points.shape[-2:] != (4, 2) or points.ndim not in (2, 3):
            raise ValueError(
                f"perspective_transform: `{name}` must have shape (4, 2) or "
                f"(batch, 4, 2), received {tuple(points.shape)}."
            )
    if start_points.shape != end_points.shape:
        raise ValueError(
            "perspective_transform: `start_points` and `end_points` must have the "
            f"same shape, received {tuple(start_points.shape)} and "
            f"{tuple(end_points.shape)}."
        )
    images, restore = _to_batched_channels_last(images, data_format)
    if start_points.ndim == 2:
        start_points, end_points = start_points[None], end_points[None]
    t = _homography(start_points, end_points)[:, :, None, None]  # (b, 8, 1, 1)
    _, height, width, channels = images.shape
    y, x = jnp.meshgrid(
        jnp.arange(height, dtype="float32"),
        jnp.arange(width, dtype="float32"),
        indexing="ij",
    )
    k = t[:, 6] * x + t[:, 7] * y + 1.0
    src_x = (t[:, 0] * x + t[:, 1] * y + t[:, 2]) / k
    src_y = (t[:, 3] * x + t[:, 4] * y + t[:, 5]) / k
    # One set of points serves the whole batch.
    src_x = jnp.broadcast_to(src_x, (images.shape[0], height, width))
    src_y = jnp.broadcast_to(src_y, (images.shape[0], height, width))

    def sample(image, sy, sx):
        def channel(plane):
            return jax.scipy.ndimage.map_coordinates(
                plane,
                [sy, sx],
                order=_AFFINE_ORDERS[interpolation],
                mode="constant",
                cval=fill_value,
            )

        return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)

    return restore(jax.vmap(sample)(images, src_y, src_x))


_MAP_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """`inputs` sampled at `coordinates` (`(inputs.ndim, ...)`), spline `order` 0/1."""
    coordinates = jnp.asarray(coordinates)
    if coordinates.ndim < 2 or coordinates.shape[0] != inputs.ndim:
        raise ValueError(
            "map_coordinates: `coordinates` must have rank >= 2 and a first axis "
            f"of size inputs.ndim = {inputs.ndim}, received shape "
            f"{tuple(coordinates.shape)}."
        )
    if fill_mode not in _MAP_FILL_MODES:
        raise ValueError(
            f"map_coordinates: unknown `fill_mode` {fill_mode!r}; valid values are "
            f"{_MAP_FILL_MODES}."
        )
    if order not in (0, 1):
        raise ValueError(
            f"map_coordinates: `order` must be 0 or 1, received {order!r}."
        )
    return jax.scipy.ndimage.map_coordinates(
        inputs, list(coordinates), order, mode=fill_mode, cval=fill_value
    )


def elastic_transform(
    images,
    alpha=20.0,
    sigma=5.0,
    interpolation="bilinear",
    fill_mode="reflect",
    fill_value=0.0,
    seed=None,
    data_format=None,
):
    data_format = config.standardize_data_format(data_format)
    return _elastic_transform(
        images=images,
        alpha=alpha,
        sigma=sigma,
        interpolation=interpolation,
        fill_mode=fill_mode,
        fill_value=fill_value,
        seed=seed,
        data_format=data_format,
    )


# Compiled whole: run eagerly, its many small steps would each dispatch.
@functools.partial(
    jax.jit,
    static_argnames=(
        "sigma",
        "interpolation",
        "fill_mode",
        "fill_value",
        "data_format",
    ),
)
def _elastic_transform(
    images,
    alpha=20.0,
    sigma=5.0,
    interpolation="bilinear",
    fill_mode="reflect",
    fill_value=0.0,
    seed=None,
    data_format=None,
):
    """Displaces each pixel by `alpha *` a Gaussian-smoothed (`sigma`) random field.

    `seed` is a jax random key (the ops layer turns ints and generators into one).
    """
    data_format = config.standardize_data_format(data_format)
    if interpolation not in _AFFINE_ORDERS:
        raise ValueError(
            f"elastic_transform: unknown `interpolation` {interpolation!r}; valid "
            f"values are {tuple(_AFFINE_ORDERS)}."
        )
    if fill_mode not in _AFFINE_FILL_MODES:
        raise ValueError(
            f"elastic_transform: unknown `fill_mode` {fill_mode!r}; valid values "
            f"are {_AFFINE_FILL_MODES}."
        )
    _check_images("elastic_transform", images)
    dtype = images.dtype
    images, restore = _to_batched_channels_last(_floating(images), data_format)
    batch, height, width, channels = images.shape
    size = int(6 * sigma) | 1  # odd, covering +-3 sigma
    kernel = jnp.outer(*(2 * [_gaussian_1d(size, sigma, images.dtype)]))
    noise = jax.random.normal(seed, (2, batch, height, width, 1), images.dtype) * sigma
    dy, dx = (_depthwise_2d(n, kernel, "SAME")[..., 0] for n in noise)
    y, x = jnp.meshgrid(
        jnp.arange(height, dtype=images.dtype),
        jnp.arange(width, dtype=images.dtype),
        indexing="ij",
    )
    src_y, src_x = y + alpha * dy, x + alpha * dx  # (batch, height, width)

    def sample(image, sy, sx):
        def channel(plane):
            return jax.scipy.ndimage.map_coordinates(
                plane,
                [sy, sx],
                order=_AFFINE_ORDERS[interpolation],
                mode=fill_mode,
                cval=fill_value,
            )

        return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)

    return restore(jax.vmap(sample)(images, src_y, src_x)).astype(dtype)


_SCALE_AND_TRANSLATE_METHODS = (
    "linear",
    "bilinear",
    "trilinear",
    "cubic",
    "bicubic",
    "tricubic",
    "lanczos3",
    "lanczos5",
)


def scale_and_translate(
    images, output_shape, scale, translation, spatial_dims, method, antialias=True
):
    """`jax.image.scale_and_translate`: resample `spatial_dims` at `x * scale + t`."""
    if method not in _SCALE_AND_TRANSLATE_METHODS:
        raise ValueError(
            f"scale_and_translate: unknown `method` {method!r}; valid values are "
            f"{_SCALE_AND_TRANSLATE_METHODS}."
        )
    return jax.image.scale_and_translate(
        images,
        tuple(output_shape),
        tuple(spatial_dims),
        jnp.asarray(scale),
        jnp.asarray(translation),
        method,
        antialias,
    )


def _resolve_box(name, first, last, target, size, names, padding):
    """Two of `first`, `last`, `target` given; returns all three, checked.

    Padding: `first + size + last == target`; cropping: `first + target + last ==
    size`.
    """
    if [first, last, target].count(None) != 1:
        raise ValueError(
            f"{name}: set exactly two of {', '.join(names)}; received "
            f"{names[0]}={first!r}, {names[1]}={last!r}, {names[2]}={target!r}."
        )
    if target is None:
        target = first + size + last if padding else size - first - last
    elif first is None:
        first = target - size - last if padding else size - target - last
    else:
        last = target - size - first if padding else size - target - first
    for label, value in zip(names, (first, last, target), strict=True):
        if value < 0:
            raise ValueError(
                f"{name}: {label} must be >= 0, it resolves to {value} for an image "
                f"of size {size}."
            )
    return first, last, target


def _spatial_axes(images, data_format):
    data_format = config.standardize_data_format(data_format)
    return (-3, -2) if data_format == "channels_last" else (-2, -1)


def pad_images(
    images,
    top_padding=None,
    left_padding=None,
    bottom_padding=None,
    right_padding=None,
    target_height=None,
    target_width=None,
    data_format=None,
):
    """Zero-pads images; give two of top/bottom/target_height (and of the width)."""
    _check_images("pad_images", images)
    h_axis, w_axis = _spatial_axes(images, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    top, bottom, _ = _resolve_box(
        "pad_images",
        top_padding,
        bottom_padding,
        target_height,
        height,
        ("top_padding", "bottom_padding", "target_height"),
        padding=True,
    )
    left, right, _ = _resolve_box(
        "pad_images",
        left_padding,
        right_padding,
        target_width,
        width,
        ("left_padding", "right_padding", "target_width"),
        padding=True,
    )
    pads = [(0, 0)] * images.ndim
    pads[h_axis], pads[w_axis] = (top, bottom), (left, right)
    return jnp.pad(images, pads)


def crop_images(
    images,
    top_cropping=None,
    left_cropping=None,
    bottom_cropping=None,
    right_cropping=None,
    target_height=None,
    target_width=None,
    data_format=None,
):
    """Crops images; give two of top/bottom/target_height (and of the width)."""
    images = convert_to_tensor(images)  # numpy in, engine tensor out
    _check_images("crop_images", images)
    h_axis, w_axis = _spatial_axes(images, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    top, _, out_h = _resolve_box(
        "crop_images",
        top_cropping,
        bottom_cropping,
        target_height,
        height,
        ("top_cropping", "bottom_cropping", "target_height"),
        padding=False,
    )
    left, _, out_w = _resolve_box(
        "crop_images",
        left_cropping,
        right_cropping,
        target_width,
        width,
        ("left_cropping", "right_cropping", "target_width"),
        padding=False,
    )
    index = [slice(None)] * images.ndim
    index[h_axis] = slice(top, top + out_h)
    index[w_axis] = slice(left, left + out_w)
    return images[tuple(index)]


def _patches(images, size, strides, dilation_rate, padding, data_format, rank):
    """Each `size` patch flattened into the channels (`spatial..., c`), via a conv
    with an identity kernel."""
    data_format = config.standardize_data_format(data_format)
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    strides = size if not strides else strides
    strides = (strides,) * rank if isinstance(strides, int) else tuple(strides)
    dilation = (
        (dilation_rate,) * rank
        if isinstance(dilation_rate, int)
        else tuple(dilation_rate)
    )
    unbatched = images.ndim == rank + 1
    if unbatched:
        images = images[None]
    channels = images.shape[-1 if data_format == "channels_last" else 1]
    depth = int(np.prod(size)) * channels
    kernel = jnp.eye(depth, dtype=images.dtype).reshape(size + (channels, depth))
    spatial = "DHW"[-rank:]
    lhs = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(
            f"extract_patches: `padding` must be 'valid' or 'same', got {padding!r}."
        )
    out = jax.lax.conv_general_dilated(
        images,
        kernel,
        strides,
        padding.upper(),
        rhs_dilation=dilation,
        dimension_numbers=(lhs, spatial + "IO", lhs),
        precision=jax.lax.Precision.HIGHEST,
    )
    return out[0] if unbatched else out


def extract_patches(
    images, size, strides=None, dilation_rate=1, padding="valid", data_format=None
):
    """Patches of `size` (2 or, for volumes, 3 numbers) as `(..., h', w', ph*pw*c)`."""
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    if not isinstance(size, int) and len(size) not in (2, 3):
        raise TypeError(
            f"extract_patches: `size` must be an int or 2 or 3 ints, received {size!r}."
        )
    return _patches(images, size, strides, dilation_rate, padding, data_format, rank)


def extract_patches_3d(
    volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None
):
    """Patches of `size = (pd, ph, pw)` as `(..., d', h', w', pd*ph*pw*c)`."""
    if not isinstance(size, int) and len(size) != 3:
        raise TypeError(
            f"extract_patches_3d: `size` must be an int or 3 ints, received {size!r}."
        )
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3)
