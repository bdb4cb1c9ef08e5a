"""How a layer describes itself: config, build config and its saving hooks.

`Layer` inherits these from `LayerSerialization`: `get_config` / `from_config`
(with Keras's automatic config for user subclasses whose constructor arguments
are plain values, recorded by `Layer.__new__` with `_auto_config`),
`get_build_config` / `build_from_config`, and the `save_own_variables` /
`load_own_variables` hooks that `model.save` and `load_model` call.
"""

import inspect

from kerasish.common import tree
from kerasish.mixed_precision import policy as policy_lib


class LayerSerialization:
    """Config and saving hooks of `Layer` (Keras's names and formats)."""

    # -- saving hooks (Keras's; called by model.save / load_model) -------------
    def save_own_variables(self, store):
        """Saves the layer's own variables into `store` as "0", "1", ...

        Override it to take control of how the layer's state is saved.

        Args:
            store: A dict-like object; keys are strings, values arrays.
        """
        all_vars = self._trainable_variables + self._non_trainable_variables
        for i, v in enumerate(all_vars):
            store[f"{i}"] = v.numpy()

    def load_own_variables(self, store):
        """Loads the variables `save_own_variables` wrote (override it likewise).

        Args:
            store: A dict-like object with the keys `save_own_variables` wrote.
        """
        self._check_load_own_variables(store)
        all_vars = self._trainable_variables + self._non_trainable_variables
        for i, v in enumerate(all_vars):
            v.assign(store[f"{i}"])

    def _check_load_own_variables(self, store):
        """As Keras: the store holds one entry per own variable of the layer."""
        all_vars = self._trainable_variables + self._non_trainable_variables
        if len(store.keys()) != len(all_vars):
            raise ValueError(
                f"Layer '{self.name}' expected {len(all_vars)} variables, but "
                f"received {len(store.keys())} variables during loading. "
                f"Expected: {[v.name for v in all_vars]}"
            )

    # -- config ----------------------------------------------------------------
    def get_build_config(self):
        """The shapes the layer was built with: `{"input_shape": ...}` (one build
        argument) or `{"shapes_dict": {...}}`; `None` if it is not built."""
        shapes = self._build_shapes_dict
        if shapes is None:
            return None
        if len(shapes) == 1:
            return {"input_shape": tuple(shapes.values())[0]}
        return {"shapes_dict": dict(shapes)}

    def build_from_config(self, config):
        """Creates the layer's weights from `get_build_config()`'s output."""
        if not config:
            return
        if "input_shape" in config:
            self.build(_tuple_shapes(config["input_shape"]))
        elif "shapes_dict" in config:
            self.build(
                **{k: _tuple_shapes(v) for k, v in config["shapes_dict"].items()}
            )
        self.built = True

    def get_config(self):
        """The constructor arguments that rebuild this layer with `from_config`.

        A user subclass that does not override `get_config` gets, as in Keras,
        its `__init__` arguments when all of them are plain Python values.
        """
        base = self._base_config()
        auto = self._auto_config
        default = _is_default_get_config(type(self))
        if auto is None and default and _required_init_params(type(self)):
            # As Keras: a config without them could not rebuild the layer, and a
            # saved file would fail to load; the save stops here instead.
            raise NotImplementedError(
                f"Layer {type(self).__name__} was created by passing "
                "non-serializable argument values in `__init__()` (for "
                f"{_required_init_params(type(self))}), and therefore the layer "
                "must override `get_config()` in order to be serializable. "
                "Please implement `get_config()`."
            )
        if auto is None or not default:
            return base
        config = {"name": base.pop("name"), **auto, **base}
        params = inspect.signature(type(self).__init__).parameters
        if "name" not in params and not any(
            p.kind is p.VAR_KEYWORD for p in params.values()
        ):
            config.pop("name")  # `__init__` could not take it back
        return config

    def _base_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": _serialize_policy(self._dtype_policy),
        }
        if self._activity_regularizer is not None:
            from kerasish import regularizers

            config["activity_regularizer"] = regularizers.serialize(
                self._activity_regularizer
            )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            if dtype.get("class_name") in _QUANTIZED_POLICIES:
                config["dtype"] = policy_lib.deserialize(dtype)
            else:
                config["dtype"] = dtype.get("config", {}).get("name")
        # A layer whose `__init__` (like Keras's) takes no `**kwargs` and no
        # `trainable` still round-trips: the flag is set after construction.
        trainable = None
        params = inspect.signature(cls.__init__).parameters
        takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
        if not takes_kwargs and "trainable" not in params:
            trainable = config.pop("trainable", None)
        try:
            layer = cls(**config)
        except TypeError as error:
            raise TypeError(
                f"Could not rebuild {cls.__name__} from its config: {error}. A "
                "custom layer must accept every key its `get_config()` returns."
            ) from error
        if trainable is not None:
            layer.trainable = trainable
        return layer


def _auto_config(cls, args, kwargs):
    """`__init__`'s arguments (defaults filled) if all are plain values, else None."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())
    if any(p.kind is p.POSITIONAL_ONLY for p in params[1:]):
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(params[0].name, None)
    config = {}
    for param in params[1:]:
        if param.name not in arguments:
            continue
        value = arguments[param.name]
        if param.kind is param.VAR_KEYWORD:
            config.update(value)
        elif param.kind is param.VAR_POSITIONAL:
            if value:
                return None
        else:
            config[param.name] = value
    config.pop("name", None)
    try:
        leaves = tree.flatten(config)
    except TypeError:
        return None
    if not all(isinstance(v, str | int | float | bool | type(None)) for v in leaves):
        return None
    return config


def _required_init_params(cls):
    """`__init__`'s parameters without a default (beyond Layer's own)."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [
        p.name
        for p in params
        if p.default is p.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.name not in ("name", "trainable", "dtype")
    ]


def _is_default_get_config(cls):
    """Whether user class `cls` inherits `get_config` from Layer or Model."""
    if cls.__module__.startswith("kerasish."):
        return False  # built-ins write their configs out
    for klass in cls.__mro__:
        if "get_config" in klass.__dict__:
            return klass.__module__ in (
                "kerasish.layers.layer_serialization",
                "kerasish.models.model",
            )
    return True


def _tuple_shapes(value):
    if isinstance(value, dict):
        return {k: _tuple_shapes(v) for k, v in value.items()}
    if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple):
        return [_tuple_shapes(v) for v in value]
    return tuple(value) if isinstance(value, list | tuple) else value


_QUANTIZED_POLICIES = {
    "QuantizedDTypePolicy",
    "QuantizedFloat8DTypePolicy",
    "Int4DTypePolicy",
    "GPTQDTypePolicy",
    "AWQDTypePolicy",
}


def _serialize_policy(policy):
    """Keras's dtype entry of a layer config: a quantized policy in full, any
    other by name."""
    if getattr(policy, "_quantization_mode", None) is None:
        return {
            "module": "keras",
            "class_name": "DTypePolicy",
            "config": {"name": policy.name},
            "registered_name": None,
        }
    return policy_lib.serialize(policy)
