"""`Metric`: a stateless core (`init` / `update` / `compute`) under Keras's API.

The trainer keeps each metric's state in the train state and calls the pure
functions inside the compiled step:

    state = metric.init()
    state = metric.update(state, y_true, y_pred, sample_weight)   # jittable
    value = metric.compute(state)

The stateful Keras API (`update_state`, `result`, `reset_state`) is built on them and
keeps the state on the object. A Keras-style subclass that instead creates variables
with `add_variable` and overrides `update_state` / `result` works too: its
`init` / `update` / `compute` run those methods under a `StatelessScope`.
"""

import numpy as np

from kerasish import ops
from kerasish.common.naming import to_snake_case, uniquify
from kerasish.engine import get_engine
from kerasish.losses.loss import standardize_compute_dtype
from kerasish.variables import StatelessScope, Variable, current_scope


# State keys whose Keras variable names are longer.
def _unshared(state):
    """`state` with no array in it twice (`_zeros` shares one zeros array per
    shape): what a user's step may donate, as Keras's trainer donates state."""
    engine = get_engine()
    leaves = engine.tree_leaves(state)
    if len({id(leaf) for leaf in leaves}) == len(leaves):
        return state
    if any(engine.is_tracer(leaf) for leaf in leaves):
        return state  # inside a trace: nothing is donated there
    return engine.copy_tree(state)


def _zeros(shape, dtype):
    """Zeros for a metric's fresh state. An immutable device array is made once
    per shape and dtype and shared: every `fit`/`evaluate` starts its metrics
    from zeros, and each creation costs a dispatch (~0.1 ms on CPU). A shared
    array a donating step consumed is made again; mutable (numpy) arrays are
    never shared."""
    key = (shape, str(dtype), get_engine())
    value = _ZEROS.get(key)
    if value is None or getattr(value, "is_deleted", bool)():
        value = ops.zeros(shape, dtype=dtype)
        if isinstance(value, np.ndarray) or get_engine().is_tracer(value):
            return value  # mutable, or made inside a trace
        _ZEROS[key] = value
    return value


_ZEROS = {}

_KERAS_NAMES = {
    "tp": "true_positives",
    "fp": "false_positives",
    "tn": "true_negatives",
    "fn": "false_negatives",
}


def _as_array(x):
    return x if x is None else ops.convert_to_tensor(x)


class Metric:
    """Base class of metrics.

    Subclasses implement `init()`, `update(state, y_true, y_pred, sample_weight)` and
    `compute(state)`, all pure: `update` uses `ops` only, branches in Python only on
    shapes and config, and returns a new state. A metric whose state shape depends on
    the data (F1Score, R2Score, multi-label AUC) overrides `build(y_true_shape,
    y_pred_shape)` and sets `built` there.

    Keras-style subclasses (variables from `add_variable`, `update_state` assigning
    them, `result` reading them) are supported as well.

    Args:
        dtype: Dtype of the state and the result. Defaults to floatx.
        name: Name of the metric (defaults to its snake-case class name).

    Example:
    >>> m = kerasish.metrics.Mean()
    >>> state = m.update(m.init(), np.array([1.0, 3.0]))
    >>> float(m.compute(state))
    2.0
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._dtype = standardize_compute_dtype(dtype)
        self._state = None
        self._variables = []
        self._initial_values = []
        self._compiled = None
        self.built = True

    @property
    def dtype(self):
        return self._dtype

    @property
    def _keras_style(self):
        cls = type(self)
        return (
            cls.update is Metric.update and cls.update_state is not Metric.update_state
        )

    # -- the stateless core -------------------------------------------------

    def build(self, y_true_shape, y_pred_shape):
        """Fixes the state's shape from the data's shapes (a no-op by default)."""
        self.built = True

    def init(self):
        """Returns the initial state: a pytree (dict) of arrays."""
        if self._keras_style:
            nested = [v for m in self._held_metrics() for v in m._from_state(m.init())]
            return tuple(self._initial_values) + tuple(nested)
        raise NotImplementedError(
            f"Metric '{self.name}' ({type(self).__name__}) must implement init()."
        )

    def update(self, state, y_true, y_pred, sample_weight=None):
        """Returns the state after accumulating one batch (pure, jittable)."""
        if self._keras_style:
            variables = self._keras_variables()
            with StatelessScope(zip(variables, state)) as scope:
                type(self).update_state(
                    self, y_true, y_pred, sample_weight=sample_weight
                )
            return tuple(
                scope.assigned.get(id(v), old) for v, old in zip(variables, state)
            )
        raise NotImplementedError(
            f"Metric '{self.name}' ({type(self).__name__}) must implement "
            "update(state, y_true, y_pred, sample_weight=None)."
        )

    def compute(self, state):
        """Returns the metric's value for `state` (pure)."""
        if self._keras_style:
            with StatelessScope(zip(self._keras_variables(), state)):
                return type(self).result(self)
        raise NotImplementedError(
            f"Metric '{self.name}' ({type(self).__name__}) must implement "
            "compute(state)."
        )

    def _require_built(self):
        if not self.built:
            raise ValueError(
                f"Metric '{self.name}' ({type(self).__name__}) sizes its state from "
                "the data: call metric.build(y_true_shape, y_pred_shape) before "
                "init() (kerasish.metrics.resolve does this), or call "
                "update_state(y_true, y_pred) once."
            )

    def _zeros(self, shape=()):
        return _zeros(tuple(shape), self.dtype)

    # -- Keras-style variables ---------------------------------------------

    def add_variable(
        self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None
    ):
        """Creates a state variable (Keras-style subclasses).

        Args:
            shape: The variable's shape.
            initializer: "zeros" (default), "ones", any initializer identifier, or an
                array.
            dtype: Defaults to the metric's dtype.
            aggregation: Accepted for Keras compatibility.
            name: The variable's name.
        """
        dtype = dtype or self.dtype
        if initializer is None or initializer == "zeros":
            value = ops.zeros(tuple(shape), dtype=dtype)
        elif initializer == "ones":
            value = ops.ones(tuple(shape), dtype=dtype)
        elif callable(initializer) or isinstance(initializer, str | dict):
            from kerasish import initializers

            value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        else:
            value = initializer
        variable = Variable(value, dtype=dtype, trainable=False, name=name)
        self._variables.append(variable)
        self._initial_values.append(variable.value)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape, initializer=initializer, dtype=dtype, name=name)

    # -- the stateful Keras API --------------------------------------------

    def _stateful_jit(self):
        # Built-in metrics are pure by construction: compile their stateful path.
        # User code runs eagerly, as in Keras.
        return type(self).__module__.startswith("kerasish.") and not self._keras_style

    def _compiled_fns(self):
        if self._compiled is None:
            if self._stateful_jit():
                engine = get_engine()
                self._compiled = (engine.jit(self.update), engine.jit(self.compute))
            else:
                self._compiled = (self.update, self.compute)
        return self._compiled

    def update_state(self, *args, **kwargs):
        """Accumulates one batch into the metric's own state."""
        args = [_as_array(a) for a in args]
        kwargs = {k: _as_array(v) for k, v in kwargs.items()}
        if not self.built:
            self._build_from_args(*args, **kwargs)
        if self._state is None:
            self._state = self.init()
        scoped = self._scoped_views()
        if scoped:
            # A `StatelessScope` maps this metric's variables (a Keras-style
            # JAX `train_step`): read them there and assign the new values
            # there; the metric's own state stays as it was, as in Keras.
            state = self._to_state([v.value for v in scoped])
            new = self._compiled_fns()[0](state, *args, **kwargs)
            for view, value in zip(scoped, self._from_state(new)):
                view.assign(value)
            return
        self._state = self._compiled_fns()[0](self._state, *args, **kwargs)

    def _scoped_views(self):
        """The state's variables, where the current `StatelessScope` maps one
        of them; else None."""
        scope = current_scope()
        if scope is None or self._keras_variables() is not None:
            return None
        if self._state_keys() is None:
            return None
        views = self.variables
        if any(scope.get(v) is not None for v in views):
            return views
        return None

    def _build_from_args(self, y_true=None, y_pred=None, *args, **kwargs):
        self.build(ops.shape(y_true), ops.shape(y_pred))

    def result(self):
        """The metric's current value."""
        if self._state is None:
            if not self.built:
                return ops.convert_to_tensor(0.0, dtype=self.dtype)
            self._state = self.init()
        scoped = self._scoped_views()
        if scoped:
            return self._compiled_fns()[1](self._to_state([v.value for v in scoped]))
        return self._compiled_fns()[1](self._state)

    def reset_state(self):
        """Clears the accumulated state."""
        self._state = self.init() if self.built else None
        for variable, value in zip(self._variables, self._initial_values):
            variable.assign(value)

    @property
    def state(self):
        """The current state pytree (`None` before the first update)."""
        return self._state

    @state.setter
    def state(self, value):
        self._state = value

    @property
    def variables(self):
        """The state as Keras variables (`total`, `count`, ...), in `init()`'s
        order; each is a live view of the metric's state. Keras-style metrics:
        their own variables, then those of the metrics they hold (as Keras)."""
        variables = self._keras_variables()
        if variables is not None:
            return variables
        if self._state is None:
            if not self.built:
                return []
            self._state = self.init()
        self._state = _unshared(self._state)
        keys = self._state_keys()
        if keys is None:
            return list(get_engine().tree_leaves(self._state))
        return [self._view(key) for key in keys]

    def _held_metrics(self):
        """The metrics a Keras-style metric holds as attributes (a KID metric's
        `Mean` tracker), in the order they were set."""
        held = []
        for value in self.__dict__.values():
            items = value if isinstance(value, list | tuple) else (value,)
            held += [m for m in items if isinstance(m, Metric) and m is not self]
        return held

    def _keras_variables(self):
        """A Keras-style metric's variables: its own, then those of the
        metrics it holds, as Keras lists them; None for a pure-state metric."""
        if not (self._variables or self._keras_style):
            return None
        held = [v for m in self._held_metrics() for v in m.variables]
        return list(self._variables) + held

    def _view(self, key):
        """The one `MetricVariable` of `key` (one object, so a scope's
        `state_mapping` keyed on it finds it again)."""
        views = self.__dict__.setdefault("_views", {})
        if key not in views:
            views[key] = MetricVariable(self, key)
        return views[key]

    def _state_keys(self):
        """`init()`'s keys when the state is a flat dict of arrays, else None."""
        if not self.built:
            return None
        if "_keras_state_keys" not in self.__dict__:
            try:
                state = self.init()
            except NotImplementedError:
                return None
            flat = isinstance(state, dict) and all(
                hasattr(v, "shape") and hasattr(v, "dtype") for v in state.values()
            )
            self._keras_state_keys = list(state) if flat else None
        return self._keras_state_keys

    def _keras_name(self, key):
        names = self.__dict__.get("_variable_names") or {}
        return names.get(key) or _KERAS_NAMES.get(key, key)

    def __getattr__(self, name):
        # Keras exposes the state variables as attributes (`mean.total`).
        if not name.startswith("_") and "_state" in self.__dict__:
            for key in self._state_keys() or ():
                if name == self._keras_name(key):
                    return self._view(key)
        raise AttributeError(
            f"'{type(self).__name__}' object has no attribute '{name}'"
        )

    # -- Keras's stateless API (values in the order of `variables`) -------------
    def _to_state(self, values):
        values = list(values)
        expected = self._variable_count()
        if len(values) != expected:
            raise ValueError(
                f"Metric '{self.name}': argument `metric_variables` must be a list "
                f"of tensors corresponding 1:1 to {type(self).__name__}().variables "
                f"({expected} of them). Received a list of {len(values)}."
            )
        if self._keras_variables() is not None:
            return tuple(values)
        keys = self._state_keys()
        if keys is None:
            treedef = get_engine().tree_structure(self.init())
            return get_engine().tree_unflatten(treedef, values)
        return dict(zip(keys, values))

    def _variable_count(self):
        """How many `variables` the metric has (without touching its state)."""
        variables = self._keras_variables()
        if variables is not None:
            return len(variables)
        keys = self._state_keys()
        if keys is not None:
            return len(keys)
        return len(get_engine().tree_leaves(self.init()))

    def _from_state(self, state):
        if self._keras_variables() is not None:
            return list(state)
        keys = self._state_keys()
        if keys is None:
            return list(get_engine().tree_leaves(state))
        return [state[k] for k in keys]

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """Returns the values of `variables` after accumulating one batch, from
        their values `metric_variables`; the metric itself is not changed."""
        state = self._to_state(metric_variables)
        return self._from_state(self.update(state, *args, **kwargs))

    def stateless_result(self, metric_variables):
        """The result for the variable values `metric_variables`."""
        return self.compute(self._to_state(metric_variables))

    def stateless_reset_state(self):
        """The initial values of `variables` (distinct arrays: a jitted step
        may donate them)."""
        return self._from_state(_unshared(self.init()))

    def __call__(self, *args, **kwargs):
        """`update_state(...)`, then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class MetricVariable(Variable):
    """One array of a metric's state, seen as a Keras variable (`mean.total`).

    It reads and writes `metric.state[key]`; the state itself stays data that the
    compiled step threads through.
    """

    def __init__(self, metric, key):
        self._metric = metric
        self._key = key
        self.name = metric._keras_name(key)
        self.path = f"{metric.name}/{self.name}"
        self.trainable = False
        self.regularizer = None
        self.constraint = None
        self.autocast = False

    @property
    def _value(self):
        if self._metric._state is None:
            self._metric._state = self._metric.init()
        return self._metric._state[self._key]

    @_value.setter
    def _value(self, value):
        self._metric._state = {**self._metric._state, self._key: value}
