"""The pure steps: `(state, batch) -> state`, Keras 3 JAX-style and overridable.

`Steps` is mixed into `Trainer`. What a step needs beyond its arguments (the
losses the forward pass added, the padding mask) travels in a `StepContext` that
the step opens around the code it calls, so `compute_loss` keeps Keras's signature
and nothing is hidden on the model while tracing.
"""

import contextlib
import contextvars
import functools
import inspect
from typing import Any, NamedTuple

from kerasish import ops
from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.layers.layer import losses_of_the_step
from kerasish.trainers.tracked_metrics import (
    MetricBinding,
    metric_state,
    set_metric_state,
    tracked_metrics,
)
from kerasish.variables import current_scope


class TrainState(NamedTuple):
    """Everything a step reads and writes, as one pytree."""

    trainable: list
    non_trainable: list
    optimizer: Any
    metrics: Any


class Batch(NamedTuple):
    x: Any
    y: Any  # flat list, one entry per output, or None
    sample_weight: Any  # flat list, one entry per output, or None
    mask: Any  # (batch,) float: 0 marks padding


class StepContext:
    """What one traced step knows besides its arguments.

    Attributes:
        mask: `(batch,)` float, 0 on padded rows, or None (no padding).
        losses: Losses the forward pass added (`add_loss`), read by `compute_loss`.
        loss_parts: Per-output losses `compute_loss` computed (for the logs).
        metrics: While `compute_metrics` runs: `[tracker states, compiled metric
            states]`, which the built-in `compute_metrics` advances.
        binding: While `compute_metrics` runs: the `MetricBinding` of the
            model's own metrics.
        logs: Logs the step returned (a Keras-style step, or a user's
            `compute_metrics`); None: the logs are the metrics' results.
    """

    def __init__(self, mask=None, losses=()):
        self.mask = mask
        self.losses = list(losses)
        self.loss_parts = []
        self.metrics = None
        self.binding = None
        self.logs = None
        self.written = {}


_CURRENT = contextvars.ContextVar("kerasish_step_context", default=None)


@contextlib.contextmanager
def step_context(context):
    """Makes `context` the current step's context while the block runs."""
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


def current_step_context():
    """The context of the step being traced, or None outside a step."""
    return _CURRENT.get()


def written_values(new, old):
    """The non-trainable values a step assigned: `{index: new value}` for each
    one that is not the value passed in (known at trace time: an untouched
    variable's value comes back as the same object)."""
    return {i: n for i, (n, o) in enumerate(zip(new, old)) if n is not o}


def note_written(model, new, old):
    """Records a predict step's assigned values in its context
    (`_predict_batch`), and on the model whether it assigns any: such a
    model's predict batches run one call each, as their count is then seen."""
    written = written_values(new, old)
    object.__setattr__(model, "_predict_step_writes", bool(written))
    context = current_step_context()
    if context is not None:
        context.written = written


def _unwrap_single(values):
    # A single-output model's steps get y and sample_weight unwrapped, as in Keras.
    if values is not None and len(values) == 1:
        return values[0]
    return values


def _outputs_with_loss(model, output_names):
    """Which outputs `compile(loss=...)` gives a loss (None where unknown)."""
    compile_loss = getattr(model, "_compile_loss", None)
    if compile_loss is None:
        return None
    from kerasish.trainers.compile_utils import match_outputs

    try:
        specs = match_outputs(compile_loss._spec, output_names, "loss")
    except ValueError:
        return None
    return [spec is not None for spec in specs]


def flat_targets(y, n_outputs, output_names, model=None):
    """`y` as a flat list, one entry per output (None stays None).

    As Keras's `CompileLoss`: when `loss` leaves some outputs without a loss
    (`loss=["mse", None]`), `y` may hold targets for the others only (the
    miniature GPT's `fit(x, y)` on a `[logits, features]` model)."""
    if y is None:
        return None
    if output_names is None:  # a step's own targets, as given (`first_batch`)
        return tree.flatten(y)
    if isinstance(y, dict):
        missing = [n for n in output_names if n not in y]
        if missing:
            raise ValueError(
                f"`y` is a dict without keys {missing}; the model's outputs are "
                f"{output_names}."
            )
        return [y[n] for n in output_names]
    flat = tree.flatten(y)
    with_loss = None
    if len(flat) != n_outputs and model is not None:
        with_loss = _outputs_with_loss(model, output_names)
    if with_loss is not None and len(flat) == sum(with_loss):
        targets = iter(flat)
        return [next(targets) if has else None for has in with_loss]
    if len(flat) != n_outputs:
        raise ValueError(
            f"The model has {n_outputs} output(s) ({output_names}) but `y` has "
            f"{len(flat)} array(s). Pass one target per output."
        )
    return flat


def flat_weights(sample_weight, n_outputs, output_names):
    """`sample_weight` as a flat list, one entry per output (one is repeated)."""
    if sample_weight is None:
        return None
    if output_names is None:
        return tree.flatten(sample_weight)
    if isinstance(sample_weight, dict):
        return [sample_weight.get(n) for n in output_names]
    flat = tree.flatten(sample_weight)
    if len(flat) == 1:
        return flat * n_outputs
    return flat


@functools.cache
def call_takes_training(cls):
    """Whether `cls.call` names a `training` parameter (Keras's
    `_call_has_training_arg`; `**kwargs` does not count)."""
    return "training" in inspect.signature(cls.call).parameters


def training_kwargs(model, training):
    """`{"training": training}` for a model whose `call` takes it, else `{}`:
    as Keras's trainers, which then pass nothing on, so the model's layers run
    with their own defaults (Dropout and BatchNormalization in inference mode)."""
    return {"training": training} if call_takes_training(type(model)) else {}


@functools.cache
def _takes_training(cls):
    """Whether `cls.compute_loss` has a `training` parameter."""
    return "training" in inspect.signature(cls.compute_loss).parameters


@functools.cache
def _overrides_loss_and_updates(cls):
    """Whether `cls` overrides Keras's `compute_loss_and_updates`."""
    from kerasish.trainers.stateless_api import StatelessTrainerApi

    return cls.compute_loss_and_updates is not (
        StatelessTrainerApi.compute_loss_and_updates
    )


class Steps:
    """The pure step functions mixed into `Trainer`."""

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """The total loss: compiled losses plus the model's added losses.

        Returns a scalar. Override it for a custom loss (the compiled step calls it
        inside `train_step`).
        """
        context = current_step_context()
        if context is None:
            # Called outside a step (a hand-written loop, Keras's
            # `stateless_compute_loss`): the losses are the model's own, as
            # Keras's `self.losses` (the last call's `add_loss`, regularizers).
            context = StepContext(None, self.losses)
        flat_pred = get_engine().tree_leaves(y_pred)
        total = 0.0
        if self._compile_loss is not None and y is not None:
            if not self._compile_loss.built:  # called before fit, as Keras allows
                from kerasish.trainers.first_batch import resolve_outputs

                resolve_outputs(self, flat_pred, y, for_training=False)
            names = self._resolved_output_names
            flat_y = flat_targets(y, len(flat_pred), names, self)
            flat_w = flat_weights(sample_weight, len(flat_pred), names)
            weights = flat_w or [None] * len(flat_pred)
            total, parts = self._compile_loss(flat_y, flat_pred, weights, context.mask)
            context.loss_parts = parts
        if context.losses:
            total = total + ops.sum(
                ops.stack([ops.cast(value, "float32") for value in context.losses])
            )
        return total

    def _stateless_forward(self, trainable, non_trainable, x, training):
        with self._device_part():
            y_pred, non_trainable, losses = self.stateless_call(
                trainable,
                non_trainable,
                x,
                return_losses=True,
                **training_kwargs(self, training),
            )
        return y_pred, non_trainable, losses

    def _loss_and_updates(self, trainable, state, batch, training):
        """The loss, and `(y_pred, non_trainable, loss parts, metrics state)`:
        the model's own metrics may be updated by `compute_loss`."""
        y_pred, non_trainable, losses = self._stateless_forward(
            trainable, state.non_trainable, batch.x, training
        )
        y, sw = _unwrap_single(batch.y), _unwrap_single(batch.sample_weight)
        trackers, compiled, bound = self._split_metrics(state.metrics)
        # As in Keras, `compute_loss` reads the model's variables at the step's
        # values (a weight penalty written there differentiates).
        trainable_variables, non_trainable_variables = self._variable_lists()
        variables = list(zip(trainable_variables, trainable)) + list(
            zip(non_trainable_variables, non_trainable)
        )
        with (
            MetricBinding(self._bound_metrics(), bound, variables) as binding,
            step_context(StepContext(batch.mask, losses)) as context,
            losses_of_the_step(self, losses),
        ):
            # As Keras, `training` only for an override that takes it (it came
            # in Keras 3.3; keras.io's Distiller has `allow_empty` instead).
            extra = {"training": training} if _takes_training(type(self)) else {}
            loss = self.compute_loss(batch.x, y, y_pred, sw, **extra)
            bound = binding.states()
        metrics = self._join_metrics(trackers, compiled, bound)
        return loss, (y_pred, non_trainable, context.loss_parts, metrics)

    def _keras_loss_and_updates(self, trainable, state, batch, training):
        """A subclass's `compute_loss_and_updates`, which Keras's own steps call
        (so an override changes `fit` and `evaluate`), given Keras's lists.
        Returns what the built-in path does: `(scaled loss, (loss, aux))`."""
        from kerasish.trainers.keras_steps import (
            flat_metric_variables,
            metrics_state_from_flat,
        )

        with step_context(StepContext(batch.mask)) as context:
            scaled, (loss, y_pred, non_trainable, metrics) = (
                self.compute_loss_and_updates(
                    list(trainable),
                    list(state.non_trainable),
                    flat_metric_variables(self, state.metrics),
                    batch.x,
                    _unwrap_single(batch.y),
                    _unwrap_single(batch.sample_weight),
                    training=training,
                    optimizer_variables=state.optimizer,
                )
            )
        metrics = metrics_state_from_flat(self, state.metrics, list(metrics))
        aux = (y_pred, list(non_trainable), context.loss_parts, metrics)
        return scaled, (loss, aux)

    def _update_metrics(self, metrics_state, batch, y_pred, loss, parts):
        trackers, compiled, bound = self._split_metrics(metrics_state)
        count = ops.sum(batch.mask)
        values = [loss] + list(parts)
        # A step without per-output losses (an override's own loss) leaves
        # their trackers as they are.
        trackers = tuple(
            m.update(s, v, sample_weight=count)
            for (name, m), s, v in zip(self._loss_trackers or (), trackers, values)
        ) + tuple(trackers[len(values) :])
        if type(self).compute_metrics is Steps.compute_metrics:
            compiled = self._update_compiled(
                compiled, batch.y, y_pred, batch.sample_weight, batch.mask
            )
            return self._join_metrics(trackers, compiled, bound)
        # A user's `compute_metrics` (Keras's arguments); its dict is the logs.
        outer = current_step_context()
        context = StepContext(batch.mask)
        context.metrics = [trackers, compiled]
        y, sw = _unwrap_single(batch.y), _unwrap_single(batch.sample_weight)
        with (
            MetricBinding(self._bound_metrics(), bound) as binding,
            step_context(context),
        ):
            context.binding = binding
            logs = self.compute_metrics(batch.x, y, y_pred, sw)
            bound = binding.states()
        if outer is not None and logs is not None:
            outer.logs = {k: ops.convert_to_tensor(v) for k, v in dict(logs).items()}
        return self._join_metrics(*context.metrics, bound)

    def _update_compiled(self, compiled, flat_y, y_pred, flat_w, mask):
        if self._compile_metrics is None or not self._compile_metrics.built:
            return compiled
        if flat_y is None or not compiled:
            return compiled
        flat_pred = get_engine().tree_leaves(y_pred)
        weights = list(flat_w) if flat_w is not None else [None] * len(flat_pred)
        return self._compile_metrics.update(
            compiled, list(flat_y), flat_pred, weights, mask
        )

    def _update_compiled_from_keras(self, compiled, y, y_pred, sample_weight, mask):
        """`_update_compiled` for targets and weights as Keras passes them to
        `compute_metrics` (one array, a list or a dict by output name)."""
        names = self._resolved_output_names
        n = len(get_engine().tree_leaves(y_pred))
        return self._update_compiled(
            compiled,
            flat_targets(y, n, names, self),
            y_pred,
            flat_weights(sample_weight, n, names),
            mask,
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics for a batch; returns every metric's result.

        The built-in train and test steps call it (inside the compiled step) when a
        subclass overrides it; the dict it returns becomes the step's logs, as in
        Keras. `super().compute_metrics(...)` updates the metrics passed to
        `compile()` and returns the results of all of `self.metrics`.
        """
        context = current_step_context()
        if (context is None or context.metrics is None) and current_scope():
            return self._compute_metrics_in_scope(y, y_pred, sample_weight)
        if context is None or context.metrics is None:
            raise RuntimeError(
                f"Model '{self.name}': `compute_metrics` runs inside the compiled "
                "train/test step, where the metric states are; it was called "
                "outside one. Override it and let `fit`/`evaluate` call it, or use "
                "`metric.update_state(...)` and `model.get_metrics_result()`."
            )
        trackers, compiled = context.metrics
        if y is not None:
            compiled = self._update_compiled_from_keras(
                compiled, y, y_pred, sample_weight, context.mask
            )
            context.metrics = [trackers, compiled]
        bound = context.binding.states()
        return self._results(self._join_metrics(trackers, compiled, bound))

    def _compute_metrics_in_scope(self, y, y_pred, sample_weight):
        """`compute_metrics` in a Keras-style JAX step, whose `StatelessScope`
        maps `metrics_variables` to the step's values: as Keras's, the compiled
        metrics update the values in the scope and the results come from it."""
        from kerasish.trainers.keras_steps import (
            flat_metric_variables,
            metrics_state_from_flat,
        )

        scope = current_scope()
        variables = self.metrics_variables
        values = [scope.get_current_value(v) for v in variables]
        values = [v.value if x is None else x for v, x in zip(variables, values)]
        state = metrics_state_from_flat(self, self._fresh_metrics(), values)
        trackers, compiled, bound = self._split_metrics(state)
        if y is not None:
            compiled = self._update_compiled_from_keras(
                compiled, y, y_pred, sample_weight, None
            )
        state = self._join_metrics(trackers, compiled, bound)
        for variable, value in zip(variables, flat_metric_variables(self, state)):
            scope.assign(variable, value)
        return self._results(state)

    def train_step(self, state, data):
        """One training step, pure: `(state, batch) -> state`.

        `state` is the `TrainState`; `data` the `Batch`. Override for custom
        training (see examples/custom_train_step.py).
        """
        if not isinstance(state, TrainState):  # Keras-style `super().train_step`
            from kerasish.trainers.keras_steps import run_base_step

            return run_base_step(self, "train", Steps.train_step, state, data)
        engine = get_engine()

        def scaled_loss(trainable):
            if _overrides_loss_and_updates(type(self)):
                return self._keras_loss_and_updates(trainable, state, data, True)
            loss, aux = self._loss_and_updates(trainable, state, data, True)
            # A LossScaleOptimizer scales the loss (mixed float16); others return it.
            return self.optimizer.scale_loss(loss, state.optimizer), (loss, aux)

        grad_fn = engine.value_and_grad(scaled_loss, has_aux=True)
        (_, (loss, aux)), grads = grad_fn(state.trainable)
        y_pred, non_trainable, parts, metrics = aux
        # The optimizer also applies each variable's constraint, as Keras's does.
        trainable, opt_state = self.optimizer.stateless_apply(
            state.optimizer, grads, state.trainable
        )
        metrics = self._update_metrics(metrics, data, y_pred, loss, parts)
        return TrainState(trainable, non_trainable, opt_state, metrics)

    def test_step(self, state, data):
        """One evaluation step, pure: `(state, batch) -> state` (metrics only)."""
        if not isinstance(state, TrainState):  # Keras-style `super().test_step`
            from kerasish.trainers.keras_steps import run_base_step

            return run_base_step(self, "test", Steps.test_step, state, data)
        if _overrides_loss_and_updates(type(self)):
            _, (loss, aux) = self._keras_loss_and_updates(
                state.trainable, state, data, False
            )
        else:
            loss, aux = self._loss_and_updates(state.trainable, state, data, False)
        y_pred, non_trainable, parts, metrics = aux
        metrics = self._update_metrics(metrics, data, y_pred, loss, parts)
        # Non-trainable values a layer assigns in inference (a counter, a
        # user's running statistic) carry on and are written back, as Keras's
        # test step returns them. Which ones changed is known at trace time.
        written = written_values(non_trainable, state.non_trainable)
        object.__setattr__(self, "_test_step_writes", tuple(written))
        return state._replace(non_trainable=non_trainable, metrics=metrics)

    def predict_step(self, state, data):
        """One prediction step, pure: returns the model's outputs for `data.x`."""
        if not isinstance(state, TrainState):  # Keras-style `super().predict_step`
            from kerasish.trainers.keras_steps import run_base_step

            return run_base_step(self, "predict", Steps.predict_step, state, data)
        with self._device_part():
            y_pred, non_trainable = self.stateless_call(
                state.trainable,
                state.non_trainable,
                data.x,
                **training_kwargs(self, False),
            )
        note_written(self, non_trainable, state.non_trainable)
        return y_pred

    def _predict_batch(self, state, batch):
        """`predict_step`'s outputs, and the non-trainable values it assigned
        (`{index: value}`, empty for nearly every model), which `predict`
        carries on and writes back, as Keras's predict step returns them."""
        with step_context(StepContext(batch.mask)) as context:
            y_pred = self.predict_step(state, batch)
        return y_pred, context.written

    def _predict_rows(self, state, x):
        return self._predict_batch(state, Batch(x, None, None, None))

    # -- metrics: the built-in trackers, the compiled ones, the model's own ------
    @property
    def metrics(self):
        """The model's metrics: `loss`, the compiled metrics, the per-output
        loss trackers, then the metrics the model holds as attributes (Keras's
        order)."""
        return self._builtin_metrics() + self._own_metrics()

    def _builtin_metrics(self):
        """The metrics the built-in steps update themselves, in Keras's order:
        `loss`, the compiled metrics, then each output's loss tracker."""
        trackers = [m for _, m in self._loss_trackers or ()]
        compiled = []
        if self._compile_metrics is not None and self._compile_metrics.built:
            compiled = list(self._compile_metrics.metrics)
        return trackers[:1] + compiled + trackers[1:]

    def _own_metrics(self):
        fixed = self.__dict__.get("_walked")
        if fixed is not None:
            return list(fixed[2])
        return tracked_metrics(self, self._builtin_metrics())

    def _variable_lists(self):
        """`(trainable, non-trainable)` variables, as fixed by `_walked_once`."""
        fixed = self.__dict__.get("_walked")
        if fixed is not None:
            return fixed[0], fixed[1]
        return self.trainable_variables, self.non_trainable_variables

    @contextlib.contextmanager
    def _walked_once(self):
        """While active (an `evaluate` call, a pass over the data), the model's
        variables and own metrics are those found on entry: one walk of the
        layers, not one per use (a batch callback's write and re-read of the
        state walked them twice per step)."""
        if self.__dict__.get("_walked") is not None:
            yield  # already fixed by an enclosing call
            return
        walked = (
            self.trainable_variables,
            self.non_trainable_variables,
            self._own_metrics(),
        )
        object.__setattr__(self, "_walked", walked)
        try:
            yield
        finally:
            object.__setattr__(self, "_walked", None)

    def _lists_own_metrics(self):
        """Whether the class replaces `metrics` (Keras's "own trackers" pattern)."""
        return type(self).metrics is not Steps.metrics

    def _bound_metrics(self):
        """The metrics user code updates with `update_state` during a step."""
        if self._lists_own_metrics():
            return list(self.metrics)
        return self._own_metrics()

    def _split_metrics(self, metrics_state):
        """`(tracker states, compiled states, bound metric states)`.

        The state is `(trackers, compiled)`, with a third entry for the model's
        own metrics when it has any; a class that lists its own `metrics` keeps one
        state per metric.
        """
        if self._lists_own_metrics():
            return (), (), tuple(metrics_state)
        if len(metrics_state) == 3:
            return metrics_state
        trackers, compiled = metrics_state
        return trackers, compiled, ()

    def _join_metrics(self, trackers, compiled, bound):
        if self._lists_own_metrics():
            return tuple(bound)
        if bound:
            return (tuple(trackers), compiled, tuple(bound))
        return (tuple(trackers), compiled)

    def _results(self, metrics_state):
        trackers, compiled, bound = self._split_metrics(metrics_state)
        logs = {
            name: m.compute(s)
            for (name, m), s in zip(self._loss_trackers or (), trackers)
        }
        if self._compile_metrics is not None and self._compile_metrics.built:
            logs.update(self._compile_metrics.results(compiled))
        for metric, state in zip(self._bound_metrics(), bound):
            value = metric.compute(state)
            if isinstance(value, dict):
                logs.update(value)
            else:
                logs[metric.name] = value
        return logs

    def _fresh_metrics(self):
        """The metrics state an epoch starts from: the built-in metrics from
        scratch, the model's own as their objects hold them (`reset_metrics`
        resets them)."""
        trackers = tuple(m.init() for _, m in self._loss_trackers or ())
        compiled = (
            self._compile_metrics.init()
            if self._compile_metrics is not None and self._compile_metrics.built
            else ()
        )
        bound = tuple(metric_state(m) for m in self._bound_metrics())
        return self._join_metrics(trackers, compiled, bound)

    def _write_metrics(self, metrics_state):
        """Keeps the last metrics state, and every metric object gets its own:
        as in Keras, `model.metrics[i].result()` and `metrics_variables` read
        the last results after `fit` or `evaluate`."""
        # Not through Layer.__setattr__: its tracking would walk the state.
        object.__setattr__(self, "_last_metrics_state", metrics_state)
        if metrics_state is None:
            return
        trackers, compiled, bound = self._split_metrics(metrics_state)
        objects = [m for _, m in self._loss_trackers or ()][: len(trackers)]
        states = list(trackers[: len(objects)])
        if self._compile_metrics is not None and self._compile_metrics.built:
            objects += self._compile_metrics.metrics[: len(compiled)]
            states += list(compiled[: len(objects) - len(states)])
        objects += self._bound_metrics()
        states += list(bound)
        for metric, state in zip(objects, states):
            set_metric_state(metric, state)

    def reset_metrics(self):
        """Resets the state of every metric in `self.metrics`."""
        for metric in self.metrics:
            metric.reset_state()
        if getattr(self, "_last_metrics_state", None) is not None:
            # The built-in metrics' states live here, not in their objects.
            self._write_metrics(self._fresh_metrics())

    def _returns_own_logs(self):
        """Whether the steps' logs may differ from the metrics' results."""
        cls = type(self)
        return cls.compute_metrics is not Steps.compute_metrics or any(
            getattr(getattr(cls, name), "_kerasish_adapted", False)
            for name in ("train_step", "test_step")
        )
