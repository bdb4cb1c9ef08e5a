"""`CellLayerMixin`: what `SimpleRNN`, `LSTM` and `GRU` add to `RNN`.

Keras's recurrent layers are an `RNN` around one built-in cell; they expose the
cell's arguments as read-only attributes and flatten them into their own config.
"""

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.rnn.rnn import RNN

_SERIALIZERS = {
    "activation": activations.serialize,
    "recurrent_activation": activations.serialize,
    "kernel_initializer": initializers.serialize,
    "recurrent_initializer": initializers.serialize,
    "bias_initializer": initializers.serialize,
    "kernel_regularizer": regularizers.serialize,
    "recurrent_regularizer": regularizers.serialize,
    "bias_regularizer": regularizers.serialize,
    "kernel_constraint": constraints.serialize,
    "recurrent_constraint": constraints.serialize,
    "bias_constraint": constraints.serialize,
}


def serialize_arg(name, value):
    """A cell argument as a config holds it (initializers etc. serialized)."""
    return _SERIALIZERS.get(name, lambda v: v)(value)


def _cell_property(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


class CellLayerMixin:
    """Forwards the cell's arguments (`units`, `dropout`, ...) and config."""

    _cell_args = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls._cell_args:
            if name not in cls.__dict__:
                setattr(cls, name, _cell_property(name))

    def get_config(self):
        config = RNN.get_config(self)
        del config["cell"]
        for name in self._cell_args:
            config[name] = serialize_arg(name, getattr(self.cell, name))
            if name == "bias_regularizer":
                # Keras's place for it (one that is set is already above).
                config["activity_regularizer"] = regularizers.serialize(
                    self._activity_regularizer
                )
        config["seed"] = self.cell.seed
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(**config)


def check_use_cudnn(cls_name, use_cudnn):
    """Keras's `use_cudnn` argument: validated, then unused (XLA picks kernels)."""
    if use_cudnn not in ("auto", True, False):
        raise ValueError(
            f"{cls_name}: invalid value for argument `use_cudnn`, expected one of "
            f"'auto', True, False, received use_cudnn={use_cudnn!r}."
        )
    return use_cudnn
