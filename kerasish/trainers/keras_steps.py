"""Keras 3's JAX-style step overrides, run by kerasish's trainer.

Keras's JAX trainer calls `train_step(self, state, data)` with
`state = (trainable_variables, non_trainable_variables, optimizer_variables,
metrics_variables)` (a flat list of every `self.metrics` variable, in order),
`data = (x, y)` / `(x, y, sample_weight)` / `x`, and expects `(logs, state)` back;
`test_step` gets `(trainable, non_trainable, metrics_variables)` and
`predict_step` `(trainable, non_trainable)` and returns `(outputs,
non_trainable)`. kerasish's trainer passes a `TrainState` and a `Batch`.
`Model.__init_subclass__` wraps a subclass's own step so that code written for
Keras runs unchanged: the wrapper converts the arguments, calls the user's step
and converts the result back. A step written against kerasish's `TrainState` /
`Batch` (it uses `state._replace`, `state.non_trainable` or `data.mask`) is left
as is.
"""

import contextlib
import contextvars
import functools

from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.trainers.steps import TrainState, note_written

_KERASISH_NAMES = frozenset({"_replace", "non_trainable", "mask"})


def _metric_states(model, metrics_state):
    """The per-metric states of `model.metrics`, in order (`loss`, the
    compiled metrics, the per-output loss trackers, the model's own)."""
    trackers, compiled, bound = model._split_metrics(metrics_state)
    return list(trackers[:1]) + list(compiled) + list(trackers[1:]) + list(bound)


def flat_metric_variables(model, metrics_state):
    """Every metric's variable values in `metric.variables` order, concatenated:
    Keras's `metrics_variables` list."""
    flat = []
    for metric, state in zip(model.metrics, _metric_states(model, metrics_state)):
        flat += metric._from_state(state)
    return flat


def metrics_state_from_flat(model, like, flat):
    """The inverse of `flat_metric_variables`, shaped like the state `like`."""
    states, start = [], 0
    for metric, old in zip(model.metrics, _metric_states(model, like)):
        count = len(metric._from_state(old))
        states.append(metric._to_state(flat[start : start + count]))
        start += count
    trackers, compiled, _ = model._split_metrics(like)
    first = min(len(trackers), 1)
    end = first + len(compiled)
    rest = end + len(trackers) - first
    return model._join_metrics(
        states[:first] + states[end:rest], tuple(states[first:end]), states[rest:]
    )


def _attribute_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _attribute_names(const)
    return names


def is_kerasish_style(fn):
    """Whether a step override is written against kerasish's TrainState/Batch."""
    code = getattr(fn, "__code__", None)
    return code is not None and bool(_attribute_names(code) & _KERASISH_NAMES)


def _pack_targets(model, values, which):
    if values is None:
        return None
    if model._resolved_output_names is None:  # the step's own, as given
        return tree.pack_sequence_as(model._targets_structure[which], values)
    if len(values) == 1:
        return values[0]
    outputs = getattr(model, "_outputs_struct", None)
    if isinstance(outputs, dict):
        return dict(zip(model._resolved_output_names, values))
    return list(values)


_ONE_BATCH = contextvars.ContextVar("kerasish_one_batch", default=False)


@contextlib.contextmanager
def one_batch_data(model, kind):
    """Within `train_on_batch` / `test_on_batch` / `predict_on_batch`: a
    Keras-style `{kind}_step` gets its data as Keras packs it there, always
    `(x, y, sample_weight)` (`(x,)` to predict), not as `fit` packs it. Set
    only for such a step, so other models share `fit`'s compiled steps."""
    step = getattr(type(model), f"{kind}_step", None)
    token = _ONE_BATCH.set(bool(getattr(step, "_kerasish_adapted", False)))
    try:
        yield
    finally:
        _ONE_BATCH.reset(token)


def one_batch_key():
    """What the step compiler adds to its cache key inside `one_batch_data`
    (the packing is fixed when the step is traced)."""
    return ("one_batch",) if _ONE_BATCH.get() else ()


def keras_data(model, batch):
    """A `Batch` as Keras packs it: `x`, `(x,)`, `(x, y)` or `(x, y, sw)`;
    in `train_on_batch` / `test_on_batch` always `(x, y, sw)`."""
    x = batch.x
    y = _pack_targets(model, batch.y, 0)
    sample_weight = _pack_targets(model, batch.sample_weight, 1)
    if _ONE_BATCH.get():
        return (x, y, sample_weight)
    if y is None and sample_weight is None:
        return (x,) if isinstance(x, list | tuple) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _split_result(result, size, step):
    if (
        isinstance(result, tuple | list)
        and len(result) == 2
        and isinstance(result[1], tuple | list)
        and len(result[1]) == size
    ):
        return result
    raise ValueError(
        f"A Keras-style `{step}` must return `(logs, state)` with `state` a tuple "
        f"of {size} lists, as Keras's JAX trainer expects; received "
        f"{type(result).__name__}. (A step written for kerasish's TrainState "
        "returns the new TrainState instead.)"
    )


def _keep_logs(logs):
    """Hands a Keras-style step's logs to the trainer: they are what History and
    the callbacks see, as in Keras."""
    from kerasish import ops
    from kerasish.trainers.steps import current_step_context

    context = current_step_context()
    if context is None or not isinstance(logs, dict):
        return
    context.logs = {k: ops.convert_to_tensor(v) for k, v in logs.items()}


_NO_DATA = object()


def adapt_train_step(fn):
    @functools.wraps(fn)
    def train_step(self, state, data):
        # Keras's `optimizer_variables`: `[v.value for v in optimizer.variables]`.
        opt_state = state.optimizer
        as_list = opt_state is not None and self.optimizer is not None
        keras_state = (
            list(state.trainable),
            list(state.non_trainable),
            self.optimizer.state_as_list(opt_state) if as_list else opt_state,
            flat_metric_variables(self, state.metrics),
        )
        result = fn(self, keras_state, keras_data(self, data))
        if type(result) is type(state):
            return result
        logs, new = _split_result(result, 4, "train_step")
        _keep_logs(logs)
        trainable, non_trainable, optimizer, metrics = new
        if as_list and isinstance(optimizer, list | tuple):
            optimizer = self.optimizer.state_from_list(list(optimizer), opt_state)
        return type(state)(
            list(trainable),
            list(non_trainable),
            optimizer,
            metrics_state_from_flat(self, state.metrics, list(metrics)),
        )

    train_step._kerasish_adapted = True
    return train_step


def adapt_test_step(fn):
    @functools.wraps(fn)
    def test_step(self, state, data):
        keras_state = (
            list(state.trainable),
            list(state.non_trainable),
            flat_metric_variables(self, state.metrics),
        )
        result = fn(self, keras_state, keras_data(self, data))
        if type(result) is type(state):
            return result
        logs, new = _split_result(result, 3, "test_step")
        _keep_logs(logs)
        return state._replace(
            non_trainable=list(new[1]),
            metrics=metrics_state_from_flat(self, state.metrics, list(new[2])),
        )

    test_step._kerasish_adapted = True
    return test_step


def _takes_state(fn):
    """Whether a step takes `(state, data)`, not the one `data` argument of
    Keras's TensorFlow/torch-style steps."""
    import inspect

    params = list(inspect.signature(fn).parameters.values())[1:]
    return len(params) != 1 or params[0].kind is params[0].VAR_POSITIONAL


def adapt_predict_step(fn):
    takes_state = _takes_state(fn)

    @functools.wraps(fn)
    def predict_step(self, state, data=_NO_DATA):
        if data is _NO_DATA:  # `model.predict_step(x)` called directly
            return fn(self, state)
        if not isinstance(state, TrainState):  # called directly, Keras's way
            return fn(self, state, data)
        x = data.x
        packed = (x,) if isinstance(x, list | tuple) or _ONE_BATCH.get() else x
        if not takes_state:
            # `predict_step(self, data)` (TensorFlow-style): run with the
            # model's variables reading the step's values.
            from kerasish.variables import StatelessScope

            mapping = list(zip(self.trainable_variables, state.trainable)) + list(
                zip(self.non_trainable_variables, state.non_trainable)
            )
            with StatelessScope(mapping):
                return fn(self, packed)
        keras_state = (list(state.trainable), list(state.non_trainable))
        result = fn(self, keras_state, packed)
        if (
            isinstance(result, tuple)
            and len(result) == 2
            and isinstance(result[1], list | tuple)
            and len(result[1]) == len(state.non_trainable)
        ):
            # Keras returns (outputs, non_trainable_variables)
            note_written(self, list(result[1]), state.non_trainable)
            return result[0]
        return result

    predict_step._kerasish_adapted = True
    return predict_step


ADAPTERS = {
    "train_step": adapt_train_step,
    "test_step": adapt_test_step,
    "predict_step": adapt_predict_step,
}


def _batch_from_keras(model, data):
    """Keras's `data` (`x`, `(x,)`, `(x, y)`, `(x, y, sw)`) as a kerasish `Batch`."""
    from kerasish import ops
    from kerasish.trainers.steps import Batch

    if isinstance(data, tuple) and 1 <= len(data) <= 3:
        x, y, sample_weight = (tuple(data) + (None, None))[:3]
    else:
        x, y, sample_weight = data, None, None
    names = model._output_names() or []

    def flat(value):
        if value is None:
            return None
        if isinstance(value, dict):
            return [value[name] for name in names]
        if isinstance(value, list | tuple) and len(names) > 1:
            return list(value)
        return [value]

    first = get_engine().tree_leaves(x)[0]
    return Batch(x, flat(y), flat(sample_weight), ops.ones((first.shape[0],)))


def run_base_step(model, kind, base_step, state, data):
    """The trainer's own step, called Keras-style (`super().train_step(state, data)`
    inside a Keras-style override): converts Keras's arguments to a `TrainState`
    and `Batch`, runs the built-in step and returns what Keras's would."""
    from kerasish.trainers.steps import StepContext, TrainState, step_context

    batch = _batch_from_keras(model, data)
    if kind == "predict":
        trainable, non_trainable = state
        outputs = base_step(
            model, TrainState(list(trainable), list(non_trainable), None, None), batch
        )
        return outputs, list(non_trainable)
    like = model._fresh_metrics()
    as_list = False
    if kind == "train":
        trainable, non_trainable, optimizer, metrics = state
        as_list = isinstance(optimizer, list | tuple) and model.optimizer is not None
        if as_list:
            optimizer = model.optimizer.state_from_list(list(optimizer))
    else:
        (trainable, non_trainable, metrics), optimizer = state, None
    with step_context(StepContext(batch.mask)) as context:
        new = base_step(
            model,
            TrainState(
                list(trainable),
                list(non_trainable),
                optimizer,
                metrics_state_from_flat(model, like, list(metrics)),
            ),
            batch,
        )
    logs = context.logs if context.logs is not None else model._results(new.metrics)
    flat_metrics = flat_metric_variables(model, new.metrics)
    if kind == "train":
        optimizer = new.optimizer
        if as_list:
            optimizer = model.optimizer.state_as_list(optimizer)
        return logs, (new.trainable, new.non_trainable, optimizer, flat_metrics)
    return logs, (new.trainable, new.non_trainable, flat_metrics)
