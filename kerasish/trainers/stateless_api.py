"""Keras 3's JAX-trainer API for hand-written steps: the loss as a pure
function of explicit variable values (`stateless_compute_loss`,
`compute_loss_and_updates`, for `jax.value_and_grad`), and the model's state as
a nested dict by variable path (`get_state_tree` / `set_state_tree`).

`fit` does not go through these (its compiled step is in `steps.py`); they are
for users who write their own `train_step` or loop the way Keras's JAX guides
do, and call them with the values those guides pass around.
"""

import numpy as np

from kerasish.trainers.steps import (
    StepContext,
    _takes_training,
    current_step_context,
    step_context,
    training_kwargs,
)
from kerasish.variables import StatelessScope

_STATE_KINDS = (
    "trainable_variables",
    "non_trainable_variables",
    "optimizer_variables",
    "metrics_variables",
)


class StatelessTrainerApi:
    """Mixed into `Trainer`: Keras's stateless trainer methods."""

    def stateless_compute_loss(
        self,
        trainable_variables,
        non_trainable_variables,
        metrics_variables,
        x=None,
        y=None,
        y_pred=None,
        sample_weight=None,
        training=True,
    ):
        """`compute_loss` with the variables read from the values given.

        Returns `(loss, (trainable, non_trainable, metrics))`: the values after
        the call (a `compute_loss` may assign non-trainable or metric state).
        """
        self._prepare_compiled_loss(x, y, y_pred)
        mapping = (
            list(zip(self.trainable_variables, trainable_variables))
            + list(zip(self.non_trainable_variables, non_trainable_variables))
            + list(zip(self.metrics_variables, metrics_variables))
        )
        extra = {"training": training} if _takes_training(type(self)) else {}
        with StatelessScope(mapping) as scope:
            loss = self.compute_loss(x, y, y_pred, sample_weight, **extra)
        non_trainable = [
            _current(scope, v, value)
            for v, value in zip(self.non_trainable_variables, non_trainable_variables)
        ]
        metrics = [
            _current(scope, v, value)
            for v, value in zip(self.metrics_variables, metrics_variables)
        ]
        return loss, (trainable_variables, non_trainable, metrics)

    def compute_loss_and_updates(
        self,
        trainable_variables,
        non_trainable_variables,
        metrics_variables,
        x,
        y,
        sample_weight,
        training=False,
        optimizer_variables=None,
    ):
        """The forward pass and the loss as one pure function, for
        `jax.value_and_grad(..., has_aux=True)`.

        Returns `(loss, (unscaled_loss, y_pred, non_trainable, metrics))`; the
        first loss is scaled by the optimizer when training (`loss_scale_factor`,
        a `LossScaleOptimizer`'s current scale), as in Keras. The losses the
        forward pass adds (`add_loss`, regularizers) are part of the loss.
        """
        y_pred, non_trainable, losses = self.stateless_call(
            trainable_variables,
            non_trainable_variables,
            x,
            return_losses=True,
            **training_kwargs(self, training),
        )
        outer = current_step_context()
        with step_context(StepContext(None, losses)) as context:
            loss, (_, non_trainable, metrics) = self.stateless_compute_loss(
                trainable_variables,
                non_trainable,
                metrics_variables,
                x=x,
                y=y,
                y_pred=y_pred,
                sample_weight=sample_weight,
                training=training,
            )
        if outer is not None:  # inside `fit`'s step: the per-output losses
            outer.loss_parts = context.loss_parts
        unscaled = loss
        if training and self.optimizer is not None:
            # The step's state when `fit` passes it; Keras's list otherwise.
            given = optimizer_variables
            opt_state = None if given is None or type(given) is list else given
            loss = self.optimizer.scale_loss(loss, opt_state)
        return loss, (unscaled, y_pred, non_trainable, metrics)

    def _prepare_compiled_loss(self, x, y, y_pred):
        """Builds the compiled loss from the shapes at hand when no `fit` or
        `evaluate` has (a hand-written loop calling these methods first)."""
        compile_loss = getattr(self, "_compile_loss", None)
        if compile_loss is None or compile_loss.built or y is None:
            return
        from kerasish.trainers.first_batch import prepare

        prepare(self, x, y, None, for_training=False)

    def get_state_tree(self, value_format="backend_tensor"):
        """The model's variables as nested dicts by path: `{"trainable_variables":
        {"model": {"dense": {"kernel": ...}}}, "non_trainable_variables": ...,
        "optimizer_variables": ..., "metrics_variables": ...}`.

        Args:
            value_format: `"backend_tensor"` (the engine's arrays) or
                `"numpy_array"`.
        """
        if value_format not in ("backend_tensor", "numpy_array"):
            raise ValueError(
                "Invalid `value_format` argument. Expected one of "
                "{'numpy_array', 'backend_tensor'}. Received: "
                f"value_format={value_format}"
            )
        optimizer = getattr(self, "optimizer", None)
        groups = (
            self.trainable_variables,
            self.non_trainable_variables,
            optimizer.variables if optimizer is not None else [],
            self.metrics_variables,
        )
        return {
            kind: _nested(variables, value_format)
            for kind, variables in zip(_STATE_KINDS, groups)
        }

    def set_state_tree(self, state_tree):
        """Assigns the values of a `get_state_tree()`-shaped dict (any subset of
        its kinds and paths) to the model's variables."""
        optimizer = getattr(self, "optimizer", None)
        for kind, tree in state_tree.items():
            if kind not in _STATE_KINDS:
                raise ValueError(
                    f"Model '{self.name}': unknown state tree key {kind!r}; "
                    f"expected one of {list(_STATE_KINDS)}."
                )
            if kind == "optimizer_variables":
                if optimizer is None:
                    continue
                variables = optimizer.variables
            else:
                variables = getattr(self, kind)
            by_path = {v.path: v for v in variables}
            for path, value in _flat(tree).items():
                variable = by_path.get(path)
                if variable is None:
                    raise ValueError(
                        f"Model '{self.name}': no variable at path '{path}' among "
                        f"its {kind} (known: {sorted(by_path)[:8]})."
                    )
                variable.assign(value)


def _current(scope, variable, given):
    value = scope.get_current_value(variable)
    return given if value is None else value


def _nested(variables, value_format):
    nested = {}
    seen = set()
    for v in variables:
        if v.path in seen:
            raise ValueError(
                "The following variable path is found twice in the model: "
                f"'{v.path}'. `get_state_tree()` can only be called when all "
                "variable paths are unique. Make sure to give unique names to "
                "your layers (and other objects)."
            )
        seen.add(v.path)
        value = v.value if value_format == "backend_tensor" else np.asarray(v.value)
        *parents, leaf = v.path.split("/")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def _flat(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flat(value, path))
        else:
            out[path] = value
    return out
