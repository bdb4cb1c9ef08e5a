"""`Bidirectional`: runs a recurrent layer forwards and a copy backwards, merged."""

from kerasish import ops
from kerasish.layers.layer import Layer
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy_layer(layer, **overrides):
    """A fresh layer with `layer`'s config (no weights or state carried over)."""
    config = layer.get_config()
    config.update(overrides)
    return type(layer).from_config(config)


def _strip(name, prefix):
    return name[len(prefix) :] if name.startswith(prefix) else name


@register_builtin("layers")
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    The forward layer is a copy of `layer` named `forward_<name>`; the backward
    layer is `backward_layer`, or a copy of `layer` with `go_backwards=True`
    named `backward_<name>`. With `return_sequences` the backward outputs are
    flipped back to the original time order before merging.

    Args:
        layer: A recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN`).
        merge_mode: How the two outputs are combined: "concat" (default),
            "sum", "mul", "ave", or None (a list of both).
        weights: Optional initial weights (forward then backward).
        backward_layer: Optional recurrent layer for the backward direction; it
            must have `go_backwards` opposite to `layer`'s and the same
            `stateful`, `return_sequences` and `return_state`.

    Call arguments:
        sequences: `(batch, timesteps, features)`.
        initial_state: Forward states followed by backward states.
        mask, training: Passed to both layers.

    Example:
    >>> layer = kerasish.layers.Bidirectional(kerasish.layers.LSTM(4))
    >>> layer(np.ones((2, 5, 3))).shape
    (2, 8)
    """

    def __init__(
        self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs
    ):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Bidirectional: please initialize `Bidirectional` with a "
                f"`keras.layers.Layer` instance (an RNN such as LSTM(8)). "
                f"Received: {layer!r}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "Bidirectional: `backward_layer` needs to be a `keras.layers.Layer` "
                f"instance. Received: {backward_layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional: invalid merge mode. Received: {merge_mode!r}. "
                "Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}.'
            )
        for attr in ("go_backwards", "return_sequences", "return_state", "stateful"):
            if not hasattr(layer, attr):
                raise ValueError(
                    f"Bidirectional: the wrapped layer must be a recurrent layer "
                    f"with a `{attr}` attribute (LSTM, GRU, SimpleRNN, RNN), "
                    f"received {type(layer).__name__}."
                )
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(
            layer, name=f"forward_{_strip(layer.name, 'forward_')}"
        )
        if backward_layer is None:
            backward_layer = _copy_layer(
                layer,
                go_backwards=not layer.go_backwards,
                name=f"backward_{_strip(layer.name, 'backward_')}",
            )
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            # Masked steps give zeros, so the two directions merge cleanly.
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        forward, backward = self.forward_layer, self.backward_layer
        if getattr(backward, "go_backwards", None) is None:
            raise ValueError(
                "Bidirectional: `backward_layer` must be a recurrent layer with a "
                f"`go_backwards` attribute, received {type(backward).__name__}."
            )
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Bidirectional: forward layer and backward layer should have "
                "different `go_backwards` value. Received: "
                f"forward_layer.go_backwards={forward.go_backwards}, "
                f"backward_layer.go_backwards={backward.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            f, b = getattr(forward, attr), getattr(backward, attr)
            if f != b:
                raise ValueError(
                    "Bidirectional: forward layer and backward layer are expected "
                    f'to have the same value for attribute "{attr}", got "{f}" '
                    f'for forward layer and "{b}" for backward layer.'
                )

    def build(self, sequences_shape, initial_state_shape=None):
        if not self.forward_layer.built:
            self.forward_layer.build(sequences_shape)
        if not self.backward_layer.built:
            self.backward_layer.build(sequences_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shape = ()
        if self.return_state:
            output_shape, state_shape = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = (*output_shape[:-1], output_shape[-1] * 2)
        elif self.merge_mode is None:
            output_shape = [tuple(output_shape), tuple(output_shape)]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(output_shape) + state_shape + state_shape
            return (tuple(output_shape),) + state_shape + state_shape
        return tuple(output_shape)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if training is not None:
            kwargs["training"] = training
        if mask is not None:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        y = ops.cast(y, self.compute_dtype)
        y_rev = ops.cast(y_rev, self.compute_dtype)
        if self.return_sequences:
            # The backward layer returns its sequence in processing order.
            y_rev = ops.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            if self.merge_mode is None:
                return output + states
            return (output,) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list | tuple):
            mask = mask[0]
        if self.return_sequences:
            output_mask = mask if self.merge_mode else (mask, mask)
        else:
            output_mask = None if self.merge_mode else (None, None)
        if self.return_state and self.states is not None:
            state_mask = tuple(None for _ in self.states)
            if isinstance(output_mask, tuple):
                return output_mask + state_mask
            return (output_mask,) + state_mask
        return output_mask

    @property
    def states(self):
        forward, backward = self.forward_layer.states, self.backward_layer.states
        if forward and backward:
            return tuple(forward) + tuple(backward)
        return None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError(
                f"Layer '{self.name}' (Bidirectional) must be stateful to reset its "
                "states; build it around a layer with `stateful=True`."
            )
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        self.reset_state()

    def get_config(self):
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialize_keras_object(self.forward_layer),
            "backward_layer": serialize_keras_object(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(
            config["layer"], kind="layers", custom_objects=custom_objects
        )
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_keras_object(
                backward, kind="layers", custom_objects=custom_objects
            )
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(**config)
