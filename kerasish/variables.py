"""`Variable`: a named, stateful array owned by a layer, and the stateless scope.

Outside a scope a variable reads and writes its own value. Inside a `StatelessScope`
(what `stateless_call` and the trainer use) reads return the values the scope was
given and `assign` records the new value in the scope instead, so the compiled step
stays pure and hands new state back as data.
"""

import threading

from kerasish.engine import get_engine

_LOCAL = threading.local()


def current_scope():
    stack = getattr(_LOCAL, "scopes", None)
    return stack[-1] if stack else None


def _scoped_value(variable, value):
    """`value` for `variable` in a `StatelessScope`: an engine array of the
    variable's dtype (as Keras converts it), of the variable's shape."""
    engine = get_engine()
    if not engine.is_tracer(value):
        value = engine.convert_to_tensor(value, variable.dtype)
    shape = tuple(getattr(value, "shape", ()))
    if shape != tuple(variable.shape):
        raise ValueError(
            "Invalid value for the variable in StatelessScope: variable "
            f"'{variable.path}' has shape {tuple(variable.shape)}, but the value "
            f"given has shape {shape}. Pass one value per variable, in "
            "`state_mapping`, of the variable's own shape."
        )
    return value


class StatelessScope:
    """Within `with StatelessScope(mapping):` variables read from `mapping`.

    Args:
        state_mapping: Iterable of `(variable, value)` pairs.
        collect_losses: Whether `add_loss` calls are recorded in `self.losses`.
        initialize_variables: Kept for Keras compatibility (variables created in
            the scope are always initialized eagerly).
    """

    def __init__(
        self, state_mapping=None, collect_losses=False, initialize_variables=True
    ):
        self.values = {}
        for v, value in state_mapping or ():
            if not isinstance(v, Variable):
                raise ValueError(
                    "Invalid reference variable in StatelessScope: all keys in "
                    "argument `state_mapping` must be Variable instances. "
                    f"Received instead: {v!r}"
                )
            self.values[id(v)] = _scoped_value(v, value)
        self.assigned = {}
        self.losses = [] if collect_losses else None
        self.initialize_variables = initialize_variables

    def get_current_value(self, variable):
        """The value `variable` has in this scope (given or assigned), or None."""
        return self.get(variable)

    def get(self, variable):
        return self.values.get(id(variable))

    def assign(self, variable, value):
        self.values[id(variable)] = value
        self.assigned[id(variable)] = value

    def __enter__(self):
        stack = getattr(_LOCAL, "scopes", None)
        if stack is None:
            stack = _LOCAL.scopes = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _LOCAL.scopes.pop()
        return False


def autocast_dtype():
    """The dtype float variables read as here (`AutocastScope`), or None."""
    return getattr(_LOCAL, "autocast", None)


class AutocastScope:
    """Within it, float variables read as `dtype` (mixed precision compute);
    `AutocastScope(None)` turns casting off inside an outer scope."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __enter__(self):
        self._previous = getattr(_LOCAL, "autocast", None)
        _LOCAL.autocast = self.dtype
        return self

    def __exit__(self, *exc):
        _LOCAL.autocast = self._previous
        return False


class Variable:
    """A named array that layers own; `trainable` ones receive gradients.

    Args:
        initializer: An array, or a callable `(shape, dtype) -> array`.
        shape: The shape, required when `initializer` is callable.
        dtype: The dtype (defaults to floatx).
        trainable: Whether an optimizer updates it.
        autocast: Whether reads inside an autocast scope cast it to the
            compute dtype (float variables only).
        aggregation: How replica values combine (`"none"`, `"mean"`, `"sum"`,
            `"only_first_replica"`); stored for compatibility.
        synchronization: Stored for compatibility (`"auto"`).
        name: The variable's name (`"kernel"`).
        layout: A `kerasish.distribution.TensorLayout`, or None: the current
            distribution's layout for the variable's path (none without one).
    """

    # Defaults for subclasses that do not run `Variable.__init__`.
    aggregation = "none"
    synchronization = "auto"
    _layout = None

    def __init__(
        self,
        initializer,
        shape=None,
        dtype=None,
        trainable=True,
        autocast=True,
        aggregation="none",
        synchronization="auto",
        name=None,
        layout=None,
        **kwargs,
    ):
        # kerasish-internal keyword-only extras: a regularizer and constraint
        # (set by `Layer.add_weight`) and an explicit `path`.
        regularizer = kwargs.pop("regularizer", None)
        constraint = kwargs.pop("constraint", None)
        path = kwargs.pop("path", None)
        if kwargs:
            raise TypeError(
                f"Variable: unexpected keyword argument(s) {sorted(kwargs)}."
            )
        if name is not None and "/" in str(name):
            raise ValueError(
                "Argument `name` must be a string and cannot contain character "
                f"`/`. Received: name={name}"
            )
        if synchronization not in ("auto", "none", "on_read", "on_write"):
            raise ValueError(
                "Invalid value for argument `synchronization`. Expected one of "
                "'auto', 'none', 'on_read', 'on_write'. Received: "
                f"synchronization={synchronization!r}"
            )
        if layout is not None and not hasattr(layout, "backend_layout"):
            raise TypeError(
                f"Variable '{name}': `layout` must be a "
                "`kerasish.distribution.TensorLayout` or None, received "
                f"{layout!r} of type {type(layout).__name__}."
            )
        engine = get_engine()
        if callable(initializer):
            dtype = engine.standardize_dtype(dtype)
            if shape is None:
                raise ValueError(
                    f"Variable '{name}': a callable initializer needs a `shape`."
                )
            # Concrete even when a trace is active (a layer built lazily inside a
            # traced call): initial values never depend on traced inputs.
            with engine.eager_scope():
                value = initializer(tuple(shape), dtype)
        else:
            value = initializer
            if dtype is None:
                # As Keras: an array's own dtype (int32 ids stay int32; host
                # float64 and int64 become the engine's float32 and int32).
                with engine.eager_scope():
                    value = engine.convert_to_tensor(value)
                dtype = str(value.dtype)
            dtype = engine.standardize_dtype(dtype)
        with engine.eager_scope():
            self._value = engine.convert_to_tensor(value, dtype)
        if not name:  # as Keras's `auto_name`: "variable", "variable_1", ...
            from kerasish.scopes import uniquify

            name = uniquify("variable")
        self.name = name
        if not path:
            from kerasish.scopes import current_path

            path = f"{current_path()}/{self.name}".lstrip("/")
        self.path = path
        # Under a distribution the value is laid out on its mesh now, and kept
        # so on every assignment (`kerasish.distribution`).
        self._layout = None
        if layout is None:
            from kerasish.scopes import current_distribution

            distribution = current_distribution()
            if distribution is not None:
                layout = distribution.get_variable_layout(self)
        if layout is not None:
            self._layout = layout
            with engine.eager_scope():
                self._value = engine.place(self._value, layout.backend_layout)
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint
        self.autocast = bool(autocast)
        self.aggregation = aggregation
        self.synchronization = synchronization

    @property
    def value(self):
        value = self._value
        scope = current_scope()
        if scope is not None:
            scoped = scope.get(self)
            if scoped is not None:
                value = scoped
        autocast = getattr(_LOCAL, "autocast", None)
        if autocast is not None and self.autocast and value.dtype != autocast:
            if "float" in str(value.dtype):
                value = value.astype(autocast)
        return value

    def assign(self, value):
        engine = get_engine()
        value = engine.convert_to_tensor(value, self.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.shape}; cannot assign a "
                f"value of shape {tuple(value.shape)}."
            )
        scope = current_scope()
        if scope is not None:
            scope.assign(self, value)
        else:
            if self._layout is not None:
                value = engine.place(value, self._layout.backend_layout)
            self._value = value
        return value

    def assign_add(self, value):
        return self.assign(self.value + value)

    def assign_sub(self, value):
        return self.assign(self.value - value)

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return get_engine().standardize_dtype(self._value.dtype)

    @property
    def ndim(self):
        return len(self.shape)

    def numpy(self):
        return get_engine().convert_to_numpy(self.value)

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        return out if dtype is None else out.astype(dtype)

    def __repr__(self):
        import numpy as np

        # Keras's form: the value, not `trainable`.
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
            f"value={np.asarray(self._value)}>"
        )

    def __len__(self):
        return self.shape[0]

    def _scalar(self, kind):
        if self.ndim > 0:
            raise TypeError(
                f"Only scalar arrays can be converted to Python scalars. Got: "
                f"shape={self.shape} (variable '{self.path}'); `{kind}()` needs a "
                "scalar: read one element, or use `.numpy()` for the array."
            )
        return self.value

    def __int__(self):
        return int(self._scalar("int"))

    def __float__(self):
        return float(self._scalar("float"))

    def __bool__(self):
        raise TypeError(
            f"A Keras Variable cannot be used as a boolean (variable "
            f"'{self.path}'): compare its value, e.g. `bool(variable.numpy() > 0)`."
        )

    def __getitem__(self, key):
        return self.value[key]

    # Arithmetic reads the current value, so `x @ layer.kernel` works in `call`.
    def __add__(self, o):
        return self.value + _v(o)

    def __radd__(self, o):
        return _v(o) + self.value

    def __sub__(self, o):
        return self.value - _v(o)

    def __rsub__(self, o):
        return _v(o) - self.value

    def __mul__(self, o):
        return self.value * _v(o)

    def __rmul__(self, o):
        return _v(o) * self.value

    def __truediv__(self, o):
        return self.value / _v(o)

    def __rtruediv__(self, o):
        return _v(o) / self.value

    def __matmul__(self, o):
        return self.value @ _v(o)

    def __rmatmul__(self, o):
        return _v(o) @ self.value

    def __pow__(self, o):
        return self.value ** _v(o)

    def __neg__(self):
        return -self.value

    def __abs__(self):
        return abs(self.value)

    def __floordiv__(self, o):
        return self.value // _v(o)

    def __rfloordiv__(self, o):
        return _v(o) // self.value

    def __mod__(self, o):
        return self.value % _v(o)

    def __rmod__(self, o):
        return _v(o) % self.value

    def __rpow__(self, o):
        return _v(o) ** self.value

    def __pos__(self):
        return self.value

    def __invert__(self):
        return ~self.value

    def __and__(self, o):
        return self.value & _v(o)

    def __rand__(self, o):
        return _v(o) & self.value

    def __or__(self, o):
        return self.value | _v(o)

    def __ror__(self, o):
        return _v(o) | self.value

    def __xor__(self, o):
        return self.value ^ _v(o)

    def __rxor__(self, o):
        return _v(o) ^ self.value

    def __round__(self, ndigits=None):
        return round(self._scalar("round").item(), ndigits)

    # Comparisons are elementwise, as Keras's (`variable == 0` is an array); a
    # variable still hashes by identity, so it can key a dict.
    def __eq__(self, o):
        return self.value == _v(o)

    def __ne__(self, o):
        return self.value != _v(o)

    __hash__ = object.__hash__

    def __lt__(self, o):
        return self.value < _v(o)

    def __le__(self, o):
        return self.value <= _v(o)

    def __gt__(self, o):
        return self.value > _v(o)

    def __ge__(self, o):
        return self.value >= _v(o)

    @property
    def T(self):
        return self.value.T

    def __jax_array__(self):
        return self.value


def _v(x):
    return x.value if isinstance(x, Variable) else x
