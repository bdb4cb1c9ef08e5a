"""Keras's optimizers as optax transformations: the JAX engine's optimizer side.

Every line of kerasish that touches optax is here. `kerasish.optimizers` keeps the
Keras objects (names, arguments, config); this module turns them into pure functions.

Two layers:

- A *rule* is an `optax.GradientTransformationExtraArgs` holding one Keras update
  (Adam, SGD, ...). Its `update(grads, state, params, learning_rate=, count=)` returns
  additive updates; `count` is Keras's `optimizer.iterations` before the step (the
  bias-correction step is `count + 1`), `params` are the weights after weight decay.
  Where optax's own block computes the same numbers it is used (RMSprop, Adagrad,
  Lion, `clipvalue`, `global_clipnorm`); where it does not (Keras's Adam puts epsilon
  outside `sqrt(v)` and folds bias correction into the step size) the Keras rule is
  written here.
- A *pipeline* (`keras_pipeline`) wraps a rule the way Keras's `BaseOptimizer.apply`
  does: loss-scale division, gradient accumulation, clipping, decoupled weight decay
  `p -= p * weight_decay * lr`, the rule, EMA of the weights and constraints. Its
  state is an `OptimizerState` whose `hyperparams["learning_rate"]` is data, so a
  callback can change it between compiled steps without recompiling.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax


class OptimizerState(NamedTuple):
    """The optimizer's part of the train state (a pytree).

    Attributes:
        iterations: int32 scalar, number of `apply` calls so far (Keras's
            `optimizer._iterations`; with gradient accumulation, micro-steps).
        hyperparams: dict of float32 scalars; `"learning_rate"` is the value used
            by the last step for a schedule, or the settable value otherwise.
        slots: the rule's state (moments, accumulators).
        accumulators: list of gradient sums (gradient accumulation), or `()`.
        ema: list of moving averages of the weights (`use_ema`), or `()`.
    """

    iterations: Any
    hyperparams: dict
    slots: Any
    accumulators: Any
    ema: Any


class LossScaleState(NamedTuple):
    """State of `LossScaleOptimizer`: its counter and scale, then the inner state."""

    step_counter: Any
    dynamic_scale: Any
    inner: Any


def _rule(init_fn, update_fn):
    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _cast(x, dtype):
    return jnp.asarray(x).astype(dtype)


def _step(count, dtype):
    # Keras's `local_step = iterations + 1`, in the variable's dtype.
    return _cast(count + 1, dtype)


# -- rules ---------------------------------------------------------------------


def sgd(momentum=0.0, nesterov=False):
    """Keras SGD: `m = momentum * m - lr * g`; `p += m` (nesterov:
    `p += momentum * m - lr * g`)."""

    def init(params):
        return [jnp.zeros_like(p) for p in params] if momentum != 0 else []

    def update(grads, state, params, *, learning_rate, count):
        updates, new_state = [], []
        for i, (g, p) in enumerate(zip(grads, params)):
            lr = _cast(learning_rate, p.dtype)
            g = _cast(g, p.dtype)
            if momentum == 0:
                updates.append(-g * lr)
                continue
            mu = _cast(momentum, p.dtype)
            m = state[i] * mu - g * lr
            new_state.append(m)
            updates.append(m * mu - g * lr if nesterov else m)
        return updates, new_state

    return _rule(init, update)


def adam(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """Keras Adam: `alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`,
    `p -= alpha * m / (sqrt(v) + epsilon)` (epsilon outside the square root, on the
    uncorrected `v`, unlike `optax.adam`)."""

    def init(params):
        state = {
            "momentum": [jnp.zeros_like(p) for p in params],
            "velocity": [jnp.zeros_like(p) for p in params],
        }
        if amsgrad:
            state["velocity_hat"] = [jnp.zeros_like(p) for p in params]
        return state

    def update(grads, state, params, *, learning_rate, count):
        new = {k: [] for k in state}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            dtype = p.dtype
            lr, g, t = _cast(learning_rate, dtype), _cast(g, dtype), _step(count, dtype)
            b1, b2 = _cast(beta_1, dtype), _cast(beta_2, dtype)
            alpha = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
            m = state["momentum"][i] + (g - state["momentum"][i]) * (1 - beta_1)
            v = state["velocity"][i] + (jnp.square(g) - state["velocity"][i]) * (
                1 - beta_2
            )
            new["momentum"].append(m)
            new["velocity"].append(v)
            if amsgrad:
                v = jnp.maximum(state["velocity_hat"][i], v)
                new["velocity_hat"].append(v)
            updates.append(-(m * alpha) / (jnp.sqrt(v) + epsilon))
        return updates, new

    return _rule(init, update)


def adamax(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras Adamax: `u = max(beta_2 * u, |g|)`,
    `p -= lr * m / ((1 - beta_1^t) * (u + epsilon))`."""

    def init(params):
        return {
            "momentum": [jnp.zeros_like(p) for p in params],
            "norm": [jnp.zeros_like(p) for p in params],
        }

    def update(grads, state, params, *, learning_rate, count):
        new = {"momentum": [], "norm": []}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            dtype = p.dtype
            lr, g, t = _cast(learning_rate, dtype), _cast(g, dtype), _step(count, dtype)
            m = state["momentum"][i] + (g - state["momentum"][i]) * (1 - beta_1)
            u = jnp.maximum(beta_2 * state["norm"][i], jnp.abs(g))
            new["momentum"].append(m)
            new["norm"].append(u)
            b1_power = _cast(beta_1, dtype) ** t
            updates.append(-(lr * m) / ((1 - b1_power) * (u + epsilon)))
        return updates, new

    return _rule(init, update)


def nadam(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras Nadam, with the momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96^t)`
    and its running product (one scalar in the state)."""

    def init(params):
        dtype = params[0].dtype if params else jnp.float32
        return {
            "momentum": [jnp.zeros_like(p) for p in params],
            "velocity": [jnp.zeros_like(p) for p in params],
            "u_product": jnp.ones((), dtype),
        }

    def update(grads, state, params, *, learning_rate, count):
        u_dtype = state["u_product"].dtype
        u_product = (
            state["u_product"]
            * beta_1
            * (1.0 - 0.5 * jnp.power(0.96, _step(count, u_dtype)))
        )
        new = {"momentum": [], "velocity": [], "u_product": u_product}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            dtype = p.dtype
            lr, g = _cast(learning_rate, dtype), _cast(g, dtype)
            t, t_next = _step(count, dtype), _cast(count + 2, dtype)
            b1, b2 = _cast(beta_1, dtype), _cast(beta_2, dtype)
            decay = _cast(0.96, dtype)
            u_t = b1 * (1.0 - 0.5 * decay**t)
            u_t_1 = b1 * (1.0 - 0.5 * decay**t_next)
            u_prod_t = _cast(u_product, dtype)
            u_prod_t_1 = u_prod_t * u_t_1
            m = state["momentum"][i] + (g - state["momentum"][i]) * (1 - b1)
            v = state["velocity"][i] + (jnp.square(g) - state["velocity"][i]) * (1 - b2)
            new["momentum"].append(m)
            new["velocity"].append(v)
            m_hat = u_t_1 * m / (1 - u_prod_t_1) + (1 - u_t) * g / (1 - u_prod_t)
            v_hat = v / (1 - b2**t)
            updates.append(-(m_hat * lr) / (jnp.sqrt(v_hat) + epsilon))
        return updates, new

    return _rule(init, update)


def rmsprop(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    """Keras RMSprop through optax's blocks: `v = rho * v + (1 - rho) * g^2`,
    `step = lr * g / sqrt(v (- mean_g^2) + epsilon)`; with momentum
    `m = momentum * m + step`, `p -= m` (the learning rate is applied before the
    momentum trace, as in Keras)."""
    if centered:
        scale = optax.scale_by_stddev(decay=rho, eps=epsilon, initial_scale=0.0)
    else:
        scale = optax.scale_by_rms(decay=rho, eps=epsilon, initial_scale=0.0)
    trace = optax.trace(decay=momentum) if momentum > 0 else None

    def init(params):
        return {
            "scale": scale.init(params),
            "trace": trace.init(params) if trace is not None else (),
        }

    def update(grads, state, params, *, learning_rate, count):
        grads = [_cast(g, p.dtype) for g, p in zip(grads, params)]
        steps, scale_state = scale.update(grads, state["scale"])
        steps = [s * _cast(learning_rate, p.dtype) for s, p in zip(steps, params)]
        trace_state = ()
        if trace is not None:
            steps, trace_state = trace.update(steps, state["trace"])
        return [-s for s in steps], {"scale": scale_state, "trace": trace_state}

    return _rule(init, update)


def adagrad(initial_accumulator_value=0.1, epsilon=1e-7):
    """Keras Adagrad through `optax.scale_by_rss`: `acc += g^2`,
    `p -= lr * g / sqrt(acc + epsilon)`."""
    scale = optax.scale_by_rss(
        initial_accumulator_value=initial_accumulator_value, eps=epsilon
    )

    def update(grads, state, params, *, learning_rate, count):
        grads = [_cast(g, p.dtype) for g, p in zip(grads, params)]
        steps, state = scale.update(grads, state)
        return [
            -s * _cast(learning_rate, p.dtype) for s, p in zip(steps, params)
        ], state

    return _rule(scale.init, update)


def adadelta(rho=0.95, epsilon=1e-7):
    """Keras Adadelta: `delta = -sqrt(acc_delta + eps) * g / sqrt(acc_g + eps)`,
    `p += lr * delta`."""

    def init(params):
        return {
            "accumulated_grad": [jnp.zeros_like(p) for p in params],
            "accumulated_delta_var": [jnp.zeros_like(p) for p in params],
        }

    def update(grads, state, params, *, learning_rate, count):
        new = {"accumulated_grad": [], "accumulated_delta_var": []}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            lr, g = _cast(learning_rate, p.dtype), _cast(g, p.dtype)
            acc_g = rho * state["accumulated_grad"][i] + (1 - rho) * jnp.square(g)
            acc_d = state["accumulated_delta_var"][i]
            delta = -(jnp.sqrt(acc_d + epsilon) * g) / jnp.sqrt(acc_g + epsilon)
            acc_d = rho * acc_d + (1 - rho) * jnp.square(delta)
            new["accumulated_grad"].append(acc_g)
            new["accumulated_delta_var"].append(acc_d)
            updates.append(lr * delta)
        return updates, new

    return _rule(init, update)


def adafactor(
    beta_2_decay=-0.8,
    epsilon_1=1e-30,
    epsilon_2=1e-3,
    clip_threshold=1.0,
):
    """Keras Adafactor: factored second moments for weights of rank >= 2 (row means
    `r` over the last axis, column means `c` over the second last), step size
    `max(epsilon_2, rms(p)) * min(lr, 1 / sqrt(t))`, update clipped by
    `clip_threshold` in RMS."""

    def _rms(x):
        return jnp.sqrt(jnp.mean(jnp.square(x)))

    def init(params):
        r, c = [], []
        for p in params:
            if p.ndim < 2:
                # Keras keeps unused scalar placeholders for vectors.
                r.append(jnp.zeros((), p.dtype))
                c.append(jnp.zeros((), p.dtype))
            else:
                r.append(jnp.zeros(p.shape[:-1], p.dtype))
                c.append(jnp.zeros(p.shape[:-2] + p.shape[-1:], p.dtype))
        return {"r": r, "c": c, "velocity": [jnp.zeros_like(p) for p in params]}

    def update(grads, state, params, *, learning_rate, count):
        new = {"r": [], "c": [], "velocity": []}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            dtype = p.dtype
            lr, g, t = _cast(learning_rate, dtype), _cast(g, dtype), _step(count, dtype)
            rho_t = jnp.minimum(lr, 1 / jnp.sqrt(t))
            alpha_t = jnp.maximum(_cast(epsilon_2, dtype), _rms(p)) * rho_t
            g2 = jnp.square(g) + epsilon_1
            beta_2_t = 1 - jnp.power(t, beta_2_decay)
            r, c = state["r"][i], state["c"][i]
            if p.ndim >= 2:
                r = beta_2_t * r + (1 - beta_2_t) * jnp.mean(g2, axis=-1)
                c = beta_2_t * c + (1 - beta_2_t) * jnp.mean(g2, axis=-2)
                v = jnp.expand_dims(
                    r / jnp.mean(r, axis=-1, keepdims=True), -1
                ) * jnp.expand_dims(c, -2)
            else:
                v = beta_2_t * state["velocity"][i] + (1 - beta_2_t) * g2
            new["r"].append(r)
            new["c"].append(c)
            new["velocity"].append(v)
            u = g / jnp.sqrt(v)
            u_hat = u / jnp.maximum(_cast(1.0, dtype), _rms(u) / clip_threshold)
            updates.append(-alpha_t * u_hat)
        return updates, new

    return _rule(init, update)


def lion(beta_1=0.9, beta_2=0.99):
    """Keras Lion through `optax.scale_by_lion`:
    `p -= lr * sign(beta_1 * m + (1 - beta_1) * g)`,
    `m = beta_2 * m + (1 - beta_2) * g`."""
    scale = optax.scale_by_lion(b1=beta_1, b2=beta_2)

    def update(grads, state, params, *, learning_rate, count):
        grads = [_cast(g, p.dtype) for g, p in zip(grads, params)]
        steps, state = scale.update(grads, state)
        return [
            -s * _cast(learning_rate, p.dtype) for s, p in zip(steps, params)
        ], state

    return _rule(scale.init, update)


def ftrl(
    learning_rate_power=-0.5,
    initial_accumulator_value=0.1,
    l1_regularization_strength=0.0,
    l2_regularization_strength=0.0,
    l2_shrinkage_regularization_strength=0.0,
    beta=0.0,
):
    """Keras FTRL-proximal: the weight is recomputed from the `linear` and
    `accumulator` slots (the update is `new - p`)."""

    def init(params):
        return {
            "accumulator": [
                jnp.full_like(p, initial_accumulator_value) for p in params
            ],
            "linear": [jnp.zeros_like(p) for p in params],
        }

    def update(grads, state, params, *, learning_rate, count):
        new = {"accumulator": [], "linear": []}
        updates = []
        l1 = l1_regularization_strength
        for i, (g, p) in enumerate(zip(grads, params)):
            lr, g = _cast(learning_rate, p.dtype), _cast(g, p.dtype)
            l2 = l2_regularization_strength + beta / (2.0 * lr)
            accum = state["accumulator"][i]
            grad_to_use = g + 2 * l2_shrinkage_regularization_strength * p
            new_accum = accum + jnp.square(g)
            power = -learning_rate_power
            linear = (
                state["linear"][i]
                + grad_to_use
                - ((jnp.power(new_accum, power) - jnp.power(accum, power)) / lr) * p
            )
            quadratic = jnp.power(new_accum, power) / lr + 2 * l2
            new_p = (jnp.clip(linear, -l1, l1) - linear) / quadratic
            new["accumulator"].append(new_accum)
            new["linear"].append(linear)
            updates.append(new_p - p)
        return updates, new

    return _rule(init, update)


def lamb(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras LAMB: the Adam direction `m_hat / (sqrt(v_hat) + epsilon)` scaled by
    the trust ratio `||p|| / ||direction||`."""

    def init(params):
        return {
            "momentum": [jnp.zeros_like(p) for p in params],
            "velocity": [jnp.zeros_like(p) for p in params],
        }

    def update(grads, state, params, *, learning_rate, count):
        new = {"momentum": [], "velocity": []}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            dtype = p.dtype
            lr, g, t = _cast(learning_rate, dtype), _cast(g, dtype), _step(count, dtype)
            b1_power = _cast(beta_1, dtype) ** t
            b2_power = _cast(beta_2, dtype) ** t
            m = state["momentum"][i] + (g - state["momentum"][i]) * (1 - beta_1)
            v = state["velocity"][i] + (jnp.square(g) - state["velocity"][i]) * (
                1 - beta_2
            )
            new["momentum"].append(m)
            new["velocity"].append(v)
            direction = (m / (1.0 - b1_power)) / (
                jnp.sqrt(v / (1.0 - b2_power)) + epsilon
            )
            w_norm = jnp.sqrt(jnp.sum(jnp.square(p)))
            d_norm = jnp.sqrt(jnp.sum(jnp.square(direction)))
            ratio = jnp.where(
                w_norm > 0, jnp.where(d_norm > 0, w_norm / d_norm, 1.0), 1.0
            )
            updates.append(-(ratio * lr * direction))
        return updates, new

    return _rule(init, update)


RULES = {
    "sgd": sgd,
    "adam": adam,
    "adamax": adamax,
    "nadam": nadam,
    "rmsprop": rmsprop,
    "adagrad": adagrad,
    "adadelta": adadelta,
    "adafactor": adafactor,
    "lion": lion,
    "ftrl": ftrl,
    "lamb": lamb,
}


# -- gradient clipping as Keras does it ------------------------------------------


def clip_by_norm_per_variable(grads, clipnorm):
    """Keras's `clipnorm`: each gradient separately, `g * c / max(||g||, c)`."""
    out = []
    for g in grads:
        l2sum = jnp.sum(jnp.square(g))
        safe = jnp.where(l2sum > 0, l2sum, jnp.ones_like(l2sum))
        norm = jnp.where(l2sum > 0, jnp.sqrt(safe), l2sum)
        out.append(g * clipnorm / jnp.maximum(norm, clipnorm))
    return out


def _clip(grads, clipnorm, clipvalue, global_clipnorm):
    if clipnorm:
        return clip_by_norm_per_variable(grads, clipnorm)
    if global_clipnorm:
        grads, _ = optax.clip_by_global_norm(global_clipnorm).update(grads, ())
        return list(grads)
    if clipvalue:
        grads, _ = optax.clip(clipvalue).update(grads, ())
        return list(grads)
    return list(grads)


# -- the Keras pipeline around a rule ---------------------------------------------


class KerasPipeline(NamedTuple):
    """`init(params) -> OptimizerState`; `apply(state, grads, params) ->
    (new_params, new_state)` (pure, jittable)."""

    init: Callable
    apply: Callable


def keras_pipeline(
    rule,
    *,
    learning_rate,
    schedule=None,
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
    """Wraps `rule` in the steps of Keras's `BaseOptimizer.apply`, in Keras's order.

    Args:
        rule: A rule from `RULES`.
        learning_rate: Initial float value of `hyperparams["learning_rate"]`.
        schedule: `None`, or a callable `step -> lr` evaluated at `iterations`.
        decay_mask: Per-variable booleans (weight decay applies where True).
        constraints: Per-variable callables (or None) applied after the update.
    """
    accumulate = gradient_accumulation_steps or 0

    def init(params):
        params = list(params)
        lr0 = learning_rate if schedule is None else schedule(0)
        return OptimizerState(
            iterations=jnp.zeros((), jnp.int32),
            hyperparams={"learning_rate": jnp.asarray(lr0, jnp.float32)},
            slots=rule.init(params),
            accumulators=[jnp.zeros_like(p) for p in params] if accumulate else [],
            ema=[jnp.zeros_like(p) for p in params] if use_ema else [],
        )

    def apply(state, grads, params):
        params = list(params)
        grads = list(grads)
        iterations = state.iterations
        if schedule is None:
            lr = state.hyperparams["learning_rate"]
        else:
            lr = jnp.asarray(schedule(iterations), jnp.float32)
        if loss_scale_factor is not None:
            grads = [g / loss_scale_factor for g in grads]
        accumulators = state.accumulators
        if accumulate:
            is_update = (iterations + 1) % accumulate == 0
            summed = [g + a for g, a in zip(grads, accumulators)]
            accumulators = [jnp.where(is_update, jnp.zeros_like(s), s) for s in summed]
            grads = [
                jnp.where(is_update, s / accumulate, g) for s, g in zip(summed, grads)
            ]
            count = iterations // accumulate
        else:
            count = iterations
        grads = _clip(grads, clipnorm, clipvalue, global_clipnorm)
        decayed = params
        if weight_decay is not None:
            mask = decay_mask or [True] * len(params)
            decayed = [
                p - p * _cast(weight_decay, p.dtype) * _cast(lr, p.dtype) if m else p
                for p, m in zip(params, mask)
            ]
        updates, slots = rule.update(
            grads, state.slots, decayed, learning_rate=lr, count=count
        )
        new_params = [(p + u).astype(p.dtype) for p, u in zip(decayed, updates)]
        if accumulate:
            new_params = [
                jnp.where(is_update, n, p) for n, p in zip(new_params, params)
            ]
            slots = jax.tree.map(
                lambda n, o: jnp.where(is_update, n, o), slots, state.slots
            )
        ema = state.ema
        if use_ema:
            not_first = (count != 0).astype(jnp.float32)
            ema = []
            for avg, p in zip(state.ema, new_params):
                momentum = _cast(not_first * ema_momentum, p.dtype)
                ema.append(momentum * avg + (1 - momentum) * p)
            if ema_overwrite_frequency:
                overwrite = (count + 1) % ema_overwrite_frequency == 0
                new_params = [
                    jnp.where(overwrite, a, p) for a, p in zip(ema, new_params)
                ]
        if constraints:
            new_params = [
                c(p) if c is not None else p for c, p in zip(constraints, new_params)
            ]
        hyperparams = dict(state.hyperparams)
        hyperparams["learning_rate"] = jnp.asarray(lr, jnp.float32)
        new_state = OptimizerState(
            iterations=iterations + 1,
            hyperparams=hyperparams,
            slots=slots,
            accumulators=accumulators,
            ema=ema,
        )
        return new_params, new_state

    return KerasPipeline(init, apply)


def optax_pipeline(transformation):
    """Wraps a user's raw optax `GradientTransformation` in the same state shape."""

    def init(params):
        return OptimizerState(
            iterations=jnp.zeros((), jnp.int32),
            hyperparams={},
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
    hyperparams = dict(state.hyperparams)
    hyperparams["learning_rate"] = jnp.asarray(value, jnp.float32)
    return state._replace(hyperparams=hyperparams)
