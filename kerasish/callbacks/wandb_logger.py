"""`WandbLogger`: parameters, metrics and the model of a `fit` run, in W&B."""

import os
import tempfile

from kerasish.callbacks.callback import Callback
from kerasish.callbacks.tracking import BatchCounter, run_params, scalar_logs
from kerasish.serialization import register_builtin

_BATCH_HOOKS = ("on_train_batch_end",)
_MODES = ("online", "offline", "disabled", "shared")


def _wandb():
    try:
        import wandb
    except ImportError as e:
        raise ImportError(
            "The WandbLogger callback needs the `wandb` package. Install it with "
            '`pip install "kerasish[wandb]"` (or `pip install wandb`).'
        ) from e
    return wandb


@register_builtin("callbacks")
class WandbLogger(Callback):
    """Logs a `fit` run to Weights & Biases: config, metrics per epoch, the model.

    The run's config gets the same parameters as `MLflowLogger` logs (the
    optimizer's class and config, `batch_size`, `epochs`, `steps_per_epoch`,
    `param_count`, `trainable_param_count`, plus `config`). Each epoch's logs
    are logged as `epoch/<name>` against `epoch/epoch`, as W&B's own Keras
    callback names them; with `log_every_n_steps`, every n-th batch's training
    logs as `batch/<name>` against `batch/batch_step`. With `log_model`, the
    trained model is logged as a `model` artifact holding `model.keras`.

    The run is the one already started with `wandb.init()` (left open), else a
    new one started with the arguments below and finished when `fit` ends.
    `mode="offline"` writes the run under `dir` (or `WANDB_DIR`) with no network;
    `wandb sync` uploads it later.

    Args:
        project: The W&B project of a new run.
        name: The name of a new run.
        mode: `"online"`, `"offline"` or `"disabled"`; `None`: W&B's default
            (`WANDB_MODE`, else online).
        dir: The folder a new run writes to; `None`: `WANDB_DIR` or `./wandb`.
        config: A dict of extra parameters for the run's config.
        tags: A list of tags of a new run.
        log_every_n_steps: Also log the training logs every this many batches
            (this reads the logs on the host at those batches). `None`: per
            epoch only.
        log_model: Log the model as an artifact when `fit` ends.
        **init_kwargs: Passed on to `wandb.init` (`entity`, `group`, ...).

    Example:
    >>> cb = kerasish.callbacks.WandbLogger(project="digits", mode="offline")
    """

    def __init__(
        self,
        project=None,
        name=None,
        mode=None,
        dir=None,  # noqa: A002 - wandb.init's name for it
        config=None,
        tags=None,
        log_every_n_steps=None,
        log_model=False,
        **init_kwargs,
    ):
        super().__init__()
        if mode is not None and mode not in _MODES:
            raise ValueError(
                f"WandbLogger: `mode` must be one of {list(_MODES)} or None, got "
                f"{mode!r}."
            )
        if log_every_n_steps is not None and (
            isinstance(log_every_n_steps, bool)
            or not isinstance(log_every_n_steps, int)
            or log_every_n_steps <= 0
        ):
            raise ValueError(
                "WandbLogger: `log_every_n_steps` must be a positive int or None "
                f"(per epoch only), got {log_every_n_steps!r}."
            )
        if config is not None and not isinstance(config, dict):
            raise TypeError(
                f"WandbLogger: `config` must be a dict, got {type(config).__name__}: "
                f"{config!r}."
            )
        self.project = project
        self.name = name
        self.mode = mode
        self.dir = None if dir is None else os.fspath(dir)
        self.extra_config = dict(config or {})
        self.tags = None if tags is None else list(tags)
        self.log_every_n_steps = log_every_n_steps
        self.log_model = log_model
        self.init_kwargs = init_kwargs
        self.run = None
        self._owns_run = False
        self._steps = BatchCounter()
        if log_every_n_steps is None:  # batch hooks would cost a sync per step
            self._unused_hooks = _BATCH_HOOKS

    def on_train_begin(self, logs=None):
        wandb = _wandb()
        self._owns_run = wandb.run is None
        if self._owns_run:
            kwargs = {"project": self.project, "name": self.name, "mode": self.mode}
            kwargs.update({"dir": self.dir, "tags": self.tags})
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            self.run = wandb.init(**kwargs, **self.init_kwargs)
        else:
            self.run = wandb.run
        self._steps = BatchCounter()
        self.run.config.update(
            run_params(self.model, self.params, self.extra_config),
            allow_val_change=True,
        )
        self.run.define_metric("epoch/epoch")
        self.run.define_metric("epoch/*", step_metric="epoch/epoch")
        if self.log_every_n_steps is not None:
            self.run.define_metric("batch/batch_step")
            self.run.define_metric("batch/*", step_metric="batch/batch_step")

    def on_train_batch_end(self, batch, logs=None):
        step = self._steps.step(batch)
        if (step + 1) % self.log_every_n_steps == 0:
            values = {f"batch/{k}": v for k, v in scalar_logs(logs).items()}
            self.run.log({**values, "batch/batch_step": step})

    def on_epoch_end(self, epoch, logs=None):
        self._steps.end_epoch()
        values = {f"epoch/{k}": v for k, v in scalar_logs(logs).items()}
        self.run.log({**values, "epoch/epoch": epoch})

    def on_train_end(self, logs=None):
        if self.log_model:
            wandb = _wandb()
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.keras")
                self.model.save(path)
                artifact = wandb.Artifact(f"model-{self.run.id}", type="model")
                # "mutable": copied to W&B's staging folder now, before the
                # temporary folder goes.
                artifact.add_file(path, name="model.keras", policy="mutable")
                self.run.log_artifact(artifact)
        if self._owns_run:
            self.run.finish()
            self.run = None
