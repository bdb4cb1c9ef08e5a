"""`optimizer.learning_rate` and `optimizer.iterations` are live Keras variables."""

import numpy as np
import pytest

import kerasish as keras


def _linear_model(optimizer):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=optimizer, loss="mse")
    model.layers[0].kernel.assign(np.zeros((2, 1), "float32"))
    return model


def test_a_handle_taken_once_reads_and_sets_the_current_value():
    opt = keras.optimizers.SGD(0.1)
    lr, iterations = opt.learning_rate, opt.iterations
    assert isinstance(lr, keras.Variable) and isinstance(iterations, keras.Variable)
    assert lr.path == "SGD/learning_rate".lower() and iterations.name == "iteration"
    opt.learning_rate = 0.2
    assert float(lr) == float(np.float32(0.2))
    lr.assign(0.05)  # before build, as after
    model = _linear_model(opt)
    x = np.array([[1.0, 2.0], [3.0, -1.0]], "float32")
    y = np.array([[1.0], [2.0]], "float32")
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False)
    # One SGD step from w = 0 on mse: grad = -2/n X^T y.
    expected = 0.05 * (2 / 2) * x.T @ y
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), expected, rtol=1e-6)
    assert int(iterations) == 1 and iterations.numpy() == 1
    lr.assign(0.0)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), expected, rtol=1e-6)
    assert int(iterations) == 2
    iterations.assign(7)
    assert int(opt.iterations) == 7


def test_it_reads_as_the_number_it_stands_for():
    lr = keras.optimizers.Adam(1e-3).learning_rate
    assert f"{lr:.1e}" == "1.0e-03"  # Keras's variable raises here
    assert lr == np.float32(1e-3) and lr != 0.5
    assert round(lr, 4) == 0.001
    np.testing.assert_allclose(lr * 2, 2e-3, rtol=1e-6)
    assert lr.dtype == "float32" and lr.shape == ()
    assert {lr: 1}[lr] == 1  # hashable
    assert list(range(keras.optimizers.SGD().iterations)) == []


def test_variables_before_build_are_keras_s_two():
    opt = keras.optimizers.Adam(0.01)
    assert [v.path for v in opt.variables] == ["adam/iteration", "adam/learning_rate"]
    np.testing.assert_allclose(opt.get_weights()[1], 0.01, rtol=1e-6)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    opt = keras.optimizers.Adam(schedule)
    assert [v.name for v in opt.variables] == ["iteration"]
    # A schedule's rate is its current value, a number, as Keras's tensor.
    assert not isinstance(opt.learning_rate, keras.Variable)
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate.assign(0.1)


def test_iterations_set_before_build_start_the_state():
    opt = keras.optimizers.SGD(0.1)
    opt.iterations.assign(3)
    assert int(opt.iterations) == 3
    model = _linear_model(opt)
    model.fit(np.ones((2, 2)), np.ones((2, 1)), batch_size=2, verbose=0)
    assert int(opt.iterations) == 4


def test_loss_scale_optimizer_scalars_are_live():
    opt = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(0.1), initial_scale=8.0, dynamic_growth_steps=1
    )
    scale, counter, lr = opt.dynamic_scale, opt.step_counter, opt.learning_rate
    assert float(scale) == 8.0 and int(counter) == 0
    model = _linear_model(opt)
    x = np.ones((2, 2), "float32")
    model.fit(x, np.ones((2, 1)), batch_size=2, verbose=0)
    assert float(scale) == 16.0  # one finite step with growth every step
    lr.assign(0.5)
    assert float(opt.inner_optimizer.learning_rate) == 0.5
    with pytest.raises(TypeError, match="dynamic_scale.* is read-only"):
        scale.assign(2.0)
