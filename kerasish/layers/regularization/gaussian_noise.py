"""`GaussianNoise`: adds zero-centred Gaussian noise while training."""

from kerasish import random
from kerasish.layers.layer import Layer
from kerasish.layers.regularization._validate import check_rate, check_seed
from kerasish.serialization import register_builtin


@register_builtin("layers")
class GaussianNoise(Layer):
    """Adds `N(0, stddev**2)` noise to every input while training (a data
    augmentation against overfitting); identity at inference.

    Args:
        stddev: Float in [0, 1] (Keras's range), the noise's standard deviation.
        seed: Integer seed for repeatable noise.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> kerasish.layers.GaussianNoise(0.1)(np.ones((2,)), training=False)
    Array([1., 1.], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_rate("GaussianNoise", "stddev", stddev, allow_one=True)
        self.seed = check_seed("GaussianNoise", seed)
        self.seed_generator = random.SeedGenerator(seed) if stddev > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(
            tuple(inputs.shape),
            stddev=self.stddev,
            dtype=inputs.dtype,
            seed=self.seed_generator,
        )
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
