"""`SwapEMAWeights` against Keras 3: validation on the EMA weights, the swap on
epoch end, and the trained weights restored after evaluation."""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

RNG = np.random.default_rng(5)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = RNG.normal(size=(32, 2)).astype("float32")
XV = RNG.normal(size=(16, 3)).astype("float32")
YV = RNG.normal(size=(16, 2)).astype("float32")
WEIGHTS = [RNG.normal(size=s).astype("float32") for s in [(3, 4), (4,), (4, 2), (2,)]]


def _model(lib, use_ema=True):
    inputs = lib.Input((3,))
    hidden = lib.layers.Dense(4, activation="tanh")(inputs)
    model = lib.Model(inputs, lib.layers.Dense(2)(hidden))
    model.set_weights(WEIGHTS)
    optimizer = lib.optimizers.SGD(0.1, use_ema=use_ema, ema_momentum=0.8)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _recorder(lib, hook, seen):
    def record(*args, **kwargs):
        seen.append([np.array(w) for w in model_ref[0].get_weights()])

    model_ref = []
    callback = lib.callbacks.LambdaCallback(**{hook: record})
    return callback, model_ref


def _fit(lib, swap_on_epoch):
    model = _model(lib)
    seen = {"test": [], "epoch": []}
    test_cb, ref1 = _recorder(lib, "on_test_begin", seen["test"])
    epoch_cb, ref2 = _recorder(lib, "on_epoch_end", seen["epoch"])
    ref1.append(model)
    ref2.append(model)
    swap = lib.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)
    history = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        validation_data=(XV, YV),
        callbacks=[swap, test_cb, epoch_cb],
        verbose=0,
    )
    return model, history.history, seen


@pytest.fixture(scope="module")
def runs():
    # Keras is only needed for the comparison; the kerasish-only tests below
    # reuse the kerasish run with `swap_on_epoch=False`.
    return {
        ("kerasish", False): _fit(kerasish, False),
        ("kerasish", True): _fit(kerasish, True),
    }


@pytest.mark.compat
def test_matches_keras(runs):
    # With swap_on_epoch=True both swaps happen: around each validation and
    # at each epoch end (the recorder after the swap sees the averages).
    ours, ours_hist, ours_seen = runs[("kerasish", True)]
    theirs, theirs_hist, theirs_seen = _fit(keras3(), True)
    np.testing.assert_allclose(
        ours_hist["val_loss"], theirs_hist["val_loss"], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(ours_hist["loss"], theirs_hist["loss"], rtol=1e-5)
    for key in ("test", "epoch"):
        assert len(ours_seen[key]) == len(theirs_seen[key]) == 3
        for a_list, b_list in zip(ours_seen[key], theirs_seen[key]):
            for a, b in zip(a_list, b_list):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_validation_sees_the_averages_and_training_the_weights(runs):
    _, swapped, seen = runs[("kerasish", False)]
    model = _model(kerasish)
    plain = model.fit(
        X, Y, batch_size=8, epochs=3, shuffle=False, validation_data=(XV, YV), verbose=0
    ).history
    # Training is untouched by the swap; validation is not the plain weights'.
    np.testing.assert_array_equal(swapped["loss"], plain["loss"])
    assert not np.allclose(swapped["val_loss"], plain["val_loss"])
    # Each validation ran on the EMA weights recorded at `on_test_begin`.
    probe = _model(kerasish)
    for weights, val_loss in zip(seen["test"], swapped["val_loss"]):
        probe.set_weights(weights)
        want = np.mean((probe.predict(XV, verbose=0) - YV) ** 2)
        np.testing.assert_allclose(val_loss, want, rtol=1e-5)


def test_predict_and_evaluate_swap_back_exactly():
    model = _model(kerasish)
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    # `fit` ended by writing the averages into the model; train one more step so
    # the weights and the averages differ.
    model.train_on_batch(X[:8], Y[:8])
    before = [np.array(w) for w in model.get_weights()]
    averages = [np.array(a) for a in model.optimizer.state.ema]
    swap = kerasish.callbacks.SwapEMAWeights()
    got = model.predict(XV, callbacks=[swap], verbose=0)
    probe = _model(kerasish)
    probe.set_weights(averages)
    np.testing.assert_allclose(got, probe.predict(XV, verbose=0), rtol=1e-6)
    model.evaluate(XV, YV, callbacks=[swap], verbose=0)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model.optimizer.state.ema, averages):
        np.testing.assert_array_equal(np.asarray(a), b)


def test_errors():
    with pytest.raises(TypeError, match="`swap_on_epoch` must be a bool"):
        kerasish.callbacks.SwapEMAWeights(swap_on_epoch="yes")
    model = _model(kerasish, use_ema=False)
    with pytest.raises(ValueError, match="use_ema=False. Create it with"):
        model.evaluate(
            XV, YV, callbacks=[kerasish.callbacks.SwapEMAWeights()], verbose=0
        )
    model = _model(kerasish)
    with pytest.raises(ValueError, match="is not built"):
        model.evaluate(
            XV, YV, callbacks=[kerasish.callbacks.SwapEMAWeights()], verbose=0
        )
