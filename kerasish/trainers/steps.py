"""The pure steps: `(state, batch) -> state`, Keras 3 JAX-style and overridable.

`Steps` is mixed into `Trainer`. What a step needs beyond its arguments (the
losses the forward pass added, the padding mask) travels in a `StepContext` that
the step opens around the code it calls, so `compute_loss` keeps Keras's signature
and nothing is hidden on the model while tracing.
"""

import contextlib
import contextvars
from typing import Any, NamedTuple

from kerasish import ops
from kerasish.engine import get_engine
from kerasish.utils import tree


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
    """

    def __init__(self, mask=None, losses=()):
        self.mask = mask
        self.losses = list(losses)
        self.loss_parts = []


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


def flat_targets(y, n_outputs, output_names):
    """`y` as a flat list, one entry per output (None stays None)."""
    if y is None:
        return None
    if isinstance(y, dict):
        missing = [n for n in output_names if n not in y]
        if missing:
            raise ValueError(
                f"`y` is a dict without keys {missing}; the model's outputs are "
                f"{output_names}."
            )
        return [y[n] for n in output_names]
    flat = tree.flatten(y)
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
    if isinstance(sample_weight, dict):
        return [sample_weight.get(n) for n in output_names]
    flat = tree.flatten(sample_weight)
    if len(flat) == 1:
        return flat * n_outputs
    return flat


class Steps:
    """The pure step functions mixed into `Trainer`."""

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """The total loss: compiled losses plus the model's added losses.

        Returns a scalar. Override it for a custom loss (the compiled step calls it
        inside `train_step`).
        """
        context = current_step_context() or StepContext()
        flat_pred = get_engine().tree_leaves(y_pred)
        total = 0.0
        if self._compile_loss is not None and y is not None:
            names = self._resolved_output_names
            flat_y = flat_targets(y, len(flat_pred), names)
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
                trainable, non_trainable, x, training=training, return_losses=True
            )
        return y_pred, non_trainable, losses

    def _loss_and_updates(self, trainable, state, batch, training):
        y_pred, non_trainable, losses = self._stateless_forward(
            trainable, state.non_trainable, batch.x, training
        )
        # A single-output model's compute_loss gets y and sample_weight unwrapped,
        # as in Keras.
        y, sw = batch.y, batch.sample_weight
        if y is not None and len(y) == 1:
            y = y[0]
        if sw is not None and len(sw) == 1:
            sw = sw[0]
        with step_context(StepContext(batch.mask, losses)) as context:
            loss = self.compute_loss(batch.x, y, y_pred, sw, training=training)
        return loss, (y_pred, non_trainable, context.loss_parts)

    def _update_metrics(self, metrics_state, batch, y_pred, loss, parts):
        tracker_states, compiled_states = metrics_state
        count = ops.sum(batch.mask)
        values = [loss] + list(parts)
        new_trackers = tuple(
            m.update(s, v, sample_weight=count)
            for (name, m), s, v in zip(self._loss_trackers, tracker_states, values)
        )
        if (
            self._compile_metrics is not None
            and self._compile_metrics.built
            and batch.y is not None
        ):
            flat_pred = get_engine().tree_leaves(y_pred)
            weights = (
                list(batch.sample_weight)
                if batch.sample_weight is not None
                else [None] * len(flat_pred)
            )
            compiled_states = self._compile_metrics.update(
                compiled_states, list(batch.y), flat_pred, weights, batch.mask
            )
        return (new_trackers, compiled_states)

    def train_step(self, state, data):
        """One training step, pure: `(state, batch) -> state`.

        `state` is the `TrainState`; `data` the `Batch`. Override for custom
        training (see examples/custom_train_step.py).
        """
        if not isinstance(state, TrainState):  # Keras-style `super().train_step`
            from kerasish.models.keras_steps import run_base_step

            return run_base_step(self, "train", Steps.train_step, state, data)
        engine = get_engine()

        def scaled_loss(trainable):
            loss, aux = self._loss_and_updates(trainable, state, data, True)
            # A LossScaleOptimizer scales the loss (mixed float16); others return it.
            return self.optimizer.scale_loss(loss, state.optimizer), (loss, aux)

        grad_fn = engine.value_and_grad(scaled_loss, has_aux=True)
        (_, (loss, (y_pred, non_trainable, parts))), grads = grad_fn(state.trainable)
        # The optimizer also applies each variable's constraint, as Keras's does.
        trainable, opt_state = self.optimizer.stateless_apply(
            state.optimizer, grads, state.trainable
        )
        metrics = self._update_metrics(state.metrics, data, y_pred, loss, parts)
        return TrainState(trainable, non_trainable, opt_state, metrics)

    def test_step(self, state, data):
        """One evaluation step, pure: `(state, batch) -> state` (metrics only)."""
        if not isinstance(state, TrainState):  # Keras-style `super().test_step`
            from kerasish.models.keras_steps import run_base_step

            return run_base_step(self, "test", Steps.test_step, state, data)
        loss, (y_pred, non_trainable, parts) = self._loss_and_updates(
            state.trainable, state, data, False
        )
        metrics = self._update_metrics(state.metrics, data, y_pred, loss, parts)
        return state._replace(metrics=metrics)

    def predict_step(self, state, data):
        """One prediction step, pure: returns the model's outputs for `data.x`."""
        if not isinstance(state, TrainState):  # Keras-style `super().predict_step`
            from kerasish.models.keras_steps import run_base_step

            return run_base_step(self, "predict", Steps.predict_step, state, data)
        with self._device_part():
            y_pred, _ = self.stateless_call(
                state.trainable, state.non_trainable, data.x, training=False
            )
        return y_pred

    def _predict_rows(self, state, x):
        return self.predict_step(state, Batch(x, None, None, None))

    def _results(self, metrics_state):
        trackers, compiled = metrics_state
        logs = {
            name: m.compute(s) for (name, m), s in zip(self._loss_trackers, trackers)
        }
        if self._compile_metrics is not None and self._compile_metrics.built:
            logs.update(self._compile_metrics.results(compiled))
        return logs

    def _fresh_metrics(self):
        trackers = tuple(m.init() for _, m in self._loss_trackers)
        compiled = (
            self._compile_metrics.init()
            if self._compile_metrics is not None and self._compile_metrics.built
            else ()
        )
        return (trackers, compiled)
