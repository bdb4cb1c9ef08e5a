"""`Wrapper`: the base of layers that wrap another layer."""

from kerasish.layers.layer import Layer
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


@register_builtin("layers")
class Wrapper(Layer):
    """Abstract base of the layers that wrap one other layer (`self.layer`).

    A subclass augments `layer` (for example `SpectralNormalization`); its config
    holds the wrapped layer's serialized config under `"layer"`.

    Args:
        layer: The `Layer` to wrap.

    Example:
    >>> class Twice(kerasish.layers.Wrapper):
    ...     def call(self, x):
    ...         return 2 * self.layer(x)
    >>> Twice(kerasish.layers.Identity())(np.ones((1, 2)))
    Array([[2., 2.]], dtype=float32)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__}: `layer` must be a kerasish Layer instance, "
                f"received {layer!r} of type {type(layer).__name__}. Wrap a layer "
                "object, e.g. Dense(4), not a class or a function."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True

    def get_config(self):
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(
            config.pop("layer"), "layers", custom_objects=custom_objects
        )
        return cls(layer, **config)
