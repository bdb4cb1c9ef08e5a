"""Image functions of `kerasish.ops.image` (Keras's `keras.ops.image`).

Each dispatches to the active engine's `image` namespace; `Variable` arguments
are read first. `data_format=None` means `kerasish.config.image_data_format()`.
"""

from kerasish.ops._forward import engine_namespace, unwrap


def _key(seed):
    """A random key from an int, a `SeedGenerator`, a key, or `None` (fresh)."""
    from kerasish.random.random import draw_key

    return draw_key(unwrap(seed))


def rgb_to_grayscale(images, data_format=None):
    """RGB to one gray channel: `0.2989 R + 0.5870 G + 0.1140 B`."""
    return engine_namespace("image").rgb_to_grayscale(unwrap(images), data_format)


def rgb_to_hsv(images, data_format=None):
    """Converts RGB images in `[0, 1]` to HSV."""
    return engine_namespace("image").rgb_to_hsv(unwrap(images), data_format)


def hsv_to_rgb(images, data_format=None):
    """Converts HSV images to RGB."""
    return engine_namespace("image").hsv_to_rgb(unwrap(images), data_format)


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
    """Resizes images to `size = (height, width)` (half-pixel centers)."""
    return engine_namespace("image").resize(
        unwrap(images),
        size,
        interpolation,
        antialias,
        crop_to_aspect_ratio,
        pad_to_aspect_ratio,
        fill_mode,
        fill_value,
        data_format,
    )


def affine_transform(
    images,
    transform,
    interpolation="bilinear",
    fill_mode="constant",
    fill_value=0,
    data_format=None,
):
    """Applies per-image affine transforms `[a0, a1, a2, b0, b1, b2, c0, c1]`."""
    return engine_namespace("image").affine_transform(
        unwrap(images),
        unwrap(transform),
        interpolation,
        fill_mode,
        fill_value,
        data_format,
    )


def perspective_transform(
    images,
    start_points,
    end_points,
    interpolation="bilinear",
    fill_value=0,
    data_format=None,
):
    """Warps images so that `start_points` map onto `end_points`."""
    return engine_namespace("image").perspective_transform(
        unwrap(images),
        unwrap(start_points),
        unwrap(end_points),
        interpolation,
        fill_value,
        data_format,
    )


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Samples `inputs` at `coordinates` by spline interpolation of `order` 0 or 1."""
    return engine_namespace("image").map_coordinates(
        unwrap(inputs), unwrap(coordinates), order, fill_mode, fill_value
    )


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blurs each channel with a `kernel_size` Gaussian of deviation `sigma`."""
    return engine_namespace("image").gaussian_blur(
        unwrap(images), kernel_size, sigma, data_format
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
    """Randomly displaces pixels by a Gaussian-smoothed noise field."""
    return engine_namespace("image").elastic_transform(
        unwrap(images),
        alpha,
        sigma,
        interpolation,
        fill_mode,
        fill_value,
        _key(seed),
        data_format,
    )


def scale_and_translate(
    images, output_shape, scale, translation, spatial_dims, method, antialias=True
):
    """Resamples `spatial_dims` of `images` at scaled and translated positions."""
    return engine_namespace("image").scale_and_translate(
        unwrap(images),
        output_shape,
        unwrap(scale),
        unwrap(translation),
        spatial_dims,
        method,
        antialias,
    )


def sobel_edges(images, data_format=None):
    """Sobel edge maps `(..., 2)` holding the vertical then horizontal gradients."""
    return engine_namespace("image").sobel_edges(unwrap(images), data_format)


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
    """Mean structural similarity index between `image1` and `image2`."""
    return engine_namespace("image").ssim(
        unwrap(image1),
        unwrap(image2),
        max_val,
        filter_size,
        filter_sigma,
        k1,
        k2,
        data_format,
    )


def extract_patches(
    images, size, strides=None, dilation_rate=1, padding="valid", data_format=None
):
    """Extracts `size` patches, each flattened into the channel axis."""
    return engine_namespace("image").extract_patches(
        unwrap(images), size, strides, dilation_rate, padding, data_format
    )


def extract_patches_3d(
    volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None
):
    """Extracts 3D `size` patches from volumes, each flattened into channels."""
    return engine_namespace("image").extract_patches_3d(
        unwrap(volumes), size, strides, dilation_rate, padding, data_format
    )


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
    """Zero-pads images to given paddings or a target size."""
    return engine_namespace("image").pad_images(
        unwrap(images),
        top_padding,
        left_padding,
        bottom_padding,
        right_padding,
        target_height,
        target_width,
        data_format,
    )


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
    """Crops images by given amounts or to a target size."""
    return engine_namespace("image").crop_images(
        unwrap(images),
        top_cropping,
        left_cropping,
        bottom_cropping,
        right_cropping,
        target_height,
        target_width,
        data_format,
    )


__all__ = [
    "affine_transform",
    "crop_images",
    "elastic_transform",
    "extract_patches",
    "extract_patches_3d",
    "gaussian_blur",
    "hsv_to_rgb",
    "map_coordinates",
    "pad_images",
    "perspective_transform",
    "resize",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "scale_and_translate",
    "sobel_edges",
    "ssim",
]
