"""The distillation programs compared with Keras 3 (shared by the test and
`tools/record_keras.py distiller`; editing this file asks for a new record).

`fit_case(lib, case)` runs a user's distillation program (compile, fit with
validation, evaluate) from seeded weights and returns what the test compares.
"""

import numpy as np

FIT_CASES = ["mixed", "features_only"]


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = rng.integers(0, 4, n).astype("int32")
    return x, y


def _model(lib, prefix, hidden):
    inputs = lib.Input((6,), name=f"{prefix}_input")
    h = lib.layers.Dense(hidden, activation="relu", name=f"{prefix}_d1")(inputs)
    h = lib.layers.Dense(8, activation="relu", name=f"{prefix}_d2")(h)
    outputs = lib.layers.Dense(4, name=f"{prefix}_out")(h)
    return lib.Model(inputs, outputs, name=prefix)


def _models(lib):
    return _model(lib, "teacher", 16), _model(lib, "student", 8)


def _distiller(lib, teacher, student, case):
    d = lib.distillation
    if case == "logits":
        kwargs = {"distillation_losses": d.LogitsDistillation(temperature=2.0)}
    elif case == "mixed":
        kwargs = {
            "distillation_losses": [
                d.LogitsDistillation(temperature=2.0),
                d.LogitsDistillation(temperature=3.0, loss=lib.losses.KLDivergence()),
                d.FeatureDistillation(
                    teacher_layer_name="teacher_d2", student_layer_name="student_d2"
                ),
            ],
            "distillation_loss_weights": [1.0, 0.7, 0.5],
            "student_loss_weight": 0.3,
        }
    elif case == "features_only":
        kwargs = {
            "distillation_losses": [
                d.FeatureDistillation(loss="cosine_similarity"),
                d.FeatureDistillation(
                    loss="mae",
                    teacher_layer_name="teacher_d2",
                    student_layer_name="student_d2",
                ),
            ],
            "student_loss_weight": 0.0,
        }
    elif case == "student_only":
        kwargs = {
            "distillation_losses": d.LogitsDistillation(),
            "student_loss_weight": 1.0,
        }
    else:
        raise AssertionError(case)
    return d.Distiller(teacher=teacher, student=student, **kwargs)


def _fit_program(lib, teacher, student, x, y, case):
    """A user's distillation program: compile, fit with validation, evaluate."""
    distiller = _distiller(lib, teacher, student, case)
    distiller.compile(
        optimizer=lib.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = distiller.fit(
        x,
        y,
        batch_size=8,  # 30 rows: a short last batch of 6
        epochs=3,
        validation_data=(x[:12], y[:12]),
        shuffle=False,
        verbose=0,
    )
    evaluation = distiller.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    return history.history, evaluation, distiller.student.get_weights()


def initial_weights(lib, seed):
    """Seeded numpy weights for the teacher and student of `_models(lib)`."""
    rng = np.random.default_rng(seed)
    return [
        [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in m.get_weights()]
        for m in _models(lib)
    ]


def fit_case(lib, case):
    """The fit program under `lib`: History, evaluation, and both models' weights."""
    teacher, student = _models(lib)
    for model, weights in zip((teacher, student), initial_weights(lib, seed=7)):
        model.set_weights(weights)
    x, y = _data(30, seed=8)
    history, evaluation, student_weights = _fit_program(
        lib, teacher, student, x, y, case
    )
    return {
        "history": {k: [float(v) for v in vs] for k, vs in history.items()},
        "evaluation": {k: float(v) for k, v in evaluation.items()},
        "student": [np.asarray(w) for w in student_weights],
        "teacher": [np.asarray(w) for w in teacher.get_weights()],
    }


def compare(theirs, ours, case):
    """Asserts two `fit_case` results agree (float32 tolerance over 3 epochs)."""
    assert sorted(ours["history"]) == sorted(theirs["history"]), case
    assert {"total_loss", "student_loss", "distillation_loss", "val_total_loss"} <= set(
        ours["history"]
    )
    for key, values in theirs["history"].items():
        np.testing.assert_allclose(
            ours["history"][key], values, rtol=1e-4, atol=1e-5, err_msg=f"{case} {key}"
        )
    assert sorted(ours["evaluation"]) == sorted(theirs["evaluation"]), case
    for key, value in theirs["evaluation"].items():
        np.testing.assert_allclose(
            ours["evaluation"][key],
            value,
            rtol=1e-4,
            atol=1e-5,
            err_msg=f"{case} {key}",
        )
    for i, (w_ours, w_theirs) in enumerate(zip(ours["student"], theirs["student"])):
        np.testing.assert_allclose(
            w_ours, w_theirs, rtol=1e-4, atol=1e-5, err_msg=f"{case} student {i}"
        )
    # The teacher did not move.
    for i, (w_ours, w_theirs) in enumerate(zip(ours["teacher"], theirs["teacher"])):
        np.testing.assert_array_equal(w_ours, w_theirs, err_msg=f"{case} teacher {i}")
