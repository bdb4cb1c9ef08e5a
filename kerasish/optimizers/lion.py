"""`Lion`: Lion: sign of an interpolated momentum (Chen et al., 2023)."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class Lion(Optimizer):
    """Lion: sign of an interpolated momentum (Chen et al., 2023).

    `p -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)`, then
    `m = beta_2 * m + (1 - beta_2) * g`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        beta_1: Interpolation of the update, in (0, 1].
        beta_2: Decay of the momentum, in [0, 1].
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.Lion()
    >>> float(opt.learning_rate)
    0.001
    """

    _rule_name = "lion"
    _slot_groups = (("momentum",),)

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.99,
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
        self._check("beta_1", beta_1, low=0, high=1, low_open=True)
        self._check("beta_2", beta_2, low=0, high=1)
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _rule_kwargs(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2}

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
        }
