"""`Muon`: momentum orthogonalized by Newton-Schulz, with AdamW for the rest."""

import numbers
import re

from kerasish import ops
from kerasish.optimizers.optimizer import Optimizer
from kerasish.serialization import register_builtin


@register_builtin("optimizers")
class Muon(Optimizer):
    """Muon (Jordan et al., 2024; Liu et al., 2025) as Keras computes it.

    2-D weights take the Muon step: `m = momentum * m + g`; the direction
    `d = g + momentum * m` (nesterov) or `m` is orthogonalized by `ns_steps`
    quintic Newton-Schulz iterations `x = a x + (b A + c A A) x` with `A = x x^T`
    on `x = d / (||d||_F + 1e-7)`, and `p -= lr * x * sqrt(max(rows, cols)) *
    rms_rate`. Every other weight (not 2-D, an embedding when
    `exclude_embeddings`, or a path matching a regex of `exclude_layers`) takes
    Keras's Adam step with learning rate `lr * adam_lr_ratio`. Weight decay is
    `weight_decay` for Muon weights and `adam_weight_decay` for Adam ones.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        adam_beta_1: Adam's first-moment decay (0.9).
        adam_beta_2: Adam's second-moment decay (0.999).
        adam_weight_decay: Float or `None`, decay of the Adam weights (0.004).
        epsilon: Adam's epsilon, outside the square root (1e-7).
        weight_decay: Float or `None`, decay of the Muon weights (0.004).
        exclude_layers: List of regexes; weights whose path matches one use Adam.
        exclude_embeddings: Whether weights with "embedding" in their path use
            Adam (True).
        muon_a, muon_b, muon_c: The Newton-Schulz coefficients.
        adam_lr_ratio: Adam's learning rate over Muon's (1).
        momentum: Muon's momentum (0.95).
        ns_steps: Number of Newton-Schulz iterations (5).
        nesterov: Whether Muon uses Nesterov momentum (True).
        rms_rate: Float or `None`; the update is scaled by
            `sqrt(max(rows, cols)) * rms_rate` (Moonlight), 0.2.
        **kwargs: The other base `Optimizer` arguments (`clipnorm`, `use_ema`, ...).

    Example:
    >>> kerasish.optimizers.Muon(exclude_layers=["output"]).exclude_layers
    ['output']
    """

    _rule_name = "muon"
    _slot_groups = (("momentum", "velocity"),)

    def __init__(
        self,
        learning_rate=0.001,
        adam_beta_1=0.9,
        adam_beta_2=0.999,
        adam_weight_decay=0.004,
        epsilon=1e-7,
        weight_decay=0.004,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        exclude_layers=None,
        exclude_embeddings=True,
        muon_a=3.4445,
        muon_b=-4.7750,
        muon_c=2.0315,
        adam_lr_ratio=1,
        momentum=0.95,
        ns_steps=5,
        nesterov=True,
        rms_rate=0.2,
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
        self._check("adam_beta_1", adam_beta_1, low=0, high=1, high_open=True)
        self._check("adam_beta_2", adam_beta_2, low=0, high=1, high_open=True)
        self._check("epsilon", epsilon, low=0)
        self._check("momentum", momentum, low=0, high=1)
        self._check("adam_lr_ratio", adam_lr_ratio, low=0)
        if adam_weight_decay is not None:
            self._check("adam_weight_decay", adam_weight_decay, low=0)
        if rms_rate is not None:
            self._check("rms_rate", rms_rate, low=0)
        if (
            isinstance(ns_steps, bool)
            or not isinstance(ns_steps, numbers.Integral)
            or ns_steps < 0
        ):
            raise ValueError(
                f"Muon: `ns_steps` must be an int >= 0, got {ns_steps!r}. Use the "
                "default 5."
            )
        if isinstance(exclude_layers, str):
            raise TypeError(
                f"Muon: `exclude_layers` must be a list of regexes, got the string "
                f"{exclude_layers!r}. Wrap it in a list: [{exclude_layers!r}]."
            )
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        """Whether `variable` takes the Adam step (Keras's rule)."""
        if len(variable.shape) != 2:
            return True
        path = getattr(variable, "path", "") or ""
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def _use_adam(self):
        if not self.built:
            raise ValueError(
                "Muon chooses the Muon or Adam step per variable from its path and "
                "shape, so it must be built first: call "
                "`optimizer.build(trainable_variables)` (fit and apply do it)."
            )
        return [self._should_use_adamw(v) for v in self._trainable_variables]

    @property
    def momentums(self):
        """The momentum variables, one per trainable variable, as in Keras."""
        return [v for v in self.variables if v.name.endswith("_momentum")]

    @property
    def adam_velocities(self):
        """Adam's velocity per trainable variable (`None` for Muon ones)."""
        if not self.built:
            return []
        velocities = iter(v for v in self.variables if v.name.endswith("_velocity"))
        return [next(velocities) if adam else None for adam in self._use_adam()]

    def transpose_last_axis(self, X):
        """`X` with its last two axes swapped."""
        return ops.swapaxes(X, -1, -2)

    def lr_adjust(self, x):
        """`x * sqrt(max(rows, cols)) * rms_rate` (Moonlight), or `x` without
        `rms_rate`."""
        if self.rms_rate is None:
            return x
        return x * ops.sqrt(ops.maximum(x.shape[0], x.shape[1])) * self.rms_rate

    def zeropower_via_newtonschulz5(self, x, steps: int):
        """`steps` quintic Newton-Schulz iterations towards the orthogonal factor
        of `x` (at least 2-D), the direction of Muon's update."""
        shape = ops.shape(x)
        if len(shape) < 2:
            raise ValueError(
                "Muon.zeropower_via_newtonschulz5: expected at least 2 dimensions, "
                f"received shape {tuple(shape)}."
            )
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        transpose = shape[-2] > shape[-1]
        if transpose:
            x = self.transpose_last_axis(x)
        x = x / (ops.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
        for _ in range(steps):
            gram = x @ self.transpose_last_axis(x)
            x = a * x + (b * gram + c * gram @ gram) @ x
        return self.transpose_last_axis(x) if transpose else x

    def _rule_kwargs(self):
        return {
            "use_adam": self._use_adam(),
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "rms_rate": self.rms_rate,
        }

    def _weight_decay_option(self):
        rates = [
            (self.adam_weight_decay if adam else self.weight_decay)
            if self._use_weight_decay(v)
            else None
            for v, adam in zip(self._trainable_variables, self._use_adam())
        ]
        return None if all(r is None for r in rates) else rates

    def get_config(self):
        return {
            **super().get_config(),
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        }
