"""MLflowLogger against a local file store, read back with MLflow's own client."""

import sys

import numpy as np
import pytest

import kerasish as K

N, BS = 20, 5  # 4 batches per epoch


def _model():
    model = K.Sequential([K.Input((3,)), K.layers.Dense(2), K.layers.Dense(1)])
    model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def test_mlflow_logger_writes_params_metrics_and_model(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = str(tmp_path / "mlruns")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 3)).astype("float32")
    y = rng.normal(size=(N, 1)).astype("float32")
    model = _model()
    batch_logs = []
    record = K.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append(logs["loss"])
    )
    logger = K.callbacks.MLflowLogger(
        tracking_uri=uri,
        experiment_name="toy",
        run_name="first",
        tags={"team": "a"},
        params={"dataset": "random"},
        log_every_n_steps=3,
        log_model=True,
    )
    history = model.fit(
        x, y, batch_size=BS, epochs=2, validation_data=(x, y), verbose=0,
        callbacks=[record, logger],
    ).history  # fmt: skip

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("toy")
    (run,) = client.search_runs([experiment.experiment_id])
    run_id = run.info.run_id
    assert run.info.status == "FINISHED" and run.info.run_name == "first"
    assert run.data.tags["team"] == "a"
    for key in ("loss", "val_loss", "mae", "val_mae"):
        points = client.get_metric_history(run_id, key)
        assert [p.step for p in points] == [0, 1]
        np.testing.assert_allclose([p.value for p in points], history[key], rtol=1e-6)
    # Every 3rd of 8 training batches: global steps 2 and 5.
    points = client.get_metric_history(run_id, "batch_loss")
    assert [p.step for p in points] == [2, 5]
    np.testing.assert_allclose(
        [p.value for p in points], [batch_logs[2], batch_logs[5]], rtol=1e-6
    )
    params = run.data.params
    expected = {
        "optimizer": "SGD",
        "optimizer.learning_rate": "0.1",
        "optimizer.momentum": "0.0",
        "batch_size": "5",
        "epochs": "2",
        "steps_per_epoch": "4",
        "param_count": str(3 * 2 + 2 + 2 * 1 + 1),
        "trainable_param_count": "11",
        "model": model.name,
        "dataset": "random",
    }
    assert {k: params.get(k) for k in expected} == expected
    # The model round-trips through the artifact store.
    assert [a.path for a in client.list_artifacts(run_id, "model")] == [
        "model/model.keras"
    ]
    path = client.download_artifacts(run_id, "model/model.keras", str(tmp_path))
    np.testing.assert_allclose(
        K.models.load_model(path).predict(x, verbose=0),
        model.predict(x, verbose=0),
        rtol=1e-6,
    )

    # Continuing the run: new metric points, parameters kept (with a warning
    # naming the ones that changed).
    more = K.callbacks.MLflowLogger(tracking_uri=uri, run_id=run_id)
    with pytest.warns(UserWarning, match=r"\['batch_size', 'epochs', 'steps_per"):
        second = model.fit(x, y, batch_size=10, epochs=1, verbose=0, callbacks=[more])
    points = client.get_metric_history(run_id, "loss")
    assert [p.value for p in points][2:] == pytest.approx(second.history["loss"])
    assert client.get_run(run_id).data.params["batch_size"] == "5"


def test_mlflow_logger_errors(monkeypatch):
    with pytest.raises(ValueError, match=r"`log_every_n_steps` must be a positive"):
        K.callbacks.MLflowLogger(log_every_n_steps=0)
    with pytest.raises(TypeError, match=r"`tags` must be a dict, got str"):
        K.callbacks.MLflowLogger(tags="a")
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r'pip install "kerasish\[mlflow\]"'):
        K.callbacks.MLflowLogger().on_train_begin()


def test_mlflow_logger_costs_no_batch_sync_unless_asked():
    from kerasish.callbacks.callback import overrides

    hook = "on_train_batch_end"
    assert not overrides(K.callbacks.MLflowLogger(), hook)
    assert overrides(K.callbacks.MLflowLogger(log_every_n_steps=2), hook)
    assert not overrides(K.callbacks.WandbLogger(), hook)
    assert overrides(K.callbacks.WandbLogger(log_every_n_steps=2), hook)
