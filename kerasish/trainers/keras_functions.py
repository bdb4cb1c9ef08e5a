"""Keras 3's JAX-trainer step functions: `make_train_function` and its kin.

Keras's `fit` runs `model.train_function(state, iterator)`: `state` is the
tuple its `train_step` takes (`(trainable, non_trainable, optimizer, metrics)`
value lists; `(trainable, non_trainable, metrics)` to test; `(trainable,
non_trainable)` to predict), the iterator yields batches, and up to
`steps_per_execution` of them run per call. kerasish's `fit` compiles its own
steps (`step_compiler.py`) and does not go through these; they are here for
code written against Keras's, which builds and calls them by hand.
"""

import functools

import numpy as np

from kerasish.common.packing import unpack_x_y_sample_weight
from kerasish.engine import get_engine


class KerasStepFunctions:
    """Mixed into `Trainer`: `make_{train,test,predict}_function` and the
    `{train,test,predict}_function` they set (None until made; `compile`
    resets them)."""

    train_function = None
    test_function = None
    predict_function = None

    def _reset_step_functions(self):
        self.train_function = None
        self.test_function = None
        self.predict_function = None

    def make_train_function(self, force=False):
        """Sets `self.train_function(state, iterator) -> (logs, state)`."""
        if self.train_function is None or force:
            self.train_function = self._step_function(
                self._keras_step("train"), "train"
            )

    def make_test_function(self, force=False):
        """Sets `self.test_function(state, iterator) -> (logs, state)`."""
        if self.test_function is None or force:
            self.test_function = self._step_function(self._keras_step("test"), "test")

    def make_predict_function(self, force=False):
        """Sets and returns `self.predict_function(state, iterator) ->
        (outputs, state)`, the outputs of the batches it ran concatenated."""
        if self.predict_function is None or force:
            step = self._keras_step("predict")

            def predict_step(state, data):
                outputs, non_trainable = step(state, data)
                return outputs, (state[0], non_trainable)

            self.predict_function = self._step_function(predict_step, "predict")
        return self.predict_function

    def _keras_step(self, kind):
        """The `{kind}_step` that takes Keras's state tuple: a Keras-style
        override as written (the trainer wraps it for its own steps), or the
        built-in step, which reads a tuple the Keras way."""
        step = getattr(type(self), f"{kind}_step")
        if getattr(step, "_kerasish_adapted", False):
            return functools.partial(step.__wrapped__, self)
        return getattr(self, f"{kind}_step")

    def _step_function(self, step, kind):
        engine = get_engine()
        if self.jit_compile and not self.run_eagerly:
            # As Keras's: the state is donated, updated in place.
            step = engine.jit(step, donate_argnums=0)
        count = self.steps_per_execution
        count = count if isinstance(count, int) else 1  # "auto": one a call

        def iterator_step(state, iterator):
            data = next(iterator)
            state = self._built_for(kind, state, data)
            outputs, state = step(state, data)
            gathered = [outputs]
            for _ in range(count - 1):
                data = next(iterator, None)
                if data is None:
                    break
                outputs, state = step(state, data)
                gathered.append(outputs)
            if kind == "predict" and len(gathered) > 1:
                outputs = engine.tree_map(
                    lambda *parts: engine.numpy.concatenate(parts), *gathered
                )
            return outputs, state

        return iterator_step

    def _built_for(self, kind, state, data):
        """Builds the model, compiled loss and metrics from a first batch, as
        Keras's first step does, and completes the state's metric values with
        the initial values of the metrics this added (`state` was read from
        `metrics_variables` before they existed)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        if kind == "predict":
            if not self.built:
                self._build_from_data(x)
            return state
        if self.built and self._compile_metrics.built:
            return state
        before = {id(m) for m in self.metrics}
        self._prepare(x, y, sample_weight, for_training=kind == "train")
        given = iter(state[-1])
        values = []
        for metric in self.metrics:
            # Host copies: one buffer shared by two values cannot be donated.
            fresh = [np.array(v) for v in metric._from_state(metric.init())]
            values += [next(given) for _ in fresh] if id(metric) in before else fresh
        return (*state[:-1], values)
