"""`MultiOptimizer` and `OptimizerMap`: different optimizers for different weights.

`OptimizerMap` picks an optimizer from a variable's path (exact key, else the one
regex key that `re.fullmatch`es it, else the default). `MultiOptimizer` splits the
weights by that choice at `build`; its step runs each inner optimizer's pipeline
on its own weights inside one compiled step, and its state holds each inner
state (`MultiOptimizerState`), so `optimizer.variables` and saved files follow
Keras's order: the multi-optimizer's `iteration` and `learning_rate`, then each
inner optimizer's variables.
"""

import re
from collections.abc import MutableMapping

import numpy as np

from kerasish.engine import get_engine
from kerasish.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


def _check_inner(optimizer, where):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{where}: expected a kerasish Optimizer, got {optimizer!r}. Use "
            "`kerasish.optimizers.get(name)` to make one from a name."
        )
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(
            f"{where}: a LossScaleOptimizer cannot be used inside a "
            "MultiOptimizer; pass its `inner_optimizer` and set "
            "`loss_scale_factor` on the MultiOptimizer."
        )
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(
            f"{where}: a MultiOptimizer cannot be used inside a MultiOptimizer; "
            "merge the two maps into one OptimizerMap."
        )


@register_builtin("optimizers")
class OptimizerMap(MutableMapping):
    """Maps variable paths (exact strings or `re.fullmatch` regexes) to optimizers.

    Args:
        default_optimizer: The `Optimizer` for variables no key matches.
        optimizer_map: Optional dict `{path or regex: Optimizer}`.

    Example:
    >>> m = OptimizerMap(kerasish.optimizers.SGD(), {"encoder/.*": Adam()})
    >>> type(m["encoder/dense/kernel"]).__name__
    'Adam'
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                "OptimizerMap: `default_optimizer` must be a kerasish Optimizer, "
                f"got {default_optimizer!r}."
            )
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                "OptimizerMap: `optimizer_map` must be a dict {path or regex: "
                f"Optimizer}}, got {type(optimizer_map).__name__}."
            )
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        """The optimizer for the variable path `key`: an exact key, else the one
        key that `re.fullmatch`es it, else `default_optimizer`."""
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(
                f"OptimizerMap: variable '{key}' matches more than one key "
                f"({matching}); make the patterns exclusive."
            )
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if not isinstance(key, str):
            raise ValueError(
                f"OptimizerMap: keys must be strings (a path or a regex), got {key!r}."
            )
        if key in self._optimizer_map:
            raise ValueError(
                f"OptimizerMap: '{key}' already maps to "
                f"{self._optimizer_map[key]!r}; keys cannot be duplicated."
            )
        _check_inner(optimizer, f"OptimizerMap['{key}']")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        return {
            "default_optimizer": serialize_keras_object(self._default_optimizer),
            "optimizer_map": serialize_keras_object(self._optimizer_map),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        default = deserialize_keras_object(
            config["default_optimizer"], "optimizers", custom_objects
        )
        mapping = {
            k: deserialize_keras_object(v, "optimizers", custom_objects)
            for k, v in (config.get("optimizer_map") or {}).items()
        }
        return cls(default, mapping)


@register_builtin("optimizers")
class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer an `OptimizerMap` (or a callable
    `variable -> Optimizer`) picks for it.

    Each inner optimizer steps its own variables with its own learning rate,
    iterations and options; `learning_rate` is not defined on the
    multi-optimizer (read it on `optimizers[i]`), as in Keras.

    Args:
        optimizer_map: An `OptimizerMap`, or a callable returning an `Optimizer`
            for a variable.
        loss_scale_factor: Float or `None`; overrides the inner optimizers'.
        name: The optimizer's name.

    Example:
    >>> opt = MultiOptimizer(OptimizerMap(SGD(), {"enc/.*": Adam()}))
    >>> [type(o).__name__ for o in opt.optimizers]
    ['Adam', 'SGD']
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise TypeError(
                "MultiOptimizer: `optimizer_map` must be an OptimizerMap or a "
                f"callable `variable -> Optimizer`, got {optimizer_map!r}."
            )
        self._inner_optimizers = []
        super().__init__(
            learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name
        )
        self._optimizer_map = optimizer_map
        self._groups = []
        inner = list(getattr(optimizer_map, "values", lambda: [])())
        default = getattr(optimizer_map, "default_optimizer", None)
        for optimizer in [*inner, default]:
            if optimizer is not None and optimizer not in self._inner_optimizers:
                self._add_inner(optimizer)

    def _add_inner(self, optimizer):
        optimizer.loss_scale_factor = self.loss_scale_factor
        optimizer._reset_pipeline()
        self._inner_optimizers.append(optimizer)

    @property
    def optimizers(self):
        """The inner optimizers, in the order their state is kept."""
        return self._inner_optimizers

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in self._inner_optimizers:
            optimizer.loss_scale_factor = value
            optimizer._reset_pipeline()

    @property
    def use_ema(self):
        """Whether any inner optimizer keeps moving averages."""
        return any(o.use_ema for o in getattr(self, "_inner_optimizers", ()))

    @use_ema.setter
    def use_ema(self, value):
        if value:
            raise ValueError(
                "MultiOptimizer: set `use_ema` on the inner optimizers, not on the "
                "MultiOptimizer."
            )

    @property
    def learning_rate(self):
        raise AttributeError(
            f"MultiOptimizer '{self.name}' has no single learning rate; read it on "
            "the inner optimizers (`optimizer.optimizers[i].learning_rate`)."
        )

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            f"MultiOptimizer '{self.name}' has no single learning rate; set it on "
            "the inner optimizers (`optimizer.optimizers[i].learning_rate = x`)."
        )

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        groups = [[] for _ in self._inner_optimizers]
        for i, variable in enumerate(variables):
            optimizer = self._optimizer_map(variable)
            _check_inner(
                optimizer,
                f"MultiOptimizer '{self.name}' (for variable "
                f"'{getattr(variable, 'path', variable)}')",
            )
            if optimizer not in self._inner_optimizers:
                self._add_inner(optimizer)
                groups.append([])
            groups[self._inner_optimizers.index(optimizer)].append(i)
        for optimizer, group in zip(self._inner_optimizers, groups):
            optimizer.build([variables[i] for i in group])
        self._groups = groups
        self._trainable_variables = variables
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self._reset_pipeline()
        self.built = True
        self.state = self.init([v.value for v in variables])

    def _make_pipeline(self):
        return get_engine().optimizers.multi_pipeline(
            [o._get_pipeline() for o in self._inner_optimizers], self._groups
        )

    @property
    def state(self):
        """A `MultiOptimizerState`; its `inner` are the inner optimizers' states."""
        if self._state is None:
            return None
        inner = tuple(o.state for o in self._inner_optimizers)
        return self._state._replace(inner=inner)

    @state.setter
    def state(self, value):
        self._state = value
        if value is not None:
            for optimizer, inner in zip(self._inner_optimizers, value.inner):
                optimizer._state = inner

    def _layout(self):
        engine = get_engine()
        rows = [(0, "iteration"), (1, "learning_rate")]
        offset = 2
        for optimizer in self._inner_optimizers:
            rows += [(offset + leaf, name) for leaf, name in optimizer._layout()]
            offset += len(engine.tree_leaves(optimizer.state))
        return rows

    def _saved_children(self):
        """`(path, optimizer)` Keras also writes below this one's own state:
        each inner optimizer's variables at `optimizers/<name>`."""
        return [(f"optimizers/{o.name}", o) for o in self._inner_optimizers]

    def _keras_arrays(self):
        state = self.state
        own = [
            np.asarray(state.iterations).astype("int64"),
            np.asarray(state.learning_rate),
        ]
        for optimizer in self._inner_optimizers:
            own += optimizer._keras_arrays()
        return own

    def finalize_variable_values(self, var_list):
        """Each inner optimizer with `use_ema` finalizes its own variables."""
        var_list = list(var_list)
        if not self.built:
            return var_list
        out = list(var_list)
        for optimizer, group in zip(self._inner_optimizers, self._groups):
            if group and optimizer.use_ema:
                sub = [var_list[i] for i in group]
                values = optimizer.finalize_variable_values(sub)
                for i, value in zip(group, values):
                    out[i] = value
        return out

    def get_config(self):
        return {
            "optimizer_map": serialize_keras_object(self._optimizer_map),
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizer_map"] = deserialize_keras_object(
            config["optimizer_map"], "optimizers", custom_objects
        )
        return cls(**config)
