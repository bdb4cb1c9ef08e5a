"""`Layer`: the base class of every layer and model.

A layer owns variables (made with `add_weight` in `build`), is built lazily on its
first call from the input shape, and computes in `call` with `kerasish.ops`. Called
on symbolic `KerasTensor`s it records a graph node instead of computing.
`stateless_call` runs it as a pure function of explicit variable values: that is what
the trainer compiles.

This module keeps construction, attribute tracking, weights, losses, build and the
eager call. `Layer` inherits the rest: the symbolic call and graph attributes from
`SymbolicCall` (`symbolic_call.py`, with `Node` in `node.py` and output-shape
inference in `shape_inference.py`), config and saving hooks from
`LayerSerialization` (`layer_serialization.py`), and Keras's remaining attributes
from `LayerAttributes` (`layer_attributes.py`). Masks move through a call with
`keras_mask.py`'s helpers.
"""

import contextlib
import functools
import inspect
import threading
import warnings

from kerasish import mixed_precision
from kerasish.common import naming, tree
from kerasish.distribution.distribution_lib import distribute_tensor
from kerasish.engine import get_engine
from kerasish.layers import tf_data_bridge
from kerasish.layers.input_spec import InputSpec, assert_input_compatibility
from kerasish.layers.keras_mask import (
    get_keras_mask,
    populate_masks,
    set_output_masks,
    warn_mask_dropped,
)
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer_attributes import LayerAttributes
from kerasish.layers.layer_quantization import LayerQuantization, wrap_quantize
from kerasish.layers.layer_serialization import LayerSerialization, _auto_config
from kerasish.layers.node import Node
from kerasish.layers.shape_inference import _trace_output_spec, recorded_shapes
from kerasish.layers.symbolic_call import SymbolicCall
from kerasish.layers.tracked_containers import tracked
from kerasish.random.random import SeedGenerator
from kerasish.scopes import current_distribution, current_path, name_scope
from kerasish.serialization import register_builtin
from kerasish.variables import (
    AutocastScope,
    StatelessScope,
    Variable,
    autocast_dtype,
    current_scope,
)

_CONTEXT = threading.local()
# The layer's own bookkeeping lists: kept plain.
_INTERNAL_LISTS = frozenset(
    {
        "_layers",
        "_losses",
        "_inbound_nodes",
        "_trainable_variables",
        "_non_trainable_variables",
        "_seed_generators",
    }
)


@contextlib.contextmanager
def losses_of_the_step(layer, losses):
    """While the block runs, `layer.losses` are `losses`: those its forward
    pass in the current step added (Keras's `_losses_override`), so an
    overridden `compute_loss` that reads `self.losses` sees them."""
    previous = getattr(_CONTEXT, "losses_override", None)
    _CONTEXT.losses_override = (layer, list(losses))
    try:
        yield
    finally:
        _CONTEXT.losses_override = previous


def _context():
    if not hasattr(_CONTEXT, "training"):
        _CONTEXT.training = []
        _CONTEXT.depth = 0
    return _CONTEXT


def current_training():
    """The `training` flag of the innermost layer call in progress (None
    outside one): what a layer whose `call` takes no `training` runs under."""
    ctx = _context()
    return ctx.training[-1] if ctx.training else None


@functools.cache
def _call_signature(cls):
    params = inspect.signature(cls.call).parameters
    has_var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    return (
        "training" in params or has_var_kw,
        "mask" in params,
        [n for n in params if n != "self"],
    )


def _check_positional(layer, args):
    for arg in tree.flatten(args):
        if arg is None or (hasattr(arg, "shape") and hasattr(arg, "dtype")):
            continue
        raise ValueError(
            "Only input tensors may be passed as positional arguments. The "
            f"following argument value should be passed as a keyword argument: "
            f"{arg!r} (of type {type(arg)}). Layer '{layer.name}' "
            f"({type(layer).__name__}) was called with it after its inputs; "
            "for example, write `model(x, training=True)`, not `model(x, True)`."
        )


@functools.cache
def _build_params(cls):
    params = inspect.signature(cls.build).parameters
    return [
        n
        for n, p in params.items()
        if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


class Layer(LayerSerialization, SymbolicCall, LayerAttributes, LayerQuantization):
    """The base class of layers: weights, lazy build, call, config.

    Args:
        trainable: Whether the layer's weights are updated by training.
        name: The layer's name; defaults to a unique snake-case class name.
        dtype: The dtype policy: a name ("float32", "mixed_bfloat16") or a
            `DTypePolicy`. Defaults to the global policy.
        activity_regularizer: A regularizer applied to the layer's outputs.
        autocast: Whether float inputs are cast to the compute dtype.
    """

    # `__new__` stays on `Layer` itself: `inspect.signature(Layer)` is then
    # `(*args, **kwargs)`, as Keras's.
    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # As Keras: the constructor arguments, when all are plain Python values,
        # are the config of a subclass that does not write `get_config`.
        object.__setattr__(instance, "_auto_config", _auto_config(cls, args, kwargs))
        return instance

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable=True,
        dtype=None,
        autocast=True,
        name=None,
        **kwargs,
    ):
        # Attributes a subclass set before calling `super().__init__()` (Keras
        # tracks those too: its tracker starts on the first attribute set).
        early = [k for k in self.__dict__ if not k.startswith("_")]
        object.__setattr__(self, "_tracking", False)
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_size = kwargs.pop("batch_size", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__ got unexpected keyword argument(s) "
                f"{sorted(kwargs)}. Check the spelling against the layer's signature."
            )
        if input_dim is not None:
            input_shape = (input_dim,)
        if input_shape is not None:
            warnings.warn(  # Keras's words
                "Do not pass an `input_shape`/`input_dim` argument to a layer. "
                "When using Sequential models, prefer using an `Input(shape)` "
                "object as the first layer in the model instead.",
                stacklevel=2,
            )
        self._input_shape_arg = None if input_shape is None else tuple(input_shape)
        self._batch_size_arg = batch_size
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer `name` must be a string, got {name!r}.")
        self.name = name or naming.uniquify(naming.to_snake_case(type(self).__name__))
        self.dtype_policy = mixed_precision.policy.get(dtype)
        self.autocast = autocast
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec = None
        # As Keras: a layer that overrides `compute_mask` supports masking.
        self.supports_masking = getattr(
            self, "supports_masking", type(self).compute_mask is not Layer.compute_mask
        )
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._seed_generators = []
        self._layers = []
        self._losses = []
        self._inbound_nodes = []
        self._build_shapes_dict = None
        self._parent_path = None  # the name scope path where first built or called
        self._path = None
        self._activity_regularizer = None
        if activity_regularizer is not None:
            from kerasish import regularizers

            self._activity_regularizer = regularizers.get(activity_regularizer)
        self._tracking = True
        for key in early:
            setattr(self, key, self.__dict__[key])

    # Layers Keras builds in `__init__` (`_build_at_init`: activations, pooling,
    # dropout and noise, Masking, Identity): they record no build shapes, so
    # their configs have no `build_config`, as Keras's.
    _built_at_init = False
    # As Keras: arguments after the inputs are given by keyword unless they are
    # tensors (`model(x, True)` would otherwise drop or misplace `training`).
    # Host-side preprocessing layers take Python values positionally.
    _allow_non_tensor_positional_args = False
    # Called in a `tf.data` map, a layer runs through `tf.numpy_function` (see
    # `tf_data_bridge`): marked as AutoGraph marks its own code, so TensorFlow
    # calls it as Python instead of converting kerasish and JAX to graph code.
    autograph_info__ = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])
        # `quantize` may come from a mixin (`DenseQuantization`): wrap it once.
        if not getattr(cls.quantize, "_validates_arguments", False):
            cls.quantize = wrap_quantize(cls.quantize)

    # -- attribute tracking ----------------------------------------------------
    def __setattr__(self, name, value):
        if getattr(self, "_tracking", False) and not name.startswith("__"):
            if name not in _INTERNAL_LISTS:
                value = tracked(self, value, _trackable)  # appends are tracked
            self._track(value)
        object.__setattr__(self, name, value)

    def _track(self, value):
        if isinstance(value, Layer | Variable):
            if not _is_new_state(self, value):
                return
            if self.__dict__.get("_state_locked"):
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) is already "
                    "built: building it again would create its weights a second "
                    "time. You cannot add new elements of state (variables or "
                    "sub-layers) to a layer that is already built. Build a layer "
                    "once (make a new layer for other input shapes)."
                )
        if isinstance(value, Layer):
            self._layers.append(value)
        elif isinstance(value, Variable):
            target = (
                self._trainable_variables
                if value.trainable
                else self._non_trainable_variables
            )
            target.append(value)
            if not getattr(self, "_trainable", True):
                # As Keras's `_track_variable`: a frozen layer's new weights
                # are frozen (setting `trainable = True` unfreezes them).
                value.trainable = False
        elif isinstance(value, SeedGenerator):
            if all(value is not g for g in self._seed_generators):
                self._seed_generators.append(value)
        elif isinstance(value, list | tuple):
            for item in value:
                self._track(item)
        elif isinstance(value, dict):
            for item in value.values():
                self._track(item)

    def _untrack(self, value):
        """Stops holding `value` (a layer, weight or seed generator) as state."""
        for store in (
            self._layers,
            self._trainable_variables,
            self._non_trainable_variables,
            self._seed_generators,
        ):
            store[:] = [x for x in store if x is not value]

    def __delattr__(self, name):
        # As Keras's: a deleted weight attribute is no longer a weight (a
        # deleted sub-layer stays tracked, as there).
        value = self.__dict__.get(name)
        if isinstance(value, Variable) and getattr(self, "_tracking", False):
            self._untrack(value)
        object.__delattr__(self, name)

    def _tracked_layers(self):
        """The sub-layers assigned to this layer's attributes, in that order."""
        return list(self._layers)

    def _obj_type(self):
        """The kind of object, as Keras's saving walk asks: "Layer" here."""
        return "Layer"

    def _flatten_layers(self, include_self=True, recursive=True):
        seen, out = set(), []
        stack = [self] if include_self else list(self._layers)
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack = list(layer._layers) + stack
        return out

    # -- dtype -----------------------------------------------------------------
    @property
    def dtype(self):
        """The variables' dtype (`variable_dtype` of the policy)."""
        return self.dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self.dtype_policy.variable_dtype

    # -- weights ---------------------------------------------------------------
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        overwrite_with_gradient=False,
        name=None,
    ):
        """Creates a variable owned by this layer and tracks it.

        Args:
            shape: The variable's shape (tuple of ints). Defaults to `()`.
            initializer: Initializer name, instance or callable. Defaults to
                "glorot_uniform" for float variables and "zeros" otherwise.
            dtype: Defaults to the layer's variable dtype.
            trainable: Whether the optimizer updates it.
            regularizer: Regularizer whose penalty is added to the loss.
            constraint: Projection applied after each optimizer update.
            name: The variable's name, e.g. "kernel".

        Returns:
            The new `Variable`.
        """
        from kerasish import constraints, initializers, regularizers

        shape = () if shape is None else tuple(shape)
        for d in shape:
            if d is None or (isinstance(d, int) and d < 0):
                raise ValueError(
                    f"Layer '{self.name}': cannot create weight '{name}' with shape "
                    f"{shape}; every dimension must be a known non-negative int. "
                    "Build the layer with a fully known input shape."
                )
        dtype = get_engine().standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        initializer = initializers.get(initializer)
        # The path: `<layer path>/<name>`. A plain name scope, as Keras's: a
        # weight made in `__init__` does not fix where the layer sits (its
        # sublayers still get the path of the layer that calls it).
        with name_scope(self.name, caller=self):
            variable = Variable(
                initializer,
                shape=shape,
                dtype=dtype,
                trainable=trainable,
                name=name,
                regularizer=regularizers.get(regularizer),
                constraint=constraints.get(constraint),
            )
        variable.autocast = autocast
        variable.aggregation = aggregation
        variable.overwrite_with_gradient = overwrite_with_gradient
        self._track(variable)
        return variable

    def add_variable(
        self, shape, initializer, dtype=None, trainable=True, name=None, **kw
    ):
        return self.add_weight(
            shape=shape,
            initializer=initializer,
            dtype=dtype,
            trainable=trainable,
            name=name,
            **kw,
        )

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    def _own_and_nested(self, getter):
        out, seen = [], set()
        for v in getter(self):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer._own_and_nested(getter):
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self):
        """All weights: own trainable, own non-trainable, then nested layers'."""
        return self._own_and_nested(
            lambda layer: layer._trainable_variables + layer._non_trainable_variables
        )

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def variables(self):
        """Weights plus other state (random-seed states) the layer carries."""
        return self._own_and_nested(
            lambda layer: (
                layer._trainable_variables
                + layer._non_trainable_variables
                + [g.state for g in layer._seed_generators]
            )
        )

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        if not self.trainable:
            return self.variables
        return [v for v in self.variables if not v.trainable]

    def get_weights(self):
        """Returns the weights as a list of numpy arrays, in `weights` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from a list of arrays in `get_weights()` order."""
        import numpy as np

        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects {len(own)} "
                f"weights ({', '.join(v.path for v in own) or 'none'}), but "
                f"received {len(weights)}. Pass a list in `get_weights()` order."
            )
        for variable, value in zip(own, weights):
            value = np.asarray(value)
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): weight "
                    f"'{variable.path}' has shape {variable.shape}, but the value "
                    f"given for it has shape {tuple(value.shape)}."
                )
        for variable, value in zip(own, weights):
            variable.assign(value)

    def count_params(self):
        """The number of scalars in `weights`; the layer must be built."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the "
                "layer isn't built. You can build it manually via: "
                f"`{self.name}.build(input_shape)`."
            )
        return int(sum(_prod(v.shape) for v in self.weights))

    # -- losses ----------------------------------------------------------------
    def add_loss(self, loss):
        """Adds a scalar loss (an activity penalty) computed in `call`."""
        scope = current_scope()
        if scope is not None and scope.losses is not None:
            scope.losses.append(loss)
        elif scope is None:
            self._losses.append(loss)

    @property
    def losses(self):
        """Losses from `add_loss` in the last call, plus weight regularization."""
        override = getattr(_CONTEXT, "losses_override", None)
        if override is not None and override[0] is self:
            return list(override[1])
        scope = current_scope()
        if scope is not None and scope.losses is not None:
            collected = list(scope.losses)
        else:
            collected = [
                loss for layer in self._flatten_layers() for loss in layer._losses
            ]
        return collected + self._regularization_losses()

    def _regularization_losses(self):
        return [
            v.regularizer(v.value)
            for v in self.weights
            if getattr(v, "regularizer", None) is not None
        ]

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._losses = []

    # -- build and call --------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights for inputs of `input_shape`. Override in layers."""
        self.built = True

    def call(self, *args, **kwargs):
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not implement `call`."
        )

    def __call__(self, *args, **kwargs):
        if not args:
            # The first argument of `call` given by name (`mha(query=q,
            # value=v)`), as Keras's call spec binds it.
            params = _call_signature(type(self))[2]
            if params and params[0] in kwargs:
                kwargs = dict(kwargs)
                args = (kwargs.pop(params[0]),)
        if not args:
            raise TypeError(
                f"Layer '{self.name}' ({type(self).__name__}) was called without "
                "inputs; pass them as the first positional argument."
            )
        if len(args) > 1 and not self._allow_non_tensor_positional_args:
            _check_positional(self, args[1:])
        flat = tree.flatten((args, kwargs))
        if tf_data_bridge.in_tf_function(flat):  # `tf.data` map
            return tf_data_bridge.call_in_tf_function(
                self, lambda *a, **k: self._eager_call(a, k), args, kwargs
            )
        if any(isinstance(x, KerasTensor) for x in flat):
            return self._symbolic_call(args, kwargs)
        return self._eager_call(args, kwargs)

    @property
    def _input_cast_dtype(self):
        """The dtype float inputs are cast to before `call` (Keras's
        `input_dtype`): the compute dtype; a model's own input layers decide."""
        return self.compute_dtype

    def _convert_args(self, args):
        engine = get_engine()
        compute = self._input_cast_dtype

        def convert(x):
            if isinstance(x, Variable):
                x = x.value
            if hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype"):
                if getattr(x.dtype, "kind", None) in ("O", "S", "U"):
                    return x  # strings stay on the host for host-side layers
                x = engine.convert_to_tensor(x)
                if (
                    self.autocast
                    and compute is not None
                    and "float" in str(x.dtype)
                    and "float" in str(compute)
                    and str(x.dtype) != compute
                ):
                    x = x.astype(compute)
            elif isinstance(x, float | int) and not isinstance(x, bool):
                return x
            return x

        first = tree.map_structure(convert, args[0])
        return (first, *args[1:])

    def _resolve_call_kwargs(self, kwargs):
        has_training, has_mask, _ = _call_signature(type(self))
        ctx = _context()
        training = kwargs.get("training")
        if training is None and ctx.training:
            training = ctx.training[-1]
        if has_training and training is not None:
            kwargs = {**kwargs, "training": training}
        elif not has_training:
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        if not has_mask and "mask" in kwargs and kwargs["mask"] is None:
            kwargs = {k: v for k, v in kwargs.items() if k != "mask"}
        return kwargs, training

    def _eager_call(self, args, kwargs):
        input_masks = tree.map_structure(get_keras_mask, args[0])
        args = self._convert_args(args)
        kwargs, training = self._resolve_call_kwargs(kwargs)
        _, takes_mask, params = _call_signature(type(self))
        kwargs, previous_mask = populate_masks(
            params, takes_mask, args, kwargs, input_masks
        )
        ctx = _context()
        if ctx.depth == 0 and current_scope() is None:
            self._clear_losses()
        # The spec is checked before `build`, so a wrong rank never reaches it.
        assert_input_compatibility(
            self.input_spec, args[0], self.name, type(self).__name__
        )
        self._maybe_build(args, kwargs)
        ctx.depth += 1
        ctx.training.append(training)
        try:
            call = self.call if self.quantization_mode is None else self.quantized_call
            scope = self._autocast_scope()
            with self._open_name_scope():
                if scope is not None:
                    with scope:
                        outputs = call(*args, **kwargs)
                else:
                    outputs = call(*args, **kwargs)
        except Exception as error:
            _add_layer_note(error, self)
            raise
        finally:
            ctx.depth -= 1
            ctx.training.pop()
        if self._activity_regularizer is not None:
            for out in tree.flatten(outputs):
                self.add_loss(
                    self._activity_regularizer(out) / out.shape[0]
                    if out.ndim
                    else self._activity_regularizer(out)
                )
        if self.supports_masking:
            set_output_masks(self, args[0], outputs, previous_mask)
        elif ctx.depth == 0:  # the user's own call (a layer's sublayers are its own)
            warn_mask_dropped(self, previous_mask)
        return self._laid_out(outputs)

    def _laid_out(self, outputs):
        """The outputs, laid out as the current distribution's layout map says
        for `"<layer path>/output"` (Keras's hook for activation sharding)."""
        distribution = current_distribution()
        if distribution is None:
            return outputs
        layout = distribution.get_tensor_layout(f"{self.path or self.name}/output")
        if layout is None:
            return outputs
        return tree.map_structure(lambda t: distribute_tensor(t, layout), outputs)

    def _autocast_scope(self):
        """The scope this layer's call runs in, as Keras chooses it, or None
        (the current one): a float32 layer inside a mixed-precision model
        reads its variables as float32, not as the outer layer's dtype."""
        outer = autocast_dtype()
        compute = self.compute_dtype
        if outer is not None:
            if not self.autocast or "float" not in str(compute):
                return AutocastScope(None)
            return AutocastScope(compute) if outer != compute else None
        if compute != self.variable_dtype:
            return AutocastScope(compute)
        return None

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        shapes = self._shapes_for_build(args, kwargs)
        if not self._built_at_init:
            self._build_shapes_dict = recorded_shapes(shapes)
        try:
            with self._build_scope():
                self._build_for_call(shapes, args, kwargs)
        except Exception as error:
            _add_layer_note(error, self, when="building")
            raise
        self.built = True

    def _build_for_call(self, shapes, args, kwargs):
        """Builds the layer before its first call: `build(**shapes)`.

        A layer without a `build` of its own whose output spec does not come
        from tracing `call` (its own `compute_output_shape`), called on
        symbolic inputs, first runs `call` abstractly when sub-layers are not
        built yet, as Keras's `_maybe_build` does: else they stayed unbuilt,
        their weights missing from the model.
        """
        if (
            type(self).build is Layer.build
            and _output_spec_not_traced(type(self))
            and any(not layer.built for layer in self._layers)
            and any(isinstance(t, KerasTensor) for t in tree.flatten((args, kwargs)))
        ):
            object.__setattr__(self, "built", True)  # the trace runs `call`
            try:
                _trace_output_spec(self, args, kwargs)
            except Exception as error:  # noqa: BLE001 -- Keras warns too
                warnings.warn(
                    f"Layer '{self.name}' ({type(self).__name__}) has sub-layers "
                    "that are not built, and running its `call()` on symbolic "
                    f"inputs to build them failed: {error}. Give the layer a "
                    "`build(self, input_shape)` that builds them (e.g. "
                    "`self.dense.build(input_shape)`), or their weights are "
                    "missing from the model until it is called on data.",
                    stacklevel=5,
                )
            finally:
                object.__setattr__(self, "built", False)
        self.build(**shapes)

    def _open_name_scope(self):
        """The layer's name scope (Keras's): variables created inside it, its
        own and those of layers it builds, get paths under `self.path`. Where
        the layer is first built or called fixes its parent path."""
        if self.__dict__.get("_parent_path") is None:
            object.__setattr__(self, "_parent_path", current_path())
        return name_scope(self.name, caller=self)

    @contextlib.contextmanager
    def _build_scope(self):
        """The layer's name scope, entered to build it: fixes `self.path`."""
        with self._open_name_scope():
            object.__setattr__(self, "_path", current_path())
            yield

    @property
    def path(self):
        """The layer's path (`"sequential/dense"`): its name under the layers
        it was built in. None until the layer is built."""
        return self.__dict__.get("_path")

    def _shapes_for_build(self, args, kwargs):
        params = _build_params(type(self))
        _, _, call_params = _call_signature(type(self))
        shape_of = lambda x: tree.map_structure(  # noqa: E731
            lambda t: tuple(t.shape) if hasattr(t, "shape") else None, x
        )
        if len(params) <= 1:
            name = params[0] if params else "input_shape"
            return {name: shape_of(args[0])}
        bound = dict(zip(call_params, args))
        bound.update(kwargs)
        shapes = {}
        for param in params:
            arg = param[: -len("_shape")] if param.endswith("_shape") else param
            if arg in bound and bound[arg] is not None:
                shapes[param] = shape_of(bound[arg])
        if params[0] not in shapes:
            shapes[params[0]] = shape_of(args[0])
        return shapes

    def stateless_call(
        self,
        trainable_variables,
        non_trainable_variables,
        *args,
        return_losses=False,
        **kwargs,
    ):
        """Calls the layer as a pure function of explicit variable values.

        Args:
            trainable_variables: Values for `self.trainable_variables`, in order.
            non_trainable_variables: Values for `self.non_trainable_variables`.
            *args, **kwargs: The call's arguments (`training=...`).
            return_losses: Also return the losses added during the call.

        Returns:
            `(outputs, non_trainable_variables)`, with the updated non-trainable
            values (e.g. BatchNorm statistics); plus `losses` if asked.
        """
        trainable = self.trainable_variables
        non_trainable = self.non_trainable_variables
        for given, expected, kind in (
            (trainable_variables, trainable, "trainable"),
            (non_trainable_variables, non_trainable, "non_trainable"),
        ):
            if len(given) != len(expected):
                raise ValueError(
                    f"stateless_call on '{self.name}': expected {len(expected)} "
                    f"{kind}_variables (in `layer.{kind}_variables` order), "
                    f"received {len(given)}."
                )
        mapping = list(zip(trainable, trainable_variables)) + list(
            zip(non_trainable, non_trainable_variables)
        )
        with StatelessScope(mapping, collect_losses=return_losses) as scope:
            outputs = self(*args, **kwargs)
            losses = self.losses if return_losses else None
        new_non_trainable = [
            scope.values.get(id(v), value)
            for v, value in zip(non_trainable, non_trainable_variables)
        ]
        if return_losses:
            return outputs, new_non_trainable, losses
        return outputs, new_non_trainable

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask if self.supports_masking else None

    def add_metric(self, *args, **kwargs):
        """Removed in Keras 3: raises, pointing to `compile(metrics=...)`."""
        raise NotImplementedError(
            "Layer `add_metric()` method is deprecated. Add your metric in "
            "`Model.compile(metrics=[...])`, or create metric trackers in init() or "
            "build() when subclassing the layer or model, then call "
            "`metric.update_state()` whenever necessary."
        )

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _output_spec_not_traced(cls):
    """Whether `cls` gives its output spec itself (a `compute_output_shape` or
    `compute_output_spec` of its own) rather than by tracing `call`."""
    return (
        cls.compute_output_shape is not SymbolicCall.compute_output_shape
        or cls.compute_output_spec is not SymbolicCall.compute_output_spec
    )


def _trackable(value):
    return isinstance(value, Layer | Variable | SeedGenerator)


def _is_new_state(layer, value):
    """Whether `value`, a weight or a layer, is one `layer` does not hold yet."""
    if isinstance(value, Variable):
        own = layer._trainable_variables + layer._non_trainable_variables
        return all(value is not v for v in own)
    return value is not layer and all(value is not x for x in layer._layers)


def _prod(shape):
    out = 1
    for d in shape:
        out *= int(d)
    return out


def _add_layer_note(error, layer, when="calling"):
    note = f"(Raised while {when} layer '{layer.name}' ({type(layer).__name__}).)"
    if note not in getattr(error, "__notes__", []):
        error.add_note(note)


def _wrap_build(build):
    # A `build(self)` without a shape argument (Keras calls it with none).
    takes_shapes = len(inspect.signature(build).parameters) > 1

    @functools.wraps(build)
    def wrapped(self, *args, **kwargs):
        if not takes_shapes:
            args, kwargs = (), {}
        # Keras locks a built layer's state: building it again may run (a
        # JaxLayer given its variables, a Dropout), but not add weights.
        relock = self.built and bool(
            self._trainable_variables or self._non_trainable_variables
        )
        object.__setattr__(self, "_state_locked", relock)
        try:
            with self._build_scope():
                output = build(self, *args, **kwargs)
        finally:
            object.__setattr__(self, "_state_locked", False)
        self.built = True
        if self._build_shapes_dict is None and not self._built_at_init:
            names = _build_params(type(self))
            self._build_shapes_dict = recorded_shapes(dict(zip(names, args)) | kwargs)
        return output

    return wrapped


# The base `build` too records the shapes it is given (`Flatten().build(shape)`
# then has a `build_config`, as in Keras).
Layer.build = _wrap_build(Layer.build)
register_builtin("layers")(Layer)
__all__ = ["InputSpec", "Layer", "Node"]
