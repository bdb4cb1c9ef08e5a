"""Calling a layer on `KerasTensor`s: the output spec, a graph `Node`, masks.

`Layer` inherits `SymbolicCall`: on symbolic inputs `Layer.__call__` checks the
input spec, builds the layer, infers the outputs with `compute_output_spec`
(`shape_inference.py`), records a `Node` and gives the outputs their
`_keras_history` and `_keras_mask`. `input`, `output` and their shapes read the
first node, as Keras's do.
"""

import functools
import inspect

from kerasish.common import tree
from kerasish.layers.input_spec import assert_input_compatibility
from kerasish.layers.keras_mask import warn_mask_dropped
from kerasish.layers.keras_tensor import KerasHistory, KerasTensor
from kerasish.layers.node import Node
from kerasish.layers.shape_inference import (
    _shapes_to_tensors,
    _trace_mask_spec,
    _trace_output_spec,
)


@functools.cache
def _training_default(cls):
    """The default of `call`'s `training` argument (None if it has none)."""
    param = inspect.signature(cls.call).parameters.get("training")
    if param is None or param.default is inspect.Parameter.empty:
        return None
    return param.default


class SymbolicCall:
    """The symbolic half of `Layer.__call__` and the graph attributes it sets."""

    def _symbolic_call(self, args, kwargs):
        from kerasish.layers.layer import (  # layer.py imports us
            _add_layer_note,
            _call_signature,
        )

        # Keras's node keeps the keyword arguments as passed, except for a call
        # of one tensor (of the layer's input dtype; any, for a functional
        # model, whose inputs keep their own) and no keyword arguments:
        # then it keeps what `__call__` filled in, `training`'s default and the
        # input's mask (`{"training": False, "mask": None}` for an LSTM).
        fills_in = (
            not kwargs
            and len(args) == 1
            and isinstance(args[0], KerasTensor)
            and self._input_cast_dtype in (None, args[0].dtype)
        )
        kwargs, _ = self._resolve_call_kwargs({k: v for k, v in kwargs.items()})
        has_training, has_mask, _ = _call_signature(type(self))
        if fills_in and has_training and "training" not in kwargs:
            default = _training_default(type(self))
            if default is not None:
                kwargs["training"] = default
        kwargs.pop("training", None) if kwargs.get("training") is None else None
        call_kwargs = kwargs
        if (
            "mask" not in kwargs
            and has_mask
            and len(args) == 1
            and isinstance(args[0], KerasTensor)
        ):
            input_mask = getattr(args[0], "_keras_mask", None)
            # `call` sees the input's mask while the output is inferred, as in
            # Keras. The node records it only where it is a tensor of the graph
            # (a model input, or one passed on unchanged from it): a mask a
            # layer computed (Embedding, Masking) is none in kerasish's graph,
            # and the model recomputes it when it runs.
            if fills_in and (
                input_mask is None or getattr(input_mask, "_keras_history", None)
            ):
                kwargs["mask"] = input_mask
            call_kwargs = {**kwargs, "mask": input_mask}
        # The spec is checked before `build`, so a wrong rank never reaches it.
        assert_input_compatibility(
            self.input_spec, args[0], self.name, type(self).__name__
        )
        self._maybe_build(args, kwargs)
        try:
            with self._open_name_scope():
                spec = self.compute_output_spec(*args, **call_kwargs)
        except Exception as error:
            _add_layer_note(error, self)
            raise
        node_index = len(self._inbound_nodes)
        flat_spec = tree.flatten(spec)
        outputs = []
        for index, s in enumerate(flat_spec):
            out = KerasTensor(s.shape, s.dtype, name=f"{self.name}_{index}")
            out._keras_history = KerasHistory(self, node_index, index)
            outputs.append(out)
        outputs = tree.pack_sequence_as(spec, outputs)
        self._inbound_nodes.append(Node(self, args, kwargs, outputs))
        if self.supports_masking:
            self._set_symbolic_masks(args[0], kwargs.get("mask"), outputs)
        else:
            mask = call_kwargs.get("mask")
            if mask is None:
                mask = tree.map_structure(
                    lambda t: getattr(t, "_keras_mask", None), args[0]
                )
            warn_mask_dropped(self, mask)
        return self._laid_out(outputs)

    def _set_symbolic_masks(self, inputs, mask, outputs):
        """Gives symbolic outputs the `_keras_mask` (a KerasTensor) Keras gives
        them; the functional model itself recomputes masks when it runs."""
        if mask is None:
            mask = tree.map_structure(lambda t: getattr(t, "_keras_mask", None), inputs)
            if all(m is None for m in tree.flatten(mask)):
                mask = None
        from kerasish.layers.layer import Layer  # layer.py imports this module

        if type(self).compute_mask is Layer.compute_mask:
            out_mask = mask
        else:
            try:
                out_mask = _trace_mask_spec(self, inputs, mask)
            except Exception:  # noqa: BLE001 -- masks are informative here
                return
        if out_mask is None:
            return
        flat_masks = tree.flatten(out_mask)
        for tensor, m in zip(tree.flatten(outputs), flat_masks):
            if m is not None:
                # A tensor of the graph passed on as it is stays itself.
                if getattr(m, "_keras_history", None) is None:
                    m = KerasTensor(m.shape, m.dtype)
                tensor._keras_mask = m

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensors for symbolic inputs, by tracing `call` abstractly."""
        if type(self).compute_output_shape is not SymbolicCall.compute_output_shape:
            input_shapes = tree.map_structure(lambda t: t.shape, args[0])
            return _shapes_to_tensors(
                self.compute_output_shape(input_shapes), self.compute_dtype
            )
        return _trace_output_spec(self, args, kwargs)

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`; by default traced from `call`."""
        inputs = _shapes_to_tensors(input_shape, self.compute_dtype)
        spec = _trace_output_spec(self, (inputs,), {})
        return tree.map_structure(lambda t: t.shape, spec)

    @property
    def input(self):
        """The symbolic tensors of the first call, as Keras gives them: the one
        tensor, or a flat list of every tensor in the call's arguments (`[]`
        for an InputLayer, whose tensor is `.output`)."""
        return _one_or_list(self._node_attr("input_tensors", "input"))

    @property
    def output(self):
        """The first call's output tensor, or a flat list of them."""
        return _one_or_list(self._node_attr("output_tensors", "output"))

    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on symbolic inputs, so "
                f"it has no `{what}`."
            )
        return getattr(self._inbound_nodes[0], attr)

    @property
    def input_shape(self):
        return tree.map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self):
        return tree.map_structure(lambda t: t.shape, self.output)


def _one_or_list(tensors):
    return tensors[0] if len(tensors) == 1 else list(tensors)
