"""Distiller: the combined loss against numpy and Keras 3, errors, configs, fit."""

import functools
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import kerasish
from kerasish import distillation
from tests import recorded
from tests.distillation import distiller_cases
from tests.distillation.distiller_cases import _data, _distiller, _models
from tests.helpers import keras3

RECORD = Path(__file__).parent / "keras_distiller_fit.json.gz"


def _twin_models(seed=0):
    """Keras's and kerasish's teacher/student with the same initial weights."""
    keras = keras3()
    keras.utils.set_random_seed(seed)
    theirs = _models(keras)
    ours = _models(kerasish)
    for their_model, our_model in zip(theirs, ours):
        our_model.set_weights(their_model.get_weights())
    return theirs, ours


def _trackers(distiller):
    return [
        float(m.result())
        for m in (
            distiller.student_loss_tracker,
            distiller.distillation_loss_tracker,
            distiller.total_loss_tracker,
        )
    ]


# -- the model -----------------------------------------------------------------


def test_call_and_predict_are_the_students():
    teacher, student = _models(kerasish)
    distiller = _distiller(kerasish, teacher, student, "logits")
    x, _ = _data(7)
    np.testing.assert_allclose(distiller(x), student(x), rtol=1e-6)
    np.testing.assert_allclose(
        distiller.predict(x, verbose=0), student.predict(x, verbose=0), rtol=1e-6
    )


def test_teacher_is_frozen_and_only_the_student_trains():
    teacher, student = _models(kerasish)
    assert teacher.trainable
    distiller = _distiller(kerasish, teacher, student, "mixed")
    assert not teacher.trainable and student.trainable
    assert [id(v) for v in distiller.trainable_variables] == [
        id(v) for v in student.trainable_variables
    ]
    assert {id(v) for v in distiller.non_trainable_variables} >= {
        id(v) for v in teacher.weights
    }


def test_feature_extractors_return_each_named_layer_once():
    teacher, student = _models(kerasish)
    d = distillation
    distiller = d.Distiller(
        teacher,
        student,
        [
            d.FeatureDistillation(
                teacher_layer_name="teacher_d1", student_layer_name="student_d2"
            ),
            d.FeatureDistillation(
                teacher_layer_name="teacher_d2", student_layer_name="student_d2"
            ),
            d.LogitsDistillation(),
        ],
    )
    x, _ = _data(3)
    teacher_features = distiller._teacher_feature_extractor(x)
    student_features = distiller._student_feature_extractor(x)
    assert sorted(teacher_features) == ["final_output", "teacher_d1", "teacher_d2"]
    assert sorted(student_features) == ["final_output", "student_d2"]
    np.testing.assert_allclose(teacher_features["final_output"], teacher(x), 1e-6)
    np.testing.assert_allclose(
        student_features["student_d2"],
        kerasish.Model(student.inputs, student.get_layer("student_d2").output)(x),
        rtol=1e-6,
    )
    assert logits_only_has_no_extractor()


def logits_only_has_no_extractor():
    teacher, student = _models(kerasish)
    distiller = _distiller(kerasish, teacher, student, "logits")
    return (
        distiller._teacher_feature_extractor is None
        and distiller._student_feature_extractor is None
    )


# -- the loss ------------------------------------------------------------------


def test_compute_loss_matches_numpy():
    def linear(name):
        inputs = kerasish.Input((3,))
        return kerasish.Model(inputs, kerasish.layers.Dense(2, name=name)(inputs))

    teacher, student = linear("t"), linear("s")
    rng = np.random.default_rng(1)
    wt, bt, ws, bs = (rng.normal(size=s).astype("float32") for s in [(3, 2), 2] * 2)
    teacher.set_weights([wt, bt])
    student.set_weights([ws, bs])
    distiller = distillation.Distiller(
        teacher,
        student,
        [
            distillation.LogitsDistillation(temperature=2.0, loss="mse"),
            distillation.FeatureDistillation(loss="mae"),
        ],
        distillation_loss_weights=[0.6, 2.0],
        student_loss_weight=0.25,
    )
    distiller.compile(optimizer="sgd", loss="mse")
    x = rng.normal(size=(5, 3)).astype("float32")
    y = rng.normal(size=(5, 2)).astype("float32")
    t, s = x @ wt + bt, x @ ws + bs
    student_loss = np.mean((y - s) ** 2)
    distill = 0.6 * np.mean(((t - s) / 2.0) ** 2) + 2.0 * np.mean(np.abs(t - s))
    total = 0.25 * student_loss + 0.75 * distill
    value = distiller.compute_loss(x, y, distiller(x))
    np.testing.assert_allclose(float(value), total, rtol=1e-5)
    np.testing.assert_allclose(
        _trackers(distiller), [student_loss, distill, total], rtol=1e-5
    )
    # y_pred is computed when not given, as in Keras.
    np.testing.assert_allclose(float(distiller.compute_loss(x, y)), total, rtol=1e-5)


@pytest.mark.compat
@pytest.mark.parametrize("case", ["logits", "mixed", "features_only", "student_only"])
@pytest.mark.parametrize("student_loss", ["string", "instance"])
def test_compute_loss_matches_keras(case, student_loss):
    keras = keras3()
    (kt, ks), (ot, os_) = _twin_models(seed=3)
    x, y = _data(12, seed=4)
    values = []
    for lib, teacher, student in ((keras, kt, ks), (kerasish, ot, os_)):
        distiller = _distiller(lib, teacher, student, case)
        loss = (
            "sparse_categorical_crossentropy"
            if student_loss == "string"
            else lib.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        distiller.compile(optimizer="sgd", loss=loss)
        total = distiller.compute_loss(x, y, distiller(x))
        # A second batch: the trackers report means over batches.
        distiller.compute_loss(x[:5], y[:5], distiller(x[:5]))
        values.append([float(total)] + _trackers(distiller))
    np.testing.assert_allclose(values[1], values[0], rtol=1e-5, atol=1e-6)


def test_reset_metrics_clears_the_trackers():
    teacher, student = _models(kerasish)
    distiller = _distiller(kerasish, teacher, student, "mixed")
    distiller.compile(loss="sparse_categorical_crossentropy")
    x, y = _data(6)
    distiller.compute_loss(x, y, distiller(x))
    assert all(v != 0.0 for v in _trackers(distiller))
    distiller.reset_metrics()
    assert _trackers(distiller) == [0.0, 0.0, 0.0]


def test_non_scalar_distillation_loss_is_rejected():
    class PerSample(distillation.DistillationLoss):
        def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
            return kerasish.ops.mean(teacher_outputs - student_outputs, axis=-1)

    teacher, student = _models(kerasish)
    distiller = distillation.Distiller(teacher, student, PerSample())
    distiller.compile(loss="sparse_categorical_crossentropy")
    x, y = _data(5)
    with pytest.raises(ValueError, match=r"PerSample returned a non-scalar.*\(5,\)"):
        distiller.compute_loss(x, y, distiller(x))


def test_missing_feature_is_reported_with_the_loss():
    teacher, student = _models(kerasish)
    loss = distillation.FeatureDistillation(
        teacher_layer_name="teacher_d2", student_layer_name="student_d2"
    )
    distiller = distillation.Distiller(teacher, student, loss)
    distiller.compile(loss="sparse_categorical_crossentropy")
    loss.teacher_layer_name = "teacher_d1"  # changed after the extractor was built
    x, y = _data(4)
    with pytest.raises(
        RuntimeError, match=r"FeatureDistillation targeting teacher layer 'teacher_d1'"
    ):
        distiller.compute_loss(x, y, distiller(x))


# -- validation errors ---------------------------------------------------------


def _errors_case(name):
    teacher, student = _models(kerasish)
    logits = distillation.LogitsDistillation()
    base = {"teacher": teacher, "student": student, "distillation_losses": logits}
    other = kerasish.Sequential([kerasish.Input((5,)), kerasish.layers.Dense(4)])
    wide = kerasish.Sequential([kerasish.Input((6,)), kerasish.layers.Dense(3)])
    ints = kerasish.Sequential(
        [kerasish.Input((6,), dtype="int32"), kerasish.layers.Dense(4)]
    )
    changes = {
        "teacher": ({"teacher": "a model"}, r"`teacher` must be a kerasish.Model.*str"),
        "student": ({"student": None}, r"`student` must be a kerasish.Model.*NoneType"),
        "weight_range": (
            {"student_loss_weight": 1.5},
            r"between 0.0 and 1.0, got 1.5",
        ),
        "weight_type": (
            {"student_loss_weight": "0.5"},
            r"`student_loss_weight` must be a number in \[0, 1\], got '0.5'",
        ),
        "weight_bool": ({"student_loss_weight": True}, r"must be a number"),
        "losses_none": ({"distillation_losses": None}, r"cannot be `None`"),
        "losses_empty": ({"distillation_losses": []}, r"distillation_losses' is empty"),
        "loss_type": (
            {"distillation_losses": [logits, "mse"]},
            r"must be a `kerasish.distillation.DistillationLoss`.*'mse'.*position 1",
        ),
        "weights_length": (
            {"distillation_losses": [logits, logits], "distillation_loss_weights": [1]},
            r"distillation_loss_weights \(1\) must match number of "
            r"distillation_losses \(2\)",
        ),
        "weights_type": (
            {"distillation_losses": [logits], "distillation_loss_weights": ["1"]},
            r"`distillation_loss_weights` must be numbers, got \['1'\]",
        ),
        "input_shape": (
            {"teacher": other},
            r"input shapes are incompatible. Teacher: \(None, 5\), "
            r"Student: \(None, 6\)",
        ),
        "output_shape": (
            {"teacher": wide},
            r"output shapes are incompatible. Teacher: \(None, 3\), "
            r"Student: \(None, 4\)",
        ),
        "dtype": (
            {"teacher": ints},
            r"input dtypes must match. Teacher: int32, Student: float32",
        ),
        "layer_name": (
            {
                "distillation_losses": distillation.FeatureDistillation(
                    teacher_layer_name="teacher_d9"
                )
            },
            r"In teacher model: No such layer: teacher_d9\.",
        ),
    }
    change, match = changes[name]
    return {**base, **change}, match


@pytest.mark.parametrize(
    "name",
    [
        "teacher",
        "student",
        "weight_range",
        "weight_type",
        "weight_bool",
        "losses_none",
        "losses_empty",
        "loss_type",
        "weights_length",
        "weights_type",
        "input_shape",
        "output_shape",
        "dtype",
        "layer_name",
    ],
)
def test_constructor_errors(name):
    kwargs, match = _errors_case(name)
    with pytest.raises(ValueError, match=match):
        distillation.Distiller(**kwargs)


def test_subclassed_models_cannot_give_layer_features():
    class Subclassed(kerasish.Model):
        def __init__(self):
            super().__init__()
            self.dense = kerasish.layers.Dense(4)

        def call(self, x):
            return self.dense(x)

    teacher, _ = _models(kerasish)
    with pytest.raises(ValueError, match=r"The student model\(s\) appear"):
        distillation.Distiller(
            teacher,
            Subclassed(),
            distillation.FeatureDistillation(teacher_layer_name="teacher_d2"),
        )
    # Final-output distillation works with a subclassed student.
    distiller = distillation.Distiller(
        teacher, Subclassed(), distillation.FeatureDistillation()
    )
    assert distiller._student_feature_extractor is None


def test_single_loss_ignores_weights_with_a_warning():
    teacher, student = _models(kerasish)
    with pytest.warns(UserWarning, match=r"`distillation_loss_weights` is ignored"):
        distiller = distillation.Distiller(
            teacher,
            student,
            distillation.LogitsDistillation(),
            distillation_loss_weights=[3.0],
        )
    assert distiller.distillation_loss_weights == [1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distillation.Distiller(teacher, student, distillation.LogitsDistillation())


def test_compile_errors():
    teacher, student = _models(kerasish)
    distiller = _distiller(kerasish, teacher, student, "logits")
    with pytest.raises(ValueError, match=r"'loss' cannot be `None`"):
        distiller.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"metrics must be a list or tuple, got"):
        distiller.compile(loss="mse", metrics="accuracy")
    with pytest.raises(ValueError, match=r"Unknown loss 'msee'"):
        distiller.compile(loss="msee")


# -- configs and files ---------------------------------------------------------


def test_config_round_trip():
    teacher, student = _models(kerasish)
    original = _distiller(kerasish, teacher, student, "mixed")
    config = json.loads(json.dumps(original.get_config()))
    assert config["student_loss_weight"] == 0.3
    assert config["distillation_loss_weights"] == [1.0, 0.7, 0.5]
    restored = distillation.Distiller.from_config(config)
    assert json.loads(json.dumps(restored.get_config())) == config
    assert not restored.teacher.trainable
    restored.teacher.set_weights(teacher.get_weights())
    restored.student.set_weights(student.get_weights())
    x, y = _data(6)
    for distiller in (original, restored):
        distiller.compile(loss="sparse_categorical_crossentropy")
    np.testing.assert_allclose(
        float(restored.compute_loss(x, y, restored(x))),
        float(original.compute_loss(x, y, original(x))),
        rtol=1e-6,
    )


@pytest.mark.compat
def test_keras_config_builds_the_same_distiller():
    keras = keras3()
    from keras.src.saving import serialization_lib

    from kerasish.saving import deserialize_keras_object, serialize_keras_object

    (kt, ks), (ot, os_) = _twin_models(seed=5)
    theirs = _distiller(keras, kt, ks, "mixed")
    ours = _distiller(kerasish, ot, os_, "mixed")
    ours_config = serialize_keras_object(ours)
    assert ours_config["module"] == "keras.distillation"
    assert ours_config["class_name"] == "Distiller"
    from_keras = deserialize_keras_object(
        json.loads(json.dumps(serialization_lib.serialize_keras_object(theirs)))
    )
    from_ours = serialization_lib.deserialize_keras_object(
        json.loads(json.dumps(ours_config))
    )
    assert isinstance(from_keras, distillation.Distiller)
    assert from_keras.distillation_loss_weights == [1.0, 0.7, 0.5]
    x, y = _data(6)
    values = []
    for distiller, source in ((from_keras, theirs), (from_ours, theirs)):
        distiller.teacher.set_weights(source.teacher.get_weights())
        distiller.student.set_weights(source.student.get_weights())
    for distiller in (theirs, from_keras, from_ours):
        distiller.compile(loss="sparse_categorical_crossentropy")
        values.append(float(distiller.compute_loss(x, y, distiller(x))))
    np.testing.assert_allclose(values[1:], [values[0]] * 2, rtol=1e-5)


@pytest.mark.compat
def test_keras_file_round_trip(tmp_path):
    keras = keras3()
    (kt, ks), (ot, os_) = _twin_models(seed=6)
    ours = _distiller(kerasish, ot, os_, "mixed")
    theirs = _distiller(keras, kt, ks, "mixed")
    x, _ = _data(5)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    with warnings.catch_warnings():
        # Both libraries return a Distiller uncompiled (its compile needs a loss).
        warnings.simplefilter("ignore", UserWarning)
        loaded = kerasish.models.load_model(tmp_path / "ours.keras")
        from_keras = kerasish.models.load_model(tmp_path / "theirs.keras")
        in_keras = keras.models.load_model(tmp_path / "ours.keras")
    expected = np.asarray(ks(x))
    for model in (loaded, from_keras, in_keras):
        assert model.student_loss_weight == 0.3
        np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5)
    assert isinstance(loaded.distillation_losses[2], distillation.FeatureDistillation)


# -- fit under both libraries --------------------------------------------------


@functools.cache
def keras_fit_record():
    fingerprint = recorded.digest(distiller_cases.__file__)
    return recorded.load(RECORD, "source", fingerprint, "distiller")["cases"]


@pytest.mark.parametrize("case", distiller_cases.FIT_CASES)
def test_fit_matches_keras(case):
    """History, evaluation and trained weights equal Keras's (as recorded by
    `tools/record_keras.py distiller`) from the same weights; the teacher stays
    as it started. The History values come from the trackers `compute_loss`
    updates."""
    ours = distiller_cases.fit_case(kerasish, case)
    distiller_cases.compare(keras_fit_record()[case], ours, case)
    start = distiller_cases.initial_weights(kerasish, seed=7)[0]
    for i, (after, before) in enumerate(zip(ours["teacher"], start)):
        np.testing.assert_array_equal(after, before, err_msg=f"teacher {i}")


@pytest.mark.slow
@pytest.mark.compat
@pytest.mark.parametrize("case", distiller_cases.FIT_CASES)
def test_fit_matches_keras_live(case):
    """Keras run live: kerasish equals it, and the record is still what it gives."""
    keras = keras3()
    theirs = distiller_cases.fit_case(keras, case)
    distiller_cases.compare(theirs, distiller_cases.fit_case(kerasish, case), case)
    distiller_cases.compare(keras_fit_record()[case], theirs, case)
