"""`GaussianDropout`: multiplies by Gaussian noise of mean 1 while training."""

import math

from kerasish import random
from kerasish.layers.layer import Layer
from kerasish.layers.regularization._validate import check_rate, check_seed
from kerasish.serialization import register_builtin


@register_builtin("layers")
class GaussianDropout(Layer):
    """Multiplies inputs by `N(1, rate / (1 - rate))` noise while training (the
    variance of dropout with the same `rate`); identity at inference.

    Args:
        rate: Float in [0, 1), the equivalent drop probability.
        seed: Integer seed for repeatable noise.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> kerasish.layers.GaussianDropout(0.2)(np.ones((2,)), training=False)
    Array([1., 1.], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate("GaussianDropout", "rate", rate)
        self.seed = check_seed("GaussianDropout", seed)
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random.normal(
            tuple(inputs.shape),
            mean=1.0,
            stddev=stddev,
            dtype=inputs.dtype,
            seed=self.seed_generator,
        )
        return inputs * noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
