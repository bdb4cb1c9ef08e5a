"""Callback API and CallbackList: hook order and counts, as Keras calls them."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import Callback, CallbackList, History, ProgbarLogger
from kerasish.callbacks.callback import _HOOKS, overrides

ALL_HOOKS = _HOOKS + ("on_batch_begin", "on_batch_end")


def make_recorder(base):
    """A callback class (on `base`'s Callback) recording every hook call."""

    class Recorder(base.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

    def make(hook):
        def method(self, *args, **kwargs):
            # Keras passes `logs` by keyword to batch hooks, positionally to others
            logs = kwargs.get("logs", args[-1] if args else None)
            index = [a for a in args if isinstance(a, int)]
            self.calls.append((hook, *index, tuple(sorted(logs or {}))))

        return method

    for hook in _HOOKS:
        setattr(Recorder, hook, make(hook))
    return Recorder()


def data(n=20):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 1)).astype(
        "float32"
    )


def model_for(base):
    model = base.Sequential([base.Input((3,)), base.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def expected_fit(epochs, train_batches, val_batches):
    """Keras's documented order for fit with validation (callbacks guide)."""
    keys, val_keys = ("loss", "mae"), ("loss", "mae", "val_loss", "val_mae")
    calls = [("on_train_begin", ())]
    for epoch in range(epochs):
        calls.append(("on_epoch_begin", epoch, ()))
        for b in range(train_batches):
            calls += [("on_train_batch_begin", b, ()), ("on_train_batch_end", b, keys)]
        calls.append(("on_test_begin", ()))
        for b in range(val_batches):
            calls += [("on_test_batch_begin", b, ()), ("on_test_batch_end", b, keys)]
        calls += [("on_test_end", keys), ("on_epoch_end", epoch, val_keys)]
    calls.append(("on_train_end", val_keys))
    return calls


def run_all(base):
    x, y = data(16)
    model = model_for(base)
    rec = make_recorder(base)
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        validation_data=(x, y),
        callbacks=[rec],
        verbose=0,
    )
    fit_calls, rec.calls = rec.calls, []
    model.evaluate(x, y, batch_size=8, callbacks=[rec], verbose=0)
    eval_calls, rec.calls = rec.calls, []
    model.predict(x, batch_size=8, callbacks=[rec], verbose=0)
    return fit_calls, eval_calls, rec.calls


@pytest.fixture(scope="module")
def ours():
    return run_all(ks)


def test_fit_with_validation_calls_hooks_in_keras_order(ours):
    fit_calls, eval_calls, _ = ours
    assert fit_calls == expected_fit(epochs=2, train_batches=2, val_batches=2)
    keys = ("loss", "mae")
    expected_eval = [("on_test_begin", ())]
    for b in range(2):
        expected_eval += [
            ("on_test_batch_begin", b, ()),
            ("on_test_batch_end", b, keys),
        ]
    assert eval_calls == expected_eval + [("on_test_end", keys)]


def test_predict_calls_hooks_in_keras_order(ours):
    _, _, predict_calls = ours
    expected = [("on_predict_begin", ())]
    for b in range(2):
        expected += [
            ("on_predict_batch_begin", b, ()),
            ("on_predict_batch_end", b, ("outputs",)),
        ]
    assert predict_calls == expected + [("on_predict_end", ())]


@pytest.mark.compat
def test_hook_sequences_equal_keras(ours):
    keras = pytest.importorskip("keras")
    theirs = run_all(keras)
    assert ours[0] == theirs[0]  # fit with validation
    assert ours[1] == theirs[1]  # evaluate
    # predict: the begin hooks need a trainer change; compare what is there
    ends = lambda calls: [c for c in calls if "batch_begin" not in c[0]]  # noqa: E731
    assert ends(ours[2]) == ends(theirs[2])


def test_steps_per_execution_fires_batch_hooks_once_per_chunk():
    x, y = data(40)
    model = ks.Sequential([ks.Input((3,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=2)
    rec = make_recorder(ks)
    model.fit(x, y, batch_size=8, epochs=1, callbacks=[rec], verbose=0)
    batch = [c[:2] for c in rec.calls if "train_batch" in c[0]]
    # 5 batches in chunks of 2: [0, 1], [2, 3], [4]; begin gets the first index
    # of the chunk, end the last (Keras's convention).
    assert batch == [
        ("on_train_batch_begin", 0),
        ("on_train_batch_end", 1),
        ("on_train_batch_begin", 2),
        ("on_train_batch_end", 3),
        ("on_train_batch_begin", 4),
        ("on_train_batch_end", 4),
    ]


@pytest.mark.compat
def test_steps_per_execution_indices_equal_keras():
    keras = pytest.importorskip("keras")
    x, y = data(40)
    out = []
    for base in (ks, keras):
        model = base.Sequential([base.Input((3,)), base.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=2)
        rec = make_recorder(base)
        model.fit(x, y, batch_size=8, epochs=1, callbacks=[rec], verbose=0)
        out.append([c[:2] for c in rec.calls if "train_batch" in c[0]])
    # Same calls; only the last, partial chunk differs: Keras reports
    # begin + N - 1 = 5 there, a batch that does not exist; kerasish reports
    # the real last batch, 4.
    assert out[0][:-1] == out[1][:-1]
    assert out[1][-1] == ("on_train_batch_end", 5)
    assert out[0][-1] == ("on_train_batch_end", 4)


def test_batch_logs_hold_running_metrics_and_weights_are_current():
    x, y = data(16)
    model = model_for(ks)
    seen = []

    class Watch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((logs["loss"], self.model.get_weights()[0].copy()))

    model.fit(
        x, y, batch_size=8, epochs=1, shuffle=False, callbacks=[Watch()], verbose=0
    )
    # after the last batch the weights seen equal the weights fit leaves
    np.testing.assert_array_equal(seen[-1][1], model.get_weights()[0])
    assert not np.array_equal(seen[0][1], seen[1][1])
    # the batch-end loss is the running mean over the epoch so far
    assert seen[-1][0] == pytest.approx(model.history.history["loss"][-1], rel=1e-6)


def test_stop_training_in_a_batch_hook_ends_fit_after_that_batch():
    x, y = data(40)
    model = model_for(ks)
    batches = []

    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)
            if batch == 1:
                self.model.stop_training = True

    history = model.fit(x, y, batch_size=8, epochs=5, callbacks=[Stop()], verbose=0)
    assert batches == [0, 1]
    assert history.epoch == [0]


def test_params_and_model_are_set():
    x, y = data()
    model = model_for(ks)
    seen = {}

    class Look(Callback):
        def on_train_begin(self, logs=None):
            seen.update(params=dict(self.params), model=self.model)

    model.fit(x, y, batch_size=8, epochs=3, callbacks=[Look()], verbose=0)
    assert seen["model"] is model
    assert seen["params"]["epochs"] == 3
    assert seen["params"]["steps"] == 3
    assert seen["params"]["verbose"] == 0


def test_callback_base_defaults():
    cb = Callback()
    assert cb.params is None and cb.model is None
    for hook in ALL_HOOKS:
        args = (
            ()
            if hook.endswith(
                (
                    "train_begin",
                    "train_end",
                    "test_begin",
                    "test_end",
                    "predict_begin",
                    "predict_end",
                )
            )
            else (0,)
        )
        assert getattr(cb, hook)(*args, logs={}) is None


def test_overrides_sees_subclass_alias_instance_and_opt_out():
    class Epochs(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class OldStyle(Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    assert not overrides(Epochs(), "on_train_batch_end")
    assert overrides(Epochs(), "on_epoch_end")
    assert overrides(OldStyle(), "on_train_batch_end")  # Keras's alias
    assert not overrides(OldStyle(), "on_test_batch_end")
    lam = ks.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: None)
    assert overrides(lam, "on_train_batch_end")
    quiet = OldStyle()
    quiet._unused_hooks = ("on_train_batch_end",)
    assert not overrides(quiet, "on_train_batch_end")


def test_callback_list_adds_history_then_progbar_once():
    history = History()
    cbs = CallbackList([history], add_history=True, add_progbar=True)
    assert cbs.callbacks[0] is history
    assert isinstance(cbs.callbacks[1], ProgbarLogger)
    assert len(cbs.callbacks) == 2
    cbs = CallbackList(None, add_history=True, add_progbar=True)
    assert [type(c) for c in cbs.callbacks] == [History, ProgbarLogger]


def test_callback_list_flattens_sets_model_params_and_history():
    a, b = Callback(), Callback()
    model = model_for(ks)
    cbs = CallbackList([[a], b], add_history=True, model=model, epochs=2, steps=5)
    assert cbs.callbacks[:2] == [a, b]
    assert a.model is model and b.params == {"epochs": 2, "steps": 5}
    assert model.history is cbs.callbacks[2]


def test_callback_list_passes_dict_logs_to_every_hook():
    got = []
    lam = ks.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: got.append((epoch, logs)),
        on_train_begin=lambda logs: got.append(logs),
        on_train_batch_end=lambda batch, logs: got.append((batch, logs)),
    )
    cbs = CallbackList([lam])
    cbs.on_train_begin()
    cbs.on_train_batch_end(3)
    cbs.on_epoch_end(1, {"loss": 0.5})
    assert got == [{}, (3, {}), (1, {"loss": 0.5})]


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="must be a list of `keras.callbacks.Callback`"):
        CallbackList([lambda: None])
    x, y = data()
    with pytest.raises(TypeError, match="LambdaCallback"):
        model_for(ks).fit(x, y, callbacks=["early"], verbose=0)
