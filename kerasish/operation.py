"""`Operation` and `Function`: Keras's symbolic-graph base classes.

An `Operation` computes with `call` on arrays; on symbolic tensors (`Input`s) it
records a node of the layer graph, so it can be used inside functional models.
Every `Layer` is an `Operation` (`isinstance(layer, kerasish.Operation)`).

A `Function` is a graph from input to output symbolic tensors, callable on
arrays; every functional `Model` is a `Function`.
"""

from kerasish.common import naming, tree
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer


class _IncludesMeta(type):
    """`isinstance(x, Base)` is also true for the classes in `Base._includes()`."""

    def __instancecheck__(cls, obj):
        if super().__instancecheck__(obj):
            return True
        return isinstance(obj, cls._includes())

    def __subclasscheck__(cls, sub):
        if super().__subclasscheck__(sub):
            return True
        return isinstance(sub, type) and issubclass(sub, cls._includes())


class Operation(metaclass=_IncludesMeta):
    """The base of computations in a graph: subclass it and write `call`.

    Args:
        name: The operation's name (keyword only); defaults to the snake-case
            class name, made unique.

    Example:
    >>> class Double(kerasish.Operation):
    ...     def call(self, x):
    ...         return x * 2
    >>> Double()(np.array([1.0, 2.0]))
    array([2., 4.])
    """

    @classmethod
    def _includes(cls):
        return Layer if cls is Operation else ()

    def __new__(cls, *args, **kwargs):
        # As Keras's: `inspect.signature(Operation)` is `(*args, **kwargs)`,
        # `Operation.__init__` is `(self, name=None)`.
        return super().__new__(cls)

    def __init__(self, name=None):
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(
                f"{type(self).__name__}: `name` must be a string without '/', "
                f"received {name!r}."
            )
        self.name = name or naming.uniquify(naming.to_snake_case(type(self).__name__))
        self._layer = None

    def __call__(self, *args, **kwargs):
        if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `call(self, ...)`."
        )

    def symbolic_call(self, *args, **kwargs):
        """Records this operation in the graph of its symbolic inputs."""
        if self._layer is None:
            self._layer = _OperationLayer(self)
        return self._layer(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """Output `KerasTensor`s for symbolic inputs (traced from `call`)."""
        if self._layer is None:
            self._layer = _OperationLayer(self)
        return Layer.compute_output_spec(self._layer, *args, **kwargs)

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<Operation name={self.name}>"


class _OperationLayer(Layer):
    """The graph node of an `Operation` called on symbolic tensors."""

    _allow_non_tensor_positional_args = True  # an op's arguments, as Keras's

    def __init__(self, operation):
        super().__init__(name=operation.name)
        self.operation = operation
        self.built = True

    def call(self, *args, **kwargs):
        return self.operation.call(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        own = type(self.operation).compute_output_spec
        if own is not Operation.compute_output_spec:
            return self.operation.compute_output_spec(*args, **kwargs)
        return super().compute_output_spec(*args, **kwargs)


class Function(metaclass=_IncludesMeta):
    """A graph from symbolic inputs to symbolic outputs, callable on arrays.

    Args:
        inputs: An `Input` tensor, or a list or dict of them.
        outputs: Symbolic tensors computed from `inputs` (nested structure).
        name: The function's name.

    Example:
    >>> x = kerasish.Input((2,))
    >>> fn = kerasish.Function(x, kerasish.layers.Dense(3)(x))
    >>> fn(np.ones((1, 2))).shape
    (1, 3)
    """

    @classmethod
    def _includes(cls):
        from kerasish.models.functional import Functional

        return Functional if cls is Function else ()

    def __init__(self, inputs, outputs, name=None):
        from kerasish.models.functional import Functional

        self.name = name or naming.uniquify("function")
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._graph = Functional(inputs, outputs, name=f"{self.name}_graph")

    @property
    def inputs(self):
        return self._graph.inputs

    @property
    def outputs(self):
        return self._graph.outputs

    @property
    def operations(self):
        """The graph's operations (layers), in execution order."""
        return self._graph.layers

    def __call__(self, inputs):
        return self.call(inputs)

    def call(self, inputs):
        """Runs the graph on `inputs` (structured like the `inputs` given)."""
        return self._graph(inputs)

    def compute_output_spec(self, inputs):
        return self._graph.compute_output_spec(inputs)

    def __repr__(self):
        return f"<Function name={self.name}>"
