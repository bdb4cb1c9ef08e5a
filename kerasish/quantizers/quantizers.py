"""Quantizers and quantization functions (Keras's `keras.quantizers` math).

Keras's scales are multiplicative: a float `w` is stored as
`q = clip(round(w * scale), lo, hi)` and read back as `q / scale`, with
`scale = hi / (max|w| + epsilon)` over the reduced axis (abs-max quantization).
"""

import math

import numpy as np

from kerasish import config, ops
from kerasish.serialization import register_builtin

# Keras's defaults read `backend.epsilon()` once, at import (1e-7).
_EPSILON = config.epsilon()


def _standardize_dtype(x):
    return ops.standardize_dtype(x.dtype)


@register_builtin("quantizers")
class Quantizer:
    """The base class of quantizers: `quantizer(x)` returns a quantized `x`.

    Args:
        output_dtype: The dtype of the quantized values. Defaults to "int8".
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        """Computes the quantized output of `x` (identity in the base class)."""
        return x

    @classmethod
    def from_config(cls, config):
        """Rebuilds a quantizer from `get_config()`'s output."""
        return cls(**config)

    def get_config(self):
        """The constructor arguments, as a dict; subclasses implement it."""
        raise NotImplementedError(f"{self} does not implement get_config()")


def abs_max_quantize(
    inputs,
    axis,
    value_range=(-127, 127),
    dtype="int8",
    epsilon=_EPSILON,
    to_numpy=False,
):
    """Quantizes `inputs` by their absolute maximum along `axis`.

    `scale = value_range[1] / (max(|inputs|, axis) + epsilon)` (kept dims) and
    `outputs = clip(round(inputs * scale), *value_range)` cast to `dtype`.

    Args:
        inputs: The tensor to quantize.
        axis: The axis (or axes) the maximum is taken over.
        value_range: `(min, max)` of the quantized values.
        dtype: The dtype of the quantized output.
        epsilon: Added to the maximum so an all-zero slice divides safely.
        to_numpy: Compute on the host with numpy (saves device memory).

    Returns:
        `(outputs, scale)`; `scale` has `inputs`' dtype and rank.

    Example:
    >>> q, s = kerasish.quantizers.abs_max_quantize(np.array([[0.5, -1.0]]), -1)
    >>> np.asarray(q).tolist()
    [[64, -127]]
    """
    if to_numpy:
        original_dtype = _standardize_dtype(inputs)
        values = np.asarray(ops.convert_to_numpy(inputs))
        if isinstance(axis, list):
            axis = tuple(axis)
        scale = np.divide(
            value_range[1],
            np.add(np.max(np.abs(values), axis=axis, keepdims=True), epsilon),
        )
        outputs = np.clip(np.round(values * scale), value_range[0], value_range[1])
        return (
            ops.convert_to_tensor(outputs.astype(dtype)),
            ops.convert_to_tensor(scale, dtype=original_dtype),
        )
    inputs = ops.convert_to_tensor(inputs)
    scale = ops.divide(
        value_range[1],
        ops.add(ops.max(ops.abs(inputs), axis=axis, keepdims=True), epsilon),
    )
    scale = ops.cast(scale, _standardize_dtype(inputs))
    outputs = ops.clip(
        ops.round(ops.multiply(inputs, scale)), value_range[0], value_range[1]
    )
    return ops.cast(outputs, dtype), scale


def abs_max_quantize_grouped_with_zero_point(
    inputs,
    block_size,
    value_range=(-8, 7),
    dtype="int8",
    epsilon=_EPSILON,
    to_numpy=False,
):
    """Asymmetric quantization of a 2D `(input_dim, output_dim)` tensor in groups
    of `block_size` rows, each group with its own scale and zero point per column.

    With `lo, hi = value_range` and per group `m = min`, `M = max`:
    `scale = (M - m + epsilon) / (hi - lo)`,
    `zero = clip(round(-m / scale) + lo, lo, hi)`,
    `q = clip(round(w / scale) + zero, lo, hi)`; `w ~ (q - zero) * scale`.
    Rows are zero-padded to a multiple of `block_size` before the statistics.

    Returns:
        `(quantized, scale, zero_point)`: `quantized` has `inputs`' shape;
        `scale` and `zero_point` (int8) are `(ceil(input_dim / block_size),
        output_dim)`.
    """
    original_dtype = _standardize_dtype(inputs)
    values = np.asarray(ops.convert_to_numpy(inputs))
    input_dim, output_dim = values.shape
    n_groups = math.ceil(input_dim / block_size)
    lo, hi = value_range
    padded = np.zeros((n_groups * block_size, output_dim), values.dtype)
    padded[:input_dim] = values
    groups = padded.reshape(n_groups, block_size, output_dim)
    min_val = groups.min(axis=1, keepdims=True)
    max_val = groups.max(axis=1, keepdims=True)
    scale = ((max_val - min_val) + epsilon) / (hi - lo)
    zero = np.clip(np.round(-min_val / scale) + lo, lo, hi)
    outputs = np.clip(np.round(groups / scale) + zero, lo, hi).astype(dtype)
    outputs = outputs.reshape(n_groups * block_size, output_dim)[:input_dim]
    return (
        ops.convert_to_tensor(outputs),
        ops.convert_to_tensor(np.squeeze(scale, axis=1), dtype=original_dtype),
        ops.convert_to_tensor(np.squeeze(zero, axis=1).astype("int8")),
    )


@register_builtin("quantizers")
class AbsMaxQuantizer(Quantizer):
    """Abs-max quantizer: `abs_max_quantize(x, axis, value_range, ...)`.

    Args:
        axis: Deprecated; pass `axis` to the call instead. Defaults to -1 there.
        value_range: `(min, max)` of the quantized values.
        epsilon: Added to the maximum before dividing.
        output_dtype: The quantized dtype. For "int8", `value_range` must lie in
            `[-128, 127]`.

    Example:
    >>> q, scale = kerasish.quantizers.AbsMaxQuantizer()(np.array([[1.0, -2.0]]))
    >>> np.asarray(q).tolist()
    [[64, -127]]
    """

    def __init__(
        self,
        axis=None,
        value_range=(-127, 127),
        epsilon=_EPSILON,
        output_dtype="int8",
    ):
        Quantizer.__init__(self, output_dtype=output_dtype)
        if axis is not None:
            axis = tuple(axis) if isinstance(axis, list | tuple) else (axis,)
        self.axis = axis
        self.value_range = tuple(value_range)
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError(
                "Quantizer with output_dtype='int8' requires value_range to be "
                f"within the interval [-128, 127]. Received: value_range="
                f"{value_range}"
            )

    def __call__(self, x, axis=None, to_numpy=False):
        """Returns `(quantized, scale)` along `axis` (else the constructor's, else
        -1)."""
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(
            x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy
        )

    def get_config(self):
        config = {
            "value_range": self.value_range,
            "epsilon": self.epsilon,
            "output_dtype": self.output_dtype,
        }
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def _adjust_and_nudge(min_range, max_range, num_bits, narrow_range):
    """The nudged `[min, max]` whose zero is exactly representable (TF's rule)."""
    min_range = ops.cast(min_range, "float32")
    max_range = ops.cast(max_range, "float32")
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = ops.subtract(max_range, min_range)
    scale = ops.divide(diff, quant_max - quant_min)
    inv_scale = ops.divide(quant_max - quant_min, diff)
    zero = ops.clip(quant_min - ops.divide(min_range, scale), quant_min, quant_max)
    zero = ops.round(zero)
    nudged_min = ops.multiply(ops.subtract(quant_min, zero), scale)
    nudged_max = ops.multiply(ops.subtract(quant_max, zero), scale)
    return nudged_min, nudged_max, scale, inv_scale


def fake_quant_with_min_max_vars(
    inputs,
    min_vals,
    max_vals,
    num_bits=8,
    narrow_range=False,
    axis=None,
):
    """Quantizes `inputs` to `num_bits` levels in `[min_vals, max_vals]` and back.

    The range is nudged so 0 is a level; values are clipped to it. Gradients pass
    straight through inside the range and flow to `min_vals` / `max_vals` from
    the clipped values, so the range can train.

    Args:
        inputs: A float tensor.
        min_vals, max_vals: Scalars, or per-channel vectors along `axis`.
        num_bits: The bit width. Defaults to 8.
        narrow_range: Use levels `[1, 2^bits - 1]` instead of `[0, 2^bits - 1]`.
        axis: The channel axis for per-channel ranges; `None` for per-tensor.

    Returns:
        A tensor like `inputs`.
    """
    inputs = ops.convert_to_tensor(inputs)
    min_vals = ops.convert_to_tensor(min_vals)
    max_vals = ops.convert_to_tensor(max_vals)
    num_bits = int(num_bits)
    if axis is not None and axis < 0:
        axis += inputs.ndim

    @ops.custom_gradient
    def fake_quant(x, min_val, max_val):
        dtype = _standardize_dtype(x)
        nudged_min, nudged_max, scale, inv_scale = _adjust_and_nudge(
            min_val, max_val, num_bits, narrow_range
        )
        quant_zero = ops.floor(ops.add(ops.multiply(-nudged_min, inv_scale), 0.5))
        clamped = ops.clip(ops.cast(x, "float32"), nudged_min, nudged_max)
        shifted = ops.subtract(clamped, nudged_min)
        levels = ops.floor(
            ops.add(ops.subtract(ops.multiply(shifted, inv_scale), quant_zero), 0.5)
        )
        result = ops.cast(ops.multiply(levels, scale), dtype)
        inside = ops.logical_and(
            ops.greater_equal(x, nudged_min), ops.less_equal(x, nudged_max)
        )

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            dx = ops.where(inside, upstream, 0.0)
            axes = [i for i in range(dx.ndim) if i != axis]
            below = ops.where(ops.less_equal(x, nudged_min), upstream, 0.0)
            above = ops.where(ops.greater_equal(x, nudged_max), upstream, 0.0)
            if axis is None:
                grad_min, grad_max = ops.sum(below), ops.sum(above)
            else:
                grad_min, grad_max = (
                    ops.sum(below, axis=axes),
                    ops.sum(above, axis=axes),
                )
            return (
                dx,
                ops.reshape(grad_min, ops.shape(min_val)),
                ops.reshape(grad_max, ops.shape(max_val)),
            )

        return result, grad

    return fake_quant(inputs, min_vals, max_vals)


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scale from the window's `amax` (Transformer Engine's rule).

    `1 / new = dtype_max / amax / 2**margin`, keeping `scale` where `amax` is 0
    or not finite.
    """
    scale = ops.reciprocal(scale)
    factor = ops.divide(ops.divide(dtype_max, amax), 2**margin)
    factor = ops.where(ops.greater(amax, 0.0), factor, scale)
    factor = ops.where(ops.isfinite(amax), factor, scale)
    return ops.reciprocal(factor)


def compute_float8_amax_history(x, amax_history):
    """Rolls `amax_history` one step and writes `max|x|` in slot 0."""
    amax_update = ops.cast(ops.max(ops.abs(x)), amax_history.dtype)
    return ops.scatter_update(
        ops.roll(amax_history, shift=-1), [[0]], ops.reshape(amax_update, [1])
    )


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """`cast(clip(x / scale, -M, M), quantized_dtype) * scale` in `compute_dtype`,
    with `M` the largest finite value of `quantized_dtype` (a float8 type)."""
    import ml_dtypes

    dtype_max = ops.cast(float(ml_dtypes.finfo(quantized_dtype).max), compute_dtype)
    x = ops.divide(inputs, ops.cast(scale, compute_dtype))
    x = ops.cast(ops.clip(x, -dtype_max, dtype_max), quantized_dtype)
    return ops.multiply(ops.cast(x, compute_dtype), ops.cast(scale, compute_dtype))


def pack_int4(arr, axis=0, dtype="int8"):
    """Packs int4 values (`[-8, 7]`, in an int8/uint8 tensor) two per byte.

    Along `axis`, element `2i` goes in the low nibble of byte `i` and element
    `2i + 1` in the high nibble; an odd length is padded with a zero.

    Returns:
        `(packed, packed_shape, orig_len)`.

    Example:
    >>> packed, shape, n = kerasish.quantizers.pack_int4(
    ...     np.array([[-3, 7], [2, -8], [1, 0]], dtype="int8"))
    >>> np.asarray(packed).tolist(), shape, n
    ([[45, -121], [1, 0]], (2, 2), 3)
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    got = _standardize_dtype(arr)
    if got != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {got}.")
    values = np.moveaxis(np.asarray(ops.convert_to_numpy(arr)), axis, 0)
    n = values.shape[0]
    if n % 2:
        values = np.concatenate([values, np.zeros((1,) + values.shape[1:], dtype)])
    np_dtype = np.dtype(dtype)
    mask = np.array(0x0F, np_dtype)
    low = np.bitwise_and(values[::2].astype(np_dtype), mask)
    high = np.bitwise_and(values[1::2].astype(np_dtype), mask)
    packed = np.bitwise_or(low, np.left_shift(high, np.array(4, np_dtype)))
    packed = np.moveaxis(packed.astype(np_dtype), 0, axis)
    return ops.convert_to_tensor(packed), tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Reverses `pack_int4`: two int4 values per byte back to `orig_len` along
    `axis` (signed `[-8, 7]` for "int8", `[0, 15]` for "uint8").

    Example:
    >>> packed = np.array([[45, -121], [1, 0]], dtype="int8")
    >>> np.asarray(kerasish.quantizers.unpack_int4(packed, 3)).tolist()
    [[-3, 7], [2, -8], [1, 0]]
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    packed = ops.convert_to_tensor(packed)
    if _standardize_dtype(packed) not in ("int8", "uint8"):
        raise TypeError(
            f"Expected int8 or uint8 tensor for unpacking, got {packed.dtype}"
        )
    rank = packed.ndim
    if axis < 0:
        axis += rank
    perm = [axis] + [i for i in range(rank) if i != axis]
    inverse = [perm.index(i) for i in range(rank)]
    moved = ops.transpose(packed, perm)
    mask = ops.cast(0x0F, packed.dtype)
    low = ops.bitwise_and(moved, mask)
    high = ops.bitwise_and(ops.right_shift(moved, 4), mask)
    if dtype == "int8":
        # (x ^ 8) - 8 maps nibbles 0..15 to 0..7, -8..-1.
        eight = ops.cast(8, packed.dtype)
        low = ops.subtract(ops.bitwise_xor(low, eight), eight)
        high = ops.subtract(ops.bitwise_xor(high, eight), eight)
    stacked = ops.stack([ops.cast(low, dtype), ops.cast(high, dtype)], axis=1)
    unpacked = ops.reshape(stacked, (-1,) + tuple(moved.shape[1:]))[:orig_len]
    return ops.transpose(unpacked, inverse)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """`(w - zero[g]) * scale[g]`, with each row's group `g = g_idx[row]` taken
    along `group_axis` of `scale` and `zero`."""
    groups = ops.cast(g_idx, "int32")
    scales = ops.take(scale, groups, axis=group_axis)
    zeros = ops.cast(ops.take(zero, groups, axis=group_axis), scales.dtype)
    return ops.multiply(ops.subtract(weights_matrix, zeros), scales)
