"""`SGD`: Gradient descent with optional (Nesterov) momentum."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum.

    `m = momentum * m - learning_rate * g`, then `p += m`; with `nesterov=True`,
    `p += momentum * m - learning_rate * g`; without momentum `p -= learning_rate * g`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.01.
        momentum: Float in [0, 1]; accelerates descent and dampens oscillations.
        nesterov: Whether to use Nesterov momentum.
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.SGD(learning_rate=0.1)
    >>> float(opt.learning_rate)
    0.1
    """

    _rule_name = "sgd"
    _slot_groups = (("momentum",),)

    @property
    def momentums(self):
        """The momentum variables, one per trainable variable (empty without
        momentum or before `build`), as in Keras."""
        return [v for v in self.variables if v.name.endswith("_momentum")]

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
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
        self._check("momentum", momentum, low=0, high=1)
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD: `nesterov` must be a bool, got {nesterov!r}.")
        self.momentum = momentum
        self.nesterov = nesterov

    def _rule_kwargs(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }
