"""`Trainer`: compile, fit, evaluate, predict — over one pure, compiled step.

All state lives in a `TrainState` pytree during a loop; the step is a pure function
`state, batch -> state` compiled once per input signature and cached on the model.
Weights go back to the layer objects at sync points (epoch end, callbacks that ask,
the end of fit). See DESIGN.md, "State is data; steps are pure".
"""

import time
import warnings
from collections.abc import MutableMapping
from typing import Any, NamedTuple

import numpy as np

from kerasish import config, ops
from kerasish.engine import get_engine
from kerasish.trainers import data_adapters, preflight, streaming
from kerasish.trainers.compile_utils import CompileLoss, CompileMetrics
from kerasish.trainers.exact_batches import user_code_sees_rows
from kerasish.utils import tree


class TrainState(NamedTuple):
    """Everything a step reads and writes, as one pytree."""

    trainable: list
    non_trainable: list
    optimizer: Any
    metrics: Any


class Batch(NamedTuple):
    x: Any
    y: Any  # flat list, one entry per output, or None
    sample_weight: Any  # flat list, one entry per output, or None
    mask: Any  # (batch,) float: 0 marks padding


def _positive_int(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    return int(value)


class Trainer:
    """The training API mixed into `Model`."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._in_fit = False
        self._cache = {}
        self._signatures = {}
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
        steps_per_execution=1,
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
            steps_per_execution: Steps fused into one compiled call.
            jit_compile: `"auto"`/True compiles with XLA; False is `run_eagerly`.
        """
        from kerasish import optimizers

        self.optimizer = optimizers.get(optimizer)
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
        self.jit_compile = jit_compile
        self.steps_per_execution = _positive_int(
            "steps_per_execution", steps_per_execution
        )
        self.compiled = True
        self._cache = {}
        self._signatures = {}
        self._loss_trackers = None
        self.stop_training = False

    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(
                f"You must call `compile()` before using the model for `{what}`: "
                "e.g. `model.compile(optimizer='adam', loss='mse')`."
            )

    @property
    def metrics(self):
        """The loss trackers and compiled metrics (`Metric` objects)."""
        out = []
        if self._loss_trackers:
            out += [m for _, m in self._loss_trackers]
        if self._compile_metrics is not None and self._compile_metrics.built:
            out += self._compile_metrics.metrics
        return out

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
        if y is None:
            return None
        if isinstance(y, dict):
            missing = [n for n in output_names if n not in y]
            if missing:
                raise ValueError(
                    f"`y` is a dict without keys {missing}; the model's outputs are "
                    f"{output_names}."
                )
            return [y[n] for n in output_names]
        flat = tree.flatten(y)
        if len(flat) != n_outputs:
            raise ValueError(
                f"The model has {n_outputs} output(s) ({output_names}) but `y` has "
                f"{len(flat)} array(s). Pass one target per output."
            )
        return flat

    def _flat_weights(self, sample_weight, n_outputs, output_names):
        if sample_weight is None:
            return None
        if isinstance(sample_weight, dict):
            return [sample_weight.get(n) for n in output_names]
        flat = tree.flatten(sample_weight)
        if len(flat) == 1:
            return flat * n_outputs
        return flat

    # -- building before the first compile ------------------------------------
    def _prepare(self, x, y, sample_weight, for_training):
        """Builds the model, losses and metrics from a first host batch; checks."""
        engine = get_engine()
        self._check_inputs(x)
        if not self.built:
            self._build_from_data(x)
        x = self._run_host_layers(x)
        with self._device_part():
            y_pred_spec = engine.eval_shape(
                lambda xs: self._symbolic_forward(xs), tree.map_structure(_spec_of, x)
            )
        flat_pred = engine.tree_leaves(y_pred_spec)
        names = self._output_names() or (
            ["output"]
            if len(flat_pred) == 1
            else [f"output_{i}" for i in range(len(flat_pred))]
        )
        if len(names) != len(flat_pred):
            names = [f"output_{i}" for i in range(len(flat_pred))]
        self._resolved_output_names = names
        flat_y = self._flat_targets(y, len(flat_pred), names)
        y_shapes = (
            [None if t is None else (None,) + tuple(np.shape(t))[1:] for t in flat_y]
            if flat_y is not None
            else [None] * len(flat_pred)
        )
        pred_shapes = [(None,) + tuple(p.shape)[1:] for p in flat_pred]
        if for_training or flat_y is not None:
            if self._compile_loss is not None and not self._compile_loss.built:
                self._compile_loss.build(names, y_shapes, pred_shapes)
            if self._compile_metrics is not None and not self._compile_metrics.built:
                self._compile_metrics.build(
                    names, y_shapes, pred_shapes, self._compile_loss
                )
            if self._loss_trackers is None:
                from kerasish.metrics import Mean

                trackers = [("loss", Mean(name="loss"))]
                if self._compile_loss is not None:
                    trackers += [
                        (n, Mean(name=n)) for n in self._compile_loss.log_names
                    ]
                self._loss_trackers = trackers
        if (
            for_training
            and self._compile_loss is None
            and not _overrides_step(self)
            and not preflight.adds_losses(self, x)
        ):
            raise ValueError(
                "No loss to train with: `compile()` got no `loss=` and the model "
                "adds none. Expected one of: `loss=` in `compile()` (for example "
                "`loss='sparse_categorical_crossentropy'`), or losses added by the "
                "model's layers with `self.add_loss(...)` in `call` (or an "
                "overridden `compute_loss`/`train_step`)."
            )
        if (
            for_training
            and flat_y is None
            and self._compile_loss is not None
            and not _overrides_step(self)
        ):
            raise ValueError(
                "`fit` needs targets: pass `y=` with the labels (or a generator that "
                "yields (x, y) batches); received `y=None` for a model compiled "
                "with a loss."
            )

    def _flatten_data_targets(self, data):
        """Stores y and sample_weight as flat per-output lists (arrays only)."""
        if data.kind != "arrays" or getattr(data, "_flat", False):
            return
        names = self._resolved_output_names
        data.y = self._flat_targets(data.y, len(names), names)
        data.sample_weight = self._flat_weights(data.sample_weight, len(names), names)
        data._flat = True

    def _check_inputs(self, x):
        for a in tree.flatten(x):
            if a is None:
                continue
            dtype = np.dtype(getattr(a, "dtype", np.asarray(a).dtype))
            if dtype.kind not in "biufc" and not self._host_layers():
                raise TypeError(
                    f"Model '{self.name}' received non-numeric input of dtype {dtype}. "
                    "Pass numbers (e.g. `np.asarray(x, dtype='float32')`), or put a "
                    "preprocessing layer such as TextVectorization first in the model."
                )
        if hasattr(self, "_flat_inputs"):
            flat = tree.flatten(x) if not isinstance(x, dict) else list(x.values())
            if len(flat) != len(self._flat_inputs):
                raise ValueError(
                    f"Model '{self.name}' expects {len(self._flat_inputs)} input(s) "
                    f"({self.input_names}), but the data has {len(flat)} array(s)."
                )

    def _build_from_data(self, x):
        from kerasish.layers.keras_tensor import KerasTensor
        from kerasish.layers.layer import _trace_output_spec

        first = tree.flatten(x)[0]
        if type(self).__name__ == "Sequential" or hasattr(self, "_pending_input_dtype"):
            self._pending_input_dtype = (
                str(np.asarray(first[:1]).dtype)
                if not get_engine().is_tensor(first)
                else str(first.dtype)
            )
            self.build((None,) + tuple(np.shape(first))[1:])
            return
        spec = tree.map_structure(
            lambda a: KerasTensor((None,) + tuple(np.shape(a))[1:], str(a.dtype)), x
        )
        # Recorded so a saved subclassed model can be rebuilt before its weights load.
        self._build_shapes_dict = {
            "input_shape": tree.map_structure(lambda t: t.shape, spec)
        }
        self.built = True
        _trace_output_spec(self, (spec,), {})

    def _symbolic_forward(self, x):
        from kerasish.variables import StatelessScope

        with StatelessScope(collect_losses=True):
            return self(x, training=False)

    def _host_layers(self):
        """Leading host-side layers (Sequential): they run in numpy, per batch."""
        return list(getattr(self, "host_layers", []))

    def _run_host_layers(self, x):
        for layer in self._host_layers():
            x = np.asarray(layer(x))
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

    def _log_names(self):
        names = [n for n, _ in (self._loss_trackers or [])]
        if self._compile_metrics is not None and self._compile_metrics.built:
            names += [e[0] for e in self._compile_metrics.entries]
        return names

    # -- the pure step functions (Keras 3 JAX-style, overridable) -------------
    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """The total loss: compiled losses plus the model's added losses.

        Returns a scalar. Override it for a custom loss (the compiled step calls it
        inside `train_step`).
        """
        flat_pred = get_engine().tree_leaves(y_pred)
        mask = getattr(self, "_current_mask", None)
        total = 0.0
        if self._compile_loss is not None and y is not None:
            flat_y = self._flat_targets(y, len(flat_pred), self._resolved_output_names)
            flat_w = self._flat_weights(
                sample_weight, len(flat_pred), self._resolved_output_names
            )
            weights = flat_w or [None] * len(flat_pred)
            total, parts = self._compile_loss(flat_y, flat_pred, weights, mask)
            self._current_loss_parts = parts
        losses = getattr(self, "_current_losses", None)
        if losses:
            total = total + ops.sum(
                ops.stack([ops.cast(value, "float32") for value in losses])
            )
        return total

    def _stateless_forward(self, trainable, non_trainable, x, training):
        with self._device_part():
            y_pred, non_trainable, losses = self.stateless_call(
                trainable, non_trainable, x, training=training, return_losses=True
            )
        return y_pred, non_trainable, losses

    def _loss_and_updates(self, trainable, state, batch, training):
        y_pred, non_trainable, losses = self._stateless_forward(
            trainable, state.non_trainable, batch.x, training
        )
        self._current_losses = losses
        self._current_mask = batch.mask
        self._current_loss_parts = []
        # A single-output model's compute_loss gets y and sample_weight unwrapped,
        # as in Keras.
        y, sw = batch.y, batch.sample_weight
        if y is not None and len(y) == 1:
            y = y[0]
        if sw is not None and len(sw) == 1:
            sw = sw[0]
        loss = self.compute_loss(batch.x, y, y_pred, sw, training=training)
        parts = self._current_loss_parts
        self._current_losses = self._current_mask = None
        return loss, (y_pred, non_trainable, parts)

    def _update_metrics(self, metrics_state, batch, y_pred, loss, parts):
        tracker_states, compiled_states = metrics_state
        count = ops.sum(batch.mask)
        values = [loss] + list(parts)
        new_trackers = tuple(
            m.update(s, v, sample_weight=count)
            for (name, m), s, v in zip(self._loss_trackers, tracker_states, values)
        )
        if (
            self._compile_metrics is not None
            and self._compile_metrics.built
            and batch.y is not None
        ):
            flat_pred = get_engine().tree_leaves(y_pred)
            weights = (
                list(batch.sample_weight)
                if batch.sample_weight is not None
                else [None] * len(flat_pred)
            )
            compiled_states = self._compile_metrics.update(
                compiled_states, list(batch.y), flat_pred, weights, batch.mask
            )
        return (new_trackers, compiled_states)

    def train_step(self, state, data):
        """One training step, pure: `(state, batch) -> state`.

        `state` is the `TrainState`; `data` the `Batch`. Override for custom
        training (see examples/custom_train_step.py).
        """
        if not isinstance(state, TrainState):  # Keras-style `super().train_step`
            from kerasish.models.keras_steps import run_base_step

            return run_base_step(self, "train", Trainer.train_step, state, data)
        engine = get_engine()

        def scaled_loss(trainable):
            loss, aux = self._loss_and_updates(trainable, state, data, True)
            # A LossScaleOptimizer scales the loss (mixed float16); others return it.
            return self.optimizer.scale_loss(loss, state.optimizer), (loss, aux)

        grad_fn = engine.value_and_grad(scaled_loss, has_aux=True)
        (_, (loss, (y_pred, non_trainable, parts))), grads = grad_fn(state.trainable)
        # The optimizer also applies each variable's constraint, as Keras's does.
        trainable, opt_state = self.optimizer.stateless_apply(
            state.optimizer, grads, state.trainable
        )
        metrics = self._update_metrics(state.metrics, data, y_pred, loss, parts)
        return TrainState(trainable, non_trainable, opt_state, metrics)

    def test_step(self, state, data):
        """One evaluation step, pure: `(state, batch) -> state` (metrics only)."""
        if not isinstance(state, TrainState):  # Keras-style `super().test_step`
            from kerasish.models.keras_steps import run_base_step

            return run_base_step(self, "test", Trainer.test_step, state, data)
        loss, (y_pred, non_trainable, parts) = self._loss_and_updates(
            state.trainable, state, data, False
        )
        metrics = self._update_metrics(state.metrics, data, y_pred, loss, parts)
        return state._replace(metrics=metrics)

    def predict_step(self, state, data):
        """One prediction step, pure: returns the model's outputs for `data.x`."""
        if not isinstance(state, TrainState):  # Keras-style `super().predict_step`
            from kerasish.models.keras_steps import run_base_step

            return run_base_step(self, "predict", Trainer.predict_step, state, data)
        with self._device_part():
            y_pred, _ = self.stateless_call(
                state.trainable, state.non_trainable, data.x, training=False
            )
        return y_pred

    def _results(self, metrics_state):
        trackers, compiled = metrics_state
        logs = {
            name: m.compute(s) for (name, m), s in zip(self._loss_trackers, trackers)
        }
        if self._compile_metrics is not None and self._compile_metrics.built:
            logs.update(self._compile_metrics.results(compiled))
        return logs

    def _fresh_metrics(self):
        trackers = tuple(m.init() for _, m in self._loss_trackers)
        compiled = (
            self._compile_metrics.init()
            if self._compile_metrics is not None and self._compile_metrics.built
            else ()
        )
        return (trackers, compiled)

    # -- state <-> objects -----------------------------------------------------
    def _read_state(self, with_optimizer=True):
        trainable = [v.value for v in self.trainable_variables]
        non_trainable = [v.value for v in self.non_trainable_variables]
        opt_state = None
        if with_optimizer:
            if not getattr(self.optimizer, "built", False):
                self.optimizer.build(self.trainable_variables)
            opt_state = self.optimizer.state
        return TrainState(trainable, non_trainable, opt_state, self._fresh_metrics())

    def _write_state(self, state):
        for v, value in zip(self.trainable_variables, state.trainable):
            v._value = value
        for v, value in zip(self.non_trainable_variables, state.non_trainable):
            v._value = value
        if state.optimizer is not None:
            self.optimizer.state = state.optimizer
        self._last_metrics_state = state.metrics

    # -- compiled functions, cached by signature -------------------------------
    def _compiled(self, kind, build_fn, example_args, static_key=()):
        """Returns a compiled function for `kind` and the signature of its args."""
        engine = get_engine()
        signature = (kind, static_key, _signature(example_args))
        fn = self._cache.get(signature)
        if fn is not None:
            return fn, 0.0
        previous = self._signatures.get((kind, static_key))
        reason = None if previous is None else _diff(previous, signature[2])
        if reason is not None:
            warnings.warn(
                f"Model '{self.name}': recompiling the {kind} step because the "
                f"input signature changed: {reason}. Keep "
                "batch shapes and dtypes fixed to avoid recompiling.",
                stacklevel=4,
            )
        self._signatures[(kind, static_key)] = signature[2]
        raw = build_fn()
        if self.run_eagerly:
            self._cache[signature] = raw
            return raw, 0.0
        start = time.perf_counter()
        compiled = engine.compile(raw, *example_args)
        seconds = time.perf_counter() - start
        self._cache[signature] = compiled
        return compiled, seconds

    def _multi_step(self, step, n, from_arrays, batch_size, unroll):
        engine = get_engine()

        def gather(data, indices, mask, offset):
            idx = ops.slice(indices, (offset,), (batch_size,))
            m = ops.slice(mask, (offset,), (batch_size,))
            x, y, sw = data
            take = lambda a: None if a is None else ops.take(a, idx, axis=0)  # noqa: E731
            return Batch(
                tree.map_structure(take, x),
                None if y is None else [take(a) for a in y],
                None if sw is None else [take(a) for a in sw],
                m,
            )

        if from_arrays:

            def run(state, data, indices, mask, start):
                # `start` is a row offset into the epoch's index vector.
                def body(s, i):
                    return step(
                        s, gather(data, indices, mask, start + i * batch_size)
                    ), None

                if n == 1:
                    state = step(state, gather(data, indices, mask, start))
                else:
                    state, _ = engine.scan(body, state, ops.arange(n), unroll=unroll)
                return state, self._results(state.metrics)

            return run

        def run_batches(state, batches):
            if n == 1:
                state = step(state, engine.tree_map(lambda a: a[0], batches))
            else:
                state, _ = engine.scan(
                    lambda s, b: (step(s, b), None), state, batches, unroll=unroll
                )
            return state, self._results(state.metrics)

        return run_batches

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
        preflight.check_common(self, x, y, sample_weight)
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
        val = None
        if validation_data is not None:
            vx, vy, vsw = data_adapters._unpack(
                tuple(validation_data)
                if isinstance(validation_data, list | tuple)
                else validation_data,
                "`validation_data`",
            )
            val = (vx, vy, vsw)
        fx, fy, fsw = data.first_batch()
        self._prepare(fx, fy, fsw, for_training=True)
        self._flatten_data_targets(data)
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
        from kerasish.random.random import next_seed

        # Resumable: BackupAndRestore may set these in on_train_begin (the data
        # order of a shuffled epoch is a function of (seed, epoch) only).
        self._shuffle_seed = next_seed()
        self._initial_epoch = None
        self._initial_step = 0
        callbacks.on_train_begin()
        if self._initial_epoch is not None:
            initial_epoch = self._initial_epoch
        logs = {}
        self._progress_state = None
        try:
            for epoch in range(initial_epoch, epochs):
                self._current_epoch = epoch
                callbacks.on_epoch_begin(epoch)
                state = self._read_state()
                self._progress_state = None
                start_step, self._initial_step = self._initial_step, 0
                state, logs = self._run_epoch(
                    data,
                    state,
                    callbacks,
                    "train",
                    self._shuffle_seed,
                    epoch,
                    start_step,
                )
                self._write_state(state)
                logs = _to_python(logs)
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
                if self.stop_training:
                    break
        except BaseException:
            # Ctrl-C, or an exception from a callback or the data: keep the
            # progress made, so `fit` can be called again to continue.
            self._keep_progress()
            raise
        finally:
            self._in_fit = False
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
            self._write_state(state)

    def _run_epoch(self, data, state, callbacks, kind, seed, epoch, start_step=0):
        """Runs one pass over `data`; returns the final state and logs (device)."""
        step = {"train": self.train_step, "test": self.test_step}[kind]
        n_exec = self.steps_per_execution
        hook_begin = f"on_{kind}_batch_begin"
        hook_end = f"on_{kind}_batch_end"
        wants_begin = callbacks.wants(hook_begin)
        wants_end = callbacks.wants(hook_end)
        unroll = _fuse_unroll(self, n_exec)
        logs = None
        progbar = _progbar_of(callbacks)
        if data.kind == "arrays":
            host_indices, host_mask = (
                data.epoch_indices(seed, epoch)
                if kind == "train"
                else data.epoch_indices(None, 0)
            )
            engine = get_engine()
            # Data over the device budget stays on the host and streams in
            # chunks (streaming.py); the rest is placed once and gathered there.
            stream = streaming.should_stream(data)
            if not stream:
                device = data.place(self._run_host_layers)
                indices, mask = engine.place((host_indices, host_mask))
            bs = data.batch_size
            # Where user code could see padded rows, the short last batch runs at
            # its true size (one more compiled step) instead of padded.
            tail = data.num_samples - (data.steps - 1) * bs
            exact_tail = 0 < tail < bs and user_code_sees_rows(self, kind)
            full_steps = data.steps - 1 if exact_tail else data.steps
            done = start_step
            functions = {}  # one lookup per chunk layout, not per step
            while done < data.steps:
                if done < full_steps:
                    n, rows = min(n_exec, full_steps - done), bs
                else:
                    n, rows = 1, tail
                if stream:
                    chunk = streaming.host_chunk(
                        data,
                        host_indices,
                        host_mask,
                        done * bs,
                        n,
                        rows,
                        self._run_host_layers,
                    )
                    args = (engine.place(Batch(*chunk)),)
                    example = (state, *args)
                else:
                    args = (device, indices, mask, np.int32(done * bs))
                    example = (state, device, indices, mask, np.int32(0))
                if (n, rows) not in functions:
                    functions[n, rows], seconds = self._compiled(
                        kind,
                        lambda n=n, r=rows: self._multi_step(
                            step, n, not stream, r, unroll
                        ),
                        example,
                        static_key=(n, rows, "stream" if stream else "device"),
                    )
                    if seconds and progbar is not None:
                        progbar.compiling(seconds)
                if wants_begin:
                    getattr(callbacks, hook_begin)(done)
                state, logs = functions[n, rows](state, *args)
                if kind == "train":
                    self._progress_state = state
                done += n
                if wants_end:
                    if kind == "train":
                        self._write_state(state)
                    getattr(callbacks, hook_end)(done - 1, _LazyLogs(logs))
                    if kind == "train":
                        state = state._replace(**_reread(self, state))
                elif progbar is not None:
                    progbar.on_batch(kind, done - 1, logs)
                if self.stop_training and kind == "train":
                    break
            return state, logs
        index = 0
        buffer = []

        def flush(state):
            # Runs the buffered batches as one call; returns (state, logs, count).
            state, logs = self._run_buffer(
                step,
                buffer,
                state,
                callbacks,
                kind,
                index,
                unroll,
                progbar,
                wants_begin,
                wants_end,
            )
            return state, logs, len(buffer)

        exact = user_code_sees_rows(self, kind)
        for x, y, sw, mask in data.epoch(pad=not exact):
            if buffer and np.shape(mask) != np.shape(buffer[0].mask):
                # A short batch at its true size runs on its own.
                state, logs, count = flush(state)
                index += count
                buffer = []
                if self.stop_training and kind == "train":
                    break
            if index < start_step:
                index += 1
                continue
            flat_y = (
                None
                if y is None
                else self._flat_targets(
                    y, len(self._resolved_output_names), self._resolved_output_names
                )
            )
            flat_w = (
                None
                if sw is None
                else self._flat_weights(
                    sw, len(self._resolved_output_names), self._resolved_output_names
                )
            )
            buffer.append(Batch(self._run_host_layers(x), flat_y, flat_w, mask))
            if len(buffer) < n_exec:
                continue
            state, logs, count = flush(state)
            index += count
            buffer = []
            if self.stop_training and kind == "train":
                break
        if buffer:
            state, logs, count = flush(state)
            index += count
        if data.steps is None:
            data.steps = index
        return state, logs

    def _run_buffer(
        self,
        step,
        buffer,
        state,
        callbacks,
        kind,
        index,
        unroll,
        progbar,
        wants_begin,
        wants_end,
    ):
        engine = get_engine()
        n = len(buffer)
        stacked = engine.tree_map(lambda *a: np.stack(a), *buffer)
        stacked = engine.place(stacked)
        fn, seconds = self._compiled(
            kind,
            lambda: self._multi_step(step, n, False, None, unroll),
            (state, stacked),
            static_key=(n, "batches", len(buffer[0].mask)),
        )
        if seconds and progbar is not None:
            progbar.compiling(seconds)
        if wants_begin:
            getattr(callbacks, f"on_{kind}_batch_begin")(index)
        state, logs = fn(state, stacked)
        if kind == "train":
            self._progress_state = state
        if wants_end:
            if kind == "train":
                self._write_state(state)
            getattr(callbacks, f"on_{kind}_batch_end")(index + n - 1, _LazyLogs(logs))
            if kind == "train":
                state = state._replace(**_reread(self, state))
        elif progbar is not None:
            progbar.on_batch(kind, index + n - 1, logs)
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
        preflight.check_common(self, x, y, sample_weight)
        if _callbacks is None:
            needs_targets = preflight.needs_targets(self, "test")
            preflight.check_evaluate_targets(x, y, needs_targets)
        data = data_adapters.make_data(
            x, y, sample_weight, batch_size, False, None, steps
        )
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
        cbs.on_test_begin()
        state = self._read_state(with_optimizer=False)
        state, logs = self._run_epoch(data, state, cbs, "test", None, 0)
        logs = _to_python(logs)
        self._last_metrics_state = state.metrics
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[name] for name in self._log_names() if name in logs]
        return values[0] if len(values) == 1 else values

    # -- predict ---------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Returns the model's outputs as numpy arrays (same structure as outputs)."""
        from kerasish.callbacks import CallbackList

        batch_size = _positive_int("batch_size", batch_size, allow_none=True) or 32
        steps = _positive_int("steps", steps, allow_none=True)
        verbose = _verbose(verbose)
        preflight.check_data_type(x)
        preflight.check_dict_keys(x, preflight.expected_input_keys(self), "x", "input")
        data = data_adapters.make_data(
            x, None, None, batch_size, False, None, steps, what="x"
        )
        fx, _, _ = data.first_batch()
        self._check_inputs(fx)
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
        wants_end = cbs.wants("on_predict_batch_end")
        wants_begin = cbs.wants("on_predict_batch_begin")
        state = TrainState(
            [v.value for v in self.trainable_variables],
            [v.value for v in self.non_trainable_variables],
            None,
            None,
        )
        engine = get_engine()
        outputs = []
        if data.kind == "arrays":
            x_host = self._run_host_layers(data.x)
            bs = data.batch_size
            # Predict is batch-independent, so several batches run per call (the
            # same numbers as batch by batch, without per-batch dispatch). Chunks
            # are host slices of a fixed row count, the last one padded: one
            # compiled function serves every data set size.
            chunk = (
                1
                if (wants_end or wants_begin)
                else min(-(-8192 // bs), 1 << (data.steps - 1).bit_length())
            )
            functions = {}
            done = 0
            exact = user_code_sees_rows(self, "predict")
            while done < data.steps:
                # The tail runs as a power-of-two number of batches: little
                # padding, and few distinct (cached) chunk sizes.
                n = min(chunk, 1 << (data.steps - done - 1).bit_length())
                rows = n * bs
                if exact:  # no padded row reaches a user's predict_step
                    rows = min(rows, data.num_samples - done * bs)
                xb = tree.map_structure(
                    lambda a, start=done * bs, r=rows: _rows(a, start, r), x_host
                )
                if rows not in functions:
                    functions[rows], _ = self._compiled(
                        "predict",
                        lambda: self._predict_rows,
                        (state, xb),
                        static_key=(rows,),
                    )
                if wants_begin:
                    cbs.on_predict_batch_begin(done)
                out = functions[rows](state, xb)
                outputs.append(out)
                done += n
                if wants_end:
                    real = min(bs, data.num_samples - (done - 1) * bs)
                    cbs.on_predict_batch_end(
                        done - 1,
                        {"outputs": engine.tree_map(lambda a, r=real: a[:r], out)},
                    )
            total = (
                data.num_samples
                if steps is None
                else min(data.num_samples, data.steps * bs)
            )
        else:
            total = 0
            exact = user_code_sees_rows(self, "predict")
            for x, _, _, mask in data.epoch(pad=not exact):
                batch = engine.place(Batch(self._run_host_layers(x), None, None, mask))
                fn, _ = self._compiled(
                    "predict",
                    lambda: self.predict_step,
                    (state, batch),
                    static_key=("batch", len(mask)),
                )
                if wants_begin:
                    cbs.on_predict_batch_begin(len(outputs))
                out = fn(state, batch)
                out = engine.tree_map(lambda a, m=mask: a[: int(m.sum())], out)
                outputs.append(out)
                total += int(mask.sum())
                if wants_end:
                    cbs.on_predict_batch_end(len(outputs) - 1, {"outputs": out})
        if not outputs:
            raise ValueError("predict received no data.")
        result = engine.tree_map(
            lambda *chunks: np.concatenate([np.asarray(c) for c in chunks])[:total],
            *outputs,
        )
        cbs.on_predict_end()
        return result

    def _predict_rows(self, state, x):
        return self.predict_step(state, Batch(x, None, None, None))

    # -- single batches --------------------------------------------------------
    def train_on_batch(
        self, x, y=None, sample_weight=None, class_weight=None, return_dict=False
    ):
        """Runs one training step on one batch; returns the batch's logs."""
        self._assert_compiled("train_on_batch")
        data = data_adapters.ArrayData(
            x, y, sample_weight, batch_size=_num(x), class_weight=class_weight
        )
        fx, fy, fsw = data.first_batch()
        self._prepare(fx, fy, fsw, for_training=True)
        self._flatten_data_targets(data)
        from kerasish.callbacks import CallbackList

        state = self._read_state()
        state, logs = self._run_epoch(
            data, state, CallbackList([], model=self), "train", None, 0
        )
        self._write_state(state)
        return _format_batch_logs(self, _to_python(logs), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluates one batch; returns its logs."""
        self._assert_compiled("test_on_batch")
        logs = self.evaluate(
            x,
            y,
            sample_weight=sample_weight,
            batch_size=_num(x),
            verbose=0,
            return_dict=True,
        )
        return _format_batch_logs(self, logs, return_dict)

    def predict_on_batch(self, x):
        """Returns the model's outputs for one batch, as numpy."""
        return self.predict(x, batch_size=_num(x), verbose=0)

    def get_metrics_result(self):
        state = getattr(self, "_last_metrics_state", None)
        return {} if state is None else _to_python(self._results(state))


# -- helpers -------------------------------------------------------------------


def _rows(array, start, rows):
    """`rows` rows of `array` from `start`, zero-padded past its end."""
    part = array[start : start + rows]
    if part.shape[0] == rows:
        return part
    part = np.asarray(part)
    filler = np.zeros((rows - part.shape[0],) + part.shape[1:], part.dtype)
    return np.concatenate([part, filler])


def _num(x):
    return max(
        1, data_adapters.num_samples(data_adapters.to_numpy_structure(x, "x"), "x") or 1
    )


def _format_batch_logs(model, logs, return_dict):
    if return_dict:
        return logs
    values = [logs[name] for name in model._log_names() if name in logs]
    return values[0] if len(values) == 1 else values


def _spec_of(a):
    engine = get_engine()
    a_shape = tuple(np.shape(a))
    dtype = getattr(a, "dtype", None) or np.asarray(a).dtype
    dtype = str(dtype)
    if dtype == "float64":
        from kerasish import config

        dtype = config.floatx()
    if dtype == "int64":
        dtype = "int32"
    return engine.shape_dtype_struct(a_shape, dtype)


def _signature(args):
    engine = get_engine()
    leaves, structure = engine.tree_flatten(args)
    return (
        str(structure),
        tuple(
            (tuple(np.shape(a)), str(getattr(a, "dtype", type(a).__name__)))
            for a in leaves
        ),
    )


def _diff(old, new):
    """Why a signature changed, or None for a data set's row count alone."""
    if old[0] != new[0]:
        return "the structure of the data changed"
    for a, b in zip(old[1], new[1]):
        if a != b and (a[1] != b[1] or a[0][1:] != b[0][1:] or len(a[0]) != len(b[0])):
            return f"an input was {a[0]} {a[1]}, now {b[0]} {b[1]}"
    return None


def _to_python(logs):
    if logs is None:
        return {}
    return {
        k: float(np.asarray(v)) if np.ndim(np.asarray(v)) == 0 else np.asarray(v)
        for k, v in logs.items()
    }


class _LazyLogs(MutableMapping):
    """Logs read from the device only when a callback looks at them."""

    def __init__(self, device_logs):
        self._device = device_logs
        self._values = None

    @property
    def _logs(self):
        if self._values is None:
            self._values = _to_python(self._device)
        return self._values

    def __getitem__(self, key):
        return self._logs[key]

    def __setitem__(self, key, value):
        self._logs[key] = value

    def __delitem__(self, key):
        del self._logs[key]

    def __iter__(self):
        return iter(self._logs)

    def __len__(self):
        return len(self._logs)

    def copy(self):
        return dict(self._logs)


def _reread(model, state):
    """After callbacks ran mid-epoch, pick up what they may have changed."""
    return {
        "trainable": [v.value for v in model.trainable_variables],
        "non_trainable": [v.value for v in model.non_trainable_variables],
        "optimizer": model.optimizer.state,
    }


def _progbar_of(callbacks):
    from kerasish.callbacks.progbar_logger import ProgbarLogger

    for cb in callbacks.callbacks:
        if isinstance(cb, ProgbarLogger) and cb.verbose:
            return _ProgbarBridge(cb)
    return None


class _ProgbarBridge:
    """Feeds the progress bar without a host sync unless it is about to print."""

    def __init__(self, logger):
        self.logger = logger

    def compiling(self, seconds):
        self.logger.compiling(seconds)

    def on_batch(self, kind, index, logs):
        if kind == "train":
            self.logger.on_train_batch_end(index, _LazyLogs(logs))
        elif not self.logger.model._in_fit:
            self.logger.on_test_batch_end(index, _LazyLogs(logs))


def _fuse_unroll(model, n):
    """How N fused steps are laid out: a rolled scan, or unrolled for convolutions.

    Measured on XLA:CPU (DESIGN.md): convolution steps inside a rolled scan run
    several times slower than unrolled; dense and recurrent steps gain from scan.
    """
    if n <= 1:
        return 1
    names = {type(layer).__name__ for layer in model._flatten_layers()}
    return n if any("Conv" in name for name in names) else 1


def _overrides_step(model):
    cls = type(model)
    return (
        cls.train_step is not Trainer.train_step
        or cls.compute_loss is not Trainer.compute_loss
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
