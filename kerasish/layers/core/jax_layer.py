"""`JaxLayer` and `FlaxLayer`: a JAX function or a Flax module as a layer.

The user's parameters (a pytree of arrays) become the layer's variables, so they
train in `fit`, save with the model and work under `stateless_call`; the
function is called with their current values. The JAX specifics (pytrees, keys)
are in `kerasish.engine.jax_bridge`; this module does not import `jax`.
"""

import inspect

from kerasish import random
from kerasish.engine import get_engine
from kerasish.layers.layer import Layer
from kerasish.random.random import draw_key
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)
from kerasish.variables import Variable


def _bridge():
    from kerasish.engine import jax_bridge

    return jax_bridge


def _is_float(dtype):
    return "float" in str(dtype)


@register_builtin("layers")
class JaxLayer(Layer):
    """Wraps a JAX function `call_fn` (and its parameters) as a layer.

    `call_fn` takes any of the arguments `params`, `state`, `rng`, `inputs`
    (required) and `training`, by those names; with `state` it returns
    `(outputs, new_state)`. The parameters come from `params`/`state` or from
    `init_fn(rng, inputs, training)`, called at build time on inputs of ones
    (`None` dimensions as 1); it returns `params`, or `(params, state)` when
    `call_fn` takes a `state`. Array leaves of `params` become trainable
    variables and those of `state` non-trainable ones; other leaves are kept
    as configuration.

    Args:
        call_fn: The JAX function of the forward pass.
        init_fn: Function creating the initial `params` (and `state`).
        params: Initial trainable parameters, a pytree (instead of `init_fn`).
        state: Initial non-trainable state, a pytree.
        seed: Seed of the `rng` keys given to `call_fn` in training.
        native_serialization_platforms: Accepted for compatibility (Keras's
            TensorFlow export); unused.

    Example:
    >>> def call_fn(params, inputs):
    ...     return inputs @ params["w"]
    >>> layer = kerasish.layers.JaxLayer(call_fn, params={"w": np.ones((3, 2))})
    >>> layer(np.ones((1, 3), "float32")).shape
    (1, 2)
    """

    def __init__(
        self,
        call_fn,
        init_fn=None,
        params=None,
        state=None,
        seed=None,
        native_serialization_platforms=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        if not callable(call_fn):
            raise TypeError(
                f"{name}: `call_fn` must be a function, received {call_fn!r}."
            )
        if init_fn is not None and not callable(init_fn):
            raise TypeError(
                f"{name}: `init_fn` must be a function or None, received {init_fn!r}."
            )
        self.call_fn = call_fn
        self.init_fn = init_fn
        self.seed = seed
        self.params = None
        self.state = None
        self.tracked_params = self._create_variables(params, trainable=True)
        self.tracked_state = self._create_variables(state, trainable=False)
        self.call_fn_arguments = self._validate_signature(
            call_fn,
            "call_fn",
            {"params", "state", "rng", "inputs", "training"},
            {"inputs"},
        )
        self.call_fn_has_params = "params" in self.call_fn_arguments
        self.call_fn_has_state = "state" in self.call_fn_arguments
        self.seed_generator = None
        if "rng" in self.call_fn_arguments:
            self.seed_generator = random.SeedGenerator(seed)
        if (
            init_fn is None
            and params is None
            and state is None
            and (self.call_fn_has_params or self.call_fn_has_state)
        ):
            raise ValueError(
                f"{name}: `init_fn`, `params` and `state` cannot all be None when "
                "`call_fn` takes a `params` or a `state` argument. Pass the "
                "initial parameters or a function creating them."
            )
        self.init_fn_arguments = None
        if init_fn is not None:
            self.init_fn_arguments = self._validate_signature(
                init_fn, "init_fn", {"rng", "inputs", "training"}, {"inputs"}
            )
        self.jax2tf_native_serialization_platforms = native_serialization_platforms
        # Keras's TensorFlow-export functions; None on JAX, as in Keras.
        self.jax2tf_training_false_fn = None
        self.jax2tf_training_true_fn = None
        if self.params is not None or self.state is not None:
            self.built = True

    def _validate_signature(self, fn, fn_name, allowed, required):
        parameters = inspect.signature(fn).parameters
        for name in required:
            if name not in parameters:
                raise ValueError(
                    f"{type(self).__name__}: `{fn_name}` must have a `{name}` "
                    f"argument; its arguments are {list(parameters)}."
                )
        names = []
        for name in parameters:
            if name not in allowed:
                raise ValueError(
                    f"{type(self).__name__}: unsupported argument `{name}` of "
                    f"`{fn_name}`; the supported arguments are "
                    f"{', '.join(sorted(allowed))}."
                )
            names.append(name)
        return names

    def _create_variables(self, values, trainable):
        """Variables for the array leaves of `values`; returns them flat."""
        bridge = _bridge()

        def create_variable(value):
            if bridge.is_array(value) or (
                isinstance(value, bool | int | float) and not isinstance(value, str)
            ):
                if bridge.is_array(value):
                    shape, dtype = tuple(value.shape), value.dtype
                else:
                    shape, dtype = (), type(value).__name__
                    dtype = {"bool": "bool", "int": "int32"}.get(dtype, dtype)
                if _is_float(dtype):
                    dtype = None  # the layer's dtype policy
                # Keras's automatic names: variable, variable_1, ...
                count = getattr(self, "_jax_variable_count", 0)
                object.__setattr__(self, "_jax_variable_count", count + 1)
                return self.add_weight(
                    shape,
                    initializer=get_engine().convert_to_tensor(value),
                    dtype=dtype,
                    trainable=trainable,
                    name="variable" if count == 0 else f"variable_{count}",
                )
            return value

        variables = None if values is None else bridge.tree_map(create_variable, values)
        # Set without tracking the structure: the variables are tracked already.
        object.__setattr__(self, "params" if trainable else "state", variables)
        return [v for v in bridge.tree_leaves(variables) if isinstance(v, Variable)]

    def _get_init_seed(self):
        """One raw key for `init_fn`, from the global generator (as Keras);
        `_get_init_rng` overrides call it for each key they need."""
        return draw_key(None)

    def _get_call_seed(self):
        """One raw key for `call_fn`, from the layer's own `seed_generator`."""
        return self.seed_generator.next()

    def _get_init_rng(self):
        """The `rng` given to `init_fn`: one fresh raw key."""
        return self._get_init_seed()

    def _get_call_rng(self, training):
        """The `rng` given to `call_fn`: a key in training, None otherwise."""
        if training:
            return self._get_call_seed()
        return None

    def _initialize_weights(self, input_shape):
        bridge = _bridge()
        from kerasish import tree

        def create_input(shape):
            return bridge.ones(tuple(1 if d is None else d for d in shape))

        init_inputs = tree.map_shape_structure(create_input, input_shape)
        args = []
        for name in self.init_fn_arguments:
            if name == "rng":
                args.append(bridge.tree_map(bridge.to_jax_key, self._get_init_rng()))
            elif name == "inputs":
                args.append(init_inputs)
            else:
                args.append(True)
        result = self.init_fn(*args)
        if self.call_fn_has_state:
            init_params, init_state = result
        else:
            init_params, init_state = result, None
        self.tracked_params = self._create_variables(init_params, trainable=True)
        self.tracked_state = self._create_variables(init_state, trainable=False)

    def build(self, input_shape):
        if (
            self.params is None
            and self.state is None
            and (self.call_fn_has_params or self.call_fn_has_state)
        ):
            self._initialize_weights(input_shape)

    def call(self, inputs, training=False):
        bridge = _bridge()

        def value(variable):
            return variable.value if isinstance(variable, Variable) else variable

        args = []
        for name in self.call_fn_arguments:
            if name == "params":
                args.append(bridge.to_jax(bridge.tree_map(value, self.params)))
            elif name == "state":
                args.append(bridge.to_jax(bridge.tree_map(value, self.state)))
            elif name == "rng":
                args.append(
                    bridge.tree_map(bridge.to_jax_key, self._get_call_rng(training))
                )
            elif name == "inputs":
                args.append(bridge.to_jax(inputs))
            else:
                args.append(training)
        if self.call_fn_has_state:
            outputs, new_state = self.call_fn(*args)
            flat_new = bridge.tree_leaves(new_state)
            flat_vars = [
                v for v in bridge.tree_leaves(self.state) if isinstance(v, Variable)
            ]
            if len(flat_new) != len(flat_vars):
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): the state "
                    f"returned by `call_fn` has {len(flat_new)} arrays, the state "
                    f"at initialization {len(flat_vars)}; they must match."
                )
            for variable, new in zip(flat_vars, flat_new):
                variable.assign(new)
        else:
            outputs = self.call_fn(*args)
        if get_engine().name != "jax":
            outputs = bridge.to_numpy(outputs)
        return outputs

    def get_config(self):
        return {
            **super().get_config(),
            "call_fn": serialize_keras_object(self.call_fn),
            "init_fn": serialize_keras_object(self.init_fn),
            "native_serialization_platforms": (
                self.jax2tf_native_serialization_platforms
            ),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("call_fn", "init_fn"):
            value = config.get(key)
            if isinstance(value, dict):
                config[key] = deserialize_keras_object(
                    value, custom_objects=custom_objects
                )
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(**config)


def _import_flax():
    try:
        from flax import linen  # noqa: F401
        from flax.core import scope  # noqa: F401
    except ImportError:
        raise ImportError(
            "FlaxLayer requires Flax, which is not installed. Install the extra: "
            "`pip install kerasish[flax]` (or `pip install flax`)."
        ) from None
    import flax

    return flax


@register_builtin("layers")
class FlaxLayer(JaxLayer):
    """Wraps a Flax Linen module as a layer; its `params` train in `fit`.

    The module's "params" collection becomes trainable variables and its other
    collections (e.g. "batch_stats") non-trainable state, updated by each call.
    If the module's method takes a `training` argument it receives the layer's
    `training` flag; in training it also gets `rngs={"dropout": key, ...}`.

    Args:
        module: A `flax.linen.Module` instance.
        method: The method to call (a name or function); defaults to
            `__call__`.
        variables: Initial variables (`{"params": ..., ...}`) instead of
            `module.init` at build time.

    Example:
    >>> import flax.linen as nn  # doctest: +SKIP
    >>> layer = kerasish.layers.FlaxLayer(nn.Dense(4))  # doctest: +SKIP
    """

    def __init__(self, module, method=None, variables=None, **kwargs):
        flax = _import_flax()
        self.module = module
        self.method = method
        apply_mutable = flax.linen.DenyList(["params"])

        def apply_with_training(params, state, rng, inputs, training):
            return self.module.apply(
                self._params_and_state_to_variables(params, state),
                inputs,
                rngs=rng,
                method=self.method,
                mutable=apply_mutable,
                training=training,
            )

        def apply_without_training(params, state, rng, inputs):
            return self.module.apply(
                self._params_and_state_to_variables(params, state),
                inputs,
                rngs=rng,
                method=self.method,
                mutable=apply_mutable,
            )

        def init_with_training(rng, inputs, training):
            return self._variables_to_params_and_state(
                self.module.init(rng, inputs, method=self.method, training=training)
            )

        def init_without_training(rng, inputs):
            return self._variables_to_params_and_state(
                self.module.init(rng, inputs, method=self.method)
            )

        target = self.method or self.module.__call__
        if isinstance(target, str):
            target = getattr(self.module, target)
        takes_training = "training" in inspect.signature(target).parameters
        if takes_training:
            call_fn, init_fn = apply_with_training, init_with_training
        else:
            call_fn, init_fn = apply_without_training, init_without_training
        params, state = (None, None)
        if variables is not None:
            params, state = self._variables_to_params_and_state(variables)
        super().__init__(
            call_fn=call_fn, init_fn=init_fn, params=params, state=state, **kwargs
        )

    # As Keras's: `params` keeps Flax's "params" collection as its one key
    # (`layer.params["params"]["Dense_0"]["kernel"]`), `state` the others.

    def _params_and_state_to_variables(self, params, state):
        return {**(params or {}), **(state or {})}

    def _variables_to_params_and_state(self, variables):
        if variables is None:
            return None, None
        if "params" not in variables:
            return {}, dict(variables)
        state = {k: v for k, v in variables.items() if k != "params"}
        return {"params": variables["params"]}, state

    def _get_init_rng(self):
        return {"params": self._get_init_seed(), "dropout": self._get_init_seed()}

    def _get_call_rng(self, training):
        if training:
            return {"dropout": self._get_call_seed()}
        return {}

    def get_config(self):
        # Keras's: JaxLayer's config without the functions the module makes.
        config = super().get_config()
        del config["call_fn"], config["init_fn"]
        config["module"] = serialize_keras_object(self.module)
        config["method"] = (
            self.method.__name__ if callable(self.method) else self.method
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        module = config.pop("module")
        if isinstance(module, dict):
            module = deserialize_keras_object(module, custom_objects=custom_objects)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(module, **config)
