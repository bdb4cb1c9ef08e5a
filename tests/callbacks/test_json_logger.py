"""JSONLogger: one JSON object per epoch line, equal to the History."""

import json
import math

import numpy as np

import kerasish as ks
from kerasish.callbacks import JSONLogger
from kerasish.callbacks.json_logger import jsonable


def test_lines_equal_history(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    path = tmp_path / "run" / "log.jsonl"
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        validation_data=(x, y),
        callbacks=[JSONLogger(str(path))],
        verbose=0,
    )
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=1,
        verbose=0,
        callbacks=[JSONLogger(str(path), append=True)],
    )
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["epoch"] for r in records] == [0, 1, 2, 0]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(
            [r[key] for r in records[:3]], history.history[key], rtol=1e-7
        )


def test_jsonable_handles_nan_arrays_and_objects():
    assert jsonable(float("nan")) == "nan"
    assert jsonable(np.float32(1.5)) == 1.5
    assert jsonable(np.arange(3)) == [0, 1, 2]
    assert jsonable({"a": [math.inf]}) == {"a": ["inf"]}
    assert jsonable(object).startswith("<class")
