"""Learning-rate schedules: `step -> learning_rate`, written with `ops` so the
optimizer evaluates them at the current iteration inside the compiled step.

Mirrors `keras.optimizers.schedules` (names, arguments, defaults, configs).
"""

import math
import numbers

from kerasish import ops
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


def _check_positive(owner, arg, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: `{arg}` must be a number, got {value!r}.")
    if value <= 0:
        raise ValueError(f"{owner}: `{arg}` must be > 0, got {value!r}.")


def _check_number(owner, arg, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: `{arg}` must be a number, got {value!r}.")


@register_builtin("schedules")
class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` with `ops` and
    `get_config()`.

    Example:
    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 * ops.power(0.5, ops.cast(step, "float32"))
    ...     def get_config(self):
    ...         return {}
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`get_config()` to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _float(x):
    return ops.convert_to_tensor(x, "float32")


@register_builtin("schedules")
class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored
    exponent with `staircase=True`).

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of steps per decay period.
        decay_rate: Float, the factor per period.
        staircase: Whether to decay in discrete steps.
        name: Name of the schedule.

    Example:
    >>> float(ExponentialDecay(0.1, 10, 0.5)(10))
    0.05000000074505806
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ):
        _check_number(
            "ExponentialDecay", "initial_learning_rate", initial_learning_rate
        )
        _check_positive("ExponentialDecay", "decay_steps", decay_steps)
        _check_number("ExponentialDecay", "decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = ops.cast(step, "float32") / _float(self.decay_steps)
        if self.staircase:
            p = ops.floor(p)
        return _float(self.initial_learning_rate) * ops.power(
            _float(self.decay_rate), p
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@register_builtin("schedules")
class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, `values[-1]` after the last boundary.

    Args:
        boundaries: Increasing list of step numbers.
        values: List of rates, one longer than `boundaries`.
        name: Name of the schedule.

    Example:
    >>> float(PiecewiseConstantDecay([10], [1.0, 0.5])(11))
    0.5
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: `values` must be one longer than "
                f"`boundaries`, got {len(boundaries)} boundaries {boundaries} and "
                f"{len(values)} values {values}."
            )
        if any(b2 < b1 for b1, b2 in zip(boundaries, boundaries[1:])):
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must be increasing, got "
                f"{boundaries}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = ops.convert_to_tensor(step)
        result = _float(self.values[-1])
        # Walk from the last interval back so the first matching one wins.
        for boundary, value in reversed(list(zip(self.boundaries, self.values))):
            below = ops.less_equal(step, ops.cast(boundary, ops.dtype(step)))
            result = ops.where(below, _float(value), result)
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@register_builtin("schedules")
class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end`;
    with `cycle=True` the horizon becomes `decay_steps * ceil(step / decay_steps)`.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of steps to reach `end_learning_rate`.
        end_learning_rate: Float, the final rate (0.0001).
        power: Float exponent (1.0: linear).
        cycle: Whether to restart the decay after `decay_steps`.
        name: Name of the schedule.

    Example:
    >>> round(float(PolynomialDecay(1.0, 10, 0.0)(5)), 6)
    0.5
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        _check_number("PolynomialDecay", "initial_learning_rate", initial_learning_rate)
        _check_positive("PolynomialDecay", "decay_steps", decay_steps)
        _check_number("PolynomialDecay", "end_learning_rate", end_learning_rate)
        _check_number("PolynomialDecay", "power", power)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        decay_steps = _float(self.decay_steps)
        if self.cycle:
            multiplier = ops.where(
                ops.equal(step, 0.0), 1.0, ops.ceil(step / decay_steps)
            )
            decay_steps = decay_steps * multiplier
        else:
            step = ops.minimum(step, decay_steps)
        p = step / decay_steps
        initial, end = (
            _float(self.initial_learning_rate),
            _float(self.end_learning_rate),
        )
        return (initial - end) * ops.power(1.0 - p, _float(self.power)) + end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@register_builtin("schedules")
class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (floored
    ratio with `staircase=True`).

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of steps per unit of decay.
        decay_rate: Float.
        staircase: Whether to decay in discrete steps.
        name: Name of the schedule.

    Example:
    >>> float(InverseTimeDecay(1.0, 10, 1.0)(10))
    0.5
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        _check_number(
            "InverseTimeDecay", "initial_learning_rate", initial_learning_rate
        )
        _check_positive("InverseTimeDecay", "decay_steps", decay_steps)
        _check_number("InverseTimeDecay", "decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = ops.cast(step, "float32") / _float(self.decay_steps)
        if self.staircase:
            p = ops.floor(p)
        return _float(self.initial_learning_rate) / (1.0 + _float(self.decay_rate) * p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine(fraction, alpha):
    decayed = 0.5 * (1.0 + ops.cos(math.pi * fraction))
    return (1.0 - alpha) * decayed + alpha


@register_builtin("schedules")
class CosineDecay(LearningRateSchedule):
    """Cosine decay, optionally after a linear warmup.

    Without warmup: `lr * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) +
    alpha)` with `s = min(step, decay_steps)`. With `warmup_target`, the rate rises
    linearly from `initial_learning_rate` to `warmup_target` over `warmup_steps`,
    then decays from `warmup_target` the same way.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of decay steps.
        alpha: Minimum rate as a fraction of the decayed-from rate.
        name: Name of the schedule.
        warmup_target: Float or `None` (no warmup).
        warmup_steps: Number of warmup steps.

    Example:
    >>> round(float(CosineDecay(1.0, 10)(5)), 6)
    0.5
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        _check_number("CosineDecay", "initial_learning_rate", initial_learning_rate)
        _check_positive("CosineDecay", "decay_steps", decay_steps)
        _check_number("CosineDecay", "alpha", alpha)
        if warmup_target is not None:
            _check_number("CosineDecay", "warmup_target", warmup_target)
        _check_number("CosineDecay", "warmup_steps", warmup_steps)
        if warmup_steps < 0:
            raise ValueError(
                f"CosineDecay: `warmup_steps` must be >= 0, got {warmup_steps!r}."
            )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def __call__(self, step):
        initial = _float(self.initial_learning_rate)
        decay_steps = _float(self.decay_steps)
        step = ops.cast(step, "float32")
        if self.warmup_target is None:
            step = ops.minimum(step, decay_steps)
            return initial * _cosine(step / decay_steps, self.alpha)
        target = _float(self.warmup_target)
        warmup_steps = _float(self.warmup_steps)
        step = ops.minimum(step, decay_steps + warmup_steps)
        warm = (target - initial) * (step / ops.maximum(warmup_steps, 1e-30)) + initial
        decayed = target * _cosine((step - warmup_steps) / decay_steps, self.alpha)
        return ops.where(step < warmup_steps, warm, decayed)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


@register_builtin("schedules")
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2017).

    Period `i` lasts `first_decay_steps * t_mul**i` steps and starts from
    `initial_learning_rate * m_mul**i`; within it the rate follows a cosine from that
    value down to `alpha` times it.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        first_decay_steps: Positive length of the first period.
        t_mul: Factor on each period's length.
        m_mul: Factor on each period's starting rate.
        alpha: Minimum rate as a fraction of the period's starting rate.
        name: Name of the schedule.

    Example:
    >>> round(float(CosineDecayRestarts(1.0, 10)(10)), 6)
    1.0
    """

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ):
        _check_number(
            "CosineDecayRestarts", "initial_learning_rate", initial_learning_rate
        )
        _check_positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        _check_positive("CosineDecayRestarts", "t_mul", t_mul)
        _check_number("CosineDecayRestarts", "m_mul", m_mul)
        _check_number("CosineDecayRestarts", "alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = ops.cast(step, "float32") / _float(self.first_decay_steps)
        t_mul = _float(self._t_mul)
        if self._t_mul == 1.0:
            i_restart = ops.floor(fraction)
            fraction = fraction - i_restart
        else:
            # Periods grow geometrically: find i with sum_{k<i} t_mul^k <= fraction.
            i_restart = ops.floor(
                ops.log(1.0 - fraction * (1.0 - t_mul)) / ops.log(t_mul)
            )
            start = (1.0 - ops.power(t_mul, i_restart)) / (1.0 - t_mul)
            fraction = (fraction - start) / ops.power(t_mul, i_restart)
        m_fac = ops.power(_float(self._m_mul), i_restart)
        cosine = 0.5 * m_fac * (1.0 + ops.cos(math.pi * fraction))
        return _float(self.initial_learning_rate) * (
            (1.0 - self.alpha) * cosine + self.alpha
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


def serialize(learning_rate_schedule):
    """Returns the schedule's config dict (Keras layout)."""
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """Rebuilds a schedule from `serialize`'s output."""
    return deserialize_keras_object(
        config, kind="schedules", custom_objects=custom_objects
    )


__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
