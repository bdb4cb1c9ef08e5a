"""`Model`: a layer with training (compile/fit/evaluate/predict) and saving.

`Model(inputs, outputs)` builds a `Functional` model; subclassing `Model` with
`__init__` + `call` gives a subclassed model; `Sequential` is a stack.

A subclass built with functional arguments (`CustomModel(inputs, outputs)`, or
`super().__init__(inputs=..., outputs=...)` in its `__init__`) becomes a
functional model, as in Keras: `Functional` is put in place of `Model` among the
class's bases, so the subclass keeps its own `train_step`, `compute_loss`, ...
Step overrides written for Keras's JAX trainer are adapted by `keras_steps`.
"""

import inspect

from kerasish.common import tree
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin
from kerasish.trainers import keras_steps
from kerasish.trainers.trainer import Trainer


def functional_init_arguments(args, kwargs):
    """Whether constructor arguments ask for a functional model (Keras's rule)."""
    return (
        len(args) == 2
        or (len(args) == 1 and "outputs" in kwargs)
        or ("inputs" in kwargs and "outputs" in kwargs)
    )


def inject_functional_model_class(cls):
    """Puts `Functional` in place of `Model` among `cls`'s bases (recursively)."""
    from kerasish.models.functional import Functional

    if cls is Model:
        return Functional
    if cls is object or issubclass(cls, Functional) or not issubclass(cls, Model):
        return cls
    cls.__bases__ = tuple(inject_functional_model_class(b) for b in cls.__bases__)
    return cls


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
        if cls is Model and functional_init_arguments(args, kwargs):
            from kerasish.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if functional_init_arguments(args, kwargs):
            from kerasish.models.functional import Functional

            inject_functional_model_class(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(
                f"Model.__init__ got {len(args)} positional argument(s). Build a "
                "functional model with `Model(inputs, outputs)`; a subclass of "
                "Model passes only keyword arguments (`name`, `trainable`, "
                "`dtype`) to `super().__init__(...)`."
            )
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, adapt in keras_steps.ADAPTERS.items():
            fn = cls.__dict__.get(name)
            if (
                fn is not None
                and not getattr(fn, "_kerasish_adapted", False)
                and not keras_steps.is_kerasish_style(fn)
            ):
                setattr(cls, name, adapt(fn))

    @property
    def layers(self):
        """The model's direct sub-layers, in the order Keras lists them."""
        return list(self._layers)

    def _summary_layers(self):
        return self.layers

    def get_layer(self, name=None, index=None):
        """Returns a sub-layer by `name` or by `index` (exactly one of them).

        The errors are Keras's, word for word."""
        if name is not None and index is not None:
            raise ValueError(
                "Provide only a layer name or a layer index. Received: "
                f"index={index}, name={name}."
            )
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only "
                    f"has {len(layers)} layers."
                )
            return layers[index]
        if name is None:
            raise ValueError(
                "Provide either a layer name or layer index at `get_layer`."
            )
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: "
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

    def _build_for_call(self, shapes, args, kwargs):
        if type(self).build is not Model.build:
            return super()._build_for_call(shapes, args, kwargs)
        # A subclass without its own `build`, first called on data: `call` is
        # traced on the arguments as given (Keras's `compute_output_spec(
        # self.call, ...)`), dtypes kept: integer ids stay integers.
        from kerasish.layers.keras_tensor import KerasTensor
        from kerasish.layers.shape_inference import _trace_output_spec
        from kerasish.trainers.step_compiler import spec_of

        def spec(x):
            if getattr(x, "dtype", None) is None or not hasattr(x, "shape"):
                return x
            s = spec_of(x)  # the engine's dtype (64-bit host data maps down)
            return KerasTensor(tuple(s.shape), str(s.dtype))

        self.built = True
        try:
            _trace_output_spec(
                self, tree.map_structure(spec, args), tree.map_structure(spec, kwargs)
            )
        except BaseException:
            self.built = False
            raise

    def build(self, input_shape=None):
        """Builds a subclassed model by tracing `call` on inputs of `input_shape`."""
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}': `build` needs an `input_shape`, e.g. "
                "`model.build((None, 784))`."
            )
        from kerasish.layers.keras_tensor import KerasTensor
        from kerasish.layers.shape_inference import _trace_output_spec

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

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantizes the weights of every layer that supports it (`Dense`,
        `EinsumDense`, `Embedding`), in place; the model must be built.

        Args:
            mode: "int8", "int4" or "float8"; optional when `config` is given.
            config: A `kerasish.quantizers.QuantizationConfig` (custom weight /
                activation quantizers, int4 `block_size`).
            filters: Only quantize layers whose name matches this regex (or one
                of a list of regexes), or for which this callable returns True.

        Example:
        >>> layers = [kerasish.Input((4,)), kerasish.layers.Dense(2)]
        >>> model = kerasish.Sequential(layers)
        >>> model.quantize("int8")
        >>> model.layers[0].dtype_policy.name
        'int8_from_float32'
        """
        from kerasish.models.model_quantization import quantize_model

        quantize_model(self, mode, config=config, filters=filters, **kwargs)

    quantize._validates_arguments = True

    def export(
        self, filepath, format="jax", verbose=None, input_signature=None, **kwargs
    ):
        """Exports the forward pass (`call`, `training=False`) for serving.

        Args:
            filepath: Destination file.
            format: `"jax"`: a serialized, compiled function (`jax.export`,
                StableHLO), loaded back with `kerasish.export.load`; or
                `"onnx"`: an ONNX model (through jax2onnx; `pip install
                "kerasish[onnx]"`) for onnxruntime or any ONNX runtime.
            verbose: `"onnx"`: print where the file was saved (default `True`).
            input_signature: One `(shape, dtype)` (or an object with `.shape` and
                `.dtype`, e.g. `kerasish.InputSpec`) per input; `None` marks a
                symbolic dimension. Needed only when the model's input shapes
                are unknown (a subclassed model never called).
            **kwargs: `platforms` (`"jax"`), `opset_version` (`"onnx"`).

        Example:
        >>> model.export("model.onnx", format="onnx")  # doctest: +SKIP
        >>> import onnxruntime  # doctest: +SKIP
        >>> session = onnxruntime.InferenceSession("model.onnx")  # doctest: +SKIP
        >>> session.run(None, {session.get_inputs()[0].name: x})  # doctest: +SKIP
        """
        from kerasish import export

        return export.export_model(
            self,
            filepath,
            format=format,
            verbose=verbose,
            input_signature=input_signature,
            **kwargs,
        )

    def to_json(self, **kwargs):
        """The model's config as JSON text, for `models.model_from_json`.

        Args:
            **kwargs: Passed to `json.dumps` (e.g. `indent=2`).
        """
        from kerasish.saving.keras_archive import config_json
        from kerasish.saving.saving_api import model_to_config

        return config_json(model_to_config(self), **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a model: a functional config through its layer graph (also for
        a subclass whose `__init__` takes `(inputs, outputs, ...)` or
        `(*args, **kwargs)`), anything else as `cls(**config)`."""
        from kerasish.models.functional import Functional, functional_from_config

        is_functional_config = all(
            key in config for key in ("name", "layers", "input_layers", "output_layers")
        )
        spec = inspect.getfullargspec(cls.__init__)
        functional_args = inspect.getfullargspec(Functional.__init__).args[1:]
        revivable = (
            cls in (Functional, Model)
            or spec.args[1:] == functional_args
            or (spec.varargs == "args" and spec.varkw == "kwargs")
        )
        # A plain Functional has no other way back: an incomplete config fails
        # in the graph rebuild, with the missing key named.
        if (
            (is_functional_config and revivable)
            or cls in (Functional, Model)
            and ("layers" in config)
        ):
            return functional_from_config(
                Functional if cls is Model else cls, config, custom_objects
            )
        return super().from_config(config)
