"""`Functional`: a model defined by a graph of layer calls on symbolic inputs."""

import numpy as np

from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.layers.input_layer import InputLayer
from kerasish.layers.keras_mask import populate_masks
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.layers.layer import Layer
from kerasish.layers.shape_inference import shown_shape
from kerasish.layers.symbolic_call import _training_default
from kerasish.models.model import Model
from kerasish.ops._symbolic import (
    is_op_config,
    is_op_node,
    op_from_config,
    serialize_op_node,
)
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


def _producer(tensor):
    op, node_index, _ = tensor._keras_history
    return op._inbound_nodes[node_index]


@register_builtin("models")
class Functional(Model):
    """A model built from `Input`s and layer calls: `Model(inputs, outputs)`.

    Args:
        inputs: An input KerasTensor, or a list or dict of them.
        outputs: An output KerasTensor, or a list or dict of them.
        name: The model's name (defaults to "functional", "functional_1", ...).

    Example:
    >>> inputs = kerasish.Input((3,))
    >>> model = kerasish.Model(inputs, kerasish.layers.Dense(2)(inputs))
    >>> model.count_params()
    8
    """

    def __new__(cls, *args, **kwargs):
        # As Keras: the class's signature reads `(*args, **kwargs)`.
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, inputs, outputs, name=None, **kwargs):
        Layer.__init__(self, name=name or _functional_name(type(self)), **kwargs)
        from kerasish.trainers.trainer import Trainer

        Trainer.__init__(self)
        flat_inputs = tree.flatten(inputs)
        flat_outputs = tree.flatten(outputs)
        for i, x in enumerate(flat_inputs):
            if not isinstance(x, KerasTensor):
                raise TypeError(
                    f"Model inputs must be symbolic tensors made by `keras.Input`; "
                    f"input {i} is {type(x).__name__} ({_short(x)}). Create it with "
                    "`keras.Input(shape=...)`."
                )
        for i, x in enumerate(flat_outputs):
            if not isinstance(x, KerasTensor):
                raise TypeError(
                    f"Model outputs must be symbolic tensors produced by calling "
                    f"layers on `keras.Input`s; output {i} is {type(x).__name__} "
                    f"({_short(x)})."
                )
        if not all(_is_input_tensor(x) for x in flat_inputs):
            inputs, outputs = _clone_from_intermediate(inputs, outputs)
            flat_inputs = tree.flatten(inputs)
            flat_outputs = tree.flatten(outputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._flat_inputs = flat_inputs
        self._flat_outputs = flat_outputs
        self._nodes, layers = _walk_graph(flat_inputs, flat_outputs)
        names = [layer.name for layer in layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"The name {duplicates[0]!r} is used "
                f"{names.count(duplicates[0])} times "
                "in the model. All layer names in a model must be unique; pass "
                "distinct `name=` arguments."
            )
        self._tracking = False
        self._layers = layers
        self._tracking = True
        self.built = True
        with self._build_scope():  # built where it is made (Keras's path)
            pass
        self.input_names = [x.name for x in flat_inputs]

    # -- structure -------------------------------------------------------------
    def _obj_type(self):
        return "Functional"  # saving walks `self.layers` first, as Keras's

    @property
    def layers(self):
        """The model's layers in Keras's order (op nodes such as `x + y` excluded)."""
        return [layer for layer in self._layers if not is_op_node(layer)]

    @property
    def operations(self):
        """Every operation of the graph (layers and op nodes), in Keras's order."""
        return list(self._layers)

    @property
    def inputs(self):
        return list(self._flat_inputs)

    @property
    def outputs(self):
        return list(self._flat_outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def output_shape(self):
        # Keras's: the outputs' shapes as a list, one output's alone.
        return _unpack_singleton([t.shape for t in self._flat_outputs])

    @property
    def output_names(self):
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [x._keras_history.operation.name for x in self._flat_outputs]

    def _nodes_by_depth(self):
        depth = {}
        for node in reversed(self._nodes):
            d = depth.get(id(node), 0)
            depth[id(node)] = d
            for parent in node.parent_nodes:
                depth[id(parent)] = max(depth.get(id(parent), 0), d + 1)
        groups = {}
        for node in self._nodes:
            groups.setdefault(depth[id(node)], []).append(node)
        return [groups[d] for d in sorted(groups, reverse=True)]

    # -- running ---------------------------------------------------------------
    @property
    def _input_cast_dtype(self):
        return None  # each input is cast to its Input's dtype (Keras's)

    def _standardize_inputs(self, inputs):
        engine = get_engine()
        if isinstance(inputs, dict) and not isinstance(self._inputs_struct, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {self.input_names}; "
                    f"the dict passed lacks {missing} (it has {sorted(inputs)})."
                )
            flat = [inputs[n] for n in self.input_names]
        elif isinstance(inputs, dict) and isinstance(self._inputs_struct, dict):
            # By name; entries for no input are ignored, as Keras ignores them.
            from kerasish.trainers import preflight

            inputs = preflight.model_inputs(self, inputs, what="inputs")
            flat = tree.flatten({k: inputs[k] for k in self._inputs_struct})
        else:
            if (
                isinstance(inputs, list | tuple)
                and len(inputs) == 1
                and len(self._flat_inputs) == 1
                and not isinstance(self._inputs_struct, list | tuple)
            ):
                inputs = inputs[0]
            flat = tree.flatten(inputs)
        if len(flat) != len(self._flat_inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self._flat_inputs)} input(s) "
                f"({self.input_names}), but received {len(flat)}."
            )
        out = []
        for spec, x in zip(self._flat_inputs, flat):
            if isinstance(x, KerasTensor):
                out.append(x)
                continue
            if spec.dtype == "string":
                out.append(np.asarray(x, dtype=object))  # for host-side layers
                continue
            x = engine.convert_to_tensor(x) if not engine.is_tensor(x) else x
            if str(x.dtype) != spec.dtype:
                x = x.astype(spec.dtype)
            shape = tuple(x.shape)
            expected = spec.shape
            # Keras's `_adjust_input_rank`: a trailing axis of 1 is added or
            # squeezed where the ranks differ by one (ids of shape `(n,)` into
            # `Input((1,))`).
            if len(shape) == len(expected) + 1 and shape[-1] == 1:
                x = engine.numpy.squeeze(x, axis=-1)
            elif len(shape) == len(expected) - 1 and expected[-1] == 1:
                x = engine.numpy.expand_dims(x, axis=-1)
            shape = tuple(x.shape)
            # A Sequential built from its first call's data (no `Input`) takes
            # other shapes of the same rank, as Keras's.
            relaxed = getattr(spec, "_from_data", False)
            if len(shape) != len(expected) or any(
                e is not None and s != e and not relaxed
                for s, e in zip(shape[1:], expected[1:])
            ):
                raise ValueError(
                    f"Input '{spec.name}' of model '{self.name}' is incompatible: "
                    f"expected shape {expected}, received {shown_shape(shape)}. "
                    "Reshape the data "
                    "or build the model with a matching `keras.Input(shape=...)`."
                )
            out.append(x)
        return out

    def build(self, input_shape=None):
        """A functional model is built by its graph: as Keras, this only marks it
        built (the guides call `model.build(batch)` before a JAX loop)."""
        self.built = True

    def call(self, inputs, training=None, mask=None):
        flat = self._standardize_inputs(inputs)
        values = {id(t): x for t, x in zip(self._flat_inputs, flat)}
        masks = {}
        if mask is not None:
            for t, m in zip(self._flat_inputs, tree.flatten(mask)):
                masks[id(t)] = m
        for node in self._nodes:
            layer = node.operation
            if isinstance(layer, InputLayer):
                continue
            args, kwargs = tree.map_structure(
                lambda t: values[id(t)] if isinstance(t, KerasTensor) else t,
                (node.call_args, node.call_kwargs),
            )
            if "training" in kwargs and kwargs["training"] == _training_default(
                type(layer)
            ):
                # The default `__call__` filled in and the node recorded (Keras's
                # configs hold it too): the model's own training mode decides.
                # Another value passed by the user (MC dropout) stays.
                kwargs = {k: v for k, v in kwargs.items() if k != "training"}
            first_inputs = [t for t in tree.flatten(node.call_args[:1])]
            input_masks = [
                masks.get(id(t)) if isinstance(t, KerasTensor) else None
                for t in first_inputs
            ]
            has_mask = any(m is not None for m in input_masks)
            input_mask = None
            if has_mask:
                input_mask = (
                    input_masks[0]
                    if len(input_masks) == 1
                    else tree.pack_sequence_as(node.call_args[0], input_masks)
                )
            from kerasish.layers.layer import _call_signature

            _, takes_mask, params = _call_signature(type(layer))
            # The masks of this node's tensors, by the values passed for them.
            mask_by_value = {
                id(values[id(t)]): masks[id(t)]
                for t in tree.flatten((node.call_args, node.call_kwargs))
                if isinstance(t, KerasTensor) and masks.get(id(t)) is not None
            }
            kwargs, _ = populate_masks(
                params,
                takes_mask,
                args,
                kwargs,
                input_mask,
                mask_of=lambda value, found=mask_by_value: found.get(id(value)),
            )
            outputs = layer(*args, **kwargs)
            for t, value in zip(node.output_tensors, tree.flatten(outputs)):
                values[id(t)] = value
            out_mask = None
            if has_mask or type(layer).compute_mask is not Layer.compute_mask:
                out_mask = layer.compute_mask(args[0], input_mask)
            if out_mask is not None:
                for t, m in zip(node.output_tensors, tree.flatten(out_mask)):
                    masks[id(t)] = m
        flat_outputs = [values[id(t)] for t in self._flat_outputs]
        self._last_output_masks = [masks.get(id(t)) for t in self._flat_outputs]
        return _unpack_singleton(
            tree.pack_sequence_as(self._outputs_struct, flat_outputs)
        )

    def _summary_layers(self):
        return self._layers

    # -- config ----------------------------------------------------------------
    def get_build_config(self):
        # As Keras's (its graph is built at construction; nothing to rebuild).
        return {"input_shape": None}

    def get_config(self):
        if not _functional_like_constructor(type(self)):
            # A subclass with its own `__init__` rebuilds through it, as in Keras:
            # its config is the base one (name, trainable, dtype).
            return Layer.get_config(self)
        node_keys = {}
        layer_configs = []
        for layer in self._layers:
            kept = [n for n in layer._inbound_nodes if n in self._nodes]
            for i, node in enumerate(kept):
                node_keys[id(node)] = i
        for layer in self._layers:
            inbound = []
            for node in layer._inbound_nodes:
                if node not in self._nodes or isinstance(layer, InputLayer):
                    continue
                inbound.append(
                    {
                        "args": _serialize_node_value(node.call_args, node_keys),
                        "kwargs": _serialize_node_value(node.call_kwargs, node_keys),
                    }
                )
            if is_op_node(layer):
                entry = serialize_op_node(layer)
            else:
                entry = serialize_keras_object(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = inbound
            layer_configs.append(entry)

        def ref(t):
            op, node_index, tensor_index = t._keras_history
            node = op._inbound_nodes[node_index]
            # Keras counts a nested functional model's own node (its inputs to
            # its outputs) first here, and only here: its calls start at 1.
            own = 1 if isinstance(op, Functional) else 0
            return [op.name, node_keys.get(id(node), 0) + own, tensor_index]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": tree.map_structure(ref, self._inputs_struct),
            "output_layers": tree.map_structure(ref, self._outputs_struct),
        }


def _functional_like_constructor(cls):
    import inspect

    init_args = inspect.getfullargspec(cls.__init__).args[1:]
    return init_args == inspect.getfullargspec(Functional.__init__).args[1:]


def _short(x):
    text = repr(x)
    return text if len(text) < 60 else text[:57] + "..."


def _functional_name(cls):
    """The default name: "functional" for kerasish's own classes; as in Keras, a
    user subclass's name in snake case (`class EDSRModel(keras.Model)` built from
    inputs and outputs is "edsr_model")."""
    from kerasish.common import naming

    if cls.__module__.startswith("kerasish."):
        return naming.uniquify("functional")
    return naming.uniquify(naming.to_snake_case(cls.__name__))


def _is_input_tensor(x):
    return x._keras_history is not None and isinstance(
        x._keras_history.operation, InputLayer
    )


def _clone_from_intermediate(inputs, outputs):
    """Keras's `clone_graph_nodes`: a model whose inputs are intermediate
    tensors (`Model(inputs=encoded_features, ...)` in keras.io's FeatureSpace
    guide) gets a new `Input` per such tensor, named `<tensor>CLONE`, and a new
    node for every layer call between them and the outputs (the layers and
    their weights are shared with the original graph)."""
    from kerasish.layers.input_layer import Input
    from kerasish.layers.keras_tensor import KerasHistory
    from kerasish.layers.node import Node

    mapping = {}
    for x in tree.flatten(inputs):
        if not _is_input_tensor(x):
            clone = Input(batch_shape=x.shape, dtype=x.dtype, name=f"{x.name}CLONE")
            mapping[id(x)] = clone

    def swap(value):
        if isinstance(value, KerasTensor):
            return mapping.get(id(value), value)
        return value

    seen, order = set(), []

    def visit(tensor):
        node = _producer(tensor)
        if id(tensor) in mapping or node.is_input or id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        order.append(node)

    for out in tree.flatten(outputs):
        visit(out)
    for node in order:
        layer = node.operation
        node_index = len(layer._inbound_nodes)
        copies = []
        for index, old in enumerate(node.output_tensors):
            new = KerasTensor(old.shape, old.dtype, name=old.name)
            new._keras_history = KerasHistory(layer, node_index, index)
            if getattr(old, "_keras_mask", None) is not None:
                new._keras_mask = old._keras_mask
            mapping[id(old)] = new
            copies.append(new)
        args = tree.map_structure(swap, node.call_args)
        kwargs = tree.map_structure(swap, node.call_kwargs)
        new_outputs = tree.pack_sequence_as(node.outputs, copies)
        layer._inbound_nodes.append(Node(layer, args, kwargs, new_outputs))
    return tree.map_structure(swap, inputs), tree.map_structure(swap, outputs)


def _walk_graph(flat_inputs, flat_outputs):
    """Nodes in execution order and layers in Keras's order (post-order DFS)."""
    input_ids = {id(t) for t in flat_inputs}
    visited, nodes, layers = set(), [], []

    def visit(tensor, path_output):
        node = _producer(tensor)
        if node.is_input and id(tensor) not in input_ids:
            raise ValueError(
                f"Output {path_output.name!r} is not reachable from the model's "
                f"inputs: it depends on the Input {tensor.name!r}, which is not in "
                f"`inputs` ({[t.name for t in flat_inputs]}). Add it to `inputs` or "
                "compute the output from the given inputs."
            )
        if id(node) in visited:
            return
        for parent in node.input_tensors:
            visit(parent, path_output)
        visited.add(id(node))
        nodes.append(node)
        if all(node.operation is not layer for layer in layers):
            layers.append(node.operation)

    for out in flat_outputs:
        visit(out, out)
    # Inputs that no output uses are still part of the model, first.
    for tensor in reversed(flat_inputs):
        node = _producer(tensor)
        if id(node) not in visited:
            nodes.insert(0, node)
            layers.insert(0, node.operation)
    return nodes, _order_by_depth(nodes, layers)


def _order_by_depth(nodes, traversal):
    """Keras's layer order: by node depth (deepest first), ties by traversal."""
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):
        depth = max(
            node_depth.setdefault(id(node), 0), layer_depth.get(id(node.operation), 0)
        )
        layer_depth[id(node.operation)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    index = {id(layer): i for i, layer in enumerate(traversal)}
    return sorted(
        traversal, key=lambda layer: (-layer_depth[id(layer)], index[id(layer)])
    )


def _serialize_node_value(value, node_keys):
    def convert(x):
        if isinstance(x, KerasTensor):
            op, node_index, tensor_index = x._keras_history
            node = op._inbound_nodes[node_index]
            return {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": tuple(x.shape),
                    "dtype": x.dtype,
                    "keras_history": [
                        op.name,
                        node_keys.get(id(node), 0),
                        tensor_index,
                    ],
                },
            }
        if isinstance(x, slice):
            config = {"start": x.start, "stop": x.stop, "step": x.step}
            return {"class_name": "__slice__", "config": config}
        if x is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if hasattr(x, "tolist"):
            return x.tolist()
        return x

    return tree.map_structure(convert, value)


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a functional model from `get_config()` (also Keras 3's format)."""
    # Layers are keyed by the name in the model's config, which may differ from
    # the rebuilt layer's own name when a custom `get_config` omits `name` (as
    # Keras's guides write them): the graph refers to the config's names.
    pending = []
    for entry in config["layers"]:
        if is_op_config(entry):
            layer = op_from_config(entry)
        else:
            layer = deserialize_keras_object(
                {k: v for k, v in entry.items() if k != "inbound_nodes"},
                kind="layers",
                custom_objects=custom_objects,
            )
        key = entry.get("name") or layer.name
        pending.append((key, layer, entry.get("inbound_nodes", [])))
    outputs_of = {}
    layers_by_key = {key: layer for key, layer, _ in pending}
    for key, layer, _ in pending:
        if isinstance(layer, InputLayer):
            outputs_of[(key, 0)] = layer._inbound_nodes[0].outputs
    progress = True
    remaining = [(key, layer, list(nodes)) for key, layer, nodes in pending]
    node_counts = {}
    while remaining and progress:
        progress = False
        for item in list(remaining):
            key, layer, nodes = item
            while nodes:
                node = nodes[0]
                try:
                    args, kwargs = _deserialize_node(node, outputs_of, layers_by_key)
                except KeyError:
                    break
                result = layer(*args, **kwargs)
                index = node_counts.get(key, 0)
                node_counts[key] = index + 1
                outputs_of[(key, index)] = result
                nodes.pop(0)
                progress = True
            if not nodes:
                remaining.remove(item)
    if remaining:
        raise ValueError(
            "Could not rebuild the functional model: the inbound nodes of "
            f"{[key for key, _, _ in remaining]} refer to missing layers."
        )

    def resolve(ref):
        name, node_index, tensor_index = ref
        if isinstance(layers_by_key.get(name), Functional):
            # Counted from its own node, as Keras writes it (`ref` above);
            # as Keras reads it, -1 is the last call.
            node_index = (node_index - 1) % max(node_counts.get(name, 1), 1)
        return tree.flatten(outputs_of[(name, node_index)])[tensor_index]

    def resolve_struct(refs):
        if isinstance(refs, dict):
            return {k: resolve_struct(v) for k, v in refs.items()}
        if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
            return resolve(refs)
        return [resolve_struct(r) for r in refs]

    inputs = resolve_struct(config["input_layers"])
    outputs = resolve_struct(config["output_layers"])
    model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
    # The model's own flag only, as Keras's constructor sets it: each layer's
    # config already gave it its own `trainable` (a frozen base stays frozen).
    model._trainable = bool(config.get("trainable", True))
    return model


def _deserialize_node(node, outputs_of, layers_by_key):
    """`(args, kwargs)` of one call; KeyError while a tensor it takes is not
    built yet."""
    if isinstance(node, list):
        return _deserialize_legacy_node(node, outputs_of, layers_by_key)

    def convert(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = x["config"]["keras_history"]
            return tree.flatten(outputs_of[(name, node_index)])[tensor_index]
        return x

    if isinstance(node, dict) and "args" in node:
        args = [_map_json(convert, a) for a in node["args"]]
        kwargs = {k: _map_json(convert, v) for k, v in node.get("kwargs", {}).items()}
        return args, kwargs
    raise KeyError("unsupported node format")


def _deserialize_legacy_node(node, outputs_of, layers_by_key):
    """A tf.keras 2.x node: `[[layer_name, node_index, tensor_index, kwargs],
    ...]`, one entry per input tensor; the layer takes them as one argument
    (a tensor, or a list), with the last entry's kwargs, as Keras 3 reads it."""
    tensors, kwargs = [], {}
    for ref in node:
        if not isinstance(ref, list | tuple) or len(ref) not in (3, 4):
            raise ValueError(
                f"Cannot rebuild the functional model: the inbound node entry "
                f"{ref!r} is not [layer_name, node_index, tensor_index, kwargs]."
            )
        name, node_index, tensor_index = ref[:3]
        if isinstance(layers_by_key.get(name), Functional):
            node_index -= 1  # tf.keras counted the model's own node first
        tensors.append(tree.flatten(outputs_of[(name, node_index)])[tensor_index])
        kwargs = dict(ref[3]) if len(ref) == 4 else {}
    return [_unpack_singleton(tensors)], kwargs


def _map_json(fn, value):
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return fn(value)
    if isinstance(value, dict) and value.get("class_name") == "__slice__":
        config = value.get("config") or {}
        return slice(config.get("start"), config.get("stop"), config.get("step"))
    if isinstance(value, dict) and value.get("class_name") == "__ellipsis__":
        return Ellipsis
    if isinstance(value, list | tuple):
        return [_map_json(fn, v) for v in value]
    if isinstance(value, dict):
        return {k: _map_json(fn, v) for k, v in value.items()}
    return value


def _unpack_singleton(x):
    """Keras's rule: a model built with `outputs=[y]` returns `y`, not `[y]`."""
    if isinstance(x, list | tuple) and len(x) == 1:
        return x[0]
    return x
