"""The steps of Keras's `BaseOptimizer.apply` as small optax transformations.

Each is an `optax.GradientTransformationExtraArgs` over a list of arrays (one per
trainable variable) and can be chained with `optax.chain`. The pipeline
(`jax_optimizers.keras_pipeline`) calls the chain with three extra arguments that
every step may read and the others ignore:

- `learning_rate`: the float32 learning rate of this step;
- `iteration`: Keras's `optimizer._iterations` before the step (micro-steps);
- `count`: Keras's `optimizer.iterations` before the step (`iteration //
  gradient_accumulation_steps`), the step the update rules bias-correct with.

Where optax's own transformation computes Keras's numbers it is used instead
(`clipvalue` is `optax.clip`); the ones here differ from optax's nearest:

- `divide_by`: Keras divides by `loss_scale_factor` (`optax.scale` multiplies by
  the reciprocal, another rounding).
- `clip_by_norm_per_variable`: Keras's `clipnorm` clips each gradient separately
  (optax has only the global and the block-RMS forms).
- `clip_by_global_norm`: Keras scales by `c * min(1 / norm, 1 / c)` and turns every
  gradient into NaN when the norm is not finite; `optax.clip_by_global_norm`
  leaves gradients under the norm untouched and divides the finite ones by `inf`.
- `accumulate_gradients` / `apply_every_k`: Keras sums gradients and divides once
  (`optax.MultiSteps` keeps a running mean); the update is computed on every
  micro-step and kept only on the last, as Keras's JAX backend does.
- `decoupled_weight_decay`: Keras decays the weights by `wd * lr` before the rule
  runs, and the rule sees the decayed weights (`optax.add_decayed_weights` adds
  `wd * p` to the gradient instead).
- `moving_average` (EMA) and `apply_constraints` act on the new weights
  `params + updates`, which optax's `ema` (an EMA of updates) does not.
"""

import jax
import jax.numpy as jnp
import optax


def _transform(init_fn, update_fn):
    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _empty_init(params):
    del params
    return optax.EmptyState()


def _cast(x, dtype):
    return jnp.asarray(x).astype(dtype)


def divide_by(factor):
    """`g / factor` (Keras's unscaling by `loss_scale_factor`)."""

    def update(updates, state, params=None, **extra_args):
        return [g / factor for g in updates], state

    return _transform(_empty_init, update)


def clip_by_norm_per_variable(clipnorm):
    """Keras's `clipnorm`: each gradient separately, `g * c / max(||g||, c)`.

    A zero gradient stays zero (the norm is taken through a `where`, as Keras's
    two-tap trick, so its derivative is finite).
    """

    def clip_one(g):
        l2sum = jnp.sum(jnp.square(g))
        safe = jnp.where(l2sum > 0, l2sum, jnp.ones_like(l2sum))
        norm = jnp.where(l2sum > 0, jnp.sqrt(safe), l2sum)
        return g * clipnorm / jnp.maximum(norm, clipnorm)

    def update(updates, state, params=None, **extra_args):
        return [clip_one(g) for g in updates], state

    return _transform(_empty_init, update)


def clip_by_global_norm(clipnorm):
    """Keras's `global_clipnorm`: `n = sqrt(sum_i ||g_i||^2)`, every gradient times
    `c * min(1 / n, 1 / c) + (n - n)` (NaN everywhere when `n` is not finite)."""

    def update(updates, state, params=None, **extra_args):
        if not updates:
            return updates, state
        norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)) for g in updates])))
        scale = clipnorm * jnp.minimum(1.0 / norm, 1.0 / clipnorm) + (norm - norm)
        return [g * scale for g in updates], state

    return _transform(_empty_init, update)


def accumulate_gradients(steps):
    """Keras's gradient accumulation, the gradient side.

    State: one running sum per variable. With `is_update = (iteration + 1) % steps
    == 0`, the output is `(sum + g) / steps` on update steps (and the sums reset to
    zero), and `g` itself otherwise (the sums grow by `g`); pair it with
    `apply_every_k(steps, ...)` so the update of a non-update step is dropped.
    """

    def init(params):
        return [jnp.zeros_like(p) for p in params]

    def update(updates, state, params=None, *, iteration, **extra_args):
        is_update = (iteration + 1) % steps == 0
        summed = [g + a for g, a in zip(updates, state)]
        sums = [jnp.where(is_update, jnp.zeros_like(s), s) for s in summed]
        grads = [jnp.where(is_update, s / steps, g) for s, g in zip(summed, updates)]
        return grads, sums

    return _transform(init, update)


def apply_every_k(steps, inner):
    """Runs `inner` on every step and keeps its result only when `(iteration + 1) %
    steps == 0`; otherwise the updates are zero and `inner`'s state is unchanged.
    The state is `inner`'s own."""

    def update(updates, state, params=None, *, iteration, **extra_args):
        is_update = (iteration + 1) % steps == 0
        new_updates, new_state = inner.update(
            updates, state, params, iteration=iteration, **extra_args
        )
        new_updates = [jnp.where(is_update, u, jnp.zeros_like(u)) for u in new_updates]
        new_state = jax.tree.map(
            lambda n, o: jnp.where(is_update, n, o), new_state, state
        )
        return new_updates, new_state

    return _transform(inner.init, update)


def decoupled_weight_decay(weight_decay, rule, mask=None):
    """Keras's weight decay around an update rule.

    The weights where `mask` is true are decayed first, `p_d = p - p * wd * lr`
    (`weight_decay` is one float, or a list with one float or `None` per weight),
    the rule runs on the decayed weights (LAMB's trust ratio, Adafactor's RMS and
    FTRL read them), and the returned update is `(p_d + rule_update) - p`, relative
    to the weights passed in, as optax's chain expects. The state is the rule's.
    """

    def update(updates, state, params, *, learning_rate, **extra_args):
        params = list(params)
        flags = mask if mask is not None else [True] * len(params)
        if isinstance(weight_decay, list | tuple):  # one value (or None) per weight
            rates = list(weight_decay)
            flags = [m and r is not None for m, r in zip(flags, rates)]
        else:
            rates = [weight_decay] * len(params)
        decayed = [
            p - p * _cast(wd, p.dtype) * _cast(learning_rate, p.dtype) if m else p
            for p, m, wd in zip(params, flags, rates)
        ]
        steps, state = rule.update(
            updates, state, decayed, learning_rate=learning_rate, **extra_args
        )
        total = [
            (d + s).astype(p.dtype) - p if m else s
            for p, d, s, m in zip(params, decayed, steps, flags)
        ]
        return total, state

    return _transform(rule.init, update)


def moving_average(momentum, overwrite_frequency=None):
    """Keras's `use_ema`: a moving average of the new weights `p + u`.

    `avg = m * avg + (1 - m) * (p + u)` with `m = momentum`, except on the first
    step (`count == 0`) where `m = 0` copies the weights. With
    `overwrite_frequency`, on steps where `(count + 1) % overwrite_frequency == 0`
    the update is changed so the weights become the average.
    """

    def init(params):
        return [jnp.zeros_like(p) for p in params]

    def update(updates, state, params, *, count, **extra_args):
        new_params = [(p + u).astype(p.dtype) for p, u in zip(params, updates)]
        not_first = (jnp.asarray(count) != 0).astype(jnp.float32)
        averages = []
        for avg, p in zip(state, new_params):
            m = _cast(not_first * momentum, p.dtype)
            averages.append(m * avg + (1 - m) * p)
        if overwrite_frequency:
            overwrite = (count + 1) % overwrite_frequency == 0
            updates = [
                jnp.where(overwrite, a - p, u)
                for a, p, u in zip(averages, params, updates)
            ]
        return updates, averages

    return _transform(init, update)


def apply_constraints(constraints):
    """Each variable's constraint (a callable or `None`) on the new weights; the
    update becomes `c(p + u) - p`."""

    def update(updates, state, params, **extra_args):
        out = []
        for c, p, u in zip(constraints, params, updates):
            if c is None:
                out.append(u)
            else:
                out.append(c((p + u).astype(p.dtype)) - p)
        return out, state

    return _transform(_empty_init, update)
