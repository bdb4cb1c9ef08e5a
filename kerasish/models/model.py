"""`Model`: a layer with training (compile/fit/evaluate/predict) and saving.

`Model(inputs, outputs)` builds a `Functional` model; subclassing `Model` with
`__init__` + `call` gives a subclassed model; `Sequential` is a stack.
"""

from kerasish.layers.layer import Layer
from kerasish.saving.registry import register_builtin
from kerasish.trainers.trainer import Trainer


@register_builtin("models")
class Model(Trainer, Layer):
    """A layer that groups layers and can be trained.

    Functional: `Model(inputs=keras.Input((784,)), outputs=...)`.
    Subclassed: define layers in `__init__` and the forward pass in `call`.

    Args:
        inputs: Input KerasTensor(s) (functional models only).
        outputs: Output KerasTensor(s) (functional models only).
        name: The model's name.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (
            len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs
        ):
            from kerasish.models.functional import Functional

            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(
                "Model(inputs, outputs) builds a functional model; a subclass of "
                "Model takes only `name`, `trainable` and `dtype` in "
                "`super().__init__(...)`."
            )
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self):
        """The model's direct sub-layers, in the order Keras lists them."""
        return list(self._layers)

    def _summary_layers(self):
        return self.layers

    def get_layer(self, name=None, index=None):
        """Returns a sub-layer by `name` or by `index` (exactly one of them)."""
        if (name is None) == (index is None):
            raise ValueError(
                "get_layer: provide exactly one of `name` or `index`, got "
                f"name={name!r}, index={index!r}."
            )
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range; model "
                    f"'{self.name}' has {len(layers)} layers."
                )
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name!r}. Existing layers are: "
            f"{[layer.name for layer in layers]}."
        )

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Prints Keras's summary table: layers, output shapes, parameter counts."""
        from kerasish.models.summary import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def build(self, input_shape=None):
        """Builds a subclassed model by tracing `call` on inputs of `input_shape`."""
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}': `build` needs an `input_shape`, e.g. "
                "`model.build((None, 784))`."
            )
        from kerasish.layers.keras_tensor import KerasTensor
        from kerasish.layers.layer import _trace_output_spec

        def to_tensor(shape):
            return KerasTensor(tuple(shape))

        if isinstance(input_shape, dict):
            inputs = {k: to_tensor(v) for k, v in input_shape.items()}
        elif (
            isinstance(input_shape, list)
            and input_shape
            and not isinstance(input_shape[0], int | type(None))
        ):
            inputs = [to_tensor(s) for s in input_shape]
        else:
            inputs = to_tensor(input_shape)
        self.built = True
        _trace_output_spec(self, (inputs,), {})

    # -- saving (implemented in kerasish.saving) --------------------------------
    def save(self, filepath, overwrite=True, **kwargs):
        """Saves the whole model (architecture, weights, compile and optimizer
        state) to a `.keras` archive, atomically."""
        from kerasish.saving import saving_api

        return saving_api.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Saves the weights only (`.weights.npz`), atomically."""
        from kerasish.saving import saving_api

        return saving_api.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights saved by `save_weights` (or a `.keras` file's weights)."""
        from kerasish.saving import saving_api

        return saving_api.load_weights(
            self, filepath, skip_mismatch=skip_mismatch, **kwargs
        )

    def export(self, filepath, format="jax", **kwargs):
        """Writes a serialized, compiled forward function for serving."""
        from kerasish import export

        return export.export_model(self, filepath, format=format, **kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasish.models.functional import Functional, functional_from_config

        if "layers" in config and "input_layers" in config:
            return functional_from_config(
                Functional if cls is Model else cls, config, custom_objects
            )
        return super().from_config(config)
