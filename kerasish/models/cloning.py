"""`clone_model`, `model_from_json`: new models with the structure of others."""

import json

from kerasish.common import tree
from kerasish.layers.input_layer import Input, InputLayer
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.models.functional import Functional, _functional_like_constructor
from kerasish.models.sequential import Sequential
from kerasish.serialization import (
    CustomObjectScope,
    deserialize_keras_object,
    serialize_keras_object,
)


def clone_model(
    model,
    input_tensors=None,
    clone_function=None,
    call_function=None,
    recursive=False,
    **kwargs,
):
    """Clones a Sequential or Functional model, with new layers and new weights.

    Each layer is rebuilt by `clone_function(layer)` (by default
    `layer.__class__.from_config(layer.get_config())`: same config, fresh
    weights); a layer used twice is cloned once. A subclassed model is rebuilt
    from its config.

    Args:
        model: A `Sequential`, `Functional` or subclassed model.
        input_tensors: `Input` tensors to build the clone on, with the structure
            of `model.input`; new ones by default.
        clone_function: `fn(layer) -> layer` for each non-input layer.
        call_function: `fn(layer, *args, **kwargs) -> outputs`, calling each
            cloned layer (Functional models only); `layer(*args, **kwargs)` by
            default. It may add layers around a call.
        recursive: Clone nested Sequential/Functional models with
            `clone_model` (same functions) rather than with `clone_function`.

    Returns:
        The new model; compiled like `model` if it was compiled.

    Example:
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    >>> clone = kerasish.models.clone_model(model)
    >>> clone.layers[0] is model.layers[0]
    False
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs)}")
    if clone_function is not None and not callable(clone_function):
        raise ValueError(
            "Expected `clone_function` argument to be a callable. "
            f"Received: clone_function={clone_function!r}"
        )
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models. "
                "In a Sequential model, layers aren't called at model-construction "
                "time (they're merely listed). Use `call_function` with Functional "
                f"models only. Received model of type '{type(model).__name__}'."
            )
        clone = _wrap_clone_function(clone_function, None, recursive, cache)
        return _clone_sequential(model, clone, input_tensors)
    if isinstance(model, Functional):
        clone = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_functional(model, clone, input_tensors, call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for "
            "Sequential models or Functional models. Received model of type "
            f"'{type(model).__name__}', with clone_function={clone_function} and "
            f"input_tensors={input_tensors}"
        )
    if call_function is not None:
        raise ValueError(
            "Argument `call_function` is only supported for Functional models. "
            f"Received model of type '{type(model).__name__}'."
        )
    config = serialize_keras_object(model)
    return deserialize_keras_object(
        config, kind="models", custom_objects={type(model).__name__: type(model)}
    )


def _wrap_clone_function(clone_function, call_function, recursive, cache):
    if clone_function is None:

        def clone_function(layer):
            return layer.__class__.from_config(layer.get_config())

    cache = {} if cache is None else cache

    def wrapped(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential | Functional):
            clone = clone_model(
                layer,
                clone_function=clone_function,
                call_function=None if isinstance(layer, Sequential) else call_function,
                recursive=True,
                cache=cache,
            )
        else:
            clone = clone_function(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def _check_input_tensor(tensor):
    if not isinstance(tensor, KerasTensor):
        raise ValueError(
            "All entries in `input_tensors` must be KerasTensors. Received invalid "
            f"value: {tensor!r}"
        )
    if tensor._keras_history is None or not isinstance(
        tensor._keras_history.operation, InputLayer
    ):
        raise ValueError(
            f"kerasish: `input_tensors` entries must come from `keras.Input`; "
            f"{tensor.name!r} is the output of a layer. Pass Input tensors."
        )


def _clone_sequential(model, clone_function, input_tensors):
    new_layers = [clone_function(layer) for layer in model.layers]
    first = model._layers[0] if model._layers else None
    if input_tensors is not None:
        if isinstance(input_tensors, list | tuple):
            if len(input_tensors) != 1:
                raise ValueError(
                    "Argument `input_tensors` must contain a single tensor."
                )
            input_tensors = input_tensors[0]
        _check_input_tensor(input_tensors)
        new_layers = [input_tensors._keras_history.operation] + new_layers
    elif isinstance(first, InputLayer):
        inputs = Input(
            batch_shape=first.batch_shape,
            dtype=first.dtype,
            name=first.name,
            optional=first.optional,
        )
        new_layers = [inputs._keras_history.operation] + new_layers
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    _compile_like(model, clone)
    return clone


def _clone_functional(model, clone_function, input_tensors, call_function):
    if input_tensors is not None:
        for tensor in tree.flatten(input_tensors):
            _check_input_tensor(tensor)
        if not _same_structure(input_tensors, model.input):
            raise ValueError(
                "`input_tensors` must have the same structure as model.input\n"
                f"Reference structure: {model.input}\n"
                f"Received structure: {input_tensors}"
            )
    else:
        input_tensors = tree.map_structure(
            lambda x: Input(batch_shape=x.shape, dtype=x.dtype, name=x.name),
            model.input,
        )
    values = {
        id(old): new for old, new in zip(model.inputs, tree.flatten(input_tensors))
    }
    for node in model._nodes:
        layer = node.operation
        if isinstance(layer, InputLayer):
            continue
        new_layer = clone_function(layer)
        args, call_kwargs = tree.map_structure(
            lambda t: values[id(t)] if isinstance(t, KerasTensor) else t,
            (node.call_args, node.call_kwargs),
        )
        if call_function is not None:
            outputs = call_function(new_layer, *args, **call_kwargs)
        else:
            outputs = new_layer(*args, **call_kwargs)
        for old, new in zip(node.output_tensors, tree.flatten(outputs)):
            values[id(old)] = new
    output_tensors = tree.map_structure(lambda t: values[id(t)], model.output)
    if _functional_like_constructor(type(model)):
        clone = type(model)(input_tensors, output_tensors, name=model.name)
    else:
        clone = Functional(input_tensors, output_tensors, name=model.name)
    _compile_like(model, clone)
    return clone


def _same_structure(a, b):
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and sorted(a) == sorted(b)
            and all(_same_structure(a[k], b[k]) for k in a)
        )
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return (
            isinstance(a, list | tuple)
            and isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(_same_structure(x, y) for x, y in zip(a, b))
        )
    return True


def _compile_like(model, clone):
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return
    optimizer = model.optimizer
    if hasattr(optimizer, "get_config") and hasattr(type(optimizer), "from_config"):
        try:
            optimizer = type(optimizer).from_config(optimizer.get_config())
        except (TypeError, ValueError, NotImplementedError):
            pass  # e.g. a raw optax transformation: shared, as given
    args = dict(getattr(model, "_compile_args", {}))
    clone.compile(
        optimizer=optimizer,
        run_eagerly=model.run_eagerly,
        steps_per_execution=model.steps_per_execution,
        jit_compile=getattr(model, "jit_compile", "auto"),
        **args,
    )
    # Keras's `compile_from_config` builds the optimizer's variables for a
    # built clone (its summary counts them).
    if getattr(clone, "built", False) and hasattr(clone.optimizer, "build"):
        if not getattr(clone.optimizer, "built", False):
            clone.optimizer.build(clone.trainable_variables)


def model_from_json(json_string, custom_objects=None):
    """Rebuilds a model (new weights) from `model.to_json()`'s output.

    Args:
        json_string: The JSON text of a model's config.
        custom_objects: Dict of names to custom classes or functions.

    Returns:
        The model, unbuilt weights freshly initialized.
    """
    from kerasish.saving.keras_compat import adapt_keras_config

    # JSON from Keras may carry arguments kerasish does not have, as files do.
    config = adapt_keras_config(json.loads(json_string))
    with CustomObjectScope(custom_objects or {}):
        return deserialize_keras_object(
            config, kind="models", custom_objects=custom_objects
        )
