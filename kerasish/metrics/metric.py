"""`Metric`: a stateless core (`init` / `update` / `compute`) under Keras's API.

The trainer keeps each metric's state in the train state and calls the pure
functions inside the compiled step:

    state = metric.init()
    state = metric.update(state, y_true, y_pred, sample_weight)   # jittable
    value = metric.compute(state)

The stateful Keras API (`update_state`, `result`, `reset_state`) is built on them and
keeps the state on the object.
"""

from kerasish import ops
from kerasish.engine import get_engine
from kerasish.losses.loss import standardize_compute_dtype
from kerasish.utils.naming import to_snake_case, uniquify


class Metric:
    """Base class of metrics.

    Subclasses implement `init()`, `update(state, y_true, y_pred, sample_weight)` and
    `compute(state)`, all pure: `update` uses `ops` only, branches in Python only on
    shapes and config, and returns a new state. A metric whose state shape depends on
    the data (F1Score, R2Score, multi-label AUC) overrides `build(y_true_shape,
    y_pred_shape)` and sets `built` there.

    Args:
        name: Name of the metric (defaults to its snake-case class name).
        dtype: Dtype of the state and the result. Defaults to floatx.

    Example:
    >>> m = kerasish.metrics.Mean()
    >>> state = m.update(m.init(), np.array([1.0, 3.0]))
    >>> float(m.compute(state))
    2.0
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._dtype = standardize_compute_dtype(dtype)
        self._state = None
        self.built = True

    @property
    def dtype(self):
        return self._dtype

    # -- the stateless core -------------------------------------------------

    def build(self, y_true_shape, y_pred_shape):
        """Fixes the state's shape from the data's shapes (a no-op by default)."""
        self.built = True

    def init(self):
        """Returns the initial state: a pytree (dict) of arrays."""
        raise NotImplementedError(
            f"Metric '{self.name}' ({type(self).__name__}) must implement init()."
        )

    def update(self, state, y_true, y_pred, sample_weight=None):
        """Returns the state after accumulating one batch (pure, jittable)."""
        raise NotImplementedError(
            f"Metric '{self.name}' ({type(self).__name__}) must implement "
            "update(state, y_true, y_pred, sample_weight=None)."
        )

    def compute(self, state):
        """Returns the metric's value for `state` (pure)."""
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
        return ops.zeros(shape, dtype=self.dtype)

    # -- the stateful Keras API --------------------------------------------

    def update_state(self, *args, **kwargs):
        """Accumulates one batch into the metric's own state."""
        if not self.built:
            self._build_from_args(*args, **kwargs)
        if self._state is None:
            self._state = self.init()
        self._state = self.update(self._state, *args, **kwargs)

    def _build_from_args(self, y_true=None, y_pred=None, *args, **kwargs):
        self.build(
            ops.shape(ops.convert_to_tensor(y_true)),
            ops.shape(ops.convert_to_tensor(y_pred)),
        )

    def result(self):
        """The metric's current value."""
        if self._state is None:
            if not self.built:
                return ops.convert_to_tensor(0.0, dtype=self.dtype)
            self._state = self.init()
        return self.compute(self._state)

    def reset_state(self):
        """Clears the accumulated state."""
        self._state = self.init() if self.built else None

    @property
    def state(self):
        """The current state pytree (`None` before the first update)."""
        return self._state

    @state.setter
    def state(self, value):
        self._state = value

    @property
    def variables(self):
        """The state's arrays, as a flat list."""
        if self._state is None:
            if not self.built:
                return []
            self._state = self.init()
        return list(get_engine().tree_leaves(self._state))

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
