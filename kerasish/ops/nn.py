"""Neural-network functions of `kerasish.ops` (Keras's `keras.ops.nn`).

Each dispatches to the active engine's `nn` namespace; `Variable` arguments are
read first. `mish` is a kerasish extra that Keras keeps in `activations`.
"""

import warnings

from kerasish.ops._forward import engine_namespace, unwrap


def relu(x):
    """Rectified linear unit: `max(x, 0)`."""
    return engine_namespace("nn").relu(unwrap(x))


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return engine_namespace("nn").relu6(unwrap(x))


def sigmoid(x):
    """Logistic sigmoid: `1 / (1 + exp(-x))`."""
    return engine_namespace("nn").sigmoid(unwrap(x))


def sparse_sigmoid(x):
    """Piecewise-linear sigmoid: `0` below -1, `(x + 1) / 2` on [-1, 1], `1` above."""
    return engine_namespace("nn").sparse_sigmoid(unwrap(x))


def softplus(x):
    """`log(1 + exp(x))`, computed stably."""
    return engine_namespace("nn").softplus(unwrap(x))


def softsign(x):
    """`x / (1 + |x|)`."""
    return engine_namespace("nn").softsign(unwrap(x))


def soft_shrink(x, threshold=0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0."""
    return engine_namespace("nn").soft_shrink(unwrap(x), threshold)


def sparse_plus(x):
    """`0` below -1, `(x + 1)^2 / 4` on [-1, 1], `x` above 1."""
    return engine_namespace("nn").sparse_plus(unwrap(x))


def silu(x):
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return engine_namespace("nn").silu(unwrap(x))


def swish(x):
    """Swish (SiLU): `x * sigmoid(x)`."""
    return engine_namespace("nn").swish(unwrap(x))


def squareplus(x, b=4):
    """`(x + sqrt(x^2 + b)) / 2`."""
    return engine_namespace("nn").squareplus(unwrap(x), b)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return engine_namespace("nn").log_sigmoid(unwrap(x))


def leaky_relu(x, negative_slope=0.2):
    """`x` where `x >= 0`, else `negative_slope * x`."""
    return engine_namespace("nn").leaky_relu(unwrap(x), negative_slope)


def hard_sigmoid(x):
    """`relu6(x + 3) / 6`."""
    return engine_namespace("nn").hard_sigmoid(unwrap(x))


def hard_silu(x):
    """`x * relu6(x + 3) / 6`."""
    return engine_namespace("nn").hard_silu(unwrap(x))


def hard_swish(x):
    """Hard swish (hard SiLU): `x * relu6(x + 3) / 6`."""
    return engine_namespace("nn").hard_swish(unwrap(x))


def elu(x, alpha=1.0):
    """`x` where `x > 0`, else `alpha * (exp(x) - 1)`."""
    return engine_namespace("nn").elu(unwrap(x), alpha)


def selu(x):
    """Scaled ELU: `scale * elu(x, alpha)` with the self-normalizing constants."""
    return engine_namespace("nn").selu(unwrap(x))


def gelu(x, approximate=True):
    """Gaussian error linear unit; tanh approximation when `approximate`."""
    return engine_namespace("nn").gelu(unwrap(x), approximate)


def celu(x, alpha=1.0):
    """`x` where `x > 0`, else `alpha * (exp(x / alpha) - 1)`."""
    return engine_namespace("nn").celu(unwrap(x), alpha)


def glu(x, axis=-1):
    """Gated linear unit: halves `a, b` of `axis` give `a * sigmoid(b)`."""
    return engine_namespace("nn").glu(unwrap(x), axis)


def hard_tanh(x):
    """`clip(x, -1, 1)`."""
    return engine_namespace("nn").hard_tanh(unwrap(x))


def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0."""
    return engine_namespace("nn").hard_shrink(unwrap(x), threshold)


def tanh_shrink(x):
    """`x - tanh(x)`."""
    return engine_namespace("nn").tanh_shrink(unwrap(x))


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    return engine_namespace("nn").threshold(unwrap(x), threshold, default_value)


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis`, computed stably."""
    shape = getattr(x, "shape", None)
    if (
        isinstance(axis, int)
        and shape is not None
        and -len(shape) <= axis < len(shape)
        and shape[axis] == 1
    ):
        warnings.warn(  # Keras's words
            f"You are using a softmax over axis {axis} of a tensor of shape "
            f"{tuple(shape)}. This axis has size 1. The softmax operation will "
            "always return the value 1, which is likely not what you intended. "
            "Did you mean to use a sigmoid instead?",
            stacklevel=2,
        )
    return engine_namespace("nn").softmax(unwrap(x), axis)


def log_softmax(x, axis=-1):
    """`x - logsumexp(x)` along `axis`."""
    return engine_namespace("nn").log_softmax(unwrap(x), axis)


def sparsemax(x, axis=-1):
    """Sparsemax along `axis`: the Euclidean projection of `x` onto the simplex."""
    return engine_namespace("nn").sparsemax(unwrap(x), axis)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the spatial axes of a rank-3/4/5 input."""
    return engine_namespace("nn").max_pool(
        unwrap(inputs), pool_size, strides, padding, data_format
    )


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over the spatial axes of a rank-3/4/5 input."""
    return engine_namespace("nn").average_pool(
        unwrap(inputs), pool_size, strides, padding, data_format
    )


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed `output_size` (PyTorch's window rule)."""
    return engine_namespace("nn").adaptive_average_pool(
        unwrap(inputs), output_size, data_format
    )


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed `output_size` (PyTorch's window rule)."""
    return engine_namespace("nn").adaptive_max_pool(
        unwrap(inputs), output_size, data_format
    )


def _check_conv_ranks(op, inputs, kernel):
    """A convolution's input is `(batch, *spatial, channels)` (1 to 3 spatial
    axes) and its kernel has the input's rank."""
    x, k = tuple(inputs.shape), tuple(kernel.shape)
    if not 3 <= len(x) <= 5 or len(k) != len(x):
        raise ValueError(
            f"{op}: the input must have rank 3 to 5 (batch, 1 to 3 spatial axes, "
            "channels) and the kernel the same rank (spatial axes, then two "
            f"channel axes); received input shape {x} and kernel shape {k}."
        )


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-d convolution; `kernel` is `spatial + (in_channels / groups, filters)`."""
    _check_conv_ranks("conv", inputs, kernel)
    return engine_namespace("nn").conv(
        unwrap(inputs), unwrap(kernel), strides, padding, data_format, dilation_rate
    )


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    """Depthwise N-d convolution; `kernel` is `spatial + (in_channels, multiplier)`."""
    _check_conv_ranks("depthwise_conv", inputs, kernel)
    return engine_namespace("nn").depthwise_conv(
        unwrap(inputs), unwrap(kernel), strides, padding, data_format, dilation_rate
    )


def separable_conv(
    inputs,
    depthwise_kernel,
    pointwise_kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
):
    """Depthwise convolution followed by a pointwise (1x1) convolution."""
    _check_conv_ranks("separable_conv", inputs, depthwise_kernel)
    return engine_namespace("nn").separable_conv(
        unwrap(inputs),
        unwrap(depthwise_kernel),
        unwrap(pointwise_kernel),
        strides,
        padding,
        data_format,
        dilation_rate,
    )


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
    _check_conv_ranks("conv_transpose", inputs, kernel)
    return engine_namespace("nn").conv_transpose(
        unwrap(inputs),
        unwrap(kernel),
        strides,
        padding,
        output_padding,
        data_format,
        dilation_rate,
    )


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encodes integer `x` into `num_classes` along `axis`."""
    nn = engine_namespace("nn")
    if sparse:  # engines without sparse tensors need not take the argument
        return nn.one_hot(unwrap(x), num_classes, axis, dtype, sparse)
    return nn.one_hot(unwrap(x), num_classes, axis, dtype)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encodes integer `inputs`: 1 at every listed class."""
    if "num_tokens" in kwargs:  # Keras's legacy name
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` must be given, received None.")
    nn = engine_namespace("nn")
    if sparse:  # engines without sparse tensors need not take the argument
        return nn.multi_hot(unwrap(inputs), num_classes, axis, dtype, sparse)
    return nn.multi_hot(unwrap(inputs), num_classes, axis, dtype)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot `target` and `output` probabilities/logits."""
    return engine_namespace("nn").categorical_crossentropy(
        unwrap(target), unwrap(output), from_logits, axis
    )


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer `target` and `output` probabilities/logits."""
    return engine_namespace("nn").sparse_categorical_crossentropy(
        unwrap(target), unwrap(output), from_logits, axis
    )


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy of `output` probabilities/logits."""
    return engine_namespace("nn").binary_crossentropy(
        unwrap(target), unwrap(output), from_logits
    )


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`."""
    axes = tuple(axes) if isinstance(axes, list) else axes
    if synchronized:
        return engine_namespace("nn").moments(unwrap(x), axes, keepdims, synchronized)
    return engine_namespace("nn").moments(unwrap(x), axes, keepdims)


def batch_normalization(
    x, mean, variance, axis, offset=None, scale=None, epsilon=0.001
):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset` along `axis`."""
    return engine_namespace("nn").batch_normalization(
        unwrap(x),
        unwrap(mean),
        unwrap(variance),
        axis,
        unwrap(offset),
        unwrap(scale),
        epsilon,
    )


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC negative log-likelihood of `target` given `output` logits, per sequence."""
    return engine_namespace("nn").ctc_loss(
        unwrap(target),
        unwrap(output),
        unwrap(target_length),
        unwrap(output_length),
        mask_index,
    )


def ctc_decode(
    inputs,
    sequence_lengths,
    strategy="greedy",
    beam_width=100,
    top_paths=1,
    merge_repeated=True,
    mask_index=0,
):
    """Decodes CTC `inputs` greedily or by beam search; returns `(paths, scores)`."""
    return engine_namespace("nn").ctc_decode(
        unwrap(inputs),
        unwrap(sequence_lengths),
        strategy,
        beam_width,
        top_paths,
        merge_repeated,
        mask_index,
    )


def normalize(x, axis=-1, order=2, epsilon=None):
    """`x / max(norm(x, order, axis), epsilon)`."""
    return engine_namespace("nn").normalize(unwrap(x), axis, order, epsilon)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: `20 log10(max_val) - 10 log10(mse(x1, x2))`."""
    return engine_namespace("nn").psnr(unwrap(x1), unwrap(x2), max_val)


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
    """Scaled dot-product attention over `(batch, time, heads, dim)` inputs."""
    return engine_namespace("nn").dot_product_attention(
        unwrap(query),
        unwrap(key),
        unwrap(value),
        unwrap(bias),
        unwrap(mask),
        unwrap(scale),
        is_causal,
        flash_attention,
        attn_logits_soft_cap,
    )


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x / sqrt(mean(x^2, axis) + epsilon) * scale`."""
    return engine_namespace("nn").rms_normalization(
        unwrap(x), unwrap(scale), axis, epsilon
    )


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, statistics over `axis`."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(
            f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}."
        )
    if rms_scaling:
        warnings.warn(
            "layer_normalization: `rms_scaling=True` is deprecated (it scales by "
            "the variance, not the root mean square); use `ops.rms_normalization`.",
            stacklevel=2,
        )
    return engine_namespace("nn").layer_normalization(
        unwrap(x), unwrap(gamma), unwrap(beta), axis, epsilon, rms_scaling
    )


def polar(abs_, angle):
    """The complex number `abs_ * (cos(angle) + i sin(angle))`."""
    return engine_namespace("nn").polar(unwrap(abs_), unwrap(angle))


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts sliding blocks of an `(N, C, H, W)` input as `(N, C*kh*kw, L)`."""
    return engine_namespace("nn").unfold(
        unwrap(x), kernel_size, dilation, padding, stride
    )


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums sliding blocks `(N, C*kh*kw, L)` back into an `(N, C, H, W)` tensor."""
    return engine_namespace("nn").fold(
        unwrap(x), output_size, kernel_size, dilation, padding, stride
    )


def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves channel groups into `block_size x block_size` spatial blocks."""
    return engine_namespace("nn").depth_to_space(unwrap(x), block_size, data_format)


def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves `block_size x block_size` spatial blocks into the channels."""
    return engine_namespace("nn").space_to_depth(unwrap(x), block_size, data_format)


def mish(x):
    """`x * tanh(softplus(x))` (a kerasish extra; Keras has it in `activations`)."""
    return engine_namespace("nn").mish(unwrap(x))


__all__ = [
    "adaptive_average_pool",
    "adaptive_max_pool",
    "average_pool",
    "batch_normalization",
    "binary_crossentropy",
    "categorical_crossentropy",
    "celu",
    "conv",
    "conv_transpose",
    "ctc_decode",
    "ctc_loss",
    "depth_to_space",
    "depthwise_conv",
    "dot_product_attention",
    "elu",
    "fold",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "layer_normalization",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "max_pool",
    "mish",
    "moments",
    "multi_hot",
    "normalize",
    "one_hot",
    "polar",
    "psnr",
    "relu",
    "relu6",
    "rms_normalization",
    "selu",
    "separable_conv",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "space_to_depth",
    "sparse_categorical_crossentropy",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh_shrink",
    "threshold",
    "unfold",
]
