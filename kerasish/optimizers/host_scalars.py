"""An optimizer's scalars seen as Keras variables, and argument checks.

`optimizer.learning_rate` and `optimizer.iterations` are `ScalarVariable`s: live
views of the optimizer's state, as Keras's are its own variables (a handle taken
once reads the current value and `.assign(x)` sets it). A schedule's learning rate
is a `HostFloat`, the value at the current iteration, as Keras gives a tensor
there. `check_number` validates the optimizers' float arguments.
"""

import numbers

import numpy as np

from kerasish.engine import get_engine
from kerasish.variables import Variable


class StateView(Variable):
    """A value an optimizer keeps in its state, seen as a Keras variable.

    It holds no value of its own: `.value` calls `read()` and `.assign(x)` calls
    `write(x)` (read-only without one), so a handle stays live across `fit`,
    assignments and loading, and the compiled step, which threads the state as
    data, stays pure.
    """

    def __init__(self, owner, name, read, write=None):
        self._read = read
        self._write = write
        self.name = name
        self.path = f"{owner.name}/{name}"
        self.trainable = False
        self.regularizer = None
        self.constraint = None
        self.autocast = False

    @property
    def _value(self):
        return self._read()

    @_value.setter
    def _value(self, value):
        if self._write is None:
            raise TypeError(
                f"Optimizer variable '{self.path}' is read-only: the optimizer "
                "updates it in its step."
            )
        self._write(value)


class ScalarVariable(StateView):
    """A scalar of an optimizer (`learning_rate`, `iterations`) as a Keras
    variable of `dtype`. Unlike Keras's variable it also formats
    (`f"{lr:.2e}"`) and compares by value (to a bool), as the number it stands
    for.
    """

    def __init__(self, owner, name, dtype, read, write=None):
        super().__init__(owner, name, read, write)
        self._dtype_name = dtype

    @property
    def _value(self):
        return get_engine().convert_to_tensor(self._read(), self._dtype_name)

    @_value.setter
    def _value(self, value):
        StateView._value.fset(self, value)

    def _number(self):
        return self.numpy().item()

    def __format__(self, spec):
        return format(self._number(), spec)

    def __eq__(self, other):
        return self._number() == (other._number() if _is_view(other) else other)

    def __ne__(self, other):
        return not self == other

    __hash__ = Variable.__hash__

    def __index__(self):
        if "int" not in self._dtype_name:
            raise TypeError(f"'{self.path}' is a float; use `int()` to truncate it.")
        return self._number()


def learning_rate_view(owner, read, write, schedule=False):
    """`owner.learning_rate`: a `ScalarVariable` over `read`/`write`, or with a
    schedule (`schedule=True`) the `HostFloat` of its current value."""
    if schedule:
        return HostFloat(read(), write)
    return ScalarVariable(owner, "learning_rate", "float32", read, write)


def _is_view(value):
    return isinstance(value, ScalarVariable)


class HostFloat(float):
    """A schedule's learning rate at the current iteration: a Python float that
    also answers `.numpy()`, `.value` and `.shape`, as the tensor Keras returns.

    Its value is rounded to float32, as Keras computes it (`float(lr)` is the
    same in both). `.assign(x)` raises `setter`'s error: a schedule is not set.
    """

    dtype = "float32"
    shape = ()
    ndim = 0

    def __new__(cls, value, setter=None):
        self = super().__new__(cls, float(np.float32(value)))
        self._setter = setter
        return self

    @property
    def value(self):
        return self.numpy()

    def numpy(self):
        return np.float32(self)

    def assign(self, value):
        if self._setter is None:
            raise TypeError("This learning rate is read-only.")
        self._setter(value)
        return value


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
