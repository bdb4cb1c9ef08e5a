"""Helpers shared by the preprocessing layers: argument checks, categorical
encoding (in-graph with `ops`, and on the host with numpy), image geometry."""

import numpy as np

from kerasish import ops

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def check_choice(layer: str, arg: str, value, allowed) -> None:
    """Raises a ValueError naming `layer` when `value` is not one of `allowed`."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"{layer}: unknown value for `{arg}`: {value!r}. Valid values are "
            f"{', '.join(repr(a) for a in allowed)}."
        )


def standardize_output_mode(layer: str, output_mode, allowed=OUTPUT_MODES) -> str:
    """Maps Keras's aliases ("binary", "tf-idf") and checks the value."""
    if output_mode == "binary":
        output_mode = "multi_hot"
    if output_mode == "tf-idf":
        output_mode = "tf_idf"
    check_choice(layer, "output_mode", output_mode, allowed)
    return output_mode


def check_int(layer: str, arg: str, value, minimum=None, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{layer}: `{arg}` must be an int, got {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{layer}: `{arg}` must be >= {minimum}, got {value!r}.")
    return int(value)


def encode_categorical(inputs, output_mode, depth, dtype, count_weights=None):
    """In-graph encoding of integer ids with `ops` (Keras's non-TF semantics).

    "one_hot" appends a `depth` axis (replacing a trailing axis of size 1);
    "multi_hot" and "count" reduce over axis 1 of rank >= 2 inputs (axis 0 of
    rank-1 inputs): `(batch, n) -> (batch, depth)`.
    """
    if output_mode == "int":
        return ops.cast(inputs, dtype)
    if len(inputs.shape) == 0:
        inputs = ops.expand_dims(inputs, -1)
    inputs = ops.cast(inputs, "int32")
    if output_mode == "one_hot":
        if len(inputs.shape) > 1 and inputs.shape[-1] == 1:
            inputs = ops.squeeze(inputs, -1)
        return ops.one_hot(inputs, depth, dtype=dtype)
    axis = 1 if len(inputs.shape) > 1 else 0
    if output_mode == "multi_hot":
        return ops.max(ops.one_hot(inputs, depth, dtype=dtype), axis=axis)
    if count_weights is not None:
        dtype = count_weights.dtype
    encoded = ops.one_hot(inputs, depth, dtype=dtype)
    if count_weights is not None:
        encoded = encoded * ops.expand_dims(count_weights, -1)
    return ops.sum(encoded, axis=axis)


def encode_categorical_numpy(indices, output_mode, depth, dtype, idf_weights=None):
    """Host-side encoding with numpy, matching Keras's lookup layers.

    `indices` is an int array (or a list of per-row index arrays for ragged
    rows); ids outside `[0, depth)` (the mask) contribute nothing.
    - "one_hot": appends a `depth` axis, replacing a trailing axis of size 1.
    - "multi_hot" / "count" / "tf_idf": a rank-1 input is one sample ->
      `(depth,)`; rank 2 `(batch, n) -> (batch, depth)`; higher ranks reduce
      axis 1.
    """
    if isinstance(indices, list):
        rows = [np.asarray(r, dtype=np.int64).reshape(-1) for r in indices]
        out = np.zeros((len(rows), depth), dtype=np.float64)
        for i, row in enumerate(rows):
            row = row[(row >= 0) & (row < depth)]
            np.add.at(out[i], row, 1.0)
    else:
        indices = np.asarray(indices, dtype=np.int64)
        if indices.ndim == 0:
            indices = indices[None]
        if output_mode == "one_hot" and indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        valid = (indices >= 0) & (indices < depth)
        one_hot = (indices[..., None] == np.arange(depth)) & valid[..., None]
        if output_mode == "one_hot":
            return one_hot.astype(dtype)
        axis = 1 if indices.ndim > 1 else 0
        out = one_hot.sum(axis=axis, dtype=np.float64)
    if output_mode == "multi_hot":
        out = np.minimum(out, 1.0)
    if output_mode == "tf_idf":
        out = out * np.asarray(idf_weights, dtype=np.float64)[:depth]
    return out.astype(dtype)


def image_axes(data_format: str, rank: int):
    """The (height, width) axes of a rank-3 image or rank-4 batch."""
    if data_format == "channels_last":
        return rank - 3, rank - 2
    return rank - 2, rank - 1


def crop_box(height, width, target_height, target_width):
    """Keras's central crop to the target aspect ratio: `(top, left, h, w)`."""
    crop_height = int(float(width * target_height) / target_width)
    crop_height = max(min(height, crop_height), 1)
    crop_width = int(float(height * target_width) / target_height)
    crop_width = max(min(width, crop_width), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return top, left, crop_height, crop_width


def slice_hw(images, data_format, top, left, height, width):
    """`images[..., top:top+height, left:left+width, ...]` on the spatial axes."""
    h_axis, w_axis = image_axes(data_format, len(images.shape))
    index = [slice(None)] * len(images.shape)
    index[h_axis] = slice(top, top + height)
    index[w_axis] = slice(left, left + width)
    return images[tuple(index)]


def parse_factor(layer: str, arg: str, factor, low, high, low_open=False):
    """A number `f` -> `(-|f|, |f|)`; a pair -> sorted. Each value in range."""

    def in_range(value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        above = value > low if low_open else value >= low
        return above and value <= high

    left = "(" if low_open else "["
    message = (
        f"{layer}: `{arg}` must be a number or a pair of numbers in the range "
        f"{left}{low}, {high}], got {factor!r}."
    )
    if isinstance(factor, tuple | list):
        if len(factor) != 2 or not all(in_range(v) for v in factor):
            raise ValueError(message)
        lower, upper = sorted(float(v) for v in factor)
        return lower, upper
    if not in_range(factor):
        raise ValueError(message)
    factor = abs(float(factor))
    return -factor, factor
