"""WandbLogger in offline mode, read back from the run file W&B writes."""

import glob
import json
import os
import struct
import sys
import time

import numpy as np
import pytest

import kerasish as K

N, BS = 20, 5  # 4 batches per epoch


def _records(path, block=32768):
    """The protobuf records of a `run-<id>.wandb` file (LevelDB's log format:
    a 7-byte file header, then records with a 7-byte header each, in 32 KiB
    blocks; a record that crosses blocks comes in parts)."""
    from wandb.proto import wandb_internal_pb2

    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b":W&B"
    pos, parts = 7, b""
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:  # a block's tail too short for a header is padding
            pos += left
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if kind == 0:
            pos += left
            continue
        if pos + 7 + length > len(data):  # still being written
            return
        parts += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # FULL or LAST
            record = wandb_internal_pb2.Record()
            record.ParseFromString(parts)
            yield record
            parts = b""


def _items(items):
    """`{key: value}` of config or history items (a key with "/" is nested)."""
    return {i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in items}


def test_wandb_logger_offline_writes_config_metrics_and_model(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    for name in ("WANDB_DIR", "WANDB_DATA_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR"):
        monkeypatch.setenv(name, str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 3)).astype("float32")
    y = rng.normal(size=(N, 1)).astype("float32")
    model = K.Sequential([K.Input((3,)), K.layers.Dense(2), K.layers.Dense(1)])
    model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    batch_logs = []
    record = K.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append(logs["loss"])
    )
    logger = K.callbacks.WandbLogger(
        project="toy",
        name="first",
        mode="offline",
        dir=tmp_path,
        config={"dataset": "random"},
        log_every_n_steps=3,
        log_model=True,
    )
    history = model.fit(
        x, y, batch_size=BS, epochs=2, validation_data=(x, y), verbose=0,
        callbacks=[record, logger],
    ).history  # fmt: skip

    (path,) = glob.glob(os.path.join(tmp_path, "wandb", "offline-run-*", "*.wandb"))
    # W&B's service process may still be writing the file when `finish`
    # returns: wait for the run's last record (its exit).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        records = list(_records(path))
        if records and records[-1].WhichOneof("record_type") == "exit":
            break
        time.sleep(0.2)
    config, rows, artifacts = {}, [], []
    for rec in records:
        kind = rec.WhichOneof("record_type")
        if kind == "run":
            assert (rec.run.project, rec.run.display_name) == ("toy", "first")
        if kind == "config":
            config.update(_items(rec.config.update))
        if kind == "history":
            rows.append(_items(rec.history.item))
        if kind == "artifact":
            artifacts.append(rec.artifact)
    expected = {
        "optimizer": "SGD",
        "batch_size": 5,
        "epochs": 2,
        "steps_per_epoch": 4,
        "param_count": 11,
        "dataset": "random",
    }
    assert {k: config.get(k) for k in expected} == expected
    epochs = [r for r in rows if "epoch/epoch" in r]
    assert [r["epoch/epoch"] for r in epochs] == [0, 1]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(
            [r[f"epoch/{key}"] for r in epochs], history[key], rtol=1e-6
        )
    batches = [r for r in rows if "batch/batch_step" in r]
    assert [r["batch/batch_step"] for r in batches] == [2, 5]
    np.testing.assert_allclose(
        [r["batch/loss"] for r in batches], [batch_logs[2], batch_logs[5]], rtol=1e-6
    )
    (artifact,) = artifacts
    assert artifact.type == "model"
    assert [e.path for e in artifact.manifest.contents] == ["model.keras"]
    (entry,) = artifact.manifest.contents
    np.testing.assert_allclose(  # the staged copy is the trained model
        K.models.load_model(entry.local_path).predict(x, verbose=0),
        model.predict(x, verbose=0),
        rtol=1e-6,
    )


def test_wandb_logger_errors(monkeypatch):
    with pytest.raises(ValueError, match=r"`mode` must be one of .*'offline'"):
        K.callbacks.WandbLogger(mode="offlin")
    with pytest.raises(ValueError, match=r"`log_every_n_steps` must be a positive"):
        K.callbacks.WandbLogger(log_every_n_steps=-1)
    with pytest.raises(TypeError, match=r"`config` must be a dict, got list"):
        K.callbacks.WandbLogger(config=[1])
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match=r'pip install "kerasish\[wandb\]"'):
        K.callbacks.WandbLogger().on_train_begin()
