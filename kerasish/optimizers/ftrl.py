"""`Ftrl`: Follow The Regularized Leader (McMahan et al., 2013)."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class Ftrl(Optimizer):
    """Follow The Regularized Leader (McMahan et al., 2013), as Keras computes it.

    `n' = n + g^2`, `z += g + 2 * l2_shrinkage * p - (n'^-power - n^-power) / lr * p`,
    `p = (clip(z, -l1, l1) - z) / (n'^-power / lr + 2 * (l2 + beta / (2 * lr)))`
    with `power = learning_rate_power`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        learning_rate_power: Float <= 0.
        initial_accumulator_value: Starting value of the accumulators, >= 0.
        l1_regularization_strength: Float >= 0.
        l2_regularization_strength: Float >= 0.
        l2_shrinkage_regularization_strength: Float >= 0 (magnitude penalty).
        beta: Float, as in the paper.
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.Ftrl()
    >>> float(opt.learning_rate)
    0.001
    """

    _rule_name = "ftrl"
    _slot_groups = (("accumulator", "linear"),)

    def __init__(
        self,
        learning_rate=0.001,
        learning_rate_power=-0.5,
        initial_accumulator_value=0.1,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0,
        beta=0.0,
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
        self._check("learning_rate_power", learning_rate_power, high=0)
        self._check("initial_accumulator_value", initial_accumulator_value, low=0)
        self._check("l1_regularization_strength", l1_regularization_strength, low=0)
        self._check("l2_regularization_strength", l2_regularization_strength, low=0)
        self._check(
            "l2_shrinkage_regularization_strength",
            l2_shrinkage_regularization_strength,
            low=0,
        )
        self._check("beta", beta)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _rule_kwargs(self):
        return {
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": (
                self.l2_shrinkage_regularization_strength
            ),
            "beta": self.beta,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": (
                self.l2_shrinkage_regularization_strength
            ),
            "beta": self.beta,
        }
