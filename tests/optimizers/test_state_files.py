"""Optimizer state in `.keras` files, both ways, for layouts where kerasish's
state and Keras's variable list differ most (a schedule keeps no learning-rate
variable; AMSGrad's `velocity_hat`s follow all moments; EMA and accumulators)."""

import warnings

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

pytestmark = pytest.mark.compat


def _model(lib, optimizer):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


def _optimizer(lib):
    schedule = lib.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    return lib.optimizers.Adam(
        schedule, amsgrad=True, use_ema=True, gradient_accumulation_steps=2
    )


def _values(optimizer):
    return [np.asarray(v.value, "float64") for v in optimizer.variables]


@pytest.mark.parametrize("direction", ["kerasish->keras", "keras->kerasish"])
def test_optimizer_state_round_trips_through_the_other_library(tmp_path, direction):
    keras = keras3()
    source, target = (
        (kerasish, keras) if direction == "kerasish->keras" else (keras, kerasish)
    )
    model = _model(source, _optimizer(source))
    rng = np.random.default_rng(0)
    variables = model.optimizer.variables
    variables[0].assign(np.asarray(6, variables[0].dtype))
    for v in variables[1:]:
        v.assign(rng.uniform(size=tuple(v.shape)).astype("float32"))
    want = _values(model.optimizer)
    assert len(want) == 1 + 5 * 2  # iteration; average, accumulator, 3 slots each
    path = tmp_path / "model.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loaded = target.saving.load_model(path)
    got = _values(loaded.optimizer)
    # Variable names carry each library's layer paths; the roles line up.
    for model_ in (model, loaded):
        names = [v.name for v in model_.optimizer.variables]
        assert names[0] == "iteration"
        assert all(n.endswith("_velocity_hat") for n in names[-2:]), names
        assert not any(n == "learning_rate" for n in names), names
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert int(loaded.optimizer.iterations) == 3  # 6 micro-steps // 2
