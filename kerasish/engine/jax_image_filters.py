"""Image filters and colour spaces for the JAX engine: blur, Sobel, SSIM, HSV.

Also the helpers both image modules share (rank checks, layout changes).
"""

import functools

import jax
import jax.numpy as jnp

from kerasish import config


def _check_images(name, images, ranks=(3, 4)):
    if images.ndim not in ranks:
        raise ValueError(
            f"{name}: expected a rank-3 image or rank-4 batch of images, received "
            f"shape {tuple(images.shape)}."
        )


def _to_batched_channels_last(images, data_format):
    """Returns `(batch, height, width, channels)` images and a function undoing it."""
    unbatched = images.ndim == 3
    if unbatched:
        images = images[None]
    if data_format == "channels_first":
        images = jnp.transpose(images, (0, 2, 3, 1))

    def restore(out):
        if data_format == "channels_first":
            out = jnp.transpose(out, (0, 3, 1, 2))
        return out[0] if unbatched else out

    return images, restore


def _floating(images):
    if jnp.issubdtype(images.dtype, jnp.floating):
        return images
    return images.astype(config.floatx())


def _gaussian_1d(size, sigma, dtype):
    x = jnp.arange(size, dtype=dtype) - (size - 1) / 2
    kernel = jnp.exp(-0.5 * jnp.square(x / sigma))
    return kernel / jnp.sum(kernel)


def _depthwise_2d(images, kernel, padding):
    """Each channel of `(batch, h, w, c)` cross-correlated with `kernel` `(kh, kw)`."""
    channels = images.shape[-1]
    rhs = jnp.tile(kernel[:, :, None, None], (1, 1, 1, channels))  # (kh, kw, 1, c)
    return jax.lax.conv_general_dilated(
        images,
        rhs.astype(images.dtype),
        (1, 1),
        padding,
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=channels,
    )


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blurs each channel with a normalized Gaussian kernel, zero-padded ("same").

    `kernel_size` and `sigma` are `(x, y)` pairs, as in Keras.
    """
    data_format = config.standardize_data_format(data_format)
    _check_images("gaussian_blur", images)
    images, restore = _to_batched_channels_last(_floating(images), data_format)
    kernel_size, sigma = _xy_pair(kernel_size), _xy_pair(sigma)
    kx = _gaussian_1d(kernel_size[0], sigma[0], images.dtype)
    ky = _gaussian_1d(kernel_size[1], sigma[1], images.dtype)
    return restore(_depthwise_2d(images, jnp.outer(ky, kx), "SAME"))


def _xy_pair(value):
    if isinstance(value, int | float):
        return (value, value)
    return tuple(value)


def sobel_edges(images, data_format=None):
    """`(..., 2)`: the vertical (`dy`) then horizontal (`dx`) 3x3 Sobel responses,
    zero-padded ("same")."""
    data_format = config.standardize_data_format(data_format)
    _check_images("sobel_edges", images, ranks=(4,))
    images, restore = _to_batched_channels_last(images, data_format)
    sobel_x = jnp.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], images.dtype)
    dy = restore(_depthwise_2d(images, sobel_x.T, "SAME"))
    dx = restore(_depthwise_2d(images, sobel_x, "SAME"))
    return jnp.stack([dy, dx], axis=-1)


def _channels_axis(images, data_format):
    data_format = config.standardize_data_format(data_format)
    return -1 if data_format == "channels_last" else -3


def rgb_to_grayscale(images, data_format=None):
    """`0.2989 R + 0.5870 G + 0.1140 B` (TF's weights), keeping a channel axis."""
    _check_images("rgb_to_grayscale", images)
    axis = _channels_axis(images, data_format)
    if images.shape[axis] not in (1, 3):
        raise ValueError(
            "rgb_to_grayscale: expected 1 or 3 channels, received shape "
            f"{tuple(images.shape)}."
        )
    if images.shape[axis] == 1:
        return images
    dtype = images.dtype
    x = _floating(images)
    weights = jnp.array([0.2989, 0.5870, 0.1140], x.dtype)
    gray = jnp.tensordot(x, weights, axes=((axis,), (0,)))
    return jnp.expand_dims(gray, axis).astype(dtype)


def _check_float(name, images):
    if not jnp.issubdtype(images.dtype, jnp.floating):
        raise ValueError(
            f"{name}: expected floating images, received dtype {images.dtype}."
        )


def rgb_to_hsv(images, data_format=None):
    """RGB in `[0, 1]` to hue, saturation, value, each in `[0, 1]`."""
    _check_images("rgb_to_hsv", images)
    _check_float("rgb_to_hsv", images)
    axis = _channels_axis(images, data_format)
    eps = jnp.finfo(images.dtype).eps
    images = jnp.where(jnp.abs(images) < eps, 0.0, images)
    r, g, b = (jnp.squeeze(c, axis) for c in jnp.split(images, 3, axis))
    value = jnp.maximum(jnp.maximum(r, g), b)
    spread = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * jnp.where(spread > 0, spread, 1.0))
    hue = jnp.where(value == g, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6)
    hue = jnp.where(value == r, norm * (g - b), hue)
    hue = jnp.where(spread > 0, hue, 0.0)
    hue = hue + (hue < 0).astype(hue.dtype)
    return jnp.stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(images, data_format=None):
    """Hue, saturation, value in `[0, 1]` to RGB."""
    _check_images("hsv_to_rgb", images)
    _check_float("hsv_to_rgb", images)
    axis = _channels_axis(images, data_format)
    h, s, v = (jnp.squeeze(c, axis) for c in jnp.split(images, 3, axis))
    dh = jnp.mod(h, 1.0) * 6.0
    dr = jnp.clip(jnp.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = jnp.clip(2.0 - jnp.abs(dh - 2.0), 0.0, 1.0)
    db = jnp.clip(2.0 - jnp.abs(dh - 4.0), 0.0, 1.0)
    rgb = [v * (1.0 - s + s * d) for d in (dr, dg, db)]
    return jnp.stack(rgb, axis=axis)


def ssim(
    image1,
    image2,
    max_val=1.0,
    filter_size=11,
    filter_sigma=1.5,
    k1=0.01,
    k2=0.03,
    data_format=None,
):
    data_format = config.standardize_data_format(data_format)
    return _ssim(
        image1=image1,
        image2=image2,
        max_val=max_val,
        filter_size=filter_size,
        filter_sigma=filter_sigma,
        k1=k1,
        k2=k2,
        data_format=data_format,
    )


# Compiled whole: run eagerly, its many small steps would each dispatch.
@functools.partial(
    jax.jit, static_argnames=("filter_size", "filter_sigma", "data_format")
)
def _ssim(
    image1,
    image2,
    max_val=1.0,
    filter_size=11,
    filter_sigma=1.5,
    k1=0.01,
    k2=0.03,
    data_format=None,
):
    """Mean structural similarity (Gaussian window, "valid"), per image.

    `ssim = (2 mu1 mu2 + c1)(2 s12 + c2) / ((mu1^2 + mu2^2 + c1)(s1^2 + s2^2 + c2))`
    with `c1 = (k1 max_val)^2`, `c2 = (k2 max_val)^2`, averaged over pixels and
    channels.
    """
    data_format = config.standardize_data_format(data_format)
    _check_images("ssim", image1)
    _check_images("ssim", image2)
    dtype = image1.dtype
    x, _ = _to_batched_channels_last(_floating(image1), data_format)
    y, _ = _to_batched_channels_last(_floating(image2).astype(x.dtype), data_format)
    window = _gaussian_1d(filter_size, filter_sigma, x.dtype)
    kernel = jnp.outer(window, window)

    def blur(v):
        return _depthwise_2d(v, kernel, "VALID")

    mu1, mu2 = blur(x), blur(y)
    s11 = blur(x * x) - mu1 * mu1
    s22 = blur(y * y) - mu2 * mu2
    s12 = blur(x * y) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / (
        (mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2)
    )
    out = jnp.mean(ssim_map, axis=(1, 2, 3))
    return (out[0] if image1.ndim == 3 else out).astype(dtype)
