"""`Optimizer`: Keras's optimizer object over a pure `init` / `stateless_apply` pair.

The object keeps Keras's configuration (names, arguments, `get_config`). The math is
the engine's chain of transformations (`get_engine().optimizers.keras_pipeline`:
loss-scale division, gradient accumulation, clipping, weight decay, the update
rule, EMA, constraints), and the optimizer's state is an `OptimizerState`
(`kerasish.engine.optimizer_state`, read through its declared fields) that the
trainer threads through its compiled step:

```python
opt_state = opt.init(params)
params, opt_state = opt.stateless_apply(opt_state, grads, params)  # pure, jittable
```

The learning rate lives in that state as data, so `opt.learning_rate = 1e-4` between
steps changes the update without recompiling.
"""

import numbers
import re
import warnings

import numpy as np

from kerasish.common.naming import to_snake_case, uniquify
from kerasish.engine import get_engine
from kerasish.optimizers.host_scalars import (
    ScalarVariable,
    check_number,
    is_number,
    learning_rate_view,
)
from kerasish.optimizers.optimizer_variables import StateVariables
from kerasish.optimizers.subclassing import KerasSubclassing
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)
from kerasish.variables import Variable


@register_builtin("optimizers")
class Optimizer(KerasSubclassing, StateVariables):
    """Base class of Keras optimizers.

    Args:
        learning_rate: A float, a `LearningRateSchedule` (evaluated at the current
            iteration inside the compiled step), or a callable with no arguments.
        weight_decay: Float or `None`. Decoupled weight decay applied before the
            update: `p -= p * weight_decay * learning_rate`.
        clipnorm: Float or `None`; each gradient is clipped to this L2 norm
            separately.
        clipvalue: Float or `None`; gradients are clipped elementwise to
            `[-clipvalue, clipvalue]`.
        global_clipnorm: Float or `None`; all gradients together are clipped to
            this global L2 norm. At most one of the three clipping arguments.
        use_ema: Whether to keep an exponential moving average of the weights.
        ema_momentum: `average = ema_momentum * average + (1 - ema_momentum) * p`
            (the first step copies the weights).
        ema_overwrite_frequency: Int or `None`; every this many steps the weights
            are replaced by their average.
        loss_scale_factor: Float or `None`; the loss is multiplied by it
            (`scale_loss`) and gradients divided by it.
        gradient_accumulation_steps: Int >= 2 or `None`; gradients are summed and
            the weights updated every this many steps with their mean.
        name: The optimizer's name.

    A subclass may also define its math the Keras way, overriding
    `build(variables)` (slots from `add_variable_from_reference`) and
    `update_step(gradient, variable, learning_rate)` (see
    `kerasish.optimizers.subclassing`).
    """

    _rule_name = None

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        cls = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                f"{cls}: argument `decay` is no longer supported and is ignored; "
                "use a learning-rate schedule instead.",
                stacklevel=2,
            )
        if kwargs:
            raise ValueError(
                f"{cls}: argument(s) not recognized: {sorted(kwargs)}. Valid "
                "arguments are the optimizer's own and learning_rate, weight_decay, "
                "clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum, "
                "ema_overwrite_frequency, loss_scale_factor, "
                "gradient_accumulation_steps, name."
            )
        self._learning_rate = self._check_learning_rate(learning_rate)
        for arg, value in (
            ("clipnorm", clipnorm),
            ("clipvalue", clipvalue),
            ("global_clipnorm", global_clipnorm),
            ("loss_scale_factor", loss_scale_factor),
        ):
            if value is not None:
                check_number(cls, arg, value, low=0, low_open=True)
        given = [
            a
            for a, v in (
                ("clipnorm", clipnorm),
                ("clipvalue", clipvalue),
                ("global_clipnorm", global_clipnorm),
            )
            if v is not None
        ]
        if len(given) > 1:
            raise ValueError(
                f"{cls}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` "
                f"can be set, got {', '.join(given)}. Keep one of them."
            )
        if weight_decay is not None:
            check_number(cls, "weight_decay", weight_decay, low=0)
        if not isinstance(use_ema, bool | np.bool_):
            raise TypeError(f"{cls}: `use_ema` must be a bool, got {use_ema!r}.")
        check_number(cls, "ema_momentum", ema_momentum, low=0, high=1)
        if ema_overwrite_frequency is not None and (
            isinstance(ema_overwrite_frequency, bool)
            or not isinstance(ema_overwrite_frequency, numbers.Integral)
            or ema_overwrite_frequency < 1
        ):
            raise ValueError(
                f"{cls}: `ema_overwrite_frequency` must be an int >= 1 or None, got "
                f"{ema_overwrite_frequency!r}."
            )
        if gradient_accumulation_steps is not None and (
            isinstance(gradient_accumulation_steps, bool)
            or not isinstance(gradient_accumulation_steps, numbers.Integral)
            or gradient_accumulation_steps < 2
        ):
            raise ValueError(
                f"{cls}: `gradient_accumulation_steps` must be an int >= 2 or None, "
                f"got {gradient_accumulation_steps!r}."
            )
        self.name = name or uniquify(to_snake_case(cls))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._state = None
        self._trainable_variables = []
        self._decay_mask = None
        self._constraints = None
        self._pipeline = None
        self._jitted_apply = None
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._trainable_variables_indices = {}
        self._slot_variables = []
        self._traced = None
        self._apply_frame = None

    # -- argument checks -----------------------------------------------------------
    def _check_learning_rate(self, learning_rate):
        from kerasish.optimizers.schedules import LearningRateSchedule

        if isinstance(learning_rate, LearningRateSchedule) or (
            callable(learning_rate) and not is_number(learning_rate)
        ):
            return learning_rate
        check_number(type(self).__name__, "learning_rate", learning_rate, low=0)
        return float(learning_rate)

    def _check(self, arg, value, **bounds):
        return check_number(type(self).__name__, arg, value, **bounds)

    # -- the engine side -----------------------------------------------------------
    def _rule_kwargs(self):
        """The update rule's hyperparameters (subclasses override)."""
        return {}

    def _make_rule(self):
        if self._is_subclassed():
            return self._subclass_rule()
        if self._rule_name is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no update rule. Use a concrete optimizer "
                "(SGD, Adam, ...) or pass an optax transformation."
            )
        return get_engine().optimizers.RULES[self._rule_name](**self._rule_kwargs())

    def _schedule(self):
        lr = self._learning_rate
        if isinstance(lr, float):
            return None
        from kerasish.optimizers.schedules import LearningRateSchedule

        if isinstance(lr, LearningRateSchedule):
            return lr
        return lambda step: lr()

    def _make_pipeline(self):
        lr = self._learning_rate
        return get_engine().optimizers.keras_pipeline(
            self._make_rule(),
            learning_rate=lr if isinstance(lr, float) else 0.0,
            schedule=self._schedule(),
            weight_decay=self._weight_decay_option(),
            decay_mask=self._decay_mask,
            clipnorm=self.clipnorm,
            clipvalue=self.clipvalue,
            global_clipnorm=self.global_clipnorm,
            use_ema=self.use_ema,
            ema_momentum=self.ema_momentum,
            ema_overwrite_frequency=self.ema_overwrite_frequency,
            loss_scale_factor=self.loss_scale_factor,
            gradient_accumulation_steps=self.gradient_accumulation_steps,
            constraints=self._constraints,
        )

    def _weight_decay_option(self):
        """The pipeline's `weight_decay`: a float, or one per variable (Muon)."""
        return self.weight_decay

    def _get_pipeline(self):
        if self._pipeline is None:
            self._pipeline = self._make_pipeline()
        return self._pipeline

    def _reset_pipeline(self):
        self._pipeline = None
        self._jitted_apply = None

    # -- the pure API ----------------------------------------------------------------
    def init(self, params):
        """Returns a fresh optimizer state (a pytree) for the arrays `params`."""
        params = [p.value if isinstance(p, Variable) else p for p in params]
        # One compiled call: run eagerly, each slot's creation compiles a program
        # of its own (a dozen small compiles before an MLP's first step).
        return get_engine().jit(self._get_pipeline().init, one_shot=True)(params)

    def stateless_apply(self, opt_state, grads, params):
        """One optimizer step, pure and jittable.

        Args:
            opt_state: The state from `init` (or the last `stateless_apply`).
            grads: List of gradients, one per entry of `params`.
            params: List of current weight values.

        Returns:
            `(new_params, new_opt_state)`; `new_params` is a list.
        """
        if type(self).apply is not Optimizer.apply:
            return self._apply_through_override(opt_state, grads, params)
        return self._pure_apply(opt_state, grads, params)

    def _pure_apply(self, opt_state, grads, params):
        grads, params = list(grads), list(params)
        if type(opt_state) in (list, tuple) and not self.built:
            raise ValueError(
                f"Optimizer '{self.name}' ({type(self).__name__}): to call "
                "`stateless_apply`, the optimizer must be built first: call "
                "`optimizer.build(trainable_variables)`, then pass "
                "`[v.value for v in optimizer.variables]` as its variables."
            )
        if len(grads) != len(params):
            raise ValueError(
                f"Optimizer '{self.name}' ({type(self).__name__}) received "
                f"{len(grads)} gradients for {len(params)} weights; pass one "
                "gradient per weight, in the same order."
            )
        if self.built and len(params) != len(self._trainable_variables):
            raise ValueError(
                f"Optimizer '{self.name}' ({type(self).__name__}) was built for "
                f"{len(self._trainable_variables)} variables, received "
                f"{len(params)} weights. Build a new optimizer for a new set of "
                "variables."
            )
        overwrite = self._overwritten_by_gradient()
        given = grads
        if overwrite:
            # As Keras: these variables take their "gradient" as their new
            # value (float8 scales), outside the update rule, clipping and decay.
            zeros = get_engine().numpy.zeros_like
            grads = [zeros(g) if o else g for g, o in zip(grads, overwrite)]
        if type(opt_state) in (list, tuple) and self.built:
            # Keras's form: the values of `optimizer.variables`, in that order.
            new_params, new_state = self._apply_flat(list(opt_state), grads, params)
        else:
            new_params, new_state = self._get_pipeline().apply(opt_state, grads, params)
        if overwrite:
            cast = get_engine().numpy.cast
            new_params = [
                cast(g, p.dtype) if o else p
                for g, p, o in zip(given, new_params, overwrite)
            ]
        return new_params, new_state

    def _apply_through_override(self, opt_state, grads, params):
        """`stateless_apply` for a subclass that overrides `apply` (gradient
        centralization, a custom clipping): as in Keras, the override runs on
        the gradients, with the variables reading `params`; its
        `super().apply(grads)` takes the pure step on what it passes."""
        if not self.built:
            raise ValueError(
                f"Optimizer '{self.name}' ({type(self).__name__}): to call "
                "`stateless_apply`, the optimizer must be built first: call "
                "`optimizer.build(trainable_variables)`."
            )
        from kerasish.variables import StatelessScope

        frame = {"state": opt_state, "params": list(params)}
        self._apply_frame = frame
        try:
            with StatelessScope(list(zip(self._trainable_variables, frame["params"]))):
                self.apply(list(grads))
        finally:
            self._apply_frame = None
        if "result" not in frame:
            raise ValueError(
                f"Optimizer '{self.name}' ({type(self).__name__}) overrides "
                "`apply` but did not call `super().apply(grads, ...)`; kerasish "
                "updates the weights in that call. Call it with the gradients "
                "to apply."
            )
        return frame["result"]

    def _apply_in_frame(self, grads, trainable_variables):
        """`super().apply(...)` inside `_apply_through_override`: the pure step
        on the gradients given (zeros for a variable left out)."""
        frame = self._apply_frame
        variables = self._trainable_variables
        if trainable_variables is None:
            full = list(grads)
        else:
            by_id = {id(v): g for v, g in zip(trainable_variables, grads)}
            zeros = get_engine().numpy.zeros_like
            full = [
                by_id[id(v)] if by_id.get(id(v)) is not None else zeros(p)
                for v, p in zip(variables, frame["params"])
            ]
        frame["result"] = self._pure_apply(frame["state"], full, frame["params"])
        return None

    def _overwritten_by_gradient(self):
        """One flag per trained variable, `overwrite_with_gradient`; None
        when no variable has it (nearly always)."""
        flags = [
            bool(getattr(v, "overwrite_with_gradient", False))
            for v in (self._trainable_variables if self.built else ())
        ]
        if not any(flags):
            return None
        if self.gradient_accumulation_steps:
            raise ValueError(
                f"Optimizer '{self.name}': `gradient_accumulation_steps` with "
                "variables that have `overwrite_with_gradient=True` (float8 "
                "training's scales) is not supported by kerasish. Train without "
                "gradient accumulation, or without float8 quantization."
            )
        return flags

    # -- the object API --------------------------------------------------------------
    @property
    def state(self):
        """The current optimizer state (a pytree), or `None` before `build`."""
        if self._state is None and self.built and self._is_subclassed():
            # A Keras subclass adds its slots after `super().build()` returns.
            self._state = self.init([_value(v) for v in self._trainable_variables])
            self._take_pending_iterations()
        return self._state

    @state.setter
    def state(self, value):
        self._state = value

    def build(self, variables):
        """Creates the state for `variables` (a list of kerasish `Variable`s)."""
        if self.built:
            return
        variables = list(variables)
        self._trainable_variables = variables
        self._trainable_variables_indices = {
            self._var_key(v): i for i, v in enumerate(variables)
        }
        if self.weight_decay is not None:
            self._decay_mask = [self._use_weight_decay(v) for v in variables]
        constraints = [getattr(v, "constraint", None) for v in variables]
        self._constraints = constraints if any(constraints) else None
        self._reset_pipeline()
        self.built = True
        if self._is_subclassed():  # a subclass's state waits for its slots
            return
        try:
            self.state = self.init([_value(v) for v in variables])
        except BaseException:
            self.built = False
            raise
        self._take_pending_iterations()

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables (or those whose name contains one of `var_names`)
        from weight decay. Call before `build`."""
        if self.built:
            raise ValueError(
                f"Optimizer '{self.name}': `exclude_from_weight_decay()` can only be "
                "called before the optimizer is built."
            )
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None
        )

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        name = getattr(variable, "name", "")
        if self._exclude_pattern is not None and self._exclude_pattern.search(name):
            return False
        return True

    def apply(self, grads, trainable_variables=None):
        """Applies `grads` to the variables in place (eager; builds on first use)."""
        if self._apply_frame is not None:  # inside a compiled step (see above)
            return self._apply_in_frame(list(grads), trainable_variables)
        grads = list(grads)
        if not grads:
            return None
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"Optimizer '{self.name}': when passing `grads` without "
                    "variables, the optimizer must be built first. Call "
                    "`optimizer.build(trainable_variables)`."
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        known = {id(v) for v in self._trainable_variables}
        for v in trainable_variables:
            if id(v) not in known:
                raise ValueError(
                    f"Optimizer '{self.name}': unknown variable {v!r}. It was built "
                    "for a different list of variables; create a new optimizer for "
                    "new variables."
                )
        by_id = {id(v): g for v, g in zip(trainable_variables, grads)}
        if all(by_id.get(id(v)) is None for v in self._trainable_variables):
            raise ValueError(
                f"Optimizer '{self.name}': no gradients provided for any variable."
            )
        values = [_value(v) for v in self._trainable_variables]
        full = []
        for v, value in zip(self._trainable_variables, values):
            g = by_id.get(id(v))
            if g is None:
                g = get_engine().numpy.zeros_like(value)
            full.append(_value(g))
        if self._jitted_apply is None:
            self._jitted_apply = get_engine().jit(self._pure_apply)
        new_values, self.state = self._jitted_apply(self.state, full, values)
        for v, value in zip(self._trainable_variables, new_values):
            v.assign(value)
        return self.iterations

    def apply_gradients(self, grads_and_vars):
        """`apply` for a list of `(gradient, variable)` pairs, as in Keras."""
        grads_and_vars = list(grads_and_vars)
        grads = [g for g, _ in grads_and_vars]
        variables = [v for _, v in grads_and_vars]
        return self.apply(grads, variables)

    def _lr_state(self):
        """The `OptimizerState` that holds the learning rate and the iterations
        (`LossScaleOptimizer` nests it)."""
        return self.state

    def _set_lr_state(self, value):
        self._state = value

    @property
    def learning_rate(self):
        """The learning rate, as Keras's variable: a live view (`float(lr)`,
        `lr.numpy()`, `lr.assign(x)`; setting `optimizer.learning_rate = x` works
        too) that changes the next steps without recompiling. With a schedule,
        its value at the current iteration (a float), as Keras gives."""
        if self._traced is not None:  # inside a subclass's `update_step`
            return self._traced["learning_rate"]
        return learning_rate_view(
            self,
            self._read_learning_rate,
            lambda value: setattr(self, "learning_rate", value),
            schedule=not isinstance(self._learning_rate, float),
        )

    def _read_learning_rate(self):
        lr = self._learning_rate
        state = self._lr_state() if self.built else None
        if isinstance(lr, float):
            return lr if state is None else state.learning_rate
        step = 0 if state is None else int(np.asarray(state.iterations))
        from kerasish.optimizers.schedules import LearningRateSchedule

        value = lr(step) if isinstance(lr, LearningRateSchedule) else lr()
        return float(np.asarray(value))

    @learning_rate.setter
    def learning_rate(self, value):
        from kerasish.optimizers.schedules import LearningRateSchedule

        if isinstance(value, LearningRateSchedule) or (
            callable(value) and not is_number(value)
        ):
            self._learning_rate = value
            self._reset_pipeline()
            if self.built:  # as Keras, which drops its learning-rate variable
                self._set_lr_state(self._lr_state()._replace(learning_rate=None))
            return
        if not isinstance(self._learning_rate, float):
            raise TypeError(
                f"Optimizer '{self.name}' was created with a learning-rate schedule "
                "or callable, so its learning rate cannot be set to a number. Create "
                "the optimizer with a float `learning_rate` to make it settable."
            )
        value = float(np.asarray(value))
        check_number(type(self).__name__, "learning_rate", value, low=0)
        self._learning_rate = value
        if self.built:
            state = get_engine().optimizers.with_learning_rate(self._lr_state(), value)
            self._set_lr_state(state)

    @property
    def iterations(self):
        """Number of optimizer steps taken (with gradient accumulation, of real
        updates: micro-steps // gradient_accumulation_steps), as Keras's
        variable: a live view; `.assign(n)` sets it (a schedule restarts)."""
        if self._traced is not None:  # inside a subclass's `update_step`
            return self._traced["iterations"]
        return ScalarVariable(
            self, "iteration", "int32", self._read_iterations, self._assign_iterations
        )

    def _read_iterations(self):
        if not self.built:
            return self.__dict__.get("_pending_iterations", 0)
        count = int(np.asarray(self._lr_state().iterations))
        return count // (self.gradient_accumulation_steps or 1)

    def _assign_iterations(self, value):
        # `optimizer.iterations.assign(n)`, as in Keras (a schedule restarts).
        value = int(np.asarray(value))
        if not self.built:  # the state made by `build` starts there
            self._pending_iterations = value
            return
        count = value * (self.gradient_accumulation_steps or 1)
        state = self._lr_state()
        iterations = get_engine().convert_to_tensor(count, str(state.iterations.dtype))
        self._set_lr_state(state._replace(iterations=iterations))

    def _take_pending_iterations(self):
        """Sets the iterations assigned before the state existed."""
        pending = self.__dict__.pop("_pending_iterations", None)
        if pending is not None:
            self._assign_iterations(pending)

    # Keras's helpers for writing variables in an update step.
    def assign(self, variable, value):
        """`variable.assign(value)`."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """`variable.assign_add(value)`."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """`variable.assign_sub(value)`."""
        variable.assign_sub(value)

    def scale_loss(self, loss, opt_state=None):
        """Multiplies the loss by `loss_scale_factor` (if set)."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def finalize_variable_values(self, var_list):
        """With `use_ema`, the moving averages replace the weights.

        `var_list` is a list of arrays (returns new arrays) or of `Variable`s
        (assigned in place and returned).
        """
        var_list = list(var_list)
        if not self.use_ema or self._state is None:
            return var_list
        averages = self._lr_state().ema
        if len(averages) != len(var_list):
            raise ValueError(
                f"Optimizer '{self.name}' holds {len(averages)} moving averages, "
                f"received {len(var_list)} weights."
            )
        out = []
        for v, avg in zip(var_list, averages):
            if isinstance(v, Variable):
                v.assign(avg)
                out.append(v)
            else:
                out.append(avg)
        return out

    # -- config ------------------------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, float):
            lr = float(self.learning_rate)
        else:
            lr = serialize_keras_object(lr)
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _value(x):
    return x.value if isinstance(x, Variable) else x
