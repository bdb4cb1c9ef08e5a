"""`Pipeline`: applies a list of layers in order (no model, no weights of its own)."""

from kerasish import tree
from kerasish.layers.layer import Layer, _call_signature
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


@register_builtin("layers")
class Pipeline(Layer):
    """Applies a series of layers to an input, in order.

    Unlike `Sequential`, a pipeline is a plain layer: it is meant for
    preprocessing (e.g. a chain of image augmentations applied to a dict of
    images and bounding boxes) and passes `training` and masks on to the
    layers that take them.

    Args:
        layers: A list of layers.
        name: The pipeline's name.

    Example:
    >>> pipeline = kerasish.layers.Pipeline([
    ...     kerasish.layers.RandomFlip("horizontal", seed=0),
    ...     kerasish.layers.RandomCrop(2, 2, seed=0),
    ... ])
    >>> pipeline(np.ones((3, 4, 4, 1))).shape
    (3, 2, 2, 1)
    """

    _allow_non_tensor_positional_args = True  # as Keras's data layers

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, list | tuple) or not all(
            isinstance(layer, Layer) for layer in layers
        ):
            raise TypeError(
                f"Pipeline: `layers` must be a list of layers, received {layers!r}."
            )
        self._pipeline_layers = list(layers)
        self.built = True

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            has_training, has_mask, _ = _call_signature(type(layer))
            kwargs = {}
            if has_mask:
                kwargs["mask"] = mask
            if has_training and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = tree.map_structure(
                lambda t: getattr(t, "_keras_mask", None), outputs
            )
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers = config.get("layers")
        if not isinstance(layers, list | tuple):
            raise ValueError(
                "Pipeline: the config must hold a 'layers' list of serialized "
                f"layers, received layers={layers!r}."
            )
        config = {
            **config,
            "layers": [
                deserialize_keras_object(
                    layer, kind="layers", custom_objects=custom_objects
                )
                for layer in layers
            ],
        }
        return cls(**config)

    def get_config(self):
        return {
            "layers": [
                serialize_keras_object(layer) for layer in self._pipeline_layers
            ],
            "name": self.name,
        }
