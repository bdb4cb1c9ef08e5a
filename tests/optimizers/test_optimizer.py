"""Optimizers against update formulas written in numpy, and the object API."""

import numpy as np
import pytest

import kerasish.optimizers as optimizers
from kerasish import ops
from kerasish.engine import get_engine
from kerasish.optimizers import schedules
from kerasish.variables import Variable

RNG = np.random.default_rng(0)
P0 = [
    RNG.normal(size=(3, 4)).astype("float32"),
    RNG.normal(size=(4,)).astype("float32"),
]
G = [
    [RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=(4,)).astype("float32")]
    for _ in range(3)
]
TOL = {"rtol": 2e-5, "atol": 2e-6}


def _steps(opt, grads_seq=G, params=P0):
    state = opt.init(params)
    params = list(params)
    for grads in grads_seq:
        params, state = opt.stateless_apply(state, grads, params)
    return [np.asarray(p) for p in params], state


# -- numpy references: one optimizer each, several steps -----------------------------


def ref_sgd(ps, gs_seq, lr=0.01, momentum=0.0, nesterov=False):
    ps = [p.astype(np.float64) for p in ps]
    ms = [np.zeros_like(p) for p in ps]
    for gs in gs_seq:
        for i, g in enumerate(gs):
            if momentum == 0:
                ps[i] = ps[i] - lr * g
                continue
            ms[i] = momentum * ms[i] - lr * g
            ps[i] = ps[i] + (momentum * ms[i] - lr * g if nesterov else ms[i])
    return ps


def ref_adam(ps, gs_seq, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    ps = [p.astype(np.float64) for p in ps]
    m = [np.zeros_like(p) for p in ps]
    v = [np.zeros_like(p) for p in ps]
    vh = [np.zeros_like(p) for p in ps]
    for t, gs in enumerate(gs_seq, start=1):
        for i, g in enumerate(gs):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g**2
            vh[i] = np.maximum(vh[i], v[i])
            alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            ps[i] = ps[i] - alpha * m[i] / (np.sqrt(vh[i] if amsgrad else v[i]) + eps)
    return ps


def ref_adamax(ps, gs_seq, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    ps = [p.astype(np.float64) for p in ps]
    m = [np.zeros_like(p) for p in ps]
    u = [np.zeros_like(p) for p in ps]
    for t, gs in enumerate(gs_seq, start=1):
        for i, g in enumerate(gs):
            m[i] = b1 * m[i] + (1 - b1) * g
            u[i] = np.maximum(b2 * u[i], np.abs(g))
            ps[i] = ps[i] - lr * m[i] / ((1 - b1**t) * (u[i] + eps))
    return ps


def ref_nadam(ps, gs_seq, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    ps = [p.astype(np.float64) for p in ps]
    m = [np.zeros_like(p) for p in ps]
    v = [np.zeros_like(p) for p in ps]
    u_prod = 1.0
    for t, gs in enumerate(gs_seq, start=1):
        u_t = b1 * (1 - 0.5 * 0.96**t)
        u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_prod *= u_t
        for i, g in enumerate(gs):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g**2
            m_hat = u_next * m[i] / (1 - u_prod * u_next) + (1 - u_t) * g / (1 - u_prod)
            v_hat = v[i] / (1 - b2**t)
            ps[i] = ps[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return ps


def ref_rmsprop(ps, gs_seq, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    ps = [p.astype(np.float64) for p in ps]
    v = [np.zeros_like(p) for p in ps]
    mg = [np.zeros_like(p) for p in ps]
    mom = [np.zeros_like(p) for p in ps]
    for gs in gs_seq:
        for i, g in enumerate(gs):
            v[i] = rho * v[i] + (1 - rho) * g**2
            mg[i] = rho * mg[i] + (1 - rho) * g
            denom = v[i] - mg[i] ** 2 + eps if centered else v[i] + eps
            step = lr * g / np.sqrt(denom)
            if momentum > 0:
                mom[i] = momentum * mom[i] + step
                step = mom[i]
            ps[i] = ps[i] - step
    return ps


def ref_adagrad(ps, gs_seq, lr=0.001, init=0.1, eps=1e-7):
    ps = [p.astype(np.float64) for p in ps]
    acc = [np.full_like(p, init) for p in ps]
    for gs in gs_seq:
        for i, g in enumerate(gs):
            acc[i] = acc[i] + g**2
            ps[i] = ps[i] - lr * g / np.sqrt(acc[i] + eps)
    return ps


def ref_adadelta(ps, gs_seq, lr=0.001, rho=0.95, eps=1e-7):
    ps = [p.astype(np.float64) for p in ps]
    ag = [np.zeros_like(p) for p in ps]
    ad = [np.zeros_like(p) for p in ps]
    for gs in gs_seq:
        for i, g in enumerate(gs):
            ag[i] = rho * ag[i] + (1 - rho) * g**2
            delta = -np.sqrt(ad[i] + eps) * g / np.sqrt(ag[i] + eps)
            ad[i] = rho * ad[i] + (1 - rho) * delta**2
            ps[i] = ps[i] + lr * delta
    return ps


def ref_adafactor(ps, gs_seq, lr=0.001, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    ps = [p.astype(np.float64) for p in ps]
    r = [np.zeros(p.shape[:-1]) for p in ps]
    c = [np.zeros(p.shape[:-2] + p.shape[-1:]) for p in ps]
    v = [np.zeros_like(p) for p in ps]

    def rms(x):
        return np.sqrt(np.mean(x**2))

    for t, gs in enumerate(gs_seq, start=1):
        for i, g in enumerate(gs):
            rho_t = min(lr, 1 / np.sqrt(t))
            alpha = max(eps2, rms(ps[i])) * rho_t
            g2 = g**2 + eps1
            beta = 1 - t**decay
            if ps[i].ndim >= 2:
                r[i] = beta * r[i] + (1 - beta) * g2.mean(-1)
                c[i] = beta * c[i] + (1 - beta) * g2.mean(-2)
                v[i] = (r[i] / r[i].mean(-1, keepdims=True))[..., None] * c[i][
                    ..., None, :
                ]
            else:
                v[i] = beta * v[i] + (1 - beta) * g2
            u = g / np.sqrt(v[i])
            ps[i] = ps[i] - alpha * u / max(1.0, rms(u) / clip)
    return ps


def ref_lion(ps, gs_seq, lr=0.001, b1=0.9, b2=0.99):
    ps = [p.astype(np.float64) for p in ps]
    m = [np.zeros_like(p) for p in ps]
    for gs in gs_seq:
        for i, g in enumerate(gs):
            ps[i] = ps[i] - lr * np.sign(b1 * m[i] + (1 - b1) * g)
            m[i] = b2 * m[i] + (1 - b2) * g
    return ps


def ref_ftrl(
    ps, gs_seq, lr=0.001, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0
):
    ps = [p.astype(np.float64) for p in ps]
    n = [np.full_like(p, init) for p in ps]
    z = [np.zeros_like(p) for p in ps]
    for gs in gs_seq:
        for i, g in enumerate(gs):
            n_new = n[i] + g**2
            sigma = (n_new ** (-power) - n[i] ** (-power)) / lr
            z[i] = z[i] + g + 2 * shrink * ps[i] - sigma * ps[i]
            quad = n_new ** (-power) / lr + 2 * (l2 + beta / (2 * lr))
            ps[i] = (np.clip(z[i], -l1, l1) - z[i]) / quad
            n[i] = n_new
    return ps


def ref_lamb(ps, gs_seq, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    ps = [p.astype(np.float64) for p in ps]
    m = [np.zeros_like(p) for p in ps]
    v = [np.zeros_like(p) for p in ps]
    for t, gs in enumerate(gs_seq, start=1):
        for i, g in enumerate(gs):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g**2
            d = (m[i] / (1 - b1**t)) / (np.sqrt(v[i] / (1 - b2**t)) + eps)
            ratio = np.linalg.norm(ps[i]) / np.linalg.norm(d)
            ps[i] = ps[i] - lr * ratio * d
    return ps


CASES = [
    (optimizers.SGD, {}, ref_sgd, {}),
    (optimizers.SGD, {"momentum": 0.9}, ref_sgd, {"momentum": 0.9}),
    (
        optimizers.SGD,
        {"momentum": 0.9, "nesterov": True},
        ref_sgd,
        {"momentum": 0.9, "nesterov": True},
    ),
    (optimizers.Adam, {"learning_rate": 0.01}, ref_adam, {"lr": 0.01}),
    (
        optimizers.Adam,
        {"learning_rate": 0.01, "amsgrad": True},
        ref_adam,
        {"lr": 0.01, "amsgrad": True},
    ),
    (optimizers.Adamax, {}, ref_adamax, {}),
    (optimizers.Nadam, {}, ref_nadam, {}),
    (optimizers.RMSprop, {}, ref_rmsprop, {}),
    (
        optimizers.RMSprop,
        {"momentum": 0.5, "centered": True},
        ref_rmsprop,
        {"momentum": 0.5, "centered": True},
    ),
    (optimizers.Adagrad, {}, ref_adagrad, {}),
    (optimizers.Adadelta, {"learning_rate": 1.0}, ref_adadelta, {"lr": 1.0}),
    (optimizers.Adafactor, {}, ref_adafactor, {}),
    (optimizers.Lion, {}, ref_lion, {}),
    (optimizers.Ftrl, {"learning_rate": 0.1}, ref_ftrl, {"lr": 0.1}),
    (
        optimizers.Ftrl,
        {
            "l1_regularization_strength": 0.01,
            "l2_shrinkage_regularization_strength": 0.1,
        },
        ref_ftrl,
        {"l1": 0.01, "shrink": 0.1},
    ),
    (optimizers.Lamb, {}, ref_lamb, {}),
]


@pytest.mark.parametrize(
    "cls,kwargs,ref,ref_kwargs", CASES, ids=[f"{c[0].__name__}-{c[1]}" for c in CASES]
)
def test_steps_match_numpy_formula(cls, kwargs, ref, ref_kwargs):
    got, state = _steps(cls(**kwargs))
    want = ref(P0, G, **ref_kwargs)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **TOL)
    assert int(state.iterations) == len(G)


# -- clipping and weight decay -------------------------------------------------------


def test_clipnorm_clips_each_gradient_separately():
    c = 0.5
    got, _ = _steps(optimizers.SGD(1.0, clipnorm=c), [G[0]])
    for p, g, out in zip(P0, G[0], got):
        norm = np.linalg.norm(g)
        np.testing.assert_allclose(out, p - g * c / max(norm, c), **TOL)


def test_global_clipnorm_clips_all_gradients_together():
    c = 0.5
    got, _ = _steps(optimizers.SGD(1.0, global_clipnorm=c), [G[0]])
    norm = np.sqrt(sum(np.sum(g**2) for g in G[0]))
    for p, g, out in zip(P0, G[0], got):
        np.testing.assert_allclose(out, p - g * c / max(norm, c), **TOL)


def test_clipvalue_clips_elementwise():
    got, _ = _steps(optimizers.SGD(1.0, clipvalue=0.2), [G[0]])
    for p, g, out in zip(P0, G[0], got):
        np.testing.assert_allclose(out, p - np.clip(g, -0.2, 0.2), **TOL)


def test_weight_decay_applies_before_the_update():
    lr, wd = 0.1, 0.3
    got, _ = _steps(optimizers.SGD(lr, momentum=0.0, weight_decay=wd), [G[0]])
    for p, g, out in zip(P0, G[0], got):
        np.testing.assert_allclose(out, p - p * wd * lr - lr * g, **TOL)
    # For Adam the decayed weight enters nothing else, so decay + Adam step.
    got, _ = _steps(optimizers.AdamW(0.01, weight_decay=wd), [G[0]])
    want = ref_adam([p - p * wd * 0.01 for p in P0], [G[0]], lr=0.01)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **TOL)


def test_exclude_from_weight_decay_by_name():
    kernel, bias = Variable(P0[0], name="kernel"), Variable(P0[1], name="bias")
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply(G[0], [kernel, bias])
    np.testing.assert_allclose(
        kernel.numpy(), P0[0] * (1 - 0.05) - 0.1 * G[0][0], **TOL
    )
    np.testing.assert_allclose(bias.numpy(), P0[1] - 0.1 * G[0][1], **TOL)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


# -- learning rate as data -------------------------------------------------------------


def test_setting_learning_rate_between_steps_does_not_recompile():
    engine = get_engine()
    variables = [Variable(p) for p in P0]
    opt = optimizers.SGD(0.1)
    opt.build(variables)
    step = engine.jit(opt.stateless_apply)
    params = [v.value for v in variables]
    params, opt.state = step(opt.state, G[0], params)
    before = [np.asarray(p) for p in params]
    opt.learning_rate = 0.01
    assert float(opt.learning_rate) == pytest.approx(0.01)
    with engine.count_compilations() as counter:
        params, opt.state = step(opt.state, G[1], params)
    assert counter.count == 0
    for b, g, out in zip(before, G[1], params):
        np.testing.assert_allclose(out, b - 0.01 * g, **TOL)


def test_schedule_is_evaluated_at_the_current_iteration():
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(sched)
    got, state = _steps(opt)
    want = [p.astype(np.float64) for p in P0]
    for t, gs in enumerate(G):
        want = [p - 0.1 * 0.5**t * g for p, g in zip(want, gs)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **TOL)
    opt.state = state
    opt.built = True
    assert float(opt.learning_rate) == pytest.approx(0.1 * 0.5**3)
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1


def test_learning_rate_before_build_and_callable():
    # Read back rounded to float32, as Keras's float32 variable gives it.
    opt = optimizers.Adam(learning_rate=0.02)
    assert float(opt.learning_rate) == float(np.float32(0.02)) == 0.019999999552965164
    assert ops.convert_to_numpy(opt.learning_rate).dtype == np.float32
    assert ops.convert_to_numpy(opt.iterations).dtype == np.int32
    opt.learning_rate = 0.03
    assert opt.get_config()["learning_rate"] == float(np.float32(0.03))
    got, _ = _steps(optimizers.SGD(lambda: 0.5), [G[0]])
    np.testing.assert_allclose(got[0], P0[0] - 0.5 * G[0][0], **TOL)


# -- gradient accumulation and EMA ---------------------------------------------


def test_gradient_accumulation_equals_one_step_on_the_mean_gradient():
    acc = optimizers.Adam(0.01, gradient_accumulation_steps=3)
    got, state = _steps(acc, G)
    mean = [np.mean([gs[i] for gs in G], axis=0) for i in range(2)]
    want = ref_adam(P0, [mean], lr=0.01)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **TOL)
    # Between updates the weights do not move.
    partial, _ = _steps(optimizers.Adam(0.01, gradient_accumulation_steps=3), G[:2])
    for g, p in zip(partial, P0):
        np.testing.assert_array_equal(g, p)
    variables = [Variable(p) for p in P0]
    acc2 = optimizers.Adam(0.01, gradient_accumulation_steps=3)
    for gs in G:
        acc2.apply(gs, variables)
    assert int(acc2.iterations) == 1


def test_ema_tracks_the_weights():
    m = 0.7
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=m)
    params = [p.astype(np.float64) for p in P0]
    ema = None
    for gs in G:
        params = [p - 0.1 * g for p, g in zip(params, gs)]
        ema = (
            params
            if ema is None
            else [m * a + (1 - m) * p for a, p in zip(ema, params)]
        )
    got, state = _steps(opt)
    opt.state, opt.built = state, True
    for g, w in zip(got, params):
        np.testing.assert_allclose(g, w, **TOL)
    final = opt.finalize_variable_values(got)
    for g, w in zip(final, ema):
        np.testing.assert_allclose(g, w, **TOL)
    variables = [Variable(p) for p in got]
    opt.finalize_variable_values(variables)
    np.testing.assert_allclose(variables[0].numpy(), ema[0], **TOL)


def test_ema_overwrite_frequency_replaces_weights():
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    got, state = _steps(opt, G[:2])
    p1 = [p - 0.1 * g for p, g in zip(P0, G[0])]
    p2 = [p - 0.1 * g for p, g in zip(p1, G[1])]
    want = [0.5 * a + 0.5 * b for a, b in zip(p1, p2)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **TOL)


def test_loss_scale_factor_divides_gradients():
    opt = optimizers.SGD(0.1, loss_scale_factor=4.0)
    assert float(opt.scale_loss(2.0)) == 8.0
    got, _ = _steps(opt, [G[0]])
    np.testing.assert_allclose(got[1], P0[1] - 0.1 * G[0][1] / 4.0, **TOL)


# -- object API ----------------------------------------------------------------


def test_apply_gradients_updates_variables_in_place():
    variables = [Variable(p) for p in P0]
    opt = optimizers.SGD(0.1, momentum=0.9)
    for gs in G:
        opt.apply_gradients(zip(gs, variables))
    for v, w in zip(variables, ref_sgd(P0, G, lr=0.1, momentum=0.9)):
        np.testing.assert_allclose(v.numpy(), w, **TOL)
    assert int(opt.iterations) == 3
    assert opt.iterations.numpy() == 3


def test_overwrite_with_gradient_takes_the_gradient_as_the_value():
    # As Keras: such a variable (float8 training's scales) becomes its
    # "gradient", outside the rule, the global norm and the weight decay.
    kernel, scale = Variable(P0[0]), Variable(P0[1])
    scale.overwrite_with_gradient = True
    opt = optimizers.SGD(0.1, momentum=0.9, weight_decay=0.5, global_clipnorm=0.3)
    opt.apply(G[0], [kernel, scale])
    np.testing.assert_allclose(scale.numpy(), G[0][1], **TOL)
    norm = np.sqrt(np.sum(G[0][0] ** 2))  # the kernel's gradient alone
    decayed = P0[0] * (1 - 0.1 * 0.5)
    np.testing.assert_allclose(
        kernel.numpy(), decayed - 0.1 * G[0][0] * 0.3 / max(norm, 0.3), **TOL
    )
    with pytest.raises(ValueError, match="gradient_accumulation_steps.*float8"):
        accumulating = optimizers.SGD(0.1, gradient_accumulation_steps=2)
        accumulating.apply(G[0], [Variable(P0[0]), scale])


def test_apply_errors():
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="must be built first"):
        opt.apply(G[0])
    variables = [Variable(p) for p in P0]
    opt.apply(G[0], variables)
    with pytest.raises(ValueError, match="unknown variable"):
        opt.apply(G[0][:1], [Variable(P0[0])])
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply([None, None], variables)
    with pytest.raises(ValueError, match="2 gradients for 1 weights"):
        opt.stateless_apply(opt.state, G[0], P0[:1])
    with pytest.raises(ValueError, match="built for 2 variables"):
        opt.stateless_apply(opt.state, G[0][:1], P0[:1])


def test_variables_round_trip():
    variables = [Variable(p) for p in P0]
    opt = optimizers.Adam(0.01)
    opt.apply(G[0], variables)
    saved = [np.asarray(v) for v in opt.variables]
    store = {}
    opt.save_own_variables(store)
    fresh = optimizers.Adam(0.01)
    fresh.build([Variable(p) for p in P0])
    fresh.load_own_variables(store)
    for a, b in zip(fresh.variables, saved):
        np.testing.assert_array_equal(np.asarray(a), b)
    assert int(fresh.iterations) == 1
    with pytest.raises(ValueError, match="has 6 state arrays, received 2"):
        fresh.set_state_from_variables(saved[:2])
    with pytest.raises(ValueError, match="state array 0 has shape"):
        fresh.set_state_from_variables([np.zeros(5)] + saved[1:])
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        fresh.load_own_variables({"0": saved[0]})
    with pytest.raises(ValueError, match="not built"):
        optimizers.Adam().set_state_from_variables(saved)


@pytest.mark.parametrize(
    "opt",
    [
        optimizers.SGD(0.1, momentum=0.5, nesterov=True, clipnorm=1.0),
        optimizers.AdamW(weight_decay=0.1, amsgrad=True),
        optimizers.Ftrl(l1_regularization_strength=0.1),
        optimizers.Adam(schedules.CosineDecay(0.1, 100, warmup_target=0.2)),
    ],
)
def test_config_round_trip(opt):
    config = optimizers.serialize(opt)
    clone = optimizers.deserialize(config)
    assert type(clone) is type(opt)
    assert clone.get_config() == opt.get_config()
    assert optimizers.get(config).get_config() == opt.get_config()


def test_get_by_name_instance_and_errors():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("adamw"), optimizers.AdamW)
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    with pytest.raises(
        ValueError, match="Unknown optimizer 'adamm'. Did you mean 'adam"
    ):
        optimizers.get("adamm")
    with pytest.raises(TypeError, match="Could not interpret optimizer identifier"):
        optimizers.get(3)


@pytest.mark.parametrize(
    "make,error,match",
    [
        (
            lambda: optimizers.Adam(learning_rate=-1.0),
            ValueError,
            "Adam: `learning_rate`",
        ),
        (
            lambda: optimizers.Adam(learning_rate="fast"),
            TypeError,
            "Adam: `learning_rate`",
        ),
        (lambda: optimizers.Adam(beta_1=1.0), ValueError, "Adam: `beta_1` must be in"),
        (lambda: optimizers.Nadam(beta_2=-0.1), ValueError, "Nadam: `beta_2`"),
        (lambda: optimizers.SGD(momentum=1.5), ValueError, "SGD: `momentum`"),
        (lambda: optimizers.SGD(nesterov="yes"), TypeError, "SGD: `nesterov`"),
        (lambda: optimizers.SGD(clipnorm=0.0), ValueError, "SGD: `clipnorm`"),
        (lambda: optimizers.SGD(clipvalue=-1.0), ValueError, "SGD: `clipvalue`"),
        (
            lambda: optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0),
            ValueError,
            "only one of",
        ),
        (lambda: optimizers.Adam(weight_decay=-0.1), ValueError, "`weight_decay`"),
        (
            lambda: optimizers.AdamW(weight_decay=None),
            ValueError,
            "AdamW: `weight_decay`",
        ),
        (lambda: optimizers.Adam(ema_momentum=2.0), ValueError, "`ema_momentum`"),
        (lambda: optimizers.Adam(use_ema=1), TypeError, "`use_ema` must be a bool"),
        (
            lambda: optimizers.Adam(use_ema=True, ema_overwrite_frequency=0),
            ValueError,
            "`ema_overwrite_frequency`",
        ),
        (
            lambda: optimizers.Adam(gradient_accumulation_steps=1),
            ValueError,
            "`gradient_accumulation_steps` must be an int >= 2",
        ),
        (lambda: optimizers.Adam(foo=1), ValueError, "not recognized"),
        (lambda: optimizers.RMSprop(rho=1.1), ValueError, "RMSprop: `rho`"),
        (lambda: optimizers.Adagrad(epsilon=-1e-7), ValueError, "Adagrad: `epsilon`"),
        (lambda: optimizers.Adadelta(rho=2.0), ValueError, "Adadelta: `rho`"),
        (lambda: optimizers.Lion(beta_1=0.0), ValueError, "Lion: `beta_1`"),
        (lambda: optimizers.Ftrl(learning_rate_power=0.5), ValueError, "Ftrl"),
        (
            lambda: optimizers.Ftrl(l1_regularization_strength=-1.0),
            ValueError,
            "`l1_regularization_strength`",
        ),
        (lambda: optimizers.Adafactor(clip_threshold=0.0), ValueError, "Adafactor"),
        (lambda: optimizers.Adafactor(relative_step=1), TypeError, "`relative_step`"),
        (lambda: optimizers.Lamb(beta_1=1.2), ValueError, "Lamb: `beta_1`"),
        (lambda: optimizers.Adam(amsgrad=None), TypeError, "`amsgrad`"),
        (lambda: optimizers.RMSprop(centered=0), TypeError, "`centered`"),
    ],
)
def test_argument_validation(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_decay_argument_warns_and_base_has_no_rule():
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=0.1)
    with pytest.raises(NotImplementedError, match="no update rule"):
        optimizers.Optimizer(learning_rate=0.01).init(P0)
    opt = optimizers.Adam()
    assert opt.finalize_variable_values(P0) == P0
    # Before build, as Keras: the iteration and the learning rate.
    assert [(v.name, float(v)) for v in opt.variables] == [
        ("iteration", 0.0),
        ("learning_rate", float(np.float32(1e-3))),
    ]
    assert "Adam" in repr(opt)


def test_stateless_apply_of_an_unbuilt_optimizer_says_to_build_it():
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match=r"must be built first.*optimizer.build"):
        opt.stateless_apply([], [], [])
