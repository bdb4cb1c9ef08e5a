"""The `Initializer` base class: a callable `(shape, dtype=None) -> tensor`."""


class Initializer:
    """Base class of weight initializers.

    Subclasses implement `__call__(shape, dtype=None)` and, when they take
    arguments, `get_config()` returning them.

    Example:
    >>> class Halves(kerasish.initializers.Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return kerasish.ops.full(shape, 0.5, dtype=dtype)
    >>> Halves()((2,)).tolist()
    [0.5, 0.5]
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__call__(shape, dtype=None)` "
            "returning a tensor of that shape."
        )

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def clone(self):
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())


def standardize_shape(shape, owner: str) -> tuple:
    """`shape` as a tuple of non-negative ints, or a clear error naming `owner`."""
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(
            f"{owner}: `shape` must be a tuple of ints such as (3, 4), got {shape!r}."
        ) from None
    out = []
    for dim in dims:
        if isinstance(dim, bool) or not hasattr(dim, "__index__") or dim < 0:
            raise ValueError(
                f"{owner}: `shape` must contain non-negative ints, got {shape!r}. "
                "Weights need fully known shapes; build the layer first."
            )
        out.append(int(dim))
    return tuple(out)
