"""The optimizer and schedule cases compared with Keras 3 (shared by
`test_keras_compat.py` and `tools/record_keras.py optimizers`; editing this file
asks for a new record).

The `keras_*` functions run one case under Keras 3 and return what the test
compares; `record_all(keras)` runs them all.
"""

import numpy as np

SHAPES = [(3, 4), (4,), (2, 3, 2)]

STEP_CASES = [
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
STEP_IDS = [f"{n}-{k}" for n, k in STEP_CASES]

SCHEDULES_IN_SGD = [
    ("ExponentialDecay", (0.1, 3, 0.5), {"staircase": True}),
    ("CosineDecay", (0.1, 6), {"warmup_target": 0.2, "warmup_steps": 3}),
    ("PiecewiseConstantDecay", ([2, 5], [0.1, 0.05, 0.01]), {}),
]

SCHEDULES = [
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
]
SCHEDULE_STEPS = [0, 1, 3, 4, 5, 11, 12, 13, 25, 40]

CONFIG_NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Ftrl", "Adafactor"]


def gradient_sequence(steps, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return [
        [(rng.normal(size=s) * scale).astype("float32") for s in SHAPES]
        for _ in range(steps)
    ]


def loss_scale_gradients():
    """Ten steps of scaled gradients with an inf and a nan step."""
    grads_seq = gradient_sequence(10, scale=64.0)
    grads_seq[3][1][2] = np.inf
    grads_seq[6][0][0, 0] = np.nan
    return grads_seq


def initial(seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in SHAPES]


def _run_keras(keras, opt, grads_seq, init):
    variables = [keras.Variable(w.copy(), name=f"w{i}") for i, w in enumerate(init)]
    for grads in grads_seq:
        opt.apply_gradients(
            zip([keras.ops.convert_to_tensor(g) for g in grads], variables)
        )
    return [np.asarray(v.value) for v in variables]


def keras_steps(keras, name, kwargs):
    """Ten steps of a Keras optimizer: final values, iterations, EMA values."""
    opt = getattr(keras.optimizers, name)(**kwargs)
    values = _run_keras(keras, opt, gradient_sequence(10), initial())
    ema = None
    if kwargs.get("use_ema"):
        ema = [keras.Variable(np.zeros(s, "float32")) for s in SHAPES]
        opt.finalize_variable_values(ema)
        ema = [np.asarray(v.value) for v in ema]
    return {
        "values": values,
        "iterations": int(np.asarray(opt.iterations)),
        "ema": ema,
    }


def keras_schedule_in_sgd(keras, name, args, kwargs):
    schedule = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    opt = keras.optimizers.SGD(schedule, momentum=0.5)
    values = _run_keras(keras, opt, gradient_sequence(10), initial())
    return {"values": values, "learning_rate": float(np.asarray(opt.learning_rate))}


def keras_schedule(keras, name, args, kwargs):
    schedule = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    return {
        "values": [float(np.asarray(schedule(step))) for step in SCHEDULE_STEPS],
        "config": schedule.get_config(),
    }


def keras_loss_scale(keras):
    """Keras's eager LossScaleOptimizer.apply cannot run on JAX: its stateless API."""
    opt = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(0.01), initial_scale=64.0, dynamic_growth_steps=2
    )
    kvars = [keras.Variable(w.copy()) for w in initial()]
    opt.build(kvars)
    values = [v.value for v in kvars]
    opt_values = [v.value for v in opt.variables]
    for grads in loss_scale_gradients():
        values, opt_values = opt.stateless_apply(opt_values, grads, values)
    for v, value in zip(opt.variables, opt_values):
        v.assign(value)
    return {
        "values": [np.asarray(v) for v in values],
        "dynamic_scale": float(np.asarray(opt.dynamic_scale.value)),
        "iterations": int(np.asarray(opt.iterations)),
    }


def record_all(keras):
    return {
        "steps": {
            case_id: keras_steps(keras, name, kwargs)
            for case_id, (name, kwargs) in zip(STEP_IDS, STEP_CASES)
        },
        "schedules_in_sgd": [
            keras_schedule_in_sgd(keras, *c) for c in SCHEDULES_IN_SGD
        ],
        "schedules": [keras_schedule(keras, *c) for c in SCHEDULES],
        "configs": {
            name: getattr(keras.optimizers, name)().get_config()
            for name in CONFIG_NAMES
        },
        "loss_scale": keras_loss_scale(keras),
    }
