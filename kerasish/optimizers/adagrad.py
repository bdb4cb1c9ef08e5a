"""`Adagrad`: Per-parameter learning rates from the sum of squared gradients."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class Adagrad(Optimizer):
    """Per-parameter learning rates from the sum of squared gradients.

    `acc += g^2`, `p -= learning_rate * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        initial_accumulator_value: Starting value of the accumulators, >= 0.
        epsilon: Added inside the square root.
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.Adagrad()
    >>> float(opt.learning_rate)
    0.001
    """

    _rule_name = "adagrad"
    _slot_groups = (("accumulator",),)

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
        epsilon=1e-7,
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
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self._check("initial_accumulator_value", initial_accumulator_value, low=0)
        self._check("epsilon", epsilon, low=0)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _rule_kwargs(self):
        return {
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
