"""`Adadelta`: Adadelta: step sizes from running averages of gradients and updates."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class Adadelta(Optimizer):
    """Adadelta: step sizes from running averages of gradients and updates.

    `a_g = rho * a_g + (1 - rho) * g^2`,
    `delta = -sqrt(a_d + epsilon) * g / sqrt(a_g + epsilon)`,
    `a_d = rho * a_d + (1 - rho) * delta^2`, `p += learning_rate * delta`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        rho: Decay rate, in [0, 1].
        epsilon: Added inside the square roots.
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.Adadelta()
    >>> float(opt.learning_rate)
    0.001
    """

    _rule_name = "adadelta"
    _slot_groups = (("accumulated_grad", "accumulated_delta_var"),)

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.95,
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
        self._check("rho", rho, low=0, high=1)
        self._check("epsilon", epsilon, low=0)
        self.rho = rho
        self.epsilon = epsilon

    def _rule_kwargs(self):
        return {"rho": self.rho, "epsilon": self.epsilon}

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "epsilon": self.epsilon,
        }
