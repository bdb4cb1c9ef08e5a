"""Keras's optimizers as chained optax transformations: the JAX engine's side.

Every line of kerasish that touches optax is under `kerasish/engine/jax_opt*`.
`kerasish.optimizers` keeps the Keras objects (names, arguments, config); this
module turns them into pure functions, in three pieces:

- the update rules (`jax_opt_rules`, `RULES`): one Keras update each;
- the steps around a rule (`jax_opt_transforms`): loss-scale division, gradient
  accumulation, clipping, decoupled weight decay, EMA, constraints;
- `keras_transform` chains them in the order of Keras's `BaseOptimizer.apply`
  (`optax.chain`), and `keras_pipeline` runs that chain over the declared
  `OptimizerState` (`kerasish.engine.optimizer_state`): it keeps Keras's one
  `iterations` counter and the learning rate as data (so a callback can change it
  between compiled steps without recompiling), evaluates a schedule at
  `iterations`, and passes `learning_rate`, `iteration` and `count` to every
  transformation of the chain as extra arguments.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.engine import jax_opt_transforms as transforms
from kerasish.engine.jax_opt_rules import RULES
from kerasish.engine.optimizer_state import (
    LossScaleState,
    MultiOptimizerState,
    OptimizerState,
)

__all__ = [
    "RULES",
    "KerasPipeline",
    "LossScaleState",
    "OptimizerState",
    "find_hyperparam",
    "is_gradient_transformation",
    "keras_pipeline",
    "keras_transform",
    "loss_scale_pipeline",
    "multi_pipeline",
    "optax_pipeline",
    "set_hyperparam",
    "with_learning_rate",
]

# The chain's state fields that `OptimizerState` declares, by transformation role.
_FIELDS = ("accumulators", "slots", "ema")


class KerasPipeline(NamedTuple):
    """`init(params) -> state`; `apply(state, grads, params) -> (new_params,
    new_state)` (pure, jittable); `params` and `grads` are lists."""

    init: Callable
    apply: Callable


def _keras_parts(
    rule,
    *,
    weight_decay=None,
    decay_mask=None,
    clipnorm=None,
    clipvalue=None,
    global_clipnorm=None,
    use_ema=False,
    ema_momentum=0.99,
    ema_overwrite_frequency=None,
    loss_scale_factor=None,
    gradient_accumulation_steps=None,
    constraints=None,
):
    """`[(state field or None, transformation)]` in Keras's order."""
    parts = []
    if loss_scale_factor is not None:
        parts.append((None, transforms.divide_by(loss_scale_factor)))
    if gradient_accumulation_steps:
        accumulate = transforms.accumulate_gradients(gradient_accumulation_steps)
        parts.append(("accumulators", accumulate))
    # Keras tests truthiness: a clip argument of 0 clips nothing.
    update = []
    if clipnorm:
        update.append(transforms.clip_by_norm_per_variable(clipnorm))
    elif global_clipnorm:
        update.append(transforms.clip_by_global_norm(global_clipnorm))
    elif clipvalue:
        update.append(optax.clip(clipvalue))
    if weight_decay is not None:
        rule = transforms.decoupled_weight_decay(weight_decay, rule, decay_mask)
    if gradient_accumulation_steps:
        # Clipping is stateless, so only the rule needs gating.
        rule = transforms.apply_every_k(gradient_accumulation_steps, rule)
    parts += [(None, t) for t in update]
    parts.append(("slots", rule))
    if use_ema:
        ema = transforms.moving_average(ema_momentum, ema_overwrite_frequency)
        parts.append(("ema", ema))
    if constraints:
        parts.append((None, transforms.apply_constraints(constraints)))
    return parts


def keras_transform(rule, **options):
    """The Keras pipeline around `rule` as one `optax.chain`.

    Its `update(grads, state, params, *, learning_rate, iteration, count)` needs
    the three extra arguments (see `jax_opt_transforms`); `keras_pipeline` is the
    usual way to run it. `options` are `keras_pipeline`'s, less the learning rate.
    """
    return optax.chain(*[t for _, t in _keras_parts(rule, **options)])


def keras_pipeline(
    rule,
    *,
    learning_rate,
    schedule=None,
    gradient_accumulation_steps=None,
    **options,
):
    """Runs the steps of Keras's `BaseOptimizer.apply` around `rule`.

    Args:
        rule: A rule from `RULES`.
        learning_rate: Float, the initial `state.learning_rate` (ignored with a
            schedule).
        schedule: `None`, or a callable `step -> lr` evaluated at `iterations`.
        gradient_accumulation_steps: Int >= 2 or `None`.
        **options: `weight_decay`, `decay_mask` (per-variable booleans, decay
            where true), `clipnorm`, `clipvalue`, `global_clipnorm`, `use_ema`,
            `ema_momentum`, `ema_overwrite_frequency`, `loss_scale_factor` and
            `constraints` (per-variable callables or `None`).

    Returns:
        A `KerasPipeline` over `OptimizerState`.
    """
    parts = _keras_parts(
        rule, gradient_accumulation_steps=gradient_accumulation_steps, **options
    )
    chain = optax.chain(*[t for _, t in parts])
    accumulate = gradient_accumulation_steps or 0

    def fields_of(chain_state):
        fields = {name: [] for name in _FIELDS}
        for (name, _), s in zip(parts, chain_state):
            if name is not None:
                fields[name] = s
        return fields

    def init(params):
        fields = fields_of(chain.init(list(params)))
        lr = None if schedule is not None else jnp.asarray(learning_rate, jnp.float32)
        return OptimizerState(
            iterations=jnp.zeros((), jnp.int32), learning_rate=lr, **fields
        )

    def apply(state, grads, params):
        params, grads = list(params), list(grads)
        iteration = state.iterations
        if schedule is None:
            lr = state.learning_rate
        else:
            lr = jnp.asarray(schedule(iteration), jnp.float32)
        count = iteration // accumulate if accumulate else iteration
        chain_state = tuple(
            getattr(state, name) if name is not None else optax.EmptyState()
            for name, _ in parts
        )
        updates, chain_state = chain.update(
            grads,
            chain_state,
            params,
            learning_rate=lr,
            iteration=iteration,
            count=count,
        )
        new_params = [(p + u).astype(p.dtype) for p, u in zip(params, updates)]
        new_state = state._replace(iterations=iteration + 1, **fields_of(chain_state))
        return new_params, new_state

    return KerasPipeline(init, apply)


def optax_pipeline(transformation):
    """Runs a user's raw optax `GradientTransformation`; its own state is
    `state.slots`, and `iterations` counts the steps."""

    def init(params):
        return OptimizerState(
            iterations=jnp.zeros((), jnp.int32),
            learning_rate=None,
            slots=transformation.init(list(params)),
            accumulators=[],
            ema=[],
        )

    def apply(state, grads, params):
        params = list(params)
        updates, slots = transformation.update(list(grads), state.slots, params)
        new_params = list(optax.apply_updates(params, updates))
        return new_params, state._replace(iterations=state.iterations + 1, slots=slots)

    return KerasPipeline(init, apply)


def loss_scale_pipeline(inner, initial_scale, dynamic_growth_steps):
    """Keras's dynamic loss scaling around `inner` (a `KerasPipeline`).

    Finite gradients: divide by the current scale, run the inner step, and double
    the scale after `dynamic_growth_steps` finite steps in a row. Any non-finite
    gradient: skip the step (weights and inner state unchanged), halve the scale.
    (`optax.apply_if_finite` skips such steps too but keeps no scale.)
    """

    def init(params):
        return LossScaleState(
            step_counter=jnp.zeros((), jnp.int32),
            dynamic_scale=jnp.asarray(initial_scale, jnp.float32),
            inner=inner.init(params),
        )

    def apply(state, grads, params):
        params, grads = list(params), list(grads)
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in grads]))

        def finite_step(_):
            scale = state.dynamic_scale
            unscaled = [g / scale.astype(g.dtype) for g in grads]
            new_params, new_inner = inner.apply(state.inner, unscaled, params)
            grow = state.step_counter == dynamic_growth_steps - 1
            counter = jnp.where(grow, 0, state.step_counter + 1).astype(jnp.int32)
            new_scale = jnp.where(grow, scale * 2.0, scale)
            return new_params, LossScaleState(counter, new_scale, new_inner)

        def skip_step(_):
            return params, LossScaleState(
                jnp.zeros((), jnp.int32), state.dynamic_scale * 0.5, state.inner
            )

        return jax.lax.cond(finite, finite_step, skip_step, None)

    return KerasPipeline(init, apply)


def multi_pipeline(pipelines, groups):
    """Keras's `MultiOptimizer`: `pipelines[k]` steps the weights at the indices
    `groups[k]`; an optimizer with no weights keeps its state (Keras never calls
    it). The state is a `MultiOptimizerState`."""
    pipelines, groups = list(pipelines), [list(g) for g in groups]

    def init(params):
        params = list(params)
        return MultiOptimizerState(
            iterations=jnp.zeros((), jnp.int32),
            learning_rate=jnp.zeros((), jnp.float32),
            inner=tuple(
                p.init([params[i] for i in g]) for p, g in zip(pipelines, groups)
            ),
        )

    def apply(state, grads, params):
        grads, new_params = list(grads), list(params)
        inner = []
        for pipeline, group, sub_state in zip(pipelines, groups, state.inner):
            if group:
                sub_params, sub_state = pipeline.apply(
                    sub_state, [grads[i] for i in group], [params[i] for i in group]
                )
                for i, value in zip(group, sub_params):
                    new_params[i] = value
            inner.append(sub_state)
        new_state = state._replace(iterations=state.iterations + 1, inner=tuple(inner))
        return new_params, new_state

    return KerasPipeline(init, apply)


# -- helpers for the object API --------------------------------------------------


def is_gradient_transformation(obj):
    """Whether `obj` is a raw optax transformation (not a kerasish optimizer)."""
    return isinstance(
        obj, optax.GradientTransformation | optax.GradientTransformationExtraArgs
    )


def find_hyperparam(state, name):
    """The value of an injected hyperparameter (`optax.inject_hyperparams`), or None."""
    try:
        return optax.tree_utils.tree_get(state, name)
    except (KeyError, ValueError):
        return None


def set_hyperparam(state, name, value):
    """Returns `state` with the injected hyperparameter `name` set to `value`,
    keeping its dtype and shape."""
    old = optax.tree_utils.tree_get(state, name)
    return optax.tree_utils.tree_set(state, **{name: jnp.asarray(value, old.dtype)})


def with_learning_rate(state, value):
    """Returns an `OptimizerState` whose learning rate is `value` (float32 scalar)."""
    return state._replace(learning_rate=jnp.asarray(value, jnp.float32))
