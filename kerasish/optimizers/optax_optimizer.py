"""`OptaxOptimizer`: a raw optax transformation used as a kerasish optimizer.

`compile(optimizer=optax.adamw(1e-3))` ends up here (through
`kerasish.optimizers.get`). The learning rate is readable and settable when the
transformation was built with `optax.inject_hyperparams`.
"""

from kerasish.engine import get_engine
from kerasish.optimizers.host_scalars import learning_rate_view
from kerasish.optimizers.optimizer import Optimizer


class OptaxOptimizer(Optimizer):
    """Wraps an optax `GradientTransformation`; Keras's extras (clipping, EMA,
    gradient accumulation) are the transformation's business (`optax.chain`,
    `optax.MultiSteps`).

    Args:
        transformation: An optax `GradientTransformation`.
        name: The optimizer's name.

    Example:
    >>> import optax
    >>> opt = OptaxOptimizer(optax.inject_hyperparams(optax.sgd)(learning_rate=0.1))
    """

    def __init__(self, transformation, name=None):
        optimizers = get_engine().optimizers
        if not optimizers.is_gradient_transformation(transformation):
            raise TypeError(
                "OptaxOptimizer: expected an optax GradientTransformation, got "
                f"{transformation!r}."
            )
        super().__init__(learning_rate=0.0, name=name)
        self.transformation = transformation

    def _make_pipeline(self):
        return get_engine().optimizers.optax_pipeline(self.transformation)

    def _lr_missing(self):
        return ValueError(
            f"Optimizer '{self.name}' wraps an optax transformation without an "
            "injected learning rate. Build it with "
            "`optax.inject_hyperparams(optax.adamw)(learning_rate=1e-3)` to read or "
            "set `learning_rate`."
        )

    @property
    def learning_rate(self):
        self._read_learning_rate()  # raises now where there is none
        return learning_rate_view(
            self,
            self._read_learning_rate,
            lambda value: setattr(self, "learning_rate", value),
        )

    def _read_learning_rate(self):
        optimizers = get_engine().optimizers
        state = self._state if self.built else self.init([])
        value = optimizers.find_hyperparam(state.slots, "learning_rate")
        if value is None:
            raise self._lr_missing()
        return value

    @learning_rate.setter
    def learning_rate(self, value):
        if not self.built:
            raise ValueError(
                f"Optimizer '{self.name}' (an optax transformation) can only have its "
                "learning rate set after `build`."
            )
        optimizers = get_engine().optimizers
        if optimizers.find_hyperparam(self._state.slots, "learning_rate") is None:
            raise self._lr_missing()
        slots = optimizers.set_hyperparam(
            self._state.slots, "learning_rate", float(value)
        )
        self._state = self._state._replace(slots=slots)

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        raise TypeError(
            "An optimizer wrapping a raw optax transformation cannot be rebuilt from "
            "its config; compile the loaded model again with the transformation."
        )
