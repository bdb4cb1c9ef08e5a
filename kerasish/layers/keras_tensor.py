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

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is symbolic: it has no value to convert to a numpy array. "
            "Call the model on real data (or use `model.predict`) to get values."
        )


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)
