"""`Lambda`: wraps a Python function as a layer."""

import inspect

from kerasish import serialization as safe
from kerasish.layers.layer import Layer
from kerasish.serialization import (
    deserialize_keras_object,
    get_registered_object,
    register_builtin,
    serialize_keras_object,
)


@register_builtin("layers")
class Lambda(Layer):
    """Applies `function(inputs, **arguments)`.

    Saving stores a registered function by name. An unregistered function or a
    lambda is stored as its source text, which loading refuses to run unless the
    caller passes `safe_mode=False`.

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

    def get_config(self):
        config = {**super().get_config(), "arguments": self.arguments}
        registered = getattr(self.function, "_registered_name", None)
        name = getattr(self.function, "__name__", "")
        if registered or (name != "<lambda>" and get_registered_object(name)):
            config["function"] = serialize_keras_object(self.function)
        else:
            try:
                source = inspect.getsource(self.function).strip()
            except (OSError, TypeError):
                source = None
            config["function"] = {
                "class_name": "__lambda__",
                "config": {"source": source, "name": name},
            }
        if self._output_shape is not None:
            config["output_shape"] = self._output_shape
        return config

    @classmethod
    def from_config(cls, config, safe_mode=None):
        config = dict(config)
        function = config.pop("function")
        if isinstance(function, dict) and function.get("class_name") == "__lambda__":
            source = function["config"].get("source")
            if safe.is_safe_mode(safe_mode):
                raise ValueError(
                    "Refusing to load a Lambda layer whose function is Python code "
                    f"({function['config'].get('name')!r}): running it could "
                    "execute arbitrary code. If you trust the file, load it with "
                    "`safe_mode=False`; better, register the function with "
                    "`@kerasish.saving.register_keras_serializable()`."
                )
            function = _function_from_source(source)
        else:
            function = deserialize_keras_object(function)
        config.pop("dtype", None) if isinstance(config.get("dtype"), dict) else None
        return cls(function=function, **config)


def _function_from_source(source):
    """Rebuilds a function from saved source; only reached with safe_mode=False."""
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
