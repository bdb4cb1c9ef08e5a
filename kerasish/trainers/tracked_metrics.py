"""Metrics the model holds as attributes, threaded through the compiled step.

A model may keep metrics of its own (`self.loss_tracker = Mean(name="loss")` in
`__init__`) and update them with the stateful API (`update_state`) inside
`compute_loss`, `compute_metrics` or its step, as Keras's JAX trainer allows
(`keras.distillation.Distiller` does). In a compiled step the update must not
stay on the object: `MetricBinding` gives each metric its state from the
`TrainState` while the user code runs, collects the new states as data, and puts
the objects back as they were, as Keras does with a `StatelessScope` over
`metrics_variables`.
"""

from kerasish.trainers.exact_batches import is_builtin
from kerasish.variables import StatelessScope


def tracked_metrics(model, owned=()):
    """Metric objects held as attributes by `model` and its sub-layers (a nested
    model's are its own), in Keras's order, leaving out those in `owned`."""
    from kerasish.metrics.metric import Metric
    from kerasish.trainers.trainer import Trainer

    skip = {id(m) for m in owned}
    found = []
    stack = [model]
    while stack:
        layer = stack.pop(0)
        # kerasish's own layers hold no metrics: only their sub-layers (a
        # wrapper's user layer) are looked at. Reading every attribute of every
        # built-in layer was a third of `evaluate`'s fixed cost on a small model.
        if layer is model or not is_builtin(layer):
            for value in vars(layer).values():
                values = value if isinstance(value, list | tuple) else (value,)
                for m in values:
                    if isinstance(m, Metric) and id(m) not in skip:
                        skip.add(id(m))
                        found.append(m)
        stack = [
            sub for sub in getattr(layer, "_layers", ()) if not isinstance(sub, Trainer)
        ] + stack
    return found


def _own_variables(metric):
    # A Keras-style metric (`add_variable` + `update_state`) keeps its state in
    # its variables; the others keep it as one pytree in `metric.state`.
    return bool(getattr(metric, "_variables", None))


def metric_state(metric):
    """The metric object's current state, as data."""
    if _own_variables(metric):
        return tuple(v.value for v in metric.variables)
    if metric.state is None:
        return metric.init()
    return metric.state


def set_metric_state(metric, state):
    """Writes a state (data) back to the metric object."""
    if _own_variables(metric):
        for variable, value in zip(metric.variables, state):
            variable.assign(value)
    else:
        metric.state = state


class MetricBinding:
    """While active, `metrics` read and update `states` (traced values), and the
    `(variable, value)` pairs in `variables` read as those values.

    `states()` returns their states now (after any `update_state`); on exit the
    objects get their previous states back, so no traced value stays on them.
    """

    def __init__(self, metrics, states, variables=()):
        self.metrics = list(metrics)
        self.initial = list(states)
        self.variables = list(variables)
        self._scope = None
        self._saved = []

    def __enter__(self):
        pairs = list(self.variables)
        for metric, state in zip(self.metrics, self.initial):
            if _own_variables(metric):
                pairs += list(zip(metric.variables, state))
            else:
                self._saved.append((metric, metric.state))
                metric.state = state
        if pairs:
            self._scope = StatelessScope(pairs)
            self._scope.__enter__()
        return self

    def states(self):
        out = []
        for metric, old in zip(self.metrics, self.initial):
            if _own_variables(metric):
                values = (self._scope.get(v) for v in metric.variables)
                out.append(tuple(o if v is None else v for v, o in zip(values, old)))
            else:
                out.append(metric.state)
        return tuple(out)

    def __exit__(self, *exc):
        if self._scope is not None:
            self._scope.__exit__(*exc)
        for metric, state in self._saved:
            metric.state = state
        return False
