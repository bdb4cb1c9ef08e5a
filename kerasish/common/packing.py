"""`pack_x_y_sample_weight` / `unpack_x_y_sample_weight`: the tuples `fit` reads."""


def unpack_x_y_sample_weight(data):
    """Splits `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` into a 3-tuple.

    Missing parts are `None`; a list is read like a tuple.

    Example:
    >>> kerasish.utils.unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
        f"`(x, y, sample_weight)`, found: {data}"
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Packs data into the tuple `fit` expects: `x`, `(x,)`, `(x, y)` or all three.

    A lone `x` that is a list or tuple is wrapped as `(x,)` so it is not read as
    `(x, y)`.

    Example:
    >>> kerasish.utils.pack_x_y_sample_weight(1, 2)
    (1, 2)
    """
    if y is None:
        return (x,) if isinstance(x, tuple | list) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
