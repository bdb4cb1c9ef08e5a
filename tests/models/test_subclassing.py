"""Subclassing Layer and Model as Keras 3 allows it, checked against Keras.

The guide programs ("Customizing what happens in fit() with JAX") are written once,
against a `keras` module argument, and run under both libraries with the same
weights and data; their loss histories must agree.
"""

import jax
import numpy as np
import pytest

import kerasish
from kerasish.models.functional import Functional
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.random((64, 8)).astype("float32")
Y = RNG.random((64, 1)).astype("float32")
W = [np.linspace(-0.2, 0.2, 8, dtype="float32").reshape(8, 1), np.zeros(1, "float32")]


def guide_model(keras, own_metrics=False):
    """The guide's CustomModel: a JAX train_step (and test_step) over `state`."""

    class CustomModel(keras.Model):
        if own_metrics:

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.loss_tracker = keras.metrics.Mean(name="loss")
                self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
                self.loss_fn = keras.losses.MeanSquaredError()

            @property
            def metrics(self):
                return [self.loss_tracker, self.mae_metric]

        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, x, y, training=False
        ):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training
            )
            if own_metrics:
                loss = self.loss_fn(y, y_pred)
            else:
                loss = self.compute_loss(x, y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                start = len(new_metrics_vars)
                this = metrics_variables[start : start + len(metric.variables)]
                if metric.name == "loss":
                    this = metric.stateless_update_state(this, loss)
                else:
                    this = metric.stateless_update_state(this, y, y_pred)
                logs[metric.name] = metric.stateless_result(this)
                new_metrics_vars += this
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                new_metrics_vars,
            )
            return logs, state

        def test_step(self, state, data):
            x, y = data
            trainable_variables, non_trainable_variables, metrics_variables = state
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=False
            )
            loss = (
                self.loss_fn(y, y_pred)
                if own_metrics
                else self.compute_loss(x, y, y_pred)
            )
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                start = len(new_metrics_vars)
                this = metrics_variables[start : start + len(metric.variables)]
                if metric.name == "loss":
                    this = metric.stateless_update_state(this, loss)
                else:
                    this = metric.stateless_update_state(this, y, y_pred)
                logs[metric.name] = metric.stateless_result(this)
                new_metrics_vars += this
            state = (trainable_variables, non_trainable_variables, new_metrics_vars)
            return logs, state

    inputs = keras.Input(shape=(8,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.set_weights(W)
    return model


def _run_guide(keras, own_metrics):
    model = guide_model(keras, own_metrics)
    if own_metrics:
        model.compile(optimizer=keras.optimizers.Adam(0.01))
    else:
        optimizer = keras.optimizers.Adam(0.01)
        model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    history = model.fit(X, Y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    evaluation = model.evaluate(X, Y, batch_size=32, verbose=0, return_dict=True)
    return model, history.history, evaluation


def test_guide_train_step_matches_hand_loop():
    """The adapted JAX train_step equals a hand-written Adam loop on the same data."""
    model, history, evaluation = _run_guide(kerasish, own_metrics=False)
    assert isinstance(model, Functional) and isinstance(model, kerasish.Model)
    assert sorted(history) == ["loss", "mae"]
    import optax

    params = [w.copy() for w in W]
    opt = optax.adam(0.01)
    opt_state = opt.init(params)

    def loss_fn(p, x, y):
        return jax.numpy.mean((x @ p[0] + p[1] - y) ** 2)

    losses = []
    for _ in range(2):
        batch_losses = []
        for start in range(0, 64, 32):
            x, y = X[start : start + 32], Y[start : start + 32]
            loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
            updates, opt_state = opt.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            batch_losses.append(float(loss))
        losses.append(np.mean(batch_losses))
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-4)
    np.testing.assert_allclose(model.get_weights()[0], params[0], rtol=1e-4, atol=1e-6)
    final = X @ np.asarray(params[0]) + np.asarray(params[1])
    np.testing.assert_allclose(evaluation["loss"], np.mean((final - Y) ** 2), 1e-4)
    np.testing.assert_allclose(evaluation["mae"], np.mean(np.abs(final - Y)), 1e-4)


@pytest.mark.compat
@pytest.mark.parametrize("own_metrics", [False, True])
def test_guide_train_step_matches_keras(own_metrics):
    keras = keras3()
    _, ours, ours_eval = _run_guide(kerasish, own_metrics)
    _, theirs, theirs_eval = _run_guide(keras, own_metrics)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4)
    assert sorted(ours_eval) == sorted(theirs_eval)
    for key in theirs_eval:
        np.testing.assert_allclose(ours_eval[key], theirs_eval[key], rtol=1e-4)


def subclass_with_init(keras):
    """A functional model made in a custom `__init__`, with its own compute_loss."""

    class Regressor(keras.Model):
        def __init__(self, hidden=4, **kwargs):
            inputs = keras.Input((8,))
            x = keras.layers.Dense(hidden, activation="tanh", name="hidden")(inputs)
            outputs = keras.layers.Dense(1, name="out")(x)
            super().__init__(inputs=inputs, outputs=outputs, **kwargs)
            self.hidden = hidden

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            return keras.ops.mean(keras.ops.abs(y_pred - y))

    model = Regressor(hidden=3, name="regressor")
    weights = [
        np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3),
        np.full(3, 0.1, "float32"),
        np.array([[0.5], [-0.25], [0.3]], "float32"),
        np.zeros(1, "float32"),
    ]
    model.set_weights(weights)
    return model


def test_functional_subclass_with_custom_init():
    model = subclass_with_init(kerasish)
    assert isinstance(model, Functional)
    assert [layer.name for layer in model.layers][1:] == ["hidden", "out"]
    w1, b1, w2, b2 = model.get_weights()
    expected = np.tanh(X @ w1 + b1) @ w2 + b2
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5)
    model.compile(optimizer="sgd")  # the loss comes from compute_loss
    loss = model.evaluate(X, Y, batch_size=32, verbose=0)
    np.testing.assert_allclose(loss, np.mean(np.abs(expected - Y)), rtol=1e-5)
    # Its own `__init__` rebuilds it: the config is the base one, as in Keras.
    config = model.get_config()
    assert sorted(config) == ["dtype", "name", "trainable"]
    clone = type(model).from_config(config)
    assert clone.name == "regressor" and isinstance(clone, Functional)


@pytest.mark.compat
def test_functional_subclass_fit_matches_keras():
    keras = keras3()
    histories = []
    for lib in (kerasish, keras):
        model = subclass_with_init(lib)
        model.compile(optimizer=lib.optimizers.SGD(0.1))
        history = model.fit(X, Y, epochs=2, batch_size=32, shuffle=False, verbose=0)
        histories.append(history.history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-4)


def test_subclass_called_with_inputs_outputs_keeps_its_methods():
    class Doubled(kerasish.Model):
        def predict_step(self, state, data):
            trainable, non_trainable = state
            outputs, non_trainable = self.stateless_call(trainable, non_trainable, data)
            return outputs * 2.0, non_trainable

    inputs = kerasish.Input((8,))
    model = Doubled(inputs, kerasish.layers.Dense(1)(inputs))
    model.set_weights(W)
    assert isinstance(model, Functional) and isinstance(model, Doubled)
    np.testing.assert_allclose(
        model.predict(X, verbose=0), 2 * (X @ W[0] + W[1]), rtol=1e-5, atol=1e-6
    )
    other = Doubled(inputs=inputs, outputs=model.outputs)  # second instance
    assert isinstance(other, Functional)


def test_step_errors():
    class Broken(kerasish.Model):
        def train_step(self, state, data):
            return state[0]

    inputs = kerasish.Input((8,))
    model = Broken(inputs, kerasish.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"must return `\(logs, state\)`"):
        model.fit(X, Y, batch_size=32, verbose=0)
    with pytest.raises(TypeError, match="positional argument"):
        kerasish.Model(inputs)


@pytest.mark.compat
def test_signatures_match_keras():
    import inspect

    keras = keras3()
    from keras.src.models.functional import Functional as KerasFunctional

    pairs = [
        (kerasish.layers.Layer, keras.layers.Layer),
        (kerasish.Model, keras.Model),
        (kerasish.Sequential, keras.Sequential),
        (Functional, KerasFunctional),
        (Functional.__init__, KerasFunctional.__init__),
        (kerasish.Input, keras.Input),
        (kerasish.layers.InputLayer, keras.layers.InputLayer),
        (kerasish.Model.from_config, keras.Model.from_config),
        (kerasish.Model.to_json, keras.Model.to_json),
    ]
    for name in ("get_build_config", "build_from_config", "add_metric"):
        pairs.append(
            (getattr(kerasish.layers.Layer, name), getattr(keras.layers.Layer, name))
        )
    for name in ("stateless_update_state", "stateless_result", "stateless_reset_state"):
        ours = getattr(kerasish.metrics.Metric, name)
        pairs.append((ours, getattr(keras.metrics.Metric, name)))
    for ours, theirs in pairs:
        assert inspect.signature(ours) == inspect.signature(theirs), ours


def test_metric_stateless_api_is_pure():
    metric = kerasish.metrics.MeanAbsoluteError()
    variables = metric.stateless_reset_state()
    assert len(variables) == len(metric.variables)
    y_true, y_pred = np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]])
    variables = metric.stateless_update_state(variables, y_true, y_pred)
    np.testing.assert_allclose(metric.stateless_result(variables), 0.75)
    np.testing.assert_allclose(metric.result(), 0.0)  # the object is untouched


def test_keras_style_steps_get_the_data_as_keras_packs_it():
    """Keras's `fit` packs a batch as `x`, `(x, y)` or `(x, y, sw)`; its
    `train_on_batch` / `test_on_batch` always as `(x, y, sw)` and
    `predict_on_batch` as `(x,)` (a step unpacking `x, y, sw = data` runs
    there); checked against Keras 3's JAX trainer."""
    seen = []

    def describe(data):
        if isinstance(data, tuple):
            return tuple(describe(d) for d in data)
        return None if data is None else tuple(data.shape)

    class Model(kerasish.Model):
        def __init__(self):
            super().__init__()
            self.dense = kerasish.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, state, data):
            seen.append(("train", describe(data)))
            return {}, state

        def test_step(self, state, data):
            seen.append(("test", describe(data)))
            return {}, state

        def predict_step(self, state, data):
            seen.append(("predict", describe(data)))
            x = kerasish.utils.unpack_x_y_sample_weight(data)[0]
            return self.stateless_call(state[0], state[1], x)

    x, y = np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32")
    model = Model()
    model.compile(optimizer="sgd")
    model.fit(x, y, batch_size=4, verbose=0)
    model.evaluate(x, y, batch_size=4, verbose=0)
    model.predict(x, batch_size=4, verbose=0)
    model.train_on_batch(x, y)
    model.test_on_batch(x)
    model.predict_on_batch(x)
    assert seen == [
        ("train", ((4, 3), (4, 1))),
        ("test", ((4, 3), (4, 1))),
        ("predict", (4, 3)),
        ("train", ((4, 3), (4, 1), None)),
        ("test", ((4, 3), None, None)),
        ("predict", ((4, 3),)),
    ]
    seen.clear()  # compiled once each: fit's steps are not traced again
    model.fit(x, y, batch_size=4, verbose=0)
    model.train_on_batch(x, y)
    assert seen == []
