"""Host-side scalars that read like Keras variables, and argument checks.

`optimizer.learning_rate` and `optimizer.iterations` are Python numbers that also
answer `.numpy()`, `.value` and `.assign(x)`, as Keras's scalar variables do;
`check_number` validates the optimizers' float arguments.
"""

import numbers

import numpy as np


class _HostScalar:
    """Reads like a Keras scalar variable: `.numpy()`, `.value`, `.shape`,
    `.dtype`, and `.assign(x)` where its optimizer lets it be set."""

    shape = ()
    ndim = 0

    @property
    def value(self):
        return self.numpy()

    def assign(self, value):
        setter = self.__dict__.get("_setter")
        if setter is None:
            raise TypeError(
                f"This {type(self).__name__} is a read-only value; set it on the "
                "optimizer instead."
            )
        setter(value)
        return value


class HostFloat(_HostScalar, float):
    """A Python float that also reads like a Keras scalar variable.

    Its value is rounded to float32, as reading Keras's float32 variable gives
    it (`float(Adam(1e-3).learning_rate)` is 0.0010000000474974513 in both).
    numpy reads it as a Python float (float64); `ops.convert_to_numpy` and
    `.numpy()` give float32, as Keras's variable does.
    """

    dtype = "float32"

    def __new__(cls, value):
        return super().__new__(cls, float(np.float32(value)))

    def numpy(self):
        return np.float32(self)


class HostInt(_HostScalar, int):
    """A Python int that also reads like a Keras scalar variable (int32)."""

    dtype = "int32"

    def numpy(self):
        return np.int32(self)


def settable(host, owner, name, setter):
    """Binds `host.assign(x)` to `setter(x)`; names it `owner.name/name`."""
    host._setter = setter
    host.name = name
    host.path = f"{owner.name}/{name}"
    return host


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_number(
    owner, arg, value, low=None, high=None, low_open=False, high_open=False
):
    """Raises TypeError/ValueError unless `value` is a real number in the range.

    `owner` names the optimizer in the message; `low_open`/`high_open` exclude the
    bound.
    """
    if not is_number(value):
        raise TypeError(
            f"{owner}: `{arg}` must be a float, got {value!r} of type "
            f"{type(value).__name__}."
        )
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(
            f"{owner}: `{arg}` must be in {left}{lo}, {hi}{right}, got {value!r}."
        )
    return value
