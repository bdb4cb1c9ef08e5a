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
