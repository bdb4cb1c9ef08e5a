"""fit / evaluate / predict: values against a hand-written reference loop."""

import warnings

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.engine import get_engine
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 5)).astype("float32")
Y = (X @ RNG.normal(size=(5, 1))).astype("float32")
LABELS = (X[:, 0] > 0).astype("int32")


def _linear(units=1, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((5,)), layers.Dense(units)])


def test_sgd_fit_matches_hand_written_gradient_descent():
    model = _linear()
    w0, b0 = (w.copy() for w in model.get_weights())
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(X, Y, batch_size=50, epochs=2, shuffle=False, verbose=0)
    w, b = w0.astype("float64"), b0.astype("float64")
    for _ in range(2):
        for i in range(0, 200, 50):
            xb, yb = X[i : i + 50].astype("float64"), Y[i : i + 50].astype("float64")
            err = xb @ w + b - yb
            w -= 0.1 * 2 * xb.T @ err / err.size
            b -= 0.1 * 2 * err.sum(axis=0) / err.size
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-4, atol=1e-5)


def test_history_keys_and_lengths():
    model = _linear(2)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(X, LABELS, epochs=3, validation_split=0.25, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]


def test_validation_freq_and_initial_epoch():
    model = _linear()
    model.compile("sgd", "mse")
    history = model.fit(
        X,
        Y,
        epochs=4,
        initial_epoch=1,
        validation_data=(X, Y),
        validation_freq=2,
        verbose=0,
    )
    assert history.epoch == [1, 2, 3]
    assert (
        len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 2
    )  # epochs 1 and 3


def test_short_last_batch_is_masked_not_biased():
    model = _linear()
    model.compile("sgd", "mse", metrics=["mae"])
    full = model.evaluate(X, Y, batch_size=200, verbose=0, return_dict=True)
    padded = model.evaluate(
        X, Y, batch_size=64, verbose=0, return_dict=True
    )  # 200 = 3*64 + 8
    pred = model.predict(X, verbose=0, batch_size=64)
    assert pred.shape == (200, 1)
    np.testing.assert_allclose(full["loss"], np.mean((pred - Y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(padded["loss"], full["loss"], rtol=1e-5)
    np.testing.assert_allclose(padded["mae"], np.mean(np.abs(pred - Y)), rtol=1e-5)


def test_second_fit_does_not_compile_again():
    model = _linear()
    model.compile("adam", "mse", steps_per_execution=3)
    model.fit(X, Y, epochs=1, batch_size=32, verbose=0)
    with get_engine().count_compilations() as counter:
        model.fit(X, Y, epochs=2, batch_size=32, verbose=0)
        model.evaluate(X, Y, batch_size=32, verbose=0)
    # evaluate compiles its own test step once; fit compiles nothing new.
    assert counter.count <= 2


def test_steps_per_execution_gives_same_weights():
    results = []
    for n in (1, 4):
        model = _linear()
        model.compile(keras.optimizers.SGD(0.05), "mse", steps_per_execution=n)
        model.fit(X, Y, epochs=2, batch_size=20, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_run_eagerly_matches_compiled():
    results = []
    for eager in (False, True):
        model = _linear()
        model.compile(keras.optimizers.SGD(0.05), "mse", run_eagerly=eager)
        model.fit(X, Y, epochs=1, batch_size=40, shuffle=False, verbose=0)
        results.append(model.get_weights()[0])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_sample_weight_and_class_weight():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), layers.Dense(2, activation="softmax")])
    model.compile(
        "sgd", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"]
    )
    weights = np.where(LABELS == 1, 2.0, 1.0).astype("float32")
    a = model.evaluate(X, LABELS, sample_weight=weights, verbose=0, return_dict=True)
    pred = model.predict(X, verbose=0)
    probs = pred / pred.sum(1, keepdims=True)
    ce = -np.log(np.clip(probs[np.arange(200), LABELS], 1e-7, 1))
    np.testing.assert_allclose(a["loss"], np.sum(ce * weights) / 200, rtol=1e-4)
    acc = (pred.argmax(1) == LABELS).astype("float32")
    np.testing.assert_allclose(
        a["accuracy"], np.sum(acc * weights) / weights.sum(), rtol=1e-5
    )
    # class_weight is turned into the same per-sample weights.
    h1 = _linear(2)
    h1.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    h1.fit(X, LABELS, class_weight={0: 1.0, 1: 2.0}, shuffle=False, epochs=1, verbose=0)
    h2 = _linear(2)
    h2.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    h2.fit(X, LABELS, sample_weight=weights, shuffle=False, epochs=1, verbose=0)
    np.testing.assert_allclose(h1.get_weights()[0], h2.get_weights()[0], rtol=1e-5)


def test_generator_pydataset_and_iterable_inputs():
    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epochs_ended = 0

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return X[i * 50 : (i + 1) * 50], Y[i * 50 : (i + 1) * 50]

        def on_epoch_end(self):
            self.epochs_ended += 1

    arrays = _linear()
    arrays.compile(keras.optimizers.SGD(0.1), "mse")
    arrays.fit(X, Y, batch_size=50, shuffle=False, epochs=2, verbose=0)
    for source in ("dataset", "generator", "list"):
        model = _linear()
        model.compile(keras.optimizers.SGD(0.1), "mse")
        if source == "dataset":
            data = Batches()
            model.fit(data, epochs=2, verbose=0, shuffle=False)
            # As Keras: the pass that draws the first batch ends too.
            assert data.epochs_ended == 3
        elif source == "generator":

            def gen():
                while True:
                    for i in range(4):
                        yield X[i * 50 : (i + 1) * 50], Y[i * 50 : (i + 1) * 50]

            model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
        else:
            batches = [
                (X[i * 50 : (i + 1) * 50], Y[i * 50 : (i + 1) * 50]) for i in range(4)
            ]
            model.fit(batches, epochs=2, verbose=0)
        np.testing.assert_allclose(
            model.get_weights()[0], arrays.get_weights()[0], rtol=1e-5, atol=1e-6
        )


def test_generator_short_last_batch_padded():
    model = _linear()
    model.compile("sgd", "mse")
    batches = [(X[:80], Y[:80]), (X[80:160], Y[80:160]), (X[160:], Y[160:])]  # 40 last
    full = model.evaluate(X, Y, batch_size=200, verbose=0)
    np.testing.assert_allclose(model.evaluate(batches, verbose=0), full, rtol=1e-5)


def test_multi_output_losses_weights_and_logs():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,))
    reg = layers.Dense(1, name="reg")(inputs)
    cls = layers.Dense(2, activation="softmax", name="cls")(inputs)
    model = keras.Model(inputs, [reg, cls])
    model.compile(
        "sgd",
        loss=["mse", "sparse_categorical_crossentropy"],
        loss_weights=[0.5, 2.0],
        metrics=[[], ["accuracy"]],
    )
    logs = model.evaluate(X, [Y, LABELS], verbose=0, return_dict=True)
    assert sorted(logs) == ["cls_accuracy", "cls_loss", "loss", "reg_loss"]
    np.testing.assert_allclose(
        logs["loss"], 0.5 * logs["reg_loss"] + 2.0 * logs["cls_loss"], rtol=1e-5
    )
    p_reg, p_cls = model.predict(X, verbose=0)
    np.testing.assert_allclose(logs["reg_loss"], np.mean((p_reg - Y) ** 2), rtol=1e-5)


def test_on_batch_methods():
    model = _linear()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = model.test_on_batch(X[:10], Y[:10])
    model.train_on_batch(X[:10], Y[:10])
    after = model.test_on_batch(X[:10], Y[:10])
    assert after < before
    np.testing.assert_allclose(
        model.predict_on_batch(X[:3]), model.predict(X[:3], verbose=0), rtol=1e-6
    )


def test_predict_on_batch_is_one_compiled_call_shared_with_predict():
    model = keras.Model(
        *(lambda i: (i, {"a": layers.Dense(2)(i["u"]), "b": layers.Dense(1)(i["v"])}))(
            {"u": keras.Input((5,), name="u"), "v": keras.Input((3,), name="v")}
        )
    )
    rng = np.random.default_rng(3)
    x = {"u": rng.normal(size=(7, 5)), "v": rng.normal(size=(7, 3)).astype("float32")}
    out = model.predict_on_batch(x)
    ka, ba, kb, bb = model.get_weights()
    u, v = np.asarray(x["u"], "float32"), np.asarray(x["v"], "float32")
    np.testing.assert_allclose(out["a"], u @ ka + ba, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["b"], v @ kb + bb, rtol=1e-5, atol=1e-6)
    out["a"][0] = 0.0  # a writable numpy array, as Keras returns
    compiled = dict(model._step_compiler.cache)
    model.predict_on_batch(x)
    predicted = model.predict(x, batch_size=7, verbose=0)
    assert model._step_compiler.cache == compiled  # nothing compiled again
    np.testing.assert_allclose(predicted["b"], v @ kb + bb, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="same number of samples"):
        model.predict_on_batch({"u": u, "v": v[:3]})


def test_dropout_and_batch_statistics_follow_training_flag():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), layers.Dropout(0.5), layers.Dense(1)])
    model.compile("sgd", "mse")
    p1 = model.predict(X, verbose=0)
    np.testing.assert_allclose(
        p1, model.predict(X, verbose=0)
    )  # no dropout at inference


def test_progress_bar_output(capsys):
    model = _linear()
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=2, batch_size=50, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "4/4 - " in out and "step - loss: " in out
    model.fit(X, Y, epochs=1, batch_size=50, verbose=1)
    out = capsys.readouterr().out
    assert "4/4 ━━━━━━━━━━━━━━━━━━━━" in out and "loss:" in out


def test_custom_train_step_override():
    class Custom(keras.Sequential):
        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            from kerasish import ops

            return ops.mean(ops.abs(y_pred - y))

    keras.utils.set_random_seed(0)
    model = Custom([keras.Input((5,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), loss="mse")
    logs = model.evaluate(X, Y, batch_size=50, verbose=0)
    np.testing.assert_allclose(
        logs, np.mean(np.abs(model.predict(X, verbose=0) - Y)), rtol=1e-5
    )


@pytest.mark.compat
def test_fit_tracks_keras_3_on_the_same_problem():
    from tests.helpers import keras3

    k = keras3()
    ours = _linear()
    theirs = k.Sequential([k.Input((5,)), k.layers.Dense(1)])
    theirs.set_weights(ours.get_weights())
    ours.compile(keras.optimizers.Adam(0.01), "mse")
    theirs.compile(k.optimizers.Adam(0.01), "mse")
    h1 = ours.fit(X, Y, epochs=3, batch_size=50, shuffle=False, verbose=0)
    h2 = theirs.fit(X, Y, epochs=3, batch_size=50, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(
        ours.get_weights()[0], theirs.get_weights()[0], rtol=1e-4, atol=1e-5
    )


def test_class_weight_without_an_entry_weighs_one_as_in_keras():
    """Keras's class_weight_to_sample_weights uses `class_weight.get(c, 1.0)`."""
    results = []
    for kwargs in (
        {"class_weight": {1: 3.0}},
        {"sample_weight": np.where(LABELS == 1, 3.0, 1.0)},
    ):
        model = _linear(2)
        model.compile("sgd", "sparse_categorical_crossentropy")
        history = model.fit(X, LABELS, epochs=1, shuffle=False, verbose=0, **kwargs)
        results.append((history.history["loss"], model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def _count_walks(monkeypatch, model):
    """A list that grows by one each time `model.trainable_variables` walks
    the layers."""
    walks = []
    real = type(model).trainable_variables

    def counting(self):
        walks.append(1)
        return real.fget(self)

    monkeypatch.setattr(type(model), "trainable_variables", property(counting))
    return walks


def test_batch_callbacks_see_and_change_the_weights_with_one_walk_per_epoch(
    monkeypatch,
):
    """A batch callback reads the weights after each step and its changes are
    the next step's start; the layers are walked for the variables once per
    epoch, not twice per step."""
    model = _linear()
    model.compile("sgd", "mse")
    seen = []

    class Zeroing(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            dense = self.model.layers[-1]
            seen.append([np.asarray(w.value).copy() for w in dense.weights])
            if len(seen) == 2:
                dense.kernel.assign(np.zeros(dense.kernel.shape, "float32"))

    walks = _count_walks(monkeypatch, model)
    model.fit(
        X[:40],
        Y[:40],
        batch_size=10,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[Zeroing()],
    )
    assert len(seen) == 8
    # The third step starts from the zeroed kernel: one SGD step (lr 0.01) on
    # the third batch, from the second step's bias.
    xb, yb, bias = X[20:30], Y[20:30], seen[1][1]
    grad = 2 * xb.T @ (bias - yb) / yb.size
    np.testing.assert_allclose(seen[2][0], -0.01 * grad, rtol=1e-4, atol=1e-6)
    assert len(walks) <= 8  # per fit and per epoch; per step it was 2 x 8 more


def test_train_on_batch_walks_the_layers_once(monkeypatch):
    """One step, as by hand (SGD, analytic gradient), with one walk of the
    layers for the variables, not one per use."""
    model = _linear()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.train_on_batch(X[:10], Y[:10])  # builds the optimizer
    kernel, bias = model.get_weights()
    walks = _count_walks(monkeypatch, model)
    loss = model.train_on_batch(X[10:20], Y[10:20])
    assert len(walks) == 1
    xb, yb = X[10:20], Y[10:20]
    error = xb @ kernel + bias - yb
    np.testing.assert_allclose(loss, np.mean(error**2), rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0], kernel - 0.1 * 2 * xb.T @ error / error.size, 1e-5
    )


def test_a_compute_loss_without_training_is_called_without_it():
    """keras.io's Distiller overrides `compute_loss(..., allow_empty=False)`,
    with no `training`: Keras passes `training` only where it is a parameter."""
    from kerasish import ops

    seen = []

    class Custom(keras.Sequential):
        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, allow_empty=False
        ):
            seen.append(allow_empty)
            return ops.mean(ops.abs(y_pred - y))

    keras.utils.set_random_seed(0)
    model = Custom([keras.Input((5,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01))
    model.fit(X, Y, batch_size=50, epochs=1, verbose=0)
    loss = model.evaluate(X, Y, batch_size=50, verbose=0)
    np.testing.assert_allclose(
        loss, np.mean(np.abs(model.predict(X, verbose=0) - Y)), rtol=1e-5
    )
    assert seen and not any(seen)


def test_an_overridden_compute_loss_reads_the_steps_added_losses():
    """keras.io's VQ-VAE sums `self.losses` in its own `compute_loss`: inside
    the step they are the losses this forward pass added, with the weight
    penalties (Keras: loss 5.0 = mean(x @ ones)**2 + 0.5 * |ones|**2)."""
    from kerasish import ops

    class AddLoss(layers.Layer):
        def call(self, x):
            self.add_loss(ops.mean(x**2))
            return x

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(
                1,
                use_bias=False,
                kernel_initializer="ones",
                kernel_regularizer=keras.regularizers.L2(0.5),
            )
            self.add = AddLoss()

        def call(self, x):
            return self.add(self.dense(x))

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            counts.append(len(self.losses))
            return ops.mean(y_pred) * 0.0 + sum(self.losses)

    counts = []
    model = Model()
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    x = np.ones((4, 2), "float32")
    assert model.fit(x, verbose=0).history["loss"] == [5.0]
    assert model.evaluate(x, verbose=0) == 5.0
    assert set(counts) == {2}


def test_jit_compile_reads_back_as_keras_resolves_it():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert model.jit_compile is True
    model.compile("sgd", "mse", run_eagerly=True)
    assert model.jit_compile is False
    model.compile("sgd", "mse", jit_compile=False)
    assert model.jit_compile is False and model.run_eagerly


def test_targets_for_the_outputs_that_have_a_loss_only():
    """As Keras's CompileLoss: with `loss=["mse", None]`, `y` may hold the one
    target of the output that has a loss (keras.io's miniature GPT)."""
    inp = keras.Input((3,))
    model = keras.Model(inp, [keras.layers.Dense(2)(inp), keras.layers.Dense(4)(inp)])
    model.compile("sgd", loss=["mse", None])
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    kernel, bias = (np.asarray(w) for w in model.get_weights()[:2])
    expected = np.mean((x @ kernel + bias - y) ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)
    assert sorted(model.fit(x, y, epochs=1, verbose=0).history) == ["loss"]
    with pytest.raises(ValueError, match="2 output"):
        model.evaluate(x, [y, y, y], verbose=0)


@pytest.mark.compat
def test_steps_per_epoch_beyond_the_arrays_stops_where_they_end_as_keras():
    """Keras ends each epoch where the arrays run out (with a warning): no
    empty steps, which would still move Adam's moments and `iterations`."""
    from tests.helpers import keras3

    x = np.arange(16, dtype="float32").reshape(8, 2) / 10
    seen = []
    for lib in (keras3(), keras):
        model = lib.Sequential(
            [lib.Input((2,)), lib.layers.Dense(1, kernel_initializer="ones")]
        )
        model.compile("adam", "mse")
        with pytest.warns(UserWarning, match="ran out of data"):
            history = model.fit(
                x,
                np.ones((8, 1)),
                batch_size=2,
                steps_per_epoch=6,
                epochs=2,
                shuffle=False,
                verbose=0,
            )
        seen.append((history.history["loss"], int(model.optimizer.iterations)))
    np.testing.assert_allclose(seen[1][0], seen[0][0], rtol=1e-6)
    assert seen[1][1] == seen[0][1] == 8


@pytest.mark.compat
def test_history_and_callback_logs_keys_sorted_as_keras():
    """Keras hands callbacks their logs with the keys sorted (its
    `pythonify_logs`): `val_*` before a metric named `zero`, the learning rate
    a scheduler adds last."""
    from tests.helpers import keras3

    seen = []
    for lib in (keras3(), keras):

        def zero(y, p, lib=lib):
            return lib.ops.mean(y * 0)

        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.compile("sgd", "mse", metrics=["mae", zero])
        history = model.fit(
            np.ones((8, 2)),
            np.ones((8, 1)),
            validation_split=0.25,
            verbose=0,
            callbacks=[lib.callbacks.ReduceLROnPlateau()],
        )
        seen.append(list(history.history))
    assert seen[1] == seen[0]
    assert seen[1].index("val_zero") < seen[1].index("zero")


@pytest.mark.compat
@pytest.mark.parametrize("steps", [2, 3])
def test_steps_per_epoch_over_arrays_goes_on_across_epochs_as_keras(steps):
    """Keras's epoch iterator goes on where the last epoch stopped (epoch 2
    sees batches 3 and 4); an epoch that meets the end of the data is short
    (3 steps of 4 batches: 3, then 1), and the next starts a new pass."""
    import warnings

    from tests.helpers import keras3

    x = np.arange(16, dtype="float32").reshape(8, 2) / 10
    y = np.arange(8, dtype="float32").reshape(8, 1) / 4
    seen = []
    for lib in (keras3(), keras):
        model = lib.Sequential(
            [lib.Input((2,)), lib.layers.Dense(1, kernel_initializer="ones")]
        )
        model.compile("adam", "mse")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(
                x,
                y,
                batch_size=2,
                steps_per_epoch=steps,
                epochs=4,
                shuffle=False,
                verbose=0,
            )
        seen.append((history.history["loss"], int(model.optimizer.iterations)))
    np.testing.assert_allclose(seen[1][0], seen[0][0], rtol=1e-5)
    assert seen[1][1] == seen[0][1] == 8


def test_compute_loss_before_fit_builds_the_compiled_loss_as_keras():
    """Keras builds the compiled loss on a first `compute_loss` call (its
    own-loop guides call it before any `fit`); `model.metrics` lists `loss`
    from `compile` on, and after fit in Keras's order."""
    i = keras.Input((3,))
    model = keras.Model(
        i,
        {
            "a": layers.Dense(1, name="a", kernel_initializer="ones")(i),
            "b": layers.Dense(1, name="b", kernel_initializer="ones")(i),
        },
    )
    model.compile(loss={"a": "mse", "b": "mae"}, metrics={"a": "mae"})
    assert [m.name for m in model.metrics] == ["loss"]
    x = np.ones((2, 3), "float32")
    y = {"a": np.zeros((2, 1), "float32"), "b": np.ones((2, 1), "float32")}
    loss = model.compute_loss(x=x, y=y, y_pred=model(x))
    assert float(loss) == 3.0**2 + 2.0  # mse(3, 0) + mae(3, 1)
    model.fit(x, y, verbose=0)
    assert [m.name for m in model.metrics] == ["loss", "mae", "a_loss", "b_loss"]


def _no_training_arg_run(lib):
    """A subclassed model whose `call` takes no `training` (keras.io's
    depth_estimation): Keras's trainers pass none, so its layers keep their
    defaults, BatchNormalization and Dropout in inference mode, in `fit` too."""

    class NoTraining(lib.Model):
        def __init__(self):
            super().__init__()
            self.bn = lib.layers.BatchNormalization()
            self.drop = lib.layers.Dropout(0.5)
            self.dense = lib.layers.Dense(1)

        def call(self, x):
            return self.dense(self.drop(self.bn(x)))

    lib.utils.set_random_seed(1)
    model = NoTraining()
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(3, 2, (16, 2)).astype("float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, x[:, :1], epochs=2, batch_size=8, verbose=0)
    return model, x, history.history["loss"], [str(w.message) for w in caught]


def test_a_model_whose_call_takes_no_training_trains_its_layers_as_keras():
    model, x, losses, messages = _no_training_arg_run(keras)
    np.testing.assert_array_equal(model.bn.moving_mean, [0, 0])  # never updated
    # Inference mode: the loss is that of x -> dense(bn_inference(x)), no dropout.
    gamma, beta = model.bn.gamma.numpy(), model.bn.beta.numpy()
    kernel, bias = model.dense.kernel.numpy(), model.dense.bias.numpy()
    h = (x - 0) / np.sqrt(1 + 1e-3) * gamma + beta
    want = np.mean((h @ kernel + bias - x[:, :1]) ** 2)
    np.testing.assert_allclose(model.evaluate(x, x[:, :1], verbose=0), want, rtol=1e-5)
    [message] = [m for m in messages if "takes no `training`" in m]
    assert "'batch_normalization'" in message and "'dropout'" in message
    assert "def call(self, inputs, training=None)" in message
    try:
        keras_3 = keras3()
    except pytest.skip.Exception:
        return
    theirs, _, their_losses, _ = _no_training_arg_run(keras_3)
    np.testing.assert_allclose(losses, their_losses, rtol=1e-5)
    for ours, other in zip(model.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(ours, other, rtol=1e-5, atol=1e-6)


def _first_output_trained(lib):
    """keras.io's patch_convnet pattern: `call` returns two outputs and the
    overridden `compute_loss`/`compute_metrics` pass on the first only."""

    class FirstOutput(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(3)

        def call(self, x):
            y = self.dense(x)
            return y, y * 2

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            return super().compute_loss(x, y, y_pred[0], sample_weight, training)

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            return super().compute_metrics(x, y, y_pred[0], sample_weight)

    lib.utils.set_random_seed(0)
    model = FirstOutput()
    model.compile(
        optimizer="adam",
        loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    rs = np.random.RandomState(0)
    x, y = rs.rand(8, 4).astype("float32"), rs.randint(0, 3, (8, 1))
    before = model.evaluate(x, y, verbose=0)
    logits = x @ model.dense.kernel.numpy() + model.dense.bias.numpy()
    history = model.fit(x, y, epochs=2, verbose=0).history
    return before, logits, y, history


def test_an_overridden_compute_loss_trains_the_outputs_it_passes_on():
    before, logits, y, history = _first_output_trained(keras)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    want = -np.mean(np.log(p[np.arange(len(y)), y[:, 0]]))
    np.testing.assert_allclose(before[0], want, rtol=1e-5)
    np.testing.assert_allclose(before[1], np.mean(logits.argmax(1) == y[:, 0]))
    assert list(history) == ["accuracy", "loss"]
    try:
        keras_3 = keras3()
    except pytest.skip.Exception:
        return
    theirs = _first_output_trained(keras_3)
    np.testing.assert_allclose(before, theirs[0], rtol=1e-5)
    for key in history:
        np.testing.assert_allclose(history[key], theirs[3][key], rtol=1e-5)
