"""Ten steps of every optimizer against Keras 3's own, from the same weights and
gradients (float32 tolerance)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

import kerasish.optimizers as optimizers
from kerasish.optimizers import schedules
from kerasish.variables import Variable

SHAPES = [(3, 4), (4,), (2, 3, 2)]


def _gradient_sequence(steps, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return [
        [(rng.normal(size=s) * scale).astype("float32") for s in SHAPES]
        for _ in range(steps)
    ]


def _initial(seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in SHAPES]


def _run_kerasish(opt, grads_seq, init):
    variables = [Variable(w.copy(), name=f"w{i}") for i, w in enumerate(init)]
    for grads in grads_seq:
        opt.apply(grads, variables)
    return [v.numpy() for v in variables]


def _run_keras(opt, grads_seq, init):
    keras = pytest.importorskip("keras")
    variables = [keras.Variable(w.copy(), name=f"w{i}") for i, w in enumerate(init)]
    for grads in grads_seq:
        opt.apply_gradients(
            zip([keras.ops.convert_to_tensor(g) for g in grads], variables)
        )
    return [np.asarray(v.value) for v in variables]


CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5}),
    ("Adam", {"learning_rate": 0.01, "clipvalue": 0.3}),
    ("Adam", {"learning_rate": 0.01, "global_clipnorm": 1.0}),
    ("Adam", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"learning_rate": 0.01}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.8, "centered": True}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adafactor", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01}),
    ("Ftrl", {"learning_rate": 0.05}),
    (
        "Ftrl",
        {
            "learning_rate": 0.05,
            "l1_regularization_strength": 0.01,
            "l2_regularization_strength": 0.02,
            "l2_shrinkage_regularization_strength": 0.03,
            "beta": 0.1,
        },
    ),
    ("Lamb", {"learning_rate": 0.01}),
    ("SGD", {"learning_rate": 0.1, "gradient_accumulation_steps": 3}),
    ("Adam", {"learning_rate": 0.01, "gradient_accumulation_steps": 2}),
    ("Nadam", {"learning_rate": 0.01, "gradient_accumulation_steps": 2}),
    ("Adam", {"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.9}),
    (
        "SGD",
        {
            "learning_rate": 0.1,
            "use_ema": True,
            "ema_momentum": 0.8,
            "ema_overwrite_frequency": 3,
        },
    ),
    ("RMSprop", {"learning_rate": 0.01, "loss_scale_factor": 8.0}),
]


@pytest.mark.compat
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_ten_steps_match_keras(name, kwargs):
    keras = pytest.importorskip("keras")
    grads_seq = _gradient_sequence(10)
    init = _initial()
    ours = getattr(optimizers, name)(**kwargs)
    theirs = getattr(keras.optimizers, name)(**kwargs)
    got = _run_kerasish(ours, grads_seq, init)
    want = _run_keras(theirs, grads_seq, init)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)
    assert int(ours.iterations) == int(np.asarray(theirs.iterations))
    if kwargs.get("use_ema"):
        ema = ours.finalize_variable_values([np.zeros(s, "float32") for s in SHAPES])
        kv = [keras.Variable(np.zeros(s, "float32")) for s in SHAPES]
        theirs.finalize_variable_values(kv)
        for g, w in zip(ema, kv):
            np.testing.assert_allclose(g, np.asarray(w.value), rtol=2e-5, atol=2e-6)


@pytest.mark.compat
@pytest.mark.parametrize(
    "schedule",
    [
        ("ExponentialDecay", (0.1, 3, 0.5), {"staircase": True}),
        ("CosineDecay", (0.1, 6), {"warmup_target": 0.2, "warmup_steps": 3}),
        ("PiecewiseConstantDecay", ([2, 5], [0.1, 0.05, 0.01]), {}),
    ],
)
def test_schedule_inside_optimizer_matches_keras(schedule):
    keras = pytest.importorskip("keras")
    name, args, kwargs = schedule
    grads_seq = _gradient_sequence(10)
    init = _initial()
    ours = optimizers.SGD(getattr(schedules, name)(*args, **kwargs), momentum=0.5)
    theirs = keras.optimizers.SGD(
        getattr(keras.optimizers.schedules, name)(*args, **kwargs), momentum=0.5
    )
    for g, w in zip(
        _run_kerasish(ours, grads_seq, init), _run_keras(theirs, grads_seq, init)
    ):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(
        float(ours.learning_rate), float(np.asarray(theirs.learning_rate)), rtol=1e-6
    )


@pytest.mark.compat
@pytest.mark.parametrize(
    "name,args,kwargs",
    [
        ("ExponentialDecay", (0.1, 7, 0.3), {}),
        ("ExponentialDecay", (0.1, 7, 0.3), {"staircase": True}),
        ("PiecewiseConstantDecay", ([3, 10, 20], [1.0, 0.5, 0.25, 0.1]), {}),
        ("PolynomialDecay", (0.1, 12), {"power": 2.0}),
        ("PolynomialDecay", (0.1, 12), {"cycle": True, "end_learning_rate": 0.01}),
        ("InverseTimeDecay", (0.1, 5, 0.5), {}),
        ("InverseTimeDecay", (0.1, 5, 0.5), {"staircase": True}),
        ("CosineDecay", (0.1, 20), {"alpha": 0.1}),
        ("CosineDecay", (0.0, 20), {"warmup_target": 0.1, "warmup_steps": 5}),
        ("CosineDecayRestarts", (0.1, 4), {}),
        ("CosineDecayRestarts", (0.1, 4), {"t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
    ],
)
def test_schedules_match_keras(name, args, kwargs):
    keras = pytest.importorskip("keras")
    ours = getattr(schedules, name)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    for step in [0, 1, 3, 4, 5, 11, 12, 13, 25, 40]:
        np.testing.assert_allclose(
            float(ours(step)), float(np.asarray(theirs(step))), rtol=1e-5, atol=1e-7
        )
    assert ours.get_config() == theirs.get_config()


@pytest.mark.compat
@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "RMSprop", "Ftrl", "Adafactor"]
)
def test_config_keys_match_keras(name):
    keras = pytest.importorskip("keras")
    ours = getattr(optimizers, name)().get_config()
    theirs = getattr(keras.optimizers, name)().get_config()
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key not in ("name", "learning_rate"):
            assert ours[key] == value, key
    np.testing.assert_allclose(
        ours["learning_rate"], theirs["learning_rate"], rtol=1e-6
    )


@pytest.mark.compat
def test_loss_scale_optimizer_matches_keras():
    keras = pytest.importorskip("keras")
    grads_seq = _gradient_sequence(10, scale=64.0)
    grads_seq[3][1][2] = np.inf
    grads_seq[6][0][0, 0] = np.nan
    init = _initial()
    ours = optimizers.LossScaleOptimizer(
        optimizers.Adam(0.01), initial_scale=64.0, dynamic_growth_steps=2
    )
    theirs = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(0.01), initial_scale=64.0, dynamic_growth_steps=2
    )
    # Keras's eager LossScaleOptimizer.apply cannot run on JAX; use its stateless API.
    kvars = [keras.Variable(w.copy()) for w in init]
    theirs.build(kvars)
    values = [v.value for v in kvars]
    opt_values = [v.value for v in theirs.variables]
    for grads in grads_seq:
        values, opt_values = theirs.stateless_apply(opt_values, grads, values)
    for v, value in zip(theirs.variables, opt_values):
        v.assign(value)
    for g, w in zip(_run_kerasish(ours, grads_seq, init), values):
        np.testing.assert_allclose(g, np.asarray(w), rtol=2e-5, atol=2e-6)
    assert float(ours.dynamic_scale) == float(np.asarray(theirs.dynamic_scale.value))
    assert int(ours.iterations) == int(np.asarray(theirs.iterations))
