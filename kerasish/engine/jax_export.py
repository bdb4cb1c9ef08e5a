"""Serialized, compiled functions with `jax.export` (StableHLO), for serving.

`serialize_function(fn, arg_specs)` traces `fn` once for argument shapes in which
`None` dimensions are symbolic (all leading batch dimensions share one symbol),
and returns bytes; `deserialize_function(data)` returns a callable that runs them
without the Python code that defined `fn`.
"""

import jax
import numpy as np
from jax import export as _export


def default_platforms():
    """The platforms to lower for: this machine's, plus "cpu" to serve anywhere."""
    platform = _export.default_export_platform()
    return (platform,) if platform == "cpu" else (platform, "cpu")


def _symbolic_specs(arg_specs):
    """Turns a pytree of `(shape, dtype)` into `ShapeDtypeStruct`s.

    In each input shape, a `None` on axis 0 becomes the shared symbol `batch`;
    a `None` elsewhere gets its own symbol.
    """
    scope = _export.SymbolicScope()
    counter = [0]

    def convert(spec):
        shape, dtype = spec
        names = []
        for axis, d in enumerate(shape):
            if d is None:
                if axis == 0:
                    names.append("batch")
                else:
                    counter[0] += 1
                    names.append(f"d{counter[0]}")
            else:
                names.append(str(int(d)))
        dims = _export.symbolic_shape(", ".join(names), scope=scope) if names else ()
        return jax.ShapeDtypeStruct(tuple(dims), np.dtype(dtype))

    return jax.tree_util.tree_map(
        convert,
        arg_specs,
        is_leaf=lambda x: (
            isinstance(x, tuple) and len(x) == 2 and isinstance(x[1], str)
        ),
    )


def serialize_function(fn, arg_specs, platforms=None):
    """Exports `fn(*args)` for `arg_specs` (a tuple of pytrees of `(shape, dtype)`).

    Returns:
        `bytes` holding the serialized `jax.export.Exported`.
    """
    _require_flatbuffers()
    specs = _symbolic_specs(tuple(arg_specs))
    exported = _export.export(
        jax.jit(fn), platforms=tuple(platforms or default_platforms())
    )(*specs)
    return bytes(exported.serialize())


def _require_flatbuffers():
    try:
        import flatbuffers  # noqa: F401  (jax.export's serialization needs it)
    except ImportError as error:
        raise ImportError(
            "Exporting and loading exported models needs the `flatbuffers` package "
            "(used by jax.export). Install it with `pip install kerasish[export]` "
            "(or `pip install flatbuffers`)."
        ) from error


class DeserializedFunction:
    """A function loaded by `deserialize_function`; call it with numpy arrays."""

    def __init__(self, data):
        _require_flatbuffers()
        self._exported = _export.deserialize(bytearray(data))
        self.platforms = tuple(self._exported.platforms)

    def __call__(self, *args):
        out = self._exported.call(*args)
        return jax.tree_util.tree_map(np.asarray, out)


def deserialize_function(data):
    """Loads bytes written by `serialize_function`."""
    return DeserializedFunction(data)


def to_onnx(fn, arg_specs, input_names=None, output_names=None, opset=None):
    """`fn` as a serialized ONNX model, through jax2onnx: see `jax_onnx.to_onnx`."""
    from kerasish.engine import jax_onnx

    return jax_onnx.to_onnx(fn, arg_specs, input_names, output_names, opset)
