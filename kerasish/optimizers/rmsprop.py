"""`RMSprop`: Divides the gradient by a running root mean square."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class RMSprop(Optimizer):
    """Divides the gradient by a running root mean square.

    `v = rho * v + (1 - rho) * g^2`; `step = learning_rate * g / sqrt(v + epsilon)`
    (epsilon inside the root; `centered=True` uses `v - mean_g^2 + epsilon`); with
    momentum `m = momentum * m + step` and `p -= m`, else `p -= step`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        rho: Decay of the running mean square, in [0, 1].
        momentum: Float in [0, 1].
        epsilon: Added inside the square root.
        centered: Whether to normalize by the estimated variance.
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.RMSprop()
    >>> float(opt.learning_rate)
    0.001
    """

    _rule_name = "rmsprop"
    _slot_groups = (("velocity",), ("momentum",), ("average_gradient",))

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        self._check("momentum", momentum, low=0, high=1)
        self._check("epsilon", epsilon, low=0)
        if not isinstance(centered, bool):
            raise TypeError(f"RMSprop: `centered` must be a bool, got {centered!r}.")
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _rule_kwargs(self):
        return {
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
