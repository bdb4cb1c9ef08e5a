"""Symbolic tensors: what `keras.Input` returns and layers return on them."""

from kerasish.engine import get_engine


class KerasHistory:
    """Where a symbolic tensor came from: `(operation, node_index, tensor_index)`."""

    __slots__ = ("operation", "node_index", "tensor_index")

    def __init__(self, operation, node_index, tensor_index):
        self.operation = operation
        self.node_index = node_index
        self.tensor_index = tensor_index

    def __iter__(self):
        return iter((self.operation, self.node_index, self.tensor_index))


class KerasTensor:
    """A symbolic tensor: a shape (with `None` for unknown sizes) and a dtype.

    Calling a layer on KerasTensors records a node of the graph instead of
    computing, so `Model(inputs, outputs)` can replay it on data.
    """

    def __init__(
        self,
        shape,
        dtype="float32",
        sparse=False,
        ragged=False,
        record_history=True,
        name=None,
        **kwargs,
    ):
        if kwargs:
            raise TypeError(
                f"KerasTensor: unexpected keyword argument(s) {sorted(kwargs)}."
            )
        if sparse or ragged:
            kind = "sparse" if sparse else "ragged"
            raise ValueError(
                f"KerasTensor: `{kind}=True` is not supported; kerasish has no "
                f"{kind} tensors (it runs on JAX dense arrays). Received "
                f"sparse={sparse!r}, ragged={ragged!r}."
            )
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.record_history = record_history
        self.shape = tuple(None if d is None else int(d) for d in shape)
        # Strings never enter a compiled graph; host-side layers take them.
        is_string = dtype in ("string", "str", str, object) or str(dtype) == "object"
        self.dtype = "string" if is_string else get_engine().standardize_dtype(dtype)
        self.name = name
        self._keras_history = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no value, so it cannot be used as a Python "
            "bool. Use `kerasish.ops.where` / `ops.cond` inside a layer's `call`."
        )

    # Python operators dispatch to `kerasish.ops`, recording op nodes, as Keras's
    # do. `==` / `!=` stay identity comparisons (KerasTensors are dict keys).
    # numpy defers to the reflected operators (`array @ tensor`, `array + tensor`).
    __array_ufunc__ = None

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().absolute(self)

    def __invert__(self):
        return _ops().logical_not(self)

    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __truediv__(self, other):
        return _ops().true_divide(self, other)

    def __rtruediv__(self, other):
        return _ops().true_divide(other, self)

    def __floordiv__(self, other):
        return _ops().floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops().floor_divide(other, self)

    def __mod__(self, other):
        return _ops().mod(self, other)

    def __rmod__(self, other):
        return _ops().mod(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    def __and__(self, other):
        return _ops().logical_and(self, other)

    def __rand__(self, other):
        return _ops().logical_and(other, self)

    def __or__(self, other):
        return _ops().logical_or(self, other)

    def __ror__(self, other):
        return _ops().logical_or(other, self)

    def __xor__(self, other):
        return _ops().logical_xor(self, other)

    def __rxor__(self, other):
        return _ops().logical_xor(other, self)

    def __getitem__(self, key):
        return _ops().get_item(self, key)

    __hash__ = object.__hash__

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is symbolic: it has no value to convert to a numpy array. "
            "Call the model on real data (or use `model.predict`) to get values."
        )


def _ops():
    from kerasish import ops  # ops import this module's package: resolve late

    return ops


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)
