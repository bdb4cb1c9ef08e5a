"""The optimizer's state in Keras 3's order (`optimizer/vars/0..n-1`).

kerasish keeps an optimizer's state as one pytree (`iterations`,
`hyperparams`, `slots`, `accumulators`, `ema`); Keras keeps a flat list of
variables: `iteration`, `learning_rate` (when it is a number, not a
schedule), the moving averages (`use_ema`), the gradient accumulators, then
the rule's slots, one variable after another (Adam: `kernel_momentum`,
`kernel_velocity`, `bias_momentum`, ...), and rule extras last (AMSGrad's
`velocity_hat`, Nadam's `u_product`). This module maps one onto the other so
either library resumes training from the other's file.

A location is a tuple of keys into the state: a field name of a named tuple,
a dict key or a list index.
"""

import numpy as np

from kerasish import ops

# Rule -> (slots interleaved per variable, slots saved list-wise after them,
# scalar slots saved last). Names are keys of `state.slots`.
_INTERLEAVED = {
    "Adam": (["momentum", "velocity"], ["velocity_hat"], []),
    "AdamW": (["momentum", "velocity"], ["velocity_hat"], []),
    "Lamb": (["momentum", "velocity"], [], []),
    "Nadam": (["momentum", "velocity"], [], ["u_product"]),
    "Adadelta": (["accumulated_grad", "accumulated_delta_var"], [], []),
    "Adamax": (["momentum", "norm"], [], []),
    "Ftrl": (["accumulator", "linear"], [], []),
    "Adafactor": (["r", "c", "velocity"], [], []),
}


def _get(obj, location):
    for key in location:
        obj = getattr(obj, key) if hasattr(obj, "_fields") else obj[key]
    return obj


def _set(obj, location, value):
    if not location:
        return value
    key, rest = location[0], location[1:]
    if hasattr(obj, "_fields"):
        return obj._replace(**{key: _set(getattr(obj, key), rest, value)})
    if isinstance(obj, dict):
        return {**obj, key: _set(obj[key], rest, value)}
    items = list(obj)
    items[key] = _set(items[key], rest, value)
    return type(obj)(items) if isinstance(obj, tuple) else items


def _has(obj, location):
    try:
        _get(obj, location)
    except (AttributeError, KeyError, IndexError, TypeError):
        return False
    return True


def _count_leaves(tree):
    if hasattr(tree, "_fields") or isinstance(tree, list | tuple):
        return sum(_count_leaves(x) for x in tree)
    if isinstance(tree, dict):
        return sum(_count_leaves(x) for x in tree.values())
    return 0 if tree is None else 1


def _rule_locations(name, slots, num_vars):
    """Locations (relative to `slots`) in Keras's order, plus derived ones."""
    if name in _INTERLEAVED:
        together, listwise, scalars = _INTERLEAVED[name]
        if not isinstance(slots, dict) or not all(k in slots for k in together):
            return None
        out = [(k, i) for i in range(num_vars) for k in together]
        out += [(k, i) for k in listwise if k in slots for i in range(num_vars)]
        out += [(k,) for k in scalars if k in slots]
        return out
    if name == "Adagrad":
        field = "sum_of_squares"
        if not _has(slots, (field,)):
            return None
        return [(field, i) for i in range(num_vars)]
    if name == "Lion":
        if not _has(slots, ("mu",)):
            return None
        return [("mu", i) for i in range(num_vars)]
    if name == "SGD":
        if isinstance(slots, list | tuple) and not hasattr(slots, "_fields"):
            return [(i,) for i in range(len(slots))]
        return None
    if name == "RMSprop":
        if not isinstance(slots, dict) or "scale" not in slots:
            return None
        scale = slots["scale"]
        out = [("scale", "nu", i) for i in range(num_vars)]
        if isinstance(slots.get("trace"), tuple) and _has(slots, ("trace", "trace")):
            out += [("trace", "trace", i) for i in range(num_vars)]
        if _has(scale, ("mu",)):
            out += [("scale", "mu", i) for i in range(num_vars)]
        return out
    return None


def _derived(name, slots):
    """Locations kerasish keeps that Keras derives: set from `iterations`."""
    if name == "Lion" and _has(slots, ("count",)):
        return [("count",)]
    return []


def keras_locations(optimizer):
    """`(locations, derived)` of the optimizer's (inner) state in Keras's order,
    or `None` when this optimizer's state has no known Keras layout."""
    state = optimizer._lr_state() if hasattr(optimizer, "_lr_state") else None
    if state is None or not hasattr(state, "_fields") or "slots" not in state._fields:
        return None
    name = type(optimizer).__name__
    num_vars = len(getattr(optimizer, "_trainable_variables", []))
    rule = _rule_locations(name, state.slots, num_vars)
    if rule is None:
        return None
    locations = [("iterations",)]
    if "learning_rate" in state.hyperparams:
        locations.append(("hyperparams", "learning_rate"))
    locations += [("ema", i) for i in range(len(state.ema or ()))]
    locations += [("accumulators", i) for i in range(len(state.accumulators or ()))]
    locations += [("slots", *loc) for loc in rule]
    derived = [("slots", *loc) for loc in _derived(name, state.slots)]
    if len(locations) + len(derived) != _count_leaves(state):
        return None
    return locations, derived


def to_keras(optimizer):
    """The optimizer's state arrays in Keras's order (kerasish's own order when
    the optimizer has no Keras layout)."""
    layout = keras_locations(optimizer)
    if layout is None:
        return [np.asarray(v) for v in optimizer.variables]
    state = optimizer._lr_state()
    arrays = [np.asarray(_get(state, loc)) for loc in layout[0]]
    arrays[0] = arrays[0].astype("int64")
    return arrays


def from_keras(optimizer, arrays):
    """Sets the optimizer's state from arrays in Keras's order.

    Returns False (and changes nothing) when their number or shapes do not fit.
    """
    layout = keras_locations(optimizer)
    if layout is None:
        current = optimizer.variables
        if len(current) != len(arrays) or any(
            tuple(np.shape(c)) != tuple(np.shape(a)) for c, a in zip(current, arrays)
        ):
            return False
        optimizer.set_state_from_variables(arrays)
        return True
    locations, derived = layout
    state = optimizer._lr_state()
    if len(arrays) != len(locations):
        return False
    for loc, array in zip(locations, arrays):
        if tuple(np.shape(_get(state, loc))) != tuple(np.shape(array)):
            return False

    def convert(old, array):
        return ops.convert_to_tensor(np.asarray(array), dtype=str(old.dtype))

    for loc, array in zip(locations, arrays):
        state = _set(state, loc, convert(_get(state, loc), array))
    for loc in derived:
        state = _set(state, loc, convert(_get(state, loc), arrays[0]))
    optimizer._set_lr_state(state)
    return True
