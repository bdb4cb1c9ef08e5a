"""`AlphaDropout`: dropout that keeps SELU's self-normalizing mean and variance."""

from kerasish import ops, random
from kerasish.layers.layer import Layer
from kerasish.layers.regularization._validate import check_rate, check_seed
from kerasish.serialization import register_builtin

# SELU's constants: dropped units are set to SELU's negative saturation value.
_ALPHA = 1.6732632423543772
_SCALE = 1.0507009873554805


@register_builtin("layers")
class AlphaDropout(Layer):
    """Dropout for SELU networks: while training, dropped units are set to
    `alpha' = -alpha * scale` (SELU's saturation) and the result is transformed
    affinely, `y = a * x' + b` with `a = ((1 - rate) * (1 + rate * alpha'**2))
    ** -0.5` and `b = -a * alpha' * rate`, so zero-mean, unit-variance inputs keep
    their mean and variance. Identity at inference.

    Args:
        rate: Float in [0, 1), the drop probability.
        noise_shape: Shape of the keep mask, broadcast over the input (None
            entries take the input's size).
        seed: Integer seed for repeatable masks.

    Input shape: any. Output shape: same as the input.

    Example:
    >>> kerasish.layers.AlphaDropout(0.2)(np.ones((2,)), training=False)
    Array([1., 1.], dtype=float32)
    """

    _built_at_init = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate("AlphaDropout", "rate", rate)
        self.seed = check_seed("AlphaDropout", seed)
        if noise_shape is not None:
            if not isinstance(noise_shape, list | tuple) or any(
                d is not None and (isinstance(d, bool) or not isinstance(d, int))
                for d in noise_shape
            ):
                raise TypeError(
                    "AlphaDropout: `noise_shape` must be a tuple of ints or None, "
                    f"got {noise_shape!r}."
                )
            noise_shape = tuple(noise_shape)
        self.noise_shape = noise_shape
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            if len(self.noise_shape) != len(shape):
                raise ValueError(
                    f"Layer '{self.name}' (AlphaDropout): `noise_shape` "
                    f"{self.noise_shape} must have the input's rank {len(shape)} "
                    f"(input shape {shape})."
                )
            shape = tuple(
                s if n is None else n for s, n in zip(shape, self.noise_shape)
            )
        alpha_p = -_ALPHA * _SCALE
        keep = ops.greater_equal(
            random.uniform(shape, seed=self.seed_generator), self.rate
        )
        keep = ops.cast(keep, inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * keep + alpha_p * (1 - keep)
        return a * x + b

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }
