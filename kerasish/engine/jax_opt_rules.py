"""Keras's update rules as optax transformations (the JAX engine's side).

A rule is an `optax.GradientTransformationExtraArgs` holding one Keras update
(Adam, SGD, ...): `update(grads, state, params, *, learning_rate, count)` returns
additive updates (the learning rate included) and the new state. `count` is
Keras's `optimizer.iterations` before the step (bias correction uses `count + 1`);
`params` are the weights the rule reads (after weight decay). Other extra
arguments of the chain are ignored.

A rule's state is a dict under Keras's slot names (`"momentum"`, `"velocity"`,
...; see `kerasish.engine.optimizer_state`): one list with an array per variable,
or one scalar (Nadam's `u_product`). Where optax's own block computes the same
numbers (RMSprop's `scale_by_rms`/`scale_by_stddev` and `trace`, Adagrad's
`scale_by_rss`, Lion's `scale_by_lion`) it is used, and its state is renamed to
Keras's slots on the way out and rebuilt on the way in. Where it does not (Keras's
Adam puts epsilon outside `sqrt(v)` on the uncorrected `v` and folds the bias
correction into the step size) the Keras rule is written here.
"""

import jax.numpy as jnp
import optax


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
        return {"momentum": [jnp.zeros_like(p) for p in params]} if momentum else {}

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        updates, new_momentum = [], []
        for i, (g, p) in enumerate(zip(grads, params)):
            lr = _cast(learning_rate, p.dtype)
            g = _cast(g, p.dtype)
            if not momentum:
                updates.append(-g * lr)
                continue
            mu = _cast(momentum, p.dtype)
            m = state["momentum"][i] * mu - g * lr
            new_momentum.append(m)
            updates.append(m * mu - g * lr if nesterov else m)
        return updates, ({"momentum": new_momentum} if momentum else {})

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

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        new = {k: [] for k in state}
        updates = []
        alphas = {}  # one step size per dtype: the same numbers, traced once

        def step_size(dtype):
            if dtype not in alphas:
                lr, t = _cast(learning_rate, dtype), _step(count, dtype)
                b1, b2 = _cast(beta_1, dtype), _cast(beta_2, dtype)
                alphas[dtype] = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
            return alphas[dtype]

        for i, (g, p) in enumerate(zip(grads, params)):
            g, alpha = _cast(g, p.dtype), step_size(p.dtype)
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

    def update(grads, state, params, *, learning_rate, count, **extra_args):
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

    def update(grads, state, params, *, learning_rate, count, **extra_args):
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

    def to_keras(scale_state, trace_state):
        slots = {"velocity": scale_state.nu}
        if trace is not None:
            slots["momentum"] = trace_state.trace
        if centered:
            slots["average_gradient"] = scale_state.mu
        return slots

    def from_keras(slots):
        if centered:
            scale_state = optax.ScaleByRStdDevState(
                mu=slots["average_gradient"], nu=slots["velocity"]
            )
        else:
            scale_state = optax.ScaleByRmsState(nu=slots["velocity"])
        trace_state = (
            optax.TraceState(trace=slots["momentum"]) if trace is not None else None
        )
        return scale_state, trace_state

    def init(params):
        params = list(params)
        trace_state = trace.init(params) if trace is not None else None
        return to_keras(scale.init(params), trace_state)

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        scale_state, trace_state = from_keras(state)
        grads = [_cast(g, p.dtype) for g, p in zip(grads, params)]
        steps, scale_state = scale.update(grads, scale_state)
        steps = [s * _cast(learning_rate, p.dtype) for s, p in zip(steps, params)]
        if trace is not None:
            steps, trace_state = trace.update(steps, trace_state)
        return [-s for s in steps], to_keras(scale_state, trace_state)

    return _rule(init, update)


def adagrad(initial_accumulator_value=0.1, epsilon=1e-7):
    """Keras Adagrad through `optax.scale_by_rss`: `acc += g^2`,
    `p -= lr * g / sqrt(acc + epsilon)`."""
    scale = optax.scale_by_rss(
        initial_accumulator_value=initial_accumulator_value, eps=epsilon
    )

    def init(params):
        return {"accumulator": scale.init(list(params)).sum_of_squares}

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        grads = [_cast(g, p.dtype) for g, p in zip(grads, params)]
        rss = optax.ScaleByRssState(sum_of_squares=state["accumulator"])
        steps, rss = scale.update(grads, rss)
        updates = [-s * _cast(learning_rate, p.dtype) for s, p in zip(steps, params)]
        return updates, {"accumulator": rss.sum_of_squares}

    return _rule(init, update)


def adadelta(rho=0.95, epsilon=1e-7):
    """Keras Adadelta: `delta = -sqrt(acc_delta + eps) * g / sqrt(acc_g + eps)`,
    `p += lr * delta`."""

    def init(params):
        return {
            "accumulated_grad": [jnp.zeros_like(p) for p in params],
            "accumulated_delta_var": [jnp.zeros_like(p) for p in params],
        }

    def update(grads, state, params, *, learning_rate, count, **extra_args):
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

    def update(grads, state, params, *, learning_rate, count, **extra_args):
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

    def init(params):
        return {"momentum": scale.init(list(params)).mu}

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        grads = [_cast(g, p.dtype) for g, p in zip(grads, params)]
        # optax's `count` does not enter Lion's update; Keras keeps none.
        lion_state = optax.ScaleByLionState(
            count=jnp.zeros((), jnp.int32), mu=state["momentum"]
        )
        steps, lion_state = scale.update(grads, lion_state)
        updates = [-s * _cast(learning_rate, p.dtype) for s, p in zip(steps, params)]
        return updates, {"momentum": lion_state.mu}

    return _rule(init, update)


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

    def update(grads, state, params, *, learning_rate, count, **extra_args):
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

    def update(grads, state, params, *, learning_rate, count, **extra_args):
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


def muon(
    use_adam,
    adam_beta_1=0.9,
    adam_beta_2=0.999,
    epsilon=1e-7,
    muon_a=3.4445,
    muon_b=-4.7750,
    muon_c=2.0315,
    adam_lr_ratio=1,
    momentum=0.95,
    ns_steps=5,
    nesterov=True,
    rms_rate=0.2,
):
    """Keras Muon: variables where `use_adam[i]` take Keras's Adam step (learning
    rate times `adam_lr_ratio`); the others (2-D) take the Muon step:
    `m = momentum * m + g`, `u = NS5(g + momentum * m)` (nesterov) or `NS5(m)`,
    `p -= lr * u * sqrt(max(rows, cols)) * rms_rate`, where NS5 is `ns_steps`
    quintic Newton-Schulz iterations `x = a x + (b A + c A A) x`, `A = x x^T`, on
    `x / (||x||_F + 1e-7)` (transposed when it has more rows than columns)."""
    use_adam = list(use_adam)

    def init(params):
        return {
            "momentum": [jnp.zeros_like(p) for p in params],
            "velocity": [
                jnp.zeros_like(p) if adam else None for p, adam in zip(params, use_adam)
            ],
        }

    def newton_schulz(x):
        transpose = x.shape[-2] > x.shape[-1]
        if transpose:
            x = jnp.swapaxes(x, -1, -2)
        norm = jnp.sqrt(jnp.sum(jnp.square(x), axis=(-2, -1), keepdims=True))
        x = x / (norm + 1e-7)
        for _ in range(ns_steps):
            a = x @ jnp.swapaxes(x, -1, -2)
            b = muon_b * a + muon_c * a @ a
            x = muon_a * x + b @ x
        return jnp.swapaxes(x, -1, -2) if transpose else x

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        new = {"momentum": [], "velocity": []}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            m = state["momentum"][i]
            if use_adam[i]:
                dtype = p.dtype
                lr = _cast(learning_rate * adam_lr_ratio, dtype)
                g, t = _cast(g, dtype), _step(count, dtype)
                b1_power = _cast(adam_beta_1, dtype) ** t
                b2_power = _cast(adam_beta_2, dtype) ** t
                alpha = lr * jnp.sqrt(1 - b2_power) / (1 - b1_power)
                m = m + (g - m) * (1 - adam_beta_1)
                v = state["velocity"][i]
                v = v + (jnp.square(g) - v) * (1 - adam_beta_2)
                new["momentum"].append(m)
                new["velocity"].append(v)
                updates.append(-(m * alpha) / (jnp.sqrt(v) + epsilon))
                continue
            m = m + (g + m * (momentum - 1))
            new["momentum"].append(m)
            new["velocity"].append(None)
            direction = newton_schulz(g + momentum * m if nesterov else m)
            step = learning_rate * direction
            if rms_rate is not None:
                scale = jnp.sqrt(jnp.asarray(max(step.shape[0], step.shape[1])))
                step = step * scale * rms_rate
            updates.append(-step)
        return updates, new

    return _rule(init, update)


def schedule_free_adamw(beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0):
    """Keras ScheduleFreeAdamW (Defazio et al., 2024). The weights are `y`; the
    slots are `z` (Keras's `momentum`, starting at the weights) and Adam's `v`:
    `v = beta_2 v + (1 - beta_2) g^2`, `z -= lr g / (sqrt(v / (1 - beta_2^t)) +
    epsilon)` (lr ramped by `min(t / warmup_steps, 1)`), `x = (y - (1 - beta_1)
    z_old) / beta_1`, `x = (1 - 1/t) x + z / t`, `y = (1 - beta_1) z + beta_1 x`."""

    def init(params):
        return {
            "momentum": [jnp.array(p) for p in params],
            "velocity": [jnp.zeros_like(p) for p in params],
        }

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        new = {"momentum": [], "velocity": []}
        updates = []
        for i, (g, p) in enumerate(zip(grads, params)):
            dtype = p.dtype
            lr, g, t = _cast(learning_rate, dtype), _cast(g, dtype), _step(count, dtype)
            b1, b2 = _cast(beta_1, dtype), _cast(beta_2, dtype)
            eps = _cast(epsilon, dtype)
            if warmup_steps > 0:
                lr = lr * jnp.minimum(t / _cast(warmup_steps, dtype), 1.0)
            z_old = state["momentum"][i]
            v = state["velocity"][i]
            v = v + (jnp.square(g) - v) * (1 - b2)
            denom = jnp.sqrt(v / (1 - b2**t)) + eps
            z = z_old - (lr * g) / denom
            weight = 1.0 / t
            x = (p - (1 - b1) * z_old) / b1
            x = (1 - weight) * x + weight * z
            y = (1 - b1) * z + b1 * x
            new["momentum"].append(z)
            new["velocity"].append(v)
            updates.append(y - p)
        return updates, new

    return _rule(init, update)


def from_callback(step, init_slots):
    """A rule whose math is a Python function (a Keras `update_step` subclass).

    `init_slots(params)` returns the initial slots (a list of arrays);
    `step(grads, slots, params, learning_rate=..., count=...)` returns
    `(new_params, new_slots)`, traced like any rule. The update is
    `new_params - params`."""

    def init(params):
        return {"variables": list(init_slots(list(params)))}

    def update(grads, state, params, *, learning_rate, count, **extra_args):
        params = list(params)
        new_params, slots = step(
            list(grads),
            list(state["variables"]),
            params,
            learning_rate=learning_rate,
            count=count,
        )
        updates = [(n - p) for n, p in zip(new_params, params)]
        return updates, {"variables": list(slots)}

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
    "muon": muon,
    "schedule_free_adamw": schedule_free_adamw,
    "callback": from_callback,
}
