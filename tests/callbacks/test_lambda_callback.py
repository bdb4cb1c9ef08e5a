"""LambdaCallback: plain functions as hooks, with Keras's arguments."""

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import LambdaCallback


def test_functions_are_called_with_keras_arguments():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    calls = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(
            ("batch_end", batch, sorted(logs))
        ),
        on_epoch_end=lambda epoch, logs: calls.append(
            ("epoch_end", epoch, sorted(logs))
        ),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
        on_test_end=lambda logs: calls.append(("test_end", sorted(logs))),
    )
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[cb])
    model.evaluate(x, y, verbose=0, callbacks=[cb])
    assert calls == [
        ("train_begin", {}),
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", 0, ["loss"]),
        ("batch_begin", 1),
        ("batch_end", 1, ["loss"]),
        ("epoch_end", 0, ["loss"]),
        ("train_end", ["loss"]),
        ("test_end", ["loss"]),
    ]


def test_non_callable_is_rejected():
    with pytest.raises(TypeError, match="`on_epoch_end` must be a function"):
        LambdaCallback(on_epoch_end="print")
