"""LogitsDistillation, FeatureDistillation: numpy formulas, Keras 3, errors, configs."""

import json

import numpy as np
import pytest

import kerasish
from kerasish import distillation, losses
from tests.helpers import keras3

EPS = 1e-7


def _logits(seed, shape=(5, 4), scale=1.0):
    rng = np.random.default_rng(seed)
    return (scale * rng.normal(size=shape)).astype("float32")


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _kl(p, q):
    """Keras's kl_divergence: clipped to [eps, 1], summed over the last axis."""
    p, q = np.clip(p, EPS, 1.0), np.clip(q, EPS, 1.0)
    return np.sum(p * np.log(p / q), axis=-1)


def _np(x):
    return np.asarray(x, dtype="float64")


# -- formulas ------------------------------------------------------------------


@pytest.mark.parametrize("temperature", [1.0, 2.5, 4])
def test_logits_kl_instance_is_t_squared_kl_of_softened_distributions(temperature):
    t, s = _logits(0), _logits(1)
    loss = distillation.LogitsDistillation(
        temperature=temperature, loss=losses.KLDivergence()
    )
    expected = temperature**2 * np.mean(
        _kl(_softmax(_np(t) / temperature), _softmax(_np(s) / temperature))
    )
    np.testing.assert_allclose(_np(loss.compute_loss(t, s)), expected, rtol=1e-5)


def test_logits_default_loss_is_the_kl_function_on_scaled_logits():
    # Keras resolves "kl_divergence" to the function, which gets the scaled
    # logits directly (no softmax, no T**2): kept as Keras computes it.
    t, s = np.abs(_logits(2)) + 0.1, np.abs(_logits(3)) + 0.1
    loss = distillation.LogitsDistillation(temperature=2.0)
    assert loss.loss is losses.kl_divergence
    expected = np.mean(_kl(_np(t) / 2.0, _np(s) / 2.0))
    np.testing.assert_allclose(_np(loss.compute_loss(t, s)), expected, rtol=1e-5)


def test_logits_mse_and_crossentropy_formulas():
    t, s = _logits(4), _logits(5)
    mse = distillation.LogitsDistillation(temperature=3.0, loss="mse")
    np.testing.assert_allclose(
        _np(mse.compute_loss(t, s)), np.mean((_np(t - s) / 3.0) ** 2), rtol=1e-5
    )
    cce = distillation.LogitsDistillation(
        temperature=2.0,
        loss=losses.CategoricalCrossentropy(from_logits=True),
    )
    # The loss gets the scaled logits as they are: the teacher's are y_true.
    log_p_s = np.log(_softmax(_np(s) / 2.0))
    expected = np.mean(-np.sum(_np(t) / 2.0 * log_p_s, axis=-1))
    np.testing.assert_allclose(_np(cce.compute_loss(t, s)), expected, rtol=1e-5)


def test_multi_output_losses_sum_and_none_skips_an_output():
    t = [_logits(6), _logits(7)]
    s = [_logits(8), _logits(9)]
    both = distillation.LogitsDistillation(temperature=2.0, loss=["mse", "mae"])
    expected_mse = np.mean((_np(t[0] - s[0]) / 2.0) ** 2)
    expected_mae = np.mean(np.abs(_np(t[1] - s[1]) / 2.0))
    np.testing.assert_allclose(
        _np(both.compute_loss(t, s)), expected_mse + expected_mae, rtol=1e-5
    )
    first_only = distillation.LogitsDistillation(temperature=2.0, loss=["mse", None])
    np.testing.assert_allclose(
        _np(first_only.compute_loss(t, s)), expected_mse, rtol=1e-5
    )
    as_dict = distillation.FeatureDistillation(loss={"a": None, "b": "mse"})
    np.testing.assert_allclose(
        _np(as_dict.compute_loss({"a": t[0], "b": t[1]}, {"a": s[0], "b": s[1]})),
        np.mean(_np(t[1] - s[1]) ** 2),
        rtol=1e-5,
    )


def test_feature_distillation_formulas():
    t, s = _logits(10, (3, 6)), _logits(11, (3, 6))
    cases = {
        "mse": np.mean(_np(t - s) ** 2),
        "mae": np.mean(np.abs(_np(t - s))),
        # Keras's cosine_similarity is the negative cosine of l2-normalized rows.
        "cosine_similarity": np.mean(
            -np.sum(
                _np(t)
                / np.linalg.norm(_np(t), axis=-1, keepdims=True)
                * _np(s)
                / np.linalg.norm(_np(s), axis=-1, keepdims=True),
                axis=-1,
            )
        ),
    }
    for name, expected in cases.items():
        loss = distillation.FeatureDistillation(loss=name)
        np.testing.assert_allclose(
            _np(loss.compute_loss(t, s)), expected, rtol=1e-5, err_msg=name
        )


def test_extreme_logits_stay_finite():
    t = np.array([[100.0, -100.0, 0.0], [-100.0, 100.0, 50.0]], "float32")
    s = -t
    loss = distillation.LogitsDistillation(temperature=1.0, loss=losses.KLDivergence())
    value = _np(loss.compute_loss(t, s))
    p, q = _softmax(_np(t)), _softmax(_np(s))
    np.testing.assert_allclose(value, np.mean(_kl(p, q)), rtol=1e-4)
    assert np.isfinite(value)


# -- against Keras 3 -----------------------------------------------------------


def _loss_cases(lib):
    return [
        lambda: lib.distillation.LogitsDistillation(),
        lambda: lib.distillation.LogitsDistillation(
            temperature=4.0, loss=lib.losses.KLDivergence()
        ),
        lambda: lib.distillation.LogitsDistillation(
            temperature=2.0, loss="categorical_crossentropy"
        ),
        lambda: lib.distillation.LogitsDistillation(
            temperature=1.5, loss=lib.losses.CategoricalCrossentropy(from_logits=True)
        ),
        lambda: lib.distillation.FeatureDistillation(),
        lambda: lib.distillation.FeatureDistillation(loss="cosine_similarity"),
        lambda: lib.distillation.FeatureDistillation(
            loss=lib.losses.MeanAbsoluteError()
        ),
    ]


@pytest.mark.compat
@pytest.mark.parametrize("index", range(7))
def test_losses_match_keras(index):
    keras = keras3()
    t, s = _logits(12, scale=3.0), _logits(13, scale=3.0)
    theirs = _loss_cases(keras)[index]().compute_loss(t, s)
    ours = _loss_cases(kerasish)[index]().compute_loss(t, s)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-5, atol=1e-6)


@pytest.mark.compat
def test_multi_output_loss_matches_keras():
    keras = keras3()
    t = {"a": _logits(14), "b": _logits(15)}
    s = {"a": _logits(16), "b": _logits(17)}
    for lib_loss in ("mse", None):
        theirs = keras.distillation.LogitsDistillation(
            temperature=2.0, loss={"a": "kl_divergence", "b": lib_loss}
        ).compute_loss(t, s)
        ours = distillation.LogitsDistillation(
            temperature=2.0, loss={"a": "kl_divergence", "b": lib_loss}
        ).compute_loss(t, s)
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-5)


# -- validation errors ---------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"temperature": 0}, r"`temperature` must be positive, got 0"),
        ({"temperature": -2.0}, r"`temperature` must be positive, got -2.0"),
        ({"temperature": float("nan")}, r"`temperature` must be positive"),
        ({"temperature": "3"}, r"`temperature` must be a number, got '3' of type str"),
        ({"temperature": True}, r"`temperature` must be a number, got True"),
        ({"loss": None}, r"at least one loss must be non-`None`; got loss=None"),
        ({"loss": [None, None]}, r"at least one loss must be non-`None`"),
        ({"loss": "kl_divergense"}, r"Unknown loss 'kl_divergense'.*kl_divergence"),
        ({"loss": 3}, r"entry of `loss` must be a loss name.*got 3 of type int"),
    ],
)
def test_logits_distillation_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        distillation.LogitsDistillation(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss": None}, r"must contain at least one non-`None` value; got loss=None"),
        ({"loss": {"a": None}}, r"at least one non-`None` value"),
        ({"loss": "nope"}, r"Unknown loss 'nope'"),
        ({"teacher_layer_name": 3}, r"`teacher_layer_name` must be a layer name"),
        ({"student_layer_name": ["a"]}, r"`student_layer_name` must be a layer name"),
    ],
)
def test_feature_distillation_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        distillation.FeatureDistillation(**kwargs)


def test_validate_outputs_structure_errors():
    t = _logits(18)
    with pytest.raises(ValueError, match=r"LogitsDistillation: teacher and student"):
        distillation.LogitsDistillation().validate_outputs(t, {"output": t})
    distillation.LogitsDistillation().validate_outputs(t, t)  # compatible: no error
    with pytest.raises(ValueError, match=r"FeatureDistillation: teacher and student"):
        distillation.FeatureDistillation().validate_outputs(t, [t, t])
    with pytest.raises(ValueError, match=r"loss structure mismatch.*\[\*, \*\]"):
        distillation.FeatureDistillation(loss=["mse", None]).validate_outputs(t, t)


def test_base_class_compute_loss_is_abstract():
    with pytest.raises(NotImplementedError, match=r"DistillationLoss must implement"):
        distillation.DistillationLoss().compute_loss(1.0, 2.0)


def test_feature_distillation_model_compatibility_errors():
    teacher = kerasish.Sequential(
        [kerasish.Input((3,)), kerasish.layers.Dense(2, name="t_dense")]
    )
    student = kerasish.Sequential(
        [kerasish.Input((3,)), kerasish.layers.Dense(2, name="s_dense")]
    )
    loss = distillation.FeatureDistillation(teacher_layer_name="missing")
    with pytest.raises(ValueError, match=r"In teacher model: No such layer: missing\."):
        loss.validate_model_compatibility(teacher, student)
    loss = distillation.FeatureDistillation(
        teacher_layer_name="t_dense", student_layer_name="gone"
    )
    with pytest.raises(ValueError, match=r"In student model: No such layer: gone\."):
        loss.validate_model_compatibility(teacher, student)

    class Subclassed(kerasish.Model):
        def __init__(self):
            super().__init__()
            self.dense = kerasish.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    loss = distillation.FeatureDistillation(teacher_layer_name="t_dense")
    with pytest.raises(ValueError, match=r"The student model\(s\) appear to be"):
        loss.validate_model_compatibility(teacher, Subclassed())


# -- configs -------------------------------------------------------------------


def _round_trip_cases():
    return [
        distillation.LogitsDistillation(),
        distillation.LogitsDistillation(temperature=5, loss=losses.KLDivergence()),
        distillation.LogitsDistillation(temperature=2.0, loss=["mse", None]),
        distillation.FeatureDistillation(
            loss="cosine_similarity", teacher_layer_name="a", student_layer_name="b"
        ),
        distillation.FeatureDistillation(loss={"x": losses.MeanAbsoluteError()}),
    ]


@pytest.mark.parametrize("index", range(5))
def test_config_round_trip(index):
    original = _round_trip_cases()[index]
    config = json.loads(json.dumps(original.get_config()))
    restored = type(original).from_config(config)
    assert restored.get_config() == original.get_config()
    t, s = _logits(19), _logits(20)
    if isinstance(original.loss, dict):
        t, s = {"x": t}, {"x": s}
    elif isinstance(original.loss, list):
        t, s = [t, t * 0.5], [s, s * 0.5]
    np.testing.assert_allclose(
        _np(restored.compute_loss(t, s)), _np(original.compute_loss(t, s)), rtol=1e-6
    )


def test_serialized_under_keras_names():
    from kerasish.saving import deserialize_keras_object, serialize_keras_object

    config = serialize_keras_object(distillation.LogitsDistillation(temperature=2.0))
    assert config["module"] == "keras.distillation"
    assert config["class_name"] == "LogitsDistillation"
    assert config["registered_name"] is None
    restored = deserialize_keras_object(config)
    assert isinstance(restored, distillation.LogitsDistillation)
    assert restored.temperature == 2.0


@pytest.mark.compat
def test_configs_load_in_both_libraries():
    keras = keras3()
    from keras.src.saving import serialization_lib

    from kerasish.saving import deserialize_keras_object, serialize_keras_object

    t, s = _logits(21, scale=2.0), _logits(22, scale=2.0)
    for make in (
        lambda lib: lib.distillation.LogitsDistillation(temperature=2.0),
        lambda lib: lib.distillation.LogitsDistillation(
            temperature=3.0, loss=[lib.losses.KLDivergence(), None]
        ),
        lambda lib: lib.distillation.FeatureDistillation(loss="mae"),
    ):
        theirs = make(keras)
        ours = make(kerasish)
        assert ours.get_config() == json.loads(json.dumps(theirs.get_config()))
        from_keras = deserialize_keras_object(
            json.loads(json.dumps(serialization_lib.serialize_keras_object(theirs)))
        )
        from_ours = serialization_lib.deserialize_keras_object(
            json.loads(json.dumps(serialize_keras_object(ours)))
        )
        args = ([t, t], [s, s]) if isinstance(ours.loss, list) else (t, s)
        expected = _np(theirs.compute_loss(*args))
        np.testing.assert_allclose(_np(from_keras.compute_loss(*args)), expected, 1e-5)
        np.testing.assert_allclose(_np(from_ours.compute_loss(*args)), expected, 1e-5)
