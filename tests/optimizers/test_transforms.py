"""The steps of Keras's optimizer pipeline, each alone against a numpy formula, and
the chain they make against the optimizer objects."""

import re

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import kerasish
import kerasish.optimizers as optimizers
from kerasish.engine import jax_opt_rules, jax_optimizers
from kerasish.engine import jax_opt_transforms as transforms
from kerasish.engine.optimizer_state import OptimizerState
from kerasish.variables import Variable

RNG = np.random.default_rng(3)
P = [RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=(5,)).astype("float32")]
G = [
    [RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=(5,)).astype("float32")]
    for _ in range(4)
]
TOL = {"rtol": 1e-6, "atol": 1e-7}
EXTRA = {"learning_rate": jnp.float32(0.1), "iteration": 0, "count": 0}


def _update(tx, grads, state=None, params=P, **extra):
    state = tx.init(params) if state is None else state
    updates, state = tx.update(grads, state, params, **{**EXTRA, **extra})
    return [np.asarray(u) for u in updates], state


def test_divide_by_divides():
    got, _ = _update(transforms.divide_by(8.0), G[0])
    for g, want in zip(got, G[0]):
        np.testing.assert_array_equal(g, want / np.float32(8.0))


@pytest.mark.parametrize("clipnorm", [0.5, 100.0])
def test_clip_by_norm_per_variable_clips_each_gradient_alone(clipnorm):
    got, _ = _update(transforms.clip_by_norm_per_variable(clipnorm), G[0])
    for g, want in zip(got, G[0]):
        norm = np.sqrt(np.sum(want.astype(np.float64) ** 2))
        np.testing.assert_allclose(g, want * clipnorm / max(norm, clipnorm), **TOL)
    zero, _ = _update(
        transforms.clip_by_norm_per_variable(1.0), [np.zeros(3)], params=[np.ones(3)]
    )
    np.testing.assert_array_equal(zero[0], np.zeros(3))


@pytest.mark.parametrize("clipnorm", [0.5, 100.0])
def test_clip_by_global_norm_uses_one_norm_for_all(clipnorm):
    got, _ = _update(transforms.clip_by_global_norm(clipnorm), G[0])
    norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in G[0]))
    scale = clipnorm * min(1 / norm, 1 / clipnorm)
    for g, want in zip(got, G[0]):
        np.testing.assert_allclose(g, want * scale, **TOL)


def test_clip_by_global_norm_turns_a_non_finite_norm_into_nan_as_keras():
    grads = [np.array([1.0, np.inf], "float32"), np.array([2.0], "float32")]
    params = [np.zeros(2, "float32"), np.zeros(1, "float32")]
    got, _ = _update(transforms.clip_by_global_norm(1.0), grads, params=params)
    assert all(np.isnan(g).all() for g in got)
    # optax's own keeps the finite entries finite (zero): a different semantics.
    theirs, _ = optax.clip_by_global_norm(1.0).update(grads, optax.EmptyState())
    assert np.asarray(theirs[1])[0] == 0.0


def test_optax_clip_is_keras_clipvalue():
    got, _ = _update(optax.with_extra_args_support(optax.clip(0.3)), G[0])
    for g, want in zip(got, G[0]):
        np.testing.assert_array_equal(g, np.clip(want, -0.3, 0.3))


def test_accumulate_gradients_sums_and_outputs_the_mean_on_update_steps():
    tx = transforms.accumulate_gradients(3)
    state = tx.init(P)
    outs, sums = [], []
    for i, grads in enumerate(G[:3]):
        out, state = _update(tx, grads, state, iteration=i)
        outs.append(out)
        sums.append([np.asarray(s) for s in state])
    for j in range(2):
        np.testing.assert_array_equal(outs[0][j], G[0][j])
        np.testing.assert_array_equal(outs[1][j], G[1][j])
        np.testing.assert_array_equal(sums[1][j], G[0][j] + G[1][j])
        mean = (G[0][j] + G[1][j] + G[2][j]) / np.float32(3)
        np.testing.assert_allclose(outs[2][j], mean, **TOL)
        np.testing.assert_array_equal(sums[2][j], np.zeros_like(P[j]))


def test_apply_every_k_keeps_the_inner_result_only_on_update_steps():
    inner = optax.with_extra_args_support(optax.trace(decay=0.5))
    tx = transforms.apply_every_k(2, inner)
    state = tx.init(P)
    out, state = _update(tx, G[0], state, iteration=0)
    assert all(not o.any() for o in out)
    for s in state.trace:
        np.testing.assert_array_equal(np.asarray(s), 0.0)
    out, state = _update(tx, G[1], state, iteration=1)
    for o, g in zip(out, G[1]):
        np.testing.assert_array_equal(o, g)


def _reads_params():
    """A rule whose update reads the weights: `u = -lr * (g + p)`."""

    def update(grads, state, params, *, learning_rate, **extra_args):
        return [-learning_rate * (g + p) for g, p in zip(grads, params)], state

    return optax.GradientTransformationExtraArgs(lambda p: optax.EmptyState(), update)


def test_decoupled_weight_decay_runs_the_rule_on_decayed_weights():
    wd, lr = 0.2, np.float32(0.1)
    tx = transforms.decoupled_weight_decay(wd, _reads_params(), mask=[True, False])
    got, _ = _update(tx, G[0])
    p_d = P[0] - P[0] * np.float32(wd) * lr
    np.testing.assert_allclose(P[0] + got[0], p_d - lr * (G[0][0] + p_d), **TOL)
    np.testing.assert_allclose(P[1] + got[1], P[1] - lr * (G[0][1] + P[1]), **TOL)


def test_moving_average_copies_then_averages_the_new_weights():
    tx = transforms.moving_average(0.7)
    updates = [-0.1 * g for g in G[0]]
    _, state = _update(tx, updates, count=0)
    for avg, p, u in zip(state, P, updates):
        np.testing.assert_allclose(np.asarray(avg), p + u, **TOL)
    _, state2 = _update(tx, updates, state, count=1)
    for avg, old, p, u in zip(state2, state, P, updates):
        want = 0.7 * np.asarray(old) + 0.3 * (p + u)
        np.testing.assert_allclose(np.asarray(avg), want, **TOL)


def test_moving_average_overwrite_moves_the_weights_to_the_average():
    tx = transforms.moving_average(0.5, overwrite_frequency=2)
    updates = [-0.1 * g for g in G[0]]
    got, state = _update(tx, updates, count=0)
    for g, u in zip(got, updates):
        np.testing.assert_array_equal(g, u)  # (0 + 1) % 2 != 0: unchanged
    got, state = _update(tx, updates, state, count=1)
    for g, p, avg in zip(got, P, state):
        np.testing.assert_allclose(p + g, np.asarray(avg), **TOL)


def test_apply_constraints_projects_the_new_weights():
    tx = transforms.apply_constraints([lambda w: jnp.maximum(w, 0.0), None])
    updates = [-0.1 * g for g in G[0]]
    got, _ = _update(tx, updates)
    np.testing.assert_allclose(P[0] + got[0], np.maximum(P[0] + updates[0], 0), **TOL)
    np.testing.assert_array_equal(got[1], updates[1])


# -- rules keep Keras's slot names; the chain is the optimizer ----------------------


@pytest.mark.parametrize(
    "rule,kwargs,keys",
    [
        ("sgd", {"momentum": 0.9}, {"momentum"}),
        ("sgd", {}, set()),
        ("adam", {"amsgrad": True}, {"momentum", "velocity", "velocity_hat"}),
        (
            "rmsprop",
            {"momentum": 0.5, "centered": True},
            {"velocity", "momentum", "average_gradient"},
        ),
        ("adagrad", {}, {"accumulator"}),
        ("lion", {}, {"momentum"}),
        ("nadam", {}, {"momentum", "velocity", "u_product"}),
        ("ftrl", {}, {"accumulator", "linear"}),
    ],
)
def test_rule_state_uses_keras_slot_names(rule, kwargs, keys):
    state = jax_opt_rules.RULES[rule](**kwargs).init(P)
    assert set(state) == keys


def test_sgd_momentum_slot_holds_keras_value():
    opt = optimizers.SGD(0.1, momentum=0.9)
    opt.build([Variable(p) for p in P])
    opt.apply(G[0])
    assert isinstance(opt.state, OptimizerState)
    for m, g in zip(opt.state.slots["momentum"], G[0]):
        np.testing.assert_allclose(np.asarray(m), -0.1 * g, **TOL)


def test_keras_transform_is_an_optax_chain_matching_the_optimizer():
    rule = jax_opt_rules.RULES["adam"]()
    options = {"weight_decay": 0.1, "clipnorm": 1.0, "use_ema": True}
    chain = jax_optimizers.keras_transform(rule, **options)
    state = chain.init(P)
    params = list(P)
    for i, grads in enumerate(G):
        extra = {"learning_rate": jnp.float32(0.01), "iteration": i, "count": i}
        updates, state = chain.update(grads, state, params, **extra)
        params = optax.apply_updates(params, updates)
    opt = optimizers.Adam(0.01, **options)
    variables = [Variable(p) for p in P]
    for grads in G:
        opt.apply(grads, variables)
    for got, v in zip(params, variables):
        np.testing.assert_allclose(np.asarray(got), v.numpy(), **TOL)


# -- Keras's variable order and names ------------------------------------------------


@pytest.mark.compat
@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("Adam", {"amsgrad": True, "use_ema": True, "gradient_accumulation_steps": 2}),
        ("Adam", {"learning_rate": "schedule"}),
        ("RMSprop", {"momentum": 0.5, "centered": True}),
        ("Adafactor", {}),
        ("Nadam", {}),
        ("SGD", {"momentum": 0.9}),
        ("Lion", {}),
        ("Ftrl", {}),
    ],
)
def test_variables_have_keras_order_names_and_shapes(name, kwargs):
    keras = pytest.importorskip("keras")
    libs = {"kerasish": optimizers, "keras": keras.optimizers}
    layouts = {}
    for lib, module in libs.items():
        kw = dict(kwargs)
        if kw.get("learning_rate") == "schedule":
            kw["learning_rate"] = module.schedules.ExponentialDecay(0.1, 10, 0.5)
        opt = getattr(module, name)(**kw)
        make = Variable if lib == "kerasish" else keras.Variable
        opt.build([make(p, name=f"w{i}") for i, p in enumerate(P)])
        # Keras names Nadam's unnamed `u_product` "variable" ("variable_1", ...
        # once that name is taken in the session).
        layouts[lib] = [
            (re.sub(r"^variable(_\d+)?$", "variable", v.name), tuple(v.shape))
            for v in opt.variables
        ]
    assert layouts["kerasish"] == layouts["keras"]


@pytest.mark.compat
@pytest.mark.parametrize("name", ["Adafactor", "Adam", "Nadam"])
def test_slot_names_of_a_models_variables_as_keras(name):
    """Slots are named after the variable's path (`net_d_kernel_...`),
    Adafactor's factored ones after its bare name (`kernel`), as Keras's
    `add_variable(name=var.name)` names them."""
    keras = pytest.importorskip("keras")
    names = {}
    for lib in (keras, kerasish):
        model = lib.Sequential(
            [lib.Input((2,)), lib.layers.Dense(3, name="d")], name="net"
        )
        opt = getattr(lib.optimizers, name)()
        opt.build(model.trainable_variables)
        names[lib.__name__] = [
            re.sub(r"^variable(_\d+)?$", "variable", v.name) for v in opt.variables
        ]
    assert names["kerasish"] == names["keras"]


def test_setting_a_schedule_after_build_drops_the_learning_rate_variable():
    from kerasish.optimizers import schedules

    opt = optimizers.SGD(0.1)
    variables = [Variable(p) for p in P]
    opt.apply(G[0], variables)
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate"]
    opt.learning_rate = schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5)
    assert [v.name for v in opt.variables] == ["iteration"]
    before = [v.numpy() for v in variables]
    opt.apply(G[1], variables)  # iteration 1: lr = 0.5 * 0.5
    for v, b, g in zip(variables, before, G[1]):
        np.testing.assert_allclose(v.numpy(), b - 0.25 * g, **TOL)
