"""`Dropout`: zeroes a fraction of inputs while training."""

from kerasish import random
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin


@register_builtin("layers")
class Dropout(Layer):
    """Sets inputs to 0 with probability `rate` while training; scales the rest by
    `1 / (1 - rate)` so the expected sum is unchanged. Identity at inference.

    Args:
        rate: Float in [0, 1), the fraction to drop.
        noise_shape: Shape of the binary mask, broadcast over the input (None
            entries take the input's size).
        seed: Integer seed for repeatable masks.

    Example:
    >>> kerasish.layers.Dropout(0.5)(np.ones((2, 2)), training=False)
    Array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not (0 <= rate < 1)
        ):
            raise ValueError(
                f"Dropout: `rate` must be a float in [0, 1), got {rate!r}."
            )
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(
            inputs, self.rate, noise_shape=self.noise_shape, seed=self.seed_generator
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }
