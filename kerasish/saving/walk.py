"""Every saveable of a model and its path, as Keras 3's `saving_lib` names them.

Every layer of a model gets a path the way Keras 3 names it in `model.weights.h5`:
a Sequential's or Functional's layers live in the container `layers`, each named
by its class in snake case made unique in order (`layers/dense`, `layers/dense_1`;
in `model.layers` order, which for a Functional is Keras's depth order); other
sub-layers are reached through their attribute names as Keras's `_walk_saveable`
visits them: `dir(layer)` sorted with private names last, minus every layer's own
attributes (so MultiHeadAttention's `_query_dense` is saved under its property
name `query_dense`); lists and dicts of layers become containers. The optimizer is
`optimizer`. Names are independent of the auto-generated layer names, so a model
built twice maps onto the same keys.

The walk reads only what a layer shows: `model.layers`, `_obj_type()` (as in
Keras: "Sequential", "Functional" or "Layer"), attributes and the tracked
sub-layers; it imports nothing above the layers and optimizers.
"""

from kerasish.common.naming import to_snake_case
from kerasish.layers.layer import Layer
from kerasish.optimizers.optimizer import Optimizer


def _name_key(name):
    # Keras visits private attributes last.
    return f"~{name}" if name.startswith("_") else name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def join(path, name):
    """`path/name`, or `name` at the root."""
    return f"{path}/{name}" if path else name


# Attributes a model has as a trainer that hold no sub-layers: the optimizer is
# walked on its own, the compiled loss and metrics are not layer state.
_MODEL_ATTRIBUTES = {
    "_cache",
    "_compile_loss",
    "_compile_metrics",
    "_functional",
    "_given_optimizer",
    "_loss_trackers",
    "_nodes",
    "history",
    "loss",
    "metrics",
    "metrics_names",
    "optimizer",
    "_signatures",
}
_SKIP = None


def _base_attributes():
    """Attributes every layer has (those of a bare `Layer`): not sub-layers."""
    global _SKIP
    if _SKIP is None:
        _SKIP = set(dir(Layer(name="_kerasish_saving_probe"))) | _MODEL_ATTRIBUTES
    return _SKIP


def _is_saveable(value):
    return isinstance(value, Layer | Optimizer)


def _children(obj):
    """`(attribute name, value)` pairs Keras's `_walk_saveable` visits, in order:
    a Sequential's or Functional's `layers` first, then `dir(obj)` sorted with
    private names last, minus the attributes every layer has."""
    if isinstance(obj, Optimizer):
        return
    if obj._obj_type() in ("Sequential", "Functional"):
        yield "layers", list(obj.layers)
    skip = _base_attributes()
    for name in sorted(dir(obj), key=_name_key):
        if name.startswith("__") or name in skip:
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # a property that cannot be computed: not state
            continue
        yield name, value


def _has_state(layer):
    try:
        return bool(layer.variables)
    except Exception:  # an unbuilt or unusual layer: keep it
        return True


def saveables(model, include_optimizer=True):
    """Returns `[(path, saveable), ...]`: the model, every nested layer and the
    optimizer, with the paths Keras 3's `saving_lib` gives them."""
    visited = set()
    entries = []

    def walk(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        entries.append((path, obj))
        for name, value in _children(obj):
            if _is_saveable(value):
                walk(value, join(path, name))
            elif isinstance(value, list | tuple | dict):
                container(value, join(path, name), set())
        # kerasish's extra: tracked sub-layers no attribute reaches (Keras would
        # drop their weights) are saved under `_layers`.
        if isinstance(obj, Layer):
            leftovers = [
                x
                for x in obj._tracked_layers()
                if id(x) not in visited and _has_state(x)
            ]
            if leftovers:
                container(leftovers, join(path, "_layers"), set())

    def container(items, path, seen):
        if id(items) in seen:
            return
        seen.add(id(items))
        items = list(items.values()) if isinstance(items, dict) else list(items)
        used = {}
        for item in items:
            if _is_saveable(item):
                name = _unique(to_snake_case(type(item).__name__), used)
                walk(item, join(path, name))
            elif isinstance(item, list | tuple | dict):
                container(item, join(path, _unique("container", used)), seen)

    walk(model, "")
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and _is_saveable(optimizer):
        walk(optimizer, "optimizer")
    return entries


def layer_paths(model):
    """Returns `[(path, layer), ...]` for the model and every nested layer
    (not an optimizer the model holds as an attribute)."""
    return [
        (p, x)
        for p, x in saveables(model, include_optimizer=False)
        if not isinstance(x, Optimizer)
    ]


def own_variables(layer):
    """The layer's own variables (not its sub-layers'), trainable first."""
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def own_seeds(layer):
    """The states of the layer's own random-seed generators."""
    return [g.state for g in layer._seed_generators]


def hook_overridden(obj, name):
    """Whether user code overrides hook `name`: kerasish's own layers (Layer's
    default, Dense's kernel-and-bias layout) go through the checked path."""
    method = getattr(type(obj), name, None)
    module = getattr(method, "__module__", None) or ""
    if getattr(obj, "lora_enabled", False) or (
        getattr(obj, "variable_serialization_spec", None) is not None
        and getattr(obj, "quantization_mode", None) is not None
    ):
        # LoRA and quantized layers save Keras's layout (a merged kernel, the
        # quantized variables in spec order), not their variables in order.
        return method is not None
    return method is not None and not module.startswith("kerasish.")
