"""`ScheduleFreeAdamW`: AdamW without a learning-rate schedule (Defazio et al.)."""

import numbers

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW (Defazio et al., 2024) as Keras computes it.

    The model's weights are the interpolation `y`; the optimizer keeps `z`
    (Keras's `momentum` slot, starting at the weights) and Adam's `v`. With
    `t = iterations + 1` and `lr` ramped by `min(t / warmup_steps, 1)`:
    `v = beta_2 v + (1 - beta_2) g^2`,
    `z -= lr * g / (sqrt(v / (1 - beta_2^t)) + epsilon)`,
    `x = (y - (1 - beta_1) z_old) / beta_1`, `x = (1 - 1/t) x + z / t`,
    `y = (1 - beta_1) z + beta_1 x`. As in Keras 3, the weights stay `y` for
    evaluation too (Keras swaps nothing; `x` is recoverable from `y` and `z`).

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.0025.
        beta_1: Interpolation between `z` and `x`, and momentum, in (0, 1).
        beta_2: Decay of the second moment, in [0, 1).
        epsilon: Added outside the square root (1e-8).
        warmup_steps: Int >= 0, steps of linear learning-rate warmup.
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> float(kerasish.optimizers.ScheduleFreeAdamW().learning_rate)
    0.0025
    """

    _rule_name = "schedule_free_adamw"
    _slot_groups = (("momentum", "velocity"),)

    def __init__(
        self,
        learning_rate=0.0025,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        warmup_steps=0,
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
        # beta_1 divides (x = (y - (1 - beta_1) z) / beta_1), so 0 is excluded.
        self._check("beta_1", beta_1, low=0, high=1, low_open=True, high_open=True)
        self._check("beta_2", beta_2, low=0, high=1, high_open=True)
        self._check("epsilon", epsilon, low=0)
        if (
            isinstance(warmup_steps, bool)
            or not isinstance(warmup_steps, numbers.Integral)
            or warmup_steps < 0
        ):
            raise ValueError(
                "ScheduleFreeAdamW: `warmup_steps` must be an int >= 0, got "
                f"{warmup_steps!r}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def _rule_kwargs(self):
        return {
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "warmup_steps": self.warmup_steps,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "warmup_steps": self.warmup_steps,
        }
