"""`Sequential`: a plain stack of layers, one input and one output each."""

from kerasish.layers.input_layer import InputLayer
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.models.model import Model
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)
from kerasish.trainers.first_batch import deferred_input_dtype


@register_builtin("models")
class Sequential(Model):
    """A linear stack of layers.

    Start with `keras.Input(shape)` to build at once; otherwise the model is built
    on its first call (or `build(input_shape)`) from the data's shape.

    Args:
        layers: Optional list of layers (an `Input` may come first).
        trainable: Whether the model's weights are trainable.
        name: The model's name (defaults to "sequential", "sequential_1", ...).

    Example:
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    >>> model.count_params()
    8
    """

    # The trainer builds the stack from the first batch's shape and dtype
    # (`build(input_shape)` with the dtype in `_pending_input_dtype`).
    _builds_own_input = True

    def __new__(cls, *args, **kwargs):
        # As Keras: the class's signature reads `(*args, **kwargs)`.
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or an `Input`, only first) to the stack."""
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history.operation
            if not isinstance(origin, InputLayer):
                raise ValueError(
                    "Sequential.add: only a `keras.Input` tensor may be added, got "
                    f"the output of layer '{origin.name}'."
                )
            layer = origin
        if not isinstance(layer, Layer):
            raise TypeError(
                "Sequential.add expects a Layer instance, got "
                f"{type(layer).__name__}: {layer!r}."
            )
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError(
                f"Sequential model '{self.name}': an Input may only be the first "
                "layer; it was given after other layers."
            )
        if not self._layers and getattr(layer, "_input_shape_arg", None) is not None:
            self._layers.append(
                InputLayer(
                    shape=layer._input_shape_arg, batch_size=layer._batch_size_arg
                )
            )
        names = [x.name for x in self._layers]
        if layer.name in names:
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. "
                f"Name {layer.name!r} is already the name of a layer in this model. "
                "Pass a distinct `name=` argument."
            )
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self.layers:
            raise TypeError(f"Sequential model '{self.name}' has no layers to pop.")
        layer = self._layers.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._functional = None
        if (
            self._layers
            and isinstance(self._layers[0], InputLayer)
            and len(self._layers) > 1
        ):
            self.build(self._layers[0].batch_shape)
        elif len(self._layers) > 1 and getattr(self._layers[0], "_flat_inputs", None):
            # A functional model first: its inputs give the shape, as Keras's
            # `input_shape` branch (else the layers after it stayed unbuilt).
            self.build(self._layers[0].input_shape)

    def build(self, input_shape=None):
        """Builds the stack for inputs of `input_shape` (batch axis included)."""
        if not self._layers or (
            isinstance(self._layers[0], InputLayer) and len(self._layers) == 1
        ):
            raise ValueError(
                f"Sequential model '{self.name}' has no layers to build; add layers "
                "first."
            )
        if not isinstance(self._layers[0], InputLayer):
            if input_shape is None:
                raise ValueError(
                    f"You must provide an `input_shape` to build Sequential model "
                    f"'{self.name}', or start it with `keras.Input(shape)`."
                )
            dtype = getattr(self, "_pending_input_dtype", None)
            made = InputLayer(batch_shape=tuple(input_shape), dtype=dtype)
            made._made_by_build = True
            self._layers.insert(0, made)
        from kerasish.models.functional import Functional

        inputs = self._layers[0].output_tensor
        # An input layer made here (from data or `build(shape)`, not a user's
        # `Input`) takes other shapes of the same rank later, as Keras's.
        inputs._from_data = getattr(self._layers[0], "_made_by_build", False)
        x = inputs
        for layer in self._layers[1:]:
            x = layer(x)
        functional = Functional(inputs=inputs, outputs=x)
        functional._is_sequential = True
        # Not a tracked sub-layer: its layers are this model's layers.
        object.__setattr__(self, "_functional", functional)
        self.built = True

    def _maybe_build(self, args, kwargs):
        if not self.built:
            first = args[0]
            dtype = str(getattr(first, "dtype", None) or "float32")
            # The deferred Input takes the data's dtype: ids stay integers, and
            # 64-bit host data maps to the engine's defaults.
            self._pending_input_dtype = deferred_input_dtype(dtype)
            self.build(tuple(first.shape))

    @property
    def _input_cast_dtype(self):
        # As Keras's `Sequential.input_dtype`: the input layer's dtype, if any.
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[0].dtype
        return self.compute_dtype

    def _obj_type(self):
        return "Sequential"  # saving walks `self.layers` first, as Keras's

    @property
    def layers(self):
        return [x for x in self._layers if not isinstance(x, InputLayer)]

    def _summary_layers(self):
        return self.layers

    @property
    def _nodes(self):
        return self._functional._nodes if self._functional else []

    @property
    def inputs(self):
        return self._functional.inputs if self._functional else None

    @property
    def outputs(self):
        return self._functional.outputs if self._functional else None

    @property
    def input(self):
        return self._functional.input if self._functional else None

    @property
    def output(self):
        return self._functional.output if self._functional else None

    @property
    def input_names(self):
        return self._functional.input_names if self._functional else []

    @property
    def output_names(self):
        return self._functional.output_names if self._functional else []

    @property
    def host_layers(self):
        """Leading layers that run on the host (string lookups, text vectorizing)."""
        out = []
        for layer in self.layers:
            if not getattr(layer, "host_side", False):
                break
            out.append(layer)
        return out

    def call(self, inputs, training=None, mask=None):
        if getattr(self, "_device_part_only", False):
            # The trainer already ran the host-side layers on this batch.
            x = inputs
            for layer in self.layers[len(self.host_layers) :]:
                x = layer(x, training=training)
            return x
        return self._functional.call(inputs, training=training, mask=mask)

    def get_config(self):
        config = self._base_config()  # name, trainable, dtype: as Keras's
        config["layers"] = [serialize_keras_object(layer) for layer in self._layers]
        if self._functional is not None:
            config["build_input_shape"] = self._layers[0].batch_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config.get("layers", []):
            layer = deserialize_keras_object(
                entry, kind="layers", custom_objects=custom_objects
            )
            model.add(layer, rebuild=False)
        if config.get("build_input_shape") and not isinstance(
            model._layers[0], InputLayer
        ):
            model.build(tuple(config["build_input_shape"]))
        else:
            model._maybe_rebuild()
        return model
