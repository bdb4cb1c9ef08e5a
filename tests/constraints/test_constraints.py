import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import constraints
from kerasish.variables import Variable

EPS = 1e-7  # kerasish.config.epsilon(), added to the norm outside the sqrt
RNG = np.random.default_rng(0)
W = (RNG.normal(size=(4, 6)) * np.array([0.1, 0.5, 1.0, 2.0, 3.0, 0.0])).astype(
    "float32"
)
CONV = RNG.normal(size=(3, 3, 2, 5)).astype("float32")


def _np_norms(w, axis):
    return np.sqrt((w.astype("float64") ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1, 2]])
@pytest.mark.parametrize("max_value", [0.5, 2.0])
def test_max_norm_matches_numpy(axis, max_value):
    w = W if axis != [0, 1, 2] else CONV
    n = _np_norms(w, tuple(axis) if isinstance(axis, list) else axis)
    expected = w * np.clip(n, 0, max_value) / (EPS + n)
    out = constraints.MaxNorm(max_value=max_value, axis=axis)(w)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)
    assert np.all(_np_norms(np.asarray(out), 0 if axis == 0 else None) > -1)


def test_max_norm_limits_and_keeps_small_columns():
    out = np.asarray(constraints.MaxNorm(1.0)(W))
    norms = _np_norms(out, 0).ravel()
    original = _np_norms(W, 0).ravel()
    np.testing.assert_allclose(norms, np.minimum(original, 1.0), rtol=1e-5, atol=1e-6)
    assert np.all(np.isfinite(out))  # the all-zero column stays zero, not nan


def test_non_neg():
    np.testing.assert_array_equal(constraints.NonNeg()(W), np.maximum(W, 0))


@pytest.mark.parametrize("axis", [0, 1])
def test_unit_norm_matches_numpy(axis):
    n = _np_norms(W, axis)
    np.testing.assert_allclose(
        constraints.UnitNorm(axis=axis)(W), W / (EPS + n), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("rate", [1.0, 0.5])
@pytest.mark.parametrize("axis", [0, 1])
def test_min_max_norm_matches_numpy(rate, axis):
    n = _np_norms(W, axis)
    desired = rate * np.clip(n, 0.8, 1.5) + (1 - rate) * n
    out = constraints.MinMaxNorm(0.8, 1.5, rate=rate, axis=axis)(W)
    np.testing.assert_allclose(out, W * desired / (EPS + n), rtol=1e-5, atol=1e-7)


def test_constraints_accept_variables_and_trace_under_jit():
    v = Variable(W)
    for c in [
        constraints.MaxNorm(1.0),
        constraints.NonNeg(),
        constraints.UnitNorm(1),
        constraints.MinMaxNorm(0.5, 1.0, 0.5),
    ]:
        np.testing.assert_allclose(c(v), c(W), rtol=1e-6)
        np.testing.assert_allclose(jax.jit(c)(W), c(W), rtol=1e-6)


def test_defaults_as_keras():
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.MinMaxNorm().get_config() == {
        "min_value": 0.0,
        "max_value": 1.0,
        "rate": 1.0,
        "axis": 0,
    }
    assert constraints.NonNeg().get_config() == {}
    np.testing.assert_array_equal(constraints.Constraint()(W), W)


def test_get_names_classes_instances_dicts():
    assert constraints.get(None) is None
    for name, cls in [
        ("max_norm", constraints.MaxNorm),
        ("non_neg", constraints.NonNeg),
        ("unit_norm", constraints.UnitNorm),
        ("min_max_norm", constraints.MinMaxNorm),
        ("MaxNorm", constraints.MaxNorm),
    ]:
        assert type(constraints.get(name)) is cls
    assert isinstance(constraints.get(constraints.NonNeg), constraints.NonNeg)
    c = constraints.UnitNorm(1)
    assert constraints.get(c) is c
    fn = lambda w: w  # noqa: E731
    assert constraints.get(fn) is fn
    got = constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3}})
    assert got.get_config() == {"max_value": 3, "axis": 0}
    assert constraints.max_norm is constraints.MaxNorm


@pytest.mark.parametrize(
    "c",
    [
        constraints.MaxNorm(1.5, 1),
        constraints.NonNeg(),
        constraints.UnitNorm(1),
        constraints.MinMaxNorm(0.2, 0.9, 0.3, 1),
    ],
)
def test_config_round_trip(c):
    clone = constraints.deserialize(constraints.serialize(c))
    assert type(clone) is type(c) and clone.get_config() == c.get_config()
    np.testing.assert_allclose(clone(W), c(W), rtol=1e-6)


def test_error_paths():
    with pytest.raises(
        ValueError,
        match=r"Unknown constraint 'maxnorm'\. Did you mean "
        r"'max_norm'\? Valid names:",
    ):
        constraints.get("maxnorm")
    with pytest.raises(TypeError, match="Could not interpret constraint identifier"):
        constraints.get(2)
    with pytest.raises(
        ValueError,
        match=r"MinMaxNorm: `min_value` \(2\.0\) must not "
        r"exceed `max_value` \(1\.0\)",
    ):
        constraints.MinMaxNorm(2.0, 1.0)
    with pytest.raises(TypeError, match="Unknown constraint 'Clip'"):
        constraints.deserialize({"class_name": "Clip", "config": {}})


@pytest.mark.compat
def test_compat_values_and_configs_match_keras():
    keras = pytest.importorskip("keras")
    pairs = [
        (constraints.MaxNorm(1.0, 1), keras.constraints.MaxNorm(1.0, 1)),
        (constraints.NonNeg(), keras.constraints.NonNeg()),
        (constraints.UnitNorm(1), keras.constraints.UnitNorm(1)),
        (
            constraints.MinMaxNorm(0.8, 1.5, 0.5),
            keras.constraints.MinMaxNorm(0.8, 1.5, 0.5),
        ),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(W), np.asarray(theirs(W)), rtol=1e-5, atol=1e-7)
        assert ours.get_config() == theirs.get_config()
    for name in ["max_norm", "non_neg", "unit_norm", "min_max_norm", "MaxNorm"]:
        ours, theirs = constraints.get(name), keras.constraints.get(name)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == theirs.get_config()
