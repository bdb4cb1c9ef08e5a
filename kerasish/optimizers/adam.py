"""`Adam` and `AdamW`: adaptive moment estimation, Keras's formulation."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014) as Keras computes it.

    `m = beta_1 * m + (1 - beta_1) * g`, `v = beta_2 * v + (1 - beta_2) * g^2`,
    `alpha = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)`,
    `p -= alpha * m / (sqrt(v) + epsilon)`: epsilon is added outside the square root
    of the *uncorrected* `v` (optax's `adam` adds it to `sqrt(v_hat)`).

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        beta_1: Decay of the first moment, in [0, 1).
        beta_2: Decay of the second moment, in [0, 1).
        epsilon: Small constant for numerical stability (1e-7).
        amsgrad: Whether to use the running maximum of `v` (AMSGrad).
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.Adam(learning_rate=0.01)
    >>> float(opt.learning_rate)
    0.01
    """

    _rule_name = "adam"
    _slot_groups = (("momentum", "velocity"), ("velocity_hat",))

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        self._check("beta_1", beta_1, low=0, high=1, high_open=True)
        self._check("beta_2", beta_2, low=0, high=1, high_open=True)
        self._check("epsilon", epsilon, low=0)
        if not isinstance(amsgrad, bool):
            raise TypeError(
                f"{type(self).__name__}: `amsgrad` must be a bool, got {amsgrad!r}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def _rule_kwargs(self):
        return {
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


@register_builtin("optimizers")
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam step `p -= p * weight_decay * learning_rate`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        weight_decay: Float >= 0. Defaults to 0.004.
        beta_1, beta_2, epsilon, amsgrad: As in `Adam`.
        **kwargs: The other base `Optimizer` arguments.

    Example:
    >>> kerasish.optimizers.AdamW().weight_decay
    0.004
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        if weight_decay is None:
            raise ValueError(
                "AdamW: `weight_decay` must be a float, got None. Use `Adam` for "
                "no weight decay."
            )
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
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
