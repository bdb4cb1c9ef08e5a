"""The NumPy engine's `nn` namespace: activations, convolutions, pooling, losses."""

import numpy as np

from kerasish import config
from kerasish.engine.numpy_arrays import _floatx
from kerasish.engine.numpy_math import erf


def _core_functions():
    def sigmoid(x):
        return np.where(
            x >= 0,
            1 / (1 + np.exp(-np.abs(x))),
            np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))),
        ).astype(np.asarray(x).dtype)

    def softmax(x, axis=-1):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)

    def log_softmax(x, axis=-1):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

    def softplus(x):
        return np.logaddexp(0.0, x).astype(np.asarray(x).dtype)

    def elu(x, alpha=1.0):
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))

    def gelu(x, approximate=True):
        if approximate:
            return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
        return 0.5 * x * (1 + erf(x / np.sqrt(2)))

    def one_hot(x, num_classes, axis=-1, dtype=None):
        out = np.eye(num_classes, dtype=_floatx(dtype))[np.asarray(x).astype(int)]
        return np.moveaxis(out, -1, axis) if axis != -1 else out

    def _pool(inputs, pool_size, strides, padding, data_format, reducer, fill):
        data_format = config.standardize_data_format(data_format)
        if data_format == "channels_first":
            inputs = np.moveaxis(inputs, 1, -1)
        n = inputs.ndim - 2
        pool_size = (pool_size,) * n if isinstance(pool_size, int) else tuple(pool_size)
        strides = (
            pool_size
            if strides is None
            else ((strides,) * n if isinstance(strides, int) else tuple(strides))
        )
        x = inputs.astype("float64")
        valid = np.ones_like(x)
        if padding == "same":
            pads = []
            for size, k, s in zip(inputs.shape[1:-1], pool_size, strides):
                out = -(-size // s)
                total = max((out - 1) * s + k - size, 0)
                pads.append((total // 2, total - total // 2))
            x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
            valid = np.pad(valid, [(0, 0), *pads, (0, 0)])
        axes = tuple(range(1, n + 1))
        w = np.lib.stride_tricks.sliding_window_view(x, pool_size, axis=axes)
        v = np.lib.stride_tricks.sliding_window_view(valid, pool_size, axis=axes)
        index = (slice(None),) + tuple(slice(None, None, s) for s in strides)
        out = reducer(w[index], v[index], tuple(range(-n, 0)))
        if data_format == "channels_first":
            out = np.moveaxis(out, -1, 1)
        return out.astype(inputs.dtype)

    def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
        return _pool(
            inputs,
            pool_size,
            strides,
            padding,
            data_format,
            lambda w, v, ax: np.max(w, axis=ax),
            -np.inf,
        )

    def average_pool(
        inputs, pool_size, strides=None, padding="valid", data_format=None
    ):
        return _pool(
            inputs,
            pool_size,
            strides,
            padding,
            data_format,
            lambda w, v, ax: np.sum(w, axis=ax) / np.sum(v, axis=ax),
            0.0,
        )

    def binary_crossentropy(target, output, from_logits=False):
        if from_logits:
            return (
                np.maximum(output, 0)
                - output * target
                + np.log1p(np.exp(-np.abs(output)))
            )
        eps = config.epsilon()
        output = np.clip(output, eps, 1 - eps)
        return -(target * np.log(output) + (1 - target) * np.log(1 - output))

    def categorical_crossentropy(target, output, from_logits=False, axis=-1):
        if from_logits:
            return -np.sum(target * log_softmax(output, axis), axis=axis)
        output = output / np.sum(output, axis=axis, keepdims=True)
        eps = config.epsilon()
        return -np.sum(target * np.log(np.clip(output, eps, 1 - eps)), axis=axis)

    def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
        return categorical_crossentropy(
            one_hot(target, output.shape[axis], dtype=output.dtype),
            output,
            from_logits,
            axis,
        )

    def normalize(x, axis=-1, order=2, epsilon=None):
        eps = config.epsilon() if epsilon is None else epsilon
        return x / np.maximum(
            np.linalg.norm(x, ord=order, axis=axis, keepdims=True), eps
        )

    functions = {
        "relu": lambda x: np.maximum(x, 0),
        "relu6": lambda x: np.clip(x, 0, 6),
        "leaky_relu": lambda x, negative_slope=0.2: np.where(
            x >= 0, x, negative_slope * x
        ),
        "elu": elu,
        "selu": lambda x: 1.0507009873554805 * elu(x, 1.6732632423543772),
        "gelu": gelu,
        "silu": lambda x: x * sigmoid(x),
        "swish": lambda x: x * sigmoid(x),
        "sigmoid": sigmoid,
        "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
        "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
        "tanh": np.tanh,
        "softplus": softplus,
        "softsign": lambda x: x / (1 + np.abs(x)),
        "mish": lambda x: x * np.tanh(softplus(x)),
        "log_sigmoid": lambda x: -softplus(-x),
        "softmax": softmax,
        "log_softmax": log_softmax,
        "one_hot": one_hot,
        "multi_hot": lambda x, num_classes, axis=-1, dtype=None: np.max(
            one_hot(x, num_classes, dtype=dtype), axis=-2
        ),
        "conv": conv,
        "max_pool": max_pool,
        "average_pool": average_pool,
        "binary_crossentropy": binary_crossentropy,
        "categorical_crossentropy": categorical_crossentropy,
        "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
        "normalize": normalize,
    }
    return functions


def conv(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
    feature_group_count=1,
):
    data_format = config.standardize_data_format(data_format)
    if data_format == "channels_first":
        inputs = np.moveaxis(inputs, 1, -1)
    n = inputs.ndim - 2
    strides = (strides,) * n if isinstance(strides, int) else tuple(strides)
    dilation = (
        (dilation_rate,) * n if isinstance(dilation_rate, int) else tuple(dilation_rate)
    )
    if any(d > 1 for d in dilation):
        dilated = np.zeros(
            tuple((k - 1) * d + 1 for k, d in zip(kernel.shape[:n], dilation))
            + kernel.shape[n:],
            kernel.dtype,
        )
        dilated[tuple(slice(None, None, d) for d in dilation)] = kernel
        kernel = dilated
    if padding == "same":
        pads = []
        for size, k, s in zip(inputs.shape[1:-1], kernel.shape[:n], strides):
            out = -(-size // s)
            total = max((out - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        inputs = np.pad(inputs, [(0, 0), *pads, (0, 0)])
    windows = np.lib.stride_tricks.sliding_window_view(
        inputs, kernel.shape[:n], axis=tuple(range(1, n + 1))
    )
    windows = windows[(slice(None),) + tuple(slice(None, None, s) for s in strides)]
    groups = feature_group_count
    cin = inputs.shape[-1] // groups
    outs = []
    for g in range(groups):
        w = windows[..., g * cin : (g + 1) * cin, *([slice(None)] * n)]
        k = kernel[
            ...,
            (g * kernel.shape[-1] // groups) : ((g + 1) * kernel.shape[-1] // groups),
        ]
        outs.append(np.einsum(_conv_eq(n), w, k))
    out = np.concatenate(outs, axis=-1)
    if data_format == "channels_first":
        out = np.moveaxis(out, -1, 1)
    return out.astype(inputs.dtype)


def _conv_eq(n):
    spatial = "xyz"[:n]
    window = "abc"[:n]
    # windows: (N, *out_spatial, C, *window); kernel: (*window, C, F)
    return f"N{spatial}C{window},{window}CF->N{spatial}F"


# -- more activations ----------------------------------------------------------------
def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1)


def hard_silu(x):
    return x * np.clip(x / 6 + 0.5, 0, 1)


def celu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0) / alpha))


def glu(x, axis=-1):
    x = np.asarray(x)
    if x.shape[axis] % 2:
        raise ValueError(
            f"glu: axis {axis} of the input must have an even size, received "
            f"shape {tuple(x.shape)}."
        )
    a, b = np.split(x, 2, axis=axis)
    return a * _sigmoid(b)


def _floating(x):
    """`x` as an array, integers and bools as floatx (as Keras's activations)."""
    x = np.asarray(x)
    return x.astype(config.floatx()) if x.dtype.kind in "biu" else x


def sparse_plus(x):
    x = _floating(x)
    # 0 for x <= -1, (x + 1)^2 / 4 for |x| < 1, x for x >= 1.
    return np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)).astype(x.dtype)


def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the simplex (Martins & Astudillo, 2016)."""
    z = np.moveaxis(np.asarray(x), axis, -1)
    z_sorted = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cumsum = np.cumsum(z_sorted, axis=-1)
    k_z = np.sum(1 + k * z_sorted > cumsum, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumsum, k_z - 1, axis=-1) - 1) / k_z.astype(z.dtype)
    return np.moveaxis(np.maximum(z - tau, 0.0), -1, axis)


def psnr(x1, x2, max_val):
    """`20 log10(max_val) - 10 log10(mean((x1 - x2)^2))` over the whole input."""
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"psnr: `x1` and `x2` must have the same shape, received "
            f"{tuple(x1.shape)} and {tuple(x2.shape)}."
        )
    mse = np.mean(np.square(x1 - x2))
    max_val = np.asarray(max_val, x2.dtype)
    return (20 * np.log10(max_val) - 10 * np.log10(mse)).astype(x2.dtype)


def _blocks(name, x, block_size, data_format):
    x = np.asarray(x)
    data_format = config.standardize_data_format(data_format)
    if x.ndim != 4:
        raise ValueError(
            f"{name}: expected a rank-4 input, received shape {tuple(x.shape)}."
        )
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    return x, data_format


def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves `block_size**2` channel groups into `block_size x block_size` blocks."""
    x, data_format = _blocks("depth_to_space", x, block_size, data_format)
    n, h, w, c = x.shape
    b = block_size
    if c % (b * b):
        raise ValueError(
            f"depth_to_space: the {c} channels must be a multiple of "
            f"block_size**2 = {b * b}."
        )
    x = np.reshape(x, (n, h, w, b, b, c // (b * b)))
    x = np.transpose(x, (0, 1, 3, 2, 4, 5)).reshape(n, h * b, w * b, c // (b * b))
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves each `block_size x block_size` block into the channels."""
    x, data_format = _blocks("space_to_depth", x, block_size, data_format)
    n, h, w, c = x.shape
    b = block_size
    if h % b or w % b:
        raise ValueError(
            f"space_to_depth: height {h} and width {w} must be multiples of "
            f"block_size {b}."
        )
    x = np.reshape(x, (n, h // b, b, w // b, b, c))
    x = np.transpose(x, (0, 1, 3, 2, 4, 5)).reshape(n, h // b, w // b, c * b * b)
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


# -- convolutions built on `conv` ----------------------------------------------------
def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    """`kernel` is `spatial + (in_channels, depth_multiplier)`; output channel
    `c * depth_multiplier + m` is input channel `c` convolved with
    `kernel[..., c, m]`."""
    data_format = config.standardize_data_format(data_format)
    channels = inputs.shape[-1 if data_format == "channels_last" else 1]
    kernel = np.reshape(kernel, kernel.shape[:-2] + (1, -1))
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
    """A depthwise convolution, then a 1x1 convolution mixing the channels."""
    depthwise = depthwise_conv(
        inputs, depthwise_kernel, strides, padding, data_format, dilation_rate
    )
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1, 1)


def _conv_transpose_padding(kernel_size, stride, dilation, padding, output_padding):
    """Keras's (left, right) padding of the stride-dilated input on one axis."""
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
    """Transposed N-d convolution; `kernel` is `spatial + (filters, in_channels)`.

    The gradient of `conv` as a forward pass: zeros between the inputs (`strides`),
    padding, then a stride-1 convolution with the flipped, transposed kernel.
    """
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(inputs)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    n = x.ndim - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    out_pad = (None,) * n if output_padding is None else _tuple(output_padding, n)
    spatial = x.shape[1:-1]
    dilated = np.zeros(
        (x.shape[0],)
        + tuple((d - 1) * s + 1 for d, s in zip(spatial, strides))
        + (x.shape[-1],),
        x.dtype,
    )
    dilated[(slice(None),) + tuple(slice(None, None, s) for s in strides)] = x
    pads = [
        _conv_transpose_padding(
            kernel.shape[i], strides[i], dilation[i], padding, out_pad[i]
        )
        for i in range(n)
    ]
    dilated = np.pad(dilated, [(0, 0), *pads, (0, 0)])
    flipped = np.swapaxes(
        kernel[tuple(slice(None, None, -1) for _ in range(n))], -1, -2
    )
    out = conv(dilated, flipped, 1, "valid", "channels_last", dilation, 1)
    return np.moveaxis(out, -1, 1) if data_format == "channels_first" else out


# -- attention -----------------------------------------------------------------------
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

    Key and value may have fewer heads than the query (grouped-query attention).
    """
    query, key, value = np.asarray(query), np.asarray(key), np.asarray(value)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError(
            "dot_product_attention: expected rank-4 query, key and value "
            "(batch, time, heads, dim), received shapes "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}."
        )
    groups = query.shape[2] // key.shape[2]
    key, value = np.repeat(key, groups, axis=2), np.repeat(value, groups, axis=2)
    scale = 1.0 / np.sqrt(query.shape[-1]) if scale is None else scale
    # (batch, heads, target, source)
    logits = np.einsum("btnh,bsnh->bnts", query, key).astype("float32") * scale
    if bias is not None:
        logits = logits + bias
    if attn_logits_soft_cap is not None:
        cap = attn_logits_soft_cap
        logits = cap * np.tanh(logits / cap)
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & np.asarray(mask, bool)
    if is_causal:
        keep = keep & np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -0.7 * np.finfo(logits.dtype).max)
    probs = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    probs = (probs / np.sum(probs, axis=-1, keepdims=True)).astype(value.dtype)
    return np.einsum("bnts,bsnh->btnh", probs, value)


# -- normalization -------------------------------------------------------------------
def _half(dtype):
    return dtype in (np.float16,)


def moments(x, axes, keepdims=False, synchronized=False):
    if synchronized:
        raise NotImplementedError(
            "moments: `synchronized=True` is not supported by the numpy engine."
        )
    x = np.asarray(x)
    axes = tuple(axes) if isinstance(axes, list) else axes
    dtype = x.dtype
    if _half(dtype):
        x = x.astype("float32")  # half precision is too coarse for statistics
    mean = np.mean(x, axis=axes, keepdims=keepdims)
    variance = np.var(x, axis=axes, keepdims=keepdims)
    if _half(dtype):
        limit = np.finfo(np.float16).max
        mean = np.clip(mean, -limit, limit)
        variance = np.clip(variance, -limit, limit)
    return mean.astype(dtype), variance.astype(dtype)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset` along `axis`."""
    x, mean, variance = np.asarray(x), np.asarray(mean), np.asarray(variance)
    shape = [1] * x.ndim
    shape[axis] = mean.shape[0]
    inv = 1 / np.sqrt(np.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * np.reshape(scale, shape)
    out = (x - np.reshape(mean, shape)) * inv
    if offset is not None:
        out = out + np.reshape(offset, shape)
    return out.astype(x.dtype)


def _norm_axes(x, axis):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % x.ndim for a in axes)


def _broadcast_param(param, x, axes):
    param = np.asarray(param, x.dtype)
    if param.ndim == x.ndim or axes == [x.ndim - 1]:
        return param
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]
    return np.reshape(param, shape)


def _compute(x):
    x = np.asarray(x)
    return x.astype(np.promote_types(x.dtype, np.float32)), x.dtype


def layer_normalization(
    x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False
):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, statistics over `axis`."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, dtype = _compute(x)
    axes = tuple(_norm_axes(x, axis))
    mean, variance = np.mean(x, axes, keepdims=True), np.var(x, axes, keepdims=True)
    inv = 1 / np.sqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * _broadcast_param(gamma, x, list(axes))
    if rms_scaling:
        return (x * inv).astype(dtype)
    out = (x - mean) * inv
    if beta is not None:
        out = out + _broadcast_param(beta, x, list(axes))
    return out.astype(dtype)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x / sqrt(mean(x^2) + epsilon) * scale`, the mean over `axis`."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, dtype = _compute(x)
    if x.ndim == 0:
        x = x[None]
    axes = tuple(_norm_axes(x, axis))
    out = x / np.sqrt(np.mean(np.square(x), axis=axes, keepdims=True) + epsilon)
    if scale is not None:
        out = out * np.asarray(scale, x.dtype)
    return out.astype(dtype)


def make_namespace():
    """The functions of the `nn` namespace, by name."""
    functions = _core_functions()
    return functions | {
        "batch_normalization": batch_normalization,
        "celu": celu,
        "conv_transpose": conv_transpose,
        "depth_to_space": depth_to_space,
        "depthwise_conv": depthwise_conv,
        "dot_product_attention": dot_product_attention,
        "glu": glu,
        "hard_shrink": lambda x, threshold=0.5: np.where(
            np.abs(_floating(x)) > threshold, _floating(x), 0
        ).astype(_floating(x).dtype),
        "hard_swish": hard_silu,
        "hard_tanh": lambda x: np.clip(np.asarray(x), -1, 1),  # integers stay
        "layer_normalization": layer_normalization,
        "moments": moments,
        "polar": lambda abs_, angle: np.asarray(abs_) * np.exp(1j * np.asarray(angle)),
        "psnr": psnr,
        "rms_normalization": rms_normalization,
        "separable_conv": separable_conv,
        "soft_shrink": lambda x, threshold=0.5: np.where(
            np.abs(_floating(x)) > threshold,
            _floating(x) - np.sign(_floating(x)) * threshold,
            0,
        ).astype(_floating(x).dtype),
        "space_to_depth": space_to_depth,
        "sparse_plus": sparse_plus,
        "sparse_sigmoid": lambda x: np.clip((_floating(x) + 1) / 2, 0.0, 1.0),
        "sparsemax": sparsemax,
        "squareplus": lambda x, b=4: (x + np.sqrt(np.square(x) + b)) / 2,
        "tanh_shrink": lambda x: x - np.tanh(x),
        "threshold": lambda x, threshold, default_value: np.where(
            x > threshold, x, default_value
        ),
    }
