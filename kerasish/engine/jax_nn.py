"""Neural-network functions for the JAX engine: activations, conv, pooling, ..."""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config


def relu(x):
    return jax.nn.relu(x)


def relu6(x):
    return jnp.clip(x, 0.0, 6.0)


def leaky_relu(x, negative_slope=0.2):
    return jnp.where(x >= 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    # expm1 only on the negative side so large positive x never overflows.
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.minimum(x, 0.0)))


def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * elu(x, alpha)


def gelu(x, approximate=True):
    return jax.nn.gelu(x, approximate=approximate)


def silu(x):
    return jax.nn.silu(x)


swish = silu


def sigmoid(x):
    return jax.nn.sigmoid(x)


def hard_sigmoid(x):
    # Keras 3: relu6(x + 3) / 6.
    return jnp.clip(x / 6.0 + 0.5, 0.0, 1.0)


def hard_silu(x):
    return x * hard_sigmoid(x)


def tanh(x):
    return jnp.tanh(x)


def softplus(x):
    return jax.nn.softplus(x)


def softsign(x):
    return x / (1.0 + jnp.abs(x))


def mish(x):
    return x * jnp.tanh(jax.nn.softplus(x))


def log_sigmoid(x):
    return jax.nn.log_sigmoid(x)


def softmax(x, axis=-1):
    return jax.nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(x, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    dtype = config.floatx() if dtype is None else dtype
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype)


def multi_hot(x, num_classes, axis=-1, dtype=None):
    return jnp.max(one_hot(x, num_classes, axis=axis, dtype=dtype), axis=-2)


def _dimension_numbers(num_spatial, data_format):
    spatial = "DHW"[-num_spatial:] if num_spatial <= 3 else None
    if data_format == "channels_last":
        lhs = "N" + spatial + "C"
    else:
        lhs = "NC" + spatial
    return (lhs, spatial + "IO", lhs)


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def _conv_padding(padding):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(
            f"conv: `padding` must be 'valid' or 'same', got {padding!r}. "
            "(Conv1D's 'causal' pads the input on the left, then uses 'valid'.)"
        )
    return padding.upper()


def conv(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
    feature_group_count=None,
):
    """N-d convolution; `kernel` is `spatial + (in_channels / groups, filters)`.

    The number of groups is `in_channels // kernel.shape[-2]` unless given.
    """
    data_format = config.standardize_data_format(data_format)
    n = inputs.ndim - 2
    in_channels = inputs.shape[-1 if data_format == "channels_last" else 1]
    if feature_group_count is None:
        if in_channels % kernel.shape[-2]:
            raise ValueError(
                f"conv: the input has {in_channels} channels, which is not a "
                f"multiple of the kernel's input depth {kernel.shape[-2]} "
                f"(kernel shape {tuple(kernel.shape)}, input shape "
                f"{tuple(inputs.shape)}). Check `data_format`."
            )
        feature_group_count = in_channels // kernel.shape[-2]
    return jax.lax.conv_general_dilated(
        inputs,
        kernel,
        window_strides=_tuple(strides, n),
        padding=_conv_padding(padding),
        rhs_dilation=_tuple(dilation_rate, n),
        dimension_numbers=_dimension_numbers(n, data_format),
        feature_group_count=feature_group_count,
    )


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    """`kernel` is `spatial + (in_channels, depth_multiplier)`.

    Output channel `c * depth_multiplier + m` is input channel `c` convolved with
    `kernel[..., c, m]`.
    """
    data_format = config.standardize_data_format(data_format)
    channels = inputs.shape[-1 if data_format == "channels_last" else 1]
    kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, -1))
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate, channels)


def separable_conv(
    inputs,
    depthwise_kernel,
    pointwise_kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
):
    """Depthwise convolution, then a 1x1 convolution mixing the channels.

    `depthwise_kernel` is `spatial + (in_channels, depth_multiplier)` and
    `pointwise_kernel` is `(1,) * n + (in_channels * depth_multiplier, filters)`.
    """
    depthwise = depthwise_conv(
        inputs, depthwise_kernel, strides, padding, data_format, dilation_rate
    )
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1, 1)


def _conv_transpose_padding(kernel_size, stride, dilation, padding, output_padding):
    """Keras's (left, right) padding for a transposed convolution on one axis."""
    k = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + extra
    if output_padding is None:
        pad_len = stride + k - 2
    else:
        pad_len = k + k % 2 - 2 + output_padding
    left = min(pad_len // 2 + pad_len % 2, k - 1)
    return left, pad_len - left


def conv_transpose(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format=None,
    dilation_rate=1,
):
    """Transposed N-d convolution; `kernel` is `spatial + (filters, in_channels)`."""
    data_format = config.standardize_data_format(data_format)
    padding = _conv_padding(padding).lower()
    n = inputs.ndim - 2
    strides = _tuple(strides, n)
    dilation = _tuple(dilation_rate, n)
    out_pad = (None,) * n if output_padding is None else _tuple(output_padding, n)
    pads = [
        _conv_transpose_padding(
            kernel.shape[i], strides[i], dilation[i], padding, out_pad[i]
        )
        for i in range(n)
    ]
    return jax.lax.conv_transpose(
        inputs,
        kernel,
        strides,
        padding=pads,
        rhs_dilation=dilation,
        dimension_numbers=_dimension_numbers(n, data_format),
        transpose_kernel=True,
    )


def _pool(inputs, init, reducer, pool_size, strides, padding, data_format):
    data_format = config.standardize_data_format(data_format)
    padding = _conv_padding(padding)
    n = inputs.ndim - 2
    pool_size = _tuple(pool_size, n)
    strides = pool_size if strides is None else _tuple(strides, n)
    if data_format == "channels_last":
        window, step = (1,) + pool_size + (1,), (1,) + strides + (1,)
    else:
        window, step = (1, 1) + pool_size, (1, 1) + strides
    return jax.lax.reduce_window(
        inputs, init, reducer, window, step, padding.upper()
    ), (window, step)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    init = (
        -jnp.inf
        if jnp.issubdtype(inputs.dtype, jnp.floating)
        else np.iinfo(inputs.dtype).min
    )
    out, _ = _pool(inputs, init, jax.lax.max, pool_size, strides, padding, data_format)
    return out


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    if not jnp.issubdtype(inputs.dtype, jnp.floating):
        inputs = inputs.astype(config.floatx())
    total, (window, step) = _pool(
        inputs, 0.0, jax.lax.add, pool_size, strides, padding, data_format
    )
    if str(padding).lower() == "valid":
        return total / np.prod(window)
    # "same": divide by the number of real (unpadded) elements in each window.
    ones = jnp.ones((1,) + inputs.shape[1:], inputs.dtype)
    counts = jax.lax.reduce_window(ones, 0.0, jax.lax.add, window, step, "SAME")
    return total / counts


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target = jnp.asarray(target).astype("int32")
    if from_logits:
        log_prob = jax.nn.log_softmax(output, axis=axis)
    else:
        output = output / jnp.sum(output, axis=axis, keepdims=True)
        eps = config.epsilon()
        log_prob = jnp.log(jnp.clip(output, eps, 1.0 - eps))
    one_hot_ = jax.nn.one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return -jnp.sum(one_hot_ * log_prob, axis=axis)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if from_logits:
        log_prob = jax.nn.log_softmax(output, axis=axis)
    else:
        output = output / jnp.sum(output, axis=axis, keepdims=True)
        eps = config.epsilon()
        log_prob = jnp.log(jnp.clip(output, eps, 1.0 - eps))
    return -jnp.sum(target * log_prob, axis=axis)


def binary_crossentropy(target, output, from_logits=False):
    if from_logits:
        # max(x, 0) - x * z + log(1 + exp(-|x|)): stable for any logit.
        return (
            jnp.maximum(output, 0.0)
            - output * target
            + jnp.log1p(jnp.exp(-jnp.abs(output)))
        )
    eps = config.epsilon()
    output = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def normalize(x, axis=-1, order=2, epsilon=None):
    eps = config.epsilon() if epsilon is None else epsilon
    norm_ = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm_, eps)


def dot_product_attention(
    query, key, value, bias=None, mask=None, scale=None, is_causal=False
):
    return jax.nn.dot_product_attention(
        query, key, value, bias=bias, mask=mask, scale=scale, is_causal=is_causal
    )


RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def resize(images, size, interpolation="bilinear", antialias=False, data_format=None):
    """Resizes a rank-3 image or rank-4 batch to `size = (height, width)`.

    Uses half-pixel centers (`jax.image.resize`), as Keras 3's JAX backend does.
    """
    data_format = config.standardize_data_format(data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"resize: unknown `interpolation` {interpolation!r}; valid values are "
            f"{RESIZE_INTERPOLATIONS}."
        )
    height, width = (int(s) for s in size)
    if images.ndim not in (3, 4):
        raise ValueError(
            "resize: expected a rank-3 image or rank-4 batch of images, received "
            f"shape {tuple(images.shape)}."
        )
    if data_format == "channels_last":
        shape = (*images.shape[:-3], height, width, images.shape[-1])
    else:
        shape = (*images.shape[:-2], height, width)
    return jax.image.resize(images, shape, method=interpolation, antialias=antialias)


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
