import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import regularizers
from kerasish.variables import Variable

RNG = np.random.default_rng(0)
W = RNG.normal(size=(5, 4)).astype("float32")


def _np_orthogonal(w, factor, mode):
    # Direct double loop over pairs of rows (or columns) scaled to unit norm.
    vectors = w if mode == "rows" else w.T
    units = [v / max(np.linalg.norm(v), 1e-7) for v in vectors.astype("float64")]
    n = len(units)
    total = sum(abs(units[i] @ units[j]) for i in range(n) for j in range(i + 1, n))
    return factor * total / (n * (n - 1) / 2)


def test_l1_l2_l1l2_match_numpy_sums():
    w = W.astype("float64")
    np.testing.assert_allclose(
        regularizers.L1(0.3)(W), 0.3 * np.abs(w).sum(), rtol=1e-6
    )
    np.testing.assert_allclose(regularizers.L2(0.3)(W), 0.3 * (w**2).sum(), rtol=1e-6)
    np.testing.assert_allclose(
        regularizers.L1L2(l1=0.1, l2=0.2)(W),
        0.1 * np.abs(w).sum() + 0.2 * (w**2).sum(),
        rtol=1e-6,
    )
    assert float(regularizers.L1L2()(W)) == 0.0
    np.testing.assert_allclose(
        regularizers.L1L2(l2=0.5)(W), 0.5 * (w**2).sum(), rtol=1e-6
    )


def test_defaults_as_keras():
    # Keras holds L1's `l1` and the orthogonal `factor` as float32 tensors.
    f32 = float(np.float32(0.01))
    assert regularizers.L1().get_config() == {"l1": f32}
    assert regularizers.L2().get_config() == {"l2": 0.01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.L1(None).get_config() == {"l1": f32}
    assert regularizers.L1L2(l1=None).get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.OrthogonalRegularizer().get_config() == {
        "factor": f32,
        "mode": "rows",
    }


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("shape", [(5, 4), (3, 6)])
def test_orthogonal_regularizer_matches_pairwise_loop(mode, shape):
    w = RNG.normal(size=shape).astype("float32")
    out = regularizers.OrthogonalRegularizer(factor=0.7, mode=mode)(w)
    np.testing.assert_allclose(out, _np_orthogonal(w, 0.7, mode), rtol=1e-5)


def test_orthogonal_regularizer_zero_for_orthogonal_rows_and_single_row():
    assert float(regularizers.OrthogonalRegularizer(1.0)(np.eye(4))) == 0.0
    assert float(regularizers.OrthogonalRegularizer(1.0)(np.ones((1, 3)))) == 0.0


def test_regularizers_accept_variables_and_trace_under_jit():
    v = Variable(W)
    for reg in [
        regularizers.L1(0.2),
        regularizers.L2(0.2),
        regularizers.L1L2(0.1, 0.1),
        regularizers.OrthogonalRegularizer(0.3),
    ]:
        np.testing.assert_allclose(reg(v), reg(W), rtol=1e-6)
        np.testing.assert_allclose(jax.jit(reg)(W), reg(W), rtol=1e-6)


def test_gradient_of_l2_is_2_l2_w():
    grad = jax.grad(regularizers.L2(0.25))(W)
    np.testing.assert_allclose(grad, 0.5 * W, rtol=1e-6)


def test_get_names_classes_instances_dicts():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get("l1"), regularizers.L1)
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert isinstance(regularizers.get("l1l2"), regularizers.L1L2)
    assert isinstance(regularizers.get("L1L2"), regularizers.L1L2)
    assert isinstance(
        regularizers.get("orthogonal_regularizer"), regularizers.OrthogonalRegularizer
    )
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)
    reg = regularizers.L1(0.5)
    assert regularizers.get(reg) is reg
    fn = lambda w: 0.0  # noqa: E731
    assert regularizers.get(fn) is fn
    got = regularizers.get({"class_name": "L2", "config": {"l2": 0.2}})
    assert got.get_config() == {"l2": 0.2}
    assert regularizers.l1_l2 is regularizers.L1L2


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.L1(0.2),
        regularizers.L2(0.3),
        regularizers.L1L2(0.1, 0.4),
        regularizers.OrthogonalRegularizer(0.5, "columns"),
    ],
)
def test_config_round_trip_gives_same_penalty(reg):
    clone = regularizers.deserialize(regularizers.serialize(reg))
    assert type(clone) is type(reg) and clone.get_config() == reg.get_config()
    np.testing.assert_allclose(clone(W), reg(W), rtol=1e-6)


def test_error_paths():
    with pytest.raises(
        ValueError,
        match=r"Unknown regularizer 'l22'\. Did you mean "
        r"'l2'\? Valid names: L1, ",
    ):
        regularizers.get("l22")
    with pytest.raises(TypeError, match="Could not interpret regularizer identifier"):
        regularizers.get(0.1)
    with pytest.raises(
        ValueError,
        match=r"L1: `l1` must be a non-negative finite "
        r"float, got -0.1",
    ):
        regularizers.L1(-0.1)
    with pytest.raises(ValueError, match=r"L2: `l2` must be .* got nan"):
        regularizers.L2(float("nan"))
    with pytest.raises(ValueError, match=r"L1L2: `l2` must be .* got 'a'"):
        regularizers.L1L2(l2="a")
    with pytest.raises(ValueError, match=r"`factor` must be .* got inf"):
        regularizers.OrthogonalRegularizer(float("inf"))
    with pytest.raises(ValueError, match=r"`mode` must be 'rows' or 'columns', got "):
        regularizers.OrthogonalRegularizer(mode="cols")
    with pytest.raises(ValueError, match=r"rank-2 weights, got shape \(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))
    with pytest.raises(NotImplementedError, match="must implement `get_config"):
        regularizers.Regularizer().get_config()
    assert regularizers.Regularizer()(W) == 0.0


@pytest.mark.compat
def test_compat_values_and_configs_match_keras():
    keras = pytest.importorskip("keras")
    pairs = [
        (regularizers.L1(0.2), keras.regularizers.L1(0.2)),
        (regularizers.L2(0.3), keras.regularizers.L2(0.3)),
        (regularizers.L1L2(0.1, 0.4), keras.regularizers.L1L2(0.1, 0.4)),
        (
            regularizers.OrthogonalRegularizer(0.5, "rows"),
            keras.regularizers.OrthogonalRegularizer(0.5, "rows"),
        ),
        (
            regularizers.OrthogonalRegularizer(0.5, "columns"),
            keras.regularizers.OrthogonalRegularizer(0.5, "columns"),
        ),
    ]
    # Keras keeps L1's and OrthogonalRegularizer's factor as a float32 tensor, so
    # its config reads 0.20000000298023224 where ours keeps 0.2.
    # A tensor for Keras: its numpy path of `normalize` fails for mode="rows".
    w = keras.ops.convert_to_tensor(W)
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(W), np.asarray(theirs(w)), rtol=1e-5)
        mine, keras_config = ours.get_config(), theirs.get_config()
        assert mine.keys() == keras_config.keys()
        for key, value in keras_config.items():
            if isinstance(value, int | float):
                assert mine[key] == pytest.approx(value, rel=1e-7), key
            else:
                assert mine[key] == value, key
    for name in ["l1", "l2", "l1l2", "L1", "orthogonal_regularizer"]:
        ours, theirs = regularizers.get(name), keras.regularizers.get(name)
        assert type(ours).__name__ == type(theirs).__name__
        mine, keras_config = ours.get_config(), theirs.get_config()
        assert mine.keys() == keras_config.keys()
        for key, value in keras_config.items():
            if isinstance(value, int | float):
                assert mine[key] == pytest.approx(value, rel=1e-7), key
            else:
                assert mine[key] == value, key
