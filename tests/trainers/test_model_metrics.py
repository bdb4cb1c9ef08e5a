"""Keras behaviours of the model's own metrics and of the logs a step returns.

Each program is written once against a `keras` module and run under Keras 3 and
kerasish on the same data and weights; what a user sees (History, evaluate's
logs, the metric objects after fit) must agree.
"""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 4)).astype("float32")
Y = (X @ np.array([[0.5], [-1.0], [2.0], [0.1]], "float32") + 0.3).astype("float32")
XV, YV = X[:16] * 0.5, Y[:16] * 0.5
KERNEL = np.linspace(-0.3, 0.3, 4, dtype="float32").reshape(4, 1)


def tracker_model(keras):
    """Distiller-style: trackers held as attributes, updated in `compute_loss`."""

    class Tracked(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.mse_tracker = keras.metrics.Mean(name="mse_part")
            self.penalty_tracker = keras.metrics.Mean(name="penalty_part")

        def call(self, x):
            return self.dense(x)

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            ops = keras.ops
            mse = ops.mean(ops.square(y - y_pred))
            # Reads a weight: its gradient must flow, as in Keras.
            penalty = 0.05 * ops.sum(ops.square(self.dense.kernel))
            self.mse_tracker.update_state(mse)
            self.penalty_tracker.update_state(penalty)
            return mse + penalty

    return Tracked()


def compute_metrics_model(keras):
    """Keras's `compute_metrics` docstring pattern, plus a key of its own."""

    class WithMetrics(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.pred_mean = keras.metrics.Mean(name="pred_mean")

        def call(self, x):
            return self.dense(x)

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            self.pred_mean.update_state(y_pred)
            results["pred_mean"] = self.pred_mean.result()
            results["twice_mae"] = 2.0 * results["mae"]
            return results

    return WithMetrics()


def keras_step_model(keras):
    """A Keras JAX-style `train_step`/`test_step` returning logs of its own."""
    import jax

    class Stepped(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, state, data):
            logs, state = super().train_step(state, data)
            trainable = state[0]
            logs = dict(logs)
            logs["kernel_norm"] = jax.numpy.sqrt(jax.numpy.sum(trainable[0] ** 2))
            logs["constant"] = 3.0
            return logs, state

        def test_step(self, state, data):
            logs, state = super().test_step(state, data)
            logs = dict(logs)
            logs["doubled_loss"] = 2.0 * logs["loss"]
            return logs, state

    return Stepped()


def _run(keras, make, metrics=None, loss="mse"):
    model = make(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss, metrics=metrics)
    model(X[:2])
    model.dense.set_weights([KERNEL, np.zeros(1, "float32")])
    history = model.fit(
        X,
        Y,
        batch_size=16,
        epochs=3,
        shuffle=False,
        validation_data=(XV, YV),
        verbose=0,
    ).history
    evaluation = model.evaluate(X, Y, batch_size=16, verbose=0, return_dict=True)
    return model, history, evaluation


def _assert_same(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-4, atol=1e-6)


@pytest.mark.compat
def test_attribute_trackers_updated_in_compute_loss_match_keras():
    keras = keras3()
    ours_model, ours, ours_eval = _run(kerasish, tracker_model, loss=None)
    theirs_model, theirs, theirs_eval = _run(keras, tracker_model, loss=None)
    assert {"loss", "mse_part", "penalty_part", "val_mse_part"} <= set(theirs)
    _assert_same(ours, theirs)
    _assert_same(ours_eval, theirs_eval)
    np.testing.assert_allclose(
        ours_model.dense.get_weights()[0], theirs_model.dense.get_weights()[0], 1e-4
    )
    names = [m.name for m in ours_model.metrics]
    assert names == [m.name for m in theirs_model.metrics]
    # After evaluate the objects hold evaluate's states, as Keras's do.
    for name in ("mse_tracker", "penalty_tracker"):
        np.testing.assert_allclose(
            float(getattr(ours_model, name).result()),
            float(getattr(theirs_model, name).result()),
            rtol=2e-4,
        )


def test_attribute_trackers_reset_each_epoch():
    """Each epoch's `mse_part` is the mean over that epoch's batches alone."""
    model = tracker_model(kerasish)
    model.compile(optimizer=kerasish.optimizers.SGD(0.0), loss=None)
    model(X[:2])
    model.dense.set_weights([KERNEL, np.zeros(1, "float32")])
    history = model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    pred = X @ KERNEL
    batch_mse = [np.mean((Y[i : i + 16] - pred[i : i + 16]) ** 2) for i in (0, 16, 32)]
    np.testing.assert_allclose(
        history.history["mse_part"], [np.mean(batch_mse)] * 2, 1e-5
    )
    assert not any(
        "Tracer" in type(v).__name__
        for v in np.atleast_1d(model.mse_tracker.state["total"]).tolist()
    )
    model.reset_metrics()
    assert float(model.mse_tracker.result()) == 0.0


@pytest.mark.compat
def test_compute_metrics_override_matches_keras():
    keras = keras3()
    _, ours, ours_eval = _run(kerasish, compute_metrics_model, metrics=["mae"])
    _, theirs, theirs_eval = _run(keras, compute_metrics_model, metrics=["mae"])
    assert "twice_mae" in theirs and "val_twice_mae" in theirs
    _assert_same(ours, theirs)
    _assert_same(ours_eval, theirs_eval)


@pytest.mark.compat
def test_keras_style_step_logs_reach_history_as_in_keras():
    keras = keras3()
    _, ours, ours_eval = _run(kerasish, keras_step_model, metrics=["mae"])
    _, theirs, theirs_eval = _run(keras, keras_step_model, metrics=["mae"])
    assert {"kernel_norm", "constant", "val_doubled_loss"} <= set(theirs)
    _assert_same(ours, theirs)
    _assert_same(ours_eval, theirs_eval)


def test_batch_callbacks_see_the_step_logs():
    seen = []
    callback = kerasish.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(dict(logs))
    )
    model = keras_step_model(kerasish)
    model.compile(optimizer=kerasish.optimizers.SGD(0.05), loss="mse")
    model.fit(
        X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[callback]
    )
    assert len(seen) == 3 and all(logs["constant"] == 3.0 for logs in seen)
    kernel = model.dense.get_weights()[0]
    np.testing.assert_allclose(
        seen[-1]["kernel_norm"], np.sqrt(np.sum(kernel**2)), rtol=1e-5
    )


def test_compute_metrics_outside_a_step_raises():
    model = compute_metrics_model(kerasish)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    with pytest.raises(RuntimeError, match="runs inside the compiled train/test step"):
        kerasish.Model.compute_metrics(model, X, Y, model(X))


def test_evaluate_list_orders_metric_names_then_other_keys():
    model = keras_step_model(kerasish)
    model.compile(optimizer=kerasish.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    logs = model.evaluate(X, Y, batch_size=16, verbose=0, return_dict=True)
    values = model.evaluate(X, Y, batch_size=16, verbose=0)
    assert values == [logs["loss"], logs["mae"], logs["doubled_loss"]]


def test_reset_metrics_resets_what_get_metrics_result_returns():
    """Keras: after `reset_metrics`, every result is 0 and the next
    `train_on_batch` counts from scratch (numpy: the loss of that batch)."""
    model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    model.compile("sgd", "mse", metrics=["mae"])
    model.set_weights([np.full((3, 2), 0.1, "float32"), np.zeros(2, "float32")])
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    model.reset_metrics()
    assert model.get_metrics_result() == {"loss": 0.0, "mae": 0.0}
    pred = x @ model.get_weights()[0] + model.get_weights()[1]
    logs = model.train_on_batch(x, y, return_dict=True)
    np.testing.assert_allclose(logs["loss"], np.mean((pred - y) ** 2), rtol=1e-6)
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(pred - y)), rtol=1e-6)


def tagger(keras):
    """A token tagger whose output keeps the embedding's padding mask."""
    ids = keras.Input((6,), dtype="int32")
    h = keras.layers.Embedding(12, 3, mask_zero=True)(ids)
    out = keras.layers.Dense(3, activation="softmax")(h)
    model = keras.Model(ids, out)
    model.set_weights(
        [
            np.linspace(-1, 1, 36, dtype="float32").reshape(12, 3),
            np.linspace(-0.8, 0.6, 9, dtype="float32").reshape(3, 3),
            np.array([0.1, -0.2, 0.05], "float32"),
        ]
    )
    return model


TAG_IDS = np.random.default_rng(5).integers(1, 12, size=(10, 6))
TAG_IDS[np.arange(6)[None, :] >= np.array([6, 2, 4, 1, 5, 3, 6, 2, 4, 3])[:, None]] = 0
TAGS = np.random.default_rng(6).integers(0, 3, size=(10, 6))


def test_losses_and_metrics_skip_the_padded_steps_of_a_masked_output():
    """Keras's losses and metrics read `y_pred._keras_mask`: evaluate's loss is
    each batch's mean over its real tokens, averaged by batch size (the loss
    tracker), and accuracy counts real tokens only (numpy reference)."""
    model = tagger(kerasish)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    logs = model.evaluate(TAG_IDS, TAGS, batch_size=4, verbose=0, return_dict=True)
    probs = np.asarray(model.predict(TAG_IDS, verbose=0))
    mask = TAG_IDS != 0
    nll = -np.log(np.take_along_axis(probs, TAGS[..., None], -1)[..., 0])
    batches = [slice(0, 4), slice(4, 8), slice(8, 10)]
    means = [nll[b][mask[b]].mean() for b in batches]
    expected = np.average(means, weights=[4, 4, 2])
    np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)
    hits = np.argmax(probs, -1) == TAGS
    np.testing.assert_allclose(logs["accuracy"], hits[mask].mean(), rtol=1e-6)


@pytest.mark.parametrize("ignore_class", [None, 2])
def test_merged_evaluate_batches_keep_each_batchs_masked_mean(ignore_class):
    """evaluate runs the user's batches merged into larger calls; a loss whose
    mean is over masked entries (the output's mask, `ignore_class`) still takes
    each batch's own mean, weighted by its rows, as Keras's loss tracker does
    over batches run one by one (numpy reference; the last call is padded)."""
    from kerasish.trainers import epoch_iterator

    rng = np.random.default_rng(0)
    n, steps = 203, 7
    ids = rng.integers(1, 12, size=(n, steps))
    ids[np.arange(steps)[None] >= rng.integers(1, steps + 1, size=n)[:, None]] = 0
    tags = rng.integers(0, 3, size=(n, steps))
    inp = kerasish.Input((steps,), dtype="int32")
    h = kerasish.layers.Embedding(12, 3, mask_zero=True)(inp)
    model = kerasish.Model(inp, kerasish.layers.Dense(3, activation="softmax")(h))
    loss = kerasish.losses.SparseCategoricalCrossentropy(ignore_class=ignore_class)
    model.compile(loss=loss, metrics=["accuracy"])
    merged = []
    real = epoch_iterator.merged_test_data

    def spy(*args):
        view = real(*args)
        merged.append(None if view is None else view.merged)
        return view

    probs = np.asarray(model.predict(ids, verbose=0))
    nll = -np.log(np.take_along_axis(probs, tags[..., None], -1)[..., 0])
    mask = ids != 0
    if ignore_class is not None:
        mask &= tags != ignore_class
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(epoch_iterator, "merged_test_data", spy)
        for batch_size in (4, 32):
            logs = model.evaluate(
                ids, tags, batch_size=batch_size, verbose=0, return_dict=True
            )
            batches = [slice(i, i + batch_size) for i in range(0, n, batch_size)]
            means = [nll[b][mask[b]].sum() / mask[b].sum() for b in batches]
            sizes = [len(ids[b]) for b in batches]
            expected = np.average(means, weights=sizes)
            np.testing.assert_allclose(logs["loss"], expected, rtol=2e-6)
    assert merged == [51, 7]  # both ran merged (a padded last call of 224 rows)


def test_masked_output_training_matches_keras():
    keras = keras3()
    results = []
    for lib in (keras, kerasish):
        model = tagger(lib)
        model.compile(
            optimizer=lib.optimizers.SGD(0.5),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            weighted_metrics=[lib.metrics.SparseCategoricalCrossentropy()],
        )
        history = model.fit(
            TAG_IDS, TAGS, batch_size=4, epochs=2, shuffle=False, verbose=0
        )
        logs = model.evaluate(TAG_IDS, TAGS, batch_size=3, verbose=0)
        results.append((history.history, logs, model.get_weights()))
    (h_k, e_k, w_k), (h_i, e_i, w_i) = results
    assert sorted(h_i) == sorted(h_k)
    for key in h_k:
        np.testing.assert_allclose(h_i[key], h_k[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(e_i, e_k, rtol=1e-5)
    for a, b in zip(w_i, w_k):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "metrics, weighted, multi",
    [
        (["accuracy", "accuracy"], None, False),
        (["accuracy"], ["accuracy"], False),
        (["mae", "mean_absolute_error"], ["mae"], False),
        ({"a": ["mse", "mae"], "b": "mse"}, {"b": ["mse"]}, True),
    ],
)
def test_metric_names_and_evaluate_list_as_keras(metrics, weighted, multi):
    """Keras names a repeated metric `name_1`, a weighted twin `weighted_name`
    (after the output's prefix), and lists evaluate's results by each compiled
    metric's own name, then the other keys sorted (a name found twice is
    listed twice)."""
    keras = keras3()
    x = np.random.default_rng(0).normal(size=(12, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    seen = []
    for lib in (keras, kerasish):
        inp = lib.Input((3,))
        a = lib.layers.Dense(1, activation="sigmoid", name="a")(inp)
        outputs = [a, lib.layers.Dense(1, activation="sigmoid", name="b")(inp)]
        model = lib.Model(inp, outputs if multi else a)
        model.set_weights(
            [np.full(w.shape, 0.3, "float32") for w in model.get_weights()]
        )
        model.compile(
            loss="binary_crossentropy", metrics=metrics, weighted_metrics=weighted
        )
        targets = [y, y] if multi else y
        history = model.fit(x, targets, epochs=1, verbose=0)
        seen.append((sorted(history.history), model.evaluate(x, targets, verbose=0)))
    assert seen[1][0] == seen[0][0]
    np.testing.assert_allclose(seen[1][1], seen[0][1], rtol=1e-6)
