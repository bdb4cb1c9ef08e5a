"""Activation functions with Keras 3's names, arguments and defaults.

Each is written with `kerasish.ops` only, works on arrays and `Variable`s, and
branches on values with `ops.where`, so it traces under `jit`.
"""

from kerasish import ops

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with optional leak, ceiling and threshold.

    `relu(x) = max(x, 0)`. With the options (Keras's formula):
    `pos = x if x > threshold else 0`, clipped to `[0, max_value]` when
    `max_value` is set; `out = pos - negative_slope * max(threshold - x, 0)`.

    Args:
        x: Input tensor.
        negative_slope: Slope for values below `threshold`. Defaults to `0.0`.
        max_value: Upper bound of the output; `None` means unbounded.
        threshold: Values at or below it are zeroed (or leak). Defaults to `0.0`.

    Returns:
        A tensor of the same shape and dtype as `x`.

    Example:
    >>> kerasish.activations.relu(np.array([-2.0, 1.0, 8.0]), max_value=6.0)
    Array([0., 1., 6.], dtype=float32)
    """
    x = ops.convert_to_tensor(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return ops.relu(x)
    if max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    if threshold == 0:
        positive = ops.relu(x)
    else:
        positive = ops.where(ops.greater(x, threshold), x, ops.zeros_like(x))
    if max_value is not None:
        positive = ops.clip(positive, 0, max_value)
    if negative_slope == 0:
        return positive
    return positive - negative_slope * ops.relu(threshold - x)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """`x` where `x >= 0`, else `negative_slope * x`."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """Exponential linear unit: `x` where `x > 0`, else `alpha * (exp(x) - 1)`."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled ELU: `scale * elu(x, alpha)` with Klambauer et al.'s constants
    `alpha = 1.67326324...` and `scale = 1.05070098...`."""
    return ops.selu(x)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: `x` where `x > 0`, else
    `alpha * (exp(x / alpha) - 1)`."""
    x = ops.convert_to_tensor(x)
    negative = alpha * ops.expm1(ops.minimum(x, 0.0) / alpha)
    return ops.where(ops.greater(x, 0), x, negative)


def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * P(X <= x)` for a standard normal `X`.

    `approximate=False` (Keras's default) uses `0.5 * x * (1 + erf(x / sqrt(2)))`;
    `True` uses the tanh approximation.
    """
    return ops.gelu(x, approximate=approximate)


def silu(x):
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return ops.silu(x)


swish = silu


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: `relu6(x + 3) / 6`, i.e. `clip(x / 6 + 0.5, 0, 1)`."""
    return ops.hard_sigmoid(x)


def hard_silu(x):
    """Hard SiLU (hard swish): `x * hard_sigmoid(x)`."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def tanh_shrink(x):
    """`x - tanh(x)`."""
    x = ops.convert_to_tensor(x)
    return x - ops.tanh(x)


def hard_tanh(x):
    """`clip(x, -1, 1)`."""
    return ops.clip(ops.convert_to_tensor(x), -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else `0`."""
    x = ops.convert_to_tensor(x)
    return ops.where(ops.greater(ops.abs(x), threshold), x, ops.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`,
    else `0`."""
    x = ops.convert_to_tensor(x)
    return x - ops.clip(x, -threshold, threshold)


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    x = ops.convert_to_tensor(x)
    return ops.where(ops.greater(x, threshold), x, ops.full_like(x, default_value))


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x), axis)`, computed stably.

    Args:
        x: Input tensor.
        axis: Axis (or axes) to normalize over. Defaults to `-1`.
    """
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """`x - logsumexp(x, axis)`."""
    return ops.log_softmax(x, axis=axis)


def log_sigmoid(x):
    """`log(sigmoid(x)) = -softplus(-x)`."""
    return ops.log_sigmoid(x)


def softplus(x):
    """`log(exp(x) + 1)`, computed stably."""
    return ops.softplus(x)


def softsign(x):
    """`x / (|x| + 1)`."""
    return ops.softsign(x)


def sparse_plus(x):
    """`0` for `x <= -1`, `x` for `x >= 1`, else `(x + 1)**2 / 4`."""
    x = ops.convert_to_tensor(x)
    middle = ops.square(x + 1.0) / 4.0
    return ops.where(
        ops.less_equal(x, -1.0),
        ops.zeros_like(x),
        ops.where(ops.greater_equal(x, 1.0), x, middle),
    )


def sparse_sigmoid(x):
    """`0` for `x <= -1`, `1` for `x >= 1`, else `(x + 1) / 2`."""
    return ops.clip((ops.convert_to_tensor(x) + 1.0) / 2.0, 0.0, 1.0)


def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2`.

    For `x < 0` the equal form `b / (2 * (sqrt(x**2 + b) - x))` is used, which
    does not cancel (`x = -100` keeps its float32 digits).
    """
    x = ops.convert_to_tensor(x)
    root = ops.sqrt(ops.square(x) + b)
    return ops.where(ops.less(x, 0), b / (2.0 * (root - x)), (x + root) / 2.0)


def mish(x):
    """`x * tanh(softplus(x))`."""
    return ops.mish(x)


def exponential(x):
    """`exp(x)`."""
    return ops.exp(x)


def linear(x):
    """The identity: returns `x` unchanged."""
    return x


def glu(x, axis=-1):
    """Gated linear unit: splits `x` in two halves `a, b` along `axis` and returns
    `a * sigmoid(b)`.

    Raises:
        ValueError: The size of `axis` is odd.
    """
    x = ops.convert_to_tensor(x)
    size = x.shape[axis]
    if size % 2:
        raise ValueError(
            f"glu: the size of `axis` ({axis}) must be even to split it in two "
            f"halves, received shape {tuple(x.shape)}. Pad or slice that axis to "
            "an even length."
        )
    a, b = ops.split(x, 2, axis=axis)
    return a * ops.sigmoid(b)


def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the probability simplex along `axis`.

    With `z` sorted descending and `k` the largest index such that
    `1 + k * z_k > sum_{j<=k} z_j`, the threshold is
    `tau = (sum_{j<=k} z_j - 1) / k` and the output is `max(x - tau, 0)`
    (Martins & Astudillo, 2016); each slice sums to 1.
    """
    x = ops.convert_to_tensor(x)
    z = ops.flip(ops.sort(x, axis=axis), axis=axis)
    cumulative = ops.cumsum(z, axis=axis)
    shape = [1] * len(x.shape)
    shape[axis] = x.shape[axis]
    rank = ops.reshape(ops.arange(1, x.shape[axis] + 1, dtype=x.dtype), shape)
    support = ops.greater(1.0 + rank * z, cumulative)
    k = ops.sum(ops.cast(support, "int32"), axis=axis, keepdims=True)
    cumulative_at_k = ops.take_along_axis(cumulative, k - 1, axis=axis)
    tau = (cumulative_at_k - 1.0) / ops.cast(k, x.dtype)
    return ops.maximum(x - tau, 0.0)
