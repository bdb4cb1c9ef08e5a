"""`Lambda`: wraps a Python function as a layer."""

import base64
import builtins
import inspect
import marshal
import types

import numpy as np

from kerasish import serialization as safe
from kerasish import tree
from kerasish.layers.layer import Layer
from kerasish.layers.shape_inference import _shapes_to_tensors
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


@register_builtin("layers")
class Lambda(Layer):
    """Applies `function(inputs, **arguments)`.

    Saving stores a named function by name (register it to load it) and a
    Python lambda as its compiled code, as Keras does: loading refuses to run
    that unless the caller passes `safe_mode=False`.

    Args:
        function: The callable to apply.
        output_shape: Optional output shape (else inferred by tracing).
        arguments: Extra keyword arguments for `function`.

    Example:
    >>> kerasish.layers.Lambda(lambda x: x * 2)(np.ones((1, 2)))
    Array([[2., 2.]], dtype=float32)
    """

    def __init__(
        self, function, output_shape=None, mask=None, arguments=None, **kwargs
    ):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}.")
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})
        self.mask = mask  # Keras's attribute; the layer computes no mask from it
        self._takes_training = "training" in inspect.signature(function).parameters

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        """As Keras: `output_shape` (without the batch axis, or a function of
        the input shape) when given, else traced from the function."""
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = tree.flatten(input_shape)[0] if len(input_shape) else None
        return tree.map_shape_structure(
            lambda shape: (batch, *shape), self._output_shape
        )

    def compute_output_spec(self, *args, **kwargs):
        """Given an `output_shape`, the function is not traced (Keras's
        functional models take the shape as given, in the compute dtype)."""
        if self._output_shape is None:
            return super().compute_output_spec(*args, **kwargs)
        shapes = tree.map_structure(lambda t: t.shape, args[0])
        return _shapes_to_tensors(self.compute_output_shape(shapes), self.compute_dtype)

    def get_config(self):
        config = {
            **super().get_config(),
            "function": _function_config(self.function),
            "arguments": self.arguments,
        }
        if self._output_shape is not None:
            output_shape = self._output_shape
            if callable(output_shape):
                output_shape = _function_config(output_shape)
            config["output_shape"] = output_shape
        return config

    @classmethod
    def from_config(cls, config, safe_mode=None):
        config = dict(config)
        config["function"] = _function_from_config(config["function"], safe_mode)
        output_shape = config.get("output_shape")
        if isinstance(output_shape, dict):
            config["output_shape"] = _function_from_config(output_shape, safe_mode)
        elif isinstance(output_shape, list):
            config["output_shape"] = tuple(output_shape)
        config.pop("dtype", None) if isinstance(config.get("dtype"), dict) else None
        return cls(**config)


def _function_config(fn):
    """A function as Keras saves it: a Python lambda as its compiled code
    (`marshal`, base64: Keras's `func_dump`), anything else by name (it must be
    registered, or passed in `custom_objects`, to load)."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        closure = None
        if fn.__closure__:
            closure = tuple(cell.cell_contents for cell in fn.__closure__)
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        return {
            "class_name": "__lambda__",
            "config": {"code": code, "defaults": fn.__defaults__, "closure": closure},
        }
    return serialize_keras_object(fn)


def _function_from_config(config, safe_mode):
    if not (isinstance(config, dict) and config.get("class_name") == "__lambda__"):
        return deserialize_keras_object(config)
    if safe.is_safe_mode(safe_mode):
        raise ValueError(
            "Refusing to load a Lambda layer whose function is a Python lambda: "
            "running it could execute arbitrary code. If you trust the file, "
            "load it with `safe_mode=False`; better, use a named function "
            "registered with `@kerasish.saving.register_keras_serializable()`."
        )
    inner = config["config"]
    if "code" not in inner:  # a kerasish file before December 2026
        return _function_from_source(inner.get("source"))
    try:
        code = marshal.loads(base64.b64decode(inner["code"]))
    except (ValueError, TypeError, EOFError) as error:
        raise ValueError(
            "Lambda: the saved lambda's code cannot be read by this Python "
            f"({error}); it was saved by another Python version, or the file is "
            "damaged. Rebuild the layer in code instead."
        ) from error
    closure = inner.get("closure")
    if closure is not None:
        closure = tuple(_cell(value) for value in closure)
    defaults = inner.get("defaults")
    # Names a saved lambda often uses (its module's globals are not saved).
    namespace = {"__builtins__": builtins, "ops": _ops(), "np": np}
    return types.FunctionType(
        code,
        namespace,
        name=code.co_name,
        argdefs=None if defaults is None else tuple(defaults),
        closure=closure,
    )


def _cell(value):
    return (lambda: value).__closure__[0]


def _function_from_source(source):
    """Rebuilds a function from source text (the old format); only reached
    with safe_mode=False."""
    if not source:
        raise ValueError("Lambda: the saved function has no source to rebuild it from.")
    source = source.split("Lambda(", 1)[-1] if "Lambda(" in source else source
    source = source.strip().rstrip(")").rstrip(",")
    if source.startswith("lambda"):
        body = source.split("lambda", 1)[1]
        expression = "lambda" + body.split("),")[0] if ")," in body else source
        return eval(expression, {"__builtins__": __builtins__, "ops": _ops()})  # noqa: S307
    namespace = {"ops": _ops()}
    exec(source, namespace)  # noqa: S102
    functions = [v for k, v in namespace.items() if callable(v) and k != "ops"]
    return functions[-1]


def _ops():
    from kerasish import ops

    return ops
