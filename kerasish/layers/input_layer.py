"""`InputLayer` and `Input`: the entry points of a functional graph."""

import warnings

from kerasish import config
from kerasish.layers.keras_tensor import KerasHistory, KerasTensor
from kerasish.layers.layer import Layer
from kerasish.layers.node import Node
from kerasish.serialization import register_builtin


@register_builtin("layers")
class InputLayer(Layer):
    """The layer behind `Input`: it holds the symbolic input tensor.

    Args:
        shape: Shape of one sample, without the batch axis.
        batch_size: Optional fixed batch size.
        dtype: The input's dtype (defaults to floatx).
        sparse: Unsupported; must be False.
        name: The layer's (and input's) name.
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        ragged=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        **kwargs,
    ):
        # Keras 2's names, which Keras 3 still takes (with a warning).
        if "input_shape" in kwargs:
            warnings.warn(
                "Argument `input_shape` is deprecated. Use `shape` instead.",
                stacklevel=2,
            )
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if ragged:
            raise ValueError("InputLayer: ragged inputs are not supported by kerasish.")
        if sparse:
            raise ValueError("InputLayer: sparse inputs are not supported by kerasish.")
        if name is None:
            from kerasish.common import naming

            name = naming.uniquify("input_layer")
        super().__init__(name=name, **kwargs)
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
        elif shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            try:
                shape = tuple(shape)
            except TypeError:
                raise TypeError(
                    f"Input: `shape` must be a tuple of ints (one sample, without "
                    f"the batch axis), got {shape!r}."
                ) from None
            batch_shape = (batch_size, *shape)
        else:
            raise ValueError("Input: you must pass a `shape` (or `batch_shape`).")
        for d in batch_shape[1:]:
            if d is not None and (
                isinstance(d, bool) or not isinstance(d, int) or d < 0
            ):
                raise ValueError(
                    f"Input: every dimension of `shape` must be a non-negative int or "
                    f"None, got shape {tuple(batch_shape[1:])}."
                )
        self.batch_shape = batch_shape
        self._dtype = dtype or config.floatx()
        self.optional = optional
        self.sparse = False  # Keras's attributes: dense, non-ragged inputs only
        self.ragged = False
        self.built = True
        tensor = KerasTensor(batch_shape, self._dtype, name=self.name)
        tensor._keras_history = KerasHistory(self, 0, 0)
        self._inbound_nodes.append(Node(self, (), {}, tensor))
        self.output_tensor = tensor

    @property
    def dtype(self):
        return self._dtype

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {
            "batch_shape": self.batch_shape,
            "dtype": self._dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        return cls(**config)


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    ragged=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
):
    """A symbolic input for a functional model.

    Args:
        shape: Shape of one sample, without the batch axis, e.g. `(784,)`.
        batch_size: Optional fixed batch size.
        dtype: The input's dtype (defaults to floatx, "float32").
        name: A unique name for the input.

    Returns:
        A `KerasTensor` to call layers on.

    Example:
    >>> kerasish.Input((784,)).shape
    (None, 784)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        name=name,
        optional=optional,
    )
    return layer.output_tensor
