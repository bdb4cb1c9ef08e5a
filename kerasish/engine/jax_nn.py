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


def conv(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
    feature_group_count=1,
):
    """N-d convolution; `kernel` is `spatial + (in_channels / groups, filters)`."""
    data_format = config.standardize_data_format(data_format)
    n = inputs.ndim - 2
    return jax.lax.conv_general_dilated(
        inputs,
        kernel,
        window_strides=_tuple(strides, n),
        padding=padding.upper(),
        rhs_dilation=_tuple(dilation_rate, n),
        dimension_numbers=_dimension_numbers(n, data_format),
        feature_group_count=feature_group_count,
    )


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    """`kernel` is `spatial + (in_channels, depth_multiplier)`."""
    data_format = config.standardize_data_format(data_format)
    channels = inputs.shape[-1 if data_format == "channels_last" else 1]
    kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, -1))
    return conv(
        inputs, kernel, strides, padding, data_format, dilation_rate, channels
    )


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
    n = inputs.ndim - 2
    strides = _tuple(strides, n)
    dilation = _tuple(dilation_rate, n)
    out_pad = (None,) * n if output_padding is None else _tuple(output_padding, n)
    pads = [
        _conv_transpose_padding(kernel.shape[i], strides[i], dilation[i], padding, out_pad[i])
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
    init = -jnp.inf if jnp.issubdtype(inputs.dtype, jnp.floating) else np.iinfo(
        inputs.dtype
    ).min
    out, _ = _pool(inputs, init, jax.lax.max, pool_size, strides, padding, data_format)
    return out


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    total, (window, step) = _pool(
        inputs, 0.0, jax.lax.add, pool_size, strides, padding, data_format
    )
    if padding == "valid":
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


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False):
    return jax.nn.dot_product_attention(
        query, key, value, bias=bias, mask=mask, scale=scale, is_causal=is_causal
    )
