"""Axis helpers shared by the normalization layers."""


def check_axis_arg(layer: str, axis, allow_list: bool = True):
    """Validates an `axis` constructor argument: an int, or a list/tuple of ints."""
    if isinstance(axis, bool):
        raise TypeError(f"{layer}: `axis` must be an int, got {axis!r}.")
    if isinstance(axis, int):
        return axis
    if allow_list and isinstance(axis, list | tuple):
        if not axis or any(isinstance(a, bool) or not isinstance(a, int) for a in axis):
            raise TypeError(
                f"{layer}: `axis` must be an int or a non-empty list/tuple of ints, "
                f"got {axis!r}."
            )
        if len(set(axis)) != len(axis):
            raise ValueError(f"{layer}: `axis` has duplicate entries: {axis!r}.")
        return list(axis)
    expected = "an int or a list/tuple of ints" if allow_list else "an int"
    raise TypeError(f"{layer}: `axis` must be {expected}, got {axis!r}.")


def resolve_axes(layer_name: str, cls: str, axis, input_shape) -> list[int]:
    """`axis` (int or list) as sorted non-negative ints for `input_shape`.

    Raises a ValueError naming the layer when an axis is outside the input's rank.
    """
    rank = len(input_shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"Layer '{layer_name}' ({cls}): axis {a} is out of bounds for an "
                f"input of rank {rank} (shape {tuple(input_shape)}); valid axes are "
                f"{-rank}..{rank - 1}. Received: axis={axis}."
            )
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise ValueError(
            f"Layer '{layer_name}' ({cls}): axis={axis} names the same input axis "
            f"twice for input shape {tuple(input_shape)}."
        )
    return sorted(out)


def check_known(layer_name: str, cls: str, axes, input_shape):
    for a in axes:
        if input_shape[a] is None:
            raise ValueError(
                f"Layer '{layer_name}' ({cls}): axis {a} of the input must have a "
                f"known size to create the layer's weights, got input shape "
                f"{tuple(input_shape)}. Give `keras.Input` a full feature shape."
            )


def is_half(dtype) -> bool:
    return str(dtype) in ("float16", "bfloat16")
