"""History: fit returns it; values per epoch equal evaluate's after each epoch."""

import numpy as np

import kerasish as ks
from kerasish.callbacks import History, LambdaCallback


def test_history_records_each_epoch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    val = []
    snap = LambdaCallback(
        on_epoch_end=lambda e, logs: val.append(
            float(np.mean((model.predict(x, verbose=0) - y) ** 2))
        )
    )
    history = model.fit(
        x,
        y,
        batch_size=16,
        epochs=3,
        validation_data=(x, y),
        callbacks=[snap],
        verbose=0,
    )
    assert isinstance(history, History) and model.history is history
    assert history.epoch == [0, 1, 2]
    assert sorted(history.history) == ["loss", "val_loss"]
    # val_loss after each epoch is the mse of the weights at that epoch's end
    np.testing.assert_allclose(history.history["val_loss"], val, rtol=1e-5)
    assert history.params["epochs"] == 3


def test_user_history_is_reused_not_duplicated():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 2)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    mine = History()
    returned = model.fit(x, y, epochs=2, callbacks=[mine], verbose=0)
    assert returned is mine and len(mine.history["loss"]) == 2
