"""Helpers shared by the color and composite augmentation layers: argument
checks with Keras's parsing rules, and the batch size of an image input."""


def images_of(data):
    """The image tensor of a layer input: the array, or `data["images"]`."""
    return data["images"] if isinstance(data, dict) else data


def batch_size_of(layer: str, images) -> int:
    """`1` for a rank-3 image, `shape[0]` for a rank-4 batch; else ValueError."""
    shape = tuple(images.shape)
    if len(shape) == 3:
        return 1
    if len(shape) == 4:
        return shape[0]
    raise ValueError(
        f"{layer}: expected a rank-3 image (height, width, channels) or a rank-4 "
        f"batch (batch, height, width, channels), received shape {shape}."
    )


def check_value_range(layer: str, value_range, sort=True):
    """A pair of numbers `(low, high)`; returned sorted, as a list, as Keras does."""
    if (
        not isinstance(value_range, tuple | list)
        or len(value_range) != 2
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value_range
        )
    ):
        raise ValueError(
            f"{layer}: `value_range` must be a list or tuple of two numbers "
            f"(low, high), e.g. (0, 255) or (0, 1); received value_range="
            f"{value_range!r}."
        )
    return sorted(value_range) if sort else value_range


def check_number_or_pair(layer: str, arg: str, value, low, high):
    """A number or a pair of numbers in `[low, high]` (checked as Keras checks)."""

    def number(v):
        return isinstance(v, int | float) and not isinstance(v, bool)

    message = (
        f"{layer}: `{arg}` must be a number or a list of two numbers in the range "
        f"[{low}, {high}]; received {arg}={value!r}."
    )
    if isinstance(value, tuple | list):
        if len(value) != 2 or not all(number(v) for v in value):
            raise ValueError(message)
        if min(value) < low or max(value) > high:
            raise ValueError(message)
        return value
    if not number(value) or value < low or value > high:
        raise ValueError(message)
    return value


def spatial_axes(data_format: str):
    """The (height, width) axes of a rank-4 batch."""
    return (1, 2) if data_format == "channels_last" else (2, 3)


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else -3
