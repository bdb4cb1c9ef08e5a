"""Neural-network functions for the JAX engine: activations, conv, pooling, ..."""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.engine.jax_arrays import _is_int_or_bool, convert_to_tensor


# Activations convert their input first (lists, numpy, Python scalars), as Keras's
# do, and follow Keras's formulas, so integer and bool inputs get Keras's dtypes.
def relu(x):
    return jax.nn.relu(convert_to_tensor(x))


def relu6(x):
    return jax.nn.relu6(convert_to_tensor(x))


def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(convert_to_tensor(x), negative_slope=negative_slope)


def elu(x, alpha=1.0):
    # jax.nn.elu takes expm1 of the negative side only: large x never overflows.
    return jax.nn.elu(convert_to_tensor(x), alpha=alpha)


def selu(x):
    return jax.nn.selu(convert_to_tensor(x))


def gelu(x, approximate=True):
    return jax.nn.gelu(convert_to_tensor(x), approximate=approximate)


def silu(x):
    return jax.nn.silu(convert_to_tensor(x))


swish = silu


def sigmoid(x):
    return jax.nn.sigmoid(convert_to_tensor(x))


def hard_sigmoid(x):
    # relu6(x + 3) / 6.
    return jax.nn.hard_sigmoid(convert_to_tensor(x))


def hard_silu(x):
    return jax.nn.hard_silu(convert_to_tensor(x))


hard_swish = hard_silu


def hard_tanh(x):
    # -1 below -1, x on [-1, 1], 1 above; integer inputs keep their dtype.
    return jax.nn.hard_tanh(convert_to_tensor(x))


def hard_shrink(x, threshold=0.5):
    x = convert_to_tensor(x)
    # The float 0.0 makes integer and bool inputs floatx, as in Keras.
    return jnp.where(jnp.abs(x) > threshold, x, 0.0)


def soft_shrink(x, threshold=0.5):
    x = convert_to_tensor(x)
    # x - threshold above threshold, x + threshold below -threshold, else 0.0.
    return jnp.where(
        x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0)
    )


def tanh_shrink(x):
    x = convert_to_tensor(x)
    return x - jnp.tanh(x)


def threshold(x, threshold, default_value):
    x = convert_to_tensor(x)
    return jnp.where(x > threshold, x, default_value)


def celu(x, alpha=1.0):
    # max(x, 0) + alpha * expm1(min(x, 0) / alpha); never overflows for x > 0.
    return jax.nn.celu(convert_to_tensor(x), alpha=alpha)


def glu(x, axis=-1):
    x = convert_to_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(
            f"glu: axis {axis} of the input must have an even size, received "
            f"shape {tuple(x.shape)}."
        )
    a, b = jnp.split(x, 2, axis=axis)
    return a * jax.nn.sigmoid(b)


def sparse_plus(x):
    # 0 for x <= -1, (x + 1)^2 / 4 for |x| < 1, x for x >= 1; ints become floatx.
    return jax.nn.sparse_plus(convert_to_tensor(x))


def sparse_sigmoid(x):
    # 0 for x <= -1, (x + 1) / 2 for |x| < 1, 1 for x >= 1; ints become floatx.
    return jax.nn.sparse_sigmoid(convert_to_tensor(x))


def squareplus(x, b=4):
    # (x + sqrt(x^2 + b)) / 2.
    return jax.nn.squareplus(convert_to_tensor(x), b=b)


def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the simplex (Martins & Astudillo, 2016).

    Integer and bool inputs compute in float32, as Keras's (`x * -1.0`).
    """
    x = convert_to_tensor(x)
    if _is_int_or_bool(x):
        x = x * 1.0  # before the sort's negation, which wraps unsigned integers
    z = jnp.moveaxis(x, axis, -1)
    z_sorted = -jnp.sort(-z, axis=-1)
    k = jnp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cumsum = jnp.cumsum(z_sorted, axis=-1)
    support = 1 + k * z_sorted > cumsum
    k_z = jnp.sum(support, axis=-1, keepdims=True)
    tau = (jnp.take_along_axis(cumsum, k_z - 1, axis=-1) - 1) / k_z.astype(z.dtype)
    return jnp.moveaxis(jnp.maximum(z - tau, 0.0), -1, axis)


def tanh(x):
    return jnp.tanh(convert_to_tensor(x))


def softplus(x):
    return jax.nn.softplus(convert_to_tensor(x))


def softsign(x):
    # x / (1 + |x|).
    return jax.nn.soft_sign(convert_to_tensor(x))


def mish(x):
    x = convert_to_tensor(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def log_sigmoid(x):
    return jax.nn.log_sigmoid(convert_to_tensor(x))


def softmax(x, axis=-1):
    return jax.nn.softmax(convert_to_tensor(x), axis=axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(convert_to_tensor(x), axis=axis)


def _no_sparse(name, sparse):
    if sparse:
        raise ValueError(
            f"{name}: `sparse=True` is not supported by kerasish (it has no sparse "
            "tensors); use the default `sparse=False`."
        )


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    _no_sparse("one_hot", sparse)
    dtype = config.floatx() if dtype is None else dtype
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False):
    """`1` at each class listed in the last axis of `inputs` (rank 2: per row)."""
    _no_sparse("multi_hot", sparse)
    inputs = jnp.asarray(inputs)
    encoded = one_hot(inputs.astype("int32"), num_classes, axis=axis, dtype=dtype)
    return jnp.max(encoded, axis=1 if inputs.ndim > 1 else 0)


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
    # Convert first (numpy int64 becomes int32); the initial value must have the
    # operand's dtype (a Python int is int32 to reduce_window, wrong for uint8).
    inputs = convert_to_tensor(inputs)
    if jnp.issubdtype(inputs.dtype, jnp.floating):
        init = np.asarray(-np.inf, inputs.dtype)
    elif inputs.dtype == jnp.bool_:
        init = np.asarray(False)
    else:
        init = np.asarray(np.iinfo(inputs.dtype).min, inputs.dtype)
    out, _ = _pool(inputs, init, jax.lax.max, pool_size, strides, padding, data_format)
    return out


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    inputs = convert_to_tensor(inputs)
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
    query,
    key,
    value,
    bias=None,
    mask=None,
    scale=None,
    is_causal=False,
    flash_attention=None,
    attn_logits_soft_cap=None,
):
    """`softmax(q k^T * scale + bias, masked) v` over `(batch, time, heads, dim)`.

    `flash_attention` only picks a kernel (XLA's here); with
    `attn_logits_soft_cap = c` the logits become `c * tanh(logits / c)`.
    """
    query, key, value = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError(
            "dot_product_attention: expected rank-4 query, key and value "
            "(batch, time, heads, dim), received shapes "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}."
        )
    if attn_logits_soft_cap is None:
        return jax.nn.dot_product_attention(
            query, key, value, bias=bias, mask=mask, scale=scale, is_causal=is_causal
        )
    scale = 1.0 / np.sqrt(query.shape[-1]) if scale is None else scale
    logits = jnp.einsum("btnh,bsnh->bnts", query, key).astype("float32") * scale
    if bias is not None:
        logits = logits + bias
    cap = attn_logits_soft_cap
    logits = cap * jnp.tanh(logits / cap)
    keep = jnp.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & jnp.asarray(mask, bool)
    if is_causal:
        keep = keep & jnp.tril(jnp.ones(logits.shape[-2:], bool))
    logits = jnp.where(keep, logits, -0.7 * jnp.finfo(logits.dtype).max)
    probs = jax.nn.softmax(logits, axis=-1).astype(value.dtype)
    return jnp.einsum("bnts,bsnh->btnh", probs, value)


# -- adaptive pooling ------------------------------------------------------------
def _adaptive_windows(length, out):
    """Window `i` covers `[floor(i L / out), ceil((i + 1) L / out))` (PyTorch's)."""
    starts = (np.arange(out) * length) // out
    ends = -((-(np.arange(1, out + 1)) * length) // out)
    return starts, ends


def _adaptive_pool(inputs, output_size, data_format, reduce):
    data_format = config.standardize_data_format(data_format)
    n = inputs.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(
            "adaptive pooling: expected a rank-3, 4 or 5 input (batch, spatial..., "
            f"channels), received shape {tuple(inputs.shape)}."
        )
    output_size = _tuple(output_size, n)
    first = 1 if data_format == "channels_last" else 2
    x = inputs
    # Pool one spatial axis at a time: a box's mean (max) is the mean (max) of
    # the per-axis means (maxes).
    for i, out in enumerate(output_size):
        axis = first + i
        starts, ends = _adaptive_windows(x.shape[axis], out)
        width = int(np.max(ends - starts))
        index = np.minimum(starts[:, None] + np.arange(width), x.shape[axis] - 1)
        valid = np.arange(width) < (ends - starts)[:, None]  # (out, width)
        windows = jnp.take(x, index.reshape(-1), axis=axis)
        windows = windows.reshape(x.shape[:axis] + (out, width) + x.shape[axis + 1 :])
        mask = valid.reshape((out, width) + (1,) * (x.ndim - axis - 1))
        x = reduce(windows, mask, axis + 1)
    return x


def adaptive_average_pool(inputs, output_size, data_format=None):
    inputs = jnp.asarray(inputs)
    if not jnp.issubdtype(inputs.dtype, jnp.floating):
        inputs = inputs.astype(config.floatx())

    def mean(windows, mask, axis):
        counts = np.sum(mask, axis=axis - (windows.ndim - mask.ndim))
        total = jnp.sum(jnp.where(mask, windows, 0), axis=axis)
        return total / counts.astype(total.dtype)

    return _adaptive_pool(inputs, output_size, data_format, mean)


def adaptive_max_pool(inputs, output_size, data_format=None):
    inputs = jnp.asarray(inputs)

    def maximum(windows, mask, axis):
        low = (
            -jnp.inf
            if jnp.issubdtype(windows.dtype, jnp.floating)
            else np.iinfo(windows.dtype).min
        )
        return jnp.max(jnp.where(mask, windows, low), axis=axis)

    return _adaptive_pool(inputs, output_size, data_format, maximum)


def polar(abs_, angle):
    abs_ = jnp.asarray(abs_)
    return jax.lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


def psnr(x1, x2, max_val):
    """`20 log10(max_val) - 10 log10(mean((x1 - x2)^2))` over the whole input."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"psnr: `x1` and `x2` must have the same shape, received "
            f"{tuple(x1.shape)} and {tuple(x2.shape)}."
        )
    mse = jnp.mean(jnp.square(x1 - x2))
    max_val = jnp.asarray(max_val, x2.dtype)
    return 20 * jnp.log10(max_val) - 10 * jnp.log10(mse)


# Re-exported: the `nn` namespace is this module.
from kerasish.engine.jax_blocks import (  # noqa: E402, F401
    depth_to_space,
    fold,
    space_to_depth,
    unfold,
)
from kerasish.engine.jax_ctc import ctc_decode, ctc_loss  # noqa: E402, F401
from kerasish.engine.jax_normalization import (  # noqa: E402, F401
    batch_normalization,
    layer_normalization,
    moments,
    rms_normalization,
)
