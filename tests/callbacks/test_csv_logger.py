"""CSVLogger: one row per epoch equal to the History; separator and append."""

import csv

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import CSVLogger


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model, x, y


def read(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_rows_equal_history_with_validation(setup, tmp_path):
    model, x, y = setup
    path = tmp_path / "log.csv"
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        validation_data=(x, y),
        callbacks=[CSVLogger(str(path))],
        verbose=0,
    )
    rows = read(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    for column, key in enumerate(rows[0][1:], start=1):
        np.testing.assert_allclose(
            [float(r[column]) for r in rows[1:]], history.history[key], rtol=1e-6
        )


def test_separator_and_append_without_second_header(setup, tmp_path):
    model, x, y = setup
    path = str(tmp_path / "sub" / "log.tsv")
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        verbose=0,
        callbacks=[CSVLogger(path, separator="\t")],
    )
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=1,
        verbose=0,
        callbacks=[CSVLogger(path, separator="\t", append=True)],
    )
    rows = read(path, "\t")
    # without validation, val_ columns are still there (filled with NA)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "0"]
    assert rows[1][3:] == ["NA", "NA"]


def test_overwrite_by_default(setup, tmp_path):
    model, x, y = setup
    path = str(tmp_path / "log.csv")
    for _ in range(2):
        history = model.fit(
            x, y, batch_size=8, epochs=1, verbose=0, callbacks=[CSVLogger(path)]
        )
    rows = read(path)
    # Only the second run's header and row: appending would leave 4 lines. As
    # Keras, the `val_` columns exist without validation data and read "NA".
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert len(rows) == 2 and rows[1][0] == "0" and rows[1][3:] == ["NA", "NA"]
    np.testing.assert_allclose(
        [float(v) for v in rows[1][1:3]],
        [history.history["loss"][0], history.history["mae"][0]],
        rtol=1e-6,
    )


def test_bad_separator():
    with pytest.raises(ValueError, match="`separator` must be a single character"):
        CSVLogger("x.csv", separator=", ")
