"""An optimizer's state seen as Keras's flat list of named variables.

kerasish keeps the state as one `OptimizerState` (`kerasish.engine.optimizer_state`);
Keras keeps a list of variables: `iteration`, `learning_rate` (when it is a
number, not a schedule), the moving averages (`use_ema`), the gradient
accumulators, then the rule's slots group by group, the slots of one group
interleaved per variable (Adam: `kernel_momentum`, `kernel_velocity`,
`bias_momentum`, ..., then AMSGrad's `velocity_hat`s), a scalar slot (Nadam's
`u_product`) in its group's place. `keras_layout` maps one onto the other through
the state's declared fields and the optimizer's `_slot_groups`, so
`optimizer.variables`, `get_weights()` and the `optimizer/vars/0..n-1` of a
`.keras` file all have Keras's order.
"""

import warnings

import numpy as np

from kerasish.engine import get_engine
from kerasish.optimizers.host_scalars import StateView
from kerasish.variables import Variable


def walk(tree, path=()):
    """`(path, leaf)` pairs in the engine's flattening order (dict keys sorted,
    sequences and named tuples in order, `None` and empty containers empty)."""
    if tree is None:
        return
    if isinstance(tree, dict):
        for key in sorted(tree):
            yield from walk(tree[key], (*path, key))
    elif isinstance(tree, tuple) and hasattr(tree, "_fields"):
        for field, value in zip(tree._fields, tree):
            yield from walk(value, (*path, field))
    elif isinstance(tree, list | tuple):
        for i, value in enumerate(tree):
            yield from walk(value, (*path, i))
    else:
        yield path, tree


def _slot_rows(slots, groups, slot_names, names, bare_names):
    """`[(path in slots, name)]` of a dict of Keras slots, in Keras's order.
    A slot whose name is `""` takes its variable's own name (Adafactor's
    `add_variable(name=var.name)`)."""
    keys = [k for group in groups for k in group]
    groups = [*groups, *((k,) for k in sorted(slots) if k not in keys)]
    rows = []
    for group in groups:
        present = [k for k in group if k in slots]
        scalars = [k for k in present if not isinstance(slots[k], list)]
        lists = [k for k in present if k not in scalars]
        for i, var in enumerate(names):
            for key in lists:
                suffix = slot_names.get(key, key)
                rows.append(((key, i), f"{var}_{suffix}" if suffix else bare_names[i]))
        rows += [((key,), slot_names.get(key, key) or key) for key in scalars]
    return rows


def _raw_rows(slots, names):
    """`(path, name, variable index)` of a raw optax state's leaves."""
    for path, _ in walk(slots, ("slots",)):
        i = next((p for p in reversed(path) if isinstance(p, int)), None)
        tail = next(p for p in reversed(path) if isinstance(p, str))
        var = names[i] if i is not None and i < len(names) else None
        yield path, f"{var}_{tail}" if var else tail, float("inf") if var is None else i


def _reference_name(variable, i):
    """Keras's prefix for the slots of `variable`: its path with `/` as `_`
    (`"sequential_dense_kernel"`), else its name."""
    path = getattr(variable, "path", None)
    if path:
        return path.replace("/", "_")
    name = getattr(variable, "name", None)
    return str(name).replace("/", "_").replace(":", "_") if name else f"variable_{i}"


def keras_layout(optimizer, state):
    """`[(leaf index in tree_leaves(state), Keras name)]` in Keras's order.

    `state` is the optimizer's `OptimizerState`. A raw optax state in `slots`
    (`OptaxOptimizer`) has no Keras names: its leaves follow, named by their path.
    """
    index = {path: i for i, (path, _) in enumerate(walk(state))}
    names = [
        _reference_name(v, i) for i, v in enumerate(optimizer._trainable_variables)
    ]
    if len(index) != len(get_engine().tree_leaves(state)):
        return [(i, f"variable_{i}") for i in range(len(index))]
    slot_variables = getattr(optimizer, "_slot_variables", None)
    rows = [(("iterations",), "iteration")]
    if state.learning_rate is not None:
        rows.append((("learning_rate",), "learning_rate"))
    rows += [(("ema", i), f"{v}_average") for i, v in enumerate(names)]
    rows += [
        (("accumulators", i), f"{v}_gradient_accumulator") for i, v in enumerate(names)
    ]
    slots = state.slots
    keras_slots = isinstance(slots, dict) and all(
        len(v) == len(names) if isinstance(v, list) else not isinstance(v, dict | tuple)
        for v in slots.values()
    )
    if slot_variables and isinstance(slots, dict) and "variables" in slots:
        # A Keras subclass's slots, in the order `build` made them.
        rows += [
            (("slots", "variables", i), v.name) for i, v in enumerate(slot_variables)
        ]
    elif keras_slots:
        bare_names = [
            str(getattr(v, "name", None) or name)
            for v, name in zip(optimizer._trainable_variables, names)
        ]
        slot_rows = _slot_rows(
            slots, optimizer._slot_groups, optimizer._slot_names, names, bare_names
        )
        rows += [(("slots", *path), name) for path, name in slot_rows]
    else:
        rows += sorted(_raw_rows(slots, names), key=lambda row: row[2])
        rows = [row[:2] for row in rows]
    rows = [(index[path], name) for path, name in rows if path in index]
    if len(rows) != len(index):  # a state this layout does not know
        return [(i, f"variable_{i}") for i in range(len(index))]
    return rows


class StateVariables:
    """The `Optimizer` methods that see its state as Keras's list of variables:
    `variables`, `get_weights`/`set_weights`, saving and Keras's flat
    `stateless_apply`."""

    # Keras's order and names of the rule's slots (subclasses override). Each
    # group lists slot keys (Keras's suffixes) whose per-variable arrays Keras
    # interleaves (Adam: kernel_momentum, kernel_velocity, bias_momentum, ...);
    # groups follow one another (RMSprop: all velocities, then all momentums).
    # `_slot_names` renames a key ("" for the bare variable name).
    _slot_groups = ()
    _slot_names = {}

    @property
    def variables(self):
        """The optimizer's state as Keras variables, in Keras's order and names.

        `iteration`, `learning_rate` (not with a schedule), then per trainable
        variable the EMA averages, the gradient accumulators and the rule's slots
        (`"{variable}_momentum"`, ...). Each is a live view of one array of
        `optimizer.state`: `.value` reads it, `.assign(x)` writes it. Before
        `build`, `iteration` and `learning_rate`, as Keras lists them.
        """
        if self.state is None:
            lr = self.learning_rate
            return [self.iterations, *([lr] if isinstance(lr, Variable) else [])]
        return [OptimizerVariable(self, i, name) for i, name in self._layout()]

    def _layout(self):
        """`[(leaf index in tree_leaves(state), Keras name)]` in Keras's order."""
        return keras_layout(self, self.state)

    def _keras_arrays(self):
        """The state as Keras saves it (`optimizer/vars/0..n-1` of a `.keras` or
        `.weights.h5` file): the values of `variables`, the iteration as int32 (as
        Keras on JAX writes it)."""
        arrays = [np.asarray(v.value) for v in self.variables]
        if (self._rule_name is not None or self._is_subclassed()) and arrays:
            arrays[0] = arrays[0].astype("int32")
        return arrays

    def _load_keras_arrays(self, arrays):
        """Sets the state from `_keras_arrays`' layout; returns False (changing
        nothing) when their number or shapes do not fit."""
        current = self.variables
        if len(current) != len(arrays) or any(
            tuple(np.shape(c)) != tuple(np.shape(a)) for c, a in zip(current, arrays)
        ):
            return False
        self.set_state_from_variables(arrays)
        return True

    def set_state_from_variables(self, values):
        """Restores the state from arrays in the order of `variables`."""
        if not self.built:
            raise ValueError(
                f"Optimizer '{self.name}' is not built; call "
                "`optimizer.build(trainable_variables)` before restoring its state."
            )
        engine = get_engine()
        leaves, treedef = engine.tree_flatten(self.state)
        values = list(values)
        layout = self._layout()
        if len(values) != len(layout):
            raise ValueError(
                f"Optimizer '{self.name}' has {len(layout)} state arrays, received "
                f"{len(values)}. The saved state belongs to a different optimizer or "
                "model."
            )
        new = list(leaves)
        for i, ((leaf, name), value) in enumerate(zip(layout, values)):
            old = leaves[leaf]
            value = engine.convert_to_tensor(np.asarray(value), str(old.dtype))
            if tuple(value.shape) != tuple(old.shape):
                raise ValueError(
                    f"Optimizer '{self.name}': state array {i} has shape "
                    f"{tuple(old.shape)} ('{name}'), received {tuple(value.shape)}."
                )
            new[leaf] = value
        self.state = engine.tree_unflatten(treedef, new)

    def get_weights(self):
        """The values of `variables`, as numpy arrays."""
        return [np.asarray(v.value) for v in self.variables]

    def set_weights(self, weights):
        """Sets the state from arrays in the order of `variables` (built only)."""
        self.set_state_from_variables(weights)

    def save_own_variables(self, store):
        """Writes the state arrays into `store` under "0", "1", ... (Keras layout)."""
        for i, value in enumerate(self.variables):
            store[str(i)] = np.asarray(value)

    def load_own_variables(self, store):
        """Reads the state written by `save_own_variables`; warns on a mismatch."""
        if len(store.keys()) != len(self.variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}': it has "
                f"{len(self.variables)} state arrays, the saved one has "
                f"{len(store.keys())}.",
                stacklevel=2,
            )
            return
        self.set_state_from_variables([store[str(i)] for i in range(len(store.keys()))])

    def state_as_list(self, state):
        """`state` (a pytree like `optimizer.state`, traced or not) as Keras's
        `[v.value for v in optimizer.variables]`."""
        leaves = get_engine().tree_leaves(state)
        return [leaves[leaf] for leaf, _ in self._layout()]

    def state_from_list(self, values, like=None):
        """The inverse of `state_as_list`: a state shaped like `like` (default
        `optimizer.state`) holding `values`."""
        engine = get_engine()
        leaves, treedef = engine.tree_flatten(self.state if like is None else like)
        layout = self._layout()
        if len(values) != len(layout):
            raise ValueError(
                f"Optimizer '{self.name}' has {len(layout)} variables; received "
                f"{len(values)} values. Pass `[v.value for v in "
                "optimizer.variables]`, in that order."
            )
        leaves = list(leaves)
        for (leaf, _), value in zip(layout, values):
            leaves[leaf] = value
        return engine.tree_unflatten(treedef, leaves)

    def _apply_flat(self, values, grads, params):
        """`stateless_apply` over a flat list in `variables` order (Keras's JAX
        training loops pass `[v.value for v in optimizer.variables]`)."""
        state = self.state_from_list(values)
        new_params, new_state = self._get_pipeline().apply(state, grads, params)
        return new_params, self.state_as_list(new_state)


class OptimizerVariable(StateView):
    """One array of an optimizer's state (leaf `leaf` of `optimizer.state`),
    seen as a Keras variable."""

    def __init__(self, optimizer, leaf, name):
        def read():
            return get_engine().tree_leaves(optimizer.state)[leaf]

        def write(value):
            engine = get_engine()
            leaves, treedef = engine.tree_flatten(optimizer.state)
            leaves[leaf] = value
            optimizer.state = engine.tree_unflatten(treedef, leaves)

        super().__init__(optimizer, name, read, write)
