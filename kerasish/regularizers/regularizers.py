"""Weight penalties: `regularizer(weight)` returns a scalar added to the loss."""

import math

import numpy as np

from kerasish import ops
from kerasish.serialization import register_builtin


def _non_negative(value, owner: str, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"{owner}: `{name}` must be a non-negative finite float, got {value!r}."
        )
    return float(value)


@register_builtin("regularizers")
class Regularizer:
    """Base class of weight regularizers: `__call__(x)` returns a scalar penalty.

    Subclasses implement `__call__` and `get_config`.

    Example:
    >>> class Sum(kerasish.regularizers.Regularizer):
    ...     def __call__(self, x):
    ...         return kerasish.ops.sum(x)
    ...     def get_config(self):
    ...         return {}
    """

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"{type(self).__name__} must implement `get_config()` returning its "
            "constructor arguments, so models using it can be saved."
        )


@register_builtin("regularizers")
class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`.

    Args:
        l1: L1 factor. Defaults to `0.0`.
        l2: L2 factor. Defaults to `0.0`.

    Example:
    >>> float(kerasish.regularizers.L1L2(l1=0.1, l2=0.5)(np.array([1.0, -2.0])))
    2.8
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _non_negative(0.0 if l1 is None else l1, "L1L2", "l1")
        self.l2 = _non_negative(0.0 if l2 is None else l2, "L1L2", "l2")

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        penalty = ops.zeros((), dtype=x.dtype)
        if self.l1:
            penalty = penalty + ops.cast(self.l1, x.dtype) * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + ops.cast(self.l2, x.dtype) * ops.sum(ops.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@register_builtin("regularizers")
class L1(Regularizer):
    """`l1 * sum(|x|)`.

    Args:
        l1: Factor. Defaults to `0.01`.

    Example:
    >>> float(kerasish.regularizers.L1(0.5)(np.array([1.0, -2.0])))
    1.5
    """

    def __init__(self, l1=0.01):
        self.l1 = _non_negative(0.01 if l1 is None else l1, "L1", "l1")

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        return ops.cast(self.l1, x.dtype) * ops.sum(ops.abs(x))

    def get_config(self):
        # Keras holds `l1` as a float32 tensor: its config reads it back rounded.
        return {"l1": float(np.float32(self.l1))}


@register_builtin("regularizers")
class L2(Regularizer):
    """`l2 * sum(x**2)`.

    Args:
        l2: Factor. Defaults to `0.01`.

    Example:
    >>> float(kerasish.regularizers.L2(0.5)(np.array([1.0, -2.0])))
    2.5
    """

    def __init__(self, l2=0.01):
        self.l2 = _non_negative(0.01 if l2 is None else l2, "L2", "l2")

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        return ops.cast(self.l2, x.dtype) * ops.sum(ops.square(x))

    def get_config(self):
        return {"l2": self.l2}


@register_builtin("regularizers")
class OrthogonalRegularizer(Regularizer):
    """Penalizes non-orthogonal rows (or columns) of a 2D weight.

    With `u_i` the rows (`mode="rows"`) or columns (`"columns"`) scaled to unit
    norm (`u / max(||u||, epsilon)`) and `n` their count, the penalty is
    `factor * 0.5 * sum_{i != j} |u_i . u_j| / (n * (n - 1) / 2)`, i.e. `factor`
    times the mean absolute cosine similarity over pairs.

    Args:
        factor: Scale of the penalty. Defaults to `0.01`.
        mode: `"rows"` (default) or `"columns"`.

    Example:
    >>> float(kerasish.regularizers.OrthogonalRegularizer(1.0)(np.eye(3)))
    0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _non_negative(factor, "OrthogonalRegularizer", "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                "OrthogonalRegularizer: `mode` must be 'rows' or 'columns', "
                f"got {mode!r}."
            )
        self.mode = mode

    def __call__(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        if len(inputs.shape) != 2:
            raise ValueError(
                "OrthogonalRegularizer applies to rank-2 weights, got shape "
                f"{tuple(inputs.shape)}. Use it on Dense kernels, or reshape "
                "convolution kernels to (-1, filters) in a custom regularizer."
            )
        if self.mode == "rows":
            units = ops.normalize(inputs, axis=1)
            product = ops.matmul(units, ops.transpose(units))  # (rows, rows)
            size = inputs.shape[0]
        else:
            units = ops.normalize(inputs, axis=0)
            product = ops.matmul(ops.transpose(units), units)  # (cols, cols)
            size = inputs.shape[1]
        if size < 2:
            # No pairs to compare (Keras divides 0 by 0 here and returns nan).
            return ops.zeros((), dtype=inputs.dtype)
        off_diagonal = product * (1.0 - ops.eye(size, dtype=inputs.dtype))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * ops.sum(ops.abs(off_diagonal)) / num_pairs

    def get_config(self):
        # As `L1`: Keras's float32 `factor`, read back rounded.
        return {"factor": float(np.float32(self.factor)), "mode": self.mode}
