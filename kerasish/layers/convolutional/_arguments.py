"""Argument checks and shape arithmetic shared by conv, pooling and reshaping layers."""

from kerasish.serialization import unknown_name_error


def standardize_tuple(value, n, name, layer, allow_zero=False):
    """`value` (an int or `n` ints) as a tuple of `n` ints, each > 0 (>= 0).

    Args:
        value: An int, or a sequence of `n` ints.
        n: The tuple's length (the number of spatial axes).
        name: The argument's name, for the error message.
        layer: The layer class's name, for the error message.
        allow_zero: Accept 0 (paddings, croppings); negative values never pass.

    Returns:
        A tuple of `n` Python ints.
    """
    expected = f"an int or a tuple of {n} int{'s' if n > 1 else ''}"
    if isinstance(value, bool):
        raise TypeError(f"{layer}: `{name}` must be {expected}, got {value!r}.")
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise TypeError(
                f"{layer}: `{name}` must be {expected}, got {value!r}."
            ) from None
        if len(values) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            raise ValueError(f"{layer}: `{name}` must be {expected}, got {value!r}.")
    bad = [v for v in values if v < 0 or (v == 0 and not allow_zero)]
    if bad:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"{layer}: every entry of `{name}` must be {bound}, got {name}={value!r}."
        )
    return tuple(int(v) for v in values)


def standardize_padding(value, layer, allow_causal=False):
    """ "valid" / "same" (/ "causal"), case-insensitive; anything else raises."""
    valid = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if not isinstance(value, str):
        raise TypeError(
            f"{layer}: `padding` must be one of {', '.join(map(repr, valid))}, "
            f"got {value!r}."
        )
    padding = value.lower()
    if padding not in valid:
        if padding == "causal":
            raise ValueError(
                f"{layer}: `padding='causal'` is only supported by 1D "
                "convolutions (Conv1D); use 'valid' or 'same'."
            )
        raise unknown_name_error(f"{layer} padding", value, valid)
    return padding


def conv_output_length(length, kernel_size, padding, stride, dilation=1):
    """Output length of a convolution or pooling window along one axis.

    "valid": `floor((length - dilation * (kernel_size - 1) - 1) / stride) + 1`;
    "same" and "causal": `ceil(length / stride)`. `None` stays `None`.
    """
    if length is None:
        return None
    if padding == "valid":
        return (length - dilation * (kernel_size - 1) - 1) // stride + 1
    return (length + stride - 1) // stride


def conv_transpose_output_length(
    length, kernel_size, padding, stride, output_padding, dilation=1
):
    """Output length of a transposed convolution along one axis (Keras's rule).

    With `k = dilation * (kernel_size - 1) + 1`: "valid" gives
    `(length - 1) * stride + k + output_padding`, where `output_padding` defaults
    to `max(k, stride) - k`; "same" gives `length * stride`, or
    `(length - 1) * stride + k % 2 + output_padding` when it is given.
    """
    if length is None:
        return None
    k = dilation * (kernel_size - 1) + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (length - 1) * stride + k + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + k % 2 + output_padding


def spatial_axes(data_format, rank):
    """Indices of the spatial axes of a `rank + 2`-d input."""
    start = 1 if data_format == "channels_last" else 2
    return tuple(range(start, start + rank))


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def standardize_data_format(value, layer):
    """`data_format` lower-cased, `None` meaning the global image data format."""
    from kerasish import config

    if value is not None and str(value).lower() not in (
        "channels_last",
        "channels_first",
    ):
        raise unknown_name_error(
            f"{layer} data_format", value, ("channels_first", "channels_last")
        )
    return config.standardize_data_format(value)


def positive_int(value, name, layer):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{layer}: `{name}` must be a positive int, got {value!r}.")
    if value <= 0:
        raise ValueError(f"{layer}: `{name}` must be a positive int, got {value!r}.")
    return value


def check_input_rank(layer, input_shape, rank, what="inputs"):
    """Raises naming `layer` when `input_shape` is not of rank `rank + 2`."""
    input_shape = tuple(input_shape)
    if len(input_shape) != rank + 2:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) expects {rank + 2}D "
            f"{what} (batch, {rank} spatial axes, channels), received shape "
            f"{input_shape} of rank {len(input_shape)}."
        )


def input_channels(layer, input_shape, rank):
    """The channel count of a conv input of shape `input_shape` (checked)."""
    check_input_rank(layer, input_shape, rank)
    channels = input_shape[channel_axis(layer.data_format)]
    if channels is None:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) needs a known channel "
            f"axis ({layer.data_format}), received input shape "
            f"{tuple(input_shape)}. Give the input a fixed number of channels."
        )
    return channels


def check_output_size(layer, input_shape, output_shape, rank):
    """Raises when a window does not fit: a non-positive spatial output size."""
    axes = spatial_axes(layer.data_format, rank)
    sizes = [output_shape[a] for a in axes]
    if any(s is not None and s <= 0 for s in sizes):
        window = getattr(layer, "kernel_size", None) or layer.pool_size
        dilation = getattr(layer, "dilation_rate", (1,) * rank)
        padding = getattr(layer, "padding", "valid")
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}): the window "
            f"{window} (dilation {dilation}) is larger than the padded input: "
            f"input shape {tuple(input_shape)} with padding={padding!r} gives "
            f"spatial output size {tuple(sizes)}. Use padding='same', a smaller "
            "window, or a larger input."
        )


def add_bias(outputs, bias, data_format, rank):
    from kerasish import ops

    if bias is None:
        return outputs
    if data_format == "channels_last":
        return ops.add(outputs, bias)
    return ops.add(outputs, ops.reshape(bias, (1, -1) + (1,) * rank))


def standardize_pairs(value, rank, name, layer):
    """`(before, after)` amounts per spatial axis, each >= 0.

    Accepts an int (the same on both sides of every axis), for `rank == 1` a pair
    `(before, after)`, and for `rank > 1` a tuple of `rank` entries that are ints
    (symmetric) or pairs.
    """
    expected = (
        "an int or a tuple of 2 ints (before, after)"
        if rank == 1
        else f"an int, a tuple of {rank} ints, or a tuple of {rank} pairs of ints"
    )
    if isinstance(value, int) and not isinstance(value, bool):
        pairs = ((value, value),) * rank
    elif rank == 1:
        pairs = (standardize_tuple(value, 2, name, layer, allow_zero=True),)
    else:
        try:
            entries = tuple(value)
        except TypeError:
            raise TypeError(
                f"{layer}: `{name}` must be {expected}, got {value!r}."
            ) from None
        if len(entries) != rank:
            raise ValueError(f"{layer}: `{name}` must be {expected}, got {value!r}.")
        pairs = tuple(
            standardize_tuple(e, 2, name, layer, allow_zero=True) for e in entries
        )
    if any(v < 0 for pair in pairs for v in pair):
        raise ValueError(
            f"{layer}: every entry of `{name}` must be >= 0, got {name}={value!r}."
        )
    return tuple(tuple(pair) for pair in pairs)
