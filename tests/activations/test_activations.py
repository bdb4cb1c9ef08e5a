import hashlib
import math
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import activations
from kerasish.serialization import CustomObjectScope
from kerasish.variables import Variable
from tests import recorded

X = np.array(
    [-100.0, -6.5, -3.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.25, 0.5, 1.0, 3.0, 6.5, 100.0],
    dtype="float32",
)
_erf = np.vectorize(math.erf)


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_softplus(x):
    return np.logaddexp(0.0, x)


# Independent numpy references, one per built-in name.
REFERENCES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": lambda x: np.minimum(np.maximum(x, 0.0), 6.0),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "celu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "selu": lambda x: (
        1.0507009873554805
        * np.where(x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0.0)))
    ),
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0))),
    "silu": lambda x: x * _np_sigmoid(x),
    "swish": lambda x: x * _np_sigmoid(x),
    "sigmoid": _np_sigmoid,
    "hard_sigmoid": lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "hard_silu": lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "hard_swish": lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "tanh": np.tanh,
    "tanh_shrink": lambda x: x - np.tanh(x),
    "hard_tanh": lambda x: np.clip(x, -1.0, 1.0),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "softmax": lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum(),
    "log_softmax": lambda x: x - x.max() - np.log(np.exp(x - x.max()).sum()),
    "log_sigmoid": lambda x: -_np_softplus(-x),
    "softplus": _np_softplus,
    "softsign": lambda x: x / (np.abs(x) + 1.0),
    "sparse_plus": lambda x: np.where(
        x <= -1, 0.0, np.where(x >= 1, x, (x + 1.0) ** 2 / 4.0)
    ),
    "sparse_sigmoid": lambda x: np.where(
        x <= -1, 0.0, np.where(x >= 1, 1.0, (x + 1.0) / 2.0)
    ),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4.0)) / 2.0,
    "mish": lambda x: x * np.tanh(_np_softplus(x)),
    "exponential": lambda x: np.exp(np.clip(x, None, 80.0)),
    "linear": lambda x: x,
}


def _np_sparsemax(x):
    # Direct loop over the support size (Martins & Astudillo, 2016).
    z = np.sort(x)[::-1]
    k = max(j for j in range(1, len(z) + 1) if 1 + j * z[j - 1] > z[:j].sum())
    tau = (z[:k].sum() - 1.0) / k
    return np.maximum(x - tau, 0.0)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_matches_numpy(name):
    x = X[(X < 80) | (name != "exponential")]
    fn = activations.get(name)
    expected = REFERENCES[name](x.astype("float64"))
    np.testing.assert_allclose(fn(x), expected, rtol=2e-5, atol=1e-6)


def test_every_builtin_name_has_a_reference_or_its_own_test():
    tested_elsewhere = {"glu", "sparsemax", "threshold"}
    assert set(activations.ALL_OBJECTS_DICT) == set(REFERENCES) | tested_elsewhere


@pytest.mark.parametrize("negative_slope", [0.0, 0.1])
@pytest.mark.parametrize("max_value", [None, 2.0, 6.0])
@pytest.mark.parametrize("threshold", [0.0, 0.5, -0.5])
def test_relu_options_match_piecewise_definition(negative_slope, max_value, threshold):
    x = X.astype("float64")
    positive = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        positive = np.clip(positive, 0.0, max_value)
    expected = positive - negative_slope * np.maximum(threshold - x, 0.0)
    out = activations.relu(
        X, negative_slope=negative_slope, max_value=max_value, threshold=threshold
    )
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_gelu_approximate_uses_tanh_formula():
    x = X.astype("float64")
    inner = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
    expected = 0.5 * x * (1.0 + np.tanh(inner))
    np.testing.assert_allclose(
        activations.gelu(X, approximate=True), expected, rtol=1e-5, atol=1e-6
    )


def test_argument_variants_match_numpy():
    x = X.astype("float64")
    np.testing.assert_allclose(
        activations.leaky_relu(X, negative_slope=0.3),
        np.where(x >= 0, x, 0.3 * x),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        activations.elu(X, alpha=2.0),
        np.where(x > 0, x, 2.0 * np.expm1(np.minimum(x, 0))),
        rtol=1e-6,
        atol=1e-7,
    )
    np.testing.assert_allclose(
        activations.celu(X, alpha=2.0),
        np.where(x > 0, x, 2.0 * np.expm1(np.minimum(x, 0) / 2.0)),
        rtol=1e-6,
        atol=1e-7,
    )
    np.testing.assert_allclose(
        activations.threshold(X, 0.5, -7.0), np.where(x > 0.5, x, -7.0), rtol=1e-6
    )
    np.testing.assert_allclose(
        activations.squareplus(X, b=1.0), (x + np.sqrt(x * x + 1.0)) / 2, rtol=1e-6
    )
    np.testing.assert_allclose(
        activations.hard_shrink(X, threshold=1.0),
        np.where(np.abs(x) > 1.0, x, 0.0),
        rtol=1e-6,
    )


def test_softmax_and_log_softmax_along_axis():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5)).astype("float32") * 30
    for axis in (0, 1, -1):
        shifted = x - x.max(axis=axis, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        np.testing.assert_allclose(
            activations.softmax(x, axis=axis), np.exp(shifted - log_norm), atol=1e-6
        )
        np.testing.assert_allclose(
            activations.log_softmax(x, axis=axis), shifted - log_norm, atol=1e-4
        )


def test_glu_splits_in_halves():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    a, b = x[:, :3], x[:, 3:]
    np.testing.assert_allclose(
        activations.glu(x, axis=1), a * _np_sigmoid(b), rtol=1e-5, atol=1e-6
    )


def test_glu_odd_axis_raises():
    with pytest.raises(
        ValueError, match=r"glu: the size of `axis` \(-1\) must be even"
    ):
        activations.glu(np.ones((2, 3)))


def test_sparsemax_matches_direct_loop_and_sums_to_one():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 5)).astype("float32") * 2
    x[0] = [0.5, 0.4, 0.1, -1.0, 0.0]
    out = np.asarray(activations.sparsemax(x))
    expected = np.stack([_np_sparsemax(row.astype("float64")) for row in x])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)
    out0 = np.asarray(activations.sparsemax(x.T, axis=0))
    np.testing.assert_allclose(out0, expected.T, rtol=1e-5, atol=1e-6)


def test_hostile_logits_stay_finite():
    x = np.array([[-1e4, 0.0, 1e4]], dtype="float32")
    for name in (
        "softmax",
        "log_softmax",
        "sigmoid",
        "softplus",
        "elu",
        "selu",
        "mish",
        "silu",
        "gelu",
        "log_sigmoid",
        "sparsemax",
    ):
        out = np.asarray(activations.get(name)(x))
        assert np.all(np.isfinite(out) | (out == -np.inf)), name
    np.testing.assert_allclose(activations.softmax(x), [[0.0, 0.0, 1.0]])


def test_activations_accept_variables():
    v = Variable(X)
    for name, ref in REFERENCES.items():
        if name == "exponential":
            continue
        np.testing.assert_allclose(
            activations.get(name)(v), ref(X.astype("float64")), rtol=2e-5, atol=1e-6
        )
    np.testing.assert_allclose(
        activations.relu(v, threshold=0.5, max_value=2.0, negative_slope=0.1),
        activations.relu(X, threshold=0.5, max_value=2.0, negative_slope=0.1),
    )


@pytest.mark.parametrize("name", sorted(activations.ALL_OBJECTS_DICT))
def test_activations_trace_under_jit(name):
    fn = activations.get(name)
    if name == "threshold":
        fn = lambda x: activations.threshold(x, 0.2, 0.0)  # noqa: E731
    x = np.stack([X[:-1], X[1:]]).reshape(2, 13)[:, :12]
    compiled = jax.jit(fn)
    np.testing.assert_allclose(compiled(x), fn(x), rtol=1e-6, atol=1e-6)


def test_relu_with_options_traces_under_jit():
    fn = jax.jit(lambda x: activations.relu(x, 0.1, 2.0, 0.5))
    np.testing.assert_allclose(fn(X), activations.relu(X, 0.1, 2.0, 0.5), rtol=1e-6)


def test_get_none_string_callable_and_dict():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    custom = lambda x: x * 2  # noqa: E731
    assert activations.get(custom) is custom
    config = {
        "module": "keras.activations",
        "class_name": "function",
        "config": "gelu",
        "registered_name": "gelu",
    }
    assert activations.get(config) is activations.gelu


def test_serialize_returns_names_and_round_trips():
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(activations.hard_swish) == "hard_silu"
    for name, fn in activations.ALL_OBJECTS_DICT.items():
        assert activations.deserialize(activations.serialize(fn)) is fn, name


def test_custom_function_round_trips_through_custom_objects():
    def double(x):
        return x * 2

    config = activations.serialize(double)
    assert config["config"] == "double"
    with CustomObjectScope({"double": double}):
        assert activations.deserialize(config) is double
    assert activations.deserialize(config, custom_objects={"double": double}) is double


def test_unknown_name_lists_valid_names():
    with pytest.raises(
        ValueError,
        match=r"Unknown activation 'rellu'\. Did you mean "
        r"'relu'\? Valid names: .*softmax",
    ):
        activations.get("rellu")


def test_unknown_function_config_raises():
    with pytest.raises(TypeError, match="Unknown activation 'nope'"):
        activations.deserialize({"class_name": "function", "config": "nope"})


def test_bad_identifier_types_raise():
    with pytest.raises(TypeError, match="Could not interpret activation identifier 3"):
        activations.get(3)
    with pytest.raises(TypeError, match="Cannot deserialize activation"):
        activations.deserialize([1, 2])
    with pytest.raises(TypeError, match="Cannot serialize activation 'relu'"):
        activations.serialize("relu")


@pytest.mark.compat
@pytest.mark.parametrize("name", sorted(activations.ALL_OBJECTS_DICT))
def test_compat_values_match_keras(name):
    keras = pytest.importorskip("keras")
    if name == "sparsemax":
        # Keras 3.15's sparsemax computes tau from the sum of the cumulative sums,
        # so its rows do not sum to 1 (e.g. [0.5, 0.4] -> [0.3, 0.2]); ours is the
        # published projection and is checked against a direct loop above.
        pytest.skip("Keras 3.15 sparsemax differs from the published formula")
    args = (0.2, -1.0) if name == "threshold" else ()
    x = X.reshape(7, 2)  # an even last axis, for glu
    ours = activations.get(name)(x, *args)
    theirs = getattr(keras.activations, name)(x, *args)
    # atol: Keras's squareplus cancels at x = -100 (0.0024986 vs 0.0024999).
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=5e-6)


@pytest.mark.compat
def test_compat_relu_options_and_serialize_match_keras():
    keras = pytest.importorskip("keras")
    for kwargs in [
        dict(negative_slope=0.1, max_value=2.0, threshold=0.5),
        dict(negative_slope=0.1, threshold=-0.5),
        dict(max_value=6.0),
        dict(threshold=-0.5),
    ]:
        np.testing.assert_allclose(
            activations.relu(X, **kwargs),
            np.asarray(keras.activations.relu(X, **kwargs)),
            rtol=1e-6,
            atol=1e-6,
            err_msg=str(kwargs),
        )
    # Keras's serialized names as tools/record_keras.py activations recorded them
    # (its first `serialize` imports TensorFlow); the slow twin below reruns Keras.
    theirs = _recorded_serialized()
    for name in activations.ALL_OBJECTS_DICT:
        ours = activations.serialize(activations.get(name))
        assert ours == theirs[name], name


SERIALIZED_RECORD = Path(__file__).parent / "keras_serialized.json.gz"
_RECORDER = "tools/record_keras.py activations"


def names_fingerprint():
    """What defines the recorded cases: the built-in names, sorted."""
    names = " ".join(sorted(activations.ALL_OBJECTS_DICT))
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def keras_serialized(keras):
    """`keras.activations.serialize` of each built-in name, by name."""
    return {
        name: keras.activations.serialize(keras.activations.get(name))
        for name in sorted(activations.ALL_OBJECTS_DICT)
    }


def _recorded_serialized():
    record = recorded.read(SERIALIZED_RECORD)
    assert record["names"] == names_fingerprint(), (
        f"the built-in activations changed since Keras was recorded; run {_RECORDER}"
    )
    return record["serialized"]


@pytest.mark.slow
@pytest.mark.compat
def test_compat_serialize_record_matches_keras_live():
    keras = pytest.importorskip("keras")
    assert keras_serialized(keras) == _recorded_serialized(), f"run {_RECORDER}"


def test_a_plain_function_named_as_an_activation_saves_by_name():
    """As Keras: `keras.ops.gelu` as an activation is saved as "gelu" (and
    loads as the activation of that name); other functions keep a config."""
    from kerasish import activations, layers, ops

    assert activations.serialize(ops.gelu) == "gelu"
    assert activations.serialize(ops.relu) == "relu"
    dense = layers.Dense(2, activation=ops.gelu)
    assert dense.get_config()["activation"] == "gelu"
    assert layers.Dense.from_config(dense.get_config()).activation is activations.gelu

    def my_activation(x):
        return x

    assert isinstance(activations.serialize(my_activation), dict)
