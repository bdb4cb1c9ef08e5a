"""User code sees exactly Keras's rows; losses from `add_loss` alone train a model.

A short last batch is padded only where kerasish controls everything that sees
it; a user metric, loss, layer or step sees the true rows, as under Keras.
"""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(70, 3)).astype("float32")
Y = (X @ RNG.normal(size=(3, 2))).astype("float32")
W0 = [RNG.normal(size=(3, 2)).astype("float32"), np.zeros(2, "float32")]


def _dense_model(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.set_weights(W0)
    return model


def _row_counter(lib):
    class RowCount(lib.metrics.Metric):
        """Counts rows, ignoring sample_weight (what a padded row would inflate)."""

        def __init__(self, name="rows", **kwargs):
            super().__init__(name=name, **kwargs)
            self.rows = self.add_weight(name="rows", shape=(), initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            n = lib.ops.cast(lib.ops.shape(y_true)[0], "float32")
            self.rows.assign(self.rows + n)

        def result(self):
            return lib.ops.convert_to_tensor(self.rows)

    return RowCount()


@pytest.mark.compat
def test_row_counting_metric_sees_keras_rows():
    keras = keras3()
    results = {}
    for name, lib in (("keras", keras), ("kerasish", kerasish)):
        model = _dense_model(lib)
        model.compile("sgd", "mse", metrics=[_row_counter(lib)])
        history = model.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        evaluated = model.evaluate(X, Y, batch_size=32, verbose=0, return_dict=True)
        results[name] = (history.history["rows"], evaluated["rows"])
    assert results["kerasish"] == results["keras"] == ([70.0, 70.0], 70.0)


@pytest.mark.compat
def test_row_counting_metric_over_epochs_that_go_on_from_each_other():
    """`steps_per_epoch=2` over 3 batches of 32 (the last of 6 rows): epochs
    go on from each other (2 batches, then the short third, then a new pass),
    and the user's metric sees the last batch's true 6 rows, as under Keras."""
    import warnings

    keras = keras3()
    results = {}
    for name, lib in (("keras", keras), ("kerasish", kerasish)):
        model = _dense_model(lib)
        model.compile("sgd", "mse", metrics=[_row_counter(lib)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(
                X,
                Y,
                batch_size=32,
                epochs=3,
                steps_per_epoch=2,
                shuffle=False,
                verbose=0,
            )
        results[name] = history.history["rows"]
    assert results["kerasish"] == results["keras"] == [64.0, 6.0, 64.0]


@pytest.mark.compat
def test_reduction_none_loss_summed_by_the_user_matches_keras():
    keras = keras3()
    histories = {}
    for name, lib in (("keras", keras), ("kerasish", kerasish)):

        class SumOfSquares(lib.losses.Loss):
            ops = lib.ops

            def call(self, y_true, y_pred):
                return self.ops.sum(self.ops.square(y_true - y_pred))

        model = _dense_model(lib)
        model.compile(lib.optimizers.SGD(1e-3), SumOfSquares(reduction=None))
        history = model.fit(X, Y, batch_size=32, epochs=3, shuffle=False, verbose=0)
        histories[name] = history.history["loss"]
    np.testing.assert_allclose(histories["kerasish"], histories["keras"], rtol=1e-5)


@pytest.mark.compat
def test_overridden_train_step_sees_keras_batch_sizes():
    keras = keras3()
    seen = {"keras": [], "kerasish": []}

    class KerasModel(keras.Sequential):
        def train_step(self, state, data):
            seen["keras"].append(int(data[0].shape[0]))
            return super().train_step(state, data)

    class KerasishModel(kerasish.Sequential):
        def train_step(self, state, data):
            seen["kerasish"].append(int(data[0].shape[0]))
            return super().train_step(state, data)

    for _name, cls, lib in (
        ("keras", KerasModel, keras),
        ("kerasish", KerasishModel, kerasish),
    ):
        model = cls([lib.Input((3,)), lib.layers.Dense(2)])
        model.compile("sgd", "mse")
        model.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        batches = [(X[:32], Y[:32]), (X[32:40], Y[32:40])]
        model.fit((b for b in batches), steps_per_epoch=2, verbose=0)
    # Each distinct batch size is traced once: 32, then the true last batch.
    assert sorted(set(seen["kerasish"])) == sorted(set(seen["keras"])) == [6, 8, 32]


def _endpoint_program(lib):
    layers = lib.layers

    class LogisticEndpoint(layers.Layer):
        def call(self, targets, logits):
            loss = lib.ops.mean(
                lib.ops.binary_crossentropy(targets, logits, from_logits=True)
            )
            self.add_loss(loss)
            return lib.ops.sigmoid(logits)

    inputs = lib.Input(shape=(3,), name="inputs")
    targets = lib.Input(shape=(2,), name="targets")
    logits = layers.Dense(2)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = lib.Model(inputs=[inputs, targets], outputs=predictions)
    model.set_weights(W0)
    return model


@pytest.mark.compat
def test_endpoint_layer_add_loss_alone_trains_like_keras():
    keras = keras3()
    data = {"inputs": X, "targets": (Y > 0).astype("float32")}
    histories = {}
    for name, lib in (("keras", keras), ("kerasish", kerasish)):
        model = _endpoint_program(lib)
        model.compile(optimizer=lib.optimizers.Adam(0.01))
        # evaluate before any fit: the loss tracker is there all the same
        first = model.evaluate(data, batch_size=32, verbose=0, return_dict=True)
        history = model.fit(data, batch_size=32, epochs=3, shuffle=False, verbose=0)
        histories[name] = history.history
        histories[name]["first"] = first
    assert list(histories["kerasish"]) == ["loss", "first"]
    assert list(histories["kerasish"]["first"]) == ["loss"]
    np.testing.assert_allclose(
        histories["kerasish"]["first"]["loss"],
        histories["keras"]["first"]["loss"],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        histories["kerasish"]["loss"], histories["keras"]["loss"], rtol=1e-5
    )


def test_no_loss_and_no_add_loss_names_both_ways():
    model = _dense_model(kerasish)
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"`loss=` in `compile\(\)`.*add_loss"):
        model.fit(X, Y, verbose=0)


@pytest.mark.compat
def test_builtin_program_keeps_the_padded_path():
    """Built-in layers, loss and metrics: one compiled train step, Keras's numbers."""
    keras = keras3()
    histories = {}
    for name, lib in (("keras", keras), ("kerasish", kerasish)):
        model = _dense_model(lib)
        model.compile("sgd", "mse", metrics=["mae"])
        if name == "kerasish":
            history = model.fit(X, Y, batch_size=32, shuffle=False, verbose=0)
            # The masked tail reuses the full step: one train program compiled.
            kinds = [key[0] for key in model._step_compiler.cache]
            assert kinds == ["train"]
        else:
            history = model.fit(X, Y, batch_size=32, shuffle=False, verbose=0)
        histories[name] = history.history
    for key in ("loss", "mae"):
        np.testing.assert_allclose(
            histories["kerasish"][key], histories["keras"][key], rtol=1e-5
        )


def test_unweighted_user_metric_gets_no_sample_weight():
    """Keras passes `sample_weight=None` to an unweighted compiled metric; a user
    metric that multiplies by it must not receive the padding mask instead."""
    import kerasish as keras

    seen = []

    class TruePositives(keras.metrics.Metric):
        def __init__(self, name="tp", **kwargs):
            super().__init__(name=name, **kwargs)
            self.tp = self.add_variable(shape=(), name="tp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            seen.append(sample_weight is None)
            pred = keras.ops.reshape(keras.ops.argmax(y_pred, axis=1), (-1, 1))
            values = keras.ops.cast(keras.ops.cast(y_true, "int32") == pred, "float32")
            if sample_weight is not None:
                values = values * keras.ops.cast(sample_weight, "float32")
            self.tp.assign_add(keras.ops.sum(values))

        def result(self):
            return self.tp.value

    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 3)).astype("float32")
    y = rng.integers(0, 2, size=(70, 1))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(
        optimizer="sgd",
        loss="sparse_categorical_crossentropy",
        metrics=[TruePositives()],
    )
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert seen and all(seen)
    pred = np.argmax(model.predict(x, verbose=0), axis=1)
    assert 0 <= history.history["tp"][0] <= 70
    result = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert result["tp"] == float(np.sum(pred == y[:, 0]))


def test_stateful_rnn_batches_run_one_by_one_carrying_their_state():
    """A stateful RNN is built for one batch size: predict and evaluate run its
    batches as given (merged or padded calls would change the batch size, and
    the layer refuses it), each row going on from the same row of the batch
    before, as Keras documents ("predict, fit, ... update the states of the
    stateful layers"; Keras 3's JAX backend does not carry them).

    Reference: Keras's stateless LSTM over each row's batches joined in time.
    """
    keras = keras3()
    x = np.linspace(-1, 1, 6 * 5 * 2, dtype="float32").reshape(6, 5, 2)
    y = np.linspace(0, 1, 6 * 3, dtype="float32").reshape(6, 3)
    inp = kerasish.Input(batch_shape=(2, 5, 2))
    layer = kerasish.layers.LSTM(
        3, stateful=True, kernel_initializer="ones", recurrent_initializer="ones"
    )
    model = kerasish.Model(inp, layer(inp))
    model.compile("sgd", "mse")
    predicted = model.predict(x, batch_size=2, verbose=0)
    layer.reset_states()
    loss = model.evaluate(x, y, batch_size=2, verbose=0)

    joined = x.reshape(3, 2, 5, 2).transpose(1, 0, 2, 3).reshape(2, 15, 2)
    reference = keras.layers.LSTM(
        3,
        return_sequences=True,
        kernel_initializer="ones",
        recurrent_initializer="ones",
    )
    expected = np.asarray(reference(joined))[:, 4::5]  # (row, batch, units)
    expected = expected.transpose(1, 0, 2).reshape(6, 3)
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss, np.mean((expected - y) ** 2), rtol=1e-5)


def test_a_loss_overriding_call_with_keras_signature_trains():
    """A `Loss` subclass may override `__call__(y_true, y_pred,
    sample_weight=None)` (the supervised-contrastive example): it is called
    without kerasish's `mask`, on the true rows, as in Keras."""

    class MeanSquare(kerasish.losses.Loss):
        def __call__(self, y_true, y_pred, sample_weight=None):
            return kerasish.ops.mean(kerasish.ops.square(y_true - y_pred))

    model = _dense_model(kerasish)
    model.compile("sgd", loss=MeanSquare())
    w, b = W0
    want = [np.mean((X[i : i + 32] @ w + b - Y[i : i + 32]) ** 2) for i in (0, 32, 64)]
    got = model.evaluate(X, Y, batch_size=32, verbose=0)
    # evaluate's loss is the mean over batches weighted by their rows.
    np.testing.assert_allclose(got, np.average(want, weights=[32, 32, 6]), rtol=1e-5)
    history = model.fit(X, Y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][0])
