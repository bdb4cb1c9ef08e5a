"""`MLflowLogger`: parameters, metrics and the model of a `fit` run, in MLflow."""

import os
import tempfile
import time
import warnings

from kerasish.callbacks.callback import Callback
from kerasish.callbacks.tracking import BatchCounter, run_params, scalar_logs
from kerasish.serialization import register_builtin

_BATCH_HOOKS = ("on_train_batch_end",)
# MLflow takes at most 1000 metrics and 100 parameters in one `log_batch` call.
_MAX_PARAMS = 100


def _mlflow():
    try:
        import mlflow
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient
    except ImportError as e:
        raise ImportError(
            "The MLflowLogger callback needs the `mlflow` package (mlflow-skinny "
            'is enough). Install it with `pip install "kerasish[mlflow]"` (or '
            "`pip install mlflow-skinny`)."
        ) from e
    return mlflow, MlflowClient, Metric, Param


@register_builtin("callbacks")
class MLflowLogger(Callback):
    """Logs a `fit` run to MLflow: parameters, metrics per epoch, the model.

    At the start of `fit` the run gets the parameters of the call: the
    optimizer's class and config (`optimizer`, `optimizer.learning_rate`, ...),
    `batch_size`, `epochs`, `steps_per_epoch`, `param_count` and
    `trainable_param_count`, plus `params`. Each epoch's logs (`loss`,
    `val_loss`, the metrics, the learning rate) are logged at step `epoch`;
    with `log_every_n_steps`, the training logs of every n-th batch too, as
    `batch_<name>` at the global batch step. With `log_model`, the trained
    model is saved as `model.keras` under the run's artifact folder `model/`.

    The run is the one given by `run_id`, else the active run of
    `mlflow.start_run()` (left open), else a new run in `experiment_name`,
    ended when `fit` ends. A run's parameters are written once: a second `fit`
    into the same run logs only the parameters it does not have yet.

    Args:
        tracking_uri: Where runs are stored: an `http(s)://` server, a
            `sqlite:///path.db` database, or a local folder (MLflow 3 asks for
            `MLFLOW_ALLOW_FILE_STORE=true` to use one). `None`: MLflow's default
            (`MLFLOW_TRACKING_URI`, or `./mlruns`).
        experiment_name: The experiment of a new run, created if missing.
            `None`: MLflow's default experiment.
        run_name: The name of a new run.
        run_id: An existing run to log into (to continue it).
        tags: A dict of tags set on the run.
        params: A dict of extra parameters to log (hyperparameters of yours).
        log_every_n_steps: Also log the training logs every this many batches
            (this reads the logs on the host at those batches). `None`: per
            epoch only.
        log_model: Save the model as an artifact when `fit` ends.

    Example:
    >>> cb = kerasish.callbacks.MLflowLogger(experiment_name="digits")
    """

    def __init__(
        self,
        tracking_uri=None,
        experiment_name=None,
        run_name=None,
        run_id=None,
        tags=None,
        params=None,
        log_every_n_steps=None,
        log_model=False,
    ):
        super().__init__()
        if log_every_n_steps is not None and (
            isinstance(log_every_n_steps, bool)
            or not isinstance(log_every_n_steps, int)
            or log_every_n_steps <= 0
        ):
            raise ValueError(
                "MLflowLogger: `log_every_n_steps` must be a positive int or None "
                f"(per epoch only), got {log_every_n_steps!r}."
            )
        for name, value in (("tags", tags), ("params", params)):
            if value is not None and not isinstance(value, dict):
                raise TypeError(
                    f"MLflowLogger: `{name}` must be a dict, got "
                    f"{type(value).__name__}: {value!r}."
                )
        self.tracking_uri = (
            os.fspath(tracking_uri) if tracking_uri is not None else None
        )
        self.experiment_name = experiment_name
        self.run_name = run_name
        self.run_id = run_id
        self.tags = dict(tags or {})
        self.extra_params = dict(params or {})
        self.log_every_n_steps = log_every_n_steps
        self.log_model = log_model
        self._client = None
        self._owns_run = False
        self._steps = BatchCounter()
        if log_every_n_steps is None:  # batch hooks would cost a sync per step
            self._unused_hooks = _BATCH_HOOKS

    # -- the run -------------------------------------------------------------
    def _start_run(self):
        mlflow, client_class, _, _ = _mlflow()
        self._client = client_class(tracking_uri=self.tracking_uri)
        active = mlflow.active_run()
        if self.run_id is not None:
            run_id, self._owns_run = self.run_id, False
        elif active is not None and self.tracking_uri is None:
            run_id, self._owns_run = active.info.run_id, False
        else:
            experiment_id = "0"
            if self.experiment_name is not None:
                found = self._client.get_experiment_by_name(self.experiment_name)
                experiment_id = (
                    found.experiment_id
                    if found is not None
                    else self._client.create_experiment(self.experiment_name)
                )
            run = self._client.create_run(experiment_id, run_name=self.run_name)
            run_id, self._owns_run = run.info.run_id, True
        for key, value in self.tags.items():
            self._client.set_tag(run_id, str(key), str(value))
        return run_id

    def _log_params(self):
        _, _, _, param_class = _mlflow()
        logged = self._client.get_run(self.active_run_id).data.params
        values = run_params(self.model, self.params, self.extra_params)
        new = [
            param_class(key, "None" if value is None else str(value))
            for key, value in values.items()
            if key not in logged
        ]
        changed = sorted(
            key
            for key, value in values.items()
            if key in logged and logged[key] != str(value)
        )
        if changed:
            warnings.warn(
                f"MLflowLogger: run {self.active_run_id} already has the "
                f"parameters {changed} with other values; MLflow parameters are "
                "written once, so the old values stay. Start a new run to record "
                "the new ones.",
                stacklevel=2,
            )
        for i in range(0, len(new), _MAX_PARAMS):
            self._client.log_batch(self.active_run_id, params=new[i : i + _MAX_PARAMS])

    def _log_metrics(self, logs, step, prefix=""):
        _, _, metric_class, _ = _mlflow()
        now = int(time.time() * 1000)
        metrics = [
            metric_class(prefix + key, value, now, step)
            for key, value in scalar_logs(logs).items()
        ]
        if metrics:
            self._client.log_batch(self.active_run_id, metrics=metrics)

    # -- hooks ---------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.active_run_id = self._start_run()
        self._steps = BatchCounter()
        self._log_params()

    def on_train_batch_end(self, batch, logs=None):
        step = self._steps.step(batch)
        if (step + 1) % self.log_every_n_steps == 0:
            self._log_metrics(logs, step, prefix="batch_")

    def on_epoch_end(self, epoch, logs=None):
        self._steps.end_epoch()
        self._log_metrics(logs, epoch)

    def on_train_end(self, logs=None):
        if self.log_model:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.keras")
                self.model.save(path)
                self._client.log_artifact(self.active_run_id, path, "model")
        if self._owns_run:
            self._client.set_terminated(self.active_run_id, "FINISHED")
