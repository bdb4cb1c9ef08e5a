"""`TimeDistributed`: applies a layer to every timestep of a sequence."""

from kerasish import ops
from kerasish.common import tree
from kerasish.layers.layer import Layer, _call_signature
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


@register_builtin("layers")
class TimeDistributed(Layer):
    """Applies `layer` to each slice `inputs[:, t]` of a sequence, with shared
    weights.

    The time axis is folded into the batch axis, the layer runs once on
    `(batch * timesteps, ...)`, and the result is unfolded: one call, no loop.

    Args:
        layer: The layer to apply; its input is one timestep `(batch, ...)`.

    Input: `(batch, timesteps, ...)`. Output: `(batch, timesteps, ...)` with
    the trailing axes of `layer`'s output.

    Example:
    >>> layer = kerasish.layers.TimeDistributed(kerasish.layers.Dense(4))
    >>> layer(np.ones((2, 5, 3))).shape
    (2, 5, 4)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "TimeDistributed: please initialize `TimeDistributed` with a "
                f"`keras.layers.Layer` instance, such as Dense(8). Received: "
                f"{layer!r}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, tuple | list) or len(input_shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' (TimeDistributed) expects inputs of shape "
                "(batch, timesteps, ...) with at least 3 dimensions, received "
                f"shape {tuple(input_shape) if input_shape else input_shape}."
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        child_shape = self._child_input_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(child_shape)
            self.layer.built = True

    def compute_output_shape(self, input_shape):
        child_shape = self._child_input_shape(tuple(input_shape))
        child_output = self.layer.compute_output_shape(child_shape)
        return (child_output[0], input_shape[1], *child_output[1:])

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        self._child_input_shape(shape)
        batch, steps = shape[0], shape[1]
        if mask is not None:
            mask_shape = tuple(mask.shape)
            if len(mask_shape) < 2 or mask_shape[:2] != (batch, steps):
                raise ValueError(
                    f"Layer '{self.name}' (TimeDistributed): the `mask` of shape "
                    f"{mask_shape} is incompatible with the input shape {shape}; "
                    f"its first two axes must be (batch, timesteps) = "
                    f"({batch}, {steps})."
                )
        has_training, has_mask, _ = _call_signature(type(self.layer))
        kwargs = {}
        if has_training and training is not None:
            kwargs["training"] = training
        if has_mask and mask is not None:
            kwargs["mask"] = ops.reshape(mask, (batch * steps, *mask.shape[2:]))
        # (batch * timesteps, ...): every timestep in one call of the layer.
        folded = ops.reshape(inputs, (batch * steps, *shape[2:]))
        outputs = self.layer(folded, **kwargs)
        return tree.map_structure(
            lambda y: ops.reshape(y, (batch, steps, *y.shape[1:])), outputs
        )

    def get_config(self):
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(
            config.pop("layer"), kind="layers", custom_objects=custom_objects
        )
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(layer, **config)
