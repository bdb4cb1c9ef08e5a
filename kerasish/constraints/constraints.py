"""Weight constraints: `constraint(weight)` returns the projected weight, applied
after each optimizer update."""

from kerasish import config, ops
from kerasish.serialization import register_builtin


def _norms(w, axis):
    # sqrt(sum(w**2, axis)), kept broadcastable against `w`.
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


@register_builtin("constraints")
class Constraint:
    """Base class of weight constraints: `__call__(w)` returns the constrained `w`.

    Example:
    >>> class Clip(kerasish.constraints.Constraint):
    ...     def __call__(self, w):
    ...         return kerasish.ops.clip(w, -1.0, 1.0)
    """

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


@register_builtin("constraints")
class MaxNorm(Constraint):
    """Rescales slices whose L2 norm along `axis` exceeds `max_value`.

    `w * clip(n, 0, max_value) / (epsilon + n)` with `n = ||w||` along `axis`
    (the epsilon is added to the norm, outside the square root).

    Args:
        max_value: Largest allowed norm. Defaults to `2`.
        axis: Axis (or axes) of the norm; `0` for Dense kernels
            `(input_dim, units)` constrains each unit's incoming weights.

    Example:
    >>> w = kerasish.constraints.MaxNorm(1.0)(np.array([[3.0], [4.0]]))
    >>> np.round(np.asarray(w), 4).ravel().tolist()
    [0.6, 0.8]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@register_builtin("constraints")
class NonNeg(Constraint):
    """Replaces negative weights by 0: `max(w, 0)`.

    Example:
    >>> np.asarray(kerasish.constraints.NonNeg()(np.array([-1.0, 2.0]))).tolist()
    [0.0, 2.0]
    """

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.maximum(w, ops.zeros_like(w))


@register_builtin("constraints")
class UnitNorm(Constraint):
    """Scales slices to unit L2 norm along `axis`: `w / (epsilon + ||w||)`.

    Args:
        axis: Axis (or axes) of the norm. Defaults to `0`.

    Example:
    >>> w = kerasish.constraints.UnitNorm()(np.array([[3.0], [4.0]]))
    >>> np.round(np.asarray(w), 4).ravel().tolist()
    [0.6, 0.8]
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


@register_builtin("constraints")
class MinMaxNorm(Constraint):
    """Moves slice norms along `axis` towards `[min_value, max_value]`.

    With `n = ||w||` along `axis`:
    `desired = rate * clip(n, min_value, max_value) + (1 - rate) * n` and the
    result is `w * desired / (epsilon + n)`; `rate=1.0` enforces the bounds at
    once, smaller rates approach them gradually.

    Args:
        min_value: Smallest allowed norm. Defaults to `0.0`.
        max_value: Largest allowed norm. Defaults to `1.0`.
        rate: Fraction of the way to move per application. Defaults to `1.0`.
        axis: Axis (or axes) of the norm. Defaults to `0`.

    Example:
    >>> w = kerasish.constraints.MinMaxNorm(1.0, 2.0)(np.array([[0.3], [0.4]]))
    >>> np.round(np.asarray(w), 4).ravel().tolist()
    [0.6, 0.8]
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        if min_value > max_value:
            raise ValueError(
                f"MinMaxNorm: `min_value` ({min_value}) must not exceed `max_value` "
                f"({max_value}). Swap them."
            )
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }
