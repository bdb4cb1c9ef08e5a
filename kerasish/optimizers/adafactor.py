"""`Adafactor`: factored second moments for matrices (Shazeer & Stern, 2018)."""

from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class Adafactor(Optimizer):
    """Adafactor: factored second moments for matrices (Shazeer & Stern, 2018).

    For weights of rank >= 2 the second moment is
    `r[..., None] / mean(r) * c[..., None, :]` with row and column running means
    `r`, `c` of `g^2 + epsilon_1`, decayed by
    `beta_2_t = 1 - t^beta_2_decay`; the step is
    `max(epsilon_2, rms(p)) * min(learning_rate, 1 / sqrt(t))` times the update clipped
    to RMS `clip_threshold`.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        beta_2_decay: Exponent of the second-moment decay schedule (negative).
        epsilon_1: Added to the squared gradient.
        epsilon_2: Lower bound of the weight RMS in the step size.
        clip_threshold: RMS threshold of the update.
        relative_step: Keras's flag; the step is always capped by `1 / sqrt(t)`.
        **kwargs: The base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).

    Example:
    >>> opt = kerasish.optimizers.Adafactor()
    >>> float(opt.learning_rate)
    0.001
    """

    _rule_name = "adafactor"
    _slot_groups = (("r", "c", "velocity"),)
    _slot_names = {"r": "", "c": ""}  # Keras names them after the variable

    def __init__(
        self,
        learning_rate=0.001,
        beta_2_decay=-0.8,
        epsilon_1=1e-30,
        epsilon_2=1e-3,
        clip_threshold=1.0,
        relative_step=True,
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
        self._check("beta_2_decay", beta_2_decay, high=0)
        self._check("epsilon_1", epsilon_1, low=0)
        self._check("epsilon_2", epsilon_2, low=0)
        self._check("clip_threshold", clip_threshold, low=0, low_open=True)
        if not isinstance(relative_step, bool):
            raise TypeError(
                f"Adafactor: `relative_step` must be a bool, got {relative_step!r}."
            )
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _rule_kwargs(self):
        return {
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        }
