"""`Trainer`: compile, fit, evaluate, predict — over one pure, compiled step.

All state lives in a `TrainState` pytree during a loop; the step is a pure function
`state, batch -> state` compiled once per input signature and cached on the model.
Weights go back to the layer objects at sync points (epoch end, callbacks that ask,
the end of fit). See DESIGN.md, "State is data; steps are pure".

The pieces live beside this module: `steps` (the pure steps and their context),
`step_compiler` (the compile cache and the layout of fused steps), `epoch_iterator`
(one loop over chunks for every data kind and callback dispatch), `preflight`
(checks on the user's arguments) and `logs` (logs and the progress bar).
"""

import time
import warnings

import numpy as np

from kerasish import config
from kerasish.engine import get_engine
from kerasish.trainers import (
    data_adapters,
    distributed,
    epoch_iterator,
    first_batch,
    keras_steps,
    preflight,
    step_compiler,
)
from kerasish.trainers.compile_utils import CompileLoss, CompileMetrics
from kerasish.trainers.keras_functions import KerasStepFunctions
from kerasish.trainers.logs import format_batch_logs, to_python
from kerasish.trainers.stateless_api import StatelessTrainerApi
from kerasish.trainers.step_compiler import StepCompiler, spec_of
from kerasish.trainers.steps import (  # noqa: F401 -- re-exported
    Batch,
    Steps,
    TrainState,
    call_takes_training,
    flat_targets,
    flat_weights,
)

_spec_of = spec_of  # the name preflight and older callers import


def _positive_int(name, value, allow_none=False, also=""):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        what = f"a positive integer {also}".strip()
        raise ValueError(f"`{name}` must be {what}, got {value!r}.")
    return int(value)


class Trainer(Steps, StatelessTrainerApi, KerasStepFunctions):
    """The training API mixed into `Model`."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._in_fit = False
        self._step_compiler = StepCompiler(self)
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_trackers = None
        self.steps_per_execution = 1
        self.run_eagerly = False

    # -- compile ---------------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution="auto",
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configures training: optimizer, loss(es), metrics and execution.

        Args:
            optimizer: Name ("adam"), `Optimizer` instance, or optax transformation.
            loss: Name, `Loss`, function, or a list/dict with one per output.
            loss_weights: Scalars weighting each output's loss (list or dict).
            metrics: Metrics (names, instances, functions), or per-output lists or
                a dict keyed by output name.
            weighted_metrics: Metrics that also use `sample_weight`/`class_weight`.
            run_eagerly: Run the step un-compiled, for debugging.
            steps_per_execution: Steps fused into one compiled call. An int
                means what it means in Keras (batch callbacks and the progress
                bar see every N-th batch). `"auto"` (the default) fuses steps
                when no callback other than the progress bar asks for every
                batch: the first steps run alone and are timed, and the chunk
                length is chosen so that a call takes a few milliseconds
                (1 for a slow step). Results equal `steps_per_execution=1`'s to
                float rounding; the progress bar moves once per chunk.
            jit_compile: `"auto"`/True compiles with XLA; False is `run_eagerly`.
            auto_scale_loss: Under the `"mixed_float16"` policy, wrap the
                optimizer in a `LossScaleOptimizer` (as Keras does), so float16
                gradients do not underflow.
        """
        from kerasish import optimizers

        self.optimizer = optimizers.get(optimizer)
        # Saved files hold the optimizer as given (Keras's compile config).
        self._given_optimizer = self.optimizer
        policy = getattr(getattr(self, "dtype_policy", None), "name", None)
        if (
            auto_scale_loss
            and policy == "mixed_float16"
            and self.optimizer is not None
            and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)
        ):
            self.optimizer = optimizers.LossScaleOptimizer(
                self.optimizer, name="loss_scale_optimizer"
            )
        self.loss = loss
        self._compile_loss = (
            CompileLoss(loss, loss_weights) if loss is not None else None
        )
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics)
        self._compile_args = {
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }
        self.run_eagerly = bool(run_eagerly) or jit_compile is False
        # As Keras: "auto" reads back as the bool it resolves to (every
        # kerasish layer compiles), and never True while running eagerly.
        self.jit_compile = bool(jit_compile) and not self.run_eagerly
        if steps_per_execution != "auto":
            steps_per_execution = _positive_int(
                "steps_per_execution", steps_per_execution, also="or 'auto'"
            )
        self.steps_per_execution = steps_per_execution
        self._reset_step_functions()
        self.compiled = True
        self._step_compiler = StepCompiler(self)
        self._loss_trackers = None
        first_batch.track_loss(self)  # `model.metrics` lists it from here, as Keras
        self.stop_training = False

    def get_compile_config(self):
        """The arguments `compile()` was called with, serialized: what a
        `.keras` file and `to_json` hold; `{}` before `compile()`. A subclass
        whose `compile` takes other arguments overrides this and
        `compile_from_config` (Keras's customizing-saving guide)."""
        from kerasish.saving.saving_api import compile_config

        return compile_config(self) or {}

    def compile_from_config(self, config):
        """Compiles the model from `get_compile_config()`'s output (what
        `load_model` and `model_from_json` call). As Keras, a model whose
        `compile` is its own is left uncompiled, with a warning, unless it
        overrides this method too."""
        if type(self).compile is not Trainer.compile:
            warnings.warn(
                "`compile()` was not called as part of model loading because the "
                "model's `compile()` method is custom. All subclassed Models that "
                "have `compile()` overridden should also override "
                "`get_compile_config()` and `compile_from_config(config)`. "
                "Alternatively, you can call `compile()` manually after loading.",
                stacklevel=2,
            )
            return
        from kerasish.saving.saving_api import compile_arguments

        self.compile(**compile_arguments(config))
        if self.built and self.optimizer is not None:
            if not getattr(self.optimizer, "built", True):
                self.optimizer.build(self.trainable_variables)

    def _assert_compiled(self, what):
        if not self.compiled:
            raise ValueError(  # Keras's type and first sentence
                "You must call `compile()` before using the model. "
                f"`{what}` needs it: e.g. `model.compile(optimizer='adam', "
                "loss='mse')`."
            )

    @property
    def metrics_names(self):
        return [name for name in self._log_names()]

    # -- structure of outputs --------------------------------------------------
    def _output_names(self):
        names = getattr(self, "output_names", None)
        if names:
            return list(names)
        return None

    def _flat_targets(self, y, n_outputs, output_names):
        return flat_targets(y, n_outputs, output_names, self)

    def _flat_weights(self, sample_weight, n_outputs, output_names):
        return flat_weights(sample_weight, n_outputs, output_names)

    # -- building before the first compile ------------------------------------
    def _prepare(self, x, y, sample_weight, for_training):
        """Builds the model, losses and metrics from a first host batch; checks.
        Losses an eager call left on the layers are cleared, as Keras's
        `fit`/`evaluate`/`predict` leave `model.losses` empty."""
        self._clear_losses()
        first_batch.prepare(self, x, y, sample_weight, for_training)

    def _keras_peeks_a_batch(self):
        """Whether Keras's `fit` would take a batch from a pass of its own
        before training (`_symbolic_build`): while a layer, or the compiled
        loss or metrics it was given, are unbuilt. Its shuffled order is drawn,
        so the epochs' orders that follow are Keras's."""
        args = getattr(self, "_compile_args", {})
        metrics = any(args.get(k) is not None for k in ("metrics", "weighted_metrics"))
        loss = self._compile_loss
        return (
            not all(layer.built for layer in self._flatten_layers())
            or (loss is not None and not loss.built)
            or (metrics and not self._compile_metrics.built)
        )

    def _flatten_data_targets(self, data):
        """Stores y and sample_weight as flat per-output lists (arrays only)."""
        if data.kind != "arrays" or getattr(data, "_flat", False):
            return
        names = self._resolved_output_names
        n = len(names or ())
        data.y = self._flat_targets(data.y, n, names)
        data.sample_weight = self._flat_weights(data.sample_weight, n, names)
        data._flat = True

    def _check_inputs(self, x):
        preflight.check_inputs(self, x)

    def _build_from_data(self, x):
        first_batch.build_from_data(self, x)

    def _host_layers(self):
        """Leading host-side layers (Sequential): they run in numpy, per batch."""
        return list(getattr(self, "host_layers", []))

    def _run_host_layers(self, x):
        for layer in self._host_layers():
            x = np.asarray(layer.host_call(x))  # numpy: no trip to the device
        return x

    def _device_part(self):
        """While active, the model's call skips its host-side layers."""
        model = self

        class _Scope:
            def __enter__(self):
                self.previous = getattr(model, "_device_part_only", False)
                object.__setattr__(
                    model, "_device_part_only", bool(model._host_layers())
                )

            def __exit__(self, *exc):
                object.__setattr__(model, "_device_part_only", self.previous)

        return _Scope()

    def _result_order(self):
        """The names `evaluate` (and `*_on_batch`) list results by, as Keras's
        `_flatten_metrics_in_order`: the loss, each compiled metric by its own
        name (unprefixed, so a multi-output model's are not found), the
        per-output losses, then the model's own metrics."""
        if self._lists_own_metrics():
            return [m.name for m in self.metrics]
        trackers = [n for n, _ in (self._loss_trackers or [])]
        names = trackers[:1]
        if self._compile_metrics is not None and self._compile_metrics.built:
            names += [m.name for m in self._compile_metrics.metrics]
        names += trackers[1:] + [m.name for m in self._own_metrics()]
        return names

    def _log_names(self):
        if self._lists_own_metrics():
            return [m.name for m in self.metrics]
        names = [n for n, _ in (self._loss_trackers or [])]
        if self._compile_metrics is not None and self._compile_metrics.built:
            names += [e[0] for e in self._compile_metrics.entries]
        names += [m.name for m in self._own_metrics() if m.name not in names]
        return names

    # -- state <-> objects -----------------------------------------------------
    def _read_state(self, with_optimizer=True):
        trainable_variables, non_trainable_variables = self._variable_lists()
        trainable = [v.value for v in trainable_variables]
        non_trainable = [v.value for v in non_trainable_variables]
        opt_state = None
        if with_optimizer:
            if not getattr(self.optimizer, "built", False):
                self.optimizer.build(self.trainable_variables)
            opt_state = self.optimizer.state
        state = TrainState(trainable, non_trainable, opt_state, self._fresh_metrics())
        return distributed.place_state(self, state)

    def _write_state(self, state):
        trainable_variables, non_trainable_variables = self._variable_lists()
        _assign_values(trainable_variables, state.trainable)
        _assign_values(non_trainable_variables, state.non_trainable)
        if state.optimizer is not None:
            self.optimizer.state = state.optimizer
        self._write_metrics(state.metrics)

    def _write_non_trainable(self, state):
        _assign_values(self._variable_lists()[1], state.non_trainable)

    def _epoch_logs(self, state, logs):
        """An epoch's logs, as Keras reads them: the metrics' results, unless the
        steps return logs of their own with other keys (then the last step's)."""
        logs = to_python(logs)
        if self._returns_own_logs():
            results = to_python(self._results(state.metrics))
            if set(results) == set(logs):
                return results
        return logs

    # -- fit -------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Trains the model for `epochs` epochs. Returns a `History`.

        Arguments and defaults are Keras's; see the Keras guide "Training &
        evaluation with the built-in methods".
        """
        from kerasish.callbacks import CallbackList

        self._assert_compiled("fit")
        batch_size = _positive_int("batch_size", batch_size, allow_none=True) or 32
        epochs = _nonnegative_int("epochs", epochs)
        initial_epoch = _nonnegative_int("initial_epoch", initial_epoch)
        steps_per_epoch = _positive_int(
            "steps_per_epoch", steps_per_epoch, allow_none=True
        )
        if (
            isinstance(validation_split, bool)
            or not isinstance(validation_split, int | float)
            or not 0 <= validation_split < 1
        ):
            raise ValueError(
                f"`validation_split` must be a float in [0, 1), got "
                f"{validation_split!r}."
            )
        verbose = _verbose(verbose)
        preflight.check_data_type(x)
        preflight.check_validation_freq(validation_freq)
        preflight.check_class_weight(class_weight, sample_weight)
        x = preflight.model_inputs(self, x)
        preflight.check_common(self, y, sample_weight)
        needs_val_targets = preflight.needs_targets(self, "test")
        preflight.check_validation_data(validation_data, needs_val_targets)
        data = data_adapters.make_data(
            x, y, sample_weight, batch_size, shuffle, class_weight, steps_per_epoch
        )
        if validation_split:
            if data.kind != "arrays":
                raise ValueError(
                    "`validation_split` is only supported for array inputs (numpy or "
                    f"jax arrays), not for {type(x).__name__}. Pass "
                    "`validation_data=` instead."
                )
            (tx, ty, tsw), (vx, vy, vsw) = data.split(validation_split)
            data = data_adapters.make_data(
                tx, ty, tsw, batch_size, shuffle, None, steps_per_epoch
            )
            validation_data = (vx, vy) if vsw is None else (vx, vy, vsw)
        # Debugging caps (`keras.config.set_max_epochs` / `set_max_steps_per_epoch`).
        epochs = min(epochs, config.max_epochs() or epochs)
        cap = config.max_steps_per_epoch()
        data.steps = min(data.steps or cap, cap) if cap else data.steps
        if data.kind == "arrays" and steps_per_epoch is not None:
            data.continue_across_epochs()
        val = None
        if validation_data is not None:
            vx, vy, vsw = data_adapters._unpack(
                tuple(validation_data)
                if isinstance(validation_data, list | tuple)
                else validation_data,
                "`validation_data`",
            )
            val = data_adapters.validation_source(vx, vy, vsw, validation_steps)
        if data.kind == "arrays" and self._keras_peeks_a_batch():
            data.draw_first_batch_order()  # as Keras's build
        fx, fy, fsw = data.first_batch()
        self._prepare(fx, fy, fsw, for_training=True)
        _warn_training_not_passed(self)
        self._flatten_data_targets(data)
        self._fit_batch_size = data.batch_size  # for the experiment trackers
        callbacks = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=data.steps,
        )
        self.stop_training = False
        self._in_fit = True
        # Resumable: BackupAndRestore may set these in on_train_begin.
        self._initial_epoch = None
        self._initial_step = 0
        callbacks.on_train_begin()
        if self._initial_epoch is not None:
            if data.kind == "arrays":
                # The epochs skipped draw their shuffled orders, so the next
                # epochs take the orders the interrupted run would have.
                data.skip_epochs(max(self._initial_epoch - initial_epoch, 0))
            initial_epoch = self._initial_epoch
        logs = {}
        self._progress_state = None
        # The memory line prints before the first step (at the first compile).
        object.__setattr__(self, "_memory_line_pending", verbose >= 1)
        object.__setattr__(self, "_epochs_planned", epochs)  # for "auto"'s payback
        try:
            for epoch in range(initial_epoch, epochs):
                self._current_epoch = epoch
                callbacks.on_epoch_begin(epoch)
                self.reset_metrics()
                epoch_start = time.perf_counter()
                state = self._read_state()
                self._progress_state = None
                start_step, self._initial_step = self._initial_step, 0
                state, logs = self._run_epoch(
                    data, state, callbacks, "train", epoch, start_step
                )
                self._write_state(state)
                logs = self._epoch_logs(state, logs)  # reads the device: synced
                _record_throughput(self, data, callbacks, logs, epoch_start)
                if val is not None and _should_validate(epoch, validation_freq):
                    val_logs = self.evaluate(
                        val[0],
                        val[1],
                        sample_weight=val[2],
                        batch_size=validation_batch_size or batch_size,
                        steps=validation_steps,
                        verbose=0,
                        return_dict=True,
                        _callbacks=callbacks,
                    )
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callbacks.on_epoch_end(epoch, logs)
                if self.stop_training or getattr(data, "_exhausted", False):
                    break  # a generator that ran out stops training (warned)
        except BaseException:
            # Ctrl-C, or an exception from a callback or the data: keep the
            # progress made, so `fit` can be called again to continue.
            self._keep_progress()
            raise
        finally:
            self._in_fit = False
            object.__setattr__(self, "_epochs_planned", 0)
        if self.optimizer is not None and getattr(self.optimizer, "use_ema", False):
            values = self.optimizer.finalize_variable_values(
                [v.value for v in self.trainable_variables]
            )
            for v, value in zip(self.trainable_variables, values):
                v._value = value
        callbacks.on_train_end(logs)
        return self.history

    def _keep_progress(self):
        """Writes the state after the last completed step back to the model."""
        state = getattr(self, "_progress_state", None)
        self._progress_state = None
        if state is not None and state.optimizer is not None:
            leaves = get_engine().tree_leaves(state)
            if any(getattr(leaf, "is_deleted", bool)() for leaf in leaves):
                return  # consumed by a donating step that then failed
            self._write_state(state)

    def _run_epoch(self, data, state, callbacks, kind, epoch, start_step=0):
        """Runs one pass over `data`; returns the final state and logs (device)."""
        step = {"train": self.train_step, "test": self.test_step}[kind]
        if kind == "train" and data.kind == "arrays":
            data.begin_epoch()  # sets the epoch's steps before they count
        per_batch = epoch_iterator.wants_batches(callbacks, kind)
        donate = epoch_iterator.donate_state(kind, per_batch, data.steps)
        if donate and not self.run_eagerly:
            state = epoch_iterator.private_state(state)
        if data.kind == "arrays":
            merged = epoch_iterator.merged_test_data(self, data, kind, per_batch)
            chunks = epoch_iterator.array_chunks(
                self,
                data if merged is None else merged,
                kind,
                step,
                epoch,
                start_step,
                per_batch=per_batch,
            )
            if merged is not None:
                chunks = epoch_iterator.rescaled(chunks, merged.merged, data.steps)
            return epoch_iterator.run_chunks(self, chunks, state, callbacks, kind)
        counter = [0]
        chunks = epoch_iterator.batch_chunks(
            self, data, kind, step, start_step, counter, per_batch
        )
        state, logs = epoch_iterator.run_chunks(self, chunks, state, callbacks, kind)
        if data.steps is None:
            data.steps = counter[0]
        return state, logs

    # -- evaluate --------------------------------------------------------------
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        _callbacks=None,
        **kwargs,
    ):
        """Returns the loss and metric values on the data (a list, or a dict)."""
        from kerasish.callbacks import CallbackList

        self._assert_compiled("evaluate")
        if kwargs:
            raise TypeError(
                f"evaluate() got unexpected keyword arguments {sorted(kwargs)}."
            )
        batch_size = _positive_int("batch_size", batch_size, allow_none=True) or 32
        steps = _positive_int("steps", steps, allow_none=True)
        verbose = _verbose(verbose)
        preflight.check_data_type(x)
        x = preflight.model_inputs(self, x)
        preflight.check_common(self, y, sample_weight)
        if _callbacks is None:
            needs_targets = preflight.needs_targets(self, "test")
            preflight.check_evaluate_targets(x, y, needs_targets)
        data = data_adapters.make_data(
            x, y, sample_weight, batch_size, False, None, steps
        )
        if data.kind == "arrays" and data.steps == 1:
            data.read_once = True
        fx, fy, fsw = data.first_batch()
        self._prepare(fx, fy, fsw, for_training=False)
        self._flatten_data_targets(data)
        if _callbacks is not None:
            cbs = _callbacks
        else:
            cbs = CallbackList(
                callbacks,
                add_progbar=verbose != 0,
                model=self,
                verbose=verbose,
                epochs=1,
                steps=data.steps,
            )
        with self._walked_once():
            cbs.on_test_begin()
            self.reset_metrics()
            state = self._read_state(with_optimizer=False)
            state, logs = self._run_epoch(data, state, cbs, "test", 0)
            self._write_non_trainable(state)
            logs = self._epoch_logs(state, logs)
            self._write_metrics(state.metrics)
            cbs.on_test_end(logs)
            return format_batch_logs(self, logs, return_dict)

    # -- predict ---------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Returns the model's outputs as numpy arrays (same structure as outputs)."""
        from kerasish.callbacks import CallbackList

        batch_size = _positive_int("batch_size", batch_size, allow_none=True) or 32
        steps = _positive_int("steps", steps, allow_none=True)
        verbose = _verbose(verbose)
        preflight.check_data_type(x)
        x = preflight.model_inputs(self, x)
        data = data_adapters.make_data(
            x, None, None, batch_size, False, None, steps, what="x"
        )
        fx, _, _ = data.first_batch()
        self._check_inputs(fx)
        self._clear_losses()  # as in `_prepare`
        if not self.built:
            self._build_from_data(fx)
        cbs = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=data.steps,
        )
        cbs.on_predict_begin()
        # The progress bar alone moves per chunk; other batch hooks see each batch.
        per_batch = epoch_iterator.wants_batches(cbs, "predict")
        state = self._inference_state()
        if data.kind == "arrays":
            chunks = epoch_iterator.predict_array_chunks(
                self, data, per_batch=per_batch
            )
            total = (
                data.num_samples
                if steps is None
                else min(data.num_samples, data.steps * data.batch_size)
            )
        else:
            chunks = epoch_iterator.predict_batch_chunks(self, data)
            total = None  # the chunks hold real rows only
        start_state = state
        state, outputs = epoch_iterator.run_chunks(self, chunks, state, cbs, "predict")
        if state is not start_state:  # a layer assigned non-trainable values
            self._write_non_trainable(state)
        if not outputs:
            raise ValueError("predict received no data.")
        result = get_engine().tree_map(
            lambda *chunks: np.concatenate([np.asarray(c) for c in chunks])[:total],
            *outputs,
        )
        cbs.on_predict_end()
        return result

    # -- single batches --------------------------------------------------------
    def train_on_batch(
        self, x, y=None, sample_weight=None, class_weight=None, return_dict=False
    ):
        """Runs one training step on one batch; returns the batch's logs."""
        self._assert_compiled("train_on_batch")
        data = data_adapters.ArrayData(
            x, y, sample_weight, batch_size=_num(x), class_weight=class_weight
        )
        data.read_once = True
        fx, fy, fsw = data.first_batch()
        self._prepare(fx, fy, fsw, for_training=True)
        self._flatten_data_targets(data)
        from kerasish.callbacks import CallbackList

        with (
            self._walked_once(),  # one walk of the layers, not six
            keras_steps.one_batch_data(self, "train"),
        ):
            self.reset_metrics()
            state = self._read_state()
            state, logs = self._run_epoch(
                data, state, CallbackList([], model=self), "train", 0
            )
            self._write_state(state)
            logs = self._epoch_logs(state, logs)
            return format_batch_logs(self, logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluates one batch; returns its logs."""
        self._assert_compiled("test_on_batch")
        with keras_steps.one_batch_data(self, "test"):
            logs = self.evaluate(
                x,
                y,
                sample_weight=sample_weight,
                batch_size=_num(x),
                verbose=0,
                return_dict=True,
            )
        return format_batch_logs(self, logs, return_dict)

    def _inference_state(self):
        """The weights as a `TrainState` for predict (no optimizer, no metrics)."""
        trainable, non_trainable = self._variable_lists()
        state = TrainState(
            [v.value for v in trainable], [v.value for v in non_trainable], None, None
        )
        return distributed.place_state(self, state)

    def predict_on_batch(self, x):
        """Returns the model's outputs for one batch, as numpy.

        One compiled call, shared with `predict`'s calls of the same row count:
        no callbacks, no batching (the common loop of one-row predictions).
        """
        with keras_steps.one_batch_data(self, "predict"):
            return self._predict_one_batch(x)

    def _predict_one_batch(self, x):
        if not data_adapters._is_array_structure(x):
            return self.predict(x, batch_size=_num(x), verbose=0)
        x = preflight.model_inputs(self, x)
        x = data_adapters.to_numpy_structure(x, "x")
        rows = data_adapters.num_samples(x, "x")
        self._check_inputs(x)
        if not self.built:
            self._build_from_data(x)
        x = self._run_host_layers(x)
        if distributed.active() is not None:
            x = distributed.place_batches(x)
        state = self._inference_state()
        fn, _ = self._step_compiler.get(
            "predict", lambda: self._predict_rows, (state, x), static_key=(rows,)
        )
        outputs, written = fn(state, x)
        if written:
            self._write_non_trainable(step_compiler.with_written(state, written))
        return get_engine().tree_map(np.array, outputs)  # writable, as Keras

    def get_metrics_result(self):
        state = getattr(self, "_last_metrics_state", None)
        return {} if state is None else to_python(self._results(state))


# -- helpers -------------------------------------------------------------------


def _assign_values(variables, values):
    """Writes a state's values back to the variables (no checks: the compiled
    step returned them in the variables' own shapes and dtypes)."""
    for v, value in zip(variables, values):
        v._value = value


def _record_throughput(model, data, callbacks, logs, epoch_start):
    """Samples per second and the input-wait fraction of the epoch just run:
    in `History.throughput`, and in the logs when asked
    (`config.enable_throughput_logs()`)."""
    seconds = max(time.perf_counter() - epoch_start, 1e-9)
    steps = data.steps or 0
    if data.kind == "arrays":
        samples = min(data.num_samples, steps * data.batch_size)
    else:
        samples = steps * (data.batch_size or 0)
    figures = {
        "samples_per_second": samples / seconds,
        "input_wait_fraction": min(
            1.0, getattr(model, "_input_wait_seconds", 0.0) / seconds
        ),
    }
    history = getattr(callbacks, "_history", None)
    if history is not None:
        for key, value in figures.items():
            history.throughput.setdefault(key, []).append(value)
    if config.throughput_logs_enabled():
        logs.update(figures)


def _num(x):
    return max(
        1, data_adapters.num_samples(data_adapters.to_numpy_structure(x, "x"), "x") or 1
    )


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2, got {verbose!r}.")
    return verbose


def _nonnegative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer, got {value!r}.")
    return int(value)


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def _warn_training_not_passed(model):
    """Warns once when `fit` trains a model whose `call` takes no `training`
    but holds layers whose `call` does: as in Keras, nothing passes them
    `training=True`, so Dropout, BatchNormalization and the like run with
    their defaults (inference mode) while the model trains."""
    if call_takes_training(type(model)) or getattr(model, "_warned_training", False):
        return
    affected = [
        layer.name
        for layer in model._flatten_layers(include_self=False)
        if call_takes_training(type(layer))
    ]
    if affected:
        object.__setattr__(model, "_warned_training", True)
        shown = ", ".join(f"'{name}'" for name in affected[:3])
        more = f" and {len(affected) - 3} more" if len(affected) > 3 else ""
        warnings.warn(
            f"Model '{model.name}': its `call()` takes no `training` argument, so "
            f"`fit` trains it with its layers {shown}{more} in their default "
            "(inference) mode, as Keras does: Dropout drops nothing and "
            "BatchNormalization uses its moving statistics. For their training "
            "behaviour, write `def call(self, inputs, training=None)` and pass "
            "`training=training` to them.",
            stacklevel=3,
        )
