"""`LossScaleOptimizer`: dynamic loss scaling for float16 training."""

import numbers

import numpy as np

from kerasish import ops
from kerasish.engine import get_engine
from kerasish.optimizers.host_scalars import ScalarVariable, learning_rate_view
from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)

_BASE_DEFAULTS = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


@register_builtin("optimizers")
class LossScaleOptimizer(Optimizer):
    """Scales the loss up so float16 gradients do not underflow, then unscales.

    Multiply the loss with `scale_loss` before differentiating; `stateless_apply`
    divides the gradients by the current scale. When every gradient is finite the
    inner optimizer steps, and after `dynamic_growth_steps` such steps in a row the
    scale doubles. When any gradient is `inf` or `nan` the step is skipped (weights
    and inner state unchanged) and the scale halves.

    Args:
        inner_optimizer: The `Optimizer` to wrap.
        initial_scale: Float, the starting scale (2**15).
        dynamic_growth_steps: Int, finite steps before the scale doubles (2000).
        name: The optimizer's name.

    Example:
    >>> opt = LossScaleOptimizer(kerasish.optimizers.SGD())
    >>> float(opt.scale_loss(1.0))
    32768.0
    """

    def __init__(
        self,
        inner_optimizer,
        initial_scale=2.0**15,
        dynamic_growth_steps=2000,
        name=None,
        **kwargs,
    ):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`; set "
                "`loss_scale_factor` on the inner optimizer instead."
            )
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg}`; set `{arg}` on "
                    "the `inner_optimizer` instead."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments {sorted(kwargs)}."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer: `inner_optimizer` must be a kerasish "
                f"Optimizer, got {inner_optimizer!r}. Use "
                "`kerasish.optimizers.get(...)` to make one from a name."
            )
        self._check_scale(initial_scale, dynamic_growth_steps)
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        inner_optimizer.loss_scale_factor = None
        inner_optimizer._reset_pipeline()

    @staticmethod
    def _check_scale(initial_scale, dynamic_growth_steps):
        if isinstance(initial_scale, bool) or not isinstance(
            initial_scale, numbers.Real
        ):
            raise TypeError(
                "LossScaleOptimizer: `initial_scale` must be a float, got "
                f"{initial_scale!r}."
            )
        if initial_scale <= 0:
            raise ValueError(
                f"LossScaleOptimizer: `initial_scale` must be > 0, got {initial_scale}."
            )
        if (
            isinstance(dynamic_growth_steps, bool)
            or not isinstance(dynamic_growth_steps, numbers.Integral)
            or dynamic_growth_steps < 1
        ):
            raise ValueError(
                "LossScaleOptimizer: `dynamic_growth_steps` must be an int >= 1, got "
                f"{dynamic_growth_steps!r}."
            )

    def _make_pipeline(self):
        return get_engine().optimizers.loss_scale_pipeline(
            self.inner_optimizer._get_pipeline(),
            self.initial_scale,
            self.dynamic_growth_steps,
        )

    def _reset_pipeline(self):
        super()._reset_pipeline()

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        self.inner_optimizer.build(variables)
        self._trainable_variables = variables
        self._reset_pipeline()
        self.built = True
        self.state = self.init([v.value for v in variables])
        self._take_pending_iterations()

    @Optimizer.state.setter
    def state(self, value):
        self._state = value
        if value is not None:
            self.inner_optimizer._state = value.inner

    def _lr_state(self):
        return self._state.inner

    def _set_lr_state(self, value):
        self.state = self._state._replace(inner=value)

    def _synced_inner(self):
        """The inner optimizer, holding the inner part of this one's state."""
        if self.built:
            self.inner_optimizer._state = self._state.inner
        return self.inner_optimizer

    @property
    def learning_rate(self):
        inner = self.inner_optimizer
        return learning_rate_view(
            self,
            lambda: self._synced_inner()._read_learning_rate(),
            lambda value: setattr(self, "learning_rate", value),
            schedule=not isinstance(inner._learning_rate, float),
        )

    @learning_rate.setter
    def learning_rate(self, value):
        if self.built:
            self.inner_optimizer._state = self._state.inner
        self.inner_optimizer.learning_rate = value
        if self.built:
            self.state = self._state._replace(inner=self.inner_optimizer._state)
        self._reset_pipeline()

    @property
    def iterations(self):
        return ScalarVariable(
            self,
            "iteration",
            "int32",
            lambda: self._synced_inner()._read_iterations(),
            self._assign_iterations,
        )

    def _layout(self):
        # LossScaleState(step_counter, dynamic_scale, inner): the inner
        # optimizer's variables follow, named as it names them.
        self.inner_optimizer._state = self._state.inner
        inner = [(leaf + 2, name) for leaf, name in self.inner_optimizer._layout()]
        return [(0, "step_counter"), (1, "dynamic_scale"), *inner]

    def _keras_arrays(self):
        # Keras's layout: the wrapper's own (unused) iteration and learning
        # rate, the step counter and the dynamic scale, then the inner
        # optimizer's state in its own Keras layout.
        self.inner_optimizer._state = self._state.inner
        inner = self.inner_optimizer._keras_arrays()
        own = [
            np.zeros((), inner[0].dtype if inner else "int64"),
            np.zeros((), "float32"),
            np.asarray(self._state.step_counter),
            np.asarray(self._state.dynamic_scale),
        ]
        return own + inner

    def _load_keras_arrays(self, arrays):
        self.inner_optimizer._state = self._state.inner
        inner_count = len(self.inner_optimizer._keras_arrays())
        if len(arrays) == inner_count + 4:
            counter, scale, inner = arrays[2], arrays[3], arrays[4:]
        elif len(arrays) == inner_count:  # kerasish files before December 2026
            counter, scale, inner = None, None, arrays
        else:
            return False
        if not self.inner_optimizer._load_keras_arrays(inner):
            return False
        state = self._state._replace(inner=self.inner_optimizer._state)
        engine = get_engine()
        if counter is not None:
            state = state._replace(
                step_counter=engine.convert_to_tensor(
                    np.asarray(counter), str(state.step_counter.dtype)
                ),
                dynamic_scale=engine.convert_to_tensor(
                    np.asarray(scale), str(state.dynamic_scale.dtype)
                ),
            )
        self.state = state
        return True

    def _saved_children(self):
        """`(path, optimizer)` Keras also writes below this one's own state:
        the inner optimizer's variables again, at `inner_optimizer`."""
        self.inner_optimizer._state = self._state.inner
        return [("inner_optimizer", self.inner_optimizer)]

    @property
    def step_counter(self):
        """Finite steps since the scale last changed (a read-only variable)."""
        return ScalarVariable(
            self,
            "step_counter",
            "int32",
            lambda: self._state.step_counter if self.built else 0,
        )

    def check_finite(self, grads):
        """Whether every gradient in `grads` is finite (a boolean tensor)."""
        finite = [ops.all(ops.isfinite(g)) for g in grads if g is not None]
        return ops.all(ops.stack(finite)) if finite else ops.convert_to_tensor(True)

    @property
    def dynamic_scale(self):
        """The current loss scale (a read-only variable)."""
        return ScalarVariable(
            self,
            "dynamic_scale",
            "float32",
            lambda: self._state.dynamic_scale if self.built else self.initial_scale,
        )

    def scale_loss(self, loss, opt_state=None):
        """`loss * scale`; inside a compiled step pass the traced `opt_state` so the
        current scale is used rather than the host copy."""
        if opt_state is not None:
            scale = opt_state.dynamic_scale
        elif self.built:
            scale = self._state.dynamic_scale
        else:
            scale = self.initial_scale
        return loss * scale

    def finalize_variable_values(self, var_list):
        if self.built:
            self.inner_optimizer._state = self._state.inner
        return self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {
            "name": self.name,
            "inner_optimizer": serialize_keras_object(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = deserialize_keras_object(
            config.pop("inner_optimizer"),
            kind="optimizers",
            custom_objects=custom_objects,
        )
        return cls(inner, **config)
