"""Training under each dtype policy: float32 variables, compute in the policy dtype."""

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers


@pytest.fixture(autouse=True)
def _restore_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16", "mixed_float16"])
def test_small_model_trains_under_policy(policy):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, :1] * 2 + 1).astype("float32")
    keras.mixed_precision.set_global_policy(policy)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(1, dtype="float32"),
        ]
    )
    optimizer = keras.optimizers.Adam(0.01)
    if policy == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(optimizer, "mse")
    history = model.fit(x, y, epochs=8, verbose=0)
    compute = {
        "float32": "float32",
        "mixed_bfloat16": "bfloat16",
        "mixed_float16": "float16",
    }[policy]
    hidden = model.layers[0]
    assert hidden.kernel.dtype == "float32" and hidden.compute_dtype == compute
    assert str(np.asarray(hidden(x[:2])).dtype) == compute
    assert model.predict(x[:2], verbose=0).dtype == np.float32  # float32 head
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


def test_unknown_policy_lists_valid():
    with pytest.raises(
        ValueError, match="Unknown dtype policy 'mixed_int8'.*mixed_bfloat16"
    ):
        keras.mixed_precision.set_global_policy("mixed_int8")


def _float32_head_model(policy):
    keras.mixed_precision.set_global_policy(policy)
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(1, name="head", dtype="float32")]
    )
    model.set_weights([np.full((4, 1), -0.1, "float32"), np.full((1,), -0.1)])
    return model


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_a_float32_layer_in_a_mixed_model_computes_in_float32(policy):
    """As in Keras, a layer's own policy decides how its variables are read,
    not the enclosing model's: -0.1 read as float16 would give -0.49988."""
    model = _float32_head_model(policy)
    x = np.linspace(-1, 1, 8).reshape(2, 4).astype("float32")
    expected = x.astype("float64") @ np.full((4, 1), np.float32(-0.1)) - 0.1
    np.testing.assert_allclose(model(x), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)


def test_mixed_float16_wraps_the_optimizer_in_a_loss_scale_optimizer():
    """Keras's `compile(auto_scale_loss=True)`: under "mixed_float16" only, and
    not twice. Scaling by a power of two is exact: a model whose one layer is
    float32 trains exactly as under "float32"."""
    x = np.ones((8, 4), "float32")
    y = np.ones((8, 1), "float32")
    histories = {}
    for policy in ("float32", "mixed_float16"):
        model = _float32_head_model(policy)
        model.compile("sgd", "mse")
        histories[policy] = model.fit(x, y, epochs=3, verbose=0).history["loss"]
        wrapped = isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        assert wrapped is (policy == "mixed_float16")
    assert model.optimizer.name == "loss_scale_optimizer"
    assert type(model.optimizer.inner_optimizer).__name__ == "SGD"
    assert float(model.optimizer.dynamic_scale) == 2.0**15  # no step skipped
    np.testing.assert_array_equal(histories["mixed_float16"], histories["float32"])
    np.testing.assert_allclose(histories["float32"][0], 2.25)  # (1 + 0.5)^2
    model = _float32_head_model("mixed_float16")
    model.compile("sgd", "mse", auto_scale_loss=False)
    assert type(model.optimizer).__name__ == "SGD"
    given = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())
    model.compile(given, "mse")
    assert model.optimizer is given
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    assert type(model.optimizer).__name__ == "SGD"
