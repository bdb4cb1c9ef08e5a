"""The optimizer's state as declared data: the part of the engine contract that
`kerasish.optimizers`, the trainer and saving read.

An engine's optimizer pipeline (`engine.optimizers.keras_pipeline`) returns and
accepts these named tuples; code above the engine reads their fields, never the
layout of an engine's internal transformation states. No engine is imported here.

Slots are keyed by Keras's names: `slots["momentum"][i]` is Keras's
`"{variable_i}_momentum"`. A list holds one array per trainable variable; a scalar
(Nadam's `u_product`) is one array for the optimizer.
"""

from typing import Any, NamedTuple


class OptimizerState(NamedTuple):
    """The optimizer's part of the train state (a pytree).

    Attributes:
        iterations: int32 scalar, the number of `apply` calls so far (Keras's
            `optimizer._iterations`: with gradient accumulation, micro-steps).
        learning_rate: float32 scalar, the settable learning rate; `None` when the
            learning rate is a schedule or a callable (evaluated at `iterations`
            inside the step, as Keras does, which keeps no variable for it).
        slots: dict of the update rule's state under Keras's slot names.
        accumulators: list of gradient sums (`gradient_accumulation_steps`), or
            `[]`.
        ema: list of moving averages of the weights (`use_ema`), or `[]`.
    """

    iterations: Any
    learning_rate: Any
    slots: dict
    accumulators: list
    ema: list


class LossScaleState(NamedTuple):
    """State of `LossScaleOptimizer`: finite steps since the scale changed, the
    current scale, then the inner optimizer's `OptimizerState`."""

    step_counter: Any
    dynamic_scale: Any
    inner: Any


class MultiOptimizerState(NamedTuple):
    """State of `MultiOptimizer`: its own step counter and (unused, as in Keras)
    learning rate, then one state per inner optimizer, in `optimizers` order."""

    iterations: Any
    learning_rate: Any
    inner: tuple
