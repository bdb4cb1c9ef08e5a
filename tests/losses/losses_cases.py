"""The loss cases compared with Keras 3 (shared by `test_losses.py` and
`tools/record_keras.py losses`; editing this file asks for a new record).

The data makers take the generator to draw from; `keras_values(keras)` gives
what the test compares, case by case.
"""

import numpy as np


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def regression(shape, rng):
    return rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype(
        "float32"
    )


def positive(shape, rng):
    return rng.uniform(0.1, 2, size=shape).astype("float32"), rng.uniform(
        0.1, 2, size=shape
    ).astype("float32")


def binary(shape, rng):
    return (rng.uniform(size=shape) > 0.5).astype("float32"), rng.uniform(
        0.01, 0.99, size=shape
    ).astype("float32")


def binary_logits(shape, rng):
    return (rng.uniform(size=shape) > 0.5).astype("float32"), (
        3 * rng.normal(size=shape)
    ).astype("float32")


def probs(shape, rng):
    t = softmax(rng.normal(size=shape)).astype("float32")
    p = softmax(rng.normal(size=shape)).astype("float32")
    return t, p


def onehot(shape, rng):
    t = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
    return t, softmax(rng.normal(size=shape)).astype("float32")


def onehot_logits(shape, rng):
    t = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
    return t, (2 * rng.normal(size=shape)).astype("float32")


# (Loss class name, kwargs, data maker): the cases of `test_losses.CASES`.
COMPAT_CASES = [
    ("MeanSquaredError", {}, regression),
    ("MeanAbsoluteError", {}, regression),
    ("MeanAbsolutePercentageError", {}, regression),
    ("MeanSquaredLogarithmicError", {}, positive),
    ("CosineSimilarity", {}, regression),
    ("Huber", {}, regression),
    ("Huber", {"delta": 0.3}, regression),
    ("LogCosh", {}, regression),
    ("KLDivergence", {}, probs),
    ("Poisson", {}, positive),
    ("BinaryCrossentropy", {}, binary),
    (
        "BinaryCrossentropy",
        {"from_logits": True, "label_smoothing": 0.1},
        binary_logits,
    ),
    ("CategoricalCrossentropy", {}, onehot),
    (
        "CategoricalCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2},
        onehot_logits,
    ),
    ("BinaryFocalCrossentropy", {}, binary),
    (
        "BinaryFocalCrossentropy",
        {
            "apply_class_balancing": True,
            "alpha": 0.4,
            "gamma": 1.5,
            "from_logits": True,
        },
        binary_logits,
    ),
    ("CategoricalFocalCrossentropy", {}, onehot),
    (
        "CategoricalFocalCrossentropy",
        {"from_logits": True, "alpha": 0.5, "gamma": 1.0},
        onehot_logits,
    ),
    ("Hinge", {}, binary_logits),
    ("SquaredHinge", {}, binary_logits),
    ("CategoricalHinge", {}, onehot_logits),
]


def compat_data(index, make):
    """Case `index`'s (y_true, y_pred, sample_weight), drawn from its own seed."""
    rng = np.random.default_rng(100 + index)
    t, p = make((6, 4), rng)
    return t, p, rng.uniform(0, 2, size=(6,)).astype("float32")


def keras_case(keras, index, name, kwargs, make):
    """Keras's weighted and plain values and config (dtype aside) for one case."""
    t, p, w = compat_data(index, make)
    loss = getattr(keras.losses, name)(**kwargs)
    config = {k: v for k, v in loss.get_config().items() if k != "dtype"}
    return {
        "weighted": np.asarray(loss(t, p, sample_weight=w)),
        "plain": np.asarray(loss(t, p)),
        "config": config,
    }


# Extreme inputs: (loss class name, kwargs, y_true, y_pred).
EXTREME_CASES = [
    (
        "BinaryCrossentropy",
        {"from_logits": True},
        [[1.0], [0.0], [1.0]],
        [[-100.0], [100.0], [100.0]],
    ),
    (
        "BinaryFocalCrossentropy",
        {"from_logits": True},
        [[1.0], [0.0]],
        [[-100.0], [100.0]],
    ),
    ("CategoricalCrossentropy", {"from_logits": True}, [[1.0, 0.0]], [[-100.0, 100.0]]),
    (
        "CategoricalFocalCrossentropy",
        {"from_logits": True},
        [[1.0, 0.0]],
        [[-100.0, 100.0]],
    ),
    (
        "SparseCategoricalCrossentropy",
        {"from_logits": True},
        [0, 1],
        [[-100.0, 100.0], [100.0, -100.0]],
    ),
    ("BinaryCrossentropy", {}, [[1.0], [0.0]], [[0.0], [1.0]]),
    ("CategoricalCrossentropy", {}, [[1.0, 0.0]], [[0.0, 1.0]]),
    ("KLDivergence", {}, [[1.0, 0.0]], [[0.0, 1.0]]),
    ("Poisson", {}, [[1.0]], [[0.0]]),
    ("LogCosh", {}, [[0.0]], [[100.0]]),
]


def extreme_value(losses_module, name, kwargs, y_true, y_pred):
    loss = getattr(losses_module, name)(**kwargs)
    return np.asarray(
        loss(np.asarray(y_true, "float32"), np.asarray(y_pred, "float32"))
    )


def extra_data():
    """Data of the sparse / Dice / Tversky / generalized-CE / function-name cases."""
    rng = np.random.default_rng(7)
    logits = (5 * rng.normal(size=(6, 4))).astype("float32")
    labels = rng.integers(0, 4, size=(6,))
    w = rng.uniform(size=(6,)).astype("float32")
    tb, pb = binary((5, 6), rng)
    t, p = regression((3, 4), rng)
    return {
        "logits": logits,
        "labels": labels,
        "w": w,
        "tb": tb,
        "pb": pb,
        "t": t,
        "p": p,
    }


SPARSE_KWARGS = [{"from_logits": True}, {"from_logits": True, "ignore_class": 2}]
FUNCTION_NAMES = ["mse", "mae", "mape", "huber", "log_cosh", "cosine_similarity"]


def extra_values(losses_module):
    """Values of the sparse and extra losses and of the losses got by name."""
    d = extra_data()
    probs_ = softmax(d["logits"]).astype("float32")
    out = {}
    for i, kwargs in enumerate(SPARSE_KWARGS):
        loss = losses_module.SparseCategoricalCrossentropy(**kwargs)
        out[f"sparse_{i}"] = loss(d["labels"], d["logits"], sample_weight=d["w"])
    out["sparse_probs"] = losses_module.SparseCategoricalCrossentropy()(
        d["labels"], probs_
    )
    for name in ("Dice", "Tversky"):
        out[name] = getattr(losses_module, name)()(d["tb"], d["pb"])
    out["generalized_ce"] = losses_module.CategoricalGeneralizedCrossEntropy(q=0.3)(
        d["labels"], probs_
    )
    for name in FUNCTION_NAMES:
        out[f"get_{name}"] = losses_module.get(name)(d["t"], d["p"])
    return {k: np.asarray(v) for k, v in out.items()}


def record_all(keras):
    return {
        "cases": [keras_case(keras, i, *case) for i, case in enumerate(COMPAT_CASES)],
        "extreme": [extreme_value(keras.losses, *case) for case in EXTREME_CASES],
        "extra": extra_values(keras.losses),
    }
