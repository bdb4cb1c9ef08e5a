"""`make_train_function` / `make_test_function` / `make_predict_function`:
Keras's JAX-trainer step functions, `(state, iterator) -> (outputs, state)`."""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3)).astype("float32")
Y = X.sum(1, keepdims=True)


def _model(lib, steps_per_execution=2):
    model = lib.Sequential(
        [
            lib.Input((3,)),
            lib.layers.Dense(4, activation="relu"),
            lib.layers.BatchNormalization(),
            lib.layers.Dense(1),
        ]
    )
    model.compile(
        optimizer=lib.optimizers.SGD(0.1),
        loss="mse",
        metrics=["mae"],
        steps_per_execution=steps_per_execution,
    )
    return model


def _state(model):
    model.optimizer.build(model.trainable_variables)
    return tuple(
        [np.array(v.value) for v in variables]
        for variables in (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
            model.metrics_variables,
        )
    )


def _run_all(model):
    """Each function once over X in two batches; the values back on the host."""
    model.make_train_function()
    batches = [(X[:4], Y[:4]), (X[4:], Y[4:])]
    logs, state = model.train_function(_state(model), iter(batches))
    train = {k: float(v) for k, v in logs.items()}
    state = [[np.array(v) for v in part] for part in state]
    model.make_test_function()
    metrics = [np.zeros_like(v) for v in state[3]]
    logs, _ = model.test_function((state[0], state[1], metrics), iter([(X, Y)]))
    test = {k: float(v) for k, v in logs.items()}
    model.make_predict_function()  # returns None the first time in Keras
    outputs, _ = model.predict_function(
        (state[0], state[1]), iter([(X[:4],), (X[4:],)])
    )
    return train, state, test, np.asarray(outputs)


def test_functions_equal_the_batch_methods():
    model = _model(kerasish)
    reference = _model(kerasish)
    reference.set_weights(model.get_weights())
    assert model.train_function is None and model.predict_function is None
    train, state, test, outputs = _run_all(model)
    # Two steps in one call (steps_per_execution=2), the metrics over both:
    # one epoch of `fit` over the same two batches.
    logs = reference.fit(X, Y, batch_size=4, shuffle=False, verbose=0).history
    np.testing.assert_allclose(train["loss"], logs["loss"][0], rtol=1e-5)
    np.testing.assert_allclose(train["mae"], logs["mae"][0], rtol=1e-5)
    trained = reference.trainable_variables + reference.non_trainable_variables
    for ours, theirs in zip(state[0] + state[1], trained):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    expected = reference.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True)
    np.testing.assert_allclose(test["loss"], expected["loss"], rtol=1e-5)
    np.testing.assert_allclose(outputs, reference.predict(X, verbose=0), rtol=1e-5)
    assert outputs.shape == (8, 1)  # the two batches' outputs concatenated
    # Made once; `force` or `compile` makes them again.
    function = model.train_function
    model.make_train_function()
    assert model.train_function is function
    model.make_train_function(force=True)
    assert model.train_function is not function
    model.compile(optimizer="sgd", loss="mse")
    assert model.train_function is None and model.test_function is None


def test_iterator_shorter_than_steps_per_execution():
    model = _model(kerasish, steps_per_execution=4)
    model.make_train_function()
    logs, _ = model.train_function(_state(model), iter([(X, Y)]))
    reference = _model(kerasish)
    reference.set_weights(model.get_weights())
    expected = reference.train_on_batch(X, Y, return_dict=True)
    np.testing.assert_allclose(float(logs["loss"]), expected["loss"], rtol=1e-5)


@pytest.mark.compat
def test_functions_match_keras():
    keras = keras3()
    theirs = _model(keras)
    ours = _model(kerasish)
    ours.set_weights(theirs.get_weights())
    expected, ours_got = _run_all(theirs), _run_all(ours)
    for a, b in zip(expected, ours_got):
        if isinstance(a, dict):
            assert sorted(a) == sorted(b)
            for key in a:
                np.testing.assert_allclose(b[key], a[key], rtol=1e-5, err_msg=key)
        elif isinstance(a, list):
            assert [len(p) for p in a] == [len(p) for p in b]
            for part_a, part_b in zip(a, b):
                for va, vb in zip(part_a, part_b):
                    np.testing.assert_allclose(vb, va, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


class KerasStyleStep(kerasish.Model):
    """A `train_step` written for Keras's JAX trainer (state tuples)."""

    def train_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer, metrics = state
        x, y = data

        def loss_fn(values):
            y_pred, nt = self.stateless_call(values, non_trainable, x, training=True)
            loss, (_, nt, mv) = self.stateless_compute_loss(
                values, nt, metrics, x=x, y=y, y_pred=y_pred
            )
            return loss, (nt, mv)

        (loss, (nt, mv)), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
        trainable, optimizer = self.optimizer.stateless_apply(
            optimizer, grads, trainable
        )
        return {"loss": loss}, (trainable, nt, optimizer, mv)


def test_train_function_runs_a_keras_style_step_as_written():
    inputs = kerasish.Input((3,))
    model = KerasStyleStep(inputs, kerasish.layers.Dense(1)(inputs))
    model.compile(optimizer=kerasish.optimizers.SGD(0.1), loss="mse")
    model.layers[1].set_weights([np.ones((3, 1), "float32"), np.full(1, 0.5, "f4")])
    model.make_train_function()
    logs, state = model.train_function(_state(model), iter([(X, Y)]))
    # Every prediction is 0.5 too high: loss 0.25, gradient 2 * 0.5 * mean(x).
    np.testing.assert_allclose(float(logs["loss"]), 0.25, rtol=1e-6)
    np.testing.assert_allclose(np.ravel(state[0][0]), 1.0 - 0.1 * X.mean(0), rtol=1e-5)
    np.testing.assert_allclose(state[0][1], [0.5 - 0.1], rtol=1e-5)
