"""`kerasish.layers.serialize` / `deserialize`: a layer to and from its config."""

from kerasish.layers.layer import Layer
from kerasish.serialization import deserialize_keras_object, serialize_keras_object


def serialize(layer):
    """Returns the config dict of `layer` (`class_name`, `config`, ...).

    Args:
        layer: A `Layer` instance.

    Returns:
        A JSON-able dict that `deserialize` turns back into the layer.

    Example:
    >>> kerasish.layers.serialize(kerasish.layers.Dense(2))["class_name"]
    'Dense'
    """
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Rebuilds a layer from `serialize`'s output.

    Args:
        config: A dict as returned by `serialize`.
        custom_objects: Optional dict of names to your own classes and functions.

    Returns:
        A `Layer` instance.

    Example:
    >>> config = kerasish.layers.serialize(kerasish.layers.Dense(2))
    >>> kerasish.layers.deserialize(config).units
    2
    """
    obj = deserialize_keras_object(config, "layers", custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError(
            "kerasish.layers.deserialize: `config` does not describe a layer; it "
            f"gave {obj!r} of type {type(obj).__name__}. Received config={config!r}. "
            "Use the output of `kerasish.layers.serialize(layer)`."
        )
    return obj
