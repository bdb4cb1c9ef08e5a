"""Dynamic loss scaling: unscaling, skipping non-finite steps, growth."""

import numpy as np
import pytest

import kerasish.optimizers as optimizers
from kerasish.engine import get_engine
from kerasish.variables import Variable

P0 = [np.ones((2, 3), "float32"), np.zeros(3, "float32")]


def _grads(value):
    return [np.full((2, 3), value, "float32"), np.full(3, value, "float32")]


def test_finite_steps_unscale_and_grow():
    opt = optimizers.LossScaleOptimizer(
        optimizers.SGD(0.1), initial_scale=8.0, dynamic_growth_steps=2
    )
    variables = [Variable(p) for p in P0]
    opt.apply(_grads(8.0), variables)  # unscaled gradient 1.0
    np.testing.assert_allclose(variables[0].numpy(), 0.9, rtol=1e-6)
    assert float(opt.dynamic_scale) == 8.0
    opt.apply(_grads(8.0), variables)  # second finite step in a row: scale doubles
    np.testing.assert_allclose(variables[0].numpy(), 0.8, rtol=1e-6)
    assert float(opt.dynamic_scale) == 16.0
    assert int(opt.iterations) == 2


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_gradients_skip_the_step_and_halve_the_scale(bad):
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.1), initial_scale=8.0)
    variables = [Variable(p) for p in P0]
    opt.apply(_grads(1.0), variables)
    before = [v.numpy().copy() for v in variables]
    inner_before = [np.asarray(x) for x in opt.inner_optimizer.variables]
    grads = _grads(1.0)
    grads[1][0] = bad
    opt.apply(grads, variables)
    for v, b in zip(variables, before):
        np.testing.assert_array_equal(v.numpy(), b)
    for a, b in zip(opt.inner_optimizer.variables, inner_before):
        np.testing.assert_array_equal(np.asarray(a), b)
    assert float(opt.dynamic_scale) == 4.0
    assert int(opt.iterations) == 1


def test_scale_loss_uses_the_traced_state_inside_jit():
    engine = get_engine()
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=4.0)
    assert float(opt.scale_loss(2.0)) == 8.0
    opt.build([Variable(p) for p in P0])
    fn = engine.jit(lambda state, loss: opt.scale_loss(loss, state))
    state = opt.state._replace(dynamic_scale=np.float32(32.0))
    assert float(fn(state, np.float32(2.0))) == 64.0


def test_learning_rate_and_iterations_delegate_to_inner():
    inner = optimizers.SGD(0.1, loss_scale_factor=2.0)
    opt = optimizers.LossScaleOptimizer(inner, initial_scale=1.0)
    assert inner.loss_scale_factor is None
    variables = [Variable(p) for p in P0]
    opt.apply(_grads(1.0), variables)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    opt.apply(_grads(1.0), variables)
    np.testing.assert_allclose(variables[0].numpy(), 1.0 - 0.1 - 0.5, rtol=1e-6)
    assert int(opt.iterations) == 2


def test_config_round_trip_and_errors():
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=128.0)
    clone = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(clone, optimizers.LossScaleOptimizer)
    assert isinstance(clone.inner_optimizer, optimizers.Adam)
    assert clone.get_config()["initial_scale"] == 128.0
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="does not support arguments"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), foo=1)
    with pytest.raises(TypeError, match="must be a kerasish Optimizer"):
        optimizers.LossScaleOptimizer("adam")
    with pytest.raises(ValueError, match="`initial_scale` must be > 0"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), initial_scale=0.0)
    with pytest.raises(ValueError, match="`dynamic_growth_steps`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic_growth_steps=0)


def test_ema_through_loss_scale_optimizer():
    opt = optimizers.LossScaleOptimizer(
        optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), initial_scale=1.0
    )
    variables = [Variable(p) for p in P0]
    opt.apply(_grads(1.0), variables)
    opt.apply(_grads(1.0), variables)
    final = opt.finalize_variable_values([v.value for v in variables])
    np.testing.assert_allclose(np.asarray(final[0]), 0.5 * 0.9 + 0.5 * 0.8, rtol=1e-6)


def _lso_model(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, name="dense")])
    model.set_weights([np.full((3, 2), 0.1, "float32"), np.zeros(2, "float32")])
    inner = lib.optimizers.SGD(0.05, momentum=0.9)
    model.compile(lib.optimizers.LossScaleOptimizer(inner), "mse")
    return model


def test_saved_state_is_keras_layout_both_ways(tmp_path):
    """A LossScaleOptimizer's file holds Keras's layout: its own (unused)
    iteration and learning rate, the step counter and dynamic scale, the inner
    state; and the inner optimizer's variables again at `inner_optimizer`.
    Either library resumes from the other's file (the step counter and the
    scale were not saved before)."""
    import warnings

    import kerasish
    from tests.helpers import keras3

    keras = keras3()
    x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
    saved = {}
    for lib in (keras, kerasish):
        model = _lso_model(lib)
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        saved[lib.__name__] = tmp_path / f"{lib.__name__}.keras"
        model.save(saved[lib.__name__])
    for lib in (keras, kerasish):
        for source, path in saved.items():
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no "skipping"/"not restoring"
                loaded = lib.saving.load_model(path)
            optimizer = loaded.optimizer
            assert int(np.asarray(optimizer.iterations)) == 4, (lib, source)
            values = {v.name: np.asarray(v) for v in optimizer.variables}
            assert int(values["step_counter"]) == 4, (lib, source)
            assert float(values["dynamic_scale"]) == 32768.0
    mine = kerasish.saving.load_model(saved["kerasish"]).optimizer.variables
    theirs = keras.saving.load_model(saved["keras"]).optimizer.variables
    momentum = [np.asarray(v) for v in mine if "momentum" in v.name]
    expected = [np.asarray(v) for v in theirs if "momentum" in v.name]
    for a, b in zip(momentum, expected):
        np.testing.assert_allclose(a, b, rtol=1e-6)
